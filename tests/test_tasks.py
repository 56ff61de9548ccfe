"""What is sent goes through the task worker: never inside a request, retried when the mail
server fails, visible to the chair, and its delay visible at /healthz."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from boards import tasks
from boards.models import Card, Slot
from tests.factories import committed, conference, local, run_tasks
from tests.mail_servers import FlakyMailServer, RefusingMailServer, SlowMailServer

pytestmark = pytest.mark.django_db

BEFORE_TEN = local(2027, 5, 14, 9)
TYPED = {"title": "Tasks in Django 6", "host_name": "Ana", "email": "ana@example.org"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(BEFORE_TEN, tick=False) as traveller:
        yield traveller


@pytest.fixture
def slot():
    conference(days=1, rooms=1, hours=(10, 12))
    return Slot.objects.order_by("starts_at").first()


def mail_tasks():
    """The mail tasks (a claim with an email also queues the reminder after the hour,
    which is not due yet in these tests)."""
    return DBTaskResult.objects.filter(task_path="boards.tasks.send_email")


def mail_server(settings, backend: type) -> None:
    settings.MAILERS = {"default": {"BACKEND": f"{backend.__module__}.{backend.__qualname__}"}}


def claim(client, slot):
    with committed():
        response = client.post(f"/slot/{slot.pk}/claim/", TYPED)
    assert response.status_code == 303
    return response


def manage_link_shown(client, response) -> str:
    html = client.get(response["Location"]).content.decode()
    return re.search(r'id="manage-url">(http://testserver/card/\d+/manage/[^<]+)<', html)[1]


def test_claim_enqueues_one_mail_task_and_sends_nothing_itself(client, slot):
    response = claim(client, slot)
    assert mail.outbox == []
    [waiting] = mail_tasks()
    assert waiting.status == TaskResultStatus.READY
    assert waiting.task_path == "boards.tasks.send_email"
    # The chair can tell what waits (to whom, about what); the link itself is sealed.
    kwargs = waiting.args_kwargs["kwargs"]
    assert kwargs["to"] == ["ana@example.org"]
    assert kwargs["subject"] == "PyCon US Open Spaces: your card “Tasks in Django 6”"
    token = manage_link_shown(client, response).rstrip("/").rsplit("/", 1)[1]
    assert token not in str(waiting.args_kwargs)


def test_the_worker_sends_the_manage_link_the_page_showed(client, slot):
    response = claim(client, slot)
    link = manage_link_shown(client, response)
    run_tasks()
    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    assert link in message.body
    assert mail_tasks().get().status == TaskResultStatus.SUCCESSFUL
    run_tasks()
    assert len(mail.outbox) == 1  # sent once


def test_a_slow_mail_server_does_not_hold_up_the_claim(client, slot, settings):
    mail_server(settings, SlowMailServer)
    SlowMailServer.answer.clear()
    claim(client, slot)  # would wait 5 s and fail if the request talked to the server
    assert Card.objects.get().title == TYPED["title"]
    assert mail.outbox == []
    SlowMailServer.answer.set()  # the server answers at last: the worker delivers
    run_tasks()
    assert len(mail.outbox) == 1


def test_a_mail_server_failing_twice_is_retried_and_delivers_once(client, slot, settings, frozen):
    mail_server(settings, FlakyMailServer)
    FlakyMailServer.failures = 2
    claim(client, slot)
    run_tasks()
    assert mail.outbox == []
    run_tasks()  # the retry waits a minute: nothing yet
    assert mail.outbox == []
    frozen.shift(dt.timedelta(minutes=1))
    run_tasks()
    assert mail.outbox == []
    frozen.shift(dt.timedelta(minutes=2))
    run_tasks()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.org"]
    # Every attempt is a row the chair sees: two failed, with the server's error, one sent.
    attempts = mail_tasks().order_by("enqueued_at")
    assert [row.status for row in attempts] == ["FAILED", "FAILED", "SUCCESSFUL"]
    assert [row.args_kwargs["kwargs"].get("attempt", 1) for row in attempts] == [1, 2, 3]
    assert attempts[0].exception_class_path == "boards.tasks.RetryLater"
    assert "SMTPServerDisconnected" in attempts[0].traceback
    run_tasks()
    assert len(mail.outbox) == 1


def test_a_mail_refused_for_good_is_not_retried(client, slot, settings, frozen):
    mail_server(settings, RefusingMailServer)
    claim(client, slot)
    run_tasks()
    [failed] = mail_tasks()
    assert failed.status == TaskResultStatus.FAILED
    assert failed.exception_class_path == "smtplib.SMTPRecipientsRefused"


def test_the_worker_gives_up_after_the_last_attempt(settings, frozen):
    mail_server(settings, FlakyMailServer)
    FlakyMailServer.failures = 1
    tasks.send_email.enqueue(
        to=["ana@example.org"],
        subject="Hello",
        sealed_body=tasks.seal("Hello"),
        attempt=tasks.MAX_ATTEMPTS,
    )
    run_tasks()
    frozen.shift(dt.timedelta(hours=2))
    run_tasks()
    [failed] = mail_tasks()
    assert failed.status == TaskResultStatus.FAILED
    assert failed.exception_class_path == "smtplib.SMTPServerDisconnected"
    assert mail.outbox == []


def test_retries_wait_longer_each_time_up_to_an_hour():
    delays = [tasks.retry_delay(attempt) for attempt in range(1, tasks.MAX_ATTEMPTS)]
    assert delays[:3] == [dt.timedelta(minutes=minutes) for minutes in (1, 2, 4)]
    assert delays == sorted(delays)
    assert max(delays) == dt.timedelta(hours=1)


def test_a_sealed_body_opens_after_the_secret_key_is_rotated(settings):
    sealed = tasks.seal("the link: https://example.org/card/1/manage/abc/")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-only"
    assert tasks.unseal(sealed) == "the link: https://example.org/card/1/manage/abc/"


def test_the_chair_reads_what_was_sent_and_what_failed_in_the_admin(
    chair_client, client, slot, settings
):
    mail_server(settings, RefusingMailServer)
    claim(client, slot)
    run_tasks()
    task_id = mail_tasks().get().pk
    changelist = chair_client.get("/admin/django_tasks_database/dbtaskresult/")
    assert changelist.status_code == 200
    assert "send_email" in changelist.content.decode()
    detail = chair_client.get(f"/admin/django_tasks_database/dbtaskresult/{task_id}/change/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "ana@example.org" in html
    assert "SMTPRecipientsRefused" in html


def test_a_task_whose_worker_died_runs_again_when_a_worker_starts(client, slot, frozen):
    claim(client, slot)
    # A worker took the mail, then died (kill -9) before it could say how it went.
    mail_tasks().update(status=TaskResultStatus.RUNNING, started_at=timezone.now())
    call_command("requeue_stuck_tasks")
    run_tasks()
    assert mail.outbox == []  # a task running for a few minutes may well be running
    frozen.shift(tasks.STUCK_AFTER + dt.timedelta(seconds=1))
    call_command("requeue_stuck_tasks")  # a worker starts (bin/with-worker, systemd)
    run_tasks()
    assert len(mail.outbox) == 1
    assert mail_tasks().get().status == TaskResultStatus.SUCCESSFUL


# /healthz: the worker's delay ------------------------------------------------------------


def test_healthz_says_how_long_the_oldest_task_has_waited(client, slot, frozen, settings):
    settings.OPENSPACES_TASKS_LATE_SECONDS = 300
    assert client.get("/healthz").json()["oldest_task_seconds"] is None
    claim(client, slot)
    frozen.shift(dt.timedelta(seconds=90))
    health = client.get("/healthz")
    assert health.status_code == 200
    assert (health.json()["tasks"], health.json()["oldest_task_seconds"]) == ("ok", 90)
    frozen.shift(dt.timedelta(minutes=5))
    health = client.get("/healthz")
    assert health.status_code == 200  # the pages work without a worker: reported only
    assert (health.json()["tasks"], health.json()["oldest_task_seconds"]) == ("late", 390)
    run_tasks()
    assert client.get("/healthz").json()["oldest_task_seconds"] is None


def test_healthz_counts_a_retry_from_when_it_is_due(client, slot, frozen, settings):
    mail_server(settings, FlakyMailServer)
    FlakyMailServer.failures = 1
    claim(client, slot)
    run_tasks()  # fails; the retry is due in a minute
    assert client.get("/healthz").json()["oldest_task_seconds"] is None
    frozen.shift(dt.timedelta(seconds=80))
    assert client.get("/healthz").json()["oldest_task_seconds"] == 20
