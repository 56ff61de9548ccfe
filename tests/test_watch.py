"""Each worker told of the boards' generation (boards.caching.watch), with real threads and
a real database: read-your-writes holds while no request reads the generation itself.

On PostgreSQL a watcher thread keeps the generation under a lease; on SQLite requests read
the row (a local file) and nothing watches. The same promises hold on both.
"""

import logging
import threading
import time

import pytest
import time_machine
from django.db import connection, connections
from django.test import Client

from boards.caching import watch
from boards.models import Slot, Watcher
from boards.services.grid import slots_block
from tests.factories import conference, local

pytestmark = pytest.mark.django_db(transaction=True)

LEASE = 1.0


@pytest.fixture
def watching(settings):
    """Watching on, as in production (tests/conftest.py turns it off); stopped after."""
    settings.OPENSPACES_GENERATION_LEASE = LEASE
    yield
    watch.stop_watching()


def told_within(seconds: float) -> bool:
    """Whether this process's watcher holds a lease within `seconds` (always False where
    nothing watches: SQLite)."""
    if not watch.table.watchable:
        return watch.told_token() is not None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if watch.told_token() is not None:
            return True
        time.sleep(0.01)
    return False


def board(client: Client, etag: str = "") -> tuple[int, str, str]:
    headers = {"If-None-Match": etag} if etag else {}
    response = client.get("/day/2027-05-14/", headers=headers)
    return response.status_code, response["ETag"], response.text


@pytest.fixture
def frozen():
    with time_machine.travel(local(2027, 5, 14, 9), tick=True):
        yield


def test_a_worker_holds_a_lease_only_where_a_read_costs_a_round_trip(watching, frozen):
    conference(days=1)
    Client().get("/day/2027-05-14/")  # the first request starts the watcher, if any
    assert told_within(5) == (connection.vendor == "postgresql")
    names = list(Watcher.objects.values_list("name", flat=True))
    assert len(names) == (1 if connection.vendor == "postgresql" else 0)


def test_a_write_is_answered_only_once_a_slow_worker_has_seen_it(watching, frozen, monkeypatch):
    """A watcher that takes its time to read the change (a busy worker) still shows it to
    the first request after the write was answered: the writer waited for it."""
    conference(days=1)
    client = Client()
    _, etag, _ = board(client)
    told_within(5)
    real_read = watch.table.read

    def slow_read(raw=None):
        if threading.current_thread().name == "boards-generation-watcher":
            time.sleep(0.3)
        return real_read(raw)

    monkeypatch.setattr(watch.table, "read", slow_read)
    slot = Slot.objects.order_by("pk").first()
    slots_block(slot_ids=[slot.pk], reason="Sponsor lunch")  # answered once seen
    status, new_etag, html = board(client, etag)
    assert status == 200
    assert new_etag != etag
    assert "Blocked: Sponsor lunch" in html


def test_writes_from_many_threads_are_each_seen_by_the_next_read(watching, frozen):
    """Writers on their own connections, each followed at once by a read on another
    thread: no read after an answered write misses it."""
    conference(days=1, rooms=4, hours=(10, 14))
    assert told_within(5) == (connection.vendor == "postgresql")  # started by asking
    slots = list(Slot.objects.order_by("pk"))
    stale: list[str] = []

    def write_then_read(slot: Slot) -> None:
        try:
            reason = f"Reason {slot.pk}"
            slots_block(slot_ids=[slot.pk], reason=reason)
            seen: list[str] = []

            def read() -> None:
                try:
                    seen.append(board(Client())[2])
                finally:
                    connections.close_all()

            reader = threading.Thread(target=read)
            reader.start()
            reader.join(30)
            if f"Blocked: {reason}" not in seen[0]:
                stale.append(reason)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write_then_read, args=(slot,)) for slot in slots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert stale == []
    assert len(slots) == 16


def test_a_worker_cut_off_from_the_database_is_waited_for_then_not_believed(
    watching, frozen, monkeypatch, caplog
):
    """The watcher can no longer read (its connection is gone): the write waits until its
    lease lapses, no longer, and the requests after it read the generation themselves."""
    conference(days=1)
    client = Client()
    _, etag, _ = board(client)
    holding = told_within(5)

    def unreachable(raw=None):
        if threading.current_thread().name == "boards-generation-watcher":
            raise OSError("connection to the database lost")
        return real_read(raw)

    real_read = watch.table.read
    monkeypatch.setattr(watch.table, "read", unreachable)
    slot = Slot.objects.order_by("pk").first()
    with caplog.at_level(logging.WARNING, logger="boards.caching"):
        slots_block(slot_ids=[slot.pk], reason="Fire drill")
        status, new_etag, html = board(client, etag)
    assert status == 200
    assert "Blocked: Fire drill" in html
    assert watch.told_token() is None
    # Said where it happened: the watcher's loss, and the write that waited for it.
    assert ("lost the database" in caplog.text) == holding
    assert ("waited" in caplog.text) == holding


def test_a_worker_that_leaves_takes_its_lease_back(watching, frozen):
    conference(days=1)
    Client().get("/day/2027-05-14/")
    told_within(5)
    watch.stop_watching()
    assert Watcher.objects.count() == 0
