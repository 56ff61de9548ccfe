"""Project-wide pages: the health check and the error pages.

A database outage is answered with a friendly 503 (templates/503.html) and a
Retry-After header, never a traceback: `DatabaseUnavailableMiddleware` catches it in
views, `server_error` (handler500) wherever else it is raised (session save, auth).
"""

import secrets
import sys

from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

import openspaces
from boards.context_processors import conference

RETRY_AFTER_SECONDS = 10
DATABASE_DOWN = (OperationalError, InterfaceError)


def is_database_down(error: BaseException | None) -> bool:
    return isinstance(error, DATABASE_DOWN)


def database_unavailable(request: HttpRequest | None = None) -> HttpResponse:
    """The friendly 503: rendered without the request, so without session or database."""
    html = render_to_string("503.html", conference(None))
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage becomes the 503 page; anything else the 500 page."""
    if is_database_down(sys.exc_info()[1]):
        return database_unavailable(request)
    response = HttpResponse(render_to_string("500.html", conference(None)), status=500)
    add_never_cache_headers(response)
    return response


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not. The cache is reported only:
    the boards work without it. The version tells which release answered."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        # The broken connection is closed at the end of the request; the next one
        # reconnects (CONN_HEALTH_CHECKS), so the service resumes by itself.
        return JsonResponse(
            {"database": "down", "version": openspaces.__version__},
            status=503,
            headers={"Retry-After": "5"},
        )
    probe = secrets.token_hex(4)
    try:
        cache.set("healthz", probe, 10)
        cache_state = "ok" if cache.get("healthz") == probe else "down"
    except Exception:  # a cache without IGNORE_EXCEPTIONS must not fail the check
        cache_state = "down"
    return JsonResponse(
        {"database": "ok", "cache": cache_state, "version": openspaces.__version__}
    )
