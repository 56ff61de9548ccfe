"""Public pages, the same for everyone at their address: the boards, now and next, the big
screen, the schedule and calendar feeds. They never touch the session or the CSRF token, so
that they can be cached whole and answered 304 (boards.caching)."""

import datetime as dt
import json
from collections.abc import Iterable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from boards import announcements, caching, calendar, exports, queries, timeline
from boards.board import Hour, normalise_query
from boards.caching import cached_page
from boards.context_processors import conference
from boards.feeds import SoonFeed
from boards.models import SLOT_LENGTH, Card
from boards.timeline import BoardState
from boards.views.common import HtmxHttpRequest, qr_svg, wants_fragment

# The boards ---------------------------------------------------------------------------


@require_safe
def current_board(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    states = caching.board_states()
    date = timeline.current_date(states, now)
    if date is None:
        return _before_first_board(request, states, now)
    return _board_response(request, states=states, date=date, now=now, home=True)


@require_safe
def day_board(request: HtmxHttpRequest, date: dt.date) -> HttpResponse:
    return _board_response(
        request, states=caching.board_states(), date=date, now=timezone.now(), home=False
    )


def _board_or_404(states: list[BoardState], date: dt.date) -> BoardState:
    state = timeline.board_on(states, date)
    if state is None:
        raise Http404(gettext("There is no board for that day."))
    return state


def _board_response(
    request: HtmxHttpRequest,
    *,
    states: list[BoardState],
    date: dt.date,
    now: dt.datetime,
    home: bool,
) -> HttpResponse:
    state = _board_or_404(states, date)
    fragment = wants_fragment(request)
    query = normalise_query(request.GET.get("q", ""))
    tag = caching.board_tag(
        states,
        state,
        now,
        home=home,
        fragment=fragment,
        query=query,
        # A search finds cards on every day: every day's board is part of its answer.
        variant=caching.interests_version(states, now) if query else "",
    )
    return cached_page(
        request,
        tag,
        lambda: _render_board(states, state, now, home, fragment, query),
    )


def _render_board(
    states: list[BoardState],
    state: BoardState,
    now: dt.datetime,
    home: bool,
    fragment: bool,
    query: str,
) -> str:
    today = timezone.localdate(now)
    if query:
        # A search covers the whole conference, grouped by day: three queries in all.
        results = queries.boards_found(now, query)
        board = next((result for result in results if result.day.date == state.date), None)
    else:
        results = []
        board = queries.board(state.date, now)
    if board is None:  # deleted since the states were read
        raise Http404(gettext("There is no board for that day."))
    context = {
        "board": board,
        "search_results": results,
        "found_count": sum(result.card_count for result in results),
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


def _before_first_board(
    request: HttpRequest, states: list[BoardState], now: dt.datetime
) -> HttpResponse:
    """When and where the first board opens: it changes when that moment comes."""
    tag = caching.page_tag(
        "before",
        version=caching.states_version(states),
        changes_at=timeline.next_change(states, now),
        now=now,
    )

    def render_before() -> str:
        context = {"first_board": states[0] if states else None, "now": now, **conference(None)}
        return render_to_string("boards/before.html", context)

    return cached_page(request, tag, render_before, vary="")


# Claiming -----------------------------------------------------------------------------


@require_safe
def schedule_json(request: HtmxHttpRequest) -> HttpResponse:
    """The whole schedule as JSON (see the README). The same for everyone, like the boards."""
    states = caching.board_states()
    # Cached like the boards, under the version (and the host its links name).
    tag = caching.page_tag(
        "schedule", version=caching.states_version(states), typed=[request.build_absolute_uri("/")]
    )
    response = cached_page(
        request,
        tag,
        lambda: json.dumps(exports.schedule(build_url=request.build_absolute_uri)),
        vary="",
        content_type="application/json",
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def schedule_xml(request: HtmxHttpRequest) -> HttpResponse:
    """The whole schedule in frab's schedule.xml, for conference apps (Giggity, ConfClerk,
    the c3voc tools). Cached like schedule.json: the boards' version is its ETag."""
    states = caching.board_states()
    version = caching.states_version(states)
    # Under the scheme and Host its links name, as schedule.json.
    tag = caching.page_tag(
        "schedule-xml", version=version, typed=[request.build_absolute_uri("/")]
    )
    response = cached_page(
        request,
        tag,
        lambda: exports.schedule_xml(build_url=request.build_absolute_uri, version=version),
        vary="",
        content_type="application/xml; charset=utf-8",
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


# The proceedings -----------------------------------------------------------------------


@require_safe
def proceedings(request: HttpRequest) -> HttpResponse:
    """Every open space that has happened, with what its host left: the same for
    everyone, cached like the boards (it changes with them, and when an hour begins)."""
    now = timezone.now()
    states = caching.board_states()
    tag = caching.page_tag(
        "proceedings",
        version=caching.states_version(states),
        changes_at=timeline.next_change(states, now),
        now=now,
    )
    return cached_page(request, tag, lambda: _render_proceedings(now, None), vary="")


@require_safe
def day_proceedings(request: HttpRequest, date: dt.date) -> HttpResponse:
    """The proceedings of one day."""
    now = timezone.now()
    states = caching.board_states()
    state = _board_or_404(states, date)
    tag = caching.page_tag(
        "proceedings-day",
        version=caching.day_version(state),
        changes_at=timeline.next_change(states, now),
        now=now,
    )
    return cached_page(request, tag, lambda: _render_proceedings(now, date), vary="")


def _render_proceedings(now: dt.datetime, date: dt.date | None) -> str:
    context = {
        "cards": queries.proceedings(now, date),
        "date": date,
        "now": now,
        **conference(None),
    }
    # No request in the context: the page must not depend on the session or CSRF.
    return render_to_string("boards/proceedings.html", context)


DISPLAY_HOURS = 8


def _today_state(states: list[BoardState], now: dt.datetime) -> BoardState | None:
    today = timezone.localdate(now)
    return timeline.board_on(states, today)


@require_safe
def now_next(request: HtmxHttpRequest) -> HttpResponse:
    """What is on right now and in the next hour on today's board: same for everyone."""
    now = timezone.now()
    states = caching.board_states()
    state = _today_state(states, now)
    fragment = wants_fragment(request)
    if state is None:  # not a conference day: it changes at midnight, or with the days
        tag = caching.page_tag(
            "now",
            version=f"none-{timezone.localdate(now):%Y%m%d}.{caching.states_version(states)}",
            changes_at=timeline.next_change(states, now),
            variant="fragment" if fragment else "",
            now=now,
        )
    else:  # the hour under way and the next: what comes within the hour changes it too
        tag = caching.board_tag(
            states, state, now, fragment=fragment, kind="now", lookahead=SLOT_LENGTH
        )

    def render_now() -> str:
        current, upcoming = queries.now_and_next(state.date, now) if state else ([], [])
        coming = timeline.first_start_after(states, now)
        context = {
            "now": now,
            "today_board": state,
            # With nothing on: when the first hour starts, today or on a later day.
            "today_over": bool(state and state.moments and state.moments[-1] <= now),
            "coming_date": coming[0] if coming else None,
            "coming_start": timezone.localtime(coming[1]) if coming else None,
            "current_cards": current,
            "next_cards": upcoming,
            "current_date": timeline.current_date(states, now),
            **conference(None),
        }
        template = "boards/now.html#now" if fragment else "boards/now.html"
        return render_to_string(template, context)

    return cached_page(request, tag, render_now)


# Calendars


def _domain(request: HttpRequest) -> str:
    return request.get_host().split(":")[0]


ICS_TYPE = calendar.CONTENT_TYPE


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def card_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """One open space with a reminder 15 minutes before, to add to a calendar.

    Like the card's page, a card no longer on the board answers 410, and says nothing
    of what it was."""
    card = get_object_or_404(Card.objects.with_place(), pk=pk)
    if not card.is_active:
        response = HttpResponse(
            gettext("This open space is not on the board any more."),
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    else:
        body = calendar.calendar_for(
            [card],
            name=card.title,
            domain=_domain(request),
            url_for=lambda card: request.build_absolute_uri(card.get_absolute_url()),
            alarm=True,
        )
        response = _attachment(
            HttpResponse(body, content_type=ICS_TYPE), f"open-space-{card.pk}.ics"
        )
    patch_cache_control(response, public=True, no_cache=True)
    return response


def _feed_response(
    request: HttpRequest, *, tag: caching.PageTag, cards: Iterable[Card], name: str, filename: str
) -> HttpResponse:
    def render_feed() -> str:
        return calendar.calendar_for(
            cards,
            name=name,
            domain=_domain(request),
            url_for=lambda card: request.build_absolute_uri(card.get_absolute_url()),
        ).decode()

    return _attachment(
        cached_page(request, tag, render_feed, vary="", content_type=ICS_TYPE), filename
    )


@require_safe
def day_calendar(request: HttpRequest, date: dt.date) -> HttpResponse:
    """A feed of the open spaces of one day, to subscribe to."""
    state = _board_or_404(caching.board_states(), date)
    return _feed_response(
        request,
        tag=caching.page_tag(
            "ics-day", version=caching.day_version(state), typed=[request.build_absolute_uri("/")]
        ),
        cards=queries.calendar_cards(date),
        name=f"{settings.OPENSPACES_NAME}: {date:%A %-d %B}",
        filename=f"open-spaces-{date}.ics",
    )


@require_safe
def conference_calendar(request: HttpRequest) -> HttpResponse:
    """A feed of every open space of the conference, to subscribe to."""
    states = caching.board_states()
    return _feed_response(
        request,
        tag=caching.page_tag(
            "ics", version=caching.states_version(states), typed=[request.build_absolute_uri("/")]
        ),
        cards=queries.calendar_cards(),
        name=settings.OPENSPACES_NAME,
        filename="open-spaces.ics",
    )


# The feed

_soon_feed = SoonFeed()


@require_safe
def soon_feed(request: HttpRequest) -> HttpResponse:
    """/soon.atom: a card joins it `lead` before it starts (boards.feeds)."""
    now = timezone.now()
    states = caching.board_states()
    tag = caching.page_tag(
        "soon",
        version=caching.states_version(states),
        changes_at=timeline.next_change(states, now, lookahead=announcements.lead()),
        typed=[request.build_absolute_uri("/")],
        variant=str(settings.OPENSPACES_ANNOUNCE_MINUTES),
        now=now,
    )
    return cached_page(
        request,
        tag,
        lambda: _soon_feed(request).content.decode(),
        vary="",
        content_type="application/atom+xml; charset=utf-8",
    )


# The big screen


@require_safe
def current_display(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    states = caching.board_states()
    date = timeline.current_date(states, now) or (states[0].date if states else None)
    if date is None:
        raise Http404(gettext("There are no boards yet."))
    return _display_response(request, states=states, date=date, now=now, home=True)


@require_safe
def day_display(request: HtmxHttpRequest, date: dt.date) -> HttpResponse:
    return _display_response(
        request, states=caching.board_states(), date=date, now=timezone.now(), home=False
    )


def _display_response(
    request: HtmxHttpRequest,
    *,
    states: list[BoardState],
    date: dt.date,
    now: dt.datetime,
    home: bool,
) -> HttpResponse:
    """The board in kiosk form: the hours to come, now first, and a QR code to the phone view."""
    state = _board_or_404(states, date)
    fragment = wants_fragment(request)
    phone_url = request.build_absolute_uri(
        reverse("boards:current") if home else reverse("boards:day", kwargs={"date": date})
    )
    tag = caching.board_tag(
        states,
        state,
        now,
        fragment=fragment,
        kind="display",
        typed=[phone_url],
    )

    def render_display() -> str:
        board = queries.board(state.date, now)
        if board is None:  # deleted since the states were read
            raise Http404(gettext("There is no board for that day."))
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

    return cached_page(request, tag, render_display)


def _now_and_next_labels(hours: list[Hour], *, is_today: bool) -> list[tuple[Hour, str]]:
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
