"""An attendee's own page, no account: /mine/ (the cards this browser follows and pinned)
and its private calendar, /mine/<key>/calendar.ics.

Both are per browser: never from a shared cache (Cache-Control: private, no-store), and
nothing of them reaches the boards, which stay the same for everyone.
"""

import secrets

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from boards import calendar, queries, services
from boards.services import mine as mine_services
from boards.views.common import (
    HtmxHttpRequest,
    browser_key,
    never_cache_headers,
    pinned_ids,
    remember_browser,
    see_other,
)


@never_cache
@require_safe
def mine(request: HtmxHttpRequest) -> HttpResponse:
    """The cards this browser said "I'm interested" in, in time order, with what changed
    since and clashes; the ideas it would come to; the cards it pinned; its private
    calendar address."""
    key = browser_key(request)
    followed = queries.followed(key)
    calendar_key = queries.calendar_key(key)
    context = {
        "followed": followed,
        "clash_hours": len({item.card.slot.starts_at for item in followed if item.clashes}),
        "pinned": queries.pinned(pinned_ids(request)),
        # The ideas this browser would come to, with the cards that host them.
        "ideas": queries.ideas_supported_by(key),
        "calendar_url": (
            request.build_absolute_uri(
                reverse("boards:mine_calendar", kwargs={"key": calendar_key.key})
            )
            if calendar_key is not None
            else ""
        ),
        "done": request.GET.get("done", ""),
    }
    return render(request, "boards/mine.html", context)


CALENDAR_ACTIONS = {"renew", "revoke"}


@require_POST
def mine_calendar_key(request: HtmxHttpRequest) -> HttpResponse:
    """POST action=renew: a private calendar address, or a new one (the old one stops
    working); action=revoke: no address any more."""
    action = request.POST.get("action", "")
    if action not in CALENDAR_ACTIONS:
        response = HttpResponse(
            gettext("Choose to make a new address or to stop the calendar."),
            status=422,
            content_type="text/plain; charset=utf-8",
        )
        never_cache_headers(response)
        return response
    key = browser_key(request) or secrets.token_urlsafe(24)
    try:
        if action == "renew":
            mine_services.calendar_key_renew(browser_key=key)
        else:
            mine_services.calendar_key_revoke(browser_key=key)
    except services.Busy as busy:
        response = HttpResponse(busy.reason, status=409, content_type="text/plain; charset=utf-8")
    else:
        done = "calendar" if action == "renew" else "calendar-stopped"
        response = see_other(f"{reverse('boards:mine')}?done={done}#calendar")
    remember_browser(response, request, key)
    never_cache_headers(response)
    return response


@require_safe
def mine_calendar(request: HttpRequest, key: str) -> HttpResponse:
    """The private feed: the cards of /mine/ with their stable UIDs and growing SEQUENCE;
    a moved card moves in the subscriber's calendar, a gone one is CANCELLED there."""
    owner = queries.calendar_owner(key)
    if owner is None:
        raise Http404(gettext("No such calendar: its address may have been replaced."))
    body = calendar.calendar_for(
        queries.followed_calendar_cards(owner),
        name=gettext("My open spaces · %(name)s") % {"name": settings.OPENSPACES_NAME},
        domain=request.get_host().split(":")[0],
        url_for=lambda card: request.build_absolute_uri(card.get_absolute_url()),
    )
    response = HttpResponse(body, content_type=calendar.CONTENT_TYPE)
    response["Content-Disposition"] = 'inline; filename="my-open-spaces.ics"'
    # Per browser: a shared cache must never keep it, and the key in its address is secret.
    never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex"
    return response
