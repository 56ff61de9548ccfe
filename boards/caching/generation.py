"""The boards' generation: read-your-writes for every worker and app server.

Every write that changes a board changes the generation in its own transaction
(`boards_changed`: the Generation row, a new token and the next sequence number). Each
request uses one generation (boards.middleware marks where requests begin and end); the
board states, renderings, ETags and the fast path's learned answers this process keeps
are all keyed by its token, so a request that starts after a write was answered can only
see data read after that write.

Where a request finds the generation:

- On SQLite, in the row: one read of a file on this machine per request.
- On PostgreSQL, from what this process's watcher was told (boards.caching.watch), while
  its lease holds: no round trip per request. A writer answers only once every watcher
  has seen its change. Without a lease (starting, the database away, watching turned
  off), or inside a transaction (its own change is not visible to the watcher yet), the
  request reads the row.

The generation lives in the database, never only in a cache: a cache that is down or
flushed costs speed, never freshness.
"""

import dataclasses
import logging
import secrets
import threading

from django.core.cache import cache
from django.db import DatabaseError, connections, transaction

from boards.caching import watch
from boards.models import SLOT_LENGTH, Day, Slot, Wall
from boards.timeline import BoardState

# "boards.caching": the name this warning has always had (log filters and alerts use it).
logger = logging.getLogger("boards.caching")

STATE_KEY = "boards:state"
# A safety net for the cached states and renderings: every write changes the generation,
# so they are never read stale; this only bounds what an idle cache keeps.
STATE_TIMEOUT = 5 * 60

# The last states this process read, with their generation: a poll then costs no
# unpickling of states. Replaced whole (one tuple), never mutated, so threads cannot mix
# one generation's states with another's.
_copy: tuple[str, list[BoardState]] | None = None


# The generation this request has read: a page that misses the fast path reads it once,
# not twice.
_request = threading.local()


def request_started() -> None:
    _request.active, _request.generation = True, None


def request_finished() -> None:
    _request.active, _request.generation = False, None


def read_this_request() -> str | None:
    """The generation this request has read so far, or None."""
    return getattr(_request, "generation", None)


def generation() -> str:
    """The current generation's token: what this process was told, or one read of the row.
    Should the database not answer, a new token each time (logged), so that everything is
    read afresh."""
    if current := getattr(_request, "generation", None):
        return current
    current = None
    in_request = getattr(_request, "active", False)
    # Outside a request (a command, the task worker) nothing is kept: the row is read.
    table = watch.table
    if in_request and table.watchable and not connections[table.alias].in_atomic_block:
        current = watch.told_token()
    if current is None:
        current = _read()
    if in_request:
        _request.generation = current
    return current


def _read() -> str:
    try:
        stamp = watch.table.read()
        if stamp is None:  # a new database: the first reader starts the generation
            watch.table.start()
            stamp = watch.table.read()
    except DatabaseError:
        # Served on (every board read afresh) but said: an outage must not pass for a
        # slowdown.
        logger.warning("The boards' generation could not be read", exc_info=True)
        stamp = None
    return stamp.token if stamp is not None else secrets.token_hex(8)


def boards_changed() -> None:
    """Called by every write that changes a board, inside its transaction.

    The generation changes in the same transaction as the data: readers see the new data
    and the new generation together, at commit. Then, before the write is answered, every
    worker that keeps the generation it was told has seen the change (watch).
    """
    seq = watch.table.bump()
    _request.generation = None
    transaction.on_commit(lambda: watch.wait_until_seen(seq), using=watch.table.alias)


def board_states() -> list[BoardState]:
    """Every day's board state, in date order: from the cache, or two queries."""
    return board_states_generation()[1]


def board_states_generation() -> tuple[str, list[BoardState]]:
    """The states and the generation they belong to.

    States are cached under their generation, so a reader that loaded old states from
    the database just before a write cannot store them as current.
    """
    global _copy
    current = generation()
    copy = _copy
    if copy is not None and copy[0] == current:
        return copy
    key = f"{STATE_KEY}:{current}"
    states = cache.get(key)
    if states is None:
        states = _load_states()
        cache.set(key, states, STATE_TIMEOUT)
    _copy = (current, states)
    return _copy


def forget_states() -> None:
    global _copy, _wall_copy
    _copy, _wall_copy = None, None


def _load_states() -> list[BoardState]:
    starts: dict[int, set] = {}
    for day_id, starts_at in Slot.objects.values_list("day_id", "starts_at").distinct():
        starts.setdefault(day_id, set()).update({starts_at, starts_at + SLOT_LENGTH})
    return [
        BoardState(
            date=day.date,
            opens_at=day.board_opens_at,
            version=day.version,
            moments=tuple(sorted(starts.get(day.pk, ()))),
            interest_epoch=day.interest_epoch,
            interest_pending=day.interest_pending,
        )
        for day in Day.objects.order_by("date")
    ]


# The ideas wall's state, read-your-writes, as the boards' ----------------------------

WALL_KEY = "boards:wall"


@dataclasses.dataclass(frozen=True, slots=True)
class WallState:
    """What decides the ideas wall and the guide, apart from the boards (Wall's row)."""

    version: int
    interest_epoch: int
    interest_pending: int


# As _copy: replaced whole, never mutated.
_wall_copy: tuple[str, WallState] | None = None


def wall_state() -> WallState:
    """The wall's state under the current generation: from this process, the cache, or one
    query. Every idea write changes the generation (boards_changed), as a card write does."""
    global _wall_copy
    current = generation()
    copy = _wall_copy
    if copy is not None and copy[0] == current:
        return copy[1]
    key = f"{WALL_KEY}:{current}"
    state = cache.get(key)
    if state is None:
        row = (
            Wall.objects.filter(pk=Wall.ONLY)
            .values_list("version", "interest_epoch", "interest_pending")
            .first()
        )
        state = WallState(*row) if row else WallState(0, 0, 0)
        cache.set(key, state, STATE_TIMEOUT)
    _wall_copy = (current, state)
    return state
