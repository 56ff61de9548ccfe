"""The boards on paper: the day's board for the physical board near registration, and a
sign for each room's door. Plain HTML pages with print CSS (static/css/print.css), readable
on screen too; the paper size is a named CSS @page chosen by ?size=."""

import datetime as dt

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext_lazy
from django.views.decorators.http import require_safe

from boards.board import Board, build_board, room_hours
from boards.context_processors import conference
from boards.models import Day, Room
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


def _render(template: str, paper: str, **context: object) -> HttpResponse:
    now = timezone.now()
    context = {
        "paper": paper,
        "paper_sizes": PAPER_SIZES,
        "printed_at": timezone.localtime(now),
        **conference(None),
        **context,
    }
    # No request in the context: the same for everyone, no session, no CSRF token.
    response = render(None, template, context)
    # "Printed at" is part of the page: always a fresh rendering.
    response["Cache-Control"] = "no-cache"
    return response


def _qr(request: HttpRequest, url: str) -> tuple[str, str]:
    absolute = request.build_absolute_uri(url)
    return absolute, mark_safe(qr_svg(absolute))  # noqa: S308 - segno's own markup


@require_safe
def day_print(request: HttpRequest, date: dt.date) -> HttpResponse:
    """The day's board on one landscape page: every card in full, blocked and free slots."""
    paper = _paper(request)
    if paper is None:
        return _bad_size()
    day = get_object_or_404(Day, date=date)
    board_url, qr = _qr(request, reverse("boards:day", kwargs={"date": date}))
    return _render(
        "boards/print_day.html",
        paper,
        board=build_board(day, timezone.now()),
        board_url=board_url,
        qr_svg=qr,
    )


def _door_sign(request: HttpRequest, board: Board, room: Room) -> dict[str, object]:
    room_url = reverse("boards:room", kwargs={"room_id": room.pk})
    live_url, qr = _qr(request, f"{room_url}?day={board.day.date}")
    return {"room": room, "hours": room_hours(board, room), "live_url": live_url, "qr_svg": qr}


@require_safe
def room_print(request: HttpRequest, date: dt.date, room_id: int) -> HttpResponse:
    """A portrait door sign for one room and day: each hour's card or a free slot."""
    paper = _paper(request)
    if paper is None:
        return _bad_size()
    day = get_object_or_404(Day, date=date)
    room = get_object_or_404(Room, pk=room_id)
    board = build_board(day, timezone.now())
    return _render(
        "boards/print_rooms.html",
        paper,
        day=day,
        signs=[_door_sign(request, board, room)],
    )


@require_safe
def rooms_print(request: HttpRequest, date: dt.date) -> HttpResponse:
    """Every room's door sign for the day, one room a page, to print in one go."""
    paper = _paper(request)
    if paper is None:
        return _bad_size()
    day = get_object_or_404(Day, date=date)
    board = build_board(day, timezone.now())
    return _render(
        "boards/print_rooms.html",
        paper,
        day=day,
        signs=[_door_sign(request, board, room) for room in board.rooms],
    )
