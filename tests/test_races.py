"""Concurrent writes against a real database, with real threads.

Claims: exactly one winner, nobody's text lost. Every other write against every other:
no lost write, no resurrection, no 5xx. Each race runs TRIALS times, since a race lost
only sometimes must still fail here. Hosts use their manage link and the chair the
admin's own actions, as in real use.
"""

import os
import threading
import time
from collections.abc import Callable

import pytest
import time_machine
from django.db import OperationalError, connection
from django.test import Client

from boards.models import Card, Slot
from boards.services import _write
from boards.services.cards import Actor, card_claim
from tests.factories import conference, local

CLAIMERS = 24
# More trials find rarer interleavings: RACE_TRIALS=20 make test PYTEST_ARGS=tests/test_races.py
TRIALS = int(os.environ.get("RACE_TRIALS", "4"))
MOVERS = 6
REASON = "Not an open space: a sales pitch."


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


# Every write against every other -----------------------------------------------------


@pytest.fixture
def board():
    """A one-day board at 08:00, its slots from 10:00 to 16:00 all claimable."""
    with time_machine.travel(local(2027, 5, 14, 8), tick=True):
        conference(days=1, rooms=4, hours=(10, 16))
        yield


@pytest.fixture
def chair(django_user_model):
    # A superuser: the Chair group comes from a data migration, which a transactional
    # test's flush has removed.
    return django_user_model.objects.create_user(
        username="chair", is_staff=True, is_superuser=True
    )


def race(*actors: Callable[[], int]) -> list[int]:
    """Run each actor in its own thread, all released at once; their status codes."""
    barrier = threading.Barrier(len(actors))
    statuses: list[int] = []
    lock = threading.Lock()

    def run(actor: Callable[[], int]) -> None:
        try:
            barrier.wait(timeout=30)
            status = actor()
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == len(actors), "an actor raised: see the captured output"
    return statuses


def fresh_card(title: str = "Sourdough and Python") -> tuple[Card, str]:
    slot = Slot.objects.claimable(local(2027, 5, 14, 8)).order_by("?").first()
    claim = card_claim(slot=slot, title=title, host_name="Ada", now=local(2027, 5, 14, 8))
    return claim.card, claim.token


def mover(card: Card, token: str, to_slot: Slot) -> Callable[[], int]:
    client = Client()

    def move() -> int:
        url = f"/card/{card.pk}/manage/{token}/move/"
        return client.post(url, {"to_slot": to_slot.pk}).status_code

    return move


def free_slots(count: int) -> list[Slot]:
    return list(Slot.objects.claimable(local(2027, 5, 14, 8)).order_by("pk")[:count])


def chair_action(chair, action: str, card: Card, **data) -> Callable[[], int]:
    client = Client()
    client.force_login(chair)

    def act() -> int:
        payload = {"action": action, "_selected_action": [card.pk], "apply": "1", **data}
        return client.post("/admin/boards/card/", payload).status_code

    return act


def assert_no_server_error(statuses: list[int]) -> None:
    assert [status for status in statuses if status >= 500] == []


def run_trials(count: int, trial: Callable[[int], None]) -> None:
    """Run every trial, then fail with how many went wrong (the note reports the rate)."""
    failures = []
    for number in range(count):
        try:
            trial(number)
        except AssertionError as failure:
            failures.append(f"trial {number}: {failure}".splitlines()[0])
    assert failures == [], f"{len(failures)} of {count} trials failed"


@pytest.mark.django_db(transaction=True)
def test_race_chair_removal_against_host_moves_stays_removed(board, chair):
    def trial(_trial: int) -> None:
        card, token = fresh_card()
        movers = [mover(card, token, slot) for slot in free_slots(MOVERS)]
        statuses = race(chair_action(chair, "remove_cards", card, reason=REASON), *movers)
        assert_no_server_error(statuses)
        card.refresh_from_db()
        assert (card.status, card.removed_reason) == (Card.Status.REMOVED, REASON)
        assert card.slot.cards.holding().count() == 0  # its slot is free

    run_trials(TRIALS, trial)


def flagger(card: Card, number: int) -> Callable[[], int]:
    # Reports count once per client address: each flagger is another attendee.
    client = Client(REMOTE_ADDR=f"192.0.2.{number + 1}")

    def flag() -> int:
        return client.post(f"/card/{card.pk}/flag/", {"reason": "Spam"}).status_code

    return flag


@pytest.mark.django_db(transaction=True)
def test_race_flags_against_host_moves_hide_the_card_without_500(board, settings):
    settings.OPENSPACES_FLAG_RATE = 0

    def trial(_trial: int) -> None:
        card, token = fresh_card()
        flaggers = [flagger(card, number) for number in range(settings.OPENSPACES_FLAG_LIMIT)]
        movers = [mover(card, token, slot) for slot in free_slots(MOVERS)]
        statuses = race(*flaggers, *movers)
        assert_no_server_error(statuses)
        card = Card.objects.with_open_flags().get(pk=card.pk)
        assert card.open_flags == settings.OPENSPACES_FLAG_LIMIT
        assert card.status == Card.Status.HIDDEN  # never back on the board with open flags

    run_trials(TRIALS, trial)


def editor(card: Card, token: str, title: str) -> Callable[[], int]:
    client = Client()

    def edit() -> int:
        data = {"title": title, "description": "", "host_name": "Ada", "host_handle": ""}
        return client.post(f"/card/{card.pk}/manage/{token}/", data).status_code

    return edit


@pytest.mark.django_db(transaction=True)
def test_race_edit_against_move_keeps_both_changes(board):
    def trial(trial: int) -> None:
        card, token = fresh_card()
        (target,) = [slot for slot in free_slots(2) if slot.pk != card.slot_id][:1]
        title = f"Edited in trial {trial}"
        edit_status, move_status = race(editor(card, token, title), mover(card, token, target))
        assert_no_server_error([edit_status, move_status])
        card.refresh_from_db()
        if edit_status == 303:
            assert card.title == title
        if move_status == 303:
            assert card.slot_id == target.pk

    run_trials(TRIALS * 2, trial)


def chair_editor(chair, card: Card, title: str) -> Callable[[], int]:
    client = Client()
    client.force_login(chair)

    def edit() -> int:
        data = {"title": title, "description": "", "host_name": "Ada", "host_handle": ""}
        # The card's page lists its reports (an inline): its management form comes too.
        data |= {"flags-TOTAL_FORMS": "0", "flags-INITIAL_FORMS": "0"}
        return client.post(f"/admin/boards/card/{card.pk}/change/", data).status_code

    return edit


@pytest.mark.django_db(transaction=True)
def test_race_chair_edit_in_admin_against_host_moves_keeps_both(board, chair):
    def trial(number: int) -> None:
        card, token = fresh_card()
        targets = [slot for slot in free_slots(3) if slot.pk != card.slot_id][:2]
        title = f"Chair's wording {number}"
        statuses = race(
            chair_editor(chair, card, title), *(mover(card, token, slot) for slot in targets)
        )
        assert_no_server_error(statuses)
        card.refresh_from_db()
        assert statuses.count(302) == 1  # the chair's save went through
        assert card.title == title
        assert card.status == Card.Status.ACTIVE
        assert card.slot_id in {slot.pk for slot in targets}  # a host's move is kept

    run_trials(TRIALS, trial)


def releaser(card: Card, token: str) -> Callable[[], int]:
    client = Client()

    def release() -> int:
        confirmed = {"confirm": "release"}  # the second step, "Yes, release my slot"
        return client.post(f"/card/{card.pk}/manage/{token}/release/", confirmed).status_code

    return release


@pytest.mark.django_db(transaction=True)
def test_race_remove_edit_release_and_move_end_in_one_clear_state(board, chair):
    def trial(trial: int) -> None:
        card, token = fresh_card()
        (target,) = [slot for slot in free_slots(2) if slot.pk != card.slot_id][:1]
        statuses = race(
            chair_action(chair, "remove_cards", card, reason=REASON),
            editor(card, token, f"Edited in trial {trial}"),
            releaser(card, token),
            mover(card, token, target),
        )
        assert_no_server_error(statuses)
        card.refresh_from_db()
        assert card.status in {Card.Status.REMOVED, Card.Status.RELEASED}
        if card.status == Card.Status.REMOVED:
            assert card.removed_reason == REASON
        assert Card.objects.holding().count() == 0

    run_trials(TRIALS, trial)


def claim_form(client: Client, slot: Slot) -> None:
    """Load the claim form, as a browser does: it brings the CSRF cookie."""
    assert client.get(f"/slot/{slot.pk}/claim/").status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("gap", [0, 0.05])
def test_race_double_submitted_claim_makes_one_card(board, gap):
    def trial(trial: int) -> None:
        slot = free_slots(1)[0]
        first = Client()
        claim_form(first, slot)
        # A double tap: the same browser (the same cookies) sends the same form twice.
        second = Client()
        second.cookies["csrftoken"] = first.cookies["csrftoken"].value
        data = {"title": f"Double tap {trial}", "host_name": "Ada", "description": ""}

        def claim(client: Client, delay: float) -> Callable[[], int]:
            def send() -> int:
                time.sleep(delay)
                response = client.post(f"/slot/{slot.pk}/claim/", data)
                answers.append(response)
                return response.status_code

            return send

        answers = []
        statuses = race(claim(first, 0), claim(second, gap))
        assert statuses == [303, 303]
        (card,) = Card.objects.filter(title=data["title"])
        assert {answer["Location"] for answer in answers} == {card.get_absolute_url()}
        # Whichever answer arrives, it brings the manage link with it.
        for answer in answers:
            page = Client()
            page.cookies = answer.cookies
            html = page.get(card.get_absolute_url()).content.decode()
            assert f"/card/{card.pk}/manage/" in html

    run_trials(TRIALS, trial)


# Deadlocks and serialization failures ------------------------------------------------


def deadlock() -> OperationalError:
    """What Django raises for PostgreSQL's deadlock_detected (SQLSTATE 40P01)."""

    class DeadlockDetected(Exception):
        sqlstate = "40P01"

    error = OperationalError("deadlock detected")
    error.__cause__ = DeadlockDetected()
    return error


def deadlocking(monkeypatch, times: int) -> list[int]:
    """The database answers the first `times` slot locks with a deadlock."""
    real, calls = _write.lock_slots, []

    def lock_slots(slot_ids):
        calls.append(1)
        if len(calls) <= times:
            raise deadlock()
        return real(slot_ids)

    monkeypatch.setattr(_write, "lock_slots", lock_slots)
    return calls


CLAIM = {"title": "Retried", "description": "", "host_name": "Ada", "host_handle": ""}


@pytest.mark.django_db(transaction=True)
def test_deadlock_is_retried_inside_the_server_and_the_claim_succeeds(board, monkeypatch):
    calls = deadlocking(monkeypatch, times=2)
    slot = free_slots(1)[0]
    response = Client().post(f"/slot/{slot.pk}/claim/", CLAIM)
    assert response.status_code == 303
    assert len(calls) == 3
    assert Card.objects.get().title == "Retried"


@pytest.mark.django_db(transaction=True)
def test_deadlock_every_time_answers_like_a_lost_race_with_the_text_kept(board, monkeypatch):
    calls = deadlocking(monkeypatch, times=99)
    slot = free_slots(1)[0]
    response = Client().post(f"/slot/{slot.pk}/claim/", CLAIM)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Many changes reached the board at the same moment" in html
    assert 'value="Retried"' in html
    assert len(calls) == _write.WRITE_ATTEMPTS
    assert not Card.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_deadlock_every_time_says_so_in_the_readers_language(board, monkeypatch):
    deadlocking(monkeypatch, times=99)
    slot = free_slots(1)[0]
    response = Client().post(f"/es/slot/{slot.pk}/claim/", CLAIM)
    assert response.status_code == 409
    assert "Llegaron muchos cambios al tablero" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_deadlock_every_time_on_an_edit_answers_409_with_the_text_kept(board, monkeypatch):
    card, token = fresh_card()
    deadlocking(monkeypatch, times=99)
    response = Client().post(
        f"/card/{card.pk}/manage/{token}/", {**CLAIM, "title": "Edited, not saved"}
    )
    assert response.status_code == 409
    assert 'value="Edited, not saved"' in response.content.decode()
    card.refresh_from_db()
    assert card.title == "Sourdough and Python"


BUSY = "Many changes reached the board at the same moment"


@pytest.mark.django_db(transaction=True)
def test_deadlock_every_time_on_a_move_or_release_answers_409_and_the_card_stays(
    board, monkeypatch
):
    card, token = fresh_card()
    home = card.slot_id
    target = next(slot for slot in free_slots(2) if slot.pk != home)
    deadlocking(monkeypatch, times=99)
    host = Client()
    move = host.post(f"/card/{card.pk}/manage/{token}/move/", {"to_slot": target.pk})
    release = host.post(f"/card/{card.pk}/manage/{token}/release/", {"confirm": "release"})
    assert (move.status_code, release.status_code) == (409, 409)
    assert BUSY in move.content.decode()
    assert BUSY in release.content.decode()
    card.refresh_from_db()
    assert (card.status, card.slot_id) == (Card.Status.ACTIVE, home)


@pytest.mark.django_db(transaction=True)
def test_deadlock_every_time_on_a_chair_action_is_a_message_not_a_500(board, monkeypatch, chair):
    card, _token = fresh_card()
    deadlocking(monkeypatch, times=99)
    client = Client()
    client.force_login(chair)
    response = client.post(
        "/admin/boards/card/",
        {"action": "remove_cards", "_selected_action": [card.pk], "apply": "1", "reason": "x"},
        follow=True,
    )
    assert response.status_code == 200
    assert BUSY in response.content.decode()
    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE


REMINDERS = 8


@pytest.mark.django_db(transaction=True)
def test_race_reminders_of_one_card_at_once_ask_its_host_once():
    """Several workers run a card's reminder at the same moment (a reminder queued twice,
    two workers): the host is asked once, because the decision is taken under the
    card's lock on what was read after it."""
    from boards.services.cards import Reminder, card_reminder
    from tests.factories import make_card

    conference(days=1, rooms=1, hours=(10, 12))
    slot = Slot.objects.order_by("starts_at").first()
    for trial in range(TRIALS):
        card = make_card(slot=slot, title=f"Trial {trial}", email="host@example.org")
        barrier = threading.Barrier(REMINDERS)
        outcomes: list[Reminder] = []
        lock = threading.Lock()

        def reminder(
            card_id: int = card.pk,
            barrier: threading.Barrier = barrier,
            lock: threading.Lock = lock,
            outcomes: list[Reminder] = outcomes,
        ) -> None:
            try:
                mine = Card.objects.with_place().get(pk=card_id)
                barrier.wait(timeout=30)
                outcome = card_reminder(card=mine, now=local(2027, 5, 14, 11, 11))
                with lock:
                    outcomes.append(outcome)
            finally:
                connection.close()

        threads = [threading.Thread(target=reminder) for _ in range(REMINDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(outcomes) == sorted([Reminder.SEND] + [Reminder.NONE] * (REMINDERS - 1))
        card.refresh_from_db()
        assert card.reminded_at == local(2027, 5, 14, 11, 11)
        Card.objects.filter(pk=card.pk).update(status=Card.Status.RELEASED)


@pytest.mark.django_db(transaction=True)
def test_race_notes_and_an_edit_at_once_keep_both():
    """The host saves their notes while the chair fixes the title: each write saves only
    its own fields, on the card read after the lock, so neither is lost."""
    from boards.services.cards import card_notes, card_update
    from tests.factories import make_card

    conference(days=1, rooms=1, hours=(10, 12))
    slot = Slot.objects.order_by("starts_at").first()
    chair = Actor.chair("race")
    for trial in range(TRIALS):
        card = make_card(slot=slot, title=f"Trial {trial}")
        barrier = threading.Barrier(2)

        def notes(card_id: int = card.pk, barrier: threading.Barrier = barrier) -> None:
            try:
                mine = Card.objects.with_place().get(pk=card_id)
                barrier.wait(timeout=30)
                card_notes(
                    card=mine,
                    notes=f"Notes {card_id}",
                    links=[],
                    attendance=12,
                    now=local(2027, 5, 14, 11, 5),
                )
            finally:
                connection.close()

        def edit(card_id: int = card.pk, barrier: threading.Barrier = barrier) -> None:
            try:
                mine = Card.objects.with_place().get(pk=card_id)
                barrier.wait(timeout=30)
                card_update(card=mine, title="Fixed title", host_name="Ada", actor=chair)
            finally:
                connection.close()

        threads = [threading.Thread(target=notes), threading.Thread(target=edit)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        card.refresh_from_db()
        assert (card.title, card.notes, card.attendance) == ("Fixed title", f"Notes {card.pk}", 12)
        Card.objects.filter(pk=card.pk).update(status=Card.Status.RELEASED)
