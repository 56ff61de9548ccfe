"""The grid: the days' board versions, slots and their blocks, the slots of a room added
later."""

from django.db import transaction
from django.db.models import F

from boards import caching
from boards.models import Card, Day, Room, Slot
from boards.services._write import lock_slots, write


def bump_board_versions(*day_ids: int) -> None:
    """Bump these days' board versions in the current transaction, and with them the
    generation every worker reads (caching.boards_changed): every write that changes what
    a board shows calls it, so that cached boards and ETags follow at once.

    The days are the last rows a write locks, in id order (an UPDATE of several rows
    would lock them in whatever order the database scans them); the generation (in
    boards.caching) comes after them.
    """
    ordered = sorted(set(day_ids))
    if len(ordered) > 1 and transaction.get_connection().in_atomic_block:
        list(Day.objects.select_for_update().filter(pk__in=ordered).order_by("pk").values("pk"))
    Day.objects.filter(pk__in=ordered).update(version=F("version") + 1)
    caching.boards_changed()


@write
def slots_block(*, slot_ids: list[int], reason: str) -> list[Slot]:
    """Block many slots with one reason shown on the board; an empty reason unblocks.

    A slot holding a card is not blocked (the chair moves or removes the card first);
    those slots are returned so the chair is told.
    """
    slots = lock_slots(slot_ids).values()
    held = set(Card.objects.holding().filter(slot__in=slot_ids).values_list("slot_id", flat=True))
    refused = [slot for slot in slots if reason and slot.pk in held]
    changed = [slot for slot in slots if slot not in refused]
    Slot.objects.filter(pk__in=[slot.pk for slot in changed]).update(blocked_reason=reason)
    bump_board_versions(*{slot.day_id for slot in changed})
    return refused


@write
def room_slots_create(*, room: Room) -> int:
    """Give `room` a slot at every hour that each existing day already has.

    For a room added mid-conference; running it again creates nothing. Returns how many
    slots were created.
    """
    existing = set(room.slots.values_list("day_id", "starts_at"))
    hours = Slot.objects.values_list("day_id", "starts_at").distinct().order_by()
    new_slots = [
        Slot(day_id=day_id, room=room, starts_at=starts_at)
        for day_id, starts_at in hours
        if (day_id, starts_at) not in existing
    ]
    Slot.objects.bulk_create(new_slots)
    bump_board_versions(*{slot.day_id for slot in new_slots})
    return len(new_slots)
