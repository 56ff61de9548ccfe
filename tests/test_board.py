"""The board page: what it shows, what can be claimed, how cheap it is."""

import datetime as dt

import pytest
import time_machine

from boards.models import Room, Slot
from boards.services.grid import slots_block
from tests.factories import conference, local, make_card

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
