"""The print pages as Chromium prints them: one page at every paper size, every title in
the PDF's text (read with pdfplumber, in Python: no command-line PDF tools needed)."""

import itertools

import pdfplumber
import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from boards.management.commands.load_demo import CARDS
from boards.models import Card, Day, Room, Slot
from boards.services.grid import bump_board_versions
from tests import factories
from tests.browser import VIEWPORTS
from tests.browser.axe import axe_violations, describe
from tests.browser.conftest import FIRST_DAY

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = ["letter", "a4", "a3", "tabloid"]
# Points, as the PDF's page box gives them: (width, height) of the landscape sheet.
LANDSCAPE = {"letter": (792, 612), "a4": (842, 595), "a3": (1191, 842), "tabloid": (1224, 792)}


@pytest.fixture
def full_demo_day(live_server, frozen_time) -> Day:
    """The demo conference, its first day full: 8 rooms × 8 hours, a card on every slot
    that is not blocked, with the demo's titles, hosts and handles."""
    call_command("load_demo", stdout=None)
    day = Day.objects.get(date=FIRST_DAY)
    demo = itertools.cycle(CARDS)
    for slot in Slot.objects.on(day).free().order_by("starts_at", "room__position"):
        title, description, host, handle = next(demo)
        factories.make_card(slot=slot, title=title, host_name=host, host_handle=handle)
    bump_board_versions(day.pk)
    assert Slot.objects.on(day).count() == 64
    return day


def pdf_facts(pdf: bytes, tmp_path, name: str) -> tuple[int, tuple[int, int], str]:
    """Pages, page size in points, and the text with every space and line break taken out
    (a title wraps in its cell)."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    with pdfplumber.open(path) as document:
        pages = len(document.pages)
        first = document.pages[0]  # a print has one sheet size: the first page's
        size = (round(first.width), round(first.height))
    text = "".join(word for *_, word in pdf_words(path))
    return pages, size, text


def pdf_words(path) -> list[tuple[float, float, float, str]]:
    """Each word of the PDF's text layer with its place on its page, in points from the
    page's top left corner: (x min, y min, x max, word)."""
    with pdfplumber.open(path) as document:
        return [
            (word["x0"], word["top"], word["x1"], word["text"])
            for page in document.pages
            for word in page.extract_words()
        ]


def room_columns(path, rooms: int) -> list[str]:
    """The text of each room's column of the printed board, top to bottom, spaces taken out.

    The text in reading order runs neighbouring cells together; the words' places do not.
    """
    words = pdf_words(path)
    by_line: dict[int, list] = {}
    for word in words:
        if word[3] == "Room":
            by_line.setdefault(round(word[1]), []).append(word)
    header_y, header = next((y, line) for y, line in by_line.items() if len(line) == rooms)
    starts = sorted(word[0] for word in header) + [float("inf")]
    columns = []
    for left, right in itertools.pairwise(starts):
        inside = [w for w in words if left - 2 <= w[0] < right - 2 and w[1] > header_y]
        inside.sort(key=lambda w: (round(w[1]), w[0]))
        columns.append("".join(w[3] for w in inside))
    return columns


def squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def printer(new_context):
    context = new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()

    def print_pdf(url: str) -> bytes:
        page.goto(url)
        return page.pdf(prefer_css_page_size=True, print_background=True)

    return print_pdf


@pytest.mark.parametrize("size", SIZES)
def test_full_demo_day_prints_on_one_page_with_every_title(
    printer, full_demo_day, live_server, tmp_path, size
):
    pdf = printer(f"{live_server.url}/day/{FIRST_DAY}/print/?size={size}")
    pages, page_size, text = pdf_facts(pdf, tmp_path, f"day-{size}")
    assert pages == 1
    assert page_size == LANDSCAPE[size]
    rooms = list(Room.objects.order_by("position", "name"))
    columns = room_columns(tmp_path / f"day-{size}.pdf", len(rooms))
    cards = Card.objects.active().filter(slot__day=full_demo_day).select_related("slot__room")
    assert len(cards) == 63
    missing = [
        card.title
        for card in cards
        if squeezed(card.title) not in columns[rooms.index(card.slot.room)]
    ]
    assert missing == []
    assert squeezed("Blocked: Sponsor lunch until 13:00") in columns[6]  # Room 310
    for words in (
        "PyCon US Open Spaces",
        "#PyConOpenSpace",
        "Friday 14 May 2027",
        "Printed Fri 14 May 2027, 09:3",
    ):
        assert squeezed(words) in text


@pytest.mark.parametrize("size", SIZES)
def test_a_door_sign_prints_on_one_portrait_page(
    printer, full_demo_day, live_server, tmp_path, size
):
    room = Room.objects.get(name="Room 250A")
    pdf = printer(f"{live_server.url}/day/{FIRST_DAY}/print/room/{room.pk}/?size={size}")
    pages, page_size, text = pdf_facts(pdf, tmp_path, f"door-{size}")
    assert pages == 1
    assert page_size == LANDSCAPE[size][::-1]
    assert squeezed("Room 250A Level 2, by the escalators") in text
    titles = Card.objects.active().filter(slot__day=full_demo_day, slot__room=room)
    assert all(squeezed(card.title) in text for card in titles)


def test_all_door_signs_print_one_room_a_page(printer, full_demo_day, live_server, tmp_path):
    pdf = printer(f"{live_server.url}/day/{FIRST_DAY}/print/rooms/")
    pages, _, text = pdf_facts(pdf, tmp_path, "doors")
    assert pages == 8
    assert all(squeezed(room.name) in text for room in Room.objects.all())


def test_free_slots_on_a_door_sign_invite_a_host(printer, live_server, frozen_time, tmp_path):
    call_command("load_demo", stdout=None)
    room = Room.objects.get(name="Room 312")
    pdf = printer(f"{live_server.url}/day/{FIRST_DAY}/print/room/{room.pk}/")
    pages, _, text = pdf_facts(pdf, tmp_path, "door-free")
    assert pages == 1
    assert squeezed("free: scan to host here") in text.casefold()  # set in capitals


@pytest.mark.parametrize(
    "path", ["/room/{room}/", "/day/{day}/print/", "/day/{day}/print/room/{room}/"]
)
def test_room_page_and_print_pages_have_no_axe_violations(
    new_context, console, live_server, frozen_time, path
):
    call_command("load_demo", stdout=None)
    room = Room.objects.get(name="Room 250A")
    # axe is injected as a script: the app's CSP (script-src 'self') would refuse it.
    context = new_context(viewport=VIEWPORTS["phone"], bypass_csp=True)
    console.watch(context)
    page = context.new_page()
    page.goto(live_server.url + path.format(room=room.pk, day=FIRST_DAY))
    found = {}
    for name, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        if violations := axe_violations(page):
            found[name] = describe(violations)
    assert not found, f"axe found on {page.url}\n" + "\n".join(found.values())


def test_room_page_works_on_a_phone_without_javascript(new_context, live_server, frozen_time):
    call_command("load_demo", stdout=None)
    room = Room.objects.get(name="Room 250A")
    context = new_context(viewport=VIEWPORTS["phone"], java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/room/{room.pk}/")
    expect(page.get_by_role("heading", name="Room 250A", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Next")).to_be_visible()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0


@pytest.mark.parametrize("size", SIZES)
def test_the_printed_board_fills_its_page(printer, live_server, frozen_time, tmp_path, size):
    call_command("load_demo", stdout=None)  # a usual day: a few cards, many free boxes
    pdf = printer(f"{live_server.url}/day/{FIRST_DAY}/print/?size={size}")
    pages, (_width, height), _text = pdf_facts(pdf, tmp_path, f"fill-{size}")
    assert pages == 1
    printed = [word for word in pdf_words(tmp_path / f"fill-{size}.pdf") if word[3] == "Printed"]
    assert printed, "the footer is on the page"
    # The footer sits at the foot of the page, not two thirds of the way down.
    assert printed[0][1] > 0.88 * height, (printed[0][1], height)


def test_print_preview_has_a_print_button_that_prints(new_context, live_server, frozen_time):
    call_command("load_demo", stdout=None)
    context = new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    page.add_init_script("window.print = () => { window.printed = true; };")
    page.goto(f"{live_server.url}/day/{FIRST_DAY}/print/")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.printed") is True


def test_print_preview_without_javascript_shows_no_dead_button(
    new_context, live_server, frozen_time
):
    call_command("load_demo", stdout=None)
    context = new_context(viewport=VIEWPORTS["desktop"], java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/day/{FIRST_DAY}/print/")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.get_by_text("Print it with your browser’s Print command")).to_be_visible()
