"""Concurrent claims against a real database: exactly one winner, nobody's text lost."""

import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client

from boards.models import Card, Slot
from tests.factories import conference, local

CLAIMERS = 24


def claim_all_at_once(slots: list[Slot]) -> list[tuple[int, str, str]]:
    """Each thread claims slots[i % len(slots)] at the same moment, on its own connection."""
    barrier = threading.Barrier(CLAIMERS)
    results: list[tuple[int, str, str]] = []
    lock = threading.Lock()

    def claimer(index: int) -> None:
        title = f"Topic from claimer {index}"
        client = Client(REMOTE_ADDR=f"10.0.0.{index}")
        slot = slots[index % len(slots)]
        try:
            barrier.wait(timeout=30)
            response = client.post(
                f"/slot/{slot.pk}/claim/", {"title": title, "host_name": f"Host {index}"}
            )
            with lock:
                results.append((response.status_code, title, response.content.decode()))
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer, args=(index,)) for index in range(CLAIMERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def frozen():
    with time_machine.travel(local(2027, 5, 14, 9), tick=True):
        yield


@pytest.mark.django_db(transaction=True)
def test_race_many_claimers_on_one_slot_end_with_one_card_and_409s(frozen):
    conference(days=1, rooms=4, hours=(10, 12))
    slot = Slot.objects.order_by("pk").first()
    results = claim_all_at_once([slot])
    statuses = sorted(status for status, _, _ in results)
    assert len(results) == CLAIMERS
    assert statuses == [303] + [409] * (CLAIMERS - 1)
    winner = next(title for status, title, _ in results if status == 303)
    assert list(Card.objects.values_list("title", flat=True)) == [winner]
    for status, title, html in results:
        if status == 409:
            assert "Someone else has just taken this slot." in html
            assert f'value="{title}"' in html  # nobody's text is lost


@pytest.mark.django_db(transaction=True)
def test_race_many_claimers_on_different_slots_all_win(frozen):
    conference(days=1, rooms=8, hours=(10, 13))
    slots = list(Slot.objects.order_by("pk")[:CLAIMERS])
    results = claim_all_at_once(slots)
    assert sorted(status for status, _, _ in results) == [303] * CLAIMERS
    assert Card.objects.active().count() == CLAIMERS
    assert Card.objects.values("slot").distinct().count() == CLAIMERS
