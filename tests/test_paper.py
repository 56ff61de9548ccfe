"""The boards on paper: the day's print page, door signs, and the chair's links to them."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from boards.models import Card, Room, Slot
from tests.factories import committed, conference, local, make_card

pytestmark = pytest.mark.django_db

MORNING = local(2027, 5, 14, 9, 30)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MORNING, tick=False):
        yield


@pytest.fixture
def day():
    first, *_ = conference(rooms=2, hours=(10, 13))
    room_a = Room.objects.get(name="Room A")
    room_a.location = "Level 2, by the escalators"
    room_a.save()
    return first


def slot(room: str, hour: int) -> Slot:
    return Slot.objects.get(room__name=room, starts_at=local(2027, 5, 14, hour))


def print_url(day, **query) -> str:
    url = reverse("boards:day_print", kwargs={"date": day.date})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_day_print_shows_every_card_blocked_and_free_slot_and_the_conference(client, day):
    make_card(slot=slot("Room A", 10), title="Django async in production", host_name="Carlton")
    make_card(slot=slot("Room B", 11), title="Type hints", host_handle="@lukas@hachyderm.io")
    blocked = slot("Room B", 12)
    blocked.blocked_reason = "Sponsor lunch"
    blocked.save()
    response = client.get(print_url(day))
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "PyCon US Open Spaces",
        "#PyConOpenSpace",
        "Friday 14 May 2027",
        "Django async in production",
        "Carlton",
        "Type hints",
        "@lukas@hachyderm.io",
        "Blocked: Sponsor lunch",
        "Level 2, by the escalators",
        "Printed Fri 14 May 2027, 09:30",
        "http://testserver/day/2027-05-14/",
    ):
        assert text in html, text
    assert html.count('class="slot-open"') == 3  # 6 slots: 2 cards, 1 blocked, 3 free
    assert "<svg" in html and "QR code: http://testserver/day/2027-05-14/" in html
    assert 'class="paper paper-letter landscape"' in html
    assert "/static/css/print." in html


def test_day_print_paper_size_from_the_query_and_the_setting(client, day, settings):
    assert 'paper-a3 landscape"' in client.get(print_url(day, size="a3")).content.decode()
    settings.OPENSPACES_PAPER = "a4"
    assert 'paper-a4 landscape"' in client.get(print_url(day)).content.decode()
    assert (
        'paper-tabloid landscape"' in client.get(print_url(day, size="TABLOID")).content.decode()
    )


def test_day_print_unknown_paper_size_is_400_with_the_sizes(client, day):
    response = client.get(print_url(day, size="a5"))
    assert response.status_code == 400
    assert response.content.decode() == (
        "Unknown paper size: use ?size= with one of letter, a4, a3, tabloid."
    )


def test_day_print_of_a_day_without_a_board_is_404(client, day):
    assert client.get("/day/2027-06-01/print/").status_code == 404


def test_day_print_leaves_out_removed_and_hidden_cards(client, day):
    removed = make_card(slot=slot("Room A", 10), title="Removed topic")
    hidden = make_card(slot=slot("Room B", 10), title="Hidden topic")
    with committed():
        Card.objects.filter(pk=removed.pk).update(status=Card.Status.REMOVED)
        Card.objects.filter(pk=hidden.pk).update(status=Card.Status.HIDDEN)
    html = client.get(print_url(day)).content.decode()
    assert "Removed topic" not in html and "Hidden topic" not in html
    assert html.count('class="slot-held"') == 1  # the hidden card keeps its slot


def test_print_pages_never_touch_the_session(client, day):
    room = Room.objects.get(name="Room A")
    for url in (
        print_url(day),
        reverse("boards:room_print", kwargs={"date": day.date, "room_id": room.pk}),
        reverse("boards:rooms_print", kwargs={"date": day.date}),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "Cookie" not in response.get("Vary", "")
        assert not response.cookies


@pytest.mark.parametrize("cards", [1, 6])
def test_day_print_query_count_is_constant(client, day, django_assert_max_num_queries, cards):
    for each in Slot.objects.order_by("starts_at", "room__name")[:cards]:
        make_card(slot=each, title=f"Topic {each.pk}")
    with django_assert_max_num_queries(3):
        response = client.get(print_url(day))
    assert response.content.decode().count('class="slot-card"') == cards


def test_door_sign_lists_the_rooms_hours_with_cards_and_free_slots(client, day):
    make_card(slot=slot("Room A", 11), title="Packaging pains", host_name="Priya")
    room = Room.objects.get(name="Room A")
    response = client.get(
        reverse("boards:room_print", kwargs={"date": day.date, "room_id": room.pk})
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in html and "Room A</h1>" in html
    assert "Level 2, by the escalators" in html
    assert "Packaging pains" in html and "Priya" in html
    assert html.count("free: scan to host here") == 2  # 10:00 and 12:00
    assert "Room B" not in html
    live = f"http://testserver/room/{room.pk}/?day=2027-05-14"
    assert f"QR code: {live}" in html
    assert 'class="paper paper-letter portrait"' in html


def test_all_door_signs_of_a_day_one_room_a_sheet(client, day):
    response = client.get(reverse("boards:rooms_print", kwargs={"date": day.date}))
    html = response.content.decode()
    assert html.count('<article class="sheet door"') == 2
    assert "Room A</h1>" in html and "Room B</h1>" in html


def test_door_sign_of_an_unknown_room_is_404(client, day):
    url = reverse("boards:room_print", kwargs={"date": day.date, "room_id": 999_999})
    assert client.get(url).status_code == 404


def test_day_at_a_glance_links_to_the_print_pages(chair_client, day):
    response = chair_client.get(reverse("admin:boards_day_glance", args=[day.pk]))
    html = response.content.decode()
    assert reverse("boards:day_print", kwargs={"date": day.date}) in html
    assert reverse("boards:rooms_print", kwargs={"date": day.date}) in html
    for room in Room.objects.all():
        sign = reverse("boards:room_print", kwargs={"date": day.date, "room_id": room.pk})
        assert f'href="{sign}"' in html


def test_print_pages_and_the_room_page_answer_head(client, day):
    room = Room.objects.get(name="Room A")
    for url in (
        print_url(day),
        reverse("boards:room_print", kwargs={"date": day.date, "room_id": room.pk}),
        reverse("boards:rooms_print", kwargs={"date": day.date}),
        reverse("boards:room", kwargs={"room_id": room.pk}),
        reverse("boards:soon"),
    ):
        response = client.head(url)
        assert (response.status_code, response.content) == (200, b""), url


def test_a_printed_page_is_answered_304_within_its_minute_and_fresh_after(client, day):
    """The paper pages are cached like the boards, but "Printed at" is to the minute: a
    page fetched a minute later says so, and a card pinned since is on it."""
    with time_machine.travel(local(2027, 5, 14, 9) + dt.timedelta(seconds=10), tick=False):
        first = client.get(print_url(day))
    with time_machine.travel(local(2027, 5, 14, 9) + dt.timedelta(seconds=50), tick=False):
        again = client.get(print_url(day), headers={"If-None-Match": first["ETag"]})
    with time_machine.travel(local(2027, 5, 14, 9, 1) + dt.timedelta(seconds=5), tick=False):
        later = client.get(print_url(day), headers={"If-None-Match": first["ETag"]})
        make_card(slot=slot("Room A", 11), title="Pinned since")
        after_card = client.get(print_url(day), headers={"If-None-Match": later["ETag"]})
    assert again.status_code == 304
    assert later.status_code == 200
    assert "09:01" in later.text and "09:00" in first.text
    assert after_card.status_code == 200
    assert "Pinned since" in after_card.text
