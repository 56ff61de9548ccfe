"""The claim contract of DESIGN.md, through the test client."""

import re

import pytest
import time_machine
from django.core import mail

from boards.models import Card, Slot
from boards.services.grid import slots_block
from tests.factories import committed, conference, local, make_card, run_tasks

pytestmark = pytest.mark.django_db

BEFORE_TEN = local(2027, 5, 14, 9)
TYPED = {
    "title": "Packaging: uv and lockfiles",
    "description": "Bring your pyproject.toml pains.",
    "host_name": "Priya",
    "host_handle": "@priya@fosstodon.org",
    "email": "priya@example.org",
}


@pytest.fixture
def slots():
    conference(days=1, rooms=2, hours=(10, 13))
    return list(Slot.objects.order_by("starts_at", "room__name"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(BEFORE_TEN, tick=False) as traveller:
        yield traveller


def claim(client, slot, data=None, **headers):
    with committed():
        return client.post(f"/slot/{slot.pk}/claim/", data or TYPED, headers=headers)


def assert_typed_values_kept(html: str, data: dict = TYPED) -> None:
    for name in ("title", "host_name", "host_handle", "email"):
        assert f'value="{data[name]}"' in html, name
    assert data["description"] in html


def test_claim_form_shows_day_time_room_capacity_and_location(client, slots):
    slots[0].room.capacity, slots[0].room.location = 40, "Level 1, north hall"
    slots[0].room.save()
    response = client.get(f"/slot/{slots[0].pk}/claim/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Friday 14 May, 10:00–11:00" in html
    assert "Room A" in html
    assert "40 seats" in html
    assert "Level 1, north hall" in html
    for name in ("title", "description", "host_name", "host_handle", "email"):
        assert f'name="{name}"' in html


def test_claim_succeeds_with_303_to_the_card_which_shows_the_manage_link_once(client, slots):
    response = claim(client, slots[0])
    card = Card.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/card/{card.pk}/"
    first = client.get(response["Location"]).content.decode()
    second = client.get(response["Location"]).content.decode()
    link = re.search(r'href="(http://testserver/card/\d+/manage/[^"/]+/)"', first)
    assert link, "the manage link is on the card page after the claim"
    token = link[1].rstrip("/").rsplit("/", 1)[1]
    assert token not in second  # the link itself is shown once; this browser gets a way back
    assert client.get(link[1]).status_code == 200
    assert card.title == TYPED["title"]
    assert card.host_handle == "@priya@fosstodon.org"
    assert card.slot == slots[0]


def test_claim_emails_the_manage_link_when_an_address_is_given(client, slots):
    claim(client, slots[0])
    run_tasks()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["priya@example.org"]
    assert re.search(r"http://testserver/card/\d+/manage/\S+/", message.body)


def test_claim_without_email_sends_nothing(client, slots):
    claim(client, slots[0], {**TYPED, "email": ""})
    run_tasks()
    assert Card.objects.count() == 1
    assert mail.outbox == []


def test_claim_card_appears_on_the_board(client, slots):
    client.get("/day/2027-05-14/")  # warm the cache
    claim(client, slots[0])
    assert TYPED["title"] in client.get("/day/2027-05-14/").content.decode()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"title": "x" * 81}, "title", "at most 80 characters"),
        ({"host_name": "   "}, "host_name", "This field is required."),
        ({"description": "d" * 401}, "description", "at most 400 characters"),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"host_handle": "@@@"}, "host_handle", "Use a form such as"),
        # A NUL byte never reaches the form: the input gate answers it (test_bad_input).
    ],
)
def test_claim_invalid_field_is_422_with_the_error_beside_it_and_values_kept(
    client, slots, change, field, message
):
    data = {**TYPED, **change}
    response = claim(client, slots[0], data)
    html = response.content.decode()
    assert response.status_code == 422
    assert not Card.objects.exists()
    error = re.search(rf'<p class="error" id="id_{field}_error">(.*?)</p>', html, re.S)
    assert error and message in error[1]
    kept = {name: value for name, value in data.items() if name not in change}
    for name, value in kept.items():
        assert value in html, name


def test_claim_of_a_slot_taken_a_moment_ago_is_409_with_text_kept_and_alternatives(client, slots):
    make_card(slot=slots[0], title="Got there first")
    response = claim(client, slots[0])
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else has just taken this slot." in html
    assert_typed_values_kept(html)
    alternatives = re.findall(r'form="claim-form" formaction="/slot/(\d+)/claim/"', html)
    alternatives = [int(pk) for pk in alternatives if int(pk) != slots[0].pk]
    assert alternatives[0] == slots[1].pk  # the same hour, the other room, first
    assert 1 <= len(alternatives) <= 5
    assert Card.objects.count() == 1


def test_claim_alternative_button_claims_that_slot_with_the_same_text(client, slots):
    make_card(slot=slots[0], title="Got there first")
    html = claim(client, slots[0]).content.decode()
    # The button sends the claim form, as it stands, to its own slot.
    button = re.search(r'<button type="submit" form="(.*?)" formaction="(.*?)">', html)
    form = re.search(rf'<form [^>]*id="{button[1]}".*?</form>', html, re.S)
    fields = dict(re.findall(r'<input type="\w+" name="(\w+)" value="([^"]*)"', form[0]))
    fields.update(re.findall(r'<textarea name="(\w+)"[^>]*>\n?(.*?)</textarea>', form[0], re.S))
    assert button[2] == f"/slot/{slots[1].pk}/claim/"
    response = client.post(button[2], fields)
    assert response.status_code == 303
    assert Card.objects.get(slot=slots[1]).title == TYPED["title"]


def test_claim_of_a_blocked_slot_is_409_with_the_reason(client, slots):
    slots_block(slot_ids=[slots[0].pk], reason="Sponsor lunch")
    response = claim(client, slots[0])
    assert response.status_code == 409
    assert "This slot is blocked: Sponsor lunch." in response.content.decode()
    assert_typed_values_kept(response.content.decode())


def test_a_walk_up_claim_of_the_hour_under_way_is_taken_in_its_first_minutes(
    client, slots, frozen
):
    frozen.move_to(local(2027, 5, 14, 10, 5))
    response = claim(client, slots[0])
    assert response.status_code == 303
    assert Card.objects.get().slot == slots[0]
    board = client.get("/day/2027-05-14/").content.decode()
    assert f"/slot/{slots[1].pk}/claim/" in board  # the other room of the hour under way


def test_claim_of_a_started_slot_is_409(client, slots, frozen):
    frozen.move_to(local(2027, 5, 14, 10, 15))  # past the walk-up minutes (15 by default)
    response = claim(client, slots[0])
    assert response.status_code == 409
    assert "This slot has already started." in response.content.decode()
    assert not Card.objects.exists()


def test_claim_before_the_board_opens_is_409(client, slots, frozen):
    frozen.move_to(local(2027, 5, 13, 17, 29))
    response = claim(client, slots[0])
    assert response.status_code == 409
    assert "This board opens Thursday at 17:30" in response.content.decode()


def test_claim_of_no_such_slot_is_404(client, slots):
    assert client.get("/slot/999999/claim/").status_code == 404
    assert client.post("/slot/999999/claim/", TYPED).status_code == 404


def test_claim_too_fast_from_one_address_is_429_with_text_kept(client, slots, settings):
    settings.OPENSPACES_CLAIM_RATE = 2
    assert claim(client, slots[0]).status_code == 303
    assert claim(client, slots[1]).status_code == 303
    response = claim(client, slots[2])
    assert response.status_code == 429
    assert "Too many claims" in response.content.decode()
    assert_typed_values_kept(response.content.decode())
    assert Card.objects.count() == 2


def test_claim_rate_limit_zero_turns_it_off(client, slots, settings):
    settings.OPENSPACES_CLAIM_RATE = 0
    statuses = [claim(client, slot).status_code for slot in slots]
    assert statuses == [303] * len(slots)


def test_claim_honeypot_filled_in_is_refused(client, slots):
    response = claim(client, slots[0], {**TYPED, "website": "http://spam.example"})
    assert response.status_code == 422
    assert not Card.objects.exists()


def test_claim_without_csrf_token_is_refused(slots):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(f"/slot/{slots[0].pk}/claim/", TYPED)
    assert response.status_code == 403
    assert not Card.objects.exists()


# htmx: the same statuses, with a fragment in place of a page.


def test_claim_htmx_form_is_a_fragment(client, slots):
    response = client.get(f"/slot/{slots[0].pk}/claim/", headers={"hx-request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="claim"')
    assert "<html" not in html


@pytest.mark.parametrize(
    ("arrange", "data", "status"),
    [
        (lambda slot: None, {**TYPED, "title": ""}, 422),
        (lambda slot: make_card(slot=slot), TYPED, 409),
    ],
)
def test_claim_htmx_errors_have_the_same_status_and_a_fragment(
    client, slots, arrange, data, status
):
    arrange(slots[0])
    response = claim(client, slots[0], data, hx_request="true")
    assert response.status_code == status
    assert "<html" not in response.content.decode()
    assert '<section class="claim"' in response.content.decode()


def test_claim_htmx_success_ends_on_the_cards_own_page_as_a_reload_would(client, slots):
    response = claim(client, slots[0], hx_request="true")
    assert response.status_code == 303
    card_url = response["Location"]
    # The board's panel asks for the card: it is told to load the card's page whole.
    answer = client.get(card_url, headers={"hx-request": "true"})
    assert answer["HX-Redirect"] == card_url
    assert "/manage/" not in answer.content.decode()
    page = client.get(card_url)  # the page the browser loads: the manage link, once
    assert "<html" in page.content.decode()
    assert "/manage/" in page.content.decode()
    again = client.get(card_url).content.decode()  # a reload: the same card, no link
    assert "Your card is on the board" not in again
    assert "Manage your card" in again


def test_claim_form_of_a_taken_slot_says_so_and_links_free_slots_nearby(client, slots):
    make_card(slot=slots[0], title="Got there first")
    response = client.get(f"/slot/{slots[0].pk}/claim/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "This slot is already taken." in html
    assert f'<a href="/slot/{slots[1].pk}/claim/">' in html
    assert 'name="title"' not in html


def test_claim_writes_no_session_and_scopes_the_manage_link_cookie_to_the_card(client, slots):
    response = claim(client, slots[0])
    card = Card.objects.get()
    assert "sessionid" not in response.cookies
    cookie = response.cookies["claimed"]
    assert cookie["path"] == f"/card/{card.pk}/"
    assert cookie["httponly"]
    assert cookie["max-age"] == 600
    stranger = client.__class__()
    stranger.cookies["claimed"] = cookie.value  # not for this card's path: ignored elsewhere
    other = make_card(slot=slots[1], title="Someone else's")
    assert "/manage/" not in stranger.get(f"/card/{other.pk}/").content.decode()


def test_claim_of_a_taken_slot_offers_a_free_one_not_the_same_slot_again(client, slots):
    make_card(slot=slots[0], title="Got there first")
    html = claim(client, slots[0]).content.decode()

    assert "Try this slot again" not in html
    main_button = re.search(r'<button type="submit" class="primary" formaction="([^"]+)">', html)
    assert main_button[1] == f"/slot/{slots[1].pk}/claim/"  # the nearest free slot
    assert f"Pin it on {slots[1].room.name}," in html


def browser(client, slot) -> None:
    """Load the claim form as a browser does: it brings the CSRF cookie, the browser's key."""
    assert client.get(f"/slot/{slot.pk}/claim/").status_code == 200


def test_claim_sent_twice_by_the_same_browser_is_one_card_with_its_manage_link(
    client, slots, frozen
):
    browser(client, slots[0])
    first = claim(client, slots[0])
    frozen.shift(60 * 9)  # the first answer never arrived; nine minutes later, again
    again = claim(client, slots[0])
    card = Card.objects.get()
    assert (first.status_code, again.status_code) == (303, 303)
    assert first["Location"] == again["Location"] == card.get_absolute_url()
    html = client.get(again["Location"]).content.decode()
    assert f"/card/{card.pk}/manage/" in html
    assert card.events.count() == 1  # one claim in its history
    run_tasks()
    assert len(mail.outbox) == 1  # the manage link is mailed once


def test_claim_sent_again_after_ten_minutes_is_a_new_claim_refused_as_taken(client, slots, frozen):
    browser(client, slots[0])
    claim(client, slots[0])
    frozen.shift(60 * 11)
    response = claim(client, slots[0])
    assert response.status_code == 409
    assert Card.objects.count() == 1


def test_same_claim_from_another_browser_is_taken_not_repeated(client, slots):
    browser(client, slots[0])
    claim(client, slots[0])
    other = type(client)()
    browser(other, slots[0])
    response = claim(other, slots[0])
    assert response.status_code == 409
    assert "Someone else has just taken this slot." in response.content.decode()
    assert "You already pinned" not in response.content.decode()


def test_claim_409_links_to_the_card_this_browser_already_holds_for_that_text(client, slots):
    browser(client, slots[0])
    mine = claim(client, slots[0])
    # The first answer was lost; the host picks another slot, which is taken meanwhile.
    make_card(slot=slots[1], title="Someone else's")
    response = claim(client, slots[1])
    html = response.content.decode()
    card = Card.objects.get(title=TYPED["title"])
    assert response.status_code == 409
    assert mine["Location"] == card.get_absolute_url()
    assert "You already pinned" in html
    assert f'href="/card/{card.pk}/manage/' in html
    # No one-tap claim of the same text on another slot; the typed form is kept.
    assert html.count('type="hidden" name="title"') == 0
    assert_typed_values_kept(html)
    assert Card.objects.filter(title=TYPED["title"]).count() == 1


def test_claim_422_links_to_the_card_this_browser_already_holds_for_that_text(client, slots):
    browser(client, slots[0])
    claim(client, slots[0])
    response = claim(client, slots[1], {**TYPED, "host_handle": "not a handle at all !"})
    assert response.status_code == 422
    assert "You already pinned" in response.content.decode()


# Alternatives: around now, the same day first -------------------------------------------


def offered(html: str) -> list[int]:
    """The slots the page offers instead, in order: each a button that sends the claim form."""
    return [
        int(pk) for pk in re.findall(r'form="claim-form" formaction="/slot/(\d+)/claim/"', html)
    ]


def test_claim_of_a_started_slot_offers_the_free_slots_from_now_on(client, frozen):
    conference(days=1, rooms=2, hours=(10, 18))
    ten = Slot.objects.filter(starts_at=local(2027, 5, 14, 10)).first()
    frozen.move_to(local(2027, 5, 14, 14, 20))
    response = claim(client, ten)
    html = response.content.decode()
    assert response.status_code == 409
    assert "This slot has already started." in html
    assert "No other slot close in time is free." not in html
    starts = [Slot.objects.get(pk=pk).starts_at for pk in offered(html) if pk != ten.pk]
    # The two rooms at 15:00, then at 16:00, then one at 17:00: nothing that has begun.
    assert starts == [local(2027, 5, 14, hour) for hour in (15, 15, 16, 16, 17)]
    assert_typed_values_kept(html)


def test_claim_of_a_started_slot_shown_by_get_offers_the_slots_from_now_on(client, frozen):
    conference(days=1, rooms=1, hours=(10, 18))
    ten = Slot.objects.get(starts_at=local(2027, 5, 14, 10))
    frozen.move_to(local(2027, 5, 14, 14, 20))
    html = client.get(f"/slot/{ten.pk}/claim/").content.decode()
    assert "No other slot close in time is free." not in html
    assert html.count('class="alternatives"') == 1
    assert "15:00" in html.split('class="alternatives"')[1]


def test_claim_of_a_taken_slot_offers_the_same_day_before_the_next(client, frozen):
    first, _second = conference(days=2, rooms=1, hours=(10, 13))
    last = Slot.objects.get(starts_at=local(2027, 5, 14, 12))
    for taken in Slot.objects.filter(day=first).exclude(pk=last.pk):
        make_card(slot=taken)
    make_card(slot=last, title="Got there first")
    frozen.move_to(local(2027, 5, 14, 9))
    html = claim(client, last).content.decode()
    # Nothing is free on the first day: the second's slots, the first in the morning first.
    assert [Slot.objects.get(pk=pk).starts_at for pk in offered(html) if pk != last.pk] == [
        local(2027, 5, 15, hour) for hour in (10, 11, 12)
    ]
