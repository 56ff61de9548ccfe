"""The board as an app on a phone: the service worker that keeps it readable offline, and
the web app manifest that lets a phone install it."""

import functools
import json

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from boards import caching

SERVICE_WORKER = "js/sw.js"
# What a page needs to be drawn offline: stored when the service worker is installed.
PRECACHED_STATIC = [
    "css/boards.css",
    "vendor/htmx/htmx.min.js",
    "js/boards.js",
    "js/offline.js",
    "icons/favicon.svg",
]
# Pages stored when the service worker is installed; the page that installs it asks
# for the boards it links to (today's and tomorrow's, static/js/offline.js).
# The guide and the ideas wall too: what to do between talks, offline as well.
PRECACHED_PAGES = ["/", "/now/", "/guide/", "/ideas/"]
THEME_COLOUR = "#1b1b1f"  # the site header's ink (static/css/boards.css)
BACKGROUND_COLOUR = "#ffffff"


@functools.cache
def _service_worker_source() -> str:
    path = finders.find(SERVICE_WORKER)
    assert isinstance(path, str), f"{SERVICE_WORKER} is missing from the static files"
    with open(path, encoding="utf-8") as source:
        return source.read()


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker at /sw.js: a static file, served from the root so that its
    scope is the whole site, with what it must know of this deploy put in front.

    Its cache names carry the release stamp, so a deploy that changes a template or a
    static file installs a new worker, which stores the new files and drops the old.
    """

    def render_worker() -> str:
        config = {
            "release": caching.RELEASE,
            "static": [static(path) for path in PRECACHED_STATIC],
            "pages": PRECACHED_PAGES,
            # The app's own page for a page never stored, one per language (its prefix).
            "offline": _offline_pages(),
        }
        return f"self.OPENSPACES = {json.dumps(config)};\n{_service_worker_source()}"

    # Browsers check for a new worker on navigations; they must ask us (no-cache).
    # The same for everyone, named by its ETag: sent gzipped (9 kB, 3 kB gzipped).
    response = caching.cached_page(
        request,
        caching.page_tag("sw", version=caching.RELEASE),
        render_worker,
        vary="",
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    # Only browsers fetch a worker, for themselves: no shared cache needs to keep it.
    response["Cache-Control"] = "no-cache"
    return response


def _offline_pages() -> dict[str, str]:
    """The offline page's address in each language, by the path prefix that names it
    ("" for the main language)."""
    pages = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            prefix = "" if code == settings.LANGUAGE_CODE else f"/{code}"
            pages[prefix] = reverse("boards:offline")
    return pages


@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    """What the service worker shows for a page this phone never stored, with no network:
    the same for everyone and for the whole release (stored when the worker installs)."""
    etag = f'"offline-{caching.RELEASE}-{translation.get_language()}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = render(request, "boards/offline.html")
    response["ETag"] = etag
    patch_cache_control(response, public=True, no_cache=True)
    return response


def short_name(name: str) -> str:
    """The name under the icon on a home screen, where about 12 characters fit:
    "PyCon US Open Spaces" becomes "PyCon US"."""
    shorter = name.removesuffix("Open Spaces").strip() or name
    return shorter if len(shorter) <= 12 else "Open Spaces"


@require_safe
def web_manifest(request: HttpRequest) -> HttpResponse:
    name = settings.OPENSPACES_NAME
    manifest = {
        "id": "/",
        "name": name,
        "short_name": short_name(name),
        "description": gettext("Find and host %(name)s: self-organised one-hour meetups.")
        % {"name": name},
        "lang": settings.LANGUAGE_CODE,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("icons/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = HttpResponse(json.dumps(manifest), content_type="application/manifest+json")
    patch_cache_control(response, public=True, max_age=60 * 60)
    return response
