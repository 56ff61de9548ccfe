"""Thin views: parse the request, call a query or a service, render.

The boards (`/`, `/day/<date>/`) are the same for everyone: they never touch the
session or the CSRF token, so that they can be cached whole and answered 304.
"""

import datetime as dt
import zlib

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event
from django_htmx.middleware import HtmxDetails
from django_ratelimit.core import is_ratelimited

from boards import caching, services, timeline
from boards.board import build_board
from boards.context_processors import conference
from boards.forms import CardEditForm, ClaimForm, MoveForm, card_text
from boards.models import Card, Day, Slot
from boards.notifications import send_manage_link

ALTERNATIVES_SHOWN = 5
CLAIMED_SESSION_KEY = "claimed_cards"


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


def _board_response(request, *, states, date, now, home: bool) -> HttpResponse:
    state = next((state for state in states if state.date == date), None)
    if state is None:
        raise Http404("There is no board for that day.")
    fragment = bool(request.htmx) and not request.htmx.boosted
    layout = zlib.crc32(repr([(s.date, s.opens_at) for s in states]).encode())
    changes_at = int(timeline.next_change(states, now).timestamp())
    etag = (
        f'"{state.date:%Y%m%d}-{state.version}-{changes_at}-{layout:x}'
        f'{"-home" if home else ""}{"-fragment" if fragment else ""}"'
    )
    response = get_conditional_response(request, etag=etag)
    if response is None:
        html = caching.rendered(etag)
        if html is None:
            html = _render_board(request, states, state, now, home, fragment)
            caching.remember_rendered(etag, html)
        response = HttpResponse(html)
    response["ETag"] = etag
    # Browsers and proxies may keep the board but must ask (cheaply: 304) before reuse.
    patch_cache_control(response, public=True, no_cache=True)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _render_board(request, states, state, now, home, fragment) -> str:
    day = Day.objects.get(date=state.date)
    today = timezone.localdate(now)
    context = {
        "board": build_board(day, now),
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
    window = dt.timedelta(hours=12)
    candidates = (
        Slot.objects.claimable(now)
        .filter(starts_at__range=(slot.starts_at - window, slot.starts_at + window))
        .exclude(pk=slot.pk)
        .select_related("day", "room")
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
    context = {"slot": slot, "reason": slot.unavailable_reason(now), "alternatives": []}
    status = 200
    if request.method == "GET":
        form = ClaimForm()
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
                request.session.setdefault(CLAIMED_SESSION_KEY, {})[str(card.pk)] = token
                request.session.modified = True
                return see_other(card.get_absolute_url())
    context["form"] = form
    template = "boards/claim.html#claim" if request.htmx else "boards/claim.html"
    return render(request, template, context, status=status)


# Cards --------------------------------------------------------------------------------


@require_GET
def card_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    card = get_object_or_404(Card.objects.select_related("slot__day", "slot__room"), pk=pk)
    # The manage link is shown once, to the person who just claimed the card.
    claimed = request.session.get(CLAIMED_SESSION_KEY, {})
    token = claimed.pop(str(card.pk), None)
    if token:
        request.session.modified = True
    context = {
        "card": card,
        "manage_url": (
            request.build_absolute_uri(
                reverse("boards:card_manage", kwargs={"pk": card.pk, "token": token})
            )
            if token
            else ""
        ),
    }
    status = 200 if card.is_active else 410
    template = "boards/card.html#card" if request.htmx else "boards/card.html"
    response = render(request, template, context, status=status)
    if token:
        never_cache_headers(response)
        # The board behind an in-place claim form refreshes itself.
        trigger_client_event(response, "board-changed")
    return response


def never_cache_headers(response: HttpResponse) -> None:
    patch_cache_control(response, private=True, no_store=True)


def _managed_card(pk: int, token: str) -> Card:
    card = get_object_or_404(Card.objects.select_related("slot__day", "slot__room"), pk=pk)
    if not card.token_matches(token):
        raise Http404("No such card.")
    return card


def _manage_context(card: Card, token: str, now: dt.datetime, **forms) -> dict:
    free_slots = (
        Slot.objects.claimable(now).select_related("day", "room").order_by("starts_at")
        if card.is_active
        else Slot.objects.none()
    )
    return {
        "card": card,
        "token": token,
        "edit_form": forms.get("edit_form") or CardEditForm(initial=card_text(card)),
        "move_form": forms.get("move_form") or MoveForm(free_slots=free_slots),
        "free_slots_exist": free_slots.exists() if card.is_active else False,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def card_manage(request: HtmxHttpRequest, pk: int, token: str) -> HttpResponse:
    """The host's private page: edit the text (POST here), move or release."""
    card = _managed_card(pk, token)
    now = timezone.now()
    status = 200
    edit_form = None
    if request.method == "POST":
        if not card.is_active:
            return see_other(request.path)
        edit_form = CardEditForm(request.POST)
        if edit_form.is_valid():
            services.card_update(card=card, **edit_form.cleaned_data)
            return _back_to_manage(request, card, token, "saved")
        status = 422
    context = _manage_context(card, token, now, edit_form=edit_form)
    context["done"] = request.GET.get("done", "")
    return render(request, "boards/manage.html", context, status=status)


def _back_to_manage(request, card: Card, token: str, done: str) -> HttpResponse:
    url = reverse("boards:card_manage", kwargs={"pk": card.pk, "token": token}) + f"?done={done}"
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return see_other(url)


@never_cache
@require_POST
def card_move(request: HtmxHttpRequest, pk: int, token: str) -> HttpResponse:
    card = _managed_card(pk, token)
    now = timezone.now()
    context = _manage_context(card, token, now)
    if not card.is_active:
        return see_other(reverse("boards:card_manage", kwargs={"pk": pk, "token": token}))
    move_form = MoveForm(request.POST, free_slots=Slot.objects.select_related("day", "room"))
    status = 422
    if move_form.is_valid():
        try:
            services.card_move(card=card, to_slot=move_form.cleaned_data["to_slot"], now=now)
        except services.SlotUnavailable as unavailable:
            status = 409
            context["move_error"] = unavailable.reason
        else:
            return _back_to_manage(request, card, token, "moved")
    else:
        context["move_error"] = "Pick a free slot to move to."
    context["move_form"] = MoveForm(
        request.POST, free_slots=context["move_form"].fields["to_slot"].queryset
    )
    return render(request, "boards/manage.html", context, status=status)


@never_cache
@require_POST
def card_release(request: HtmxHttpRequest, pk: int, token: str) -> HttpResponse:
    card = _managed_card(pk, token)
    if card.is_active:
        services.card_release(card=card)
    return _back_to_manage(request, card, token, "released")
