"""The one home of caching: ETags, cache keys, the release stamp and the boards' state.

Every page that is the same for everyone (the boards, now and next, the big screen,
a search, schedule.json, the calendar feeds) takes its ETag from `etag()`: the page's
`kind`, the version of the data it shows, the next moment at which time alone changes
it, and the release stamp, plus a cryptographic digest of anything a visitor typed
(a search, the Host). The ETag is also the key of the cached rendering.

Freshness (read-your-writes): every write changes a generation token at commit, in a
store all workers and app servers share (Redis, or without Redis a table in the
database: settings.CACHES["shared"]). Each request reads that token once (one cache
read: one indexed single-row query without Redis); the board states, renderings and
ETags this process keeps are all keyed by it, so a request that starts after a write
was answered can only see data read after that write.

The cache is an optimisation, never a dependency: every read falls back to the
database when the cache has nothing (or is down, which django-redis reports as a miss).
"""

import dataclasses
import datetime as dt
import hashlib
import logging
import secrets
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import django
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.db import DatabaseCache
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response

from boards import compression, timeline
from boards.cache_backends import SharedDatabaseCache
from boards.models import SLOT_LENGTH, Day, Slot, Wall
from boards.timeline import BoardState

logger = logging.getLogger(__name__)

STATE_KEY = "boards:state"
GENERATION_KEY = "boards:generation"
# A safety net: every write changes the generation at commit. It also bounds how long
# a board can stay stale if a write happened while Redis was unreachable.
STATE_TIMEOUT = 5 * 60

# The last states this process read, with their generation: a poll then costs one
# small shared read (the generation), not the states' unpickling. Replaced whole (one
# tuple), never mutated, so threads cannot mix one generation's states with another's.
_copy: tuple[str, list[BoardState]] | None = None


# The release stamp --------------------------------------------------------------------

RELEASE_FILES = {
    # The compiled catalogues too: a new translation is a new page.
    "boards": {".py", ".mo"},
    "openspaces": {".py"},
    "templates": {".html", ".txt", ".xml"},
    "static": {".css", ".js", ".svg", ".webmanifest", ".json"},
}


def _release_stamp() -> str:
    """A short hash of the code, templates and static files, and Django's version: it
    changes with every deploy that can change what a page says or looks like, so cached
    renderings and ETags from before are not reused."""
    digest = hashlib.blake2b(django.__version__.encode(), digest_size=6)
    base = Path(settings.BASE_DIR)
    for folder, suffixes in RELEASE_FILES.items():
        for path in sorted((base / folder).rglob("*")):
            if path.suffix in suffixes and path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(base).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


RELEASE = _release_stamp()


# The recipe ---------------------------------------------------------------------------


def digest(*texts: str) -> str:
    """A cryptographic digest of what a visitor typed: no crafted text can share a key."""
    return hashlib.blake2b("\0".join(texts).encode(), digest_size=16).hexdigest()


def etag(
    kind: str,
    *,
    version: str,
    changes_at: dt.datetime | None = None,
    typed: Iterable[str] = (),
    variant: str = "",
) -> str:
    """The ETag (and cache key) of a page that is the same for everyone at its URL.

    `kind` names the page (board, display, now, schedule, ics...); `version` is the
    version of the data it shows; `changes_at` the next moment at which time alone
    changes it (None: time never does); `typed` what came from the visitor (a search,
    the Host its links name), digested; `variant` the page's fixed options. The active
    language (the address's: /es/… or none) is part of every one, so no cache can hand
    one language's page to a reader of another.
    """
    moment = str(int(changes_at.timestamp())) if changes_at else "0"
    parts = [RELEASE, translation.get_language() or settings.LANGUAGE_CODE, kind, version, moment]
    if typed := list(typed):
        parts.append(digest(*typed))
    if variant:
        parts.append(variant)
    return '"' + "-".join(parts) + '"'


def states_version(states: list[BoardState]) -> str:
    """The version of everything on every board: for pages that show all days."""
    return digest(repr([(s.date, s.opens_at, s.version) for s in states]))


def board_etag(
    states: list[BoardState],
    state: BoardState,
    now: dt.datetime,
    *,
    fragment: bool,
    home: bool = False,
    query: str = "",
    kind: str = "board",
    typed: Iterable[str] = (),
    variant: str = "",
) -> str:
    """A board-like page of one day (the board, the big screen, a room): its version, the
    days' layout (the links to the days before and after), the interest counts it shows;
    `variant` for what else the page depends on (a room, every day's version)."""
    interests = timeline.interest_mark(state, now, settings.OPENSPACES_INTEREST_WINDOW)
    layout = digest(repr([(s.date, s.opens_at) for s in states]))[:8]
    flags = [name for name, on in (("home", home), ("fragment", fragment)) if on]
    if variant:
        flags.append(variant)
    return etag(
        kind,
        version=f"{state.date:%Y%m%d}.{state.version}.{layout}.i{interests}",
        changes_at=timeline.next_change(states, now),
        typed=[*typed, *([f"q={query}"] if query else [])],
        variant=".".join(flags),
    )


# The boards' state, read-your-writes ----------------------------------------------------


def _shared() -> BaseCache:
    """The store all workers share (tests may configure the default cache alone)."""
    return caches["shared"] if "shared" in settings.CACHES else cache


def _in_database(shared: BaseCache) -> bool:
    return isinstance(shared, DatabaseCache)


def _generation_timeout(shared: BaseCache) -> int | None:
    # In the database the generation changes in the same transaction as the data, so it
    # can never miss a write; Redis can (a write while it is unreachable): a safety net.
    return None if _in_database(shared) else STATE_TIMEOUT


# The generation this request has read (boards.middleware marks where requests begin
# and end): a page that misses the fast path reads the shared store once, not twice.
_request = threading.local()


def request_started() -> None:
    _request.active, _request.generation = True, None


def request_finished() -> None:
    _request.active, _request.generation = False, None


def generation() -> str:
    """The current generation: one read of the shared store. Without a store (Redis
    down) a new token each time, so that the states are read from the database."""
    if current := getattr(_request, "generation", None):
        return current
    shared = _shared()
    try:
        # The database store hands the stored text itself: equal texts, equal tokens.
        read = shared.stamp if isinstance(shared, SharedDatabaseCache) else shared.get
        current = read(GENERATION_KEY)
        if current is None:  # new, evicted or expired: the first reader starts one
            token = secrets.token_hex(8)
            shared.add(GENERATION_KEY, token, _generation_timeout(shared))
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
    shared.set(GENERATION_KEY, secrets.token_hex(8), _generation_timeout(shared))


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


# The ideas wall's state, read-your-writes, as the boards' ---------------------------------

WALL_KEY = "boards:wall"


@dataclasses.dataclass(frozen=True)
class WallState:
    """What decides the ideas wall and the guide, apart from the boards (Wall's row)."""

    version: int
    interest_epoch: int
    interest_pending: int


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


def wall_etag(kind: str, now: dt.datetime, *, with_boards: bool = True) -> str:
    """The ETag of the ideas wall or the guide: the wall's version and published counts,
    and (for the cards that host ideas) every board's version."""
    wall = wall_state()
    interests = timeline.interest_mark(wall, now, settings.OPENSPACES_INTEREST_WINDOW)
    version = f"w{wall.version}.i{interests}"
    if with_boards:
        version += "." + states_version(board_states())[:12]
    return etag(kind, version=version)


# Renderings ---------------------------------------------------------------------------

# Renderings this process has served, by ETag. An ETag names one rendering for good, so
# a copy never goes stale; it saves fetching 25 kB from Redis per request. Kept as the
# bytes sent, so no request encodes it again. Kept small; replaced whole when full, so
# a thread reading it never sees it half emptied.
_rendered_copies: dict[str, bytes] = {}
RENDERED_COPIES = 32


def rendered(key: str) -> bytes | None:
    """The rendering cached under `key` (an ETag), or None. With remember_rendered, the
    one seam through which every cached page passes."""
    html = _rendered_copies.get(key)
    if html is None:
        html = cache.get(f"boards:html:{key}")
        if html is not None:
            _keep_copy(key, html)
    return html


def remember_rendered(key: str, html: bytes) -> None:
    cache.set(f"boards:html:{key}", html, STATE_TIMEOUT)
    _keep_copy(key, html)


def _keep_copy(key: str, html: bytes) -> None:
    global _rendered_copies
    if len(_rendered_copies) >= RENDERED_COPIES:
        _rendered_copies = {}
    _rendered_copies[key] = html


def forget_local_copies() -> None:
    """Drop what this process keeps beside the cache (tests clear the cache between runs)."""
    global _copy, _rendered_copies, _wall_copy
    _copy, _rendered_copies, _wall_copy = None, {}, None
    compression.forget_copies()


# Responses ----------------------------------------------------------------------------


def cached_page(
    request: HttpRequest,
    etag: str,
    render: Callable[[], str],
    vary: str = "HX-Request",
    content_type: str | None = None,
) -> HttpResponse:
    """A page that is the same for everyone who sends the same URL: 304, cached, or rendered.

    `etag` comes from the recipe above: it changes whenever the page would, and it is
    also the key of the rendering.
    """
    response = get_conditional_response(request, etag=etag)
    if response is None:
        body = rendered(etag)
        if body is None:
            body = render().encode()
            remember_rendered(etag, body)
        response = HttpResponse(body, content_type=content_type)
    response = with_page_headers(response, etag, vary)
    # Public renderings only: safe to compress (boards.compression says why others are not).
    return compression.compress_response(
        response, request.META.get("HTTP_ACCEPT_ENCODING", ""), etag
    )


def with_page_headers(response: HttpResponse, etag: str, vary: str = "HX-Request") -> HttpResponse:
    response["ETag"] = etag
    # Browsers and proxies may keep the page but must ask (cheaply: 304) before each
    # reuse, so no copy outlives the next change, whether data or time makes it.
    # Set, not patched: the response is new, and this runs on every poll.
    response["Cache-Control"] = "public, no-cache"
    # Accept-Encoding too: every such page goes through compression.compress_response.
    response["Vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
    return response
