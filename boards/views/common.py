"""What the views of every audience share."""

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.cache import patch_cache_control
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django_htmx.middleware import HtmxDetails

from boards import caching, clients
from boards.models import Card


def see_other(url: str) -> HttpResponseRedirect:
    """Post/redirect/get with 303, which tells every client to follow with a GET."""
    return HttpResponseRedirect(url, status=303)


class HtmxHttpRequest(HttpRequest):  # for type hints only: django-htmx's middleware adds .htmx
    htmx: HtmxDetails


def wants_fragment(request: HtmxHttpRequest) -> bool:
    """True for an htmx request that swaps part of a page: it gets the page's named partial
    ("boards/board.html#board"). A boosted request swaps the whole page and gets it all,
    as a plain request does."""
    return caching.fragment_requested(request)


def claiming_browser(request: HttpRequest) -> str:
    """What names the browser a claim comes from: its CSRF cookie (Card.claim_token says
    why), or "" when it has none."""
    return request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")


def never_cache_headers(response: HttpResponse) -> None:
    patch_cache_control(response, private=True, no_store=True)


def qr_svg(url: str) -> str:
    """A QR code as inline SVG markup (no XML declaration, size or style: CSS sizes it)."""
    code = segno.make(url, error="m")
    title = gettext("QR code: %(url)s") % {"url": url}
    return code.svg_inline(scale=1, border=2, omitsize=True, title=title)


# The manage link travels from the claim to the card page in a signed cookie scoped to
# that card's path and gone after one showing: no session row to write on a claim.
CLAIMED_COOKIE = "claimed"
CLAIMED_COOKIE_SALT = "boards.claimed"
# The browser that made a card keeps a way back to its manage page for the rest of the
# conference: a second signed cookie on the card's path, read only by its page.
HOST_COOKIE = "host"
HOST_COOKIE_SALT = "boards.host"
HOST_COOKIE_AGE = 60 * 60 * 24 * 21


# Which cards this browser pinned, for /mine/ (whose path the host cookies do not reach):
# their ids only, signed; /mine/ links each to its card's own way back (card_manage_mine),
# which the host cookie opens. The manage tokens never travel beyond their card's path.
PINNED_COOKIE = "pinned"
PINNED_COOKIE_SALT = "boards.pinned"
PINNED_LIMIT = 20


def remember_host(response: HttpResponse, request: HttpRequest, card: Card, token: str) -> None:
    response.set_signed_cookie(
        HOST_COOKIE,
        token,
        salt=HOST_COOKIE_SALT,
        max_age=HOST_COOKIE_AGE,
        path=card.get_absolute_url(),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    ids = [card.pk, *(pk for pk in pinned_ids(request) if pk != card.pk)][:PINNED_LIMIT]
    response.set_signed_cookie(
        PINNED_COOKIE,
        ",".join(map(str, ids)),
        salt=PINNED_COOKIE_SALT,
        max_age=HOST_COOKIE_AGE,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def pinned_ids(request: HttpRequest) -> list[int]:
    """The ids of the cards this browser pinned (its pinned cookie), newest first."""
    value = (
        request.get_signed_cookie(
            PINNED_COOKIE, default="", salt=PINNED_COOKIE_SALT, max_age=HOST_COOKIE_AGE
        )
        or ""
    )
    return [int(part) for part in value.split(",") if part.isdigit()][:PINNED_LIMIT]


# The browser's "I'm interested" key (Interest.browser_key): a random value in a cookie,
# also the owner of its private calendar (CalendarKey) and of its "I'd come" (IdeaSupport).
BROWSER_COOKIE = "os_browser"
BROWSER_COOKIE_AGE = 60 * 60 * 24 * 365


def browser_key(request: HttpRequest) -> str:
    """This browser's interest key, or "" when it has none (or a mangled one)."""
    key = request.COOKIES.get(BROWSER_COOKIE, "")
    return key if 20 <= len(key) <= 64 and key.isascii() else ""


def remember_browser(response: HttpResponse, request: HttpRequest, key: str) -> None:
    response.set_cookie(
        BROWSER_COOKIE,
        key,
        max_age=BROWSER_COOKIE_AGE,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def hosted_token(request: HttpRequest, card: Card) -> str:
    """The manage token of `card` if this browser made it (its host cookie), else ""."""
    token = request.get_signed_cookie(
        HOST_COOKIE, default="", salt=HOST_COOKIE_SALT, max_age=HOST_COOKIE_AGE
    )
    return token if token and card.token_matches(token) else ""


def reporter(request: HttpRequest) -> str:
    """Who reports a card or an idea: a keyed hash of the client address, so that reports
    are counted once per address without keeping the address."""
    return salted_hmac(
        "boards.flag.reporter", clients.client_address(request), algorithm="sha256"
    ).hexdigest()
