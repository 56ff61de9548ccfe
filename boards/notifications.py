"""Mail to hosts: composed here, in the reader's language, and handed to the task worker
(boards/tasks.py), which sends it. Nothing here talks to a mail server."""

import functools

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext

from boards import reminders, tasks
from boards.models import Card, CardEvent


def send_manage_link(*, card: Card, manage_url: str) -> None:
    """Mail the private manage link to the host, if they gave an address."""
    if not card.email:
        return
    context = {"card": card, "manage_url": manage_url, "name": settings.OPENSPACES_NAME}
    tasks.send_email.enqueue(
        to=[card.email],
        subject=gettext("%(name)s: your card “%(title)s”")
        % {"name": settings.OPENSPACES_NAME, "title": card.title},
        sealed_body=tasks.seal(render_to_string("boards/email/manage_link.txt", context)),
    )


def send_lost_links(*, email: str, site_url: str) -> None:
    """Mail the way back to every card pinned with `email`, if there is any (the worker
    looks: this costs the request the same whether or not the address is known)."""
    tasks.send_lost_links.enqueue(email=email, site_url=site_url, language=get_language())


def tell_host(*, event: CardEvent) -> None:
    """Mail the card's host about `event`, a change they did not make, once the write that
    made it commits (a write rolled back, or retried, tells nothing). The worker composes
    the mail (boards/notices.py), in the card's language."""
    transaction.on_commit(functools.partial(tasks.tell_host.enqueue, event_id=event.pk))


def remind_after_the_hour(*, card: Card, site_url: str, token: str) -> None:
    """Queue the one mail that asks the host, after their hour, for notes and the head
    count (boards.tasks.remind_host decides then, from the card as it is)."""
    if not card.email:
        return
    tasks.remind_host.using(run_after=reminders.due_at(card)).enqueue(
        card_id=card.pk, sealed_token=tasks.seal(token), site_url=site_url, language=get_language()
    )
