"""Rules the database itself enforces, whatever Python does."""

import pytest
from django.db import IntegrityError, transaction

from boards.models import Card, Slot
from tests.factories import make_card, make_slot

pytestmark = pytest.mark.django_db


def test_card_second_active_card_on_a_slot_is_refused_by_the_database():
    slot = make_slot()
    make_card(slot=slot)
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.create(slot=slot, title="Duplicate", host_name="Bob", manage_token_hash="x")
    assert Card.objects.filter(slot=slot).count() == 1


def test_card_released_and_removed_cards_stay_and_free_the_slot():
    slot = make_slot()
    make_card(slot=slot, status=Card.Status.RELEASED)
    make_card(slot=slot, status=Card.Status.REMOVED)
    make_card(slot=slot, title="Now on the board")
    assert Card.objects.filter(slot=slot).count() == 3
    assert list(Card.objects.active().values_list("title", flat=True)) == ["Now on the board"]


def test_card_status_outside_the_choices_is_refused_by_the_database():
    slot = make_slot()
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.create(slot=slot, title="T", host_name="H", status="hidden-ish")


def test_slot_same_room_and_hour_twice_is_refused_by_the_database():
    slot = make_slot()
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.create(day=slot.day, room=slot.room, starts_at=slot.starts_at)
