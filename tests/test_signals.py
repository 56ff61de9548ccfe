"""boards/signals.py: what the chair changes in the admin's days, rooms and slots (which do
not go through boards.services) reaches every board at once, cached or not."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from boards.models import Day, Room, Slot
from tests.factories import conference, local

pytestmark = pytest.mark.django_db

BOARD = "/day/2027-05-14/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(local(2027, 5, 13, 12), tick=False):  # before the reception
        yield


@pytest.fixture
def polled():
    """A board that a phone has seen, and so cached: the next poll with its ETag is 304."""
    conference(days=2, rooms=2, hours=(10, 12))
    phone = Client()
    seen = phone.get(BOARD)
    assert phone.get(BOARD, headers={"If-None-Match": seen["ETag"]}).status_code == 304
    return phone, seen["ETag"]


def _poll(polled) -> str:
    phone, etag = polled
    response = phone.get(BOARD, headers={"If-None-Match": etag})
    assert response.status_code == 200, "the board changed, so the poll is not 304"
    return response.content.decode()


def test_a_room_renamed_in_the_admin_is_on_the_next_poll(admin_client, polled):
    room = Room.objects.get(name="Room A")

    admin_client.post(
        reverse("admin:boards_room_change", args=[room.pk]),
        {"name": "Ballroom", "capacity": "80", "location": "Level 3", "position": "1"},
    )

    html = _poll(polled)
    assert "Ballroom" in html
    assert "Level 3" in html


def test_a_board_opened_early_in_the_admin_takes_claims_on_the_next_poll(admin_client, polled):
    day = Day.objects.get(date=dt.date(2027, 5, 14))
    slot = Slot.objects.filter(day=day).order_by("starts_at", "pk").first()

    admin_client.post(
        reverse("admin:boards_day_change", args=[day.pk]),
        {
            "date": "2027-05-14",
            "board_opens_at_0": "2027-05-13",
            "board_opens_at_1": "11:00",
        },
    )

    assert f'href="/slot/{slot.pk}/claim/"' in _poll(polled)


def test_an_hour_deleted_in_the_admin_leaves_the_next_poll(admin_client, polled):
    hour = Slot.objects.filter(starts_at=local(2027, 5, 14, 11))

    admin_client.post(
        reverse("admin:boards_slot_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": list(hour.values_list("pk", flat=True)),
            "post": "yes",
        },
    )

    assert not hour.exists()
    assert "11:00" not in _poll(polled)


def test_a_slot_added_in_the_admin_is_on_the_next_poll(admin_client, polled):
    day = Day.objects.get(date=dt.date(2027, 5, 14))
    room = Room.objects.get(name="Room B")

    admin_client.post(
        reverse("admin:boards_slot_add"),
        {
            "day": day.pk,
            "room": room.pk,
            "starts_at_0": "2027-05-14",
            "starts_at_1": "15:00",
            "blocked_reason": "",
        },
    )

    assert Slot.objects.filter(day=day, room=room, starts_at=local(2027, 5, 14, 15)).exists()
    assert "15:00" in _poll(polled)
