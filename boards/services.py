"""Every write to the boards. Keyword-only, typed, atomic.

A write that changes what a day's board shows bumps that day's version in the same
transaction (`boards_changed`), so cached boards and ETags follow at once.

The write discipline, the same for every card and slot write (`@write`):

1. One transaction, retried a few times when the database reports a deadlock or a
   serialization failure; past that the write fails with `Busy`, which views answer
   like a lost race (409, the text kept), never as an outage.
2. Rows are locked in one fixed order: slots by id, then the card, then the days
   whose board version is bumped (by id). Two writes that lock in the same order
   cannot deadlock each other.
3. The state is read again after the lock and the decision is taken on that, never on
   what a page or a request read before: a removed card cannot be moved back.
4. Only the fields that change are written (`update_fields`), so a concurrent write
   to other fields is never overwritten with stale values.

On SQLite every write transaction takes the database's write lock at BEGIN
(transaction_mode IMMEDIATE), so 2 and 3 hold there too; `select_for_update` is
ignored and the re-read does the work.
"""

import dataclasses
import datetime as dt
import functools
import logging
import random
import secrets
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext

from boards import caching, timeline
from boards.models import Card, CardEvent, Day, Flag, Interest, Room, Slot

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    from boards import lost_links

HOST = "host"
ATTENDEE = "attendee"
# A claim repeated by the same browser within this time is the same claim.
REPEAT_WINDOW = dt.timedelta(minutes=10)
WRITE_ATTEMPTS = 4
# PostgreSQL's SQLSTATEs for "try the transaction again": serialization_failure and
# deadlock_detected.
RETRYABLE_SQLSTATES = {"40001", "40P01"}

logger = logging.getLogger(__name__)


class SlotUnavailable(Exception):
    """The slot cannot take a card now; `reason` says why, in words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SlotTaken(SlotUnavailable):
    def __init__(self, reason: str = ""):
        super().__init__(reason or gettext("Someone else has just taken this slot."))


class Busy(SlotUnavailable):
    """The database kept refusing the write as a conflict (deadlock, serialization)."""

    def __init__(self) -> None:
        super().__init__(
            gettext(
                "Many changes reached the board at the same moment and yours could not be "
                "saved. Nothing you typed is lost: please send it again."
            )
        )


class ClaimRepeated(Exception):
    """The same browser sent the same claim again: `card` is the one it already made."""

    def __init__(self, card: Card):
        super().__init__(f"“{card}” was already claimed by this browser.")
        self.card = card


class CardNotOnBoard(Exception):
    """The card is not in a state the action applies to; the message says which."""


def is_retryable(error: BaseException) -> bool:
    """True for a deadlock or serialization failure: the same transaction may succeed."""
    cause = error.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return code in RETRYABLE_SQLSTATES


def write[**P, R](function: Callable[P, R]) -> Callable[P, R]:
    """Run a service in one transaction, retried on deadlock or serialization failure.

    Inside another transaction it only joins it: a retry must start from the
    outermost BEGIN, so the outermost `write` does it.
    """
    atomic = transaction.atomic(function)

    @functools.wraps(function)
    def attempt(*args: P.args, **kwargs: P.kwargs) -> R:
        if transaction.get_connection().in_atomic_block:
            return atomic(*args, **kwargs)
        for number in range(1, WRITE_ATTEMPTS + 1):
            try:
                return atomic(*args, **kwargs)
            except OperationalError as error:
                if not is_retryable(error):
                    raise
                logger.info("%s: attempt %s met a conflict: %s", function.__name__, number, error)
                # A little random back-off, so that the two sides of a deadlock do not
                # meet again at once.
                time.sleep(random.uniform(0.005, 0.02) * number)  # noqa: S311 not a secret
        raise Busy()

    return attempt


def boards_changed(*day_ids: int) -> None:
    """Bump the boards' versions in the current transaction, and the generation with them.

    The days are the last rows a write locks, in id order (an UPDATE of several rows
    would lock them in whatever order the database scans them); the generation (in
    boards.caching) comes after them.
    """
    ordered = sorted(set(day_ids))
    if len(ordered) > 1 and transaction.get_connection().in_atomic_block:
        list(Day.objects.select_for_update().filter(pk__in=ordered).order_by("pk").values("pk"))
    Day.objects.filter(pk__in=ordered).update(version=F("version") + 1)
    caching.boards_changed()


def chair_actor(user: "AbstractBaseUser | AnonymousUser") -> str:
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


def _lock_slots(slot_ids: Iterable[int]) -> dict[int, Slot]:
    """Lock the slots in id order and read them (with their day and room) afresh.

    select_for_update serialises claimers on PostgreSQL; on SQLite the IMMEDIATE
    transaction mode does. Either way the partial unique constraint has the last word.
    Only the slots' rows are locked (`of`), never their day's or room's: the days are
    locked last, by boards_changed. NO KEY UPDATE, because no write changes a slot's
    id, lets the foreign-key checks of other cards' inserts pass.
    """
    slots = (
        Slot.objects.select_for_update(of=("self",), no_key=True)
        .select_related("day", "room")
        .filter(pk__in=set(slot_ids))
        .order_by("pk")
    )
    return {slot.pk: slot for slot in slots}


def _lock(card: Card, *slots: Slot) -> dict[int, Slot]:
    """Lock the card's slot and `slots` (by id), then the card; re-read the card in place.

    Returns the locked slots; `card.slot` is the locked copy of its own slot. Should the
    card have moved between the caller's read and the lock, the locks are let go (a
    savepoint rolled back releases them) and taken again, in order, with its new slot.
    """
    others = {slot.pk for slot in slots}
    while True:
        savepoint = transaction.savepoint_create()
        locked = _lock_slots({card.slot_id, *others})
        slot_id = card.slot_id
        card.refresh_from_db(from_queryset=Card.objects.select_for_update(no_key=True))
        if card.slot_id == slot_id:
            transaction.savepoint_commit(savepoint)
            break
        transaction.savepoint_rollback(savepoint)
    card.slot = locked[card.slot_id]
    return locked


def _locked_slot(slot_id: int) -> Slot:
    return _lock_slots([slot_id])[slot_id]


def _check_claimable(slot: Slot, now: dt.datetime) -> None:
    if slot.holding_card is not None:
        raise SlotTaken()
    if reason := slot.unavailable_reason(now):
        raise SlotUnavailable(reason)


def _pin(
    *, card: Card, slot: Slot, status: str = Card.Status.ACTIVE, fields: Iterable[str] = ()
) -> None:
    """Save `card` as the card holding `slot`, or raise SlotTaken if the database says no.

    A new card is inserted; an existing one writes only its slot, status and `fields`.
    """
    card.slot = slot
    card.status = status
    update_fields = None if card._state.adding else ["slot", "status", *fields, "updated_at"]
    try:
        with transaction.atomic():
            card.save(update_fields=update_fields)
    except IntegrityError as error:
        # The only constraint a card save can break is card_one_active_per_slot
        # (PostgreSQL names it; SQLite reports its column).
        message = str(error)
        if "card_one_active_per_slot" in message or "boards_card.slot_id" in message:
            raise SlotTaken() from error
        raise


@write
def card_claim(
    *,
    slot: Slot,
    title: str,
    host_name: str,
    description: str = "",
    host_handle: str = "",
    email: str = "",
    now: dt.datetime,
    token: str = "",
    actor: str = HOST,
) -> tuple[Card, str]:
    """Pin a new card on a free slot. Returns the card and its private manage token.

    Raises SlotUnavailable (or SlotTaken) with the reason when the slot cannot be claimed.
    A host claims only what is claimable at `now`; any other actor (the demo, the chair)
    any free, unblocked slot, whatever the time.
    `token` is the manage token to give the card (a new random one when empty). When the
    card holding the slot already has it and was made within REPEAT_WINDOW, this is the
    same claim sent again: ClaimRepeated names that card and nothing is written.
    """
    slot = _locked_slot(slot.pk)
    held = slot.holding_card
    if (
        token
        and held is not None
        and held.token_matches(token)
        and held.created_at >= now - REPEAT_WINDOW
    ):
        raise ClaimRepeated(held)
    if actor == HOST:
        _check_claimable(slot, now)
    elif reason := _chair_refusal(slot):
        raise SlotTaken(reason) if held else SlotUnavailable(reason)
    if not token or slot.cards.filter(manage_token_hash=Card.hash_token(token)).exists():
        # A released card with the same text from the same browser: this is a new claim.
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
    _record(card=card, actor=actor, action=CardEvent.Action.CLAIMED)
    boards_changed(slot.day_id)
    return card, token


def _refuse_host(card: Card, doing: str) -> None:
    """A host changes only a card on the board; otherwise say why, in the chair's words."""
    if card.status == Card.Status.ACTIVE:
        return
    if card.status == Card.Status.REMOVED:
        if card.removed_reason:
            # The chair's words go inside a sentence that ends with its own full stop.
            why = gettext("The Open Spaces chair took this card down: %(reason)s.") % {
                "reason": card.removed_reason.rstrip(".")
            }
        else:
            why = gettext("The Open Spaces chair took this card down.")
        raise CardNotOnBoard(f"{why} {doing}")
    if card.status == Card.Status.HIDDEN:
        why = gettext(
            "Attendees reported this card, so it is hidden until the Open Spaces chair "
            "has looked at it."
        )
        raise CardNotOnBoard(f"{why} {doing}")
    why = gettext("You released this card.")
    raise CardNotOnBoard(f"{why} {doing}")


@write
def card_update(
    *,
    card: Card,
    title: str,
    host_name: str,
    description: str = "",
    host_handle: str = "",
    actor: str = HOST,
) -> Card:
    """Change a card's text; its slot stays.

    The host can change only a card on the board (CardNotOnBoard says why not); the
    chair (any other actor) any card, its status untouched.
    """
    _lock(card)
    if actor == HOST:
        _refuse_host(card, gettext("Your changes were not saved."))
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
        return gettext("%(slot)s is blocked: %(reason)s.") % {
            "slot": slot,
            "reason": slot.blocked_reason,
        }
    if slot.holding_card is not None:
        return gettext("%(slot)s has been taken meanwhile.") % {"slot": slot}
    return ""


@write
def card_move(*, card: Card, to_slot: Slot, now: dt.datetime, actor: str = HOST) -> Card:
    """Move a card to another slot.

    A host may move only a card on the board, and only to a slot that can be claimed
    now; the chair (any actor other than the host) any card not released, to any free,
    unblocked slot, whatever the time.
    """
    to_slot = _lock(card, to_slot)[to_slot.pk]
    if actor == HOST:
        _refuse_host(card, gettext("It was not moved."))
    elif card.status == Card.Status.RELEASED:
        raise CardNotOnBoard(
            gettext("“%(card)s” was released by its host; it cannot be moved.") % {"card": card}
        )
    if to_slot.pk == card.slot_id:
        raise SlotUnavailable(
            gettext("“%(card)s” is already on %(slot)s.") % {"card": card, "slot": to_slot}
        )
    if actor == HOST:
        _check_claimable(to_slot, now)
    elif reason := _chair_refusal(to_slot):
        raise SlotTaken(reason) if to_slot.holding_card else SlotUnavailable(reason)
    before = card_snapshot(card)
    from_day_id = card.slot.day_id
    # A hidden card stays hidden; a removed one the chair moves is back on the board.
    fields = []
    if card.status == Card.Status.REMOVED:
        card.removed_reason = ""
        fields.append("removed_reason")
    status = Card.Status.HIDDEN if card.status == Card.Status.HIDDEN else Card.Status.ACTIVE
    _pin(card=card, slot=to_slot, status=status, fields=fields)
    _record(card=card, actor=actor, action=CardEvent.Action.MOVED, before=before)
    boards_changed(from_day_id, to_slot.day_id)
    return card


@write
def card_release(*, card: Card) -> Card:
    """The host takes their card down. It is kept for the record; the slot is free again.

    Only a card on the board: CardNotOnBoard says why not (the chair's reason).
    """
    _lock(card)
    _refuse_host(card, gettext("It was not released."))
    _set_status(card, Card.Status.RELEASED, actor=HOST, action=CardEvent.Action.RELEASED)
    return card


class LinkUsed(Exception):
    """A lost-link key whose card has had a new manage token since: it opens nothing."""


@write
def card_token_renew(*, card: Card, token: str, key: "lost_links.Key") -> Card:
    """Give the card the manage token `token`, through a lost-link key: the old link stops
    working, and so does the key (it is bound to the old token). The same renewal sent
    again (a double tap: the same `token`) changes nothing; any other raises LinkUsed."""
    _lock(card)
    if card.token_matches(token):
        return card
    if not key.opens(card):
        raise LinkUsed()
    card.manage_token_hash = Card.hash_token(token)
    # Nothing a board or a calendar shows changes: updated_at (the calendar's SEQUENCE)
    # stays, and no board version moves.
    card.save(update_fields=["manage_token_hash"])
    _record(card=card, actor=HOST, action=CardEvent.Action.LINK_RENEWED)
    return card


def _set_status(card: Card, status: str, *, actor: str, action: str, **fields: str) -> None:
    """Change a card's status (and `fields`), keep it in the history, refresh its board."""
    before = card_snapshot(card)
    card.status = status
    for name, value in fields.items():
        setattr(card, name, value)
    card.save(update_fields=["status", *fields, "updated_at"])
    _record(card=card, actor=actor, action=action, before=before)
    boards_changed(card.slot.day_id)


@write
def card_remove(*, card: Card, reason: str, actor: str) -> Card:
    """The chair takes a card down with a reason the host sees; the slot is free again."""
    _lock(card)
    if card.status not in Card.HOLDING:
        raise CardNotOnBoard(
            gettext("“%(card)s” is not on the board (%(status)s).")
            % {"card": card, "status": card.get_status_display()}
        )
    _clear_flags(card)
    _set_status(
        card,
        Card.Status.REMOVED,
        actor=actor,
        action=CardEvent.Action.REMOVED,
        removed_reason=reason,
    )
    return card


@write
def card_restore(*, card: Card, actor: str) -> Card:
    """Put a removed or hidden card back on the board, on its own slot.

    A hidden card still holds its slot. A removed card's slot may have been taken or
    blocked meanwhile: then SlotUnavailable says so, and the chair can move it instead.
    """
    _lock(card)
    before = card_snapshot(card)
    if card.status == Card.Status.HIDDEN:
        card.status = Card.Status.ACTIVE
        card.save(update_fields=["status", "updated_at"])
    elif card.status == Card.Status.REMOVED:
        if reason := _chair_refusal(card.slot):
            raise SlotUnavailable(
                gettext("Cannot restore “%(card)s”: %(reason)s Move it instead.")
                % {"card": card, "reason": reason}
            )
        card.removed_reason = ""
        _pin(card=card, slot=card.slot, fields=["removed_reason"])
    else:
        raise CardNotOnBoard(
            gettext("“%(card)s” cannot be restored: it is %(status)s.")
            % {"card": card, "status": card.get_status_display().lower()}
        )
    _clear_flags(card)
    _record(card=card, actor=actor, action=CardEvent.Action.RESTORED, before=before)
    boards_changed(card.slot.day_id)
    return card


def _clear_flags(card: Card) -> int:
    return card.flags.filter(cleared_at__isnull=True).update(cleared_at=timezone.now())


@write
def card_flag(*, card: Card, reason: str, reporter: str) -> Card:
    """An attendee flags a card with a reason; once OPENSPACES_FLAG_LIMIT different
    reporters (client addresses, hashed) have open flags on it, it is hidden for review.
    A second report from the same reporter counts once, cookies or not."""
    _lock(card)
    open_flags = card.flags.filter(cleared_at__isnull=True)
    if not card.is_active or open_flags.filter(reporter=reporter).exists():
        return card
    Flag.objects.create(card=card, reason=reason, reporter=reporter)
    _record(card=card, actor=ATTENDEE, action=CardEvent.Action.FLAGGED)
    reporters = open_flags.values("reporter").distinct().count()
    if reporters >= settings.OPENSPACES_FLAG_LIMIT:
        _set_status(card, Card.Status.HIDDEN, actor=ATTENDEE, action=CardEvent.Action.HIDDEN)
    return card


@write
def card_flags_clear(*, card: Card, actor: str) -> Card:
    """The chair answers the flags: the card stays (or goes back) on the board."""
    _lock(card)
    if card.status == Card.Status.HIDDEN:
        return card_restore(card=card, actor=actor)
    if _clear_flags(card):
        _record(card=card, actor=actor, action=CardEvent.Action.FLAGS_CLEARED)
    return card


@write
def slot_block(*, slot: Slot, reason: str) -> Slot:
    """Block a slot with a reason shown on the board (an empty reason unblocks it).

    Unlike `slots_block` it does not look at the slot's card: the chair's own call.
    """
    locked = _locked_slot(slot.pk)
    locked.blocked_reason = slot.blocked_reason = reason
    locked.save(update_fields=["blocked_reason"])  # boards.signals bumps the board
    return slot


@write
def slots_block(*, slot_ids: list[int], reason: str) -> list[Slot]:
    """Block many slots with one reason shown on the board; an empty reason unblocks.

    A slot holding a card is not blocked (the chair moves or removes the card first);
    those slots are returned so the chair is told.
    """
    slots = _lock_slots(slot_ids).values()
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
                boards_changed(day.pk)
    return created


# Interest -----------------------------------------------------------------------------


@write
def interest_set(*, card: Card, browser_key: str, interested: bool, now: dt.datetime) -> int:
    """Say (or take back) that one browser is interested in `card`; returns the new count.

    Idempotent: saying it twice counts once, by the interest_one_per_browser
    constraint, so concurrent clicks from many browsers (or a double tap) stay exact.
    """
    if not card.is_active:
        raise CardNotOnBoard(gettext("Interest can only be shown in a card that is on the board."))
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
