"""Browser tests: pytest-playwright driving Chromium against pytest-django's live_server.

The browser, first found: $CHROMIUM (a path), Debian's /usr/bin/chromium, then Playwright's
own Chromium, which `make browser` (playwright install chromium) puts in the user's cache
where its download site is reachable. Run these tests alone with
`make test PYTEST_ARGS=tests/browser`; to look at the pages as the tests leave them, add
`--screenshot on --full-page-screenshot --output /tmp/browser-shots` to PYTEST_ARGS.
"""

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import time_machine
from django.test import override_settings
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from boards.models import Card, Day, Room, Slot
from boards.services.grid import bump_board_versions
from tests import factories
from tests.browser import CHROMIUM_ARGS, VIEWPORTS

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
# Upper bounds, only reached when a test fails: generous, as two cores are shared by all.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)

# The conference of every browser test, seen on its first day at 09:30: the 09:00 hour
# is under way, 10:00 to 12:00 are free to claim; day 3's board is not open yet.
FIRST_DAY = dt.date(2027, 5, 14)
NOW = factories.local(2027, 5, 14, 9, 30)


def pytest_collection_modifyitems(config, items):
    """Run the browser tests last.

    Playwright's sync API keeps an event loop running in the main thread from the first
    browser test to the end of the session, so Django's async-unsafe guard has to be
    switched off from then on (`_browser_session`). Running them last keeps the guard on
    for every other test, and the quick tests report first.
    """
    here = Path(__file__).parent
    items.sort(key=lambda item: here in Path(item.path).parents)


@pytest.fixture(scope="session", autouse=True)
def _browser_session():
    """Settings for the whole browser session; starts before the first browser test."""
    # The sync API's event loop makes every ORM call look like one from async code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # live_server answers /static/ itself, from the staticfiles finders: they know the
    # source names only, not the hashed ones of the manifest storage production uses.
    # WhiteNoise never sees those requests; autorefresh keeps it from scanning
    # STATIC_ROOT, which exists only after collectstatic, so that these tests can run alone.
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, WHITENOISE_AUTOREFRESH=True):
        yield


def chromium_executable(playwright_chromium: Path) -> Path:
    """The Chromium the browser tests drive; fails with how to get one when there is none."""
    if chosen := os.environ.get("CHROMIUM"):
        if not Path(chosen).exists():
            pytest.fail(f"CHROMIUM={chosen}: no such file")
        return Path(chosen)
    for candidate in (DEBIAN_CHROMIUM, playwright_chromium):
        if candidate.exists():
            return candidate
    pytest.fail(
        "The browser tests need Chromium: run `make browser` (Playwright downloads its own "
        "for this user), install your system's package (Debian: apt-get install chromium), "
        "or set CHROMIUM to a Chromium or Chrome executable."
    )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, playwright):
    executable = chromium_executable(Path(playwright.chromium.executable_path))
    # executable_path: Playwright uses this browser and never looks for one of its own.
    return {**browser_type_launch_args, "executable_path": str(executable), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, started once the test database exists.

    Started before it, the server would not share an in-memory SQLite test database's
    connection (when settings name no file for it): its threads would open their own,
    which SQLite's backend never closes.
    """
    return live_server


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Pages are opened by path (page.goto("/")) on the live server.

    This also replaces pytest-playwright's own base_url fixture, which pytest 9 warns
    about (a session fixture defined as an instance method).
    """
    return live_server.url


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> dict[str, int]:
    """Each browser test runs on a 360 px phone and on a laptop."""
    return VIEWPORTS[request.param]


@dataclass
class ConsoleLog:
    """Errors that pages printed to the console (CSP violations included) or threw."""

    errors: list[str] = field(default_factory=list)
    expected: list[re.Pattern] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> None:
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.errors.append(f"uncaught: {error.error}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type in {"error", "assert"}:
            self.errors.append(f"{message.type}: {message.text} ({message.location['url']})")

    def expect(self, pattern: str) -> None:
        """Allow console errors matching `pattern`, e.g. a 422 the test asks for."""
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.expected)]


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def context(new_context, viewport, console) -> BrowserContext:
    context = new_context(viewport=viewport)
    console.watch(context)
    return context


def _new_page(context: BrowserContext) -> Page:
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


@pytest.fixture
def page(context) -> Page:
    return _new_page(context)


@pytest.fixture
def plain_page(new_context, viewport, console) -> Page:
    """A browser with JavaScript switched off: plain pages and forms."""
    context = new_context(viewport=viewport, java_script_enabled=False)
    console.watch(context)
    return _new_page(context)


@pytest.fixture(autouse=True)
def _no_console_errors(console):
    yield
    errors = console.unexpected()
    assert not errors, "The browser reported errors:\n" + "\n".join(errors)


@dataclass
class Conference:
    url: str
    days: list[Day]
    rooms: list[Room]
    card: Card  # a card pinned on the first day at 10:00, in the first room
    free: Slot  # a free slot on the first day at 11:00, in the first room
    blocked: Slot


@pytest.fixture
def frozen_time():
    """Time as it is at NOW, still ticking (Playwright waits on real time)."""
    with time_machine.travel(NOW, tick=True):
        yield NOW


@pytest.fixture
def conference(live_server, frozen_time) -> Conference:
    days = factories.conference(first_day=FIRST_DAY, days=3, rooms=3, hours=(9, 13))
    rooms = list(Room.objects.order_by("position", "name"))
    Room.objects.filter(pk=rooms[0].pk).update(capacity=40, location="Level 1, north hall")
    Room.objects.filter(pk=rooms[2].pk).update(capacity=15)

    def slot(day, room, hour):
        date = day.date
        return Slot.objects.get(room=room, starts_at=factories.local(*date.timetuple()[:3], hour))

    card = factories.make_card(
        slot=slot(days[0], rooms[0], 10),
        title="Django async in production",
        description="War stories and patterns for ASGI views.",
        host_name="Carlton G.",
        host_handle="@carlton@fosstodon.org",
    )
    factories.make_card(
        slot=slot(days[0], rooms[1], 9), title="Packaging pains", host_name="Priya N."
    )
    blocked = slot(days[0], rooms[2], 12)
    blocked.blocked_reason = "Sponsor lunch until 13:00"
    blocked.save()
    factories.make_card(slot=slot(days[1], rooms[1], 11), title="Type hints", host_name="Lukas")
    bump_board_versions(*(day.pk for day in days))
    return Conference(
        url=live_server.url,
        days=days,
        rooms=rooms,
        card=card,
        free=slot(days[0], rooms[0], 11),
        blocked=blocked,
    )
