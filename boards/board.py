"""A day's board laid out as hours × rooms, with each cell's state at a moment: pure, from
the slots boards.queries reads."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.utils import timezone

from boards.models import SLOT_LENGTH, Card, Day, Refusal, Room, Slot
from boards.text import visible_text


@dataclass(frozen=True)
class Cell:
    room: Room
    slot: Slot | None
    card: Card | None
    state: str  # "card", "held", "blocked", "open", "not-open", "started", "none", "filtered"
    # The room's name without the word every room's name starts with ("Room 140A" ->
    # "140A"), so that an hour's free rooms fit in one line on a phone.
    short_room: str = ""
    # The room's place in the board's order, from 1: the grid's column for this cell
    # (templates/boards/board.html lists an hour's cards first, then the rest).
    column: int = 0

    @property
    def claimable(self) -> bool:
        return self.state == "open"


QUIET = frozenset({"started", "none", "filtered"})


@dataclass(frozen=True)
class Hour:
    starts_at: dt.datetime
    cells: list[Cell]
    is_past: bool
    is_now: bool
    is_next: bool = False
    # Its clock time comes twice that day (the clocks fall back): the zone's abbreviation
    # says which one it is.
    repeated: bool = False

    @property
    def label(self) -> str:
        """The hour as the board shows it: "10:00", and "01:00 (EDT)" / "01:00 (EST)" on
        the night the clocks fall back."""
        time = self.starts_at.strftime("%H:%M")
        return f"{time} ({self.starts_at.tzname()})" if self.repeated else time

    @property
    def anchor(self) -> str:
        """The hour's part of its element ids and links (#hour-1000): unique in a page."""
        time = self.starts_at.strftime("%H%M")
        return f"{time}-{self.starts_at.tzname()}".lower() if self.repeated else time

    # An hour's cells by what they show (each cell once in the page: a phone lists the
    # cards in full and the rest in lines, the grid puts each in its room's column).
    @property
    def card_cells(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.card is not None]

    @property
    def open_cells(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.state == "open"]

    @property
    def later_cells(self) -> list[Cell]:
        """Free, but the board does not take claims yet."""
        return [cell for cell in self.cells if cell.state == "not-open"]

    @property
    def blocked_cells(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.state == "blocked"]

    @property
    def held_cells(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.state == "held"]

    @property
    def quiet_cells(self) -> list[Cell]:
        """Nothing to do there (started, no slot, no match): the grid's quiet cells, not
        on a phone."""
        return [cell for cell in self.cells if cell.state in QUIET]

    @property
    def nothing_on(self) -> bool:
        """No card, nothing free, taken or blocked: a phone says so in words."""
        return all(cell.state in QUIET for cell in self.cells)


@dataclass(frozen=True)
class Board:
    day: Day
    rooms: list[Room]
    hours: list[Hour]
    is_open: bool
    query: str = ""

    @property
    def now_hour(self) -> Hour | None:
        return next((hour for hour in self.hours if hour.is_now), None)

    @property
    def coming_hours(self) -> list[Hour]:
        """The hours not over yet, the one under way first: what a phone leads with."""
        return [hour for hour in self.hours if not hour.is_past]

    @property
    def past_hours(self) -> list[Hour]:
        return [hour for hour in self.hours if hour.is_past]

    @property
    def card_count(self) -> int:
        return sum(cell.card is not None for hour in self.hours for cell in hour.cells)

    @property
    def free_count(self) -> int:
        return sum(cell.claimable for hour in self.hours for cell in hour.cells)

    def room_hours(self, room: Room) -> list[tuple[Hour, Cell]]:
        """The room's column: each hour with the room's cell in it (a door sign, a room's
        live page)."""
        index = next((i for i, other in enumerate(self.rooms) if other.pk == room.pk), None)
        if index is None:
            return []
        return [(hour, hour.cells[index]) for hour in self.hours if hour.cells[index].slot]


def _cell_state(slot: Slot, now: dt.datetime) -> str:
    """What the cell shows, by the claim rule (Slot.refusal): a card (or one hidden while
    the chair reviews it, which keeps its slot), blocked, started, not open yet, or open."""
    refusal = slot.refusal(now)
    if refusal is Refusal.TAKEN:
        return "card" if slot.active_card is not None else "held"
    return refusal.value if refusal is not None else "open"


def _short_names(rooms: list[Room]) -> dict[int, str]:
    first_words = {room.name.split(" ", 1)[0] for room in rooms}
    if len(rooms) > 1 and len(first_words) == 1 and all(" " in room.name for room in rooms):
        return {room.pk: room.name.split(" ", 1)[1] for room in rooms}
    return {room.pk: room.name for room in rooms}


def normalise_query(raw: str) -> str:
    """A search as typed, made canonical as card text is (boards.text: NFC, nothing
    invisible, one space between words), casefolded, bounded."""
    return visible_text(raw).casefold()[:80].strip()


def build_board(day: Day, slots: list[Slot], now: dt.datetime, query: str = "") -> Board:
    """The board of `day` as seen at `now`, laid out from its slots (read with their cards
    by boards.queries: the board, the day at a glance and paper all come from here).

    With a (normalised) `query`, only the cards matching every word stay, and only
    the hours that have one; the filtering is done here, on the cards already loaded,
    so that a search costs no more queries than the board.
    """
    words = query.split()
    rooms = sorted({slot.room for slot in slots}, key=lambda room: (room.position, room.name))
    short = _short_names(rooms)
    by_hour: dict[dt.datetime, dict[int, Slot]] = {}
    for each in slots:
        each.day = day  # one Day object for all, so that its state is read once
        by_hour.setdefault(each.starts_at, {})[each.room_id] = each
    hours = []
    today = timezone.localdate(now)
    next_found = False
    clock_times = Counter(timezone.localtime(start).time() for start in by_hour)
    for starts_at in sorted(by_hour):
        row = by_hour[starts_at]
        cells = []
        for column, room in enumerate(rooms, start=1):
            slot = row.get(room.pk)
            card, state = None, "none"
            if (
                slot is not None
                and words
                and not (slot.active_card and slot.active_card.matches(words))
            ):
                state = "filtered"
            elif slot is not None:
                card, state = slot.active_card, _cell_state(slot, now)
            cells.append(
                Cell(
                    room=room,
                    slot=slot,
                    card=card,
                    state=state,
                    short_room=short[room.pk],
                    column=column,
                )
            )
        if words and all(cell.card is None for cell in cells):
            continue
        ends_at = starts_at + SLOT_LENGTH
        # "Next" is the first hour still to come today: what to walk to after this one.
        is_next = not next_found and starts_at > now and day.date == today
        next_found = next_found or is_next
        local_start = timezone.localtime(starts_at)
        hours.append(
            Hour(
                starts_at=local_start,
                cells=cells,
                is_past=ends_at <= now,
                is_now=starts_at <= now < ends_at,
                is_next=is_next,
                repeated=clock_times[local_start.time()] > 1,
            )
        )
    return Board(day=day, rooms=rooms, hours=hours, is_open=day.is_open(now), query=query)
