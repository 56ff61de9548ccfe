"""What a host is told of a change to their card that they did not make (the chair's
move, removal, restoring or edit; hidden by attendees' reports; their room renamed or
relocated): the lines of the manage page's "What changed" and the mail, both read from
the card's history (CardEvent), so that the two always say the same.

The mail is composed by the worker (boards.tasks.tell_host), in the card's language: a
task's arguments stay a number, and nothing private waits in the tasks table.
"""

import dataclasses
import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from boards import announcements, lost_links, queries
from boards.models import Card, CardEvent, Slot


def place(slot: Slot) -> str:
    """ "Room B, May 14, 2027, 11 a.m." in the reader's language."""
    start = timezone.localtime(slot.starts_at)
    return gettext("%(room)s, %(date)s, %(time)s") % {
        "room": slot.room.name,
        "date": date_format(start, "DATE_FORMAT"),
        "time": date_format(start, "TIME_FORMAT"),
    }


def _where(name: object, location: object) -> str:
    return f"{name} ({location})" if location else str(name)


def what_changed(event: CardEvent) -> str:
    """One change, in a sentence for the host (event from queries.told_events)."""
    match event.action:
        case CardEvent.Action.MOVED:
            if event.slot_before is not None and event.slot_after is not None:
                return gettext(
                    "The Open Spaces chair moved your card from %(old)s to %(new)s."
                ) % {
                    "old": place(event.slot_before),
                    "new": place(event.slot_after),
                }
            return gettext("The Open Spaces chair moved your card.")
        case CardEvent.Action.REMOVED:
            return gettext("The Open Spaces chair took your card down; its slot is free.")
        case CardEvent.Action.RESTORED:
            return gettext("The Open Spaces chair put your card back on the board.")
        case CardEvent.Action.HIDDEN:
            return gettext(
                "Attendees reported your card, so it is hidden from the board until the "
                "Open Spaces chair has looked at it. It keeps its slot meanwhile."
            )
        case CardEvent.Action.EDITED:
            return gettext("The Open Spaces chair edited your card’s text.")
        case CardEvent.Action.ROOM_CHANGED:
            return gettext(
                "Your room changed its name or place: it was %(old)s, it is now %(new)s."
            ) % {
                "old": _where(event.before.get("room", ""), event.before.get("location", "")),
                "new": _where(event.after.get("room", ""), event.after.get("location", "")),
            }
    return str(event.get_action_display())


@dataclasses.dataclass(frozen=True)
class Notice:
    """A change told to the host: when, what, and why in the chair's words (may be empty)."""

    at: dt.datetime
    what: str
    reason: str


def for_card(card: Card) -> list[Notice]:
    """The manage page's "What changed", newest first (two queries)."""
    return [
        Notice(at=event.at, what=what_changed(event), reason=event.reason)
        for event in queries.told_events([card.pk])
    ]


@dataclasses.dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def mail(event_id: int) -> Mail | None:
    """The mail telling the host of change `event_id`, in the card's language (the one its
    host claimed in); None when there is nobody to tell (no address any more)."""
    card = queries.card_with_place(queries.card_of_event(event_id) or 0)
    if card is None or not card.email:
        return None
    with translation.override(card.language or settings.LANGUAGE_CODE):
        return _compose(card, queries.told_events([card.pk], pk=event_id))


def _compose(card: Card, found: list[CardEvent]) -> Mail | None:
    if not found:
        return None
    event = found[0]
    base = announcements.site_url()
    context = {
        "card": card,
        "what": what_changed(event),
        "reason": event.reason,
        "at": event.at,
        "where": place(card.slot) if card.status in Card.HOLDING else "",
        "card_url": base + card.get_absolute_url(),
        "manage_url": base + reverse("boards:card_manage_mine", kwargs={"pk": card.pk}),
        "new_link_url": base
        + reverse("boards:lost_link", kwargs={"key": lost_links.key_for(card)}),
        "hours": int(lost_links.KEY_MAX_AGE.total_seconds() // 3600),
        "name": settings.OPENSPACES_NAME,
    }
    subject = gettext("%(name)s: a change to your card “%(title)s”") % {
        "name": settings.OPENSPACES_NAME,
        "title": card.title,
    }
    return Mail(
        to=card.email,
        subject=subject,
        body=render_to_string("boards/email/card_changed.txt", context),
    )
