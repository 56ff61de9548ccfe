import logging
from dataclasses import dataclass
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    RawPostDataException,
)
from django.http.cookie import parse_cookie
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext
from django.views.defaults import bad_request

from boards.languages import HOME_VARY, home_redirect
from openspaces.views import database_unavailable, is_database_down

logger = logging.getLogger("openspaces.database")
logger_input = logging.getLogger("openspaces.input")


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


@dataclass(frozen=True)
class Unreadable:
    """One value the gate refused: where it came from, its name, what was wrong with it,
    and the text as received (undecodable bytes shown as U+FFFD), to show back."""

    where: str  # "path", "query", "cookie" or "form"
    name: str
    problem: str
    text: str


NUL = "\x00"


def _problem(raw: bytes) -> str | None:
    """What is wrong with a received value, in words, or None when it is fine."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Lone surrogates can only arrive this way: UTF-8 has no encoding for them.
        return gettext("bytes that are not UTF-8 text")
    if NUL in text:
        return gettext("a NUL character (U+0000)")
    return None


def _readable(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _wsgi_bytes(request: HttpRequest, key: str) -> bytes:
    # WSGI hands headers and the query string as latin-1 decoded bytes.
    return request.META.get(key, "").encode("latin-1", errors="replace")


def _pairs(raw: bytes) -> list[tuple[bytes, bytes]]:
    """An application/x-www-form-urlencoded text (a query or a body) as raw byte pairs."""
    try:
        pairs = parse_qsl(
            raw.decode("latin-1"),
            keep_blank_values=True,
            encoding="latin-1",
            max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
        )
    except ValueError:  # too many fields: Django's own parsing answers that with a 400
        return []
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in pairs]


def _unreadable_pairs(where: str, pairs: list[tuple[bytes, bytes]]) -> list[Unreadable]:
    found = []
    for name, value in pairs:
        if problem := _problem(name) or _problem(value):
            found.append(Unreadable(where, _readable(name), problem, _readable(value)))
    return found


def _unreadable_address(request: HttpRequest) -> list[Unreadable]:
    found = []
    if NUL in request.path_info:  # Django re-percents undecodable bytes in the path itself
        found.append(Unreadable("path", "", gettext("a NUL character (U+0000)"), request.path))
    found += _unreadable_pairs("query", _pairs(_wsgi_bytes(request, "QUERY_STRING")))
    cookies = _wsgi_bytes(request, "HTTP_COOKIE")
    if problem := _problem(cookies):
        found.append(Unreadable("cookie", "", problem, ""))
    else:  # a quoted cookie value may spell a NUL as an octal escape ("\\000")
        for name, value in parse_cookie(cookies.decode("utf-8")).items():
            if NUL in name or NUL in value:
                found.append(Unreadable("cookie", name, gettext("a NUL character (U+0000)"), ""))
    return found


def _unreadable_form(request: HttpRequest) -> list[Unreadable]:
    content_type = request.content_type or ""
    if request.method != "POST":
        return []
    if content_type == "application/x-www-form-urlencoded":
        return _unreadable_pairs("form", _pairs(request.body))
    if content_type != "multipart/form-data":
        return []
    # Django's multipart parser has already turned undecodable bytes into U+FFFD: the
    # fields that hold one are the suspects, and the raw body says if any was real.
    try:
        raw_body = request.body  # read before the parsing, which would consume it
    except (RequestDataTooBig, RawPostDataException):  # an upload: no text to check
        raw_body = b""
    suspects = "\ufffd" if _problem(raw_body) else NUL
    return [
        Unreadable(
            "form",
            name,
            gettext("a NUL character (U+0000)")
            if NUL in value
            else gettext("bytes that are not UTF-8 text"),
            value.replace(NUL, "\ufffd"),
        )
        for name, values in request.POST.lists()
        for value in values
        if NUL in value or suspects in value
    ]


# What the gate never shows back: it is not typed, and the token is a secret.
NOT_SHOWN = {"csrfmiddlewaretoken"}


class RejectInvalidInputMiddleware:
    """The input gate: text that cannot be text is refused before any view runs.

    A NUL byte, or bytes that are not UTF-8 (lone surrogates included), in the path, a
    query value, a cookie or a form field would reach the database as they are (and
    PostgreSQL refuses NUL in text with a 500) or be stored silently mangled. So, as
    pretalx's RejectInvalidInputMiddleware does: the address or a cookie -> 400; a form
    sent (POST) -> 422 with a page that names the field and the characters and shows
    everything that was typed, so that nothing is lost. It cannot show the form itself
    (no view has run: the view's own forms see only readable text), so it links back to
    it. Views never see such a value, and read the rest through their forms.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = _unreadable_address(request)
        if found:
            logger_input.info("Refused %s %s: %s", request.method, request.path, found)
            return bad_request(request, SuspiciousOperation("unreadable input in the address"))
        found = _unreadable_form(request)
        if found:
            logger_input.info("Refused the form of %s: %s", request.path, found)
            return self.refused_form(request, found)
        return self.get_response(request)

    @staticmethod
    def refused_form(request: HttpRequest, found: list[Unreadable]) -> HttpResponse:
        language = translation.get_language_from_path(request.path_info)
        with translation.override(language or settings.LANGUAGE_CODE):
            refused = {each.name for each in found}
            typed = [
                (name, value.replace(NUL, "\ufffd"), name in refused)
                for name, values in request.POST.lists()
                if name not in NOT_SHOWN
                for value in values
            ]
            context = {"found": found, "typed": typed, "back": request.path}
            response = render(request, "422_input.html", context, status=422)
        add_never_cache_headers(response)
        return response


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
