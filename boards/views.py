"""Thin views: parse the request, call a query or a service, render.

The boards (`/`, `/day/<date>/`) are the same for everyone: they never touch the
session or the CSRF token, so that they can be cached whole and answered 304.
"""

import datetime as dt
import json
import secrets
import zlib
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event
from django_htmx.middleware import HtmxDetails
from django_ratelimit.core import is_ratelimited

from boards import caching, calendar, exports, services, timeline
from boards.board import build_board, normalise_query
from boards.context_processors import conference
from boards.forms import CardEditForm, ClaimForm, MoveForm, card_text
from boards.models import SLOT_LENGTH, Card, Day, Interest, Slot
from boards.notifications import send_manage_link

ALTERNATIVES_SHOWN = 5
# The manage link travels from the claim to the card page in a signed cookie scoped to
# that card's path and gone after one showing: no session row to write on a claim.
CLAIMED_COOKIE = "claimed"
CLAIMED_COOKIE_SALT = "boards.claimed"
FLAGGED_SESSION_KEY = "flagged_cards"


def see_other(url: str) -> HttpResponseRedirect:
    """Post/redirect/get with 303, which tells every client to follow with a GET."""
    return HttpResponseRedirect(url, status=303)


class HtmxHttpRequest:  # for type hints only: django-htmx's middleware adds .htmx
    htmx: HtmxDetails


# The boards ---------------------------------------------------------------------------


@require_GET
def current_board(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    states = caching.board_states()
    date = timeline.current_date(states, now)
    if date is None:
        return _before_first_board(request, states, now)
    return _board_response(request, states=states, date=date, now=now, home=True)


@require_GET
def day_board(request: HtmxHttpRequest, date: dt.date) -> HttpResponse:
    return _board_response(
        request, states=caching.board_states(), date=date, now=timezone.now(), home=False
    )


def _board_or_404(states, date: dt.date) -> timeline.BoardState:
    state = timeline.board_on(states, date)
    if state is None:
        raise Http404("There is no board for that day.")
    return state


def _board_response(request, *, states, date, now, home: bool) -> HttpResponse:
    state = _board_or_404(states, date)
    fragment = bool(request.htmx) and not request.htmx.boosted
    query = normalise_query(request.GET.get("q", ""))
    etag = board_etag(states, state, now, home=home, fragment=fragment, query=query)
    return _cached_page(
        request,
        etag,
        lambda: _render_board(states, state, now, home, fragment, query),
    )


def _cached_page(request, etag: str, render_html, vary: str = "HX-Request") -> HttpResponse:
    """A page that is the same for everyone who sends the same URL: 304, cached, or rendered.

    `etag` must change whenever the page would: it is also the key of the rendering.
    Every such ETag starts with the release stamp (caching.RELEASE), so that a deploy
    that changes the markup, or the static files it names, is never answered with a
    rendering or a 304 from before it.
    """
    response = get_conditional_response(request, etag=etag)
    if response is None:
        html = caching.rendered(etag)
        if html is None:
            html = render_html()
            caching.remember_rendered(etag, html)
        response = HttpResponse(html)
    return with_board_headers(response, etag, vary)


# board_etag and with_board_headers are shared with boards.middleware.BoardFastPath,
# which answers polls and cached boards before the session/CSRF/auth middleware run.
def board_etag(
    states,
    state,
    now,
    *,
    fragment: bool,
    home: bool = False,
    query: str = "",
    kind: str = "board",
    variant: str = "",
) -> str:
    """Everything a board's rendering depends on: its version, the next moment time alone
    changes it, the days' layout, the interest counts it shows, the search, and what
    `kind` of page (the board, the big screen) in which `variant`."""
    layout = zlib.crc32(repr([(s.date, s.opens_at) for s in states]).encode())
    changes_at = int(timeline.next_change(states, now).timestamp())
    interests = timeline.interest_mark(state, now, settings.OPENSPACES_INTEREST_WINDOW)
    searched = f"-q{zlib.crc32(query.encode()):x}" if query else ""
    return (
        f'"{caching.RELEASE}-{kind}-{state.date:%Y%m%d}-{state.version}-{changes_at}'
        f"-{layout:x}-i{interests}{searched}{'-' + variant if variant else ''}"
        f'{"-home" if home else ""}{"-fragment" if fragment else ""}"'
    )


def with_board_headers(response: HttpResponse, etag: str, vary: str = "HX-Request"):
    response["ETag"] = etag
    # Browsers and proxies may keep the page but must ask (cheaply: 304) before reuse.
    # Set, not patched: the response is new, and this runs on every poll.
    response["Cache-Control"] = "public, no-cache"
    response["Vary"] = vary
    return response


def _render_board(states, state, now, home, fragment, query) -> str:
    day = Day.objects.get(date=state.date)
    today = timezone.localdate(now)
    context = {
        "board": build_board(day, now, query),
        "now": now,
        "today": today,
        "home": home,
        "previous_board": timeline.preceding(states, state.date),
        "next_board": timeline.following(states, state.date),
        "current_date": timeline.current_date(states, now),
        **conference(None),
    }
    template = "boards/board.html#board" if fragment else "boards/board.html"
    # No request in the context: the board must not depend on the session or CSRF.
    return render(None, template, context).content.decode()


def _before_first_board(request, states, now) -> HttpResponse:
    context = {"first_board": states[0] if states else None, "now": now}
    response = render(request, "boards/before.html", context)
    patch_cache_control(response, public=True, max_age=60)
    return response


# Claiming -----------------------------------------------------------------------------


def _alternatives(slot: Slot, now: dt.datetime) -> list[Slot]:
    """Up to five claimable slots close in time to `slot`, nearest first."""
    # Three hours either side is "close"; it also keeps this cheap on the busiest
    # path there is: the 409s of everyone who lost a race for a popular slot.
    window = dt.timedelta(hours=3)
    candidates = (
        Slot.objects.claimable(now)
        .filter(starts_at__range=(slot.starts_at - window, slot.starts_at + window))
        .exclude(pk=slot.pk)
        .select_related("room")
        .only("starts_at", "room__name", "room__position")
    )
    return sorted(
        candidates,
        key=lambda other: (
            abs(other.starts_at - slot.starts_at),
            other.starts_at,
            other.room.position,
        ),
    )[:ALTERNATIVES_SHOWN]


def _claim_rate() -> str | None:
    per_minute = settings.OPENSPACES_CLAIM_RATE
    return f"{per_minute}/m" if per_minute > 0 else None


@require_http_methods(["GET", "POST"])
def slot_claim(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    slot = get_object_or_404(Slot.objects.select_related("day", "room"), pk=pk)
    now = timezone.now()
    context = {"slot": slot, "reason": "", "alternatives": []}
    status = 200
    if request.method == "GET":
        form = ClaimForm()
        context["reason"] = slot.unavailable_reason(now)
        if context["reason"]:
            context["alternatives"] = _alternatives(slot, now)
    else:
        form = ClaimForm(request.POST)
        rate = _claim_rate()
        if rate and is_ratelimited(
            request, group="claim", key="ip", rate=rate, method="POST", increment=True
        ):
            status = 429
            context["rate_limited"] = True
        elif not form.is_valid():
            status = 422
        else:
            fields = {
                name: value for name, value in form.cleaned_data.items() if name != "website"
            }
            try:
                card, token = services.card_claim(slot=slot, now=now, **fields)
            except services.SlotUnavailable as unavailable:
                status = 409
                context["reason"] = unavailable.reason
                context["alternatives"] = _alternatives(slot, now)
            else:
                manage_url = request.build_absolute_uri(
                    reverse("boards:card_manage", kwargs={"pk": card.pk, "token": token})
                )
                send_manage_link(card=card, manage_url=manage_url)
                response = see_other(card.get_absolute_url())
                response.set_signed_cookie(
                    CLAIMED_COOKIE,
                    token,
                    salt=CLAIMED_COOKIE_SALT,
                    max_age=600,
                    path=card.get_absolute_url(),
                    secure=request.is_secure(),
                    httponly=True,
                    samesite="Lax",
                )
                return response
    context["form"] = form
    template = "boards/claim.html#claim" if request.htmx else "boards/claim.html"
    return render(request, template, context, status=status)


# Cards --------------------------------------------------------------------------------


@require_GET
def card_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    card = get_object_or_404(Card.objects.with_place().with_interest(), pk=pk)
    # The manage link is shown once, to the person who just claimed the card.
    token = request.get_signed_cookie(
        CLAIMED_COOKIE, default="", salt=CLAIMED_COOKIE_SALT, max_age=600
    )
    if token and not card.token_matches(token):
        token = ""
    context = {
        "card": card,
        "flagged": card.pk in request.session.get(FLAGGED_SESSION_KEY, []),
        "manage_url": (
            request.build_absolute_uri(
                reverse("boards:card_manage", kwargs={"pk": card.pk, "token": token})
            )
            if token
            else ""
        ),
        **_interest_context(card, _browser_key(request)),
        **_share_context(request, card),
    }
    status = 200 if card.is_active else 410
    template = "boards/card.html#card" if request.htmx else "boards/card.html"
    response = render(request, template, context, status=status)
    if token:
        never_cache_headers(response)
        response.delete_cookie(CLAIMED_COOKIE, path=card.get_absolute_url(), samesite="Lax")
        # The board behind an in-place claim form refreshes itself.
        trigger_client_event(response, "board-changed")
    return response


@require_POST
def card_flag(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """An attendee reports a card as inappropriate: once per browser, rate-limited."""
    card = get_object_or_404(Card.objects.select_related("slot__day", "slot__room"), pk=pk)
    flagged = request.session.get(FLAGGED_SESSION_KEY, [])
    per_minute = settings.OPENSPACES_FLAG_RATE
    if per_minute > 0 and is_ratelimited(
        request, group="flag", key="ip", rate=f"{per_minute}/m", method="POST", increment=True
    ):
        context = {"card": card, "flagged": False, "flag_rate_limited": True}
        return render(request, "boards/card.html", context, status=429)
    if card.pk not in flagged:
        services.card_flag(card=card)
        request.session[FLAGGED_SESSION_KEY] = [*flagged, card.pk]
    return see_other(card.get_absolute_url())


@require_GET
def schedule_json(request: HtmxHttpRequest) -> HttpResponse:
    """The whole schedule as JSON (see the README). The same for everyone, like the boards."""
    states = caching.board_states()
    etag = f'"schedule-{zlib.crc32(repr([(s.date, s.version) for s in states]).encode()):x}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        # Cached like the boards, under the version (and the host its links name).
        key = f"{etag}-{request.get_host()}"
        body = caching.rendered(key)
        if body is None:
            body = json.dumps(exports.schedule(build_url=request.build_absolute_uri))
            caching.remember_rendered(key, body)
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    patch_cache_control(response, public=True, no_cache=True)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def never_cache_headers(response: HttpResponse) -> None:
    patch_cache_control(response, private=True, no_store=True)


def _managed_card(pk: int, token: str) -> Card:
    card = get_object_or_404(Card.objects.select_related("slot__day", "slot__room"), pk=pk)
    if not card.token_matches(token):
        raise Http404("No such card.")
    return card


def _render_manage(
    request, card: Card, token: str, *, status: int = 200, **forms_and_errors
) -> HttpResponse:
    free_slots = (
        Slot.objects.claimable(timezone.now())
        .select_related("day", "room")
        .order_by("starts_at", "room__position")
        if card.is_active
        else Slot.objects.none()
    )
    context = {
        "card": card,
        "token": token,
        "done": request.GET.get("done", ""),
        "edit_form": CardEditForm(initial=card_text(card)),
        "move_form": MoveForm(free_slots=free_slots),
        "free_slots_exist": card.is_active and free_slots.exists(),
        **forms_and_errors,
    }
    return render(request, "boards/manage.html", context, status=status)


def _back_to_manage(card: Card, token: str, done: str) -> HttpResponse:
    url = reverse("boards:card_manage", kwargs={"pk": card.pk, "token": token})
    return see_other(f"{url}?done={done}")


@never_cache
@require_http_methods(["GET", "POST"])
def card_manage(request: HtmxHttpRequest, pk: int, token: str) -> HttpResponse:
    """The host's private page: edit the text (POST here), move or release."""
    card = _managed_card(pk, token)
    if request.method == "POST" and card.is_active:
        edit_form = CardEditForm(request.POST)
        if edit_form.is_valid():
            services.card_update(card=card, **edit_form.cleaned_data)
            return _back_to_manage(card, token, "saved")
        return _render_manage(request, card, token, status=422, edit_form=edit_form)
    return _render_manage(request, card, token)


@never_cache
@require_POST
def card_move(request: HtmxHttpRequest, pk: int, token: str) -> HttpResponse:
    card = _managed_card(pk, token)
    if not card.is_active:
        return _render_manage(request, card, token)
    # Any slot may be asked for: one taken since the page loaded is a 409 from the
    # service, with the reason, rather than a bare "invalid choice".
    move_form = MoveForm(request.POST, free_slots=Slot.objects.select_related("day", "room"))
    if not move_form.is_valid():
        return _render_manage(
            request, card, token, status=422, move_error="Pick a free slot to move to."
        )
    try:
        services.card_move(
            card=card, to_slot=move_form.cleaned_data["to_slot"], now=timezone.now()
        )
    except services.SlotUnavailable as unavailable:
        return _render_manage(request, card, token, status=409, move_error=unavailable.reason)
    return _back_to_manage(card, token, "moved")


@never_cache
@require_POST
def card_release(request: HtmxHttpRequest, pk: int, token: str) -> HttpResponse:
    card = _managed_card(pk, token)
    if card.is_active:
        services.card_release(card=card)
    return _back_to_manage(card, token, "released")


# Attendees: now and next, interest, calendars, the big screen ---------------------------

BROWSER_COOKIE = "os_browser"
BROWSER_COOKIE_AGE = 60 * 60 * 24 * 365
DISPLAY_HOURS = 8
EPSILON = dt.timedelta(microseconds=1)


def _today_state(states, now):
    today = timezone.localdate(now)
    return timeline.board_on(states, today)


def _now_and_next(date: dt.date, now: dt.datetime) -> tuple[list[Card], list[Card]]:
    """The cards on `date` under way at `now`, and those starting within the next hour.

    At 11:00 the 11:00 cards are on now and the 12:00 ones are next.
    """
    cards = list(
        Card.objects.active()
        .with_place()
        .with_interest()
        .filter(slot__day__date=date)
        .starting_between(now - SLOT_LENGTH + EPSILON, now + SLOT_LENGTH + EPSILON)
        .order_by("slot__starts_at", "slot__room__position", "slot__room__name")
    )
    return (
        [card for card in cards if card.slot.starts_at <= now],
        [card for card in cards if card.slot.starts_at > now],
    )


@require_GET
def now_next(request: HtmxHttpRequest) -> HttpResponse:
    """What is on right now and in the next hour on today's board: same for everyone."""
    now = timezone.now()
    states = caching.board_states()
    state = _today_state(states, now)
    changes_at = int(timeline.next_change(states, now, lookahead=SLOT_LENGTH).timestamp())
    if state is None:
        key = f"none-{timezone.localdate(now):%Y%m%d}"
    else:
        interests = timeline.interest_mark(state, now, settings.OPENSPACES_INTEREST_WINDOW)
        key = f"{state.date:%Y%m%d}-{state.version}-i{interests}"
    fragment = bool(request.htmx) and not request.htmx.boosted
    etag = f'"{caching.RELEASE}-now-{key}-{changes_at}{"-fragment" if fragment else ""}"'

    def render_now() -> str:
        current, upcoming = _now_and_next(state.date, now) if state else ([], [])
        context = {
            "now": now,
            "today_board": state,
            "current_cards": current,
            "next_cards": upcoming,
            "current_date": timeline.current_date(states, now),
            **conference(None),
        }
        template = "boards/now.html#now" if fragment else "boards/now.html"
        return render_to_string(template, context)

    return _cached_page(request, etag, render_now)


# Interest


def _browser_key(request) -> str:
    key = request.COOKIES.get(BROWSER_COOKIE, "")
    return key if 20 <= len(key) <= 64 and key.isascii() else ""


def _interest_context(card: Card, key: str) -> dict:
    """The count for everyone, and whether this browser (by its cookie's key) is in it."""
    return {
        "interest_count": card.interest_count,
        "interested": bool(key) and Interest.objects.filter(card=card, browser_key=key).exists(),
    }


def _share_context(request, card: Card) -> dict:
    url = request.build_absolute_uri(card.get_absolute_url())
    start = timezone.localtime(card.slot.starts_at)
    text = (
        f"Open space: “{card.title}”, {start:%a %H:%M}, {card.slot.room.name} "
        f"{settings.OPENSPACES_HASHTAG}"
    )
    return {
        "share_url": url,
        "share_text": text,
        # RFC 6068: spaces as %20 (a "+" would show as a plus in mail programs).
        "share_mailto": "mailto:?"
        + urlencode({"subject": card.title, "body": f"{text}\n{url}"}, quote_via=quote),
    }


def _interest_rate_limited(request, browser_key: str) -> bool:
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
    key = _browser_key(request) or secrets.token_urlsafe(24)
    status = 200
    limited = _interest_rate_limited(request, key)
    if limited:
        status = 429
    elif not card.is_active:
        status = 410
    else:
        services.interest_set(
            card=card,
            browser_key=key,
            interested=request.POST.get("interested") == "1",
            now=timezone.now(),
        )
    if request.htmx:
        card = Card.objects.with_interest().with_place().get(pk=pk)
        context = {"card": card, "rate_limited": limited, **_interest_context(card, key)}
        response = render(request, "boards/card.html#interest", context, status=status)
    elif status == 200:
        response = see_other(card.get_absolute_url() + "#interest")
    else:
        response = HttpResponse(
            "Too many clicks: wait a minute and try again."
            if limited
            else "This open space is not on the board any more.",
            status=status,
            content_type="text/plain; charset=utf-8",
        )
    response.set_cookie(
        BROWSER_COOKIE,
        key,
        max_age=BROWSER_COOKIE_AGE,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    never_cache_headers(response)
    return response


# Calendars


def _domain(request) -> str:
    return request.get_host().split(":")[0]


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def card_calendar(request, pk: int) -> HttpResponse:
    """One open space with a reminder 15 minutes before, to add to a calendar."""
    card = get_object_or_404(Card.objects.with_place(), pk=pk)
    body = calendar.calendar_for(
        [card],
        name=card.title,
        domain=_domain(request),
        url_for=lambda card: request.build_absolute_uri(card.get_absolute_url()),
        alarm=True,
    )
    response = _ics_response(body, f"open-space-{card.pk}.ics")
    patch_cache_control(response, public=True, no_cache=True)
    return response


def _feed_response(request, *, etag: str, cards, name: str, filename: str) -> HttpResponse:
    response = get_conditional_response(request, etag=etag)
    if response is None:
        body = calendar.calendar_for(
            cards,
            name=name,
            domain=_domain(request),
            url_for=lambda card: request.build_absolute_uri(card.get_absolute_url()),
        )
        response = _ics_response(body, filename)
    response["ETag"] = etag
    patch_cache_control(response, public=True, no_cache=True)
    return response


@require_GET
def day_calendar(request, date: dt.date) -> HttpResponse:
    """A feed of the open spaces of one day, to subscribe to."""
    state = _board_or_404(caching.board_states(), date)
    return _feed_response(
        request,
        etag=f'"ics-{state.date:%Y%m%d}-{state.version}-{zlib.crc32(_domain(request).encode()):x}"',
        cards=Card.objects.for_calendar().filter(slot__day__date=date),
        name=f"{settings.OPENSPACES_NAME}: {date:%A %-d %B}",
        filename=f"open-spaces-{date}.ics",
    )


@require_GET
def conference_calendar(request) -> HttpResponse:
    """A feed of every open space of the conference, to subscribe to."""
    states = caching.board_states()
    versions = zlib.crc32(
        repr([(s.date, s.version) for s in states] + [_domain(request)]).encode()
    )
    return _feed_response(
        request,
        etag=f'"ics-all-{versions:x}"',
        cards=Card.objects.for_calendar(),
        name=settings.OPENSPACES_NAME,
        filename="open-spaces.ics",
    )


# The big screen


@require_GET
def current_display(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    states = caching.board_states()
    date = timeline.current_date(states, now) or (states[0].date if states else None)
    if date is None:
        raise Http404("There are no boards yet.")
    return _display_response(request, states=states, date=date, now=now, home=True)


@require_GET
def day_display(request: HtmxHttpRequest, date: dt.date) -> HttpResponse:
    return _display_response(
        request, states=caching.board_states(), date=date, now=timezone.now(), home=False
    )


def _display_response(request, *, states, date, now, home: bool) -> HttpResponse:
    """The board in kiosk form: the hours to come, now first, and a QR code to the phone view."""
    state = _board_or_404(states, date)
    fragment = bool(request.htmx) and not request.htmx.boosted
    phone_url = request.build_absolute_uri(
        reverse("boards:current") if home else reverse("boards:day", kwargs={"date": date})
    )
    etag = board_etag(
        states,
        state,
        now,
        fragment=fragment,
        kind="display",
        variant=f"{zlib.crc32(phone_url.encode()):x}",
    )

    def render_display() -> str:
        board = build_board(Day.objects.get(date=state.date), now)
        upcoming = [hour for hour in board.hours if not hour.is_past][:DISPLAY_HOURS]
        context = {
            "board": board,
            "hours": _now_and_next_labels(upcoming, is_today=date == timezone.localdate(now)),
            "now": now,
            "today": timezone.localdate(now),
            "home": home,
            "phone_url": phone_url,
            "qr_svg": mark_safe(qr_svg(phone_url)),  # noqa: S308 - segno's own markup
            **conference(None),
        }
        template = "boards/display.html#display" if fragment else "boards/display.html"
        return render_to_string(template, context)

    return _cached_page(request, etag, render_display)


def _now_and_next_labels(hours, *, is_today: bool) -> list[tuple]:
    """Each hour with "now", "next" or "": the hour under way, then the one after it."""
    labels = []
    for index, hour in enumerate(hours):
        label = ""
        if is_today and hour.is_now:
            label = "now"
        elif is_today and (index == 0 or (index == 1 and hours[0].is_now)):
            label = "next"
        labels.append((hour, label))
    return labels


def qr_svg(url: str) -> str:
    """A QR code as inline SVG markup (no XML declaration, size or style: CSS sizes it)."""
    code = segno.make(url, error="m")
    return code.svg_inline(scale=1, border=2, omitsize=True, title="QR code: " + url)
