"""The one mail after the hour: it asks the host for notes and the head count, with the
manage link; once per card, never for a card that is gone, and after a moved card's hour."""

import re

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from boards.models import Card, Slot
from boards.notifications import remind_after_the_hour
from tests.factories import committed, conference, local, run_tasks

pytestmark = pytest.mark.django_db

TYPED = {"title": "Packaging in 2027", "host_name": "Ines", "email": "ines@example.org"}
REMINDER_SUBJECT = "how did “Packaging in 2027” go?"


def _at(hour: int, minute: int = 0):
    return time_machine.travel(local(2027, 5, 14, hour, minute), tick=False)


@pytest.fixture
def slots() -> list[Slot]:
    conference(days=1, rooms=1, hours=(10, 13))
    return list(Slot.objects.order_by("starts_at"))


def _claim(client, slot: Slot, **typed) -> str:
    """Claim at 9:00 through the form; the manage URL (path) the host was shown."""
    with _at(9), committed():
        response = client.post(f"/slot/{slot.pk}/claim/", {**TYPED, **typed})
        page = client.get(response["Location"]).text
        run_tasks()  # the manage-link mail goes now; the reminder waits
    return re.search(r'href="http://testserver(/card/\d+/manage/[^"]+/)"', page)[1]


def _reminders() -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if REMINDER_SUBJECT in message.subject]


def _run_at(hour: int, minute: int = 0) -> None:
    with _at(hour, minute):
        run_tasks()


def test_the_host_is_asked_once_shortly_after_the_hour_with_a_working_link(client, slots):
    url = _claim(client, slots[0])
    assert len(mail.outbox) == 1  # the manage link only
    _run_at(10, 30)
    _run_at(11, 5)
    assert _reminders() == []  # the hour has just ended: not yet

    _run_at(11, 11)
    (reminder,) = _reminders()
    assert reminder.to == ["ines@example.org"]
    assert "how many came" in reminder.body
    link = re.search(r"http://testserver(/card/\d+/manage/\S+/)", reminder.body)[1]
    assert link == url
    with _at(11, 12):
        assert 'action="' + url + 'notes/"' in client.get(link).text

    _run_at(12, 30)
    _run_at(18)
    assert len(_reminders()) == 1
    assert Card.objects.get().reminded_at == local(2027, 5, 14, 11, 11)


def test_two_reminders_queued_for_one_card_send_one_mail(client, slots):
    _claim(client, slots[0])
    card = Card.objects.get()
    with _at(9, 30), translation.override("en"):
        remind_after_the_hour(card=card, site_url="http://testserver/", token="whatever")
    _run_at(11, 11)
    assert len(_reminders()) == 1


def test_no_reminder_for_a_released_card(client, slots):
    url = _claim(client, slots[0])
    with _at(9, 30), committed():
        client.post(url + "release/", {"confirm": "release"})
    _run_at(11, 11)
    _run_at(15)
    assert _reminders() == []


def test_no_reminder_without_an_email(client, slots):
    _claim(client, slots[0], email="")
    _run_at(11, 11)
    assert mail.outbox == []


def test_a_moved_card_is_reminded_after_its_new_hour(client, slots):
    url = _claim(client, slots[0])
    with _at(9, 30), committed():
        assert client.post(url + "move/", {"to_slot": slots[2].pk}).status_code == 303
    _run_at(11, 11)  # the old hour's end: the card now ends at 13:00
    _run_at(12, 30)
    assert _reminders() == []
    _run_at(13, 11)
    assert len(_reminders()) == 1
    _run_at(15)
    assert len(_reminders()) == 1


def test_the_reminder_is_in_the_language_the_host_claimed_in(client, slots):
    with _at(9), committed():
        slot = slots[0]
        client.post(f"/es/slot/{slot.pk}/claim/", TYPED)
    _run_at(11, 11)
    (reminder,) = [message for message in mail.outbox if "¿Qué tal" in message.subject]
    assert "cuántas personas vinieron" in reminder.body


def test_after_a_new_manage_link_the_reminder_points_to_the_way_back(slots):
    from tests.factories import make_card

    card = make_card(slot=slots[0], email="ines@example.org", title=TYPED["title"])
    # Queued in English with the token of the claim; the host has had a new link since.
    with _at(9), translation.override("en"):
        remind_after_the_hour(card=card, site_url="http://testserver/", token="the-old-one")
    _run_at(11, 11)
    (reminder,) = _reminders()
    assert "the-old-one" not in reminder.body
    assert f"http://testserver/card/{card.pk}/manage/\n" in reminder.body
    assert "http://testserver/manage/lost/" in reminder.body


def test_a_card_moved_earlier_is_reminded_after_its_new_hour_once(client, slots):
    url = _claim(client, slots[2])  # 12:00
    with _at(9, 30), committed():
        assert client.post(url + "move/", {"to_slot": slots[0].pk}).status_code == 303
    _run_at(11, 11)  # the new hour's end
    assert len(_reminders()) == 1
    _run_at(13, 11)  # the claim's reminder, for the old hour, finds it done
    assert len(_reminders()) == 1


def test_a_card_the_chair_moves_earlier_is_reminded_after_its_new_hour(
    client, admin_client, admin_user, slots
):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    _claim(client, slots[2])  # 12:00
    card = Card.objects.get()
    with _at(9, 30), committed():
        admin_client.force_login(admin_user)  # signed in then, not months before
        response = admin_client.post(
            "/admin/boards/card/",
            {
                "action": "move_card",
                ACTION_CHECKBOX_NAME: [card.pk],
                "apply": "1",
                "to_slot": slots[0].pk,
                "reason": "A bigger room",
            },
        )
    assert response.status_code == 302
    assert Card.objects.get().slot == slots[0]
    _run_at(11, 11)  # the new hour's end
    (reminder,) = _reminders()
    assert f"http://testserver/card/{card.pk}/manage/\n" in reminder.body
    _run_at(13, 11)  # the claim's own reminder, for the old hour, finds it done
    assert len(_reminders()) == 1
