"""The boards' state in the cache, so that most polls never touch the database.

The cache is an optimisation, never a dependency: every read falls back to the
database when the cache has nothing (or is down, which django-redis reports as a miss).
"""

from django.conf import settings
from django.core.cache import cache

from boards.models import SLOT_LENGTH, Day, Slot
from boards.timeline import BoardState

STATE_KEY = "boards:state"
STATE_TIMEOUT = 60 * 60  # a safety net; every write deletes the key at commit
# A per-process cache (local memory, the default without REDIS_URL) is only cleared in
# the worker that wrote; the other gunicorn workers re-read the state after this long.
LOCAL_STATE_TIMEOUT = 2


def _state_timeout() -> int:
    backend = settings.CACHES["default"]["BACKEND"]
    return LOCAL_STATE_TIMEOUT if backend.endswith("LocMemCache") else STATE_TIMEOUT


def board_states() -> list[BoardState]:
    """Every day's board state, in date order: from the cache, or two queries."""
    states = cache.get(STATE_KEY)
    if states is None:
        states = _load_states()
        cache.set(STATE_KEY, states, _state_timeout())
    return states


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
        )
        for day in Day.objects.order_by("date")
    ]


def forget_boards() -> None:
    """Called when a write commits: the next request reloads the state."""
    cache.delete(STATE_KEY)


def rendered(key: str) -> str | None:
    return cache.get(f"boards:html:{key}")


def remember_rendered(key: str, html: str) -> None:
    cache.set(f"boards:html:{key}", html, STATE_TIMEOUT)
