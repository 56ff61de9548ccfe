"""A host who lost the manage link: /manage/lost/ mails a key to each of their cards, and
/manage/lost/<key>/ turns a key into a new manage link (boards/lost_links.py says why)."""

import base64

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import is_ratelimited

from boards import lost_links, notifications, queries, services
from boards.forms import LostLinkForm
from boards.services import cards
from boards.views.common import HtmxHttpRequest, remember_host, see_other


def _email_key(group: str, request: HttpRequest) -> str:
    """The rate limit's key for the typed address (django-ratelimit hashes it): any case."""
    return request.POST.get("email", "").strip().casefold()


def _too_many(request: HttpRequest, *, group: str, key: object, per_hour: int) -> bool:
    return per_hour > 0 and is_ratelimited(
        request, group=group, key=key, rate=f"{per_hour}/h", method="POST", increment=True
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def lost_links_ask(request: HtmxHttpRequest) -> HttpResponse:
    """The form; its answer is the same whether or not the address has cards (a redirect
    to the same page), and so is the work: one task enqueued, the worker looks it up."""
    form = LostLinkForm(request.POST if request.method == "POST" else None)
    status = 200
    context: dict[str, object] = {"form": form}
    if request.method == "POST":
        # Per client address first, then per address typed (only a valid one is counted):
        # neither depends on whether the address is known.
        if _too_many(
            request, group="lost-ip", key="ip", per_hour=settings.OPENSPACES_LOST_LINK_RATE
        ) or (
            form.is_valid()
            and _too_many(
                request,
                group="lost-email",
                key=_email_key,
                per_hour=settings.OPENSPACES_LOST_LINK_EMAIL_RATE,
            )
        ):
            status = 429
            context["rate_limited"] = True
        elif not form.is_valid():
            status = 422
        else:
            notifications.send_lost_links(
                email=form.cleaned_data["email"], site_url=request.build_absolute_uri("/")
            )
            return see_other(reverse("boards:lost_links_sent"))
    return render(request, "boards/lost_links.html", context, status=status)


@never_cache
@require_safe
def lost_links_sent(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "boards/lost_links.html", {"sent": True})


def _renewed_token(request: HttpRequest, key: str) -> str:
    """The new manage token for this key in this browser: derived, not random, so that the
    same renewal sent again (a double tap, an answer that never came) finds it done and
    answers the same link. The browser is its CSRF cookie, as for a claim
    (views.hosts._claim_token): every POST carries it, and only the server can compute it."""
    browser = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    digest = salted_hmac("boards.lost-link.token", f"{browser}\x1f{key}", algorithm="sha256")
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def lost_link(request: HtmxHttpRequest, key: str) -> HttpResponse:
    """GET: which card the key is for, and a button. POST: a new manage link, opened.

    A GET changes nothing: mail scanners and link previews open links.
    """
    read = lost_links.read_key(key)
    card = queries.card_with_place(read.card_id) if read is not None else None
    token = _renewed_token(request, key)
    if card is None or read is None or not (read.opens(card) or card.token_matches(token)):
        return render(request, "boards/lost_link.html", {"gone": True}, status=410)
    if request.method != "POST":
        return render(request, "boards/lost_link.html", {"card": card, "key": key})
    try:
        cards.card_token_renew(card=card, token=token, key=read)
    except services.LinkUsed:  # another browser used it a moment ago
        return render(request, "boards/lost_link.html", {"gone": True}, status=410)
    except services.Busy as busy:
        return render(
            request,
            "boards/lost_link.html",
            {"card": card, "key": key, "busy": busy.reason},
            status=409,
        )
    url = reverse("boards:card_manage", kwargs={"pk": card.pk, "token": token})
    messages.success(
        request,
        gettext(
            "This is your new private link: bookmark this page. The old link no longer works."
        ),
    )
    response = see_other(url)
    remember_host(response, request, card, token)
    return response
