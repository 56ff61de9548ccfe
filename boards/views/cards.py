"""One card's page and what an attendee does there: interest, a report."""

import secrets
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect
from django_ratelimit.core import is_ratelimited

from boards import queries, services
from boards.forms import FlagForm
from boards.models import Card
from boards.services import cards, interest
from boards.views.common import (
    CLAIMED_COOKIE,
    CLAIMED_COOKIE_SALT,
    HtmxHttpRequest,
    browser_key,
    hosted_token,
    never_cache_headers,
    remember_browser,
    reporter,
    see_other,
    wants_fragment,
)


@require_safe
def card_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    card = get_object_or_404(
        Card.objects.with_place().with_interest().select_related("idea"), pk=pk
    )
    # The manage link is shown once, to the person who just claimed the card.
    token = request.get_signed_cookie(
        CLAIMED_COOKIE, default="", salt=CLAIMED_COOKIE_SALT, max_age=600
    )
    if token and not card.token_matches(token):
        token = ""
    if token and wants_fragment(request):
        # A claim from the board's panel ends on the card's own page, the same page a
        # reload or the plain form shows (not the card inside the board): the browser
        # loads it whole, and the cookie, kept until then, shows the manage link once.
        redirect = HttpResponseClientRedirect(card.get_absolute_url())
        never_cache_headers(redirect)
        return redirect
    context = {
        **_card_context(request, card),
        "manage_url": (
            request.build_absolute_uri(
                reverse("boards:card_manage", kwargs={"pk": card.pk, "token": token})
            )
            if token
            else ""
        ),
        "own_card": bool(hosted_token(request, card)),
        # The claim's answer warns a host who now holds two cards at the same hour.
        "same_hour": queries.same_hour_cards(card) if token else [],
    }
    status = 200 if card.is_active else 410
    template = "boards/card.html#card" if wants_fragment(request) else "boards/card.html"
    response = render(request, template, context, status=status)
    if context["own_card"]:
        never_cache_headers(response)  # says "your card": never from a shared cache
    if token:
        never_cache_headers(response)
        response.delete_cookie(CLAIMED_COOKIE, path=card.get_absolute_url(), samesite="Lax")
    return response


def _card_context(
    request: HttpRequest, card: Card, flag_form: FlagForm | None = None
) -> dict[str, object]:
    return {
        "card": card,
        "flagged": card.pk in request.session.get(FLAGGED_SESSION_KEY, []),
        "flag_form": flag_form or FlagForm(),
        "flag_limit": settings.OPENSPACES_FLAG_LIMIT,
        **_interest_context(card, browser_key(request)),
        **_share_context(request, card),
    }


@require_POST
def card_flag(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """An attendee reports a card with a reason: counted once per client address (however
    many cookies it clears), rate-limited per address."""
    card = get_object_or_404(
        Card.objects.with_place().with_interest().select_related("idea"), pk=pk
    )
    flagged = request.session.get(FLAGGED_SESSION_KEY, [])
    form = FlagForm(request.POST)
    per_minute = settings.OPENSPACES_FLAG_RATE
    if per_minute > 0 and is_ratelimited(
        request, group="flag", key="ip", rate=f"{per_minute}/m", method="POST", increment=True
    ):
        context = {**_card_context(request, card, form), "flag_rate_limited": True}
        return render(request, "boards/card.html", context, status=429)
    if not form.is_valid():
        return render(request, "boards/card.html", _card_context(request, card, form), status=422)
    try:
        cards.card_flag(card=card, reason=form.cleaned_data["reason"], reporter=reporter(request))
    except services.Busy as busy:  # not counted: the attendee can send it again
        return HttpResponse(busy.reason, status=409, content_type="text/plain; charset=utf-8")
    request.session[FLAGGED_SESSION_KEY] = [*flagged, card.pk]
    return see_other(card.get_absolute_url())


FLAGGED_SESSION_KEY = "flagged_cards"


# Interest


def _interest_context(card: Card, key: str) -> dict:
    """The count for everyone, and whether this browser (by its cookie's key) is in it."""
    return {
        "interest_count": card.interest_count,
        "interested": queries.is_interested(card, key),
    }


def _share_context(request: HttpRequest, card: Card) -> dict:
    url = request.build_absolute_uri(card.get_absolute_url())
    start = timezone.localtime(card.slot.starts_at)
    text = gettext("Open space: “%(title)s”, %(when)s, %(room)s %(hashtag)s") % {
        "title": card.title,
        "when": date_format(start, "SHORT_DATETIME_FORMAT"),
        "room": card.slot.room.name,
        "hashtag": settings.OPENSPACES_HASHTAG,
    }
    return {
        "share_url": url,
        "share_text": text,
        # RFC 6068: spaces as %20 (a "+" would show as a plus in mail programs).
        "share_mailto": "mailto:?"
        + urlencode({"subject": card.title, "body": f"{text}\n{url}"}, quote_via=quote),
    }


def _interest_rate_limited(request: HttpRequest, browser_key: str) -> bool:
    """A limit per browser, and a generous one per address (a browser can drop its cookie)."""
    limited = False
    if per_minute := settings.OPENSPACES_INTEREST_RATE:
        limited = is_ratelimited(
            request,
            group="interest",
            key=lambda group, request: browser_key,
            rate=f"{per_minute}/m",
            method="POST",
            increment=True,
        )
    if not limited and (per_minute := settings.OPENSPACES_INTEREST_IP_RATE):
        limited = is_ratelimited(
            request,
            group="interest-ip",
            key="ip",
            rate=f"{per_minute}/m",
            method="POST",
            increment=True,
        )
    return limited


@require_POST
def card_interest(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """POST interested=1 (or 0): this browser is (no longer) interested in the card."""
    card = get_object_or_404(Card.objects.with_place(), pk=pk)
    key = browser_key(request) or secrets.token_urlsafe(24)
    status, busy_reason = 200, ""
    limited = _interest_rate_limited(request, key)
    if limited:
        status = 429
    elif not card.is_active:
        status = 410
    else:
        try:
            interest.interest_set(
                card=card,
                browser_key=key,
                interested=request.POST.get("interested") == "1",
                now=timezone.now(),
            )
        except services.CardNotOnBoard:  # taken down between the read and the lock
            status = 410
        except services.Busy as busy:  # not counted: the click can be sent again
            status, busy_reason = 409, busy.reason
    if wants_fragment(request):
        card = Card.objects.with_interest().with_place().get(pk=pk)
        context = {"card": card, "rate_limited": limited, **_interest_context(card, key)}
        response = render(request, "boards/card.html#interest", context, status=status)
    elif status == 200:
        response = see_other(card.get_absolute_url() + "#interest")
    else:
        response = HttpResponse(
            gettext("Too many clicks: wait a minute and try again.")
            if limited
            else busy_reason
            if status == 409
            else gettext("This open space is not on the board any more."),
            status=status,
            content_type="text/plain; charset=utf-8",
        )
    remember_browser(response, request, key)
    never_cache_headers(response)
    return response
