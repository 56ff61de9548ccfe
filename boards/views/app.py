"""The board as an app on a phone: the service worker that keeps it readable offline, and
the web app manifest that lets a phone install it."""

import functools
import json

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from boards import caching, compression

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
    etag = f'"sw-{caching.RELEASE}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        config = {
            "release": caching.RELEASE,
            "static": [static(path) for path in PRECACHED_STATIC],
            "pages": PRECACHED_PAGES,
        }
        body = f"self.OPENSPACES = {json.dumps(config)};\n{_service_worker_source()}"
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker on navigations; they must ask us, not a cache.
    patch_cache_control(response, no_cache=True)
    # The same for everyone, named by its ETag: sent gzipped (9 kB, 3 kB gzipped).
    return compression.compress_response(
        response, request.META.get("HTTP_ACCEPT_ENCODING", ""), etag
    )


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
