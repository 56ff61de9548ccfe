"""The board as attendees see it on a phone and on a laptop."""

import pytest
import time_machine
from playwright.sync_api import Page, expect

from boards.models import Card
from boards.services.grid import bump_board_versions
from tests import factories
from tests.browser import VIEWPORTS

pytestmark = pytest.mark.django_db(transaction=True)


def test_board_shows_cards_and_free_slots(page: Page, conference, viewport):
    page.goto("/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Today Friday 14 May")
    expect(page.locator(".board-summary")).to_contain_text(
        "2 open spaces, 7 free slots: pick one to host your own."
    )
    card = page.get_by_role("link", name="Django async in production")
    expect(card).to_be_visible()
    expect(card).to_have_attribute("href", f"/card/{conference.card.pk}/")
    expect(page.get_by_text("Carlton G.").filter(visible=True)).to_be_visible()
    claim = page.get_by_role("link", name="Free: host here (Room A, 11:00)", exact=True)
    expect(claim).to_be_visible()
    expect(page.locator("a.claim-link").filter(visible=True)).to_have_count(7)
    if viewport == VIEWPORTS["phone"]:
        # The hour under way first, marked Now; the next one marked Next; the handle is
        # on the card's page; the blocked room is one line of its hour.
        hours = page.locator(".hours .time")
        expect(hours.first).to_have_text("09:00 Now")
        expect(hours.nth(1)).to_have_text("10:00 Next")
        expect(page.get_by_text("Blocked: Room C (Sponsor lunch until 13:00)")).to_be_visible()
    else:
        expect(page.get_by_role("link", name="@carlton@fosstodon.org")).to_be_visible()
        expect(page.get_by_text("Blocked: Sponsor lunch until 13:00")).to_be_visible()
        expect(page.locator(".hour.now .now-badge")).to_have_text("Now")


def test_board_links_to_tomorrow_and_back(page: Page, conference):
    page.goto("/")

    page.get_by_role("link", name="Tomorrow →").click()

    expect(page).to_have_url(f"{conference.url}/day/2027-05-15/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tomorrow Saturday 15 May")
    expect(page.get_by_role("link", name="Type hints")).to_be_visible()
    page.get_by_role("link", name="← Today").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today Friday 14 May")


def test_board_not_open_yet_says_when_it_opens(page: Page, conference, viewport):
    page.goto("/day/2027-05-16/")

    expect(page.locator(".board-summary")).to_contain_text(
        "This board opens for sign-up at midnight, as Saturday begins."
    )
    expect(page.locator("a.claim-link")).to_have_count(0)
    if viewport == VIEWPORTS["phone"]:  # one line an hour
        expect(page.locator(".later").first).to_have_text(
            "Free from Sat 00:00, when this board opens: A, B, C", use_inner_text=True
        )
    else:  # a cell a room
        expect(page.get_by_text("Free (opens Sat 00:00)").first).to_be_visible()


def test_longest_texts_do_not_widen_pages(new_context, console, conference):
    # A card and a room with every text at its longest, in words no line can break.
    room = conference.rooms[1]
    room.name = "R" * 80
    room.location = "L" * 120
    room.save()
    card = factories.make_card(
        slot=conference.free,
        title="T" * 80,
        description="D" * 400,
        host_name="H" * 60,
        host_handle="@" + "u" * 39 + "@" + "m" * 63 + ".social",
    )
    context = new_context()
    console.watch(context)
    page = context.new_page()
    paths = [
        "/",
        f"/card/{card.pk}/",
        f"/card/{card.pk}/manage/token/",
        f"/slot/{conference.free.pk + 1}/claim/",  # Room B at 11:00
    ]

    widths = {}
    for path in paths:
        page.goto(path)
        for size in VIEWPORTS.values():
            page.set_viewport_size(size)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            widths[path, size["width"]] = scroll_width

    assert widths == {
        (path, size["width"]): size["width"] for path in paths for size in VIEWPORTS.values()
    }


def test_free_slot_chips_on_the_phone_board_are_full_touch_targets(page: Page, conference):
    page.set_viewport_size(VIEWPORTS["phone"])
    page.goto("/")
    chips = page.locator(".hours .free a.claim-link")
    expect(chips.first).to_be_visible()
    for index in range(chips.count()):
        box = chips.nth(index).bounding_box()
        assert box is not None
        assert box["width"] >= 44 and box["height"] >= 44, box


# The first character of each line after the first, within an element's text.
LINE_STARTS = """element => {
  const starts = []; let top = null;
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode;
    for (let i = 0; i < text.length; i++) {
      const range = document.createRange(); range.setStart(text, i); range.setEnd(text, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect) continue;
      if (top !== null && rect.top > top + 2) starts.push(text.data[i]);
      top = rect.top;
    }
  }
  return starts;
}"""


@pytest.mark.parametrize("width", [800, 1000, 1280])
def test_handles_wrap_only_before_an_inner_at(page: Page, conference, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/")
    handle = page.locator("#board a.handle", has_text="fosstodon")
    expect(handle).to_be_visible()
    assert set(handle.evaluate(LINE_STARTS)) <= {"@"}
    page.goto(f"/card/{conference.card.pk}/")
    handle = page.locator(".card-page a.handle")
    assert set(handle.evaluate(LINE_STARTS)) <= {"@"}


def test_the_grid_opens_at_the_hour_under_way_with_the_rooms_in_view(page: Page, conference):
    page.set_viewport_size({"width": 1280, "height": 500})
    with time_machine.travel(factories.local(2027, 5, 14, 11, 30), tick=True):
        page.goto("/")
        now = page.locator(".hours .hour.now")
        expect(now).to_have_id("hour-1100")
        page.wait_for_function("window.scrollY > 0")
        # Scrolled as far as the page allows towards putting the hour under way at the top,
        # just under the room names, the morning's past hours above it, out of the way.
        wanted, scrolled = page.evaluate(
            """() => {
              const row = document.querySelector(".hours .hour.now");
              const rooms = document.querySelector(".hours .rooms");
              const target = row.getBoundingClientRect().top + scrollY - rooms.offsetHeight;
              const most = document.scrollingElement.scrollHeight - innerHeight;
              return [Math.min(target, most), scrollY];
            }"""
        )
        assert abs(scrolled - wanted) < 80, (scrolled, wanted)
        expect(now).to_be_in_viewport()
        page.goto("/#hour-0900")  # a link to an hour is kept
        expect(page.locator("#hour-0900")).to_be_in_viewport()


def test_the_grid_puts_each_cell_under_its_room(new_context, console, conference):
    """One structure for phones and laptops (issue 20): on a laptop each cell, past, under
    way or to come, stands in its room's column, under the room's name, in its hour's row."""
    # A card hidden while the chair reviews it holds its slot: "Taken".
    Card.objects.filter(pk=conference.card.pk).update(status=Card.Status.HIDDEN)
    bump_board_versions(conference.days[0].pk)
    context = new_context(viewport=VIEWPORTS["desktop"])
    console.watch(context)
    page = context.new_page()
    with time_machine.travel(factories.local(2027, 5, 14, 11, 30), tick=True):
        page.goto("/")
        misplaced = page.evaluate(
            """() => {
              const heads = [...document.querySelectorAll(".hours .rooms > li")]
                .map(head => head.getBoundingClientRect());
              const cells = [...document.querySelectorAll(".hours .cell")];
              return [cells.length, cells.filter(cell => {
                const box = cell.getBoundingClientRect();
                const head = heads[Number(cell.className.match(/\\bc(\\d+)$/)[1])];
                const row = cell.closest(".slots").getBoundingClientRect();
                return !cell.checkVisibility() || Math.abs(box.left - head.left) > 1
                  || Math.abs(box.width - head.width) > 1 || Math.abs(box.top - row.top) > 1;
              }).map(cell => cell.textContent)];
            }"""
        )
    assert misplaced == [3 * 4, []]  # 09:00 and 10:00 are over, shown greyed on top
    expect(page.locator(".hour.past").first).to_contain_text("Packaging pains")
    expect(page.locator("#hour-1000 .cell.held")).to_contain_text("Taken")
    assert page.locator(".hour").evaluate_all("hours => hours.map(h => h.id)") == [
        "hour-1100",
        "hour-1200",
        "hour-0900",
        "hour-1000",
    ]  # in the page: the hour under way first, as a phone or a screen reader takes it
    tops = [
        page.locator(f"#hour-{hour}00").bounding_box()["y"] for hour in ("09", "10", "11", "12")
    ]
    assert tops == sorted(tops)  # on the screen: by the clock


def test_phone_board_keyboard_order_follows_what_is_seen(new_context, console, conference):
    """On a phone an hour's cards come first, then its free rooms: the order in which a
    keyboard or a screen reader meets them too."""
    context = new_context(viewport=VIEWPORTS["phone"])
    console.watch(context)
    page = context.new_page()
    page.goto("/")
    hours = page.evaluate(
        """() => [...document.querySelectorAll(".hours .hour")].map(hour => {
          const links = [...hour.querySelectorAll("a")].filter(link => link.checkVisibility());
          const boxes = links.map(link => link.getBoundingClientRect());
          const backwards = boxes.slice(1).filter((box, i) => box.top < boxes[i].top - 1
            || (Math.abs(box.top - boxes[i].top) <= 1 && box.left < boxes[i].left));
          const words = link => (link.querySelector(".chip") || link).textContent;
          return [links.map(words), backwards.length];
        })"""
    )
    assert hours[1] == [["Django async in production", "B", "C"], 0]  # 10:00
    assert all(backwards == 0 for _, backwards in hours), hours


def test_free_cells_are_quiet_and_sessions_loud_on_the_grid(page: Page, conference):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")
    free = page.locator("a.claim-link.cell.open").first
    title = page.locator(".cell.card a.card-title").first
    style = "e => [getComputedStyle(e).fontWeight, getComputedStyle(e).color]"
    free_weight, free_colour = free.evaluate(style)
    title_weight, title_colour = title.evaluate(style)
    assert int(free_weight) < int(title_weight)
    assert free_colour == "rgb(82, 82, 91)" and free_colour != title_colour  # muted grey


def test_the_big_screen_reads_calm_not_alarm(new_context, conference):
    context = new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto("/display/")
    now_card = page.locator(".display-board tr.now td.cell.card").first
    expect(now_card).to_be_visible()
    assert now_card.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(30, 58, 138)"
    free = page.locator(".display-board .free").first
    assert free.evaluate("e => getComputedStyle(e).color") == "rgb(148, 163, 184)"
