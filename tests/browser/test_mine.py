"""An attendee's own page and a host's news, as people use them: /mine/ after pressing
"I'm interested" on two cards at the same hour; the manage page after the chair's move."""

import pytest
from playwright.sync_api import Page, expect

from boards.models import Card, Slot
from boards.services.cards import Actor, card_move
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def clashing_card(conference) -> Card:
    """A second card at the same hour as conference.card (10:00), in another room."""
    slot = Slot.objects.get(room=conference.rooms[1], starts_at=conference.card.slot.starts_at)
    return factories.make_card(slot=slot, title="Packaging, again", host_name="Priya N.")


def follow(page: Page, card: Card) -> None:
    page.goto(f"/card/{card.pk}/")
    page.get_by_role("button", name="I’m interested").click()
    expect(page.get_by_role("button", name="I’m interested")).to_have_attribute(
        "aria-pressed", "true"
    )


def test_an_attendee_finds_a_clash_and_a_move_on_their_own_page(page: Page, conference):
    other = clashing_card(conference)
    follow(page, conference.card)
    follow(page, other)
    page.get_by_role("link", name="See it with the others you follow").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("My open spaces")
    expect(page.locator(".space.clash")).to_have_count(2)
    expect(page.get_by_text("At one hour you follow more than one: pick one.")).to_be_visible()

    card_move(
        card=Card.objects.get(pk=other.pk),
        to_slot=conference.free,
        now=conference.free.starts_at,
        actor=Actor.chair("chair"),
        reason="A bigger room",
    )
    page.reload()
    expect(page.locator(".space.clash")).to_have_count(0)
    expect(page.get_by_text("Moved since you said you were interested.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_the_footer_leads_to_mine_and_the_calendar_address_is_made_there(page: Page, conference):
    page.goto("/")
    page.get_by_role("link", name="My open spaces").click()
    page.get_by_role("button", name="Make my private calendar address").click()
    expect(page.locator("#calendar-url")).to_contain_text("/mine/")
    expect(page.locator("#calendar-url")).to_contain_text("/calendar.ics")


def test_the_host_reads_the_chairs_move_on_the_manage_page(page: Page, conference):
    card_move(
        card=Card.objects.get(pk=conference.card.pk),
        to_slot=conference.free,
        now=conference.free.starts_at,
        actor=Actor.chair("chair"),
        reason="Room A has a broken projector",
    )
    page.goto(f"/card/{conference.card.pk}/manage/token/")
    changes = page.get_by_role("region", name="What changed")
    expect(changes).to_contain_text("The Open Spaces chair moved your card from")
    expect(changes).to_contain_text("Why: Room A has a broken projector")
    page.get_by_label("Your email").fill("carlton@example.org")
    page.get_by_role("button", name="Save my email").click()
    expect(page.get_by_text("Your email is saved")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
