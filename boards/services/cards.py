"""Cards: claim, edit, move, release; the chair's moderation; attendees' flags."""

import dataclasses
import datetime as dt
import enum
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from boards import notifications, timeline
from boards.models import SLOT_LENGTH, Card, CardEvent, Day, Flag, Refusal, Room, Slot
from boards.services import (
    CardNotOnBoard,
    LinkUsed,
    NotAllowed,
    NotesClosed,
    SlotTaken,
    SlotUnavailable,
)
from boards.services._write import lock_card, lock_slot, write
from boards.services.grid import bump_board_versions

if TYPE_CHECKING:
    from boards import lost_links


class Role(enum.StrEnum):
    """Who acts on a card, and so what they may do: the one answer to "who may ...?".

    ========  =====================================================================
    HOST      claims a slot the board takes claims for now (Slot.refusal); edits,
              moves (to such a slot) and releases their own card while it is on the
              board: the views let only the card's manage link in.
              After the hour has begun, and until OPENSPACES_NOTES_DAYS after the
              conference's last day, leaves notes, links and a head count on it.
    CHAIR     moderates: edits any card (its notes whenever); moves any card not
              released, and claims, onto any free, unblocked slot, whatever the hour;
              removes, restores, clears flags and notes.
    SYSTEM    a command acting for the conference (load_demo): claims any free,
              unblocked slot whatever the hour (a demo has cards earlier today), as
              a host's card. Nothing else: it does not moderate.
    ATTENDEE  flags a card (card_flag). Nothing else.
    ========  =====================================================================
    """

    HOST = "host"
    CHAIR = "chair"
    SYSTEM = "system"
    ATTENDEE = "attendee"


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who does a write: their role (what they may do) and their label, which a card's
    history keeps (CardEvent.actor: "host", "attendee", "chair <username>", "demo")."""

    role: Role
    label: str

    @classmethod
    def chair(cls, username: str) -> "Actor":
        return cls(Role.CHAIR, f"chair {username}")

    @property
    def keeps_to_the_hours(self) -> bool:
        """True when this actor claims and moves only onto a slot the board takes claims
        for at that moment; the chair and the system onto any free, unblocked slot."""
        return self.role is Role.HOST

    def require(self, *roles: Role) -> None:
        """Raise NotAllowed unless the actor has one of `roles` (see Role)."""
        if self.role not in roles:
            raise NotAllowed(gettext("This change is not yours to make."))


HOST = Actor(Role.HOST, "host")
ATTENDEE = Actor(Role.ATTENDEE, "attendee")
DEMO = Actor(Role.SYSTEM, "demo")


def card_snapshot(card: Card) -> dict[str, object]:
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
        "notes": card.notes,
        "links": list(card.links),
        "attendance": card.attendance,
    }


def _record(
    *,
    card: Card,
    actor: Actor,
    action: str,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> CardEvent:
    """Keep the change in the card's history; a change its host did not make is told to
    them (the manage page reads the history; a mail goes out once the write commits)."""
    event = CardEvent.objects.create(
        card=card,
        actor=actor.label,
        action=action,
        before=before or {},
        after=after or card_snapshot(card),
        reason=reason,
    )
    if event.told_to_host and card.email:
        notifications.tell_host(event=event)
    return event


def _check_slot(slot: Slot, now: dt.datetime, actor: Actor) -> None:
    """Raise SlotTaken or SlotUnavailable, in the actor's words, unless `slot` (locked and
    read afresh) can take a card at `now`: Slot.refusal decides, for host and chair alike."""
    refusal = slot.refusal(now, keeps_to_the_hours=actor.keeps_to_the_hours)
    if refusal is None:
        return
    if actor.keeps_to_the_hours:
        # A host: the slot was free when their form was shown.
        if refusal is Refusal.TAKEN:
            raise SlotTaken()
        raise SlotUnavailable(slot.unavailable_reason(now))
    why = _chair_words(slot, refusal)
    raise SlotTaken(why) if refusal is Refusal.TAKEN else SlotUnavailable(why)


def _chair_words(slot: Slot, refusal: Refusal) -> str:
    """The chair's words for a refusal: they name the slot (an action covers many)."""
    if refusal is Refusal.BLOCKED:
        return gettext("%(slot)s is blocked: %(reason)s.") % {
            "slot": slot,
            "reason": slot.blocked_reason,
        }
    return gettext("%(slot)s has been taken meanwhile.") % {"slot": slot}


@dataclasses.dataclass(frozen=True)
class ClaimResult:
    """What a claim came to: the card holding the slot and its private manage token;
    `repeated` when it was this browser's same claim sent again (nothing was written)."""

    card: Card
    token: str
    repeated: bool = False


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
    browser: str = "",
    language: str = "",
    actor: Actor = HOST,
    idea_id: int | None = None,
) -> ClaimResult:
    """Pin a new card on a free slot: where a claim is decided.

    Raises SlotUnavailable (or SlotTaken) with the reason when the slot cannot take it
    (Slot.refusal: a host keeps to the hours; the chair and the system do not).
    `browser` names the browser that claims (its CSRF cookie; empty: unknown). The same
    browser's same claim on the same slot within Card.REPEAT_WINDOW is one claim: the
    result is that card, `repeated`, and nothing is written (Card.claim_token says how).
    `idea_id`: the idea on the wall this card hosts ("Host this"), linked if it is still
    there (services.ideas.idea_hosted); several cards may host one idea.
    `language` is the host's, which the mails telling them of changes speak.
    """
    actor.require(Role.HOST, Role.CHAIR, Role.SYSTEM)
    slot = lock_slot(slot.pk)
    text = {
        "title": title,
        "description": description,
        "host_name": host_name,
        "host_handle": host_handle,
        "email": email,
    }
    token = Card.claim_token(browser=browser, slot_id=slot.pk, text=text) if browser else ""
    held = slot.holding_card
    if token and held is not None and held.repeats(token, now):
        return ClaimResult(card=held, token=token, repeated=True)
    _check_slot(slot, now, actor)
    if not token or slot.cards.filter(manage_token_hash=Card.hash_token(token)).exists():
        # A released card with the same text from the same browser: this is a new claim.
        token = secrets.token_urlsafe(32)
    card = Card(**text, language=language, manage_token_hash=Card.hash_token(token))
    _pin(card=card, slot=slot)
    _record(card=card, actor=actor, action=CardEvent.Action.CLAIMED)
    if idea_id is not None:
        # Imported here: services.ideas builds on this module's Actor.
        from boards.services.ideas import idea_hosted

        if idea_hosted(idea_id=idea_id, card_id=card.pk, actor=actor):
            card.idea_id = idea_id
    # The day and the generation last, as every write locks them: the wall (idea_hosted)
    # before them, or this claim and a new idea would wait for each other in a circle.
    bump_board_versions(slot.day_id)
    return ClaimResult(card=card, token=token)


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
    actor: Actor = HOST,
) -> Card:
    """Change a card's text; its slot stays.

    The host can change only a card on the board (CardNotOnBoard says why not); the
    chair any card, its status untouched.
    """
    actor.require(Role.HOST, Role.CHAIR)
    lock_card(card)
    if actor.role is Role.HOST:
        _refuse_host(card, gettext("Your changes were not saved."))
    before = card_snapshot(card)
    card.title = title
    card.description = description
    card.host_name = host_name
    card.host_handle = host_handle
    card.save(update_fields=["title", "description", "host_name", "host_handle", "updated_at"])
    _record(card=card, actor=actor, action=CardEvent.Action.EDITED, before=before)
    bump_board_versions(card.slot.day_id)
    return card


@write
def card_move(
    *, card: Card, to_slot: Slot, now: dt.datetime, actor: Actor = HOST, reason: str = ""
) -> Card:
    """Move a card to another slot.

    A host may move only a card on the board, and only to a slot that can be claimed
    now; the chair any card not released, to any free, unblocked slot, whatever the time,
    with a `reason` its host is told.
    """
    actor.require(Role.HOST, Role.CHAIR)
    to_slot = lock_card(card, to_slot)[to_slot.pk]
    if actor.role is Role.HOST:
        _refuse_host(card, gettext("It was not moved."))
    elif card.status == Card.Status.RELEASED:
        raise CardNotOnBoard(
            gettext("“%(card)s” was released by its host; it cannot be moved.") % {"card": card}
        )
    if to_slot.pk == card.slot_id:
        raise SlotUnavailable(
            gettext("“%(card)s” is already on %(slot)s.") % {"card": card, "slot": to_slot}
        )
    _check_slot(to_slot, now, actor)
    before = card_snapshot(card)
    from_day_id = card.slot.day_id
    # A hidden card stays hidden; a removed one the chair moves is back on the board.
    fields = []
    if card.status == Card.Status.REMOVED:
        card.removed_reason = ""
        fields.append("removed_reason")
    status = Card.Status.HIDDEN if card.status == Card.Status.HIDDEN else Card.Status.ACTIVE
    _pin(card=card, slot=to_slot, status=status, fields=fields)
    _record(card=card, actor=actor, action=CardEvent.Action.MOVED, before=before, reason=reason)
    bump_board_versions(from_day_id, to_slot.day_id)
    return card


@write
def card_release(*, card: Card) -> Card:
    """The host takes their card down. It is kept for the record; the slot is free again.

    Only a card on the board: CardNotOnBoard says why not (the chair's reason).
    """
    lock_card(card)
    _refuse_host(card, gettext("It was not released."))
    _set_status(card, Card.Status.RELEASED, actor=HOST, action=CardEvent.Action.RELEASED)
    return card


@write
def card_token_renew(*, card: Card, token: str, key: "lost_links.Key") -> Card:
    """Give the card the manage token `token`, through a lost-link key: the old link stops
    working, and so does the key (it is bound to the old token). The same renewal sent
    again (a double tap: the same `token`) changes nothing; any other raises LinkUsed."""
    lock_card(card)
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


def _set_status(
    card: Card, status: str, *, actor: Actor, action: str, reason: str = "", **fields: str
) -> None:
    """Change a card's status (and `fields`), keep it in the history, refresh its board."""
    before = card_snapshot(card)
    card.status = status
    for name, value in fields.items():
        setattr(card, name, value)
    card.save(update_fields=["status", *fields, "updated_at"])
    _record(card=card, actor=actor, action=action, before=before, reason=reason)
    bump_board_versions(card.slot.day_id)


@write
def card_remove(*, card: Card, reason: str, actor: Actor) -> Card:
    """The chair takes a card down with a reason the host sees; the slot is free again."""
    actor.require(Role.CHAIR)
    lock_card(card)
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
        reason=reason,
        removed_reason=reason,
    )
    return card


@write
def card_restore(*, card: Card, actor: Actor) -> Card:
    """Put a removed or hidden card back on the board, on its own slot.

    A hidden card still holds its slot. A removed card's slot may have been taken or
    blocked meanwhile: then SlotUnavailable says so, and the chair can move it instead.
    """
    actor.require(Role.CHAIR)
    lock_card(card)
    before = card_snapshot(card)
    if card.status == Card.Status.HIDDEN:
        card.status = Card.Status.ACTIVE
        card.save(update_fields=["status", "updated_at"])
    elif card.status == Card.Status.REMOVED:
        if refusal := card.slot.refusal(timezone.now(), keeps_to_the_hours=False):
            raise SlotUnavailable(
                gettext("Cannot restore “%(card)s”: %(reason)s Move it instead.")
                % {"card": card, "reason": _chair_words(card.slot, refusal)}
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
    bump_board_versions(card.slot.day_id)
    return card


def _clear_flags(card: Card) -> int:
    return card.flags.filter(cleared_at__isnull=True).update(cleared_at=timezone.now())


@write
def card_flag(*, card: Card, reason: str, reporter: str) -> Card:
    """An attendee flags a card with a reason; once OPENSPACES_FLAG_LIMIT different
    reporters (client addresses, hashed) have open flags on it, it is hidden for review.
    A second report from the same reporter counts once, cookies or not."""
    lock_card(card)
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
def card_flags_clear(*, card: Card, actor: Actor) -> Card:
    """The chair answers the flags: the card stays (or goes back) on the board."""
    actor.require(Role.CHAIR)
    lock_card(card)
    if card.status == Card.Status.HIDDEN:
        return card_restore(card=card, actor=actor)
    if _clear_flags(card):
        _record(card=card, actor=actor, action=CardEvent.Action.FLAGS_CLEARED)
    return card


@write
def card_email_set(*, card: Card, email: str) -> bool:
    """The host adds, changes or (empty) takes away the address they are told at; True
    when it changed. The history says it changed, never the address."""
    lock_card(card)
    if card.email == email:
        return False
    card.email = email
    # Nothing a board or a calendar shows changes: updated_at (the calendar's SEQUENCE)
    # stays, and no board version moves.
    card.save(update_fields=["email"])
    _record(card=card, actor=HOST, action=CardEvent.Action.EMAIL_CHANGED)
    return True


@write
def room_renamed(*, room: Room, before: Room, now: dt.datetime, actor: Actor) -> int:
    """The chair renamed or relocated `room` (already saved; `before` as it was): the host
    of every card in it that has not ended is told where it is now. Returns how many."""
    actor.require(Role.CHAIR)
    if (room.name, room.location) == (before.name, before.location):
        return 0
    told = 0
    not_ended = now - SLOT_LENGTH
    held = Card.objects.holding().filter(slot__room=room, slot__starts_at__gt=not_ended)
    for card in held.order_by("pk"):
        place = {"room": before.name, "location": before.location}
        now_place = {"room": room.name, "location": room.location}
        _record(
            card=card,
            actor=actor,
            action=CardEvent.Action.ROOM_CHANGED,
            before=place,
            after=now_place,
        )
        told += 1
    return told


# After the hour -------------------------------------------------------------------------

NOTES_FIELDS = ["notes", "links", "attendance"]


def _refuse_notes(card: Card, now: dt.datetime) -> None:
    """A host leaves notes on their card on the board, from the start of its hour until
    OPENSPACES_NOTES_DAYS after the conference's last day; NotesClosed says why not."""
    _refuse_host(card, gettext("Your notes were not saved."))
    if now < card.slot.starts_at:
        raise NotesClosed(gettext("Notes open when your hour begins; come back then or after it."))
    last_date = Day.objects.order_by("-date").values_list("date", flat=True).first()
    closes_at = timeline.notes_close_at(
        last_date or card.slot.day.date, settings.OPENSPACES_NOTES_DAYS
    )
    if now >= closes_at:
        raise NotesClosed(
            gettext(
                "Notes closed %(days)s days after the conference; the Open Spaces chair "
                "can still change them for you."
            )
            % {"days": settings.OPENSPACES_NOTES_DAYS}
        )


@write
def card_notes(
    *,
    card: Card,
    notes: str,
    links: list[str],
    attendance: int | None,
    now: dt.datetime,
    actor: Actor = HOST,
) -> Card:
    """What came out of the hour: notes, links (http(s), checked by the form) and how
    many came. The host while the notes are open (_refuse_notes); the chair always.
    Nothing written when nothing changed; otherwise one entry in the history."""
    actor.require(Role.HOST, Role.CHAIR)
    lock_card(card)
    if actor.role is Role.HOST:
        _refuse_notes(card, now)
    if (card.notes, list(card.links), card.attendance) == (notes, links, attendance):
        return card
    before = card_snapshot(card)
    card.notes, card.links, card.attendance = notes, links, attendance
    card.save(update_fields=[*NOTES_FIELDS, "updated_at"])
    _record(card=card, actor=actor, action=CardEvent.Action.NOTES, before=before)
    # The proceedings and the schedule feed are cached under the boards' versions.
    bump_board_versions(card.slot.day_id)
    return card


@write
def card_notes_clear(*, card: Card, actor: Actor) -> Card:
    """The chair takes down a card's notes and links (spam, abuse); the head count stays."""
    actor.require(Role.CHAIR)
    lock_card(card)
    if not card.notes and not card.links:
        return card
    before = card_snapshot(card)
    card.notes, card.links = "", []
    card.save(update_fields=["notes", "links", "updated_at"])
    _record(card=card, actor=actor, action=CardEvent.Action.NOTES_CLEARED, before=before)
    bump_board_versions(card.slot.day_id)
    return card


class Reminder(enum.StrEnum):
    """What the notes reminder of a card should do at a moment (card_reminder)."""

    SEND = "send"  # the hour is over: ask now (recorded: never again)
    LATER = "later"  # the card moved to a later hour: ask after that one
    NONE = "none"  # asked already, no email, or the card is not on the board


@write
def card_reminder(*, card: Card, now: dt.datetime) -> Reminder:
    """Decide, under the card's lock, whether its host is asked for notes now; SEND is
    recorded (reminded_at) in the same transaction, so each card's host is asked once
    however many reminders were queued for it."""
    lock_card(card)
    if card.reminded_at is not None or not card.email or not card.is_active:
        return Reminder.NONE
    if now < card.slot.ends_at:
        return Reminder.LATER
    card.reminded_at = now
    # Not updated_at: nothing anyone sees changed (it is the calendar's SEQUENCE).
    card.save(update_fields=["reminded_at"])
    return Reminder.SEND
