import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from boards.models import Slot
from tests.factories import conference, local, make_card

pytestmark = pytest.mark.django_db


def _card_at(day, room_name: str, hour: int, title: str):
    starts_at = local(day.date.year, day.date.month, day.date.day, hour)
    return make_card(slot=Slot.objects.get(room__name=room_name, starts_at=starts_at), title=title)


def test_now_shows_what_is_on_and_what_starts_within_the_hour(client):
    first, *_ = conference(rooms=2, hours=(10, 13))
    _card_at(first, "Room A", 10, "Earlier")
    _card_at(first, "Room A", 11, "Happening")
    _card_at(first, "Room B", 12, "Coming up")
    with time_machine.travel(local(2027, 5, 14, 11, 20), tick=False):
        response = client.get(reverse("boards:now"))
    assert response.status_code == 200
    current = [card.title for card in response.context["current_cards"]]
    upcoming = [card.title for card in response.context["next_cards"]]
    assert (current, upcoming) == (["Happening"], ["Coming up"])
    html = response.content.decode()
    assert "Room A" in html and "Room B" in html
    assert "Earlier" not in html


def test_now_at_a_slot_start_counts_the_starting_slot_as_now(client):
    first, *_ = conference(rooms=1, hours=(10, 13))
    _card_at(first, "Room A", 11, "Starting")
    _card_at(first, "Room A", 12, "Later")
    with time_machine.travel(local(2027, 5, 14, 11, 0), tick=False):
        response = client.get(reverse("boards:now"))
    assert [card.title for card in response.context["current_cards"]] == ["Starting"]
    assert [card.title for card in response.context["next_cards"]] == ["Later"]


def test_now_on_a_day_without_a_board_points_to_the_current_board(client):
    conference()
    with time_machine.travel(local(2027, 5, 13, 19, 0), tick=False):  # after the reception
        response = client.get(reverse("boards:now"))
    assert response.status_code == 200
    assert "There are no Open Spaces today" in response.content.decode()
    assert (
        reverse("boards:day", kwargs={"date": dt.date(2027, 5, 14)}) in response.content.decode()
    )


def test_now_before_the_first_hour_says_when_it_starts(client):
    conference(hours=(10, 12))
    with time_machine.travel(local(2027, 5, 14, 7, 30), tick=False):
        html = client.get(reverse("boards:now")).content.decode()
    assert "Nothing is on yet: today’s first open spaces start at 10:00." in html


def test_now_after_the_last_hour_says_when_tomorrows_start(client):
    conference(hours=(10, 12))
    with time_machine.travel(local(2027, 5, 14, 18), tick=False):
        html = client.get(reverse("boards:now")).content.decode()
    assert "Today’s open spaces are over. The next ones start on Saturday 15 May at 10:00." in html
    assert 'href="/day/2027-05-15/"' in html
    with time_machine.travel(local(2027, 5, 16, 18), tick=False):  # the last day
        html = client.get(reverse("boards:now")).content.decode()
    assert "Today’s open spaces are over, and they were the last of the conference." in html


def test_now_on_the_eve_says_when_the_first_day_starts(client):
    conference(hours=(10, 12))
    with time_machine.travel(local(2027, 5, 13, 19), tick=False):
        html = client.get(reverse("boards:now")).content.decode()
    assert "The next ones start on Friday 14 May at 10:00." in html


def test_now_just_after_local_midnight_shows_the_new_day(client):
    conference(hours=(0, 2), rooms=1)
    first_slot = Slot.objects.order_by("starts_at").first()
    make_card(slot=first_slot, title="Midnight hack")
    with time_machine.travel(local(2027, 5, 14, 0, 10), tick=False):
        response = client.get(reverse("boards:now"))
    assert [card.title for card in response.context["current_cards"]] == ["Midnight hack"]


def test_now_answers_304_to_a_matching_etag_and_changes_when_a_card_is_pinned(client):
    first, *_ = conference(rooms=1, hours=(10, 13))
    with time_machine.travel(local(2027, 5, 14, 10, 20), tick=False):
        etag = client.get(reverse("boards:now"))["ETag"]
        assert (
            client.get(reverse("boards:now"), headers={"if-none-match": etag}).status_code == 304
        )
        _card_at(first, "Room A", 11, "New")
        response = client.get(reverse("boards:now"), headers={"if-none-match": etag})
    assert response.status_code == 200
    assert "New" in response.content.decode()


def test_now_changes_when_a_slot_comes_within_the_hour(client):
    # A gap: nothing at 11, a card at 12, which comes "next" at 11:00.
    first, *_ = conference(rooms=1, hours=(10, 11))
    conference(rooms=1, hours=(12, 13))
    _card_at(first, "Room A", 12, "After the gap")
    with time_machine.travel(local(2027, 5, 14, 10, 50), tick=False):
        before = client.get(reverse("boards:now"))
    with time_machine.travel(local(2027, 5, 14, 11, 5), tick=False):
        after = client.get(reverse("boards:now"), headers={"if-none-match": before["ETag"]})
    assert before.context["next_cards"] == []
    assert after.status_code == 200
    assert [card.title for card in after.context["next_cards"]] == ["After the gap"]


def test_now_never_touches_the_session_or_csrf(client):
    conference()
    with time_machine.travel(local(2027, 5, 14, 10, 20), tick=False):
        response = client.get(reverse("boards:now"))
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies


@pytest.mark.parametrize("cards", [1, 16])
def test_now_query_count_is_constant(client, django_assert_max_num_queries, cards):
    first, *_ = conference(rooms=8, hours=(10, 12))
    for slot in Slot.objects.filter(day=first).order_by("starts_at", "room__position")[:cards]:
        make_card(slot=slot, title=f"Topic {slot.pk}")
    with (
        time_machine.travel(local(2027, 5, 14, 10, 20), tick=False),
        django_assert_max_num_queries(4),
    ):
        response = client.get(reverse("boards:now"))
    assert len(response.context["current_cards"]) + len(response.context["next_cards"]) == cards
