"""The board as attendees see it on a phone and on a laptop."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_board_shows_cards_and_free_slots(page: Page, conference):
    page.goto("/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Today Friday 14 May")
    expect(page.locator(".board-summary")).to_contain_text(
        "2 open spaces, 7 free slots: pick one to host your own."
    )
    card = page.get_by_role("link", name="Django async in production")
    expect(card).to_be_visible()
    expect(card).to_have_attribute("href", f"/card/{conference.card.pk}/")
    expect(page.get_by_text("Carlton G.")).to_be_visible()
    expect(page.get_by_role("link", name="@carlton@fosstodon.org")).to_be_visible()
    expect(page.get_by_text("Blocked: Sponsor lunch until 13:00")).to_be_visible()
    expect(page.locator("tr.now .now-badge")).to_have_text("Now")
    claim = page.get_by_role("link", name="Free: host here (Room A, 11:00)", exact=True)
    expect(claim).to_be_visible()
    expect(page.locator("a.claim-link")).to_have_count(7)


def test_board_links_to_tomorrow_and_back(page: Page, conference):
    page.goto("/")

    page.get_by_role("link", name="Tomorrow →").click()

    expect(page).to_have_url(f"{conference.url}/day/2027-05-15/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tomorrow Saturday 15 May")
    expect(page.get_by_role("link", name="Type hints")).to_be_visible()
    page.get_by_role("link", name="← Today").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today Friday 14 May")


def test_board_not_open_yet_says_when_it_opens(page: Page, conference):
    page.goto("/day/2027-05-16/")

    expect(page.locator(".board-summary")).to_contain_text(
        "This board opens for sign-up Saturday at 00:00."
    )
    expect(page.locator("a.claim-link")).to_have_count(0)
    expect(page.get_by_text("Free (opens Sat 00:00)").first).to_be_visible()
