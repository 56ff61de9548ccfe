"""The claim rule is written once (Slot.refusal) and has one SQL form
(SlotQuerySet.claimable): the two agree on every kind of slot, at every moment that
matters, for a host and for the chair."""

import datetime as dt
import itertools

import pytest

from boards.models import Card, Refusal, Slot
from tests.factories import committed, local, make_card, make_day, make_room, make_slot

OPEN_DAY = dt.date(2027, 5, 14)
LATER_DAY = dt.date(2027, 5, 15)
RECEPTION = local(2027, 5, 13, 17, 30)
LATER_OPENS = local(2027, 5, 14, 0, 0)


@pytest.fixture
def slots() -> dict[str, Slot]:
    """One slot of every kind, on a day whose board opens at the reception and on the
    next day, whose board opens when the first day begins."""
    first = make_day(OPEN_DAY, opens_at=RECEPTION)
    later = make_day(LATER_DAY, opens_at=LATER_OPENS)
    rooms = itertools.count(1)

    def slot(day=first, hour=11, **fields) -> Slot:
        return make_slot(day=day, room=make_room(f"Room {next(rooms)}"), hour=hour, **fields)

    kinds = {
        "free": slot(),
        "free, early": slot(hour=9),
        "blocked": slot(blocked_reason="Lunch"),
        "card": slot(),
        "hidden card": slot(),
        "released card": slot(),
        "removed card": slot(),
        "blocked under a card": slot(),
        "next day": slot(day=later),
        "next day, blocked": slot(day=later, blocked_reason="Sponsor"),
    }
    make_card(slot=kinds["card"])
    make_card(slot=kinds["hidden card"], status=Card.Status.HIDDEN)
    make_card(slot=kinds["released card"], status=Card.Status.RELEASED)
    make_card(slot=kinds["removed card"], status=Card.Status.REMOVED)
    # Not a state the services make (a block over a card is refused), but a shell can.
    make_card(slot=kinds["blocked under a card"])
    with committed():
        Slot.objects.filter(pk=kinds["blocked under a card"].pk).update(blocked_reason="Shell")
    return kinds


MOMENTS = [
    local(2027, 5, 13, 12),  # before the reception: no board takes claims
    RECEPTION,  # the first board opens, to the second
    local(2027, 5, 13, 23, 59),
    LATER_OPENS,  # local midnight: the next day's board opens
    local(2027, 5, 14, 9),  # the 9:00 slot starts, to the second
    local(2027, 5, 14, 9, 14)
    + dt.timedelta(seconds=59),  # its walk-up minutes (15 by default): still claimable
    local(2027, 5, 14, 9, 15),  # they are over
    local(2027, 5, 14, 10, 59),
    local(2027, 5, 14, 11),  # the 11:00 slots start
    local(2027, 5, 15, 11, 30),
]


def _by_python(now: dt.datetime, keeps_to_the_hours: bool, prefetched: bool) -> set[int]:
    if prefetched:
        slots = list(Slot.objects.with_cards())
    else:  # Slot.holding_card reads the card itself
        slots = [
            Slot.objects.select_related("day").get(pk=pk)
            for pk in Slot.objects.values_list("pk", flat=True)
        ]
    return {
        slot.pk
        for slot in slots
        if slot.refusal(now, keeps_to_the_hours=keeps_to_the_hours) is None
    }


def _by_sql(now: dt.datetime, keeps_to_the_hours: bool) -> set[int]:
    queryset = Slot.objects.claimable(now, keeps_to_the_hours=keeps_to_the_hours)
    return set(queryset.values_list("pk", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("now", MOMENTS, ids=[f"{moment:%d %H:%M}" for moment in MOMENTS])
@pytest.mark.parametrize("keeps_to_the_hours", [True, False], ids=["host", "chair"])
@pytest.mark.parametrize("prefetched", [True, False], ids=["with_cards", "one slot"])
def test_claim_rule_in_python_and_sql_agree(slots, now, keeps_to_the_hours, prefetched):
    assert _by_python(now, keeps_to_the_hours, prefetched) == _by_sql(now, keeps_to_the_hours)


@pytest.mark.django_db
def test_claim_rule_refuses_each_kind_of_slot_for_its_reason(slots):
    at_ten = local(2027, 5, 14, 10)
    reasons = {name: slot.refusal(at_ten) for name, slot in slots.items()}
    chair = {name: slot.refusal(at_ten, keeps_to_the_hours=False) for name, slot in slots.items()}

    assert reasons == {
        "free": None,
        "free, early": Refusal.STARTED,
        "blocked": Refusal.BLOCKED,
        "card": Refusal.TAKEN,
        "hidden card": Refusal.TAKEN,
        "released card": None,
        "removed card": None,
        "blocked under a card": Refusal.TAKEN,
        "next day": None,
        "next day, blocked": Refusal.BLOCKED,
    }
    assert chair == reasons | {"free, early": None}
    assert slots["next day"].refusal(local(2027, 5, 13, 20)) == Refusal.NOT_OPEN


@pytest.mark.django_db
def test_a_free_room_is_claimable_in_the_first_walkup_minutes_of_its_hour(slots, settings):
    early = slots["free, early"]  # 9:00
    assert early.refusal(local(2027, 5, 14, 9, 10)) is None
    assert early.refusal(local(2027, 5, 14, 9, 15)) == Refusal.STARTED
    assert slots["card"].refusal(local(2027, 5, 14, 11, 5)) == Refusal.TAKEN

    settings.OPENSPACES_WALKUP_MINUTES = 0  # only hours still to come
    assert early.refusal(local(2027, 5, 14, 9)) == Refusal.STARTED
    assert early.pk not in _by_sql(local(2027, 5, 14, 9), keeps_to_the_hours=True)

    settings.OPENSPACES_WALKUP_MINUTES = 30
    assert early.refusal(local(2027, 5, 14, 9, 29)) is None
    assert early.pk in _by_sql(local(2027, 5, 14, 9, 29), keeps_to_the_hours=True)
    assert early.pk not in _by_sql(local(2027, 5, 14, 9, 30), keeps_to_the_hours=True)


@pytest.mark.django_db
def test_a_board_opening_at_local_midnight_says_midnight_not_00_00(slots):
    reason = slots["next day"].unavailable_reason(local(2027, 5, 13, 20))
    assert reason == "This board opens at midnight, as Friday begins; claims are not open yet."
