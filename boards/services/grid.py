"""The grid: slots, their blocks, and the slots of a room added later."""

from boards.models import Card, Room, Slot
from boards.services._write import boards_changed, lock_slot, lock_slots, write


@write
def slot_block(*, slot: Slot, reason: str) -> Slot:
    """Block a slot with a reason shown on the board (an empty reason unblocks it).

    Unlike `slots_block` it does not look at the slot's card: the chair's own call.
    """
    locked = lock_slot(slot.pk)
    locked.blocked_reason = slot.blocked_reason = reason
    locked.save(update_fields=["blocked_reason"])  # boards.signals bumps the board
    return slot


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
    boards_changed(*{slot.day_id for slot in changed})
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
    boards_changed(*{slot.day_id for slot in new_slots})
    return len(new_slots)
