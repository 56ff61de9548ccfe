"""Hosts: claim a slot, then edit, move or release the card through its private link."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import is_ratelimited

from boards import notices, queries, services
from boards.forms import (
    CardEditForm,
    ClaimForm,
    HostEmailForm,
    MoveForm,
    NotesForm,
    card_notes,
    card_text,
)
from boards.models import Card, Idea, Slot
from boards.notifications import remind_after_the_hour, send_manage_link
from boards.services import cards
from boards.views.common import (
    CLAIMED_COOKIE,
    CLAIMED_COOKIE_SALT,
    HtmxHttpRequest,
    claiming_browser,
    hosted_token,
    remember_host,
    see_other,
    wants_fragment,
)


@never_cache
@require_safe
def card_manage_mine(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The way back to the manage page for the browser that made the card; the card's
    page links here, so that the token itself never appears on a public page."""
    card = get_object_or_404(Card.objects.with_place(), pk=pk)
    token = hosted_token(request, card)
    if token:
        return see_other(reverse("boards:card_manage", kwargs={"pk": card.pk, "token": token}))
    return render(request, "boards/manage_lost.html", {"card": card}, status=404)


def _claimed(request: HttpRequest, card: Card, token: str) -> HttpResponse:
    """303 to the card, whose page shows the manage link once (carried by a cookie)."""
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
    remember_host(response, request, card, token)
    return response


def _claim_rate() -> str | None:
    per_minute = settings.OPENSPACES_CLAIM_RATE
    return f"{per_minute}/m" if per_minute > 0 else None


@require_http_methods(["GET", "HEAD", "POST"])
def slot_claim(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    slot = get_object_or_404(Slot.objects.with_place(), pk=pk)
    now = timezone.now()
    context = {"slot": slot, "reason": "", "alternatives": []}
    status = 200
    if request.method in ("GET", "HEAD"):
        # "Host this" on the ideas wall: the idea's text, filled in (and the idea carried).
        hosted = queries.idea_to_host(request.GET.get("idea", ""))
        form = ClaimForm(initial=_idea_text(hosted))
        context["reason"] = slot.unavailable_reason(now)
        if context["reason"]:
            context["alternatives"] = queries.alternatives(slot, now)
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
            text = {name: form.cleaned_data[name] for name in Card.CLAIM_FIELDS}
            try:
                claim = cards.card_claim(
                    slot=slot,
                    now=now,
                    browser=claiming_browser(request),
                    idea_id=form.cleaned_data["idea"],
                    language=translation.get_language(),
                    **text,
                )
            except (services.SlotUnavailable, services.Busy) as not_claimed:
                status = 409
                context["reason"] = not_claimed.reason
                context["alternatives"] = queries.alternatives(slot, now)
            else:
                card, token = claim.card, claim.token
                if not claim.repeated:  # the manage link is mailed once
                    manage_url = request.build_absolute_uri(
                        reverse("boards:card_manage", kwargs={"pk": card.pk, "token": token})
                    )
                    send_manage_link(card=card, manage_url=manage_url)
                    remind_after_the_hour(
                        card=card, site_url=request.build_absolute_uri("/"), token=token
                    )
                return _claimed(request, card, token)
        # The title as the form cleaned it, never the raw field: nothing unvalidated
        # reaches a query (a NUL byte there was a 500 on PostgreSQL).
        form.is_valid()
        browser, title = claiming_browser(request), form.cleaned_data.get("title", "")
        if own := queries.recent_claim(browser=browser, title=title, now=now):
            context["own_card"], context["own_token"] = own
    context["form"] = form
    context["hosted_idea"] = queries.idea_to_host(str(form["idea"].value() or ""))
    template = "boards/claim.html#claim" if wants_fragment(request) else "boards/claim.html"
    return render(request, template, context, status=status)


def _idea_text(idea: Idea | None) -> dict[str, object]:
    if idea is None:
        return {}
    return {"title": idea.title, "description": idea.description, "idea": idea.pk}


# Cards --------------------------------------------------------------------------------


def _managed_card(pk: int, token: str) -> Card:
    card = get_object_or_404(Card.objects.with_place(), pk=pk)
    if not card.token_matches(token):
        raise Http404(gettext("No such card."))
    return card


def _render_manage(
    request: HtmxHttpRequest,
    card: Card,
    token: str,
    *,
    status: int = 200,
    **forms_and_errors: object,
) -> HttpResponse:
    now = timezone.now()
    free_slots = queries.host_move_targets(now) if card.is_active else Slot.objects.none()
    context = {
        "card": card,
        "token": token,
        # The "bookmark this page" box is for the first visit; later ones get one line.
        "first_visit": not request.COOKIES.get(MANAGE_SEEN_COOKIE),
        "edit_form": CardEditForm(initial=card_text(card)),
        "move_form": MoveForm(free_slots=free_slots),
        "free_slots_exist": card.is_active and free_slots.exists(),
        "notices": notices.for_card(card),
        "email_form": HostEmailForm(initial={"email": card.email}),
        "notes_form": NotesForm(initial=card_notes(card)),
        "notes_open": now >= card.slot.starts_at,
        **forms_and_errors,
    }
    if card.status == Card.Status.RELEASED:  # what next: another slot, or the board
        context["other_slots"] = queries.alternatives(card.slot, now)
    response = render(request, "boards/manage.html", context, status=status)
    if context["first_visit"]:
        response.set_cookie(
            MANAGE_SEEN_COOKIE,
            "1",
            max_age=MANAGE_SEEN_AGE,
            path=request.path,  # this card's page only (the path never reaches a log)
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
    return response


MANAGE_SEEN_COOKIE = "os_manage_seen"
MANAGE_SEEN_AGE = 60 * 60 * 24 * 21


def _back_to_manage(request: HttpRequest, card: Card, token: str, done: str) -> HttpResponse:
    """Post/Redirect/Get to the manage page's own clean address (a bookmark of it never
    replays the message): what was done is told once, as a message."""
    messages.success(request, done)
    return see_other(reverse("boards:card_manage", kwargs={"pk": card.pk, "token": token}))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def card_manage(request: HtmxHttpRequest, pk: int, token: str) -> HttpResponse:
    """The host's private page: edit the text (POST here), move or release."""
    card = _managed_card(pk, token)
    if request.method == "POST":
        edit_form = CardEditForm(request.POST)
        if not edit_form.is_valid():
            return _render_manage(request, card, token, status=422, edit_form=edit_form)
        try:
            cards.card_update(card=card, **edit_form.cleaned_data)
        except (services.Refused, services.Busy) as refused:
            # `card` was read again under the lock: the page shows why, the text is kept.
            return _render_manage(
                request, card, token, status=409, edit_form=edit_form, refusal=refused.reason
            )
        return _back_to_manage(request, card, token, gettext("Your changes are on the board."))
    return _render_manage(request, card, token)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def card_move(request: HtmxHttpRequest, pk: int, token: str) -> HttpResponse:
    card = _managed_card(pk, token)
    if request.method != "POST":  # a reload or a pasted address: the manage page
        return see_other(reverse("boards:card_manage", kwargs={"pk": pk, "token": token}))
    # Any slot may be asked for: one taken since the page loaded is a 409 from the
    # service, with the reason, rather than a bare "invalid choice".
    move_form = MoveForm(request.POST, free_slots=Slot.objects.with_place())
    if not move_form.is_valid():
        return _render_manage(
            request, card, token, status=422, move_error=gettext("Pick a free slot to move to.")
        )
    try:
        cards.card_move(card=card, to_slot=move_form.cleaned_data["to_slot"], now=timezone.now())
    except services.CardNotOnBoard as refused:
        return _render_manage(request, card, token, status=409, refusal=refused.reason)
    except (services.SlotUnavailable, services.Busy) as not_moved:
        return _render_manage(request, card, token, status=409, move_error=not_moved.reason)
    # Moved earlier, the claim's reminder would come late: one for the new hour too (the
    # card is asked once, whichever runs first; a later hour's is put off by the task).
    remind_after_the_hour(card=card, site_url=request.build_absolute_uri("/"), token=token)
    return _back_to_manage(
        request, card, token, gettext("Your card has moved. Tell people who planned to come!")
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def card_email(request: HtmxHttpRequest, pk: int, token: str) -> HttpResponse:
    """The host adds, changes or takes away their address; a new one gets the manage link
    at once (which also shows them it is the right one)."""
    card = _managed_card(pk, token)
    if request.method != "POST":  # a reload or a pasted address: the manage page
        return see_other(reverse("boards:card_manage", kwargs={"pk": pk, "token": token}))
    email_form = HostEmailForm(request.POST)
    if not email_form.is_valid():
        return _render_manage(request, card, token, status=422, email_form=email_form)
    email = email_form.cleaned_data["email"]
    try:
        changed = cards.card_email_set(card=card, email=email)
    except services.Busy as busy:
        return _render_manage(
            request, card, token, status=409, email_form=email_form, email_error=busy.reason
        )
    if changed and email:
        manage_url = request.build_absolute_uri(
            reverse("boards:card_manage", kwargs={"pk": card.pk, "token": token})
        )
        send_manage_link(card=card, manage_url=manage_url)
        # A first address (or a new one) gets the reminder after the hour too; the card is
        # asked once however many are queued (services.cards.card_reminder).
        remind_after_the_hour(card=card, site_url=request.build_absolute_uri("/"), token=token)
    return _back_to_manage(
        request,
        card,
        token,
        gettext(
            "Your email is saved: the manage link is on its way there, and you will be told "
            "of changes you did not make."
        )
        if email
        else gettext("Your email is taken away: you will get no mail about this card."),
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def card_notes_save(request: HtmxHttpRequest, pk: int, token: str) -> HttpResponse:
    """After the hour: the host's notes, links and how many came (the manage token is
    the key: anyone else's link is a 404)."""
    card = _managed_card(pk, token)
    if request.method != "POST":  # a reload or a pasted address: the manage page
        return see_other(reverse("boards:card_manage", kwargs={"pk": pk, "token": token}))
    notes_form = NotesForm(request.POST)
    if not notes_form.is_valid():
        return _render_manage(request, card, token, status=422, notes_form=notes_form)
    try:
        cards.card_notes(card=card, now=timezone.now(), **notes_form.cleaned_data)
    except services.CardNotOnBoard as refused:
        return _render_manage(request, card, token, status=409, refusal=refused.reason)
    except (services.Refused, services.Busy) as refused:
        return _render_manage(
            request, card, token, status=409, notes_form=notes_form, notes_error=refused.reason
        )
    return _back_to_manage(
        request,
        card,
        token,
        gettext("Thank you: your notes are on the card and in the proceedings."),
    )


RELEASE_CONFIRMED = "release"


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def card_release(request: HtmxHttpRequest, pk: int, token: str) -> HttpResponse:
    """Releasing cannot be undone: the first POST asks "are you sure?" on a page of its
    own, and only a POST from that page (confirm=release) releases. No JavaScript needed."""
    card = _managed_card(pk, token)
    if request.method != "POST":  # a reload or a pasted address: the manage page
        return see_other(reverse("boards:card_manage", kwargs={"pk": pk, "token": token}))
    if card.status == Card.Status.RELEASED:
        return see_other(reverse("boards:card_manage", kwargs={"pk": pk, "token": token}))
    if card.is_active and request.POST.get("confirm") != RELEASE_CONFIRMED:
        context = {"card": card, "token": token, "confirm_release": RELEASE_CONFIRMED}
        return render(request, "boards/manage.html", context)
    try:
        cards.card_release(card=card)
    except (services.Refused, services.Busy) as refused:
        return _render_manage(request, card, token, status=409, refusal=refused.reason)
    # No message: the page of a released card says so, and what to do next.
    return see_other(reverse("boards:card_manage", kwargs={"pk": pk, "token": token}))
