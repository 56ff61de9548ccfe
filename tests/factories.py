"""Small helpers that make test data through the same code paths as the product."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from django.conf import settings
from django.test import TestCase

from boards.models import Card, Day, Room, Slot
from boards.services.grid import bump_board_versions
from boards.services.setup import conference_setup

_names = itertools.count(1)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware datetime in the conference's time zone."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(settings.TIME_ZONE))


def make_day(date: dt.date, *, opens_at: dt.datetime | None = None) -> Day:
    opens_at = opens_at or local(date.year, date.month, date.day) - dt.timedelta(days=1)
    return Day.objects.create(date=date, board_opens_at=opens_at)


def make_room(name: str | None = None, **fields) -> Room:
    return Room.objects.create(name=name or f"Room {next(_names)}", **fields)


def make_slot(
    *, day: Day | None = None, room: Room | None = None, hour: int = 10, **fields
) -> Slot:
    day = day or make_day(dt.date(2027, 5, 14))
    room = room or make_room()
    starts_at = local(day.date.year, day.date.month, day.date.day, hour)
    return Slot.objects.create(day=day, room=room, starts_at=starts_at, **fields)


def make_card(*, slot: Slot | None = None, title: str = "Django async", **fields) -> Card:
    """An active card pinned directly (claim rules are for tests of the claim itself)."""
    slot = slot or make_slot()
    fields.setdefault("host_name", "Ada")
    with committed():
        card = Card.objects.create(
            slot=slot, title=title, manage_token_hash=Card.hash_token("token"), **fields
        )
        bump_board_versions(slot.day_id)
    return card


def committed():
    """Run on-commit callbacks (the cache forgetting old boards) as a real commit would.

    Tests run inside a transaction that is rolled back, so they never commit.
    """
    return TestCase.captureOnCommitCallbacks(execute=True)


def conference(
    *,
    first_day: dt.date = dt.date(2027, 5, 14),
    days: int = 3,
    rooms: int = 2,
    hours: tuple[int, int] = (10, 12),
    reception: dt.datetime | None = None,
) -> list[Day]:
    """A small conference set up as setup_boards does it."""
    eve = first_day - dt.timedelta(days=1)
    reception = reception or local(eve.year, eve.month, eve.day, 17, 30)
    with committed():
        conference_setup(
            first_day=first_day,
            days=days,
            rooms=[f"Room {chr(65 + index)}" for index in range(rooms)],
            hours=hours,
            reception=reception,
        )
    return list(Day.objects.order_by("date"))


def run_tasks() -> None:
    """Run every task that is due, as the worker does in production (`manage.py db_worker`,
    the same command and the same backend), then stop."""
    import signal
    from unittest import mock

    from django.core.management import call_command

    # The worker installs its own SIGINT/SIGTERM handlers (to finish a task before it
    # stops); the test run gets its own back. Like Django's test client around a request,
    # it keeps the connection: closing "old" ones would close the test's transaction.
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
