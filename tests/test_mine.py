"""/mine/: this browser's own page (the cards it follows, with what changed since, clashes;
the cards it pinned) and its private calendar subscription."""

import datetime as dt
import re

import icalendar
import pytest
import time_machine
import vobject
from django.urls import reverse

from boards.models import Card, Slot
from boards.services.cards import Actor, card_move, card_remove
from tests.factories import committed, conference, local, make_card

pytestmark = pytest.mark.django_db

CHAIR = Actor.chair("chair")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(local(2027, 5, 14, 8), tick=False) as traveller:
        yield traveller


@pytest.fixture
def slots() -> list[Slot]:
    conference(days=1, rooms=3, hours=(10, 13))
    return list(Slot.objects.select_related("room").order_by("starts_at", "room__name"))


def interested(client, card: Card) -> None:
    with committed():
        response = client.post(
            reverse("boards:card_interest", args=[card.pk]), {"interested": "1"}
        )
    assert response.status_code == 303


def moved(card: Card, slot: Slot) -> None:
    with committed():
        card_move(
            card=Card.objects.get(pk=card.pk), to_slot=slot, now=local(2027, 5, 14, 8), actor=CHAIR
        )


def calendar_path(client) -> str:
    with committed():
        response = client.post(reverse("boards:mine_calendar_key"), {"action": "renew"})
    assert response.status_code == 303
    html = client.get(reverse("boards:mine")).content.decode()
    return re.search(r'id="calendar-url">http://testserver(/mine/[^/]+/calendar\.ics)<', html)[1]


def visible(html: str) -> str:
    """The page's text as read, tags out and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def events(body: bytes) -> dict[str, icalendar.Event]:
    return {
        str(event["uid"]): event for event in icalendar.Calendar.from_ical(body).walk("VEVENT")
    }


def test_mine_lists_followed_cards_in_time_order(client, slots):
    late = make_card(slot=slots[6], title="Late one")
    early = make_card(slot=slots[0], title="Early one")
    interested(client, late)
    interested(client, early)
    html = client.get("/mine/").content.decode()
    assert html.index("Early one") < html.index("Late one")


def test_a_moved_card_shows_its_new_time_and_room_and_where_it_was(client, slots, frozen):
    card = make_card(slot=slots[0], title="Async ORM")
    interested(client, card)
    frozen.shift(dt.timedelta(minutes=1))
    moved(card, slots[5])
    text = visible(client.get("/mine/").content.decode())
    assert (
        "Async ORM Friday 14 May, 11:00–12:00 · Room C Moved since you said you were "
        "interested. It was Friday 14 May, 10:00 in Room A."
    ) in text


def test_a_card_moved_before_the_interest_is_not_news(client, slots, frozen):
    card = make_card(slot=slots[0], title="Async ORM")
    moved(card, slots[5])
    frozen.shift(dt.timedelta(minutes=1))
    interested(client, card)
    assert "Moved since" not in client.get("/mine/").content.decode()


def test_two_followed_cards_at_the_same_hour_are_flagged_as_a_clash(client, slots):
    first = make_card(slot=slots[0], title="Typing")
    second = make_card(slot=slots[1], title="Packaging")
    later = make_card(slot=slots[3], title="Testing")
    for card in (first, second, later):
        interested(client, card)
    html = client.get("/mine/").content.decode()
    assert "At one hour you follow more than one: pick one." in html
    assert html.count('class="space clash"') == 2
    assert f'another you follow:</strong> <a href="/card/{second.pk}/">Packaging</a>.' in html
    assert f'another you follow:</strong> <a href="/card/{first.pk}/">Typing</a>.' in html


def test_a_move_can_make_and_end_a_clash(client, slots):
    first = make_card(slot=slots[0], title="Typing")
    second = make_card(slot=slots[3], title="Packaging")
    interested(client, first)
    interested(client, second)
    assert "Clash:" not in client.get("/mine/").content.decode()
    moved(second, slots[1])
    assert "Clash:" in client.get("/mine/").content.decode()


def test_released_and_removed_cards_say_so_without_their_text(client, slots):
    removed = make_card(slot=slots[0], title="Spam spam")
    interested(client, removed)
    with committed():
        card_remove(card=removed, reason="Sales pitch", actor=CHAIR)
    html = client.get("/mine/").content.decode()
    assert "Taken down by the Open Spaces chair: it will not take place." in html
    assert "Spam spam" not in html


def test_mine_lists_the_cards_this_browser_pinned(client, slots):
    with committed():
        response = client.post(
            f"/slot/{slots[2].pk}/claim/", {"title": "My own space", "host_name": "Zoe"}
        )
    card = Card.objects.get(title="My own space")
    html = client.get("/mine/").content.decode()
    assert response.status_code == 303
    assert f'href="/card/{card.pk}/manage/"' in html
    # That link, in this browser, leads to the card's manage page.
    assert "/manage/" in client.get(f"/card/{card.pk}/manage/")["Location"]


def test_another_browser_sees_nothing_of_it(client, slots, django_user_model):
    from django.test import Client

    interested(client, make_card(slot=slots[0], title="Typing"))
    other = Client().get("/mine/").content.decode()
    assert "Typing" not in other
    assert "None yet." in other


def test_mine_is_private_and_never_in_a_shared_cache(client, slots):
    interested(client, make_card(slot=slots[0]))
    response = client.get("/mine/")
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    assert "ETag" not in response


def test_mine_reads_in_a_fixed_number_of_queries(client, slots, django_assert_max_num_queries):
    cards = [make_card(slot=slot, title=f"Card {slot.pk}") for slot in slots]
    interested(client, cards[0])
    with django_assert_max_num_queries(8):
        client.get("/mine/")
    for card in cards[1:]:
        interested(client, card)
    moved(
        cards[0],
        Slot.objects.create(
            day=slots[0].day, room=slots[0].room, starts_at=local(2027, 5, 14, 15)
        ),
    )
    calendar_path(client)
    with django_assert_max_num_queries(8):
        html = client.get("/mine/").content.decode()
    assert html.count('class="space') >= len(cards)


def test_the_card_page_links_to_mine_once_interested_and_the_footer_always(client, slots):
    card = make_card(slot=slots[0])
    before = client.get(card.get_absolute_url()).content.decode()
    interested(client, card)
    after = client.get(card.get_absolute_url()).content.decode()
    assert before.count('href="/mine/"') == 1  # the footer
    assert after.count('href="/mine/"') == 2


# The private calendar ----------------------------------------------------------------


def test_the_private_calendar_carries_the_followed_cards(client, slots):
    card = make_card(slot=slots[0], title="Async ORM")
    make_card(slot=slots[1], title="Not followed")
    interested(client, card)
    response = client.get(calendar_path(client))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    [event] = events(response.content).values()
    assert str(event["summary"]) == "Open space: Async ORM"
    assert str(event["uid"]) == f"card-{card.pk}@testserver"


def test_a_moved_card_keeps_its_uid_and_raises_its_sequence_in_two_parsers(client, slots, frozen):
    card = make_card(slot=slots[0], title="Async ORM")
    interested(client, card)
    path = calendar_path(client)
    before = client.get(path).content
    frozen.shift(dt.timedelta(minutes=5))
    moved(card, slots[5])
    after = client.get(path).content

    uid = f"card-{card.pk}@testserver"
    # icalendar (the library that writes it)
    old, new = events(before)[uid], events(after)[uid]
    assert int(new["sequence"]) > int(old["sequence"])
    assert new.decoded("dtstart") == slots[5].starts_at
    assert str(new["location"]) == slots[5].room.name
    # vobject: an independent parser (Radicale's)
    [parsed_old] = vobject.readOne(before.decode()).vevent_list
    [parsed_new] = vobject.readOne(after.decode()).vevent_list
    assert parsed_new.uid.value == parsed_old.uid.value == uid
    assert int(parsed_new.sequence.value) > int(parsed_old.sequence.value)
    assert parsed_new.dtstart.value == slots[5].starts_at
    assert parsed_new.status.value == "CONFIRMED"


def test_a_gone_card_is_cancelled_in_the_private_calendar(client, slots, frozen):
    card = make_card(slot=slots[0], title="Async ORM")
    interested(client, card)
    path = calendar_path(client)
    frozen.shift(dt.timedelta(minutes=5))
    with committed():
        card_remove(card=card, reason="Duplicate", actor=CHAIR)
    body = client.get(path).content
    [parsed] = vobject.readOne(body.decode()).vevent_list
    assert parsed.status.value == "CANCELLED"
    assert parsed.uid.value == f"card-{card.pk}@testserver"
    assert b"Async ORM" not in body
    assert str(events(body)[f"card-{card.pk}@testserver"]["status"]) == "CANCELLED"


def test_a_new_address_stops_the_old_one_and_stopping_stops_it(client, slots):
    interested(client, make_card(slot=slots[0]))
    old = calendar_path(client)
    new = calendar_path(client)
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    with committed():
        client.post(reverse("boards:mine_calendar_key"), {"action": "revoke"})
    assert client.get(new).status_code == 404
    assert 'id="calendar-url"' not in client.get("/mine/").content.decode()


def test_an_unknown_key_or_action_is_refused_plainly(client, slots):
    assert client.get("/mine/not-a-key/calendar.ics").status_code == 404
    assert client.post(reverse("boards:mine_calendar_key"), {"action": "x"}).status_code == 422


def test_the_key_is_not_stored_in_the_database(client, slots):
    from boards.models import CalendarKey

    path = calendar_path(client)
    key = path.split("/")[2]
    assert len(key) >= 40
    stored = CalendarKey.objects.values().get()
    assert key not in str(list(stored.values()))


def test_the_private_calendar_reads_in_a_fixed_number_of_queries(
    client, slots, django_assert_max_num_queries
):
    cards = [make_card(slot=slot, title=f"Card {slot.pk}") for slot in slots]
    interested(client, cards[0])
    path = calendar_path(client)
    with django_assert_max_num_queries(3):
        client.get(path)
    for card in cards[1:]:
        interested(client, card)
    with django_assert_max_num_queries(3):
        body = client.get(path).content
    assert len(events(body)) == len(cards)
