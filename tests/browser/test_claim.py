"""Hosts claim a free slot: in place with JavaScript, as plain pages without it."""

import re

import pytest
from playwright.sync_api import Page, expect

from boards.models import Card
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

FREE_AT_11 = "Free: host here (Room A, 11:00)"
MANAGE_URL = re.compile(r"^http://localhost:\d+/card/\d+/manage/[\w-]+/$")


def _fill_claim(page: Page, *, title: str, name: str, handle: str = "") -> None:
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("Screen readers, keyboards and WCAG 2.2.")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Social handle").fill(handle)


def test_claim_in_place_with_javascript(page: Page, conference):
    page.goto("/")

    page.get_by_role("link", name=FREE_AT_11, exact=True).click()

    panel = page.locator("#claim-panel")
    expect(panel.get_by_role("heading", name="Host an open space")).to_be_focused()
    expect(panel.locator(".slot-facts")).to_contain_text("Friday 14 May, 11:00–12:00")
    expect(page).to_have_url(conference.url + "/")  # the board stays underneath
    _fill_claim(page, title="Accessibility in web apps", name="Noor A.", handle="noor.bsky.social")
    panel.get_by_role("button", name="Pin my card").click()

    # One page, the card's own: the same page the plain form and a reload show.
    expect(page.get_by_role("heading", name="Your card is on the board")).to_be_visible()
    card = Card.objects.active().get(title="Accessibility in web apps")
    expect(page).to_have_url(f"{conference.url}/card/{card.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility in web apps")
    expect(page.locator("#board")).to_have_count(0)
    manage_url = page.locator("#manage-url").inner_text()
    assert MANAGE_URL.match(manage_url)
    assert (card.slot, card.host_name, card.host_handle) == (
        conference.free,
        "Noor A.",
        "@noor.bsky.social",
    )
    page.reload()
    expect(page).to_have_url(f"{conference.url}/card/{card.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility in web apps")
    expect(page.get_by_role("link", name="Manage your card")).to_be_visible()
    page.goto("/")
    expect(page.locator("#board").get_by_role("link", name=FREE_AT_11, exact=True)).to_have_count(
        0
    )
    page.goto(manage_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your card: Accessibility in web apps"
    )


def test_claim_without_javascript(plain_page: Page, conference):
    page = plain_page
    page.goto("/")

    page.get_by_role("link", name=FREE_AT_11, exact=True).click()

    expect(page).to_have_url(f"{conference.url}/slot/{conference.free.pk}/claim/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Host an open space")
    _fill_claim(page, title="Accessibility in web apps", name="Noor A.")
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Pin my card").click()

    assert posted.value.status == 303
    card = Card.objects.active().get(title="Accessibility in web apps")
    expect(page).to_have_url(f"{conference.url}/card/{card.pk}/")
    expect(page.get_by_role("heading", name="Your card is on the board")).to_be_visible()
    manage_url = page.locator("#manage-url").inner_text()
    assert MANAGE_URL.match(manage_url)
    # The copy button needs JavaScript: without it, it stays hidden.
    expect(page.get_by_role("button", name="Copy the link")).to_be_hidden()
    page.get_by_role("link", name="Back to the board of Friday 14 May").click()
    expect(page.get_by_role("link", name="Accessibility in web apps")).to_be_visible()
    # The link is shown once only, and it works.
    page.goto(f"/card/{card.pk}/")
    expect(page.get_by_role("heading", name="Your card is on the board")).to_have_count(0)
    page.goto(manage_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your card: Accessibility in web apps"
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "plain"])
def test_claim_with_errors_shows_them_beside_fields_and_keeps_values(
    page: Page, plain_page: Page, conference, console, javascript
):
    console.expect(r"status of 422")  # the answer to an invalid claim, as designed
    page = page if javascript else plain_page
    page.goto("/")
    page.get_by_role("link", name=FREE_AT_11, exact=True).click()
    page.get_by_label("Title").fill("   ")
    page.get_by_label("Your name").fill("Noor A.")
    page.get_by_label("Social handle").fill("not a handle at all")
    page.get_by_label("Email").fill("noor at example")

    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Pin my card").click()

    assert posted.value.status == 422
    expect(page.get_by_role("alert")).to_have_text(
        re.compile(r"Please fix 3 things below\. Nothing you typed is lost\.")
    )
    title = page.get_by_label("Title")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_accessible_description(re.compile("Error: This field is required."))
    handle = page.get_by_label("Social handle")
    expect(handle).to_have_value("not a handle at all")
    expect(handle).to_have_accessible_description(re.compile("Error: Use a form such as"))
    email = page.get_by_label("Email")
    expect(email).to_have_value("noor at example")
    expect(email).to_have_accessible_description(re.compile("Error: Enter a valid email"))
    expect(page.get_by_label("Your name")).to_have_value("Noor A.")
    # Each error sits in its field's block, between the label and the input.
    for field in (title, handle, email):
        expect(field.locator("xpath=preceding-sibling::p[@class='error']")).to_be_visible()
    assert not Card.objects.filter(host_name="Noor A.").exists()


def test_claim_link_works_with_the_keyboard(page: Page, conference):
    page.goto("/")
    claim = page.get_by_role("link", name="Free: host here (Room B, 10:00)", exact=True)

    for _ in range(30):
        page.keyboard.press("Tab")
        if claim.evaluate("link => link === document.activeElement"):
            break
    expect(claim).to_be_focused()
    page.keyboard.press("Enter")

    heading = page.locator("#claim-panel").get_by_role("heading", name="Host an open space")
    expect(heading).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Title")).to_be_focused()
    # Closing the form takes the keyboard back to the link that opened it.
    page.get_by_role("link", name="Back to the board").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#claim-panel")).to_be_empty()
    expect(claim).to_be_focused()


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "plain"])
def test_a_slot_taken_meanwhile_offers_others_and_sends_the_text_as_edited(
    page: Page, plain_page: Page, conference, console, javascript
):
    """Someone pins the slot while the form is open: the answer keeps the text, offers the
    nearest free slots, and the one picked gets the text as it was edited since."""
    page = page if javascript else plain_page
    console.expect(r"status of 409")  # the answer to the lost claim, as it should be
    page.goto("/")
    page.get_by_role("link", name=FREE_AT_11, exact=True).click()
    _fill_claim(page, title="Accessibility in web apps", name="Noor A.")
    factories.make_card(slot=conference.free, title="Got there first", host_name="Ada")
    page.get_by_role("button", name="Pin my card").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Someone else has just taken this slot.")
    expect(page.get_by_label("Title")).to_have_value("Accessibility in web apps")
    page.get_by_label("Title").fill("Accessibility in web apps, round two")
    alert.get_by_role("button", name="Claim Room B, Fri 11:00").click()

    expect(page.get_by_role("heading", name="Your card is on the board")).to_be_visible()
    card = Card.objects.active().get(host_name="Noor A.")
    assert card.title == "Accessibility in web apps, round two"
    assert (card.slot.room, card.slot.starts_at) == (
        conference.rooms[1],
        conference.free.starts_at,
    )
    expect(page).to_have_url(f"{conference.url}/card/{card.pk}/")
