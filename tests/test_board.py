"""The board page: what it shows, what can be claimed, how cheap it is."""

import datetime as dt
import gzip
import itertools
import re

import pytest
import time_machine

from boards.management.commands.load_demo import CARDS
from boards.models import Card, Room, Slot
from boards.services.grid import bump_board_versions, slots_block
from tests.factories import committed, conference, local, make_card

pytestmark = pytest.mark.django_db


def full_day(rooms: int = 8, hours: tuple[int, int] = (10, 18)):
    days = conference(rooms=rooms, hours=hours, days=1)
    return days[0]


def test_board_shows_cards_with_title_host_and_handle_link(client):
    day = full_day(rooms=2, hours=(10, 11))
    slot = Slot.objects.filter(day=day).first()
    make_card(
        slot=slot, title="Packaging <3", host_name="Priya", host_handle="@priya@fosstodon.org"
    )
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        html = client.get("/day/2027-05-14/").content.decode()
    assert "Packaging &lt;3" in html
    assert "Priya" in html
    assert 'href="https://fosstodon.org/@priya"' in html


def test_board_free_slot_links_to_its_claim_form_only_while_claimable(client):
    day = full_day(rooms=1, hours=(10, 12))
    ten, eleven = Slot.objects.filter(day=day).order_by("starts_at")
    with time_machine.travel(local(2027, 5, 14, 10, 30), tick=False):
        html = client.get("/day/2027-05-14/").content.decode()
    assert f'href="/slot/{ten.pk}/claim/"' not in html
    assert f'href="/slot/{eleven.pk}/claim/"' in html


def test_board_blocked_slot_shows_its_reason_and_no_claim_link(client):
    day = full_day(rooms=1, hours=(12, 13))
    slot = Slot.objects.get(day=day)
    slots_block(slot_ids=[slot.pk], reason="Sponsor lunch until 13:00")
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        html = client.get("/day/2027-05-14/").content.decode()
    assert "Blocked: Sponsor lunch until 13:00" in html
    assert f"/slot/{slot.pk}/claim/" not in html


def test_board_past_and_current_hours_are_marked(client):
    full_day(rooms=1, hours=(10, 13))
    with time_machine.travel(local(2027, 5, 14, 11, 15), tick=False):
        html = client.get("/day/2027-05-14/").content.decode()
    # 10:00 had no open space: one line on a phone, nothing to unfold.
    assert '<div class="hour past" id="hour-1000">' in html
    assert '<section class="hour now" id="hour-1100" aria-labelledby="at-1100">' in html
    assert '<section class="hour next" id="hour-1200" aria-labelledby="at-1200">' in html


def test_board_lists_rooms_in_the_chairs_order_with_capacity_and_location(client):
    full_day(rooms=2, hours=(10, 11))
    Room.objects.filter(name="Room A").update(position=2, capacity=40, location="Level 1")
    Room.objects.filter(name="Room B").update(position=1)
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        html = client.get("/day/2027-05-14/").content.decode()
    assert html.index(">Room B<") < html.index(">Room A<")
    assert "Level 1 · 40 seats" in html


@pytest.mark.parametrize("cards", [1, 60])
def test_board_query_count_is_constant(client, django_assert_max_num_queries, cards):
    day = full_day()
    for slot in Slot.objects.filter(day=day)[:cards]:
        make_card(slot=slot, title=f"Topic {slot.pk}")
    with (
        time_machine.travel(local(2027, 5, 14, 9), tick=False),
        django_assert_max_num_queries(6),  # 1: the generation (boards.caching)
    ):
        response = client.get("/day/2027-05-14/")
    assert response.content.decode().count('class="cell card ') == cards


def test_board_is_the_same_for_everyone_and_cacheable(client):
    full_day(rooms=1, hours=(10, 11))
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        response = client.get("/day/2027-05-14/")
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies
    assert set(response["Cache-Control"].split(", ")) == {"public", "no-cache"}


def test_board_htmx_poll_gets_the_board_fragment_only(client):
    full_day(rooms=1, hours=(10, 11))
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        response = client.get("/day/2027-05-14/", headers={"hx-request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board"')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_board_of_a_day_without_rooms_says_so(client):
    from boards.models import Day

    Day.objects.create(date=dt.date(2027, 5, 14), board_opens_at=local(2027, 5, 13, 17))
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        response = client.get("/day/2027-05-14/")
    assert "No rooms are set up for this day yet." in response.content.decode()


def test_board_shows_a_handle_saved_past_the_form_as_plain_text(client):
    day = full_day(rooms=1, hours=(10, 11))
    make_card(slot=Slot.objects.get(day=day), host_handle="javascript:alert(1) <b>")
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        response = client.get("/day/2027-05-14/")
    assert response.status_code == 200
    assert '<span class="handle">javascript:alert(1) &lt;b&gt;</span>' in response.content.decode()


def test_phone_board_has_an_index_of_the_hours_to_come(client):
    full_day(rooms=2, hours=(10, 18))
    with time_machine.travel(local(2027, 5, 14, 13, 20), tick=False):
        html = client.get("/day/2027-05-14/").content.decode()
    index = html.split('<nav class="hour-index"', 1)[1].split("</nav>", 1)[0]
    assert 'aria-label="Go to an hour"' in index
    # The hour under way and the ones after it, each to its section; not the past ones.
    assert '<a href="#at-1300" aria-current="time">13:00</a>' in index
    for hour in ("14", "15", "16", "17"):
        assert f'href="#at-{hour}00"' in index and f'id="at-{hour}00"' in html
    assert 'href="#at-1200"' not in index


def test_phone_board_with_two_hours_left_needs_no_index(client):
    full_day(rooms=2, hours=(10, 18))
    with time_machine.travel(local(2027, 5, 14, 16, 20), tick=False):
        html = client.get("/day/2027-05-14/").content.decode()
    assert 'class="hour-index"' not in html


def test_board_holds_each_card_and_free_slot_once_for_phones_and_laptops(client):
    """One structure serves the phone list and the laptop grid (issue 20): each card's
    title, host and handle are in the page once, past, under way or to come, and each
    free slot's link once."""
    day = full_day(rooms=4, hours=(10, 15))
    slots = Slot.objects.filter(day=day).order_by("starts_at", "room__name")
    cards = [
        make_card(
            slot=slot,
            title=f"Topic {index:02d}",
            host_name=f"Hostname {index:02d}",
            host_handle=f"@handle{index:02d}@example.social",
        )
        for index, slot in enumerate(slots[::3])
    ]
    now = local(2027, 5, 14, 12, 30)
    with time_machine.travel(now, tick=False):
        html = client.get("/day/2027-05-14/").content.decode()
        free = list(Slot.objects.filter(day=day).claimable(now))
    assert len(cards) == 7 and len(free) == 5
    for card in cards:
        assert html.count(card.title) == 1
        assert html.count(card.host_name) == 1
        assert html.count(f"https://example.social/@{card.host_handle[1:9]}") == 1
        assert html.count(f'href="/card/{card.pk}/"') == 1
    for slot in free:
        assert html.count(f'href="/slot/{slot.pk}/claim/"') == 1


def test_board_gives_every_hour_one_cell_per_room_in_its_column(client):
    """The grid's rows line up only if each hour has a cell in every room's column: cards
    first, then the rest, each with its room's column (c1, c2 …) once."""
    day = full_day(rooms=4, hours=(10, 14))

    def slot(room: str, hour: int) -> Slot:
        return Slot.objects.get(day=day, room__name=room, starts_at=local(2027, 5, 14, hour))

    make_card(slot=slot("Room D", 10), title="Over")
    make_card(slot=slot("Room A", 11), title="Under way")
    make_card(slot=slot("Room B", 12), title="Second column")
    slots_block(slot_ids=[slot("Room C", 12).pk], reason="Lunch")
    with time_machine.travel(local(2027, 5, 14, 11, 30), tick=False):
        html = client.get("/day/2027-05-14/").content.decode()
    rows = html.split('<div class="slots">')[1:]
    assert len(rows) == 4
    for row in rows:
        columns = re.findall(r'class="[^"]*\bcell\b[^"]*\bc(\d+)"', row)
        assert sorted(columns) == ["1", "2", "3", "4"], columns
    noon = next(row for row in rows if ">12:00<" in row)
    assert noon.index('class="cell card c2"') < noon.index('class="claim-link cell open c1"')
    assert noon.index('class="claim-link cell open c4"') < noon.index('class="cell blocked c3"')


# A PyCon-sized day (bench/seed.py's BENCH_DAY=big): 18 rooms × 17 hours, every slot taken.
# Its page was 179 kB (12 kB gzipped) when it sent a phone list and a laptop grid; one
# structure for both made it 104 kB (9 kB gzipped): the bound leaves room for a few words.
BIG_DAY_RAW_BYTES = 120_000
FIRST_VISIT_GZIPPED_BYTES = 60_000


@pytest.mark.parametrize("hour", [5, 14], ids=["before-the-day", "mid-afternoon"])
def test_a_pycon_sized_day_is_small_on_a_first_visit(client, hour):
    (day,) = conference(days=1, rooms=18, hours=(6, 23))
    cards = itertools.cycle(CARDS)
    with committed():
        for index, slot in enumerate(Slot.objects.filter(day=day).order_by("starts_at", "pk")):
            title, description, host_name, host_handle = next(cards)
            Card.objects.create(
                slot=slot,
                title=f"{title} ({index})",  # each title its own, as on a real board
                description=description,
                host_name=host_name,
                host_handle=host_handle,
                manage_token_hash=Card.hash_token("token"),
            )
        bump_board_versions(day.pk)
    with time_machine.travel(local(2027, 5, 14, hour, 30), tick=False):
        plain = client.get("/day/2027-05-14/")
        zipped = client.get("/day/2027-05-14/", headers={"accept-encoding": "gzip"})
    assert plain.content.decode().count('class="cell card ') == 306
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert len(plain.content) <= BIG_DAY_RAW_BYTES
    assert len(zipped.content) <= FIRST_VISIT_GZIPPED_BYTES
