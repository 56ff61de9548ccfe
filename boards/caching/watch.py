"""Each worker is told of the boards' generation instead of asking for it per request.

On PostgreSQL, reading the generation row is a network round trip; made by every request,
it cost a quarter of what a board poll costs. So each worker process runs one watcher
thread that LISTENs for the notice every change sends at commit (GenerationTable.bump),
reads the row, and then acknowledges what it has seen, which also renews its lease (its
Watcher row: `seen`, `expires_at` by the database's clock). Its requests use the
generation it was told while the lease holds by the process's own monotonic clock.

Read-your-writes still holds on every worker and app server:

- A writer answers only once every watcher whose lease holds has seen its change
  (`wait_until_seen`, run at commit), so a request that starts after that answer, in
  any process that holds a lease, finds the change already told.
- A process's lease ends by its own clock before its row's lease does by the database's
  (it counts from before the read it acknowledges, less a margin for the two clocks'
  rates). A watcher that cannot renew (the database is away, the thread is starved)
  stops being believed before any writer stops waiting for it; its requests then read
  the row themselves, as on SQLite, where this module does nothing.
- A request inside a transaction reads the row itself (generation.py): its transaction's
  own change is not yet visible to the watcher's connection.

A lapsed lease costs only speed; a watcher that dies leaves a row that writers wait for
until it lapses (`OPENSPACES_GENERATION_LEASE`, 2 s), unless the process leaves first
(atexit, as gunicorn's workers do when recycled).
"""

import atexit
import contextlib
import dataclasses
import logging
import os
import secrets
import socket
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connections

from boards.caching.backends import GenerationTable

logger = logging.getLogger("boards.caching")

# The lease is believed for this share of its length, counted from before the read it
# acknowledges: room for the two clocks' rates and the time the acknowledgement takes.
TRUSTED_SHARE = 0.8
# Renewed this many times per lease: a change is told at once (NOTIFY); a lost notice,
# or a connection that has dropped, is found within this.
RENEWALS_PER_LEASE = 4
# A writer that waits longer than this for the watchers says so: a worker went away
# without leaving (killed), or cannot reach the database.
SLOW_ACKNOWLEDGEMENT = 0.5

table = GenerationTable()


@dataclasses.dataclass(frozen=True, slots=True)
class Told:
    """What this process's watcher was last told, and until when (time.monotonic()) it is
    believed. Replaced whole, never changed, so a request reads one consistent value."""

    token: str
    holds_until: float


_told: Told | None = None
_watcher: "Watcher | None" = None
_starting = threading.Lock()


def lease_seconds() -> float:
    return max(0.0, float(settings.OPENSPACES_GENERATION_LEASE))


def told_token() -> str | None:
    """The generation this process was told, while its lease holds; else None (the caller
    reads the row), and the watcher is started if it should run and does not."""
    told = _told
    if told is not None and time.monotonic() < told.holds_until:
        return told.token
    _ensure_watching()
    return None


def _ensure_watching() -> None:
    global _watcher
    if lease_seconds() <= 0 or not table.watchable:
        return
    watcher = _watcher
    if watcher is not None and watcher.is_alive():
        return
    with _starting:
        if _watcher is None or not _watcher.is_alive():
            _watcher = Watcher(lease_seconds())
            _watcher.start()


def stop_watching() -> None:
    """Stop this process's watcher, and take its lease back so no writer waits for it."""
    global _watcher, _told
    watcher, _watcher, _told = _watcher, None, None
    if watcher is not None:
        watcher.stop()
    _told = None  # whatever the thread told before it saw the stop


def _forget_after_fork() -> None:
    # A forked child (gunicorn's workers, after preload_app) has no watcher thread: the
    # parent's was not copied, nor may its lease be believed here.
    global _watcher, _told, _starting
    _watcher, _told, _starting = None, None, threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
atexit.register(stop_watching)


class Watcher(threading.Thread):
    """Listens for changes, reads the row, acknowledges it; again at least RENEWALS_PER_LEASE
    times per lease. Any failure: the lease is no longer believed, and it starts over."""

    def __init__(self, lease: float) -> None:
        self.lease = lease
        self.watcher_name = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        super().__init__(name="boards-generation-watcher", daemon=True)
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()
        self.join(self.lease)

    def run(self) -> None:
        global _told
        pause = 0.05
        while not self._stopping.is_set():
            # A connection of its own (not the thread-bound one Django's handler gives),
            # in autocommit: every read sees what has been committed.
            database = connections.create_connection(table.alias)
            try:
                database.ensure_connection()
                raw = database.connection
                table.listen(raw)
                table.forget_lapsed(raw)
                while not self._stopping.is_set():
                    self._renew(raw)
                    pause = 0.05
                    # Wake at the next notice, or to renew the lease.
                    for _notice in raw.notifies(
                        timeout=self.lease / RENEWALS_PER_LEASE, stop_after=1
                    ):
                        pass
                # Believed no more, then the lease handed back (no writer waits for it):
                # should that fail, it lapses by itself.
                _told = None
                with contextlib.suppress(DatabaseError, OSError):
                    table.leave(raw, name=self.watcher_name)
            except Exception:
                _told = None
                logger.warning(
                    "The generation watcher lost the database; requests read the "
                    "generation themselves until it is back",
                    exc_info=True,
                )
                self._stopping.wait(pause)
                pause = min(pause * 2, self.lease)
            finally:
                with contextlib.suppress(DatabaseError, OSError):
                    database.close()

    def _renew(self, raw: object) -> None:
        global _told
        started = time.monotonic()
        stamp = table.read(raw)
        if stamp is None:
            table.start(raw)
            stamp = table.read(raw)
            assert stamp is not None
        # The new token at once (a newer generation is never wrong), under the lease as
        # it stood; the lease renewed only once the database has the acknowledgement.
        previous = _told
        holds_until = previous.holds_until if previous is not None else 0.0
        _told = Told(stamp.token, holds_until)
        table.acknowledge(raw, name=self.watcher_name, seen=stamp.seq, lease=self.lease)
        _told = Told(stamp.token, started + self.lease * TRUSTED_SHARE)


def wait_until_seen(seq: int) -> None:
    """Return once every watcher whose lease holds has seen change `seq` (at commit of the
    write that made it, before the write is answered). On SQLite, at once."""
    if not table.watchable:
        return
    pause = 0.0005
    begun = until = time.monotonic()
    while True:
        try:
            left = table.lagging(seq)
        except DatabaseError:
            # The database cannot say who has seen it: wait until every lease there could
            # be has lapsed (each watcher stops believing its own before that).
            logger.warning("Could not tell whether every worker has seen a change", exc_info=True)
            time.sleep(lease_seconds())
            return
        if left is None:
            if (waited := time.monotonic() - begun) >= SLOW_ACKNOWLEDGEMENT:
                logger.warning("Change %s waited %.1f s for a worker to see it", seq, waited)
            return
        # A watcher that does not answer is waited for until its lease lapses, no longer
        # (the latest expiry seen: one that renewed from a read before this change).
        now = time.monotonic()
        until = max(until, now + left)
        if now >= until:
            logger.warning("A worker did not acknowledge change %s before its lease lapsed", seq)
            return
        time.sleep(min(pause, until - now))
        pause = min(pause * 2, 0.01)
