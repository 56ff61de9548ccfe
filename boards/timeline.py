"""Which board is up when: pure functions of the days and the time.

Kept free of queries so that a poll can be answered from the cache alone.
"""

import bisect
import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext


@dataclass(frozen=True)
class BoardState:
    """What decides a day's board, apart from the rendering itself."""

    date: dt.date
    opens_at: dt.datetime
    version: int
    # Every moment at which time alone changes the board: slot starts and ends.
    moments: tuple[dt.datetime, ...]
    # Interest counts are published by window (see interest_mark).
    interest_epoch: int = 0
    interest_pending: int = 0


def current_date(boards: list[BoardState], now: dt.datetime) -> dt.date | None:
    """The day whose board `/` shows at `now`.

    Today's board on a conference day; between the opening reception and the first
    day, the first day's; on a gap day, the next day's; after the conference, the
    last day's. None before the first board opens (or when there are no days).
    """
    if not boards or now < boards[0].opens_at:
        return None
    today = timezone.localdate(now)
    for board in boards:
        if board.date >= today:
            return board.date
    return boards[-1].date


def board_on(boards: list[BoardState], date: dt.date | None) -> BoardState | None:
    return next((board for board in boards if board.date == date), None)


def following(boards: list[BoardState], date: dt.date) -> BoardState | None:
    later = [board for board in boards if board.date > date]
    return later[0] if later else None


def preceding(boards: list[BoardState], date: dt.date) -> BoardState | None:
    earlier = [board for board in boards if board.date < date]
    return earlier[-1] if earlier else None


def first_start_after(
    boards: list[BoardState], now: dt.datetime
) -> tuple[dt.date, dt.datetime] | None:
    """The day and the moment of the first hour of open spaces still to begin after
    `now` (its board's first moment: moments are slot starts and ends, the first a start),
    so that a page with nothing on can say when something is."""
    for board in boards:
        if board.moments and board.moments[0] > now:
            return board.date, board.moments[0]
    return None


def walkup_grace() -> dt.timedelta:
    """How long into its hour a free slot can still be claimed (a walk-up session): the
    claim rule (Slot.refusal) and the moments at which time alone changes a board."""
    return dt.timedelta(minutes=settings.OPENSPACES_WALKUP_MINUTES)


def next_midnight(now: dt.datetime) -> dt.datetime:
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min))


def next_change(
    boards: list[BoardState], now: dt.datetime, lookahead: dt.timedelta | None = None
) -> dt.datetime:
    """The next moment at which time alone changes any board or which board is current.

    A cached board must not outlive it, so it is part of the cache key and the ETag.
    A page that also shows what comes within `lookahead` (now and next) changes too
    when a moment comes into that window.
    """
    candidates = [next_midnight(now)]
    shifts = [dt.timedelta(0)] + ([lookahead] if lookahead else [])
    # The end of an hour's walk-up minutes changes its free cells (no longer claimable):
    # a moment a walk-up grace after each start (moments are starts and ends; an end's is
    # the next start's, or harmless).
    shifts.append(-walkup_grace())
    for board in boards:
        if board.opens_at > now:
            candidates.append(board.opens_at)
        for shift in shifts:
            index = bisect.bisect_right(board.moments, now + shift)
            if index < len(board.moments):
                candidates.append(board.moments[index] - shift)
    return min(candidates)


def interest_window(now: dt.datetime, seconds: int) -> int:
    """The number of the `seconds`-long window that `now` falls in."""
    return int(now.timestamp()) // max(seconds, 1)


class PublishesInterest(Protocol):
    """What publishes interest counts by window: a day's board, the ideas wall."""

    @property
    def interest_epoch(self) -> int: ...

    @property
    def interest_pending(self) -> int: ...


def interest_mark(board: PublishesInterest, now: dt.datetime, seconds: int) -> int:
    """Which interest counts a board shows at `now`: part of its ETag and cache key.

    An "I'm interested" click does not bump the board's version (that would turn
    every phone's next poll into a full download, once per click). It asks for the
    counts to be published at the start of the next window; until then the board
    keeps its ETag, with the counts of its last rendering. So a busy day changes
    the board at most once a window because of interest, and a count on the board
    is at most one window late (the card's own page is exact).
    """
    window = interest_window(now, seconds)
    if board.interest_pending and board.interest_pending <= window:
        return board.interest_pending
    return board.interest_epoch


def slot_starts(
    date: dt.date, first_hour: int, last_hour: int
) -> tuple[list[dt.datetime], list[str]]:
    """The starts (in UTC) of a day's hour-long slots, one per real hour, and notes.

    The hours are local wall-clock hours from `first_hour` up to `last_hour`. On the
    day clocks go forward an hour that does not exist gets no slot; on the day they go
    back, the hour that happens twice gets a slot each time (each at its own instant,
    so the board has a slot, and a "now", through the whole repeated hour). The notes
    say so in words, for the chair.
    """
    zone = timezone.get_current_timezone()
    starts: list[dt.datetime] = []
    notes: list[str] = []
    for hour in range(first_hour, last_hour):
        wall = dt.datetime.combine(date, dt.time(hour))
        first = wall.replace(tzinfo=zone)
        label = gettext("%(time)s on %(day)s") % {
            "time": date_format(wall, "TIME_FORMAT"),
            "day": gettext("%(day)s %(year)s")
            % {"day": date_format(date, "DATE_FORMAT"), "year": date.year},
        }
        if first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != wall:
            notes.append(
                gettext("%(hour)s does not exist (the clocks go forward): no slot.")
                % {"hour": label}
            )
            continue
        # UTC, because datetime hashes ignore `fold`: a repeated hour's second start
        # would not be found in a set of existing starts.
        starts.append(first.astimezone(dt.UTC))
        second = wall.replace(tzinfo=zone, fold=1)
        if second.utcoffset() != first.utcoffset():
            starts.append(second.astimezone(dt.UTC))
            notes.append(
                gettext("%(hour)s happens twice (the clocks go back): a slot each time.")
                % {"hour": label}
            )
    return starts, notes


def notes_close_at(last_date: dt.date, days: int) -> dt.datetime:
    """When hosts may no longer change their notes: the end of the day `days` days after
    the conference's last day, in the conference's time zone."""
    end = dt.datetime.combine(last_date + dt.timedelta(days=days + 1), dt.time())
    return timezone.make_aware(end)
