"""A day at a glance for the chair: the grid, how full it is, what needs a look.

Three queries whatever the size of the day: the slots, their cards, the flagged cards.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

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


def _fill(slots: list[Slot]) -> Fill:
    return Fill(
        cards=sum(slot.holding_card is not None for slot in slots),
        open_slots=sum(not slot.is_blocked for slot in slots),
    )


def build_glance(day: Day) -> Glance:
    slots = list(Slot.objects.on(day).with_cards())
    rooms = sorted({slot.room for slot in slots}, key=lambda room: (room.position, room.name))
    by_hour: dict[dt.datetime, dict[int, Slot]] = {}
    by_room: dict[int, list[Slot]] = {}
    for slot in slots:
        by_hour.setdefault(slot.starts_at, {})[slot.room_id] = slot
        by_room.setdefault(slot.room_id, []).append(slot)
    hours = [
        GlanceHour(
            starts_at=timezone.localtime(starts_at),
            slots=[by_hour[starts_at].get(room.pk) for room in rooms],
            fill=_fill(list(by_hour[starts_at].values())),
        )
        for starts_at in sorted(by_hour)
    ]
    room_fills = [(room, _fill(by_room[room.pk])) for room in rooms]
    crowded = [
        slot.holding_card
        for slot in sorted(slots, key=lambda slot: (slot.starts_at, slot.room.position))
        if slot.holding_card is not None
        and slot.room.capacity
        and slot.holding_card.interest_count > slot.room.capacity
    ]
    flagged = (
        Card.objects.with_open_flags()
        .filter(slot__day=day, open_flags__gt=0)
        .select_related("slot__room")
        .order_by("-open_flags", "slot__starts_at")
    )
    return Glance(
        day=day,
        rooms=room_fills,
        hours=hours,
        fill=_fill(slots),
        empty_rooms=[room for room, fill in room_fills if fill.cards == 0],
        flagged_cards=list(flagged),
        crowded_cards=crowded,
    )
