"""The boards' fast path: polls and cached boards answered before most of the stack.

A board is the same for everyone and never touches the session, CSRF or the user, so
a GET or HEAD of `/` or `/day/<date>/` whose answer is already known (304 for a
matching If-None-Match, or the rendering cached under the current ETag) is answered
here: one read of the shared generation (boards.caching), no session, CSRF, auth or
messages middleware, no URL resolving. Anything else (a first rendering, a 404, the
page before the first board) goes on to the views, which give the same answers the
slow way. It comes right after static files, before the CSP, clickjacking and NUL
middleware: it sets their headers itself, and the only addresses it answers (a fixed
pattern, no query string) cannot hold a NUL.
"""

import datetime as dt
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone, translation
from django.utils.csp import CSP, build_policy
from django.utils.http import parse_etags

from boards import caching, compression, languages, timeline

# Mirrors boards/urls.py under openspaces/urls.py's i18n_patterns: "" (the current board)
# and "day/<date>/", without a prefix in the main language, under "<code>/" in the others.
BOARD_PATH = re.compile(
    r"/(?:(?P<language>"
    + "|".join(re.escape(code) for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE)
    + r")/)?(?:day/(?P<date>\d{4}-\d{2}-\d{2})/)?"
)
# The ideas wall and the guide, the same for everyone and polled like a board.
WALL_PATH = re.compile(
    r"/(?:(?P<language>"
    + "|".join(re.escape(code) for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE)
    + r")/)?(?P<page>ideas|guide)/"
)
# ETags worked out in this process, by (generation, date or None for "/", fragment).
# The generation is part of the key, so an ETag computed from one generation's states
# can never be found under another's, whichever thread writes it last.
KNOWN_ETAGS = 64


class BoardFastPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # key -> (ETag, valid until): the ETag holds until time reaches the board's next
        # change (or the next interest window). Replaced whole when full, never emptied
        # in place, so that concurrent threads only ever add entries.
        self.etags: dict[tuple, tuple[str, dt.datetime]] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        caching.request_started()
        try:
            # A search (?q=) is rendered by the view; so is anything else with a query.
            if (
                request.method in ("GET", "HEAD")
                and not request.META.get("QUERY_STRING")
                and (match := BOARD_PATH.fullmatch(request.path_info))
            ):
                response = self.known_board(request, match["date"], match["language"])
                if response is not None:
                    return response
            elif (
                request.method in ("GET", "HEAD")
                and not request.META.get("QUERY_STRING")
                and (match := WALL_PATH.fullmatch(request.path_info))
            ):
                response = self.known_wall(request, match["page"], match["language"])
                if response is not None:
                    return response
            return self.get_response(request)
        finally:
            caching.request_finished()

    def known_board(
        self, request: HttpRequest, date_text: str | None, language: str | None
    ) -> HttpResponse | None:
        request.get_host()  # ALLOWED_HOSTS still applies (CommonMiddleware is skipped)
        # `/` of a reader of another language redirects (openspaces.middleware does it).
        if language is None and languages.home_redirect(request):
            return None
        language = language or settings.LANGUAGE_CODE
        meta = request.META
        fragment = meta.get("HTTP_HX_REQUEST") == "true" and meta.get("HTTP_HX_BOOSTED") != "true"
        etag = self.current_etag(date_text, fragment, language)
        if etag is None:
            return None
        response = self.known_answer(request, etag, language=language)
        if response is not None and request.path_info == "/":
            response["Vary"] = ", ".join((response["Vary"], *languages.HOME_VARY))
        return response

    def known_wall(
        self, request: HttpRequest, page: str, language: str | None
    ) -> HttpResponse | None:
        """/ideas/ or /guide/ (in `language`), as boards.views.ideas would answer it."""
        request.get_host()  # ALLOWED_HOSTS still applies (CommonMiddleware is skipped)
        language = language or settings.LANGUAGE_CODE
        now = timezone.now()
        generation = caching.generation()
        key = (generation, language, page)
        known = self.etags.get(key)
        if known is not None and now < known[1]:
            etag = known[0]
        else:
            with translation.override(language):  # the ETag names the page's language
                etag = caching.wall_etag(page, now, with_boards=page == "ideas")
            if len(self.etags) >= KNOWN_ETAGS:
                self.etags = {}
            self.etags[key] = (etag, self.next_window(now))
        return self.known_answer(request, etag, vary="", language=language)

    @staticmethod
    def next_window(now: dt.datetime) -> dt.datetime:
        """When the next interest window starts: counts published then change ETags."""
        window = settings.OPENSPACES_INTEREST_WINDOW
        return dt.datetime.fromtimestamp(
            (timeline.interest_window(now, window) + 1) * max(window, 1), tz=dt.UTC
        )

    def known_answer(
        self,
        request: HttpRequest,
        etag: str,
        vary: str = "HX-Request",
        language: str | None = None,
    ) -> HttpResponse | None:
        """304 for a matching If-None-Match, the rendering cached under `etag`, or None
        (the view renders it)."""
        meta = request.META
        language = language or translation.get_language() or settings.LANGUAGE_CODE
        if_none_match = meta.get("HTTP_IF_NONE_MATCH")
        if if_none_match and etag in parse_etags(if_none_match):
            response: HttpResponse = HttpResponseNotModified()
        else:
            body = caching.rendered(etag)
            if body is None:
                return None
            response = HttpResponse(body)
            response["Content-Length"] = len(body)
        for name, value in self.security_headers():
            response[name] = value
        response = caching.with_page_headers(response, etag, vary)
        response = compression.compress_response(
            response, meta.get("HTTP_ACCEPT_ENCODING", ""), etag
        )
        # The header openspaces.middleware.LanguageMiddleware gives the same page.
        response["Content-Language"] = language
        return response

    def current_etag(
        self, date_text: str | None, fragment: bool, language: str | None = None
    ) -> str | None:
        """The current ETag of a board in `language` (the main one by default)."""
        language = language or settings.LANGUAGE_CODE
        now = timezone.now()
        generation, states = caching.board_states_generation()
        key = (generation, language, date_text, fragment)
        known = self.etags.get(key)
        if known is not None and now < known[1]:
            return known[0]
        with translation.override(language):  # the ETag names the page's language
            etag = self.board_etag(states, now, date_text, fragment)
        if etag is None:
            return None
        # Interest counts are published at window boundaries (timeline.interest_mark).
        next_window = self.next_window(now)
        if len(self.etags) >= KNOWN_ETAGS:
            self.etags = {}
        self.etags[key] = (etag, min(timeline.next_change(states, now), next_window))
        return etag

    @staticmethod
    def board_etag(
        states: list[timeline.BoardState], now: dt.datetime, date_text: str | None, fragment: bool
    ) -> str | None:
        if date_text is None:
            date = timeline.current_date(states, now)
        else:
            try:
                date = dt.date.fromisoformat(date_text)
            except ValueError:
                return None
        state = timeline.board_on(states, date)
        if state is None:
            return None
        return caching.board_etag(states, state, now, home=date_text is None, fragment=fragment)

    _security: tuple[tuple, tuple[tuple[str, str], ...]] = ((None, None, None), ())

    def security_headers(self) -> tuple[tuple[str, str], ...]:
        """The headers Django's CSP and clickjacking middleware would add to a board: this
        middleware comes before them (settings.MIDDLEWARE), so they are built here, once.

        str(): WSGI servers such as wsgiref insist on exact str header names.
        """
        configs = (settings.SECURE_CSP, settings.SECURE_CSP_REPORT_ONLY, settings.X_FRAME_OPTIONS)
        known, headers = self._security
        # By identity: settings change in tests, and a policy is a dict.
        if any(a is not b for a, b in zip(known, configs, strict=True)):
            enforce, report_only, frame_options = configs
            headers = tuple(
                (str(name), value)
                for name, value in (
                    (CSP.HEADER_ENFORCE, enforce and build_policy(enforce)),
                    (CSP.HEADER_REPORT_ONLY, report_only and build_policy(report_only)),
                    ("X-Frame-Options", frame_options.upper()),
                )
                if value
            )
            self._security = (configs, headers)
        return headers
