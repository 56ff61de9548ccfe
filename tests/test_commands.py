"""setup_boards and load_demo, as a chair and a new user run them."""

import datetime as dt
import io

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from boards.models import Card, Day, Room, Slot
from tests.factories import local

pytestmark = pytest.mark.django_db

ARGS = [
    "--first-day", "2027-05-14",
    "--days", "3",
    "--rooms", "140A", "140B", "250",
    "--hours", "10-18",
    "--reception", "2027-05-13 17:30",
]  # fmt: skip


def setup_boards(*args: str) -> str:
    out = io.StringIO()
    call_command("setup_boards", *args, stdout=out)
    return out.getvalue()


def test_setup_boards_creates_days_rooms_and_hourly_slots():
    output = setup_boards(*ARGS)
    assert "Created 3 days, 3 rooms and 72 slots." in output
    assert [day.date for day in Day.objects.all()] == [
        dt.date(2027, 5, 14),
        dt.date(2027, 5, 15),
        dt.date(2027, 5, 16),
    ]
    assert list(Room.objects.values_list("name", flat=True)) == ["140A", "140B", "250"]
    first = Day.objects.get(date=dt.date(2027, 5, 14))
    assert first.board_opens_at == local(2027, 5, 13, 17, 30)
    assert Day.objects.get(date=dt.date(2027, 5, 15)).board_opens_at == local(2027, 5, 14)
    starts = sorted({slot.starts_at for slot in Slot.objects.filter(day=first)})
    assert starts[0] == local(2027, 5, 14, 10)
    assert starts[-1] == local(2027, 5, 14, 17)


def test_setup_boards_twice_changes_nothing():
    setup_boards(*ARGS)
    Day.objects.filter(date=dt.date(2027, 5, 14)).update(board_opens_at=local(2027, 5, 13, 18))
    before = (
        list(Day.objects.values_list("date", "board_opens_at")),
        list(Room.objects.values_list("pk", "name", "position")),
        list(Slot.objects.values_list("pk", "day_id", "room_id", "starts_at")),
    )
    output = setup_boards(*ARGS)
    after = (
        list(Day.objects.values_list("date", "board_opens_at")),
        list(Room.objects.values_list("pk", "name", "position")),
        list(Slot.objects.values_list("pk", "day_id", "room_id", "starts_at")),
    )
    assert "Created 0 days, 0 rooms and 0 slots." in output
    assert after == before


def test_setup_boards_adds_a_new_room_to_existing_days():
    setup_boards(*ARGS)
    output = setup_boards(*ARGS[:5], "140A", "140B", "250", "Hall C", *ARGS[8:])
    assert "Created 0 days, 1 rooms and 24 slots." in output
    assert Slot.objects.filter(room__name="Hall C").count() == 24


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--first-day": "14/05/2027"}, "--first-day: “14/05/2027” is not a date"),
        ({"--hours": "18-10"}, "--hours: “18-10” must run forward"),
        ({"--hours": "ten to six"}, "--hours: “ten to six” is not a range like 10-18."),
        ({"--reception": "tonight"}, "--reception: “tonight” is not a local time"),
        ({"--reception": "2027-05-14 12:00"}, "The reception must be before the first day"),
        ({"--days": "0"}, "--days must be 1 or more."),
    ],
)
def test_setup_boards_bad_arguments_get_clear_errors(change, message):
    args = list(ARGS)
    for flag, value in change.items():
        args[args.index(flag) + 1] = value
    with pytest.raises(CommandError, match=message):
        setup_boards(*args)
    assert not Day.objects.exists()


def test_setup_boards_same_room_twice_is_an_error():
    args = [*ARGS[:5], "140A", "140A", *ARGS[8:]]
    with pytest.raises(CommandError, match="give each room once"):
        setup_boards(*args)


def test_load_demo_builds_a_live_conference_around_today(client):
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        call_command("load_demo", stdout=io.StringIO())
        response = client.get("/")
    assert Day.objects.count() == 3
    assert Day.objects.first().date == dt.date(2027, 5, 14)
    assert Room.objects.count() == 8
    assert not Room.objects.filter(capacity=None).exists()
    assert Card.objects.active().count() == 40
    # Pinned through the claim service: every card has its history.
    assert Card.objects.filter(events__action="claimed", events__actor="demo").count() == 40
    assert Slot.objects.exclude(blocked_reason="").count() == 3  # one room over lunch, each day
    html = response.content.decode()
    assert "Today" in html
    assert html.count('class="cell card ') == 20  # the board holds each card once
    assert 'class="claim-link' in html


def test_load_demo_late_in_the_day_starts_tomorrow_so_slots_are_still_free():
    with time_machine.travel(local(2027, 5, 14, 21), tick=False):
        call_command("load_demo", stdout=io.StringIO())
    assert Day.objects.first().date == dt.date(2027, 5, 15)


def test_load_demo_twice_keeps_the_first_demo_unless_reset():
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        call_command("load_demo", stdout=io.StringIO())
        out = io.StringIO()
        call_command("load_demo", stdout=out)
        assert "already have days" in out.getvalue()
        assert Card.objects.count() == 40
        call_command("load_demo", "--reset", stdout=io.StringIO())
    assert Card.objects.count() == 40
    assert Day.objects.count() == 3


def test_load_demo_in_development_makes_a_chair_and_says_how_to_sign_in(client, settings):
    settings.DEBUG = True
    out = io.StringIO()
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        call_command("load_demo", stdout=out)
    said = out.getvalue()
    assert "sign in as 'chair' with the password 'demo-chair-2026'" in said
    signed_in = client.post(
        "/admin/login/?next=/admin/", {"username": "chair", "password": "demo-chair-2026"}
    )
    assert signed_in.status_code == 302
    index = client.get("/admin/")
    assert index.status_code == 200 and "Cards" in index.text  # the Chair group's desk
    assert "Users" not in index.text  # a chair, not a superuser
    again = io.StringIO()
    call_command("load_demo", stdout=again)  # the next `make run`: the same sign-in
    assert "sign in as 'chair'" in again.getvalue()


def test_load_demo_says_no_password_once_the_chair_changed_it(settings):
    settings.DEBUG = True
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        call_command("load_demo", stdout=io.StringIO())
    chair = get_user_model().objects.get(username="chair")
    chair.set_password("something only I know")
    chair.save()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "password" not in out.getvalue()


def test_load_demo_with_production_settings_makes_no_account_and_prints_no_password(settings):
    settings.DEBUG = False
    out = io.StringIO()
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        call_command("load_demo", stdout=out)
    assert Card.objects.active().count() == 40
    assert not get_user_model().objects.exists()
    assert "password" not in out.getvalue()
