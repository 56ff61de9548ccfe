"""Production behaviour: health check, error pages, cache outage, static files."""

import os
import re
import subprocess
import sys
import tomllib

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError
from django.templatetags.static import static
from django.test import Client, override_settings

from boards import caching
from boards.models import Card, Slot
from tests.factories import conference, local, make_card

# The release as pyproject.toml names it: /healthz and the admin show this one.
VERSION = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())["project"]["version"]

pytestmark = pytest.mark.django_db

EVENING_BEFORE = local(2027, 5, 13, 20, 0)
NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused
REDIS = {
    "BACKEND": "django_redis.cache.RedisCache",
    "LOCATION": NOWHERE,
    "OPTIONS": {
        "IGNORE_EXCEPTIONS": True,
        "SOCKET_CONNECT_TIMEOUT": 0.25,
        "SOCKET_TIMEOUT": 0.25,
    },
}
REDIS_DOWN = {"default": REDIS, "shared": REDIS}  # as settings.py sets them with REDIS_URL


@pytest.fixture(autouse=True)
def _evening_before():
    with time_machine.travel(EVENING_BEFORE, tick=False):
        yield


class BrokenCursor:
    def __enter__(self):
        raise OperationalError("connection refused")

    def __exit__(self, *args):
        return False


class DownConnection:
    def cursor(self):
        return BrokenCursor()


def assert_friendly_503(response) -> None:
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert "no-cache" in response["Cache-Control"]
    assert "Back in a moment" in html
    assert "Traceback" not in html
    assert "OperationalError" not in html


# Health -------------------------------------------------------------------------------


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "cache": "ok",
        "tasks": "ok",
        "oldest_task_seconds": None,
        "version": VERSION,
    }
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    monkeypatch.setattr("openspaces.views.connection", DownConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "down", "version": VERSION}
    assert "no-cache" in response["Cache-Control"]


@override_settings(CACHES=REDIS_DOWN)
def test_healthz_reports_a_cache_outage_without_failing(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["cache"] == "down"


def test_admin_footer_shows_the_release(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    footer = re.search(r'<footer id="footer">(.*?)</footer>', response.text, re.S)
    assert footer is not None
    assert f"Open Spaces boards {VERSION}" in footer.group(1)


# Error pages --------------------------------------------------------------------------


def test_a_database_outage_in_a_view_is_a_friendly_503(client, monkeypatch):
    conference()

    def unreachable():
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(caching, "board_states", unreachable)
    assert_friendly_503(client.get("/"))
    assert_friendly_503(client.get("/day/2027-05-14/"))


def test_a_database_outage_outside_a_view_is_a_friendly_503_too(monkeypatch):
    """The session is saved by middleware after the view: handler500 answers."""
    conference()
    card = make_card(slot=Slot.objects.first())

    def unreachable(self, must_create=False):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(
        "django.contrib.sessions.backends.cached_db.SessionStore.save", unreachable
    )
    client = Client(raise_request_exception=False)
    # Reporting a card remembers it in the session (one report per browser).
    response = client.post(f"/card/{card.pk}/flag/", {"reason": "Spam"})
    assert_friendly_503(response)


def test_an_unknown_page_is_the_friendly_404_in_the_sites_layout(client):
    conference()
    response = client.get("/day/1999-01-01/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "There is nothing here" in html
    assert 'class="site-header"' in html


def test_an_unexpected_error_is_the_friendly_500_without_a_traceback(monkeypatch):
    conference()

    def broken():
        raise RuntimeError("a bug")

    monkeypatch.setattr(caching, "board_states", broken)
    response = Client(raise_request_exception=False).get("/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "RuntimeError" not in html
    assert "Traceback" not in html


# The cache ----------------------------------------------------------------------------


@override_settings(CACHES=REDIS_DOWN)
def test_with_the_cache_down_boards_and_claims_are_served_from_the_database(client):
    conference()
    slot = Slot.objects.filter(day__date="2027-05-14").first()
    board = client.get("/day/2027-05-14/")
    assert board.status_code == 200
    assert client.get("/").status_code == 200

    form = client.get(f"/slot/{slot.pk}/claim/")
    assert form.status_code == 200
    fields = {"title": "Without Redis", "host_name": "Ada", "description": "", "host_handle": ""}
    claim = client.post(f"/slot/{slot.pk}/claim/", fields | {"email": "", "website": ""})
    assert claim.status_code == 303
    card = Card.objects.get(slot=slot)
    assert client.get(claim["Location"]).status_code == 200

    after = client.get("/day/2027-05-14/", headers={"If-None-Match": board["ETag"]})
    assert after.status_code == 200
    assert "Without Redis" in after.content.decode()
    assert client.get(f"/card/{card.pk}/").status_code == 200


# Static files -------------------------------------------------------------------------


def test_static_files_are_collected_hashed_compressed_and_cached_for_ever(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path):
        # Our own files only: brotli takes half a minute over the admin's and htmx.
        call_command("collectstatic", "--noinput", "-i", "admin", "-i", "vendor", verbosity=0)
        url = static("css/boards.css")
        assert re.fullmatch(r"/static/css/boards\.[0-9a-f]{12}\.css", url)
        assert (tmp_path / url.removeprefix("/static/")).with_suffix(".css.gz").exists()
        client = Client()  # a new handler: whitenoise indexes the new STATIC_ROOT
        hashed = client.get(url, headers={"Accept-Encoding": "br, gzip"})
        assert hashed.status_code == 200
        assert hashed["Cache-Control"] == "max-age=315360000, public, immutable"
        assert hashed["Content-Encoding"] in {"br", "gzip"}
        plain = client.get("/static/css/boards.css")
        assert "immutable" not in plain["Cache-Control"]
        hashed.close()  # whitenoise streams open files
        plain.close()


# The application gunicorn forks ---------------------------------------------------------


def test_the_wsgi_application_is_warm_before_the_fork_and_holds_no_connection():
    """Loading openspaces.wsgi (once, before gunicorn forks its workers) compiles the pages'
    templates and builds the URL lookups, so a new worker does not pay for them on its
    first requests; and it opens no database connection, which a fork would share."""
    probe = (
        "import openspaces.wsgi\n"
        "from django.db import connections\n"
        "from django.template import engines\n"
        "from django.urls import get_resolver\n"
        "loader = engines['django'].engine.template_loaders[0]\n"
        "print(sorted(name for name in loader.get_template_cache if name.startswith('boards/')"
        " and name.endswith(('board.html', 'claim.html'))))\n"
        "print(sorted(get_resolver()._reverse_dict))\n"
        "print([alias for alias in connections if connections[alias].connection is not None])\n"
    )
    environment = {**os.environ, "SECRET_KEY": "warm-up-probe", "DEBUG": "0"}
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out == ["['boards/board.html', 'boards/claim.html']", "['en', 'es']", "[]"]
