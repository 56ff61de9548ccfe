import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from boards.models import Slot
from boards.services.cards import card_move, card_release, card_update
from tests.factories import conference, local, make_card

pytestmark = pytest.mark.django_db

CREATED = local(2027, 5, 13, 20, 0)


@pytest.fixture
def days():
    return conference(rooms=2, hours=(10, 12))


@pytest.fixture
def card(days):
    slot = Slot.objects.get(room__name="Room B", starts_at=local(2027, 5, 14, 11))
    with time_machine.travel(CREATED, tick=False):
        return make_card(slot=slot, title="Django async", description="ASGI war stories")


def _events(response) -> list:
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content).walk("VEVENT")


def test_calendar_card_has_utc_times_uid_reminder_and_place(client, card):
    response = client.get(reverse("boards:card_calendar", kwargs={"pk": card.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="open-space-{card.pk}.ics"'
    [event] = _events(response)
    assert event.decoded("dtstart") == local(2027, 5, 14, 11).astimezone(dt.UTC)
    assert event.decoded("dtend") == local(2027, 5, 14, 12).astimezone(dt.UTC)
    assert event.decoded("dtstart").utcoffset() == dt.timedelta(0)
    assert b"DTSTART:20270514T150000Z" in response.content  # UTC, no VTIMEZONE needed
    assert str(event["uid"]) == f"card-{card.pk}@testserver"
    assert str(event["summary"]) == "Open space: Django async"
    assert str(event["location"]) == "Room B"
    assert str(event["status"]) == "CONFIRMED"
    assert "ASGI war stories" in str(event["description"])
    assert str(event["url"]) == f"http://testserver/card/{card.pk}/"
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("trigger") == -dt.timedelta(minutes=15)
    assert str(alarm["action"]) == "DISPLAY"


def test_calendar_card_is_linked_from_the_card_page(client, card):
    page = client.get(card.get_absolute_url()).content.decode()
    assert reverse("boards:card_calendar", kwargs={"pk": card.pk}) in page


def test_calendar_sequence_grows_when_a_card_changes_and_moves(client, card, days):
    url = reverse("boards:card_calendar", kwargs={"pk": card.pk})
    [first] = _events(client.get(url))
    with time_machine.travel(CREATED + dt.timedelta(minutes=5), tick=False):
        card_update(card=card, title="Django async, again", host_name="Ada")
    [edited] = _events(client.get(url))
    to_slot = Slot.objects.get(room__name="Room A", starts_at=local(2027, 5, 14, 10))
    with time_machine.travel(CREATED + dt.timedelta(minutes=9), tick=False):
        card_move(card=card, to_slot=to_slot, now=CREATED + dt.timedelta(minutes=9))
    [moved] = _events(client.get(url))
    assert first["sequence"] < edited["sequence"] < moved["sequence"]
    assert str(first["uid"]) == str(edited["uid"]) == str(moved["uid"])
    assert moved.decoded("dtstart") == local(2027, 5, 14, 10).astimezone(dt.UTC)
    assert str(moved["location"]) == "Room A"


def test_calendar_day_feed_lists_the_day_and_cancels_released_cards(
    client, card, days, django_capture_on_commit_callbacks
):
    other = make_card(
        slot=Slot.objects.get(room__name="Room A", starts_at=local(2027, 5, 14, 10)),
        title="Packaging",
    )
    make_card(
        slot=Slot.objects.get(room__name="Room A", starts_at=local(2027, 5, 15, 10)),
        title="Tomorrow's",
    )
    url = reverse("boards:day_calendar", kwargs={"date": dt.date(2027, 5, 14)})
    response = client.get(url)
    assert [str(event["summary"]) for event in _events(response)] == [
        "Open space: Packaging",
        "Open space: Django async",
    ]
    assert client.get(url, headers={"if-none-match": response["ETag"]}).status_code == 304
    sequence = _events(response)[0]["sequence"]
    with (
        time_machine.travel(CREATED + dt.timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        card_release(card=other)
    changed = client.get(url, headers={"if-none-match": response["ETag"]})
    assert changed.status_code == 200
    uid = f"card-{other.pk}@testserver"
    released = next(event for event in _events(changed) if str(event["uid"]) == uid)
    assert str(released["status"]) == "CANCELLED"
    assert released["sequence"] > sequence
    assert str(released["summary"]) == "Cancelled open space"


def test_calendar_conference_feed_has_every_day(client, card, days):
    make_card(
        slot=Slot.objects.get(room__name="Room A", starts_at=local(2027, 5, 16, 10)),
        title="Last day",
    )
    response = client.get(reverse("boards:calendar"))
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == "PyCon US Open Spaces"
    assert [str(event["summary"]) for event in calendar.walk("VEVENT")] == [
        "Open space: Django async",
        "Open space: Last day",
    ]


def test_calendar_day_feed_of_a_day_without_a_board_is_404(client, days):
    url = reverse("boards:day_calendar", kwargs={"date": dt.date(2027, 6, 1)})
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("cards", [1, 12])
def test_calendar_feeds_query_count_is_constant(
    client, days, django_assert_max_num_queries, cards
):
    for slot in Slot.objects.order_by("starts_at", "room__position")[:cards]:
        make_card(slot=slot, title=f"Topic {slot.pk}")
    with django_assert_max_num_queries(4):
        feed = client.get(reverse("boards:calendar"))
    with django_assert_max_num_queries(4):
        client.get(reverse("boards:day_calendar", kwargs={"date": dt.date(2027, 5, 14)}))
    assert len(_events(feed)) == cards
