"""One room's live page: what is on in it now, next and later that day, phone first.

It is what a door sign's QR code opens. The same for everyone, cached and answered 304
like the board (boards.caching): its ETag is the day's board ETag for this room.
"""

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from boards import caching, queries, timeline
from boards.caching import cached_page
from boards.context_processors import conference
from boards.models import Room
from boards.views.common import HtmxHttpRequest, wants_fragment


def _requested_date(
    request: HttpRequest, states: list[timeline.BoardState], now: dt.datetime
) -> dt.date:
    raw = request.GET.get("day", "")
    if raw:
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise Http404(gettext("Give the day as YYYY-MM-DD, e.g. ?day=2027-05-14.")) from None
    # Today on a conference day; the board that is up otherwise (the evening before).
    date = timeline.current_date(states, now) or (states[0].date if states else None)
    if date is None:
        raise Http404(gettext("There are no boards yet."))
    return date


@require_safe
def room_live(request: HtmxHttpRequest, room_id: int) -> HttpResponse:
    now = timezone.now()
    states = caching.board_states()
    date = _requested_date(request, states, now)
    state = timeline.board_on(states, date)
    if state is None:
        raise Http404(gettext("There is no board for that day."))
    fragment = wants_fragment(request)
    variant = f"{room_id}{'-day' if 'day' in request.GET else ''}"
    tag = caching.board_tag(states, state, now, fragment=fragment, kind="room", variant=variant)

    def render_room() -> str:
        room = get_object_or_404(Room, pk=room_id)
        board = queries.board(date, now)
        if board is None:  # deleted since the states were read
            raise Http404(gettext("There is no board for that day."))
        hours = board.room_hours(room)
        current = [(hour, cell) for hour, cell in hours if hour.is_now]
        upcoming = [(hour, cell) for hour, cell in hours if not hour.is_past and not hour.is_now]
        context = {
            "room": room,
            "board": board,
            "now": now,
            "is_today": date == timezone.localdate(now),
            "day_given": "day" in request.GET,
            "current": current,
            "next": upcoming[:1],
            "later": upcoming[1:],
            "earlier": [(hour, cell) for hour, cell in hours if hour.is_past],
            **conference(None),
        }
        template = "boards/room.html#room" if fragment else "boards/room.html"
        return render_to_string(template, context)

    return cached_page(request, tag, render_room)
