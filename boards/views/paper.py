"""The boards on paper: the day's board for the physical board near registration, and a
sign for each room's door. Plain HTML pages with print CSS (static/css/print.css), readable
on screen too; the paper size is a named CSS @page chosen by ?size=."""

import datetime as dt
import functools
from collections.abc import Callable
from typing import Concatenate

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext_lazy
from django.views.decorators.http import require_safe

from boards import caching, queries
from boards.board import Board
from boards.caching import cached_page
from boards.context_processors import conference
from boards.models import Room
from boards.views.common import qr_svg

PAPER_SIZES = {
    "letter": pgettext_lazy("paper size", "Letter"),
    "a4": "A4",
    "a3": "A3",
    "tabloid": pgettext_lazy("paper size", "Tabloid"),
}


def _paper(request: HttpRequest) -> str | None:
    size = request.GET.get("size", settings.OPENSPACES_PAPER).lower()
    return size if size in PAPER_SIZES else None


def _bad_size() -> HttpResponse:
    return HttpResponseBadRequest(
        gettext("Unknown paper size: use ?size= with one of %(sizes)s.")
        % {"sizes": ", ".join(PAPER_SIZES)},
        content_type="text/plain; charset=utf-8",
    )


def _render(
    request: HttpRequest, shown: Board, template: str, paper: str, **context: object
) -> HttpResponse:
    """A page for paper, the same for everyone: cached and answered 304 like the boards.
    "Printed at" (to the minute) is part of the page, so its ETag moves on each minute."""
    now = timezone.now()
    next_minute = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    tag = caching.page_tag(
        "paper",
        version=f"{shown.day.date:%Y%m%d}.{shown.day.version}",
        changes_at=next_minute,
        typed=[request.build_absolute_uri(request.path), paper],
        now=now,
    )
    context = {
        "paper": paper,
        "paper_sizes": PAPER_SIZES,
        "printed_at": timezone.localtime(now),
        **conference(None),
        **context,
    }
    # No request in the context: the same for everyone, no session, no CSRF token.
    return cached_page(request, tag, lambda: render_to_string(template, context), vary="")


def _qr(request: HttpRequest, url: str) -> tuple[str, str]:
    absolute = request.build_absolute_uri(url)
    return absolute, mark_safe(qr_svg(absolute))  # noqa: S308 - segno's own markup


def _on_paper[**P](
    view: Callable[Concatenate[HttpRequest, str, Board, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, dt.date, P], HttpResponse]:
    """A page for paper: the view gets the paper size (?size=, else OPENSPACES_PAPER: an
    unknown one is a 400 naming the sizes) and the day's board (404 without one)."""

    @functools.wraps(view)
    def on_paper(
        request: HttpRequest, date: dt.date, *args: P.args, **kwargs: P.kwargs
    ) -> HttpResponse:
        paper = _paper(request)
        if paper is None:
            return _bad_size()
        # The generation before the data: what the fast path learns is kept under it.
        caching.read_generation()
        board = queries.board(date, timezone.now())
        if board is None:
            raise Http404(gettext("There is no board for that day."))
        return view(request, paper, board, *args, **kwargs)

    return on_paper


@require_safe
@_on_paper
def day_print(request: HttpRequest, paper: str, board: Board) -> HttpResponse:
    """The day's board on one landscape page: every card in full, blocked and free slots."""
    board_url, qr = _qr(request, reverse("boards:day", kwargs={"date": board.day.date}))
    return _render(
        request,
        board,
        "boards/print_day.html",
        paper,
        board=board,
        board_url=board_url,
        qr_svg=qr,
    )


def _door_signs(request: HttpRequest, paper: str, board: Board, rooms: list[Room]) -> HttpResponse:
    """The door signs of `rooms` for the day of `board`, one a page."""
    signs = []
    for room in rooms:
        room_url = reverse("boards:room", kwargs={"room_id": room.pk})
        live_url, qr = _qr(request, f"{room_url}?day={board.day.date}")
        hours = board.room_hours(room)
        signs.append({"room": room, "hours": hours, "live_url": live_url, "qr_svg": qr})
    return _render(request, board, "boards/print_rooms.html", paper, day=board.day, signs=signs)


@require_safe
@_on_paper
def room_print(request: HttpRequest, paper: str, board: Board, room_id: int) -> HttpResponse:
    """A portrait door sign for one room and day: each hour's card or a free slot."""
    return _door_signs(request, paper, board, [get_object_or_404(Room, pk=room_id)])


@require_safe
@_on_paper
def rooms_print(request: HttpRequest, paper: str, board: Board) -> HttpResponse:
    """Every room's door sign for the day, one room a page, to print in one go."""
    return _door_signs(request, paper, board, board.rooms)
