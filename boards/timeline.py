"""Which board is up when: pure functions of the days and the time.

Kept free of queries so that a poll can be answered from the cache alone.
"""

import bisect
import datetime as dt
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class BoardState:
    """What decides a day's board, apart from the rendering itself."""

    date: dt.date
    opens_at: dt.datetime
    version: int
    # Every moment at which time alone changes the board: slot starts and ends.
    moments: tuple[dt.datetime, ...]


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


def following(boards: list[BoardState], date: dt.date) -> BoardState | None:
    later = [board for board in boards if board.date > date]
    return later[0] if later else None


def preceding(boards: list[BoardState], date: dt.date) -> BoardState | None:
    earlier = [board for board in boards if board.date < date]
    return earlier[-1] if earlier else None


def next_midnight(now: dt.datetime) -> dt.datetime:
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min))


def next_change(boards: list[BoardState], now: dt.datetime) -> dt.datetime:
    """The next moment at which time alone changes any board or which board is current.

    A cached board must not outlive it, so it is part of the cache key and the ETag.
    """
    candidates = [next_midnight(now)]
    for board in boards:
        if board.opens_at > now:
            candidates.append(board.opens_at)
        index = bisect.bisect_right(board.moments, now)
        if index < len(board.moments):
            candidates.append(board.moments[index])
    return min(candidates)
