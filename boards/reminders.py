"""The one mail a host gets after their hour: the manage link, asking for notes and the
head count. Composed here, in the host's language, when the worker sends it
(boards.tasks.remind_host), from the card as it is then."""

import dataclasses
import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext

from boards.models import Card

# How long after the hour ends the host is asked: time to leave the room, not to forget.
REMINDER_DELAY = dt.timedelta(minutes=10)


def due_at(card: Card) -> dt.datetime:
    """When the host of `card`, on its slot now, is asked."""
    return card.slot.ends_at + REMINDER_DELAY


@dataclasses.dataclass(frozen=True)
class Message:
    subject: str
    body: str


def message(*, card: Card, token: str, site_url: str) -> Message:
    """The reminder for `card`. `token` is its manage token when the card was claimed;
    should the host have had a new link since, the mail points to /manage/lost/ instead."""
    base = site_url.rstrip("/")
    if card.token_matches(token):
        manage_url = base + reverse("boards:card_manage", kwargs={"pk": card.pk, "token": token})
    else:
        manage_url = base + reverse("boards:card_manage_mine", kwargs={"pk": card.pk})
    context = {
        "card": card,
        "manage_url": manage_url,
        "lost_url": base + reverse("boards:lost_links"),
        "name": settings.OPENSPACES_NAME,
    }
    subject = gettext("%(name)s: how did “%(title)s” go?") % {
        "name": settings.OPENSPACES_NAME,
        "title": card.title,
    }
    return Message(
        subject=subject, body=render_to_string("boards/email/notes_reminder.txt", context)
    )
