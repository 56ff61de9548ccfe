"""The boards as used in a hallway (issue 11), on the demo conference: 3 days, 8 rooms,
10:00 to 18:00, forty cards. How tall the phone board is, that no public page scrolls
sideways on a phone, that nothing irreversible happens on one tap, and that the big
screen shows whole titles."""

import datetime as dt
import io
import itertools

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import Page, expect

from boards.management.commands.load_demo import CARDS
from boards.models import Card, Day, Slot
from boards.services.grid import bump_board_versions
from tests import factories
from tests.browser import VIEWPORTS

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = VIEWPORTS["phone"]
FIRST_DAY = dt.date(2027, 5, 14)
# Three and a half screens: issue 25 made every free-room chip a full 44 x 44 px target
# (a line of eight rooms takes two rows) and put an index of the hours on top, where
# before a day fitted three screens with 24 px chips. A decision for the lead to confirm.
SCREENS = 3.5


def _demo(hour: int, minute: int = 0):
    """The demo conference, seen at `hour`:`minute` on its first day (time keeps ticking)."""
    travel = time_machine.travel(factories.local(2027, 5, 14, hour, minute), tick=True)
    travel.start()
    call_command("load_demo", stdout=io.StringIO())
    return travel


@pytest.fixture
def phone(new_context, console) -> Page:
    context = new_context(viewport=PHONE)
    console.watch(context)
    return context.new_page()


@pytest.mark.parametrize(
    ("hour", "minute"), [(9, 30), (13, 30)], ids=["before-the-first-hour", "after-lunch"]
)
def test_phone_board_of_a_full_demo_day_fits_in_three_screens(
    phone: Page, live_server, hour, minute
):
    travel = _demo(hour, minute)
    try:
        phone.goto(live_server.url + "/")

        height = phone.evaluate("document.documentElement.scrollHeight")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert height <= SCREENS * PHONE["height"], (
            f"{height} px is {height / PHONE['height']:.1f} screens"
        )
        assert width == PHONE["width"]
        # Every card of the day is on it, and the hour to come is on the first screen.
        cards = Card.objects.active().filter(slot__day__date=FIRST_DAY).count()
        assert phone.locator(".hours .card").count() == cards == 20
        lead = phone.locator(".hours .time").first
        expect(lead).to_contain_text("Now" if hour == 13 else "Next")
        assert lead.bounding_box()["y"] < PHONE["height"]
        if hour == 13:  # 10:00 to 12:00 are over: one line each, openable
            past = phone.locator("details.hour.past")
            expect(past).to_have_count(3)
            expect(past.first.locator(".card").first).to_be_hidden()
            past.first.locator("summary").click()
            expect(past.first.locator(".card").first).to_be_visible()
    finally:
        travel.stop()


def test_no_public_page_scrolls_sideways_on_a_phone(phone: Page, live_server, console):
    console.expect(r"status of 404")  # a day without a board, as designed
    travel = _demo(11, 30)
    try:
        card = Card.objects.active().filter(slot__day__date=FIRST_DAY).first()
        own = factories.make_card(
            slot=Slot.objects.claimable(factories.local(2027, 5, 14, 11, 30)).first(),
            title="A card with a known token",
        )
        free = Slot.objects.claimable(factories.local(2027, 5, 14, 11, 30)).first()
        second, third = (day.date for day in Day.objects.order_by("date")[1:])
        paths = [
            "/",
            f"/day/{second}/",
            f"/day/{third}/",
            "/?q=python",
            f"/day/{second}/?q=python",
            "/?q=nothing-matches-this",
            "/now/",
            "/display/",
            f"/day/{second}/display/",
            f"/card/{card.pk}/",
            f"/slot/{free.pk}/claim/",
            f"/slot/{card.slot_id}/claim/",  # taken: the reason and other slots
            f"/card/{own.pk}/manage/token/",
            f"/card/{own.pk}/manage/",  # not this browser's card
            "/day/2030-01-01/",
        ]
        widths = {}
        for path in paths:
            phone.goto(live_server.url + path)
            widths[path] = phone.evaluate("document.documentElement.scrollWidth")
        assert widths == dict.fromkeys(paths, PHONE["width"])
    finally:
        travel.stop()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_release_needs_a_deliberate_second_step(new_context, console, conference, javascript):
    console.expect(r"status of 410")  # the released card's page says Gone, as designed
    context = new_context(viewport=PHONE, java_script_enabled=javascript)
    console.watch(context)
    page = context.new_page()
    page.goto(f"{conference.url}/card/{conference.card.pk}/manage/token/")

    # A double tap: the second tap lands where the button was, and must not release.
    release = page.get_by_role("button", name="Release my slot…")
    release.scroll_into_view_if_needed()
    box = release.bounding_box()
    release.click()
    expect(page.get_by_role("heading", name="Release this slot?")).to_be_visible()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert Card.objects.get(pk=conference.card.pk).status == Card.Status.ACTIVE

    page.goto(f"{conference.url}/card/{conference.card.pk}/manage/token/")
    page.get_by_role("button", name="Release my slot…").click()
    page.get_by_role("link", name="No, keep my card").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your card: Django async in production"
    )
    assert Card.objects.get(pk=conference.card.pk).status == Card.Status.ACTIVE

    page.get_by_role("button", name="Release my slot…").click()
    page.get_by_role("button", name="Yes, release my slot").click()
    expect(page.get_by_role("status")).to_contain_text("You released this card")
    assert Card.objects.get(pk=conference.card.pk).status == Card.Status.RELEASED


def test_move_needs_a_slot_chosen_and_lists_them_by_day_and_hour(page: Page, conference):
    page.goto(f"{conference.url}/card/{conference.card.pk}/manage/token/")
    move_to = page.get_by_role("combobox", name="Move to")
    expect(move_to).to_have_value("")
    groups = move_to.locator("optgroup")
    expect(groups.first).to_have_attribute("label", "Friday 14 May, 10:00")
    expect(groups.nth(1)).to_have_attribute("label", "Friday 14 May, 11:00")
    expect(groups.nth(1).locator("option")).to_have_text(["Room A", "Room B", "Room C"])

    page.get_by_role("button", name="Move my card").click()

    # The browser asks for a choice (the server would answer 422: tests/test_manage.py).
    assert move_to.evaluate("select => select.validity.valueMissing")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your card: Django async in production"
    )
    assert Card.objects.get(pk=conference.card.pk).slot == conference.card.slot


def test_the_browser_that_pinned_a_card_finds_its_way_back(page: Page, conference):
    page.goto(f"{conference.url}/slot/{conference.free.pk}/claim/")
    page.get_by_label("Title").fill("Accessibility in web apps")
    page.get_by_label("Your name").fill("Noor")
    page.get_by_role("button", name="Pin my card").click()
    expect(page.get_by_text("Keep your private link")).to_be_visible()

    page.reload()  # no email given: the link is not shown again, the way back is

    expect(page.get_by_text("Keep your private link")).to_have_count(0)
    page.get_by_role("link", name="Manage your card").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your card: Accessibility in web apps"
    )
    expect(page.get_by_text("Bookmark this page now")).to_be_visible()
    assert "/manage/" in page.url and page.url.count("/") == 7  # the link with its token


def test_search_covers_every_day_and_day_links_keep_the_word(page: Page, conference):
    page.goto(f"{conference.url}/?q=type")

    expect(page.get_by_role("status")).to_have_text(
        "1 open space matches “type” across the conference."
    )
    expect(page.get_by_role("heading", name="Tomorrow, Saturday 15 May")).to_be_visible()
    expect(page.get_by_role("link", name="Type hints")).to_be_visible()
    page.get_by_role("link", name="Tomorrow →").click()
    expect(page).to_have_url(f"{conference.url}/day/2027-05-15/?q=type")


def _fill_every_slot_with_demo_titles(date: dt.date) -> None:
    titles = itertools.cycle(sorted(CARDS, key=lambda card: -len(card[0])))
    for slot in Slot.objects.filter(day__date=date).free():
        title, _, host, handle = next(titles)
        Card.objects.create(
            slot=slot, title=title, host_name=host, manage_token_hash=Card.hash_token("x")
        )
    bump_board_versions(*Day.objects.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("width", "height", "hours"), [(1920, 1080, 8), (1280, 720, 6)], ids=["1080p", "720p"]
)
def test_big_screen_shows_whole_titles_of_a_full_day(
    new_context, console, live_server, width, height, hours
):
    travel = _demo(9, 30)
    try:
        Slot.objects.update(blocked_reason="")
        _fill_every_slot_with_demo_titles(FIRST_DAY)
        context = new_context(viewport={"width": width, "height": height})
        console.watch(context)
        page = context.new_page()
        page.goto(live_server.url + "/display/")

        rows = page.locator(".display-board tbody tr").filter(visible=True)
        expect(rows).to_have_count(hours)
        cut = page.evaluate(
            """() => [...document.querySelectorAll(
                    '.display-board .card-title, .display-board .host')]
                .filter(e => e.offsetParent !== null)
                .filter(e => e.scrollWidth > e.clientWidth + 1
                          || e.scrollHeight > e.clientHeight + 1
                          || getComputedStyle(e).textOverflow === 'ellipsis'
                          || getComputedStyle(e).webkitLineClamp !== 'none'
                          || e.getBoundingClientRect().bottom > innerHeight)
                .map(e => e.textContent)"""
        )
        assert cut == []
        assert page.locator(".display-board .card-title").filter(visible=True).count() == 8 * hours
        smallest = page.evaluate(
            """() => Math.min(...[...document.querySelectorAll(
                    '.display-board .card-title, .display-board .host')]
                .map(e => parseFloat(getComputedStyle(e).fontSize)))"""
        )
        assert smallest >= 12  # readable from a few steps away at 1280 × 720 too
        assert page.evaluate("document.documentElement.scrollWidth") == width
    finally:
        travel.stop()


def test_big_screen_text_grows_when_few_hours_are_left(new_context, console, live_server):
    """At 14:30 four hours are left: tall rows, so larger text, still never cut."""
    travel = _demo(14, 30)
    try:
        Slot.objects.update(blocked_reason="")
        _fill_every_slot_with_demo_titles(FIRST_DAY)
        context = new_context(viewport={"width": 1920, "height": 1080})
        console.watch(context)
        page = context.new_page()
        page.goto(live_server.url + "/display/")

        expect(page.locator(".display-board tbody tr").filter(visible=True)).to_have_count(4)
        sizes = page.evaluate(
            """() => [...document.querySelectorAll('.display-board .card-title')]
                .map(e => [parseFloat(getComputedStyle(e).fontSize),
                           e.scrollHeight > e.clientHeight + 1
                           || e.getBoundingClientRect().bottom > innerHeight])"""
        )
        assert len(sizes) == 8 * 4
        assert min(size for size, _ in sizes) >= 28  # 20 px at eight hours
        assert not any(cut for _, cut in sizes)
    finally:
        travel.stop()
