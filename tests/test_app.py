"""The board as an app: the service worker, the manifest, and public pages sent compressed."""

import gzip
import json

import pytest
import time_machine
from django.templatetags.static import static

from boards import caching
from boards.caching.compression import accepts_gzip
from boards.models import Slot
from tests.factories import conference, local, make_card

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
MORNING = local(2027, 5, 14, 9)


def test_service_worker_is_served_from_the_root_with_this_release(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    config = json.loads(body.split("\n", 1)[0].removeprefix("self.OPENSPACES = ").rstrip(";"))
    assert config["release"] == caching.RELEASE
    assert static("css/boards.css") in config["static"]  # the name of this release's file
    assert config["pages"] == ["/", "/now/", "/guide/", "/ideas/"]
    assert 'addEventListener("fetch"' in body


def test_service_worker_is_sent_gzipped_to_who_accepts_it(client):
    plain = client.get("/sw.js")
    response = client.get("/sw.js", **GZIP)
    assert response["Content-Encoding"] == "gzip"
    assert response["Vary"] == "Accept-Encoding"
    assert gzip.decompress(response.content) == plain.content


def test_service_worker_answers_304_until_the_next_release(client):
    etag = client.get("/sw.js")["ETag"]
    assert caching.RELEASE in etag
    assert client.get("/sw.js", headers={"if-none-match": etag}).status_code == 304


def test_manifest_names_the_conference_and_its_icons(client, settings):
    settings.OPENSPACES_NAME = "DjangoCon Europe Open Spaces"
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "DjangoCon Europe Open Spaces"
    assert manifest["short_name"] == "Open Spaces"  # "DjangoCon Europe" is too long
    assert (manifest["start_url"], manifest["display"]) == ("/", "standalone")
    assert manifest["theme_color"] == manifest["theme_color"].lower() != ""
    assert manifest["background_color"]
    icons = {
        (icon["src"], icon["sizes"], icon.get("purpose", "any"), icon["type"])
        for icon in manifest["icons"]
    }
    assert icons == {
        (static("icons/icon-192.png"), "192x192", "any", "image/png"),
        (static("icons/icon-512.png"), "512x512", "any", "image/png"),
        (static("icons/icon-maskable-512.png"), "512x512", "maskable", "image/png"),
        (static("icons/favicon.svg"), "any", "any", "image/svg+xml"),
    }


def test_manifest_short_name_is_the_conference_without_open_spaces(client, settings):
    settings.OPENSPACES_NAME = "PyCon US Open Spaces"
    assert json.loads(client.get("/manifest.webmanifest").content)["short_name"] == "PyCon US"


def test_every_page_links_the_manifest_and_theme_colour(client):
    conference(days=1)
    with time_machine.travel(MORNING, tick=False):
        for url in ("/", "/now/", f"/slot/{Slot.objects.first().pk}/claim/"):
            html = client.get(url).content.decode()
            assert '<link rel="manifest" href="/manifest.webmanifest">' in html, url
            assert '<meta name="theme-color" content="#1b1b1f">' in html, url
            assert static("js/offline.js") in html, url


@pytest.mark.parametrize("url", ["/", "/day/2027-05-14/", "/now/", "/display/"])
def test_public_page_is_sent_gzipped_to_who_accepts_it(client, url):
    conference(days=1)
    make_card(slot=Slot.objects.first(), title="Packaging pains")
    with time_machine.travel(MORNING, tick=False):
        plain = client.get(url)
        for _ in range(2):  # rendered, then from the cache (the middleware's fast path)
            response = client.get(url, **GZIP)
            assert response["Content-Encoding"] == "gzip"
            assert "Accept-Encoding" in response["Vary"]
            assert "HX-Request" in response["Vary"]
            assert int(response["Content-Length"]) == len(response.content)
            assert gzip.decompress(response.content) == plain.content
            assert len(response.content) < len(plain.content) / 2
    assert not plain.has_header("Content-Encoding")
    assert "Accept-Encoding" in plain["Vary"]


def test_board_poll_304_names_accept_encoding_too(client):
    conference(days=1)
    with time_machine.travel(MORNING, tick=False):
        etag = client.get("/", **GZIP)["ETag"]
        response = client.get("/", headers={"if-none-match": etag}, **GZIP)
    assert response.status_code == 304
    assert "Accept-Encoding" in response["Vary"]


def test_gzip_refused_with_q_0_is_not_sent(client):
    conference(days=1)
    with time_machine.travel(MORNING, tick=False):
        response = client.get("/", HTTP_ACCEPT_ENCODING="br, gzip;q=0")
    assert not response.has_header("Content-Encoding")


def test_pages_with_a_secret_are_never_compressed(client):
    """A CSRF token or a manage link next to reflected text is what BREACH reads."""
    conference(days=1)
    card = make_card(slot=Slot.objects.first(), title="Packaging pains")
    with time_machine.travel(MORNING, tick=False):
        for url in (
            f"/card/{card.pk}/manage/token/",
            f"/card/{card.pk}/",
            f"/slot/{Slot.objects.last().pk}/claim/",
        ):
            response = client.get(url, **GZIP)
            assert response.status_code == 200, url
            assert not response.has_header("Content-Encoding"), url


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("br;q=1.0, GZIP;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip;q=0.000", False),
        ("br", False),
        ("", False),
        ("x-gzip-nope", False),
    ],
)
def test_accepts_gzip_reads_accept_encoding(header, accepted):
    assert accepts_gzip(header) is accepted


@pytest.mark.parametrize("url", ["/sw.js", "/manifest.webmanifest"])
def test_head_works_where_get_does(client, url):
    response = client.head(url)
    assert response.status_code == 200
    assert response.content == b""


def test_the_offline_page_is_named_to_the_worker_in_each_language_and_stored_by_it(client):
    worker = client.get("/sw.js").content.decode()
    config = json.loads(worker.split("self.OPENSPACES = ", 1)[1].split(";\n", 1)[0])
    assert config["offline"] == {"": "/offline/", "/es": "/es/offline/"}

    page = client.get("/offline/")
    assert page.status_code == 200
    assert "You are offline" in page.content.decode()
    assert "private" not in page["Cache-Control"] and "no-store" not in page["Cache-Control"]
    assert "sessionid" not in page.cookies and "csrftoken" not in page.cookies
    assert client.get("/offline/", headers={"if-none-match": page["ETag"]}).status_code == 304
    assert "No tienes conexión" in client.get("/es/offline/").content.decode()
