"""Responses of the pages that are the same for everyone: the view decides, the fast path
remembers.

A view builds its page's `PageTag` with the recipe (boards.caching.keys) and answers with
`cached_page`: 304 when the visitor has that ETag, the rendering kept under it, or a new
rendering. cached_page also tags the response with what it decided (the ETag, how long
it holds, the content type). The fast path (boards.middleware) learns from that tag and
the response's final headers (CSP, X-Frame-Options, Vary, Content-Language: whatever the
middleware below it added) an `Answer` for (generation, scheme, host, address, fragment),
and answers the next request for it itself, until the generation changes or time
reaches `valid_until`, the way Django's UpdateCacheMiddleware and
FetchFromCacheMiddleware learn their keys. No route, header or expiry is written twice.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import parse_etags

from boards.caching import compression, generation
from boards.caching.keys import PageTag
from boards.caching.memo import Memo, OneAtATime

RENDERINGS = 32
ANSWERS = 256
# Renderings this process has served, by ETag. An ETag names one rendering for good, so
# a copy never goes stale; it saves fetching 25 kB from Redis per request. Kept as the
# bytes sent, so no request encodes it again.
_renderings: Memo[str, bytes] = Memo(RENDERINGS)
_rendering: OneAtATime[str] = OneAtATime()


def fragment_requested(request: HttpRequest) -> bool:
    """An htmx request that swaps part of a page (not a boosted one, which swaps all of it):
    it gets the page's named partial. Read from the headers, as django-htmx does, so that
    the fast path, which comes before django-htmx's middleware, can ask too."""
    meta = request.META
    return meta.get("HTTP_HX_REQUEST") == "true" and meta.get("HTTP_HX_BOOSTED") != "true"


def rendered(key: str) -> bytes | None:
    """The rendering cached under `key` (an ETag), or None. With remember_rendered, the
    one seam through which every cached page passes."""
    html = _renderings.get(key)
    if html is None:
        html = cache.get(f"boards:html:{key}")
        if html is not None:
            _renderings.put(key, html)
    return html


def remember_rendered(key: str, html: bytes) -> None:
    cache.set(f"boards:html:{key}", html, generation.STATE_TIMEOUT)
    _renderings.put(key, html)


def cached_page(
    request: HttpRequest,
    tag: PageTag,
    render: Callable[[], str],
    vary: str = "HX-Request",
    content_type: str | None = None,
) -> HttpResponse:
    """A page that is the same for everyone who sends the same URL: 304, cached, or rendered.

    `tag` comes from the recipe (boards.caching.keys): its ETag changes whenever the page
    would, and is also the key of the rendering.
    """
    content_type = content_type or f"text/html; charset={settings.DEFAULT_CHARSET}"
    response = get_conditional_response(request, etag=tag.etag)
    if response is None:
        body = rendered(tag.etag)
        if body is None:
            # One thread renders; the others that missed the same ETag meanwhile (a new
            # worker's first polls) wait and take its rendering instead of making theirs.
            with _rendering.hold(tag.etag):
                body = rendered(tag.etag)
                if body is None:
                    body = render().encode()
                    remember_rendered(tag.etag, body)
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = tag.etag
    # Browsers and proxies may keep the page but must ask (cheaply: 304) before each
    # reuse, so no copy outlives the next change, whether data or time makes it.
    # Set, not patched: the response is new.
    response["Cache-Control"] = "public, no-cache"
    # Accept-Encoding too: every such page goes through compression.compress_response.
    response["Vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
    # The generation the view read its data under, if it did: what is learned is kept
    # under it (a page that reads no data, such as /sw.js, is not learned).
    remembered = generation.read_this_request()
    response.cached_page = _Tag(tag, content_type, remembered)  # type: ignore[attr-defined]
    # Public renderings only: safe to compress (compression says why others are not).
    return compression.compress_response(
        response, request.META.get("HTTP_ACCEPT_ENCODING", ""), tag.etag
    )


@dataclasses.dataclass(frozen=True, slots=True)
class _Tag:
    page: PageTag
    content_type: str
    generation: str | None


# What the fast path learns ------------------------------------------------------------

# Not learned: what each answer works out for itself (its body, its encoding).
_OWN_HEADERS = {"content-length", "content-encoding", "content-type"}


@dataclasses.dataclass(frozen=True, slots=True)
class Answer:
    """What a view answered at an address, to answer the next request for it with."""

    etag: str
    valid_until: dt.datetime
    content_type: str
    # str(): WSGI servers such as wsgiref insist on exact str header names.
    headers: tuple[tuple[str, str], ...]


# By (generation, scheme, host, address, fragment). The generation is part of the key,
# so what a view worked out from one generation's states can never be found under
# another's, whichever thread stores it last.
_answers: Memo[tuple, Answer] = Memo(ANSWERS)
# The addresses whose answers can be learned, without the generation: a request for any
# other address does not read the generation here (its view reads it if it needs it).
_addresses: Memo[tuple, bool] = Memo(ANSWERS)


def address(request: HttpRequest) -> tuple:
    """What, besides the generation, a same-for-everyone page's answer depends on: the
    scheme and Host (the absolute links some pages hold), the address with its query
    (the language is in it: /es/…) and whether htmx asks for the fragment.

    get_host() also keeps ALLOWED_HOSTS in force before CommonMiddleware."""
    return (
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        fragment_requested(request),
    )


def learnable(request: HttpRequest) -> bool:
    return _addresses.get(address(request)) is not None


def learn(request: HttpRequest, response: HttpResponseBase) -> None:
    """Remember what a view answered with cached_page, under the generation its view
    read before its data."""
    tag: _Tag | None = getattr(response, "cached_page", None)
    if (
        tag is None
        or tag.generation is None
        or response.status_code not in (200, 304)
        or response.cookies
    ):
        return
    if getattr(getattr(request, "session", None), "accessed", False):
        return  # not the same for everyone after all
    if response.get("ETag") != tag.page.etag:
        return
    headers = tuple(
        (str(name), str(value))
        for name, value in response.items()
        if name.lower() not in _OWN_HEADERS
    )
    key = address(request)
    _addresses.put(key, True)
    _answers.put(
        (tag.generation, *key),
        Answer(tag.page.etag, tag.page.valid_until, tag.content_type, headers),
    )


def known_answer(request: HttpRequest, current: str) -> HttpResponse | None:
    """The answer to `request` from what its view said under the generation `current`:
    304 when the visitor has its ETag, the rendering when it is still kept, else None
    (the view answers)."""
    answer = _answers.get((current, *address(request)))
    if answer is None or timezone.now() >= answer.valid_until:
        return None
    meta = request.META
    if_none_match = meta.get("HTTP_IF_NONE_MATCH")
    if if_none_match and answer.etag in parse_etags(if_none_match):
        response: HttpResponse = HttpResponseNotModified()
    else:
        body = rendered(answer.etag)
        if body is None:
            return None
        response = HttpResponse(body, content_type=answer.content_type)
        response["Content-Length"] = str(len(body))
    for name, value in answer.headers:
        response[name] = value
    return compression.compress_response(
        response, meta.get("HTTP_ACCEPT_ENCODING", ""), answer.etag
    )


def forget_local_copies() -> None:
    """Drop what this process keeps beside the cache (tests clear the cache between runs)."""
    generation.forget_states()
    _renderings.clear()
    _answers.clear()
    _addresses.clear()
    compression.forget_copies()
