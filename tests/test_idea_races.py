"""The ideas wall under concurrent clicks, with real threads against a real database.

"I'd come" from many browsers at once loses no count, and a double tap counts once; two
hosts taking the same idea into two slots at the same moment both get their card, both
linked to the idea.
"""

import threading
from collections.abc import Callable

import pytest
import time_machine
from django.db import connection
from django.test import Client

from boards.models import Card, Idea, IdeaSupport, Slot
from boards.services import ideas
from boards.services.cards import card_release
from tests.factories import conference, local

SUPPORTERS = 16
TRIALS = 3


@pytest.fixture
def frozen():
    with time_machine.travel(local(2027, 5, 14, 9), tick=True):
        yield


def all_at_once(count: int, act: Callable[[int], int]) -> list[int]:
    """Run act(i) in `count` threads released together; their status codes."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            status = act(index)
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


@pytest.mark.django_db(transaction=True)
def test_race_many_browsers_say_id_come_at_once_and_every_one_counts(frozen, settings):
    settings.OPENSPACES_INTEREST_IP_RATE = 0
    for trial in range(TRIALS):
        idea = ideas.idea_suggest(title=f"Packaging {trial}")

        def support(index: int, idea: Idea = idea, trial: int = trial) -> int:
            client = Client(REMOTE_ADDR=f"10.0.1.{index}")
            client.cookies["os_browser"] = f"browser-{trial}-{index:03d}-abcdefghijklmnop"
            return client.post(f"/idea/{idea.pk}/interest/", {"interested": "1"}).status_code

        statuses = all_at_once(SUPPORTERS, support)
        assert statuses == [303] * SUPPORTERS
        assert IdeaSupport.objects.filter(idea=idea).count() == SUPPORTERS
        page = Client().get(f"/idea/{idea.pk}/").content.decode()
        assert f"{SUPPORTERS} people would come." in page


@pytest.mark.django_db(transaction=True)
def test_race_one_browsers_double_tap_counts_once(frozen):
    idea = ideas.idea_suggest(title="Board games")

    def tap(index: int) -> int:
        client = Client()
        client.cookies["os_browser"] = "one-browser-abcdefghijklmnopqrstuvwxyz"
        return client.post(f"/idea/{idea.pk}/interest/", {"interested": "1"}).status_code

    assert all_at_once(6, tap) == [303] * 6
    assert IdeaSupport.objects.filter(idea=idea).count() == 1


@pytest.mark.django_db(transaction=True)
def test_race_two_hosts_take_the_same_idea_into_two_slots_and_both_are_linked(frozen):
    conference(days=1, rooms=2, hours=(10, 11))
    slots = list(Slot.objects.order_by("pk"))
    for trial in range(TRIALS):
        idea = ideas.idea_suggest(title=f"Mentoring {trial}")

        def host(index: int, idea: Idea = idea) -> int:
            client = Client(REMOTE_ADDR=f"10.0.2.{index}")
            return client.post(
                f"/slot/{slots[index].pk}/claim/",
                {"title": idea.title, "host_name": f"Host {index}", "idea": str(idea.pk)},
            ).status_code

        assert all_at_once(2, host) == [303, 303]
        hosted = Card.objects.filter(idea=idea, status="active")
        assert sorted(hosted.values_list("slot_id", flat=True)) == [slot.pk for slot in slots]
        page = Client().get(f"/idea/{idea.pk}/").content.decode()
        assert page.count("Hosted:") == 2
        # The slots are free again for the next trial.
        for card in hosted.select_related("slot"):
            card_release(card=card)


@pytest.mark.django_db(transaction=True)
def test_race_hosting_an_idea_meets_new_ideas_and_plain_claims_without_a_deadlock(
    frozen, settings, caplog
):
    """A claim from the wall ("Host this") changes the slot, the day, the wall and the
    generation; a new idea changes the wall and the generation; a plain claim the slot, the
    day and the generation. Each takes its locks in the one order (the generation last), so
    none waits for another in a circle: no deadlock for PostgreSQL to break (a second's
    wait, then a retry)."""
    settings.OPENSPACES_IDEA_RATE = 0
    settings.OPENSPACES_CLAIM_RATE = 0
    conference(days=1, rooms=8, hours=(10, 13))
    slots = list(Slot.objects.order_by("starts_at", "pk"))
    for trial in range(TRIALS):
        idea = ideas.idea_suggest(title=f"Type hints {trial}")
        chosen = slots[trial * 8 : trial * 8 + 8]

        def act(index: int, idea: Idea = idea, chosen: list[Slot] = chosen, trial: int = trial):
            client = Client(REMOTE_ADDR=f"10.1.{trial}.{index}")
            text = {"title": f"Topic {trial}.{index}", "host_name": f"Host {index}"}
            if index % 3 == 0:
                return client.post("/ideas/", {"title": text["title"]}).status_code
            if index % 3 == 1:
                text["idea"] = str(idea.pk)
            return client.post(f"/slot/{chosen[index % 8].pk}/claim/", text).status_code

        with caplog.at_level("INFO", logger="boards.services._write"):
            statuses = all_at_once(SUPPORTERS + 8, act)
        assert len(statuses) == SUPPORTERS + 8
        assert set(statuses) <= {303, 409}
    assert "deadlock" not in caplog.text
