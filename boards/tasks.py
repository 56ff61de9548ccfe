"""What the boards send (mail; next, the posts of `announce`), as Django tasks.

A request never talks to a mail server: it enqueues a task, one row in the tasks table
(django-tasks-db), and answers. The worker (`manage.py db_worker`, beside runserver in
`make run` and gunicorn in `make serve`) runs it. A slow mail server then delays nobody,
and a failing one loses nothing: `retried()` enqueues the task again, later, until it
gets through. The chair sees every attempt in the admin (Tasks Database Backend → Task
Results): waiting, failed with the error, or sent.

django-tasks-db has no retries of its own (its author has not settled their semantics
yet: django-tasks-db#7): a failed task stays failed. So each task here says which of its
failures are worth another try and wraps its sending in `retried(context)`, the one place
that decides when. A retry is a new task (a new row) with `attempt` one higher and a
`run_after` further away: the failed attempt keeps its row and its traceback.

A task's arguments are stored in the database as JSON, readable in the admin and in every
backup. Only a hash of a manage token is ever stored (boards.models.Card), so a mail body,
which carries manage links, is sealed (`seal`: Fernet, keyed by SECRET_KEY) while it waits;
its recipient and subject stay readable, for the chair to see what is waiting.
"""

import base64
import datetime as dt
import logging
import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Min, Q
from django.tasks import TaskContext, TaskResultStatus, task
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult, get_date_max

from boards import lost_links, notices, reminders
from boards.models import Card
from boards.services import cards

logger = logging.getLogger(__name__)

# Ten attempts over about four hours (1, 2, 4 … 32 minutes, then hourly): a mail server
# down for a conference morning still delivers by lunch; a host needs no mail a day late.
MAX_ATTEMPTS = 10
LONGEST_WAIT = dt.timedelta(hours=1)


def retry_delay(attempt: int) -> dt.timedelta:
    """How long after failed attempt number `attempt` (1, 2 …) the next one runs."""
    return min(dt.timedelta(minutes=2 ** (attempt - 1)), LONGEST_WAIT)


class RetryLater(Exception):
    """This attempt failed and the next one is enqueued (the admin shows this attempt
    failed with this error, and the next one waiting)."""


def is_transient(error: BaseException) -> bool:
    """Worth another try: the network, a timeout, a server that is down or says "later",
    and a refused password or sender too (the operator fixes the settings and restarts the
    worker: the retries then get through).

    Only a refusal of every recipient with a permanent (5xx) code is final: it is about the
    address, which no retry changes.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code < 500 for code, _message in error.recipients.values())
    return isinstance(error, OSError)  # smtplib's errors, sockets, timeouts


@contextmanager
def retried(
    context: TaskContext, *, transient: Callable[[BaseException], bool] = is_transient
) -> Iterator[None]:
    """Run the block; on a `transient` failure, enqueue this task again with `attempt` + 1
    after `retry_delay()`, and fail this attempt with RetryLater. After MAX_ATTEMPTS, or on
    a permanent failure, the error itself fails the task (the admin shows it; logged).

    `transient` says which failures are worth another try: mail's by default; a task that
    posts (Mastodon.py raises its own errors, not OSError) passes its own."""
    try:
        yield
    except Exception as error:
        result = context.task_result
        attempt = int(result.kwargs.get("attempt", 1))
        if not transient(error) or attempt >= MAX_ATTEMPTS:
            logger.error(
                "Task %s failed for good at attempt %s of %s",
                result.task.name,
                attempt,
                MAX_ATTEMPTS,
                exc_info=True,
            )
            raise
        next_at = timezone.now() + retry_delay(attempt)
        result.task.using(run_after=next_at).enqueue(
            *result.args, **{**result.kwargs, "attempt": attempt + 1}
        )
        # The chair reads this in the admin (the attempt's traceback).
        raise RetryLater(
            gettext("Attempt %(attempt)s of %(attempts)s failed; the next one runs at %(time)s.")
            % {
                "attempt": attempt,
                "attempts": MAX_ATTEMPTS,
                "time": date_format(timezone.localtime(next_at), "DATETIME_FORMAT"),
            }
        ) from error


# Sealing --------------------------------------------------------------------------------


def _fernet() -> MultiFernet:
    """Fernet keys derived from SECRET_KEY, then its fallbacks: a task sealed before a key
    rotation is still opened after it, as long as the old key is among the fallbacks."""
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    salted_hmac(
                        "boards.tasks.seal", "fernet", secret=key, algorithm="sha256"
                    ).digest()
                )
            )
            for key in keys
        ]
    )


def seal(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def unseal(sealed: str) -> str:
    return _fernet().decrypt(sealed.encode()).decode()


# Mail -----------------------------------------------------------------------------------


def deliver(*, to: list[str], subject: str, body: str) -> None:
    """Send one mail now, through the default mailer; raises what the mail server raised."""
    EmailMessage(subject=subject, body=body, to=to).send()


@task(takes_context=True)
def send_email(
    context: TaskContext, *, to: list[str], subject: str, sealed_body: str, attempt: int = 1
) -> None:
    """One mail composed in a request (in its reader's language), its body sealed."""
    with retried(context):
        deliver(to=to, subject=subject, body=unseal(sealed_body))


@task(takes_context=True)
def send_lost_links(
    context: TaskContext, *, email: str, site_url: str, language: str, attempt: int = 1
) -> None:
    """The links to every card pinned with `email`, looked up here rather than in the
    request, so that the request does the same work whether or not the address is known.
    Nothing is sent to an address with no card."""
    with translation.override(language), retried(context):
        message = lost_links.message(email=email, site_url=site_url)
        if message is not None:
            deliver(to=[email], subject=message.subject, body=message.body)


@task(takes_context=True)
def tell_host(context: TaskContext, *, event_id: int, attempt: int = 1) -> None:
    """Tell a card's host of change `event_id`, which they did not make, in the card's
    language (boards/notices.py composes it). Composed here, not in the request: its
    argument is a number, the manage-link key is made when it is sent, and an address the
    host changed meanwhile is the one written to."""
    with retried(context):
        message = notices.mail(event_id)
        if message is not None:
            deliver(to=[message.to], subject=message.subject, body=message.body)


@task(takes_context=True)
def remind_host(
    context: TaskContext,
    *,
    card_id: int,
    sealed_token: str,
    site_url: str,
    language: str,
    attempt: int = 1,
) -> None:
    """Shortly after a card's hour, ask its host for notes and the head count, once.

    Queued at the claim for the end of the card's hour; what the card is now decides
    (services.cards.card_reminder): gone (released, removed, hidden), nothing; moved to a
    later hour, this task again after that one; asked already, nothing. The mail itself is
    a send_email task, queued in the same transaction as the record that it was sent, so
    its retries are send_email's and no reminder goes out twice.
    """
    card = Card.objects.with_place().filter(pk=card_id).first()
    if card is None:
        return
    with transaction.atomic():
        outcome = cards.card_reminder(card=card, now=timezone.now())
        if outcome is cards.Reminder.LATER:
            remind_host.using(run_after=reminders.due_at(card)).enqueue(
                card_id=card_id, sealed_token=sealed_token, site_url=site_url, language=language
            )
        elif outcome is cards.Reminder.SEND:
            with translation.override(language):
                mail = reminders.message(card=card, token=unseal(sealed_token), site_url=site_url)
            send_email.enqueue(to=[card.email], subject=mail.subject, sealed_body=seal(mail.body))


# Tasks whose worker died --------------------------------------------------------------

# A task runs for seconds (the mail server's timeout is 10 s). One still RUNNING after this
# lost its worker while running it (killed, out of memory, the machine restarted), and
# django-tasks-db would leave it so for ever: the mail it carries would be lost.
STUCK_AFTER = dt.timedelta(minutes=10)


def requeue_stuck(now: dt.datetime) -> int:
    """Make the tasks whose worker died while running them ready again, for the next
    worker (`manage.py requeue_stuck_tasks`, run before every worker starts). A mail the
    dead worker may have sent already goes out twice: better than never."""
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - STUCK_AFTER
    ).update(status=TaskResultStatus.READY, started_at=None)


# The worker's health (/healthz) ---------------------------------------------------------


def oldest_waiting(now: dt.datetime) -> dt.timedelta | None:
    """How long the task that is due longest has waited for a worker; None when none is.

    A task is due from when it was enqueued, or from its run_after (a retry's wait) when
    it has one. One query.
    """
    never = get_date_max()  # django-tasks-db's run_after for "as soon as possible"
    due = DBTaskResult.objects.filter(status=TaskResultStatus.READY).aggregate(
        enqueued=Min("enqueued_at", filter=Q(run_after=never)),
        deferred=Min("run_after", filter=Q(run_after__lte=now)),
    )
    since = [moment for moment in due.values() if moment is not None]
    return max(now - min(since), dt.timedelta(0)) if since else None
