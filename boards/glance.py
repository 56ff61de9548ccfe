"""A day at a glance for the chair: the grid, how full it is, what needs a look.

Pure: a summary of the day's board (boards.board) and its flagged cards, both read by
boards.queries.glance (three queries whatever the size of the day).
"""

import datetime as dt
from dataclasses import dataclass

from boards.board import Board
from boards.models import Card, Day, Room, Slot


@dataclass(frozen=True)
class Fill:
    """Cards over the slots that can take one (blocked slots do not count)."""

    cards: int
    open_slots: int

    @property
    def percent(self) -> int:
        return round(100 * self.cards / self.open_slots) if self.open_slots else 0


@dataclass(frozen=True)
class GlanceHour:
    starts_at: dt.datetime
    slots: list[Slot | None]  # one per room, None where the room has no slot that hour
    fill: Fill


@dataclass(frozen=True)
class Glance:
    day: Day
    rooms: list[tuple[Room, Fill]]
    hours: list[GlanceHour]
    fill: Fill
    empty_rooms: list[Room]
    flagged_cards: list[Card]
    # More people said "I'm interested" than the room seats: a bigger room, perhaps.
    crowded_cards: list[Card]
    # After the hours: how many came, in all, to the cards whose hosts counted.
    attendance: int = 0
    counted_cards: int = 0


def _fill(slots: list[Slot]) -> Fill:
    return Fill(
        cards=sum(slot.holding_card is not None for slot in slots),
        open_slots=sum(not slot.is_blocked for slot in slots),
    )


def summarise(board: Board, flagged: list[Card]) -> Glance:
    """The day at a glance, from its board (every hour and room) and its flagged cards."""
    hours: list[GlanceHour] = []
    by_room: dict[int, list[Slot]] = {room.pk: [] for room in board.rooms}
    for hour in board.hours:
        slots = [cell.slot for cell in hour.cells]
        present = [slot for slot in slots if slot is not None]
        for slot in present:
            by_room[slot.room_id].append(slot)
        hours.append(GlanceHour(starts_at=hour.starts_at, slots=slots, fill=_fill(present)))
    room_fills = [(room, _fill(by_room[room.pk])) for room in board.rooms]
    every_slot = [slot for hour in hours for slot in hour.slots if slot is not None]
    crowded = [
        slot.holding_card
        for slot in every_slot
        if slot.holding_card is not None
        and slot.room.capacity
        and slot.holding_card.interest_count > slot.room.capacity
    ]
    counted = [
        slot.holding_card
        for slot in every_slot
        if slot.holding_card is not None and slot.holding_card.attendance
    ]
    return Glance(
        day=board.day,
        rooms=room_fills,
        hours=hours,
        fill=_fill(every_slot),
        empty_rooms=[room for room, fill in room_fills if fill.cards == 0],
        flagged_cards=flagged,
        crowded_cards=crowded,
        attendance=sum(card.attendance or 0 for card in counted),
        counted_cards=len(counted),
    )
