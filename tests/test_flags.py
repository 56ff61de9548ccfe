"""Attendees flag cards; past the limit a card is hidden until the chair answers."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from boards.models import Card, Flag
from tests.factories import make_card, make_slot


def _flag(client: Client, card: Card, address: str = "192.0.2.1", reason: str = "Spam"):
    return client.post(
        reverse("boards:card_flag", args=[card.pk]), {"reason": reason}, REMOTE_ADDR=address
    )


@pytest.mark.django_db
def test_card_page_has_a_flag_form_with_csrf(client):
    card = make_card()

    response = client.get(card.get_absolute_url())

    assert f'action="{reverse("boards:card_flag", args=[card.pk])}"' in response.text
    assert "csrfmiddlewaretoken" in response.text


@pytest.mark.django_db
def test_flag_records_it_and_thanks_the_attendee(client):
    card = make_card()

    response = _flag(client, card)
    page = client.get(card.get_absolute_url())

    assert (response.status_code, response["Location"]) == (303, card.get_absolute_url())
    assert Flag.objects.filter(card=card).count() == 1
    assert "the Open Spaces chair will look at this card" in page.text
    assert card.events.get().action == "flagged"


@pytest.mark.django_db
def test_flag_twice_from_one_browser_counts_once(client):
    card = make_card()

    _flag(client, card)
    _flag(client, card)

    assert Flag.objects.filter(card=card).count() == 1


@pytest.mark.django_db
def test_flag_without_csrf_token_is_refused():
    card = make_card()
    client = Client(enforce_csrf_checks=True)

    response = _flag(client, card)

    assert response.status_code == 403
    assert Flag.objects.count() == 0


@pytest.mark.django_db
def test_flag_by_get_is_not_allowed(client):
    card = make_card()

    response = client.get(reverse("boards:card_flag", args=[card.pk]))

    assert response.status_code == 405


@pytest.mark.django_db
def test_flag_at_the_limit_hides_the_card_from_the_board(
    settings, django_capture_on_commit_callbacks
):
    settings.OPENSPACES_FLAG_LIMIT = 3
    slot = make_slot(hour=10)
    card = make_card(slot=slot, title="Buy crypto now")
    board_url = reverse("boards:day", args=[slot.day.date])
    before = Client().get(board_url)

    with django_capture_on_commit_callbacks(execute=True):  # the cached board is forgotten
        for person in range(3):
            _flag(Client(), card, address=f"192.0.2.{person}")
    after = Client().get(board_url)
    card_page = Client().get(card.get_absolute_url())

    card.refresh_from_db()
    assert card.status == Card.Status.HIDDEN
    assert "Buy crypto now" in before.text
    assert "Buy crypto now" not in after.text
    assert "Taken" in after.text
    assert card_page.status_code == 410
    assert "hidden until the Open Spaces chair" in card_page.text


@pytest.mark.django_db
def test_flag_below_the_limit_keeps_the_card_on_the_board(settings):
    settings.OPENSPACES_FLAG_LIMIT = 3
    card = make_card(title="Fine topic")

    for person in range(2):
        _flag(Client(), card, address=f"192.0.2.{person}")

    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE


@pytest.mark.django_db
def test_flag_too_fast_from_one_address_is_rate_limited(settings):
    settings.OPENSPACES_FLAG_RATE = 2
    first = make_slot(hour=10)
    slots = [first, make_slot(day=first.day, hour=11), make_slot(day=first.day, hour=12)]
    cards = [make_card(slot=slot) for slot in slots]
    client = Client()

    statuses = [_flag(client, card).status_code for card in cards]

    assert statuses == [303, 303, 429]
    assert Flag.objects.count() == 2


@pytest.mark.django_db
def test_board_stays_the_same_for_everyone_with_the_flag_feature(client):
    slot = make_slot(hour=10)
    make_card(slot=slot)

    response = client.get(reverse("boards:day", args=[slot.day.date]))

    assert "csrfmiddlewaretoken" not in response.text
    assert "Cookie" not in response.get("Vary", "")
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_clear_flags_action_puts_a_hidden_card_back(admin_client, settings):
    settings.OPENSPACES_FLAG_LIMIT = 1
    card = make_card()
    _flag(Client(), card)

    admin_client.post(
        reverse("admin:boards_card_changelist"),
        {"action": "clear_flags", ACTION_CHECKBOX_NAME: [card.pk], "apply": "1"},
    )

    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE
    assert Flag.objects.filter(card=card, cleared_at__isnull=True).count() == 0
    assert list(card.events.values_list("action", flat=True)) == [
        "flagged",
        "hidden",
        "restored",
    ]


@pytest.mark.django_db
def test_remove_action_on_a_hidden_card_frees_its_slot(admin_client, settings):
    settings.OPENSPACES_FLAG_LIMIT = 1
    card = make_card()
    _flag(Client(), card)

    admin_client.post(
        reverse("admin:boards_card_changelist"),
        {"action": "remove_cards", ACTION_CHECKBOX_NAME: [card.pk], "apply": "1",
         "reason": "Spam"},
    )  # fmt: skip

    card.refresh_from_db()
    assert (card.status, card.removed_reason) == (Card.Status.REMOVED, "Spam")


@pytest.mark.django_db
def test_manage_page_of_a_hidden_card_tells_the_host(client, settings):
    settings.OPENSPACES_FLAG_LIMIT = 1
    card = make_card()
    card.manage_token_hash = Card.hash_token("secret-token")
    card.save()
    _flag(Client(), card)

    response = client.get(reverse("boards:card_manage", args=[card.pk, "secret-token"]))

    assert "hidden from the board until the Open Spaces chair" in response.text
    assert "Save changes" not in response.text


@pytest.mark.django_db
def test_the_report_form_is_folded_and_opens_again_with_its_error(client):
    card = make_card()
    folded = client.get(card.get_absolute_url()).text
    assert '<details class="flag">' in folded

    refused = _flag(client, card, reason="   ")
    assert refused.status_code == 422
    assert '<details class="flag" open>' in refused.text
    assert "Say in a few words what is wrong, for the chair." in refused.text
