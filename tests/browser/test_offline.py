"""The board on a dead connection: the service worker's stored copies, the offline note,
write forms that say they need the network and keep what was typed, and the live board
coming back by itself."""

import datetime as dt
import re
import time
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from playwright.sync_api import BrowserContext, Page, expect

from boards.models import Card
from boards.services import ideas
from boards.services.grid import bump_board_versions
from tests import factories
from tests.browser import VIEWPORTS
from tests.browser.axe import axe_violations, describe

pytestmark = pytest.mark.django_db(transaction=True)

STORED_WITHIN_S = 15


@pytest.fixture
def phone(new_context, console) -> BrowserContext:
    """A phone whose pages axe can check (bypass_csp), as offline tests need only one size."""
    context = new_context(viewport=VIEWPORTS["phone"], bypass_csp=True)
    console.watch(context)
    # Offline, the page's own requests fail as they would on a phone: the browser says
    # so in the console, and htmx reports each poll that could not be sent.
    console.expect(r"ERR_INTERNET_DISCONNECTED|htmx:sendError|Failed to fetch")
    return context


def _wait_until_stored(page: Page, *paths: str) -> None:
    """Until the service worker controls the page and has stored every page in `paths`."""
    deadline = time.monotonic() + STORED_WITHIN_S
    while not page.evaluate("navigator.serviceWorker.controller !== null"):
        assert time.monotonic() < deadline, "no service worker controls the page"
        time.sleep(0.2)
    script = "paths => Promise.all(paths.map(p => caches.match(p))).then(r => r.map(Boolean))"
    while True:
        stored = page.evaluate(script, list(paths))
        if all(stored):
            return
        missing = [path for path, hit in zip(paths, stored, strict=True) if not hit]
        assert time.monotonic() < deadline, f"never stored: {missing}"
        time.sleep(0.2)


def test_boards_now_and_a_card_read_offline_with_the_note(phone: BrowserContext, conference):
    today, tomorrow = (f"/day/{day.date}/" for day in conference.days[:2])
    card = f"/card/{conference.card.pk}/"
    page = phone.new_page()
    page.goto(conference.url + "/")
    # The first visit stores today's and tomorrow's boards without opening them.
    _wait_until_stored(page, "/", "/now/", today, tomorrow)
    page.goto(conference.url + card)
    _wait_until_stored(page, card)
    page.goto(conference.url + "/")

    phone.set_offline(True)
    page.reload()
    expect(page.locator("#offline-note")).to_have_text(
        re.compile(r"^You are offline: this is the board as of \d\d:\d\d\.$")
    )
    expect(page.locator("#board")).to_contain_text("Django async in production")
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    page.goto(conference.url + tomorrow)
    expect(page.locator("#offline-note")).to_contain_text("You are offline: this is the board")
    expect(page.locator("#board")).to_contain_text("Type hints")

    page.goto(conference.url + "/now/")
    expect(page.locator("#offline-note")).to_contain_text("You are offline: this is the board")
    expect(page.get_by_role("region", name="On now")).to_contain_text("Packaging pains")

    page.goto(conference.url + card)
    expect(page.locator("#offline-note")).to_contain_text("You are offline: this is the card")
    expect(page.get_by_role("heading", level=1)).to_have_text("Django async in production")
    # Offline, the interest and report buttons say they need the network.
    expect(page.locator("#interest .needs-network")).to_contain_text("needs a connection")
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_a_spanish_reader_finds_both_boards_and_now_offline(phone: BrowserContext, conference):
    today, tomorrow = (f"/es/day/{day.date}/" for day in conference.days[:2])
    page = phone.new_page()
    page.goto(conference.url + "/es/")
    # One visit to the home page stores its own language's boards and now and next.
    _wait_until_stored(page, "/es/", "/es/now/", today, tomorrow)

    phone.set_offline(True)
    _wait_until_stored(page, "/es/guide/", "/es/ideas/")  # the footer's links
    for path in ("/es/", tomorrow, "/es/now/", "/es/guide/", "/es/ideas/"):
        page.goto(conference.url + path)
        expect(page.locator("#offline-note")).to_contain_text("No tienes conexión")


def test_claim_form_offline_keeps_its_text_and_sends_nothing(phone: BrowserContext, conference):
    claim = f"/slot/{conference.free.pk}/claim/"
    page = phone.new_page()
    page.goto(conference.url + claim)
    _wait_until_stored(page, claim)
    page.get_by_label("Title").fill("Offline-first web apps")
    page.get_by_label("Your name").fill("Noor")

    phone.set_offline(True)
    page.reload()
    expect(page.get_by_label("Title")).to_have_value("Offline-first web apps")
    expect(page.get_by_label("Your name")).to_have_value("Noor")
    message = page.locator("form.card-form .needs-network")
    expect(message).to_contain_text("needs a connection")
    # Just above the button, where a host about to send it looks; none in the footer.
    expect(
        page.locator("form.card-form .needs-network + .actions").get_by_role(
            "button", name="Pin my card"
        )
    ).to_be_visible()
    expect(page.locator("form.language-switch .needs-network")).to_have_count(0)
    page.get_by_role("button", name="Pin my card").click()
    expect(message).to_have_attribute("role", "alert")
    expect(page.get_by_label("Title")).to_have_value("Offline-first web apps")

    # Nothing was queued: back online, the claim happens when the host sends it.
    phone.set_offline(False)
    expect(message).to_have_count(0)
    assert not Card.objects.filter(title="Offline-first web apps").exists()
    page.get_by_role("button", name="Pin my card").click()
    expect(page.get_by_text("Your card is on the board")).to_be_visible()
    assert Card.objects.filter(title="Offline-first web apps").count() == 1
    # Sent: the draft is gone, so the slot's form is empty again for the next person.
    page.goto(conference.url + f"/slot/{conference.free.pk}/claim/")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.includes('draft'))") == []


def test_back_online_the_board_shows_a_change_by_itself(phone: BrowserContext, conference):
    page = phone.new_page()
    page.goto(conference.url + "/")
    _wait_until_stored(page, "/")
    page.reload()  # now under the service worker
    phone.set_offline(True)
    page.reload()
    expect(page.locator("#offline-note")).to_be_visible()

    # Meanwhile someone pins a card.
    factories.make_card(slot=conference.free, title="Written while you were offline")
    bump_board_versions(conference.free.day_id)

    phone.set_offline(False)
    expect(page.locator("#board")).to_contain_text("Written while you were offline")
    expect(page.locator("#offline-note")).to_have_count(0)
    assert page.url == conference.url + "/"  # no reload: the live board swapped itself in


def test_display_is_never_stored(phone: BrowserContext, conference):
    page = phone.new_page()
    page.goto(conference.url + "/")
    _wait_until_stored(page, "/")
    page.goto(conference.url + "/display/")
    page.goto(conference.url + "/")
    assert page.evaluate("caches.match('/display/').then(Boolean)") is False


def test_a_page_never_opened_shows_the_apps_offline_page(phone: BrowserContext, conference):
    page = phone.new_page()
    page.goto(conference.url + "/")
    _wait_until_stored(page, "/", "/now/", "/offline/", "/es/offline/")

    phone.set_offline(True)
    page.goto(f"{conference.url}/room/{conference.rooms[0].pk}/")  # never opened or stored
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(page.get_by_role("link", name="Today’s board")).to_be_visible()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    page.goto(conference.url + "/?q=packaging")  # a search is never stored either
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    page.goto(conference.url + "/es/card/99999/")  # in the language of its address
    expect(page.get_by_role("heading", level=1)).to_have_text("No tienes conexión")
    page.goto(f"{conference.url}/room/{conference.rooms[0].pk}/")
    page.get_by_role("link", name="Today’s board").click()  # stored: it opens
    expect(page.locator("#offline-note")).to_contain_text("You are offline: this is the board")


def test_a_free_slot_tapped_offline_says_it_needs_a_connection(phone: BrowserContext, conference):
    page = phone.new_page()
    page.goto(conference.url + "/")
    _wait_until_stored(page, "/")
    phone.set_offline(True)
    chip = page.locator(".hours .free a.claim-link").first
    chip.click()
    note = page.locator(".claim-needs-network")
    expect(note).to_have_text(
        "You are offline: taking a slot needs a connection. Try again when you are back online."
    )
    expect(note).to_have_attribute("role", "alert")
    expect(page.locator("#claim-panel")).to_be_empty()
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(note).to_have_count(0)


def test_a_free_cell_tapped_offline_on_the_grid_says_so_under_its_hour(
    new_context, console, conference
):
    """On a laptop's grid the chips' line has no box of its own: the note takes the width
    of the hour's row, under it, instead of a narrow column of its own."""
    context = new_context(viewport=VIEWPORTS["desktop"])
    console.watch(context)
    console.expect(r"ERR_INTERNET_DISCONNECTED|htmx:sendError|Failed to fetch")
    page = context.new_page()
    page.goto(conference.url + "/")
    _wait_until_stored(page, "/")
    context.set_offline(True)
    page.locator("#hour-1000 a.claim-link").first.click()
    note = page.locator("#hour-1000 > .claim-needs-network")
    expect(note).to_have_attribute("role", "alert")
    row = page.locator("#hour-1000 .slots").bounding_box()
    box = note.bounding_box()
    assert box["y"] >= row["y"] + row["height"] - 1 and box["width"] >= row["width"] - 1
    expect(page.locator("#claim-panel")).to_be_empty()


def test_the_offline_note_tells_the_conferences_time_not_the_phones(
    new_context, console, conference
):
    """A phone set to Tokyo reads the New York board: the note's time is New York's, as
    every other time on the site."""
    context = new_context(viewport=VIEWPORTS["phone"], timezone_id="Asia/Tokyo")
    console.watch(context)
    console.expect(r"ERR_INTERNET_DISCONNECTED|htmx:sendError|Failed to fetch")
    page = context.new_page()
    page.goto(conference.url + "/")
    _wait_until_stored(page, "/")

    context.set_offline(True)
    page.reload()
    stored_at = dt.datetime.fromisoformat(page.locator("body").get_attribute("data-stored-at"))
    there = stored_at.astimezone(ZoneInfo(settings.TIME_ZONE))
    assert there.utcoffset() != stored_at.astimezone(ZoneInfo("Asia/Tokyo")).utcoffset()
    expect(page.locator("#offline-note")).to_have_text(
        f"You are offline: this is the board as of {there:%H:%M}."
    )


def test_the_guide_the_wall_and_an_idea_read_offline(phone: BrowserContext, conference):
    idea = ideas.idea_suggest(title="Board games", description="Bring one, learn one.")
    page = phone.new_page()
    page.goto(conference.url + "/")
    # The first visit stores the guide and the wall without opening them.
    _wait_until_stored(page, "/guide/", "/ideas/")
    page.goto(f"{conference.url}/idea/{idea.pk}/")
    _wait_until_stored(page, f"/idea/{idea.pk}/")

    phone.set_offline(True)
    for path in ("/guide/", "/ideas/", f"/idea/{idea.pk}/"):
        page.goto(conference.url + path)
        expect(page.locator("#offline-note")).to_contain_text("You are offline")
        expect(page.locator("main")).to_contain_text("Board games")
