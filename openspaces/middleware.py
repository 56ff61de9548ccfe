import logging

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.defaults import bad_request

from boards.languages import HOME_VARY, home_redirect
from openspaces.views import database_unavailable, is_database_down

logger = logging.getLogger("openspaces.database")


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 with Retry-After, not 500.

    Errors raised outside views (other middleware) reach handler500, which does the
    same (openspaces.views.server_error).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_database_down(exception):
            return None
        logger.warning(
            "Database unavailable for %s %s: %s", request.method, request.path, exception
        )
        return database_unavailable(request)


class RejectNulMiddleware:
    """A NUL byte in the path or the query string is answered 400 before any view runs.

    No URL of the site contains one, and PostgreSQL refuses NUL in text, so a search
    or admin filter handed one would fail with a 500 instead of a clear 4xx.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in query or "%00" in query:
            return bad_request(request, SuspiciousOperation("NUL byte in the URL"))
        return self.get_response(request)


def is_chair_page(request: HttpRequest) -> bool:
    return request.path_info.startswith(reverse("admin:index"))


class LanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (the language from the address), with the front door.

    `/` redirects to the reader's language when it is not the main one
    (boards.languages.home_redirect). Django's own would add `Vary: Accept-Language` to
    every page without a prefix; only `/` depends on the reader here, so only it varies.
    """

    def __call__(self, request: HttpRequest):  # as LocaleMiddleware's: sync or async
        if url := home_redirect(request):
            response = HttpResponseRedirect(url)
            patch_vary_headers(response, HOME_VARY)
            return response
        return super().__call__(request)

    def process_request(self, request: HttpRequest) -> None:
        if is_chair_page(request):
            # The admin has no language in its address: the chair's browser (or choice)
            # picks it, as Django's LocaleMiddleware does without i18n_patterns.
            language = translation.get_language_from_request(request)
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
            return
        super().process_request(request)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.path_info == "/":
            patch_vary_headers(response, HOME_VARY)
        elif is_chair_page(request):
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
