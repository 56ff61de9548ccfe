"""The host's private manage link: edit, move, release; and its secrecy."""

import re

import pytest
import time_machine
from django.test import Client as client_class

from boards.models import Card, Slot
from boards.services.cards import Actor, card_remove
from tests.factories import committed, conference, local, make_card

pytestmark = pytest.mark.django_db

TYPED = {"title": "Type hints", "description": "", "host_name": "Lukas", "host_handle": ""}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(local(2027, 5, 14, 9), tick=False) as traveller:
        yield traveller


@pytest.fixture
def claimed(client):
    """A card claimed through the form, and its manage URL as the host received it."""
    conference(days=1, rooms=2, hours=(10, 12))
    slot = Slot.objects.order_by("starts_at", "room__name").first()
    with committed():
        response = client.post(f"/slot/{slot.pk}/claim/", {**TYPED, "email": ""})
    page = client.get(response["Location"]).content.decode()
    url = re.search(r'href="http://testserver(/card/\d+/manage/[^"]+/)"', page)[1]
    return Card.objects.get(), url


def test_manage_page_offers_edit_move_and_release(client, claimed):
    card, url = claimed
    html = client.get(url).content.decode()
    assert 'value="Type hints"' in html
    assert f'action="{url}move/"' in html
    assert f'action="{url}release/"' in html
    assert "no-store" in client.get(url)["Cache-Control"]


def test_manage_edit_changes_the_card_and_the_board(client, claimed):
    card, url = claimed
    with committed():
        response = client.post(url, {**TYPED, "title": "Typing at scale"})
    assert response.status_code == 303
    assert response["Location"] == url  # the clean address: a bookmark replays nothing
    card.refresh_from_db()
    assert card.title == "Typing at scale"
    assert "Typing at scale" in client.get("/day/2027-05-14/").content.decode()
    assert "Your changes are on the board." in client.get(url).content.decode()
    assert "Your changes are on the board." not in client.get(url).content.decode()  # once


def test_manage_page_asks_to_bookmark_it_on_the_first_visit_only(client, claimed):
    card, url = claimed
    first = client.get(url)
    assert "Bookmark this page now" in first.content.decode()
    assert first.cookies["os_manage_seen"]["path"] == url
    again = client.get(url).content.decode()
    assert "Bookmark this page now" not in again
    assert "This page’s address is your private link." in again  # one quiet line stays
    # Another browser opening the link (the host's laptop) is told too.
    assert "Bookmark this page now" in client_class().get(url).content.decode()


def test_manage_edit_with_errors_counts_them_as_the_claim_form_does(client, claimed):
    card, url = claimed
    response = client.post(url, {**TYPED, "title": "", "host_name": ""})
    assert response.status_code == 422
    assert "Please fix 2 things below." in response.content.decode()


def test_manage_edit_with_errors_is_422_and_keeps_the_text(client, claimed):
    card, url = claimed
    response = client.post(url, {**TYPED, "title": "", "description": "Kept text"})
    assert response.status_code == 422
    assert "Kept text" in response.content.decode()
    card.refresh_from_db()
    assert card.title == "Type hints"


def test_manage_move_to_a_free_slot(client, claimed):
    card, url = claimed
    target = Slot.objects.exclude(pk=card.slot_id).order_by("-starts_at").first()
    with committed():
        response = client.post(f"{url}move/", {"to_slot": target.pk})
    assert response.status_code == 303
    card.refresh_from_db()
    assert card.slot == target


def test_manage_move_to_a_taken_slot_is_409_and_the_card_stays(client, claimed):
    card, url = claimed
    target = Slot.objects.exclude(pk=card.slot_id).first()
    make_card(slot=target, title="Already here")
    response = client.post(f"{url}move/", {"to_slot": target.pk})
    assert response.status_code == 409
    assert "Someone else has just taken this slot." in response.content.decode()
    card.refresh_from_db()
    assert card.slot_id != target.pk


def test_manage_release_frees_the_slot_and_keeps_the_card(client, claimed):
    card, url = claimed
    with committed():
        response = client.post(f"{url}release/", {"confirm": "release"})
    assert response.status_code == 303
    card.refresh_from_db()
    assert card.status == Card.Status.RELEASED
    board = client.get("/day/2027-05-14/").content.decode()
    assert "Type hints" not in board
    assert f'href="/slot/{card.slot_id}/claim/"' in board
    assert client.get(f"/card/{card.pk}/").status_code == 410
    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert "You released this card" in page
    # Not a dead end: the board, and free slots to host another one.
    assert 'href="/day/2027-05-14/"' in page
    other = Slot.objects.exclude(pk=card.slot_id).order_by("starts_at", "room__name").first()
    assert f'href="/slot/{other.pk}/claim/"' in page


def test_manage_wrong_token_is_404(client, claimed):
    card, url = claimed
    assert client.get(f"/card/{card.pk}/manage/not-the-token/").status_code == 404
    assert client.post(f"/card/{card.pk}/manage/not-the-token/release/").status_code == 404
    card.refresh_from_db()
    assert card.is_active


def test_manage_token_is_stored_only_as_a_hash(claimed):
    card, url = claimed
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert token not in card.manage_token_hash
    assert card.manage_token_hash == Card.hash_token(token)
    for value in Card.objects.values().get().values():
        assert token not in str(value)


def test_manage_token_appears_in_no_public_page(client, claimed):
    from django.test import Client

    card, url = claimed
    token = url.rstrip("/").rsplit("/", 1)[1]
    stranger = Client()
    for page in ("/", "/day/2027-05-14/", f"/card/{card.pk}/", f"/slot/{card.slot_id}/claim/"):
        assert token not in stranger.get(page).content.decode(), page
    assert token not in client.get(f"/card/{card.pk}/").content.decode()  # shown only once


# Issue 11: nothing irreversible on one tap; a way back for the browser that pinned it.


def test_manage_release_first_asks_to_confirm_and_changes_nothing(client, claimed):
    card, url = claimed

    response = client.post(f"{url}release/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Release this slot?" in html
    assert 'name="confirm" value="release"' in html
    assert f'href="{url}">No, keep my card' in html
    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE


def test_manage_move_without_a_choice_is_422_and_moves_nothing(client, claimed):
    card, url = claimed

    response = client.post(f"{url}move/", {"to_slot": ""})

    assert response.status_code == 422
    assert "Pick a free slot to move to." in response.content.decode()
    assert Card.objects.get(pk=card.pk).slot == card.slot


def test_manage_move_lists_free_slots_by_day_and_hour_with_none_chosen(client, claimed):
    card, url = claimed
    html = client.get(url).content.decode()
    select = re.search(r'<select name="to_slot".*?</select>', html, re.S)[0]
    assert re.findall(r'<optgroup label="([^"]+)">', select) == [
        "Friday 14 May, 10:00",
        "Friday 14 May, 11:00",
    ]
    assert '<option value="" selected>Choose a free slot…</option>' in select
    assert select.count("selected") == 1


def test_card_page_leads_the_browser_that_pinned_it_back_to_its_manage_page(client, claimed):
    from django.test import Client

    card, url = claimed
    client.get(f"/card/{card.pk}/")  # the one showing of the link itself

    again = client.get(f"/card/{card.pk}/")
    back = client.get(f"/card/{card.pk}/manage/")
    stranger = Client().get(f"/card/{card.pk}/manage/")

    assert f'href="/card/{card.pk}/manage/">Manage your card' in again.content.decode()
    assert "no-store" in again["Cache-Control"]
    assert back.status_code == 303
    assert back["Location"] == url
    assert stranger.status_code == 404
    assert 'href="/manage/lost/">have a new link mailed to you' in stranger.content.decode()
    assert "find the Open Spaces chair" in stranger.content.decode()
    assert "Manage your card" not in Client().get(f"/card/{card.pk}/").content.decode()


def removed_by_chair(card: Card) -> None:
    with committed():
        card_remove(card=card, reason="Off topic for this conference", actor=Actor.chair("c"))


def test_manage_edit_of_a_removed_card_is_refused_with_the_chairs_reason(client, claimed):
    card, url = claimed
    page = client.get(url)  # the host's page, loaded before the chair acts
    assert page.status_code == 200
    removed_by_chair(card)
    with committed():
        response = client.post(url, {**TYPED, "title": "Type hints, at last"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Off topic for this conference" in html
    assert "Your changes were not saved." in html
    assert "Type hints, at last" in html  # what was typed is not lost
    card.refresh_from_db()
    assert (card.status, card.title) == (Card.Status.REMOVED, "Type hints")


def test_manage_move_of_a_removed_card_is_refused_and_it_stays_removed(client, claimed):
    card, url = claimed
    other = Slot.objects.exclude(pk=card.slot_id).first()
    removed_by_chair(card)
    with committed():
        response = client.post(f"{url}move/", {"to_slot": other.pk})
    assert response.status_code == 409
    assert "Off topic for this conference. It was not moved." in response.content.decode()
    card.refresh_from_db()
    assert (card.status, card.slot_id) == (Card.Status.REMOVED, card.slot_id)
    assert card.removed_reason == "Off topic for this conference"
    assert not other.cards.exists()


def test_manage_release_of_a_removed_card_is_refused_and_it_stays_removed(client, claimed):
    card, url = claimed
    removed_by_chair(card)
    with committed():
        response = client.post(f"{url}release/")
    assert response.status_code == 409
    assert "It was not released." in response.content.decode()
    card.refresh_from_db()
    assert card.status == Card.Status.REMOVED


def test_way_back_page_of_a_card_taken_down_does_not_repeat_its_title(client, claimed):
    from django.test import Client

    card, _url = claimed
    removed_by_chair(card)
    stranger = Client()

    response = stranger.get(f"/card/{card.pk}/manage/")
    head = stranger.head(f"/card/{card.pk}/manage/")

    assert response.status_code == head.status_code == 404
    html = response.content.decode()
    assert "This browser did not pin this open space" in html
    assert "Type hints" not in html


def test_manage_move_and_release_addresses_opened_by_get_lead_to_the_manage_page(client, claimed):
    card, url = claimed
    for action in ("move/", "release/"):
        response = client.get(f"{url}{action}")
        assert response.status_code == 303
        assert response["Location"] == url
    assert Card.objects.get(pk=card.pk).status == Card.Status.ACTIVE


def test_manage_shows_the_chairs_reason_as_one_sentence_whatever_its_full_stop(client, claimed):
    card, url = claimed
    with committed():
        card_remove(card=card, reason="Off topic; join the 14:00 one.", actor=Actor.chair("c"))
    html = client.get(url).content.decode()
    assert "Off topic; join the 14:00 one. Find the chair" in html
    assert "one.." not in html
