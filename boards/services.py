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
from boards.models import Card, CardEvent, Day, Flag, Interest, Room, Slot

HOST = "host"
ATTENDEE = "attendee"


class SlotUnavailable(Exception):
    """The slot cannot take a card now; `reason` says why, in words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SlotTaken(SlotUnavailable):
    def __init__(self, reason: str = "Someone else has just taken this slot."):
        super().__init__(reason)


class CardNotOnBoard(Exception):
    """The card is not in a state the action applies to; the message says which."""


def boards_changed(*day_ids: int) -> None:
    """Bump the boards' versions in the current transaction, and the generation with them."""
    Day.objects.filter(pk__in=day_ids).update(version=F("version") + 1)
    caching.boards_changed()


def chair_actor(user) -> str:
    """How a chair's account is named in a card's history."""
    return f"chair {user.get_username()}"


def card_snapshot(card: Card) -> dict[str, str | int]:
    """What the history keeps of a card at one moment (never its email)."""
    return {
        "title": card.title,
        "description": card.description,
        "host_name": card.host_name,
        "host_handle": card.host_handle,
        "status": card.status,
        "slot": str(card.slot),
        "slot_id": card.slot_id,
        "removed_reason": card.removed_reason,
    }


def _record(*, card: Card, actor: str, action: str, before: dict | None = None) -> None:
    CardEvent.objects.create(
        card=card, actor=actor, action=action, before=before or {}, after=card_snapshot(card)
    )


def _lock_and_refresh(card: Card) -> None:
    """Lock the card's row and read its current state: a chair's screen may be stale."""
    Card.objects.select_for_update().filter(pk=card.pk).values_list("pk").first()
    card.refresh_from_db()


def _locked_slot(slot_id: int) -> Slot:
    # select_for_update serialises claimers on PostgreSQL; on SQLite the IMMEDIATE
    # transaction mode does. Either way the partial unique constraint has the last word.
    return Slot.objects.select_for_update().select_related("day", "room").get(pk=slot_id)


def _check_claimable(slot: Slot, now: dt.datetime) -> None:
    if slot.holding_card is not None:
        raise SlotTaken()
    if reason := slot.unavailable_reason(now):
        raise SlotUnavailable(reason)


def _pin(*, card: Card, slot: Slot, status: str = Card.Status.ACTIVE) -> None:
    """Save `card` as the card holding `slot`, or raise SlotTaken if the database says no."""
    card.slot = slot
    card.status = status
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
    _record(card=card, actor=HOST, action=CardEvent.Action.CLAIMED)
    boards_changed(slot.day_id)
    return card, token


@transaction.atomic
def card_update(
    *,
    card: Card,
    title: str,
    host_name: str,
    description: str = "",
    host_handle: str = "",
    actor: str = HOST,
) -> Card:
    """Change a card's text; its slot stays."""
    before = card_snapshot(card)
    card.title = title
    card.description = description
    card.host_name = host_name
    card.host_handle = host_handle
    card.save(update_fields=["title", "description", "host_name", "host_handle", "updated_at"])
    _record(card=card, actor=actor, action=CardEvent.Action.EDITED, before=before)
    boards_changed(card.slot.day_id)
    return card


def _chair_refusal(slot: Slot) -> str:
    """Why the chair cannot put a card on `slot`; the chair is not bound by the hours."""
    if slot.is_blocked:
        return f"{slot} is blocked: {slot.blocked_reason}."
    if slot.holding_card is not None:
        return f"{slot} has been taken meanwhile."
    return ""


@transaction.atomic
def card_move(*, card: Card, to_slot: Slot, now: dt.datetime, actor: str = HOST) -> Card:
    """Move a card to another slot.

    A host may move only to a slot that can be claimed now; the chair (any actor other
    than the host) to any free, unblocked slot, whatever the time.
    """
    if card.status == Card.Status.RELEASED:
        raise CardNotOnBoard(f"“{card}” was released by its host; it cannot be moved.")
    to_slot = _locked_slot(to_slot.pk)
    if actor == HOST:
        _check_claimable(to_slot, now)
    elif reason := _chair_refusal(to_slot):
        raise SlotTaken(reason) if to_slot.holding_card else SlotUnavailable(reason)
    before = card_snapshot(card)
    from_day_id = card.slot.day_id
    # A hidden card stays hidden; a removed one the chair moves is back on the board.
    if card.status == Card.Status.REMOVED:
        card.removed_reason = ""
    status = Card.Status.HIDDEN if card.status == Card.Status.HIDDEN else Card.Status.ACTIVE
    _pin(card=card, slot=to_slot, status=status)
    _record(card=card, actor=actor, action=CardEvent.Action.MOVED, before=before)
    boards_changed(from_day_id, to_slot.day_id)
    return card


@transaction.atomic
def card_release(*, card: Card) -> Card:
    """The host takes their card down. It is kept for the record; the slot is free again."""
    _set_status(card, Card.Status.RELEASED, actor=HOST, action=CardEvent.Action.RELEASED)
    return card


def _set_status(card: Card, status: str, *, actor: str, action: str, **fields) -> None:
    """Change a card's status (and `fields`), keep it in the history, refresh its board."""
    before = card_snapshot(card)
    card.status = status
    for name, value in fields.items():
        setattr(card, name, value)
    card.save(update_fields=["status", *fields, "updated_at"])
    _record(card=card, actor=actor, action=action, before=before)
    boards_changed(card.slot.day_id)


@transaction.atomic
def card_remove(*, card: Card, reason: str, actor: str) -> Card:
    """The chair takes a card down with a reason the host sees; the slot is free again."""
    _lock_and_refresh(card)
    if card.status not in Card.HOLDING:
        raise CardNotOnBoard(f"“{card}” is not on the board ({card.get_status_display()}).")
    _clear_flags(card)
    _set_status(
        card,
        Card.Status.REMOVED,
        actor=actor,
        action=CardEvent.Action.REMOVED,
        removed_reason=reason,
    )
    return card


@transaction.atomic
def card_restore(*, card: Card, actor: str) -> Card:
    """Put a removed or hidden card back on the board, on its own slot.

    A hidden card still holds its slot. A removed card's slot may have been taken or
    blocked meanwhile: then SlotUnavailable says so, and the chair can move it instead.
    """
    _lock_and_refresh(card)
    before = card_snapshot(card)
    if card.status == Card.Status.HIDDEN:
        card.status = Card.Status.ACTIVE
        card.save(update_fields=["status", "updated_at"])
    elif card.status == Card.Status.REMOVED:
        slot = _locked_slot(card.slot_id)
        if reason := _chair_refusal(slot):
            raise SlotUnavailable(f"Cannot restore “{card}”: {reason} Move it instead.")
        card.removed_reason = ""
        _pin(card=card, slot=slot)
    else:
        raise CardNotOnBoard(
            f"“{card}” cannot be restored: it is {card.get_status_display().lower()}."
        )
    _clear_flags(card)
    _record(card=card, actor=actor, action=CardEvent.Action.RESTORED, before=before)
    boards_changed(card.slot.day_id)
    return card


def _clear_flags(card: Card) -> int:
    return card.flags.filter(cleared_at__isnull=True).update(cleared_at=timezone.now())


@transaction.atomic
def card_flag(*, card: Card, reason: str, reporter: str) -> Card:
    """An attendee flags a card with a reason; once OPENSPACES_FLAG_LIMIT different
    reporters (client addresses, hashed) have open flags on it, it is hidden for review.
    A second report from the same reporter counts once, cookies or not."""
    card = Card.objects.select_for_update().select_related("slot").get(pk=card.pk)
    open_flags = card.flags.filter(cleared_at__isnull=True)
    if not card.is_active or open_flags.filter(reporter=reporter).exists():
        return card
    Flag.objects.create(card=card, reason=reason, reporter=reporter)
    _record(card=card, actor=ATTENDEE, action=CardEvent.Action.FLAGGED)
    reporters = open_flags.values("reporter").distinct().count()
    if reporters >= settings.OPENSPACES_FLAG_LIMIT:
        _set_status(card, Card.Status.HIDDEN, actor=ATTENDEE, action=CardEvent.Action.HIDDEN)
    return card


@transaction.atomic
def card_flags_clear(*, card: Card, actor: str) -> Card:
    """The chair answers the flags: the card stays (or goes back) on the board."""
    _lock_and_refresh(card)
    if card.status == Card.Status.HIDDEN:
        return card_restore(card=card, actor=actor)
    if _clear_flags(card):
        _record(card=card, actor=actor, action=CardEvent.Action.FLAGS_CLEARED)
    return card


@transaction.atomic
def slot_block(*, slot: Slot, reason: str) -> Slot:
    """Block a slot with a reason shown on the board (an empty reason unblocks it)."""
    slot.blocked_reason = reason
    slot.save(update_fields=["blocked_reason"])  # boards.signals bumps the board
    return slot


@transaction.atomic
def slots_block(*, slot_ids: list[int], reason: str) -> list[Slot]:
    """Block many slots with one reason shown on the board; an empty reason unblocks.

    A slot holding a card is not blocked (the chair moves or removes the card first);
    those slots are returned so the chair is told.
    """
    slots = Slot.objects.select_for_update().filter(pk__in=slot_ids)
    refused = list(slots.filter(cards__status__in=Card.HOLDING)) if reason else []
    changed = slots.exclude(pk__in=[slot.pk for slot in refused])
    day_ids = set(changed.values_list("day_id", flat=True))
    changed.update(blocked_reason=reason)
    boards_changed(*day_ids)
    return refused


@transaction.atomic
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


@transaction.atomic
def interest_set(*, card: Card, browser_key: str, interested: bool, now: dt.datetime) -> int:
    """Say (or take back) that one browser is interested in `card`; returns the new count.

    Idempotent: saying it twice counts once, by the interest_one_per_browser
    constraint, so concurrent clicks from many browsers (or a double tap) stay exact.
    """
    if not card.is_active:
        raise CardNotOnBoard("Interest can only be shown in a card that is on the board.")
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
        caching.boards_changed()
