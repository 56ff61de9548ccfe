"""Project-wide pages: the health check and the error pages.

A database outage is answered with a friendly 503 (templates/503.html) and a
Retry-After header, never a traceback: `DatabaseUnavailableMiddleware` catches it in
views, `server_error` (handler500) wherever else it is raised (session save, auth).
"""

import secrets
import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

import openspaces
from boards import tasks
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
        {
            "database": "ok",
            "cache": cache_state,
            **tasks_state(),
            "version": openspaces.__version__,
        }
    )


def tasks_state() -> dict[str, str | int | None]:
    """How long the oldest due task has waited for the worker (seconds; None: nothing is
    waiting), and "late" past OPENSPACES_TASKS_LATE_SECONDS: the sign of a worker that is
    down or stuck, which nothing else shows (the mail just does not come). Reported only:
    the pages work without a worker, so it does not turn the check into a 503."""
    try:
        waited = tasks.oldest_waiting(timezone.now())
    except DatabaseError:  # the database answers, but without the tasks table (not migrated)
        return {"tasks": "unknown", "oldest_task_seconds": None}
    seconds = None if waited is None else int(waited.total_seconds())
    late = seconds is not None and seconds > settings.OPENSPACES_TASKS_LATE_SECONDS
    return {"tasks": "late" if late else "ok", "oldest_task_seconds": seconds}


# The language switch in every page's footer. The boards carry no CSRF token (they are the
# same for everyone and cached whole), so neither can this form: the most a forged post can
# do is choose a reader's language, which the footer changes back.
@csrf_exempt
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language, which sends the reader to the same page in the chosen language.

    It finds that page by resolving `next` (else the Referer: the cached boards cannot say
    which page they are) in the active language; this address has no prefix, so the active
    language is the main one, and /es/… would not resolve: resolve it in its own.
    """
    target = request.POST.get("next") or request.META.get("HTTP_REFERER", "")
    language = translation.get_language_from_path(urlsplit(target).path)
    with translation.override(language or settings.LANGUAGE_CODE):
        return i18n.set_language(request)
