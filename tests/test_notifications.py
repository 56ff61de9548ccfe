"""boards/notifications.py: the host's mail says which card it is about and carries a link
that opens its manage page; a mail server that fails loses no claim."""

import re
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from boards.models import Card, Slot
from tests.factories import committed, conference, local, run_tasks

pytestmark = pytest.mark.django_db

TYPED = {"title": "Rust extensions with PyO3", "host_name": "Ines", "email": "ines@example.org"}


class RefusingMailServer(BaseEmailBackend):
    """A mail server that drops the connection, as smtplib reports it."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        yield


@pytest.fixture
def slot() -> Slot:
    conference(days=1)
    return Slot.objects.order_by("starts_at", "pk").first()


def _claim(client, slot: Slot):
    with committed():
        return client.post(f"/slot/{slot.pk}/claim/", TYPED)


def test_the_mail_names_the_conference_and_the_card_and_its_link_opens_the_manage_page(
    client, slot, settings
):
    _claim(client, slot)
    run_tasks()

    (message,) = mail.outbox
    assert message.subject == f"{settings.OPENSPACES_NAME}: your card “Rust extensions with PyO3”"
    link = re.search(r"http://testserver(/card/\d+/manage/\S+/)", message.body)
    assert link, message.body
    manage = client.get(link[1])
    assert manage.status_code == 200
    assert "Rust extensions with PyO3" in manage.content.decode()


def test_a_mail_server_that_fails_loses_no_claim_and_the_page_keeps_the_link(
    client, slot, settings
):
    settings.MAILERS = {"default": {"BACKEND": "tests.test_notifications.RefusingMailServer"}}

    response = _claim(client, slot)
    run_tasks()

    assert response.status_code == 303
    card = Card.objects.get()
    assert card.title == "Rust extensions with PyO3"
    page = client.get(response["Location"]).content.decode()
    assert re.search(rf"http://testserver/card/{card.pk}/manage/[^\"/]+/", page)
