"""The boards' state in the cache, so that most polls never touch the database.

The cache is an optimisation, never a dependency: every read falls back to the
database when the cache has nothing (or is down, which django-redis reports as a miss).
"""

import datetime as dt
import secrets
import zlib
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response

from boards import compression, timeline
from boards.models import SLOT_LENGTH, Day, Slot
from boards.timeline import BoardState

STATE_KEY = "boards:state"
GENERATION_KEY = "boards:generation"
# A safety net: every write changes the generation at commit. It also bounds how long
# a board can stay stale if a write happened while the cache was unreachable.
STATE_TIMEOUT = 5 * 60
# A per-process cache (local memory, the default without REDIS_URL) only learns of a
# write in the worker that made it; the other gunicorn workers follow after this long.
LOCAL_STATE_TIMEOUT = 2

# The last states this process read, with their generation: a poll then costs one
# small cache read (the generation), not the states' unpickling.
_copy: tuple[str, list[BoardState]] | None = None


def _state_timeout() -> int:
    backend = settings.CACHES["default"]["BACKEND"]
    return LOCAL_STATE_TIMEOUT if backend.endswith("LocMemCache") else STATE_TIMEOUT


def _release_stamp() -> str:
    """A short hash of the templates and static files: it changes with every deploy that
    changes what a page looks like, so cached renderings and ETags from before are not reused."""
    stamp = 0
    for folder in ("templates", "static"):
        for path in sorted((Path(settings.BASE_DIR) / folder).rglob("*")):
            if path.is_file() and path.suffix in {".html", ".css", ".js", ".svg"}:
                stamp = zlib.crc32(
                    path.read_bytes(),
                    zlib.crc32(path.relative_to(settings.BASE_DIR).as_posix().encode(), stamp),
                )
    return f"{stamp:08x}"


RELEASE = _release_stamp()


def board_states() -> list[BoardState]:
    """Every day's board state, in date order: from the cache, or two queries."""
    return board_states_generation()[1]


def board_states_generation() -> tuple[str | None, list[BoardState]]:
    """The states and the generation they belong to (None when the cache is down).

    Every write changes the generation; states are cached under their generation, so
    a reader that loaded old states from the database just before a write cannot
    store them as current.
    """
    global _copy
    generation = cache.get(GENERATION_KEY)
    if generation is None:  # expired, evicted, or the cache is down
        generation = secrets.token_hex(8)
        cache.set(GENERATION_KEY, generation, _state_timeout())
    copy = _copy
    if copy is not None and copy[0] == generation:
        return copy
    _rendered_copies.clear()
    key = f"{STATE_KEY}:{generation}"
    states = cache.get(key)
    if states is None:
        states = _load_states()
        cache.set(key, states, _state_timeout())
    _copy = (generation, states)
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


def forget_boards() -> None:
    """Called when a write commits: a new generation, so every reader reloads the state."""
    cache.set(GENERATION_KEY, secrets.token_hex(8), _state_timeout())


# Renderings this process has served, by ETag. An ETag names one rendering for good (the
# board's version, the next change in time, the days' layout), so a copy never goes
# stale; it saves fetching 25 kB from Redis per request. Emptied on a new generation
# (and so when the cache is cleared), and kept small.
_rendered_copies: dict[str, str] = {}
RENDERED_COPIES = 32


def rendered(key: str) -> str | None:
    html = _rendered_copies.get(key)
    if html is None:
        html = cache.get(f"boards:html:{key}")
        if html is not None:
            _keep_copy(key, html)
    return html


def remember_rendered(key: str, html: str) -> None:
    cache.set(f"boards:html:{key}", html, STATE_TIMEOUT)
    _keep_copy(key, html)


def _keep_copy(key: str, html: str) -> None:
    if len(_rendered_copies) >= RENDERED_COPIES:
        _rendered_copies.clear()
    _rendered_copies[key] = html


def cached_page(
    request: HttpRequest, etag: str, render_html: Callable[[], str], vary: str = "HX-Request"
) -> HttpResponse:
    """A page that is the same for everyone who sends the same URL: 304, cached, or rendered.

    `etag` must change whenever the page would: it is also the key of the rendering.
    Every such ETag starts with the release stamp (RELEASE), so that a deploy
    that changes the markup, or the static files it names, is never answered with a
    rendering or a 304 from before it.
    """
    response = get_conditional_response(request, etag=etag)
    if response is None:
        html = rendered(etag)
        if html is None:
            html = render_html()
            remember_rendered(etag, html)
        response = HttpResponse(html)
    response = with_board_headers(response, etag, vary)
    # Public renderings only: safe to compress (boards.compression says why others are not).
    return compression.compress_response(
        response, request.META.get("HTTP_ACCEPT_ENCODING", ""), etag
    )


# The board recipes below are shared by the views and boards.middleware, which answers
# polls and cached boards before the session/CSRF/auth middleware run.
def board_etag(
    states: list[BoardState],
    state: BoardState,
    now: dt.datetime,
    *,
    fragment: bool,
    home: bool = False,
    query: str = "",
    kind: str = "board",
    variant: str = "",
) -> str:
    """Everything a board's rendering depends on: its version, the next moment time alone
    changes it, the days' layout, the interest counts it shows, the search, and what
    `kind` of page (the board, the big screen) in which `variant`."""
    layout = zlib.crc32(repr([(s.date, s.opens_at) for s in states]).encode())
    changes_at = int(timeline.next_change(states, now).timestamp())
    interests = timeline.interest_mark(state, now, settings.OPENSPACES_INTEREST_WINDOW)
    searched = f"-q{zlib.crc32(query.encode()):x}" if query else ""
    return (
        f'"{RELEASE}-{kind}-{state.date:%Y%m%d}-{state.version}-{changes_at}'
        f"-{layout:x}-i{interests}{searched}{'-' + variant if variant else ''}"
        f'{"-home" if home else ""}{"-fragment" if fragment else ""}"'
    )


def with_board_headers(
    response: HttpResponse, etag: str, vary: str = "HX-Request"
) -> HttpResponse:
    response["ETag"] = etag
    # Browsers and proxies may keep the page but must ask (cheaply: 304) before reuse.
    # Set, not patched: the response is new, and this runs on every poll.
    response["Cache-Control"] = "public, no-cache"
    response["Vary"] = vary
    return response
