"""A conference's days, rooms and hour-long slots, as `setup_boards` and the admin create them."""

import dataclasses
import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from boards import timeline
from boards.models import Day, Room, Slot
from boards.services.grid import bump_board_versions


@dataclasses.dataclass
class SetupResult:
    """What conference_setup created, and the notes on hours a change of the clocks moved."""

    days: int = 0
    rooms: int = 0
    slots: int = 0
    notes: list[str] = dataclasses.field(default_factory=list)


def conference_setup(
    *,
    first_day: dt.date,
    days: int,
    rooms: list[str],
    hours: tuple[int, int],
    reception: dt.datetime,
) -> SetupResult:
    """Create the days, rooms and hour-long slots of a conference; what exists is kept.

    The first day's board opens at `reception`; each later day's board opens when the
    previous day begins. Existing days keep the opening time the chair may have set.
    Returns how many days, rooms and slots were created, and the notes on the hours
    that a change of the clocks skipped or repeated (see timeline.slot_starts).
    """
    first_hour, last_hour = hours
    if not 0 <= first_hour < last_hour <= 24:
        raise ValueError(
            gettext("Hours must be two whole hours between 0 and 24, the first earlier.")
        )
    if days < 1:
        raise ValueError(gettext("There must be at least one day."))
    first_start = timezone.make_aware(dt.datetime.combine(first_day, dt.time(first_hour)))
    if reception >= first_start:
        raise ValueError(gettext("The reception must be before the first day's first slot."))
    created = SetupResult()
    with transaction.atomic():
        room_objects = []
        next_position = (Room.objects.aggregate(last=Max("position"))["last"] or 0) + 1
        for name in rooms:
            room, was_created = Room.objects.get_or_create(
                name=name, defaults={"position": next_position}
            )
            next_position += was_created
            created.rooms += was_created
            room_objects.append(room)
        for offset in range(days):
            date = first_day + dt.timedelta(days=offset)
            previous_midnight = dt.datetime.combine(date - dt.timedelta(days=1), dt.time.min)
            opens_at = reception if offset == 0 else timezone.make_aware(previous_midnight)
            day, was_created = Day.objects.get_or_create(
                date=date, defaults={"board_opens_at": opens_at}
            )
            created.days += was_created
            existing = set(Slot.objects.filter(day=day).values_list("room_id", "starts_at"))
            starts, notes = timeline.slot_starts(date, first_hour, last_hour)
            created.notes.extend(notes)
            new_slots = [
                Slot(day=day, room=room, starts_at=starts_at)
                for starts_at in starts
                for room in room_objects
                if (room.pk, starts_at) not in existing
            ]
            Slot.objects.bulk_create(new_slots)
            created.slots += len(new_slots)
            if new_slots:
                bump_board_versions(day.pk)
    return created
