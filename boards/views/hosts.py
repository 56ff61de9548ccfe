"""Hosts: claim a slot, then edit, move or release the card through its private link."""

import datetime as dt

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from boards import services
from boards.forms import CardEditForm, ClaimForm, MoveForm, card_text
from boards.models import Card, Slot
from boards.notifications import send_manage_link
from boards.views.common import HtmxHttpRequest, see_other

ALTERNATIVES_SHOWN = 5
# The manage link travels from the claim to the card page in a signed cookie scoped to
# that card's path and gone after one showing: no session row to write on a claim.
CLAIMED_COOKIE = "claimed"
CLAIMED_COOKIE_SALT = "boards.claimed"


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


@require_http_methods(["GET", "HEAD", "POST"])
def slot_claim(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    slot = get_object_or_404(Slot.objects.select_related("day", "room"), pk=pk)
    now = timezone.now()
    context = {"slot": slot, "reason": "", "alternatives": []}
    status = 200
    if request.method in ("GET", "HEAD"):
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
@require_http_methods(["GET", "HEAD", "POST"])
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
