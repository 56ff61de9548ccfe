"""Every write to the boards. Keyword-only, typed, atomic.

A write that changes what a day's board shows bumps that day's version in the same
transaction (`_board_changed`), so cached boards and ETags follow at once.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from boards import caching, timeline
from boards.models import Card, Day, Interest, Room, Slot


class SlotUnavailable(Exception):
    """The slot cannot take a card now; `reason` says why, in words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SlotTaken(SlotUnavailable):
    def __init__(self, reason: str = "Someone else has just taken this slot."):
        super().__init__(reason)


def boards_changed(*day_ids: int) -> None:
    """Bump the boards' versions in the current transaction; the cache forgets at commit."""
    Day.objects.filter(pk__in=day_ids).update(version=F("version") + 1)
    transaction.on_commit(caching.forget_boards)


def _locked_slot(slot_id: int) -> Slot:
    # select_for_update serialises claimers on PostgreSQL; on SQLite the IMMEDIATE
    # transaction mode does. Either way the partial unique constraint has the last word.
    return Slot.objects.select_for_update().select_related("day", "room").get(pk=slot_id)


def _check_claimable(slot: Slot, now: dt.datetime) -> None:
    if slot.active_card is not None:
        raise SlotTaken()
    if reason := slot.unavailable_reason(now):
        raise SlotUnavailable(reason)


def _pin(*, card: Card, slot: Slot) -> None:
    """Save `card` as the active card of `slot`, or raise SlotTaken if the database says no."""
    card.slot = slot
    card.status = Card.Status.ACTIVE
    try:
        with transaction.atomic():
            card.save()
    except IntegrityError as error:
        # The only constraint a card save can break is card_one_active_per_slot
        # (PostgreSQL names it; SQLite reports its column).
        message = str(error)
        if "card_one_active_per_slot" in message or "boards_card.slot_id" in message:
            raise SlotTaken() from error
        raise


@transaction.atomic
def card_claim(
    *,
    slot: Slot,
    title: str,
    host_name: str,
    description: str = "",
    host_handle: str = "",
    email: str = "",
    now: dt.datetime,
) -> tuple[Card, str]:
    """Pin a new card on a free slot. Returns the card and its private manage token.

    Raises SlotUnavailable (or SlotTaken) with the reason when the slot cannot be claimed.
    """
    slot = _locked_slot(slot.pk)
    _check_claimable(slot, now)
    token = secrets.token_urlsafe(32)
    card = Card(
        title=title,
        description=description,
        host_name=host_name,
        host_handle=host_handle,
        email=email,
        manage_token_hash=Card.hash_token(token),
    )
    _pin(card=card, slot=slot)
    boards_changed(slot.day_id)
    return card, token


@transaction.atomic
def card_update(
    *, card: Card, title: str, host_name: str, description: str = "", host_handle: str = ""
) -> Card:
    """Change a card's text; its slot stays."""
    card.title = title
    card.description = description
    card.host_name = host_name
    card.host_handle = host_handle
    card.save(update_fields=["title", "description", "host_name", "host_handle", "updated_at"])
    boards_changed(card.slot.day_id)
    return card


@transaction.atomic
def card_move(*, card: Card, to_slot: Slot, now: dt.datetime) -> Card:
    """Move an active card to another slot that can be claimed now."""
    to_slot = _locked_slot(to_slot.pk)
    _check_claimable(to_slot, now)
    from_day_id = card.slot.day_id
    _pin(card=card, slot=to_slot)
    boards_changed(from_day_id, to_slot.day_id)
    return card


@transaction.atomic
def card_release(*, card: Card) -> Card:
    """The host takes their card down. It is kept for the record; the slot is free again."""
    card.status = Card.Status.RELEASED
    card.save(update_fields=["status", "updated_at"])
    boards_changed(card.slot.day_id)
    return card


@transaction.atomic
def slot_block(*, slot: Slot, reason: str) -> Slot:
    """Block a slot with a reason shown on the board (an empty reason unblocks it)."""
    slot.blocked_reason = reason
    slot.save(update_fields=["blocked_reason"])  # boards.signals bumps the board
    return slot


def conference_setup(
    *,
    first_day: dt.date,
    days: int,
    rooms: list[str],
    hours: tuple[int, int],
    reception: dt.datetime,
) -> dict[str, int]:
    """Create the days, rooms and hour-long slots of a conference; what exists is kept.

    The first day's board opens at `reception`; each later day's board opens when the
    previous day begins. Existing days keep the opening time the chair may have set.
    Returns how many days, rooms and slots were created.
    """
    first_hour, last_hour = hours
    if not 0 <= first_hour < last_hour <= 24:
        raise ValueError("Hours must be two whole hours between 0 and 24, the first earlier.")
    if days < 1:
        raise ValueError("There must be at least one day.")
    first_start = timezone.make_aware(dt.datetime.combine(first_day, dt.time(first_hour)))
    if reception >= first_start:
        raise ValueError("The reception must be before the first day's first slot.")
    created = {"days": 0, "rooms": 0, "slots": 0}
    with transaction.atomic():
        room_objects = []
        next_position = (Room.objects.aggregate(last=Max("position"))["last"] or 0) + 1
        for name in rooms:
            room, was_created = Room.objects.get_or_create(
                name=name, defaults={"position": next_position}
            )
            next_position += was_created
            created["rooms"] += was_created
            room_objects.append(room)
        for offset in range(days):
            date = first_day + dt.timedelta(days=offset)
            previous_midnight = dt.datetime.combine(date - dt.timedelta(days=1), dt.time.min)
            opens_at = reception if offset == 0 else timezone.make_aware(previous_midnight)
            day, was_created = Day.objects.get_or_create(
                date=date, defaults={"board_opens_at": opens_at}
            )
            created["days"] += was_created
            existing = set(Slot.objects.filter(day=day).values_list("room_id", "starts_at"))
            new_slots = []
            for hour in range(first_hour, last_hour):
                starts_at = timezone.make_aware(dt.datetime.combine(date, dt.time(hour)))
                new_slots.extend(
                    Slot(day=day, room=room, starts_at=starts_at)
                    for room in room_objects
                    if (room.pk, starts_at) not in existing
                )
            Slot.objects.bulk_create(new_slots)
            created["slots"] += len(new_slots)
            if new_slots:
                boards_changed(day.pk)
    return created


# Interest -----------------------------------------------------------------------------


class CardNotOnBoard(Exception):
    """Interest can only be shown in a card that is on the board."""


@transaction.atomic
def interest_set(*, card: Card, browser_key: str, interested: bool, now: dt.datetime) -> int:
    """Say (or take back) that one browser is interested in `card`; returns the new count.

    Idempotent: saying it twice counts once, by the interest_one_per_browser
    constraint, so concurrent clicks from many browsers (or a double tap) stay exact.
    """
    if not card.is_active:
        raise CardNotOnBoard()
    if interested:
        try:
            with transaction.atomic():
                Interest.objects.create(card=card, browser_key=browser_key)
            changed = True
        except IntegrityError:
            changed = False
    else:
        deleted, _ = Interest.objects.filter(card=card, browser_key=browser_key).delete()
        changed = deleted > 0
    if changed:
        _interest_changed(day_id=card.slot.day_id, now=now)
    return card.interests.count()


def _interest_changed(*, day_id: int, now: dt.datetime) -> None:
    """Ask for the day's interest counts to be published at the next window.

    The board's version is not bumped: see boards.timeline.interest_mark.
    """
    window = timeline.interest_window(now, settings.OPENSPACES_INTEREST_WINDOW)
    day = Day.objects.select_for_update().only("interest_epoch", "interest_pending").get(pk=day_id)
    epoch = day.interest_epoch
    if day.interest_pending and day.interest_pending <= window:
        epoch = day.interest_pending  # the earlier change has been published by now
    if (epoch, window + 1) != (day.interest_epoch, day.interest_pending):
        Day.objects.filter(pk=day_id).update(interest_epoch=epoch, interest_pending=window + 1)
        transaction.on_commit(caching.forget_boards)
