"""The one ETag recipe: what names a rendering of a page that is the same for everyone.

An ETag is the page's `kind`, the version of the data it shows, the next moment at which
time alone changes it, the active language and the release stamp, plus a cryptographic
digest of anything a visitor typed (a search, the Host its links name). It is also the
key of the cached rendering (boards.caching.responses). Alongside it goes the moment it
stops being valid (`PageTag.valid_until`): the fast path (boards.middleware) answers
from what a view said only until then.
"""

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path

import django
from django.conf import settings
from django.utils import timezone, translation

from boards import timeline
from boards.caching.generation import WallState
from boards.timeline import BoardState

# The release stamp --------------------------------------------------------------------

RELEASE_FILES = {
    # The compiled catalogues too: a new translation is a new page.
    "boards": {".py", ".mo"},
    "openspaces": {".py"},
    "templates": {".html", ".txt", ".xml"},
    "static": {".css", ".js", ".svg", ".webmanifest", ".json"},
}


def release_stamp() -> str:
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


RELEASE = release_stamp()


# The recipe ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class PageTag:
    """A page's ETag and the moment it stops being valid (time alone changes the page
    then, or the interest counts may be published: timeline.interest_mark)."""

    etag: str
    valid_until: dt.datetime


def digest(*texts: str) -> str:
    """A cryptographic digest of what a visitor typed: no crafted text can share a key."""
    return hashlib.blake2b("\0".join(texts).encode(), digest_size=16).hexdigest()


def next_interest_window(now: dt.datetime) -> dt.datetime:
    """When the interest counts can next be published (timeline.interest_mark)."""
    window = max(settings.OPENSPACES_INTEREST_WINDOW, 1)
    return dt.datetime.fromtimestamp(
        (timeline.interest_window(now, window) + 1) * window, tz=dt.UTC
    )


def page_tag(
    kind: str,
    *,
    version: str,
    changes_at: dt.datetime | None = None,
    typed: Iterable[str] = (),
    variant: str = "",
    now: dt.datetime | None = None,
) -> PageTag:
    """The ETag (and cache key) of a page that is the same for everyone at its URL.

    `kind` names the page (board, display, now, schedule, ics...); `version` is the
    version of the data it shows; `changes_at` the next moment at which time alone
    changes it (None: time never does); `typed` what came from the visitor (a search,
    the Host its links name), digested; `variant` the page's fixed options. The active
    language (the address's: /es/… or none) is part of every one, so no cache can hand
    one language's page to a reader of another.

    It is valid until `changes_at` or the next interest window, whichever comes first:
    a version that includes an interest mark moves on at a window's start.
    """
    moment = str(int(changes_at.timestamp())) if changes_at else "0"
    parts = [RELEASE, translation.get_language() or settings.LANGUAGE_CODE, kind, version, moment]
    if typed := list(typed):
        parts.append(digest(*typed))
    if variant:
        parts.append(variant)
    window = next_interest_window(now or timezone.now())
    valid_until = min(changes_at, window) if changes_at else window
    return PageTag('"' + "-".join(parts) + '"', valid_until)


def day_version(state: BoardState) -> str:
    """The version of one day's cards and slots."""
    return f"{state.date:%Y%m%d}.{state.version}"


def states_version(states: list[BoardState]) -> str:
    """The version of everything on every board: for pages that show all days."""
    return digest(repr([(s.date, s.opens_at, s.version) for s in states]))


def interests_version(states: list[BoardState], now: dt.datetime) -> str:
    """Every day's version and interest counts: for a search, which covers every day."""
    window = settings.OPENSPACES_INTEREST_WINDOW
    marks = [(s.date, s.version, timeline.interest_mark(s, now, window)) for s in states]
    return digest(repr(marks))[:16]


def board_tag(
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
    lookahead: dt.timedelta | None = None,
) -> PageTag:
    """A board-like page of one day (the board, the big screen, a room): its version, the
    days' layout (the links to the days before and after), the interest counts it shows;
    `variant` for what else the page depends on (a room, every day's version)."""
    interests = timeline.interest_mark(state, now, settings.OPENSPACES_INTEREST_WINDOW)
    layout = digest(repr([(s.date, s.opens_at) for s in states]))[:8]
    flags = [name for name, on in (("home", home), ("fragment", fragment)) if on]
    if variant:
        flags.append(variant)
    return page_tag(
        kind,
        version=f"{day_version(state)}.{layout}.i{interests}",
        changes_at=timeline.next_change(states, now, lookahead=lookahead),
        typed=[*typed, *([f"q={query}"] if query else [])],
        variant=".".join(flags),
        now=now,
    )


def wall_tag(
    kind: str,
    wall: WallState,
    now: dt.datetime,
    *,
    states: list[BoardState] | None = None,
) -> PageTag:
    """The ideas wall or the guide (`kind`): the wall's version and published interest
    counts, and, given every board's `states` (the wall lists the cards hosting its
    ideas), their version too. Time alone changes neither page, but the counts are
    published at a window's start: valid until then."""
    interests = timeline.interest_mark(wall, now, settings.OPENSPACES_INTEREST_WINDOW)
    version = f"w{wall.version}.i{interests}"
    if states is not None:
        version += "." + states_version(states)[:12]
    return page_tag(kind, version=version, now=now)
