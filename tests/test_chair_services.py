"""The chair's services: remove, restore, move, flags, blocking, new rooms, the history."""

import threading

import pytest
from django.db import connection

from boards import services
from boards.models import Card, CardEvent, Day, Slot
from boards.services.cards import (
    ATTENDEE,
    DEMO,
    HOST,
    Actor,
    card_claim,
    card_flag,
    card_flags_clear,
    card_move,
    card_release,
    card_remove,
    card_restore,
    card_update,
)
from boards.services.grid import room_slots_create, slots_block
from tests.factories import conference, local, make_card, make_room, make_slot

CHAIR = Actor.chair("alice")
CLAIM_TIME = local(2027, 5, 14, 8)  # the first board is open, no slot has started


def _slots_of(day: Day) -> list[Slot]:
    return list(Slot.objects.filter(day=day).select_related("room").order_by("starts_at", "pk"))


@pytest.mark.django_db
def test_card_remove_frees_slot_and_keeps_reason():
    card = make_card()

    card_remove(card=card, reason="Off topic", actor=CHAIR)

    card.refresh_from_db()
    assert (card.status, card.removed_reason) == (Card.Status.REMOVED, "Off topic")
    assert Slot.objects.free().filter(pk=card.slot_id).exists()


@pytest.mark.django_db
def test_card_remove_when_released_refuses():
    card = make_card()
    card_release(card=card)

    with pytest.raises(services.CardNotOnBoard):
        card_remove(card=card, reason="Spam", actor=CHAIR)


@pytest.mark.django_db
def test_card_restore_when_slot_free_puts_card_back():
    card = make_card()
    card_remove(card=card, reason="Mistake", actor=CHAIR)

    card_restore(card=card, actor=CHAIR)

    card.refresh_from_db()
    assert (card.status, card.removed_reason) == (Card.Status.ACTIVE, "")


@pytest.mark.django_db
def test_card_restore_when_slot_taken_meanwhile_says_so():
    (day, *_) = conference()
    slot = _slots_of(day)[0]
    card = make_card(slot=slot)
    card_remove(card=card, reason="Mistake", actor=CHAIR)
    card_claim(slot=slot, title="Newcomer", host_name="Bo", now=CLAIM_TIME)

    with pytest.raises(services.SlotUnavailable, match="taken meanwhile"):
        card_restore(card=card, actor=CHAIR)

    card.refresh_from_db()
    assert card.status == Card.Status.REMOVED


@pytest.mark.django_db
def test_card_restore_when_slot_blocked_meanwhile_says_so():
    card = make_card()
    card_remove(card=card, reason="Mistake", actor=CHAIR)
    slots_block(slot_ids=[card.slot_id], reason="Sponsor workshop")

    with pytest.raises(services.SlotUnavailable, match="blocked: Sponsor workshop"):
        card_restore(card=card, actor=CHAIR)


@pytest.mark.django_db
def test_card_move_by_chair_ignores_slot_time_rules():
    (day, *_) = conference()
    first, second = _slots_of(day)[:2]
    card = make_card(slot=first)
    after_the_slots = local(2027, 5, 14, 20)

    card_move(card=card, to_slot=second, now=after_the_slots, actor=CHAIR)

    card.refresh_from_db()
    assert card.slot == second


@pytest.mark.django_db
def test_card_move_by_host_keeps_slot_time_rules():
    (day, *_) = conference()
    first, second = _slots_of(day)[:2]
    card = make_card(slot=first)

    with pytest.raises(services.SlotUnavailable, match="already started"):
        card_move(card=card, to_slot=second, now=local(2027, 5, 14, 20))


@pytest.mark.django_db
def test_card_move_by_chair_into_blocked_slot_refuses():
    (day, *_) = conference()
    first, second = _slots_of(day)[:2]
    card = make_card(slot=first)
    slots_block(slot_ids=[second.pk], reason="Lunch")

    with pytest.raises(services.SlotUnavailable, match="blocked"):
        card_move(card=card, to_slot=second, now=CLAIM_TIME, actor=CHAIR)


@pytest.mark.django_db
def test_card_move_of_removed_card_puts_it_back_on_board():
    (day, *_) = conference()
    first, second = _slots_of(day)[:2]
    card = make_card(slot=first)
    card_remove(card=card, reason="Wrong room", actor=CHAIR)

    card_move(card=card, to_slot=second, now=CLAIM_TIME, actor=CHAIR)

    card.refresh_from_db()
    assert (card.slot, card.status, card.removed_reason) == (second, Card.Status.ACTIVE, "")


@pytest.mark.django_db
def test_card_history_records_host_and_chair_with_before_and_after():
    (day, *_) = conference()
    first, second = _slots_of(day)[:2]
    card = card_claim(slot=first, title="Typo", host_name="Ada", now=CLAIM_TIME).card
    card_update(card=card, title="Typing", host_name="Ada")
    card_move(card=card, to_slot=second, now=CLAIM_TIME)
    card_remove(card=card, reason="Duplicate", actor=CHAIR)
    card_restore(card=card, actor=CHAIR)
    card_release(card=card)

    events = list(card.events.values_list("actor", "action"))
    assert events == [
        ("host", "claimed"),
        ("host", "edited"),
        ("host", "moved"),
        (CHAIR.label, "removed"),
        (CHAIR.label, "restored"),
        ("host", "released"),
    ]
    edit = card.events.get(action=CardEvent.Action.EDITED)
    assert (edit.before["title"], edit.after["title"]) == ("Typo", "Typing")
    move = card.events.get(action=CardEvent.Action.MOVED)
    assert (move.before["slot_id"], move.after["slot_id"]) == (first.pk, second.pk)
    assert "email" not in edit.after


@pytest.mark.django_db
def test_card_flag_at_limit_hides_card_and_keeps_slot(settings):
    settings.OPENSPACES_FLAG_LIMIT = 2
    card = make_card()
    version = card.slot.day.version

    card_flag(card=card, reason="Spam", reporter="a")
    card_flag(card=card, reason="Spam again", reporter="a")  # the same person
    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE
    card_flag(card=card, reason="Spam", reporter="b")

    card.refresh_from_db()
    assert card.status == Card.Status.HIDDEN
    assert not Slot.objects.free().filter(pk=card.slot_id).exists()
    assert Day.objects.get(pk=card.slot.day_id).version > version


@pytest.mark.django_db
def test_card_flags_clear_when_hidden_puts_card_back(settings):
    settings.OPENSPACES_FLAG_LIMIT = 1
    card = make_card()
    card_flag(card=card, reason="Spam", reporter="a")

    card_flags_clear(card=card, actor=CHAIR)

    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE
    assert card.flags.filter(cleared_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_slots_block_skips_slots_with_a_card():
    (day, *_) = conference()
    taken, free = _slots_of(day)[:2]
    make_card(slot=taken)

    refused = slots_block(slot_ids=[taken.pk, free.pk], reason="Sponsor workshop")

    assert refused == [taken]
    assert Slot.objects.get(pk=free.pk).blocked_reason == "Sponsor workshop"
    assert Slot.objects.get(pk=taken.pk).blocked_reason == ""


@pytest.mark.django_db
def test_room_slots_create_gives_new_room_every_existing_hour_once():
    conference(days=2, rooms=2, hours=(10, 13))
    room = make_room("Late addition")

    created = room_slots_create(room=room)
    again = room_slots_create(room=room)

    assert (created, again) == (6, 0)
    assert room.slots.count() == 6


# Races: real threads against a real database --------------------------------------


def _race(*jobs):
    """Run the jobs at the same moment; each returns what it got, value or exception."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - the race's loser is an expected outcome
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_card_move_by_chair_racing_a_host_claim_books_the_slot_once():
    first = make_slot(hour=10)
    target = make_slot(day=first.day, hour=11)
    card = make_card(slot=first)

    results = _race(
        lambda: card_move(card=card, to_slot=target, now=CLAIM_TIME, actor=CHAIR),
        lambda: card_claim(slot=target, title="Mine", host_name="Bo", now=CLAIM_TIME),
    )

    assert sum(isinstance(result, services.SlotTaken) for result in results) == 1, results
    assert Card.objects.holding().filter(slot=target).count() == 1


@pytest.mark.django_db(transaction=True)
def test_card_restore_racing_a_host_claim_books_the_slot_once():
    slot = make_slot(hour=10)
    card = make_card(slot=slot)
    card_remove(card=card, reason="Mistake", actor=CHAIR)

    results = _race(
        lambda: card_restore(card=card, actor=CHAIR),
        lambda: card_claim(slot=slot, title="Mine", host_name="Bo", now=CLAIM_TIME),
    )

    assert sum(isinstance(result, services.SlotUnavailable) for result in results) == 1
    assert Card.objects.holding().filter(slot=slot).count() == 1


# Who may do what (services.cards.Role) ---------------------------------------------


@pytest.mark.django_db
def test_demo_claims_a_slot_whatever_the_hour_as_the_demo():
    slot = make_slot(hour=10)
    after_the_slot = local(2027, 5, 14, 20)

    card = card_claim(
        slot=slot, title="Earlier today", host_name="Ada", now=after_the_slot, actor=DEMO
    ).card

    assert list(card.events.values_list("actor", "action")) == [("demo", "claimed")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "write",
    [
        lambda card: card_remove(card=card, reason="Spam", actor=DEMO),
        lambda card: card_restore(card=card, actor=DEMO),
        lambda card: card_flags_clear(card=card, actor=DEMO),
        lambda card: card_update(card=card, title="Mine now", host_name="Bo", actor=DEMO),
        lambda card: card_move(card=card, to_slot=card.slot, now=CLAIM_TIME, actor=DEMO),
        lambda card: card_remove(card=card, reason="Spam", actor=HOST),
    ],
)
def test_moderation_by_anyone_but_the_chair_is_refused_and_changes_nothing(write):
    card = make_card()

    with pytest.raises(services.NotAllowed):
        write(card)

    card.refresh_from_db()
    assert (card.status, card.title, card.events.count()) == (
        Card.Status.ACTIVE,
        "Django async",
        0,
    )


@pytest.mark.django_db
def test_claim_by_an_attendee_is_refused():
    slot = make_slot(hour=10)

    with pytest.raises(services.NotAllowed):
        card_claim(slot=slot, title="Mine", host_name="Bo", now=CLAIM_TIME, actor=ATTENDEE)

    assert not Card.objects.exists()
