"""The boards' generation: read-your-writes for every worker and app server.

Every write that changes a board changes a generation token at commit, in a store all
workers and app servers share (settings.CACHES["shared"]: Redis, or without Redis a table
in the database). Each request reads that token once (boards.middleware marks where
requests begin and end); the board states, renderings, ETags and the fast path's learned
answers this process keeps are all keyed by it, so a request that starts after a write
was answered can only see data read after that write.
"""

import dataclasses
import logging
import secrets
import threading

from django.core.cache import cache, caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.db import DatabaseCache
from django.db import DatabaseError, transaction

from boards.models import SLOT_LENGTH, Day, Slot, Wall
from boards.timeline import BoardState

# "boards.caching": the name this warning has always had (log filters and alerts use it).
logger = logging.getLogger("boards.caching")

STATE_KEY = "boards:state"
GENERATION_KEY = "boards:generation"
# A safety net: every write changes the generation at commit. It also bounds how long
# a board can stay stale if a write happened while Redis was unreachable.
STATE_TIMEOUT = 5 * 60

# The last states this process read, with their generation: a poll then costs one
# small shared read (the generation), not the states' unpickling. Replaced whole (one
# tuple), never mutated, so threads cannot mix one generation's states with another's.
_copy: tuple[str, list[BoardState]] | None = None


def _shared() -> BaseCache:
    return caches["shared"]


def _in_database(shared: BaseCache) -> bool:
    return isinstance(shared, DatabaseCache)


def _generation_timeout(shared: BaseCache) -> int | None:
    # In the database the generation changes in the same transaction as the data, so it
    # can never miss a write; Redis can (a write while it is unreachable): a safety net.
    return None if _in_database(shared) else STATE_TIMEOUT


# The generation this request has read: a page that misses the fast path reads the
# shared store once, not twice.
_request = threading.local()


def request_started() -> None:
    _request.active, _request.generation = True, None


def request_finished() -> None:
    _request.active, _request.generation = False, None


def read_this_request() -> str | None:
    """The generation this request has read so far, or None."""
    return getattr(_request, "generation", None)


def generation() -> str:
    """The current generation: one read of the shared store. Without a store (Redis
    down) a new token each time, so that the states are read from the database."""
    if current := getattr(_request, "generation", None):
        return current
    shared = _shared()
    # The shared backends read the token as plain text (boards.caching.backends); any
    # other Django cache the settings may name, through its get/add.
    read = getattr(shared, "read_text", None) or shared.get
    try:
        current = read(GENERATION_KEY)
        if current is None:  # new, evicted or expired: the first reader starts one
            add = getattr(shared, "add_text", None) or shared.add
            add(GENERATION_KEY, secrets.token_hex(8), _generation_timeout(shared))
            current = read(GENERATION_KEY)
    except DatabaseError:
        # Served on (every board read afresh) but said: an outage must not pass for a
        # slowdown.
        logger.warning("The boards' generation could not be read", exc_info=True)
        current = None
    current = current or secrets.token_hex(8)
    if getattr(_request, "active", False):
        _request.generation = current
    return current


def forget_boards() -> None:
    """A new generation, so that every reader, in every worker, reloads the state."""
    _request.generation = None
    shared = _shared()
    write = getattr(shared, "set_text", shared.set)
    write(GENERATION_KEY, secrets.token_hex(8), _generation_timeout(shared))


def boards_changed() -> None:
    """Called by every write that changes a board, inside its transaction.

    A database store changes the generation in the same transaction: readers see the
    new data and the new generation together, at commit. Redis is told once the write
    has committed (before it is answered), so that no reader can load the old data
    under the new generation.
    """
    if _in_database(_shared()):
        forget_boards()
    else:
        transaction.on_commit(forget_boards)


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
