"""One room's live page (/room/<id>/): now, next and later, with the board's caching contract."""

import pytest
import time_machine
from django.urls import reverse

from boards.models import Room, Slot
from tests.factories import committed, conference, local, make_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def room():
    conference(rooms=2, hours=(10, 14))
    return Room.objects.get(name="Room A")


def at(hour: int, minute: int = 0, day: int = 14):
    return time_machine.travel(local(2027, 5, day, hour, minute), tick=False)


def card(room_name: str, hour: int, title: str, day: int = 14):
    slot = Slot.objects.get(room__name=room_name, starts_at=local(2027, 5, day, hour))
    return make_card(slot=slot, title=title)


def sections(response) -> tuple[list, list, list]:
    def titles(pairs):
        return [cell.card.title if cell.card else cell.state for hour, cell in pairs]

    context = response.context
    return titles(context["current"]), titles(context["next"]), titles(context["later"])


def test_room_page_shows_now_next_and_later_today(client, room):
    card("Room A", 10, "Earlier")
    card("Room A", 11, "Happening")
    card("Room A", 12, "Coming up")
    card("Room B", 12, "Next door")
    with at(11, 20):
        response = client.get(reverse("boards:room", kwargs={"room_id": room.pk}))
    html = response.content.decode()
    assert response.status_code == 200
    assert sections(response) == (["Happening"], ["Coming up"], ["open"])
    assert "Next door" not in html
    assert "Room A</h1>" in html
    claim = reverse(
        "boards:slot_claim",
        args=[Slot.objects.get(room=room, starts_at=local(2027, 5, 14, 13)).pk],
    )
    assert f'href="{claim}"' in html  # the free 13:00 slot can be claimed from the door


def test_room_page_of_another_day_by_query(client, room):
    card("Room A", 10, "Day two topic", day=15)
    with at(11, 20):
        response = client.get(
            reverse("boards:room", kwargs={"room_id": room.pk}) + "?day=2027-05-15"
        )
    assert response.status_code == 200
    assert sections(response) == ([], ["Day two topic"], ["open", "open", "open"])
    assert "Saturday 15 May" in response.content.decode()


def test_room_page_the_evening_before_shows_the_first_day(client, room):
    card("Room A", 10, "First topic")
    with at(19, 0, day=13):
        response = client.get(reverse("boards:room", kwargs={"room_id": room.pk}))
    assert sections(response)[1] == ["First topic"]


@pytest.mark.parametrize("query", ["?day=2027-06-01", "?day=tomorrow"])
def test_room_page_for_a_day_without_a_board_is_404(client, room, query):
    with at(11):
        response = client.get(reverse("boards:room", kwargs={"room_id": room.pk}) + query)
    assert response.status_code == 404


def test_room_page_of_an_unknown_room_is_404(client, room):
    with at(11):
        assert client.get(reverse("boards:room", kwargs={"room_id": 999_999})).status_code == 404


def test_room_page_answers_304_and_shows_a_claim_made_since(client, room):
    url = reverse("boards:room", kwargs={"room_id": room.pk})
    free = Slot.objects.get(room=room, starts_at=local(2027, 5, 14, 12))
    with at(11, 20):
        first = client.get(url)
        etag = first["ETag"]
        assert first["Cache-Control"] == "public, no-cache"
        assert client.get(url, headers={"if-none-match": etag}).status_code == 304
        with committed():
            claimed = client.post(
                reverse("boards:slot_claim", args=[free.pk]),
                {"title": "Claimed just now", "host_name": "Ines"},
            )
        assert claimed.status_code == 303
        after = client.get(url, headers={"if-none-match": etag})
    assert after.status_code == 200
    assert after["ETag"] != etag
    assert "Claimed just now" in after.content.decode()


def test_room_page_changes_when_the_next_hour_starts(client, room):
    card("Room A", 12, "Noon topic")
    url = reverse("boards:room", kwargs={"room_id": room.pk})
    with at(11, 50):
        before = client.get(url)
    with at(12, 0):
        after = client.get(url, headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert sections(after)[0] == ["Noon topic"]


def test_room_page_htmx_poll_gets_the_fragment(client, room):
    with at(11):
        response = client.get(
            reverse("boards:room", kwargs={"room_id": room.pk}), headers={"hx-request": "true"}
        )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="room"')
    assert "<html" not in html
    assert response["Vary"] == "HX-Request, Accept-Encoding"


def test_room_page_never_touches_the_session(client, room):
    with at(11):
        response = client.get(reverse("boards:room", kwargs={"room_id": room.pk}))
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies


@pytest.mark.parametrize("cards", [1, 4])
def test_room_page_query_count_is_constant(client, room, django_assert_max_num_queries, cards):
    for slot in Slot.objects.filter(room=room, day__date="2027-05-14")[:cards]:
        make_card(slot=slot, title=f"Topic {slot.pk}")
    with at(9, 0), django_assert_max_num_queries(7):  # 1: the generation
        response = client.get(reverse("boards:room", kwargs={"room_id": room.pk}))
    assert len(response.context["next"] + response.context["later"]) == 4
