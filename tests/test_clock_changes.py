"""Days when the clocks change: setup_boards, the admin's setup form, the board and "now".

The rule: one slot per real hour. An hour that does not exist (clocks go forward) gets
no slot; an hour that happens twice (clocks go back) gets a slot each time, each at its
own instant. The chair is told both, in the command's output and in the admin.
"""

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse

from boards import timeline
from boards.models import Slot
from tests.factories import conference, make_card

pytestmark = pytest.mark.django_db

# (zone, date, the hour that is missing or repeated) in 2027.
SPRING = [
    ("America/New_York", dt.date(2027, 3, 14), 2),
    ("Europe/Berlin", dt.date(2027, 3, 28), 2),
]
FALL = [
    ("America/New_York", dt.date(2027, 11, 7), 1),
    ("Europe/Berlin", dt.date(2027, 10, 31), 2),
]


def setup_boards(date: dt.date) -> str:
    out = io.StringIO()
    eve = date - dt.timedelta(days=1)
    call_command(
        "setup_boards",
        *["--first-day", f"{date}", "--days", "1", "--rooms", "A", "B"],
        *["--hours", "0-24", "--reception", f"{eve} 17:30"],
        stdout=out,
    )
    return out.getvalue()


def local_hours(zone: str) -> list[tuple[int, int]]:
    """Each slot of room A as (local hour, UTC offset in hours), in time order."""
    starts = Slot.objects.filter(room__name="A").order_by("starts_at")
    return [
        (
            start.astimezone(ZoneInfo(zone)).hour,
            int(start.astimezone(ZoneInfo(zone)).utcoffset().total_seconds() // 3600),
        )
        for start in starts.values_list("starts_at", flat=True)
    ]


@pytest.mark.parametrize(("zone", "date", "missing"), SPRING)
def test_setup_boards_on_spring_forward_skips_the_missing_hour_with_a_note(
    settings, zone, date, missing
):
    settings.TIME_ZONE = zone
    output = setup_boards(date)
    assert "Created 1 days, 2 rooms and 46 slots." in output
    assert f"Note: {missing:02}:00 on Sunday {date:%-d %B} 2027 does not exist" in output
    hours = [hour for hour, _ in local_hours(zone)]
    assert hours == [hour for hour in range(24) if hour != missing]
    assert "Created 0 days, 0 rooms and 0 slots." in setup_boards(date)  # twice: no change


@pytest.mark.parametrize(("zone", "date", "repeated"), FALL)
def test_setup_boards_on_fall_back_gives_the_repeated_hour_a_slot_each_time(
    settings, zone, date, repeated
):
    settings.TIME_ZONE = zone
    output = setup_boards(date)
    assert "Created 1 days, 2 rooms and 50 slots." in output
    assert f"Note: {repeated:02}:00 on Sunday {date:%-d %B} 2027 happens twice" in output
    hours = local_hours(zone)
    twice = [offset for hour, offset in hours if hour == repeated]
    assert len(hours) == 25
    assert twice == sorted(twice, reverse=True) and len(set(twice)) == 2  # summer, then winter
    assert "Created 0 days, 0 rooms and 0 slots." in setup_boards(date)  # twice: no change


@pytest.mark.parametrize(("zone", "date", "hour"), SPRING + FALL)
def test_admin_setup_form_on_a_clock_change_day_creates_the_slots_and_says_why(
    chair_client, settings, zone, date, hour
):
    settings.TIME_ZONE = zone
    eve = date - dt.timedelta(days=1)
    data = {
        "first_day": f"{date}",
        "days": "1",
        "rooms": "A\nB",
        "first_hour": "0",
        "last_hour": "24",
        "reception": f"{eve} 17:30",
    }
    response = chair_client.post(reverse("admin:boards_day_setup"), data)
    assert response.status_code == 302
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert any(text.startswith(f"{hour:02}:00 on Sunday") for text in texts), texts
    slots = 46 if (zone, date, hour) in SPRING else 50
    assert Slot.objects.count() == slots
    again = chair_client.post(reverse("admin:boards_day_setup"), data)
    assert again.status_code == 302
    assert Slot.objects.count() == slots


def now_titles(client) -> tuple[list[str], list[str]]:
    response = client.get(reverse("boards:now"))
    assert response.status_code == 200
    return (
        [card.title for card in response.context["current_cards"]],
        [card.title for card in response.context["next_cards"]],
    )


def test_now_during_the_repeated_hour_is_the_second_slot_of_that_hour(client, settings):
    settings.TIME_ZONE = "America/New_York"
    zone = ZoneInfo("America/New_York")
    conference(first_day=dt.date(2027, 11, 7), days=1, rooms=1, hours=(0, 24))
    # In UTC: arithmetic within one zone is wall-clock time and drops `fold`.
    first_one = dt.datetime(2027, 11, 7, 1, tzinfo=zone).astimezone(dt.UTC)  # 01:00 EDT
    second_one = dt.datetime(2027, 11, 7, 1, fold=1, tzinfo=zone).astimezone(dt.UTC)  # EST
    assert second_one - first_one == dt.timedelta(hours=1)
    for start, title in [(first_one, "First one o'clock"), (second_one, "Second one o'clock")]:
        make_card(slot=Slot.objects.get(starts_at=start), title=title)
    make_card(
        slot=Slot.objects.get(starts_at=dt.datetime(2027, 11, 7, 2, tzinfo=zone)), title="Two"
    )
    with time_machine.travel(first_one + dt.timedelta(minutes=30), tick=False):
        assert now_titles(client) == (["First one o'clock"], ["Second one o'clock"])
    with time_machine.travel(second_one + dt.timedelta(minutes=30), tick=False):
        assert now_titles(client) == (["Second one o'clock"], ["Two"])
        board = client.get(reverse("boards:day", kwargs={"date": dt.date(2027, 11, 7)}))
    assert board.status_code == 200


def test_now_across_the_missing_hour_goes_from_one_to_three(client, settings):
    settings.TIME_ZONE = "America/New_York"
    zone = ZoneInfo("America/New_York")
    conference(first_day=dt.date(2027, 3, 14), days=1, rooms=1, hours=(0, 24))
    one = dt.datetime(2027, 3, 14, 1, tzinfo=zone).astimezone(dt.UTC)
    three = dt.datetime(2027, 3, 14, 3, tzinfo=zone).astimezone(dt.UTC)
    assert three - one == dt.timedelta(hours=1)  # 02:00 never happens
    make_card(slot=Slot.objects.get(starts_at=one), title="One")
    make_card(slot=Slot.objects.get(starts_at=three), title="Three")
    # 01:59 EST, then a minute later 03:00 EDT: the instant the missing hour would be.
    with time_machine.travel(one + dt.timedelta(minutes=59), tick=False):
        assert now_titles(client) == (["One"], ["Three"])
    with time_machine.travel(three + dt.timedelta(minutes=30), tick=False):
        assert now_titles(client) == (["Three"], [])


@pytest.mark.parametrize(
    "zone",
    [
        "America/New_York",
        "Europe/Berlin",
        "America/Santiago",  # clocks change at midnight
        "Australia/Lord_Howe",  # a half-hour change
        "America/Havana",  # clocks change at midnight (no 00:00 on spring forward)
        "Asia/Tehran",
        "Pacific/Apia",
        "UTC",
    ],
)
def test_slot_starts_every_day_of_the_year_are_distinct_and_in_order(settings, zone):
    settings.TIME_ZONE = zone
    date = dt.date(2027, 1, 1)
    while date.year == 2027:
        starts, _notes = timeline.slot_starts(date, 0, 24)
        assert starts == sorted(set(starts)), date
        assert 23 <= len(starts) <= 25, date
        date += dt.timedelta(days=1)


def test_the_fall_back_board_says_which_one_oclock_each_row_is(client, settings):
    settings.TIME_ZONE = "America/New_York"
    conference(first_day=dt.date(2027, 11, 7), days=1, rooms=1, hours=(0, 4))
    day = dt.date(2027, 11, 7)
    with time_machine.travel(dt.datetime(2027, 11, 6, 12, tzinfo=dt.UTC), tick=False):
        pages = [
            client.get(reverse("boards:day", kwargs={"date": day})).text,
            client.get(reverse("boards:day_print", kwargs={"date": day})).text,
            client.get(reverse("boards:day_display", kwargs={"date": day})).text,
        ]
    for html in pages:
        assert ">01:00 (EDT)<" in html and ">01:00 (EST)<" in html
        assert ">00:00<" in html and ">02:00<" in html  # the other hours as always
    ids = re.findall(r'id="([^"]+)"', pages[0])
    assert len(ids) == len(set(ids))  # each row has its own anchor
