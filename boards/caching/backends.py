"""The stores behind freshness: the generation's table, and the caches all workers share.

`GenerationTable` is the Generation row (boards.models) and the watchers' leases, in the
database the boards already use, so that a write changes the generation in the same
transaction as its data: no reader can see the new data under the old generation, nor the
new generation before the data. Its reads go through the driver's own cursor: Django's
cursor wrapper costs more than the query itself on the one read a request can make.

`SharedDatabaseCache` is the shared cache when there is no Redis (rate-limit counters):
local memory lives in one worker, so it cannot hold what all workers must count together;
`manage.py migrate` creates its table (migration 0005_issue10_shared_cache).

`RedisCache` is django-redis's, its outages said: a Redis that is down is served around
(IGNORE_EXCEPTIONS) but logged, so that an outage does not pass for a slowdown.
"""

import dataclasses
import functools
import logging
import secrets
from typing import Any

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django_redis.cache import RedisCache as DjangoRedisCache

from boards.models import Generation, Watcher

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class Stamp:
    """The generation as one read found it: the token data is kept under, and how many
    changes it has seen."""

    token: str
    seq: int


class GenerationTable:
    """The Generation row and the watchers' leases (Watcher rows) in the database."""

    # What every change says at commit (PostgreSQL's NOTIFY), to the watchers that listen.
    CHANNEL = "boards_generation"

    @functools.cached_property
    def alias(self) -> str:
        return router.db_for_write(Generation)

    @property
    def connection(self) -> BaseDatabaseWrapper:
        return connections[self.alias]

    @functools.cached_property
    def watchable(self) -> bool:
        """Whether processes can be told of changes (LISTEN/NOTIFY) instead of reading the
        row per request: on PostgreSQL, where that read is a network round trip. SQLite's
        is a read of a file on this machine, cheaper than any telling. (Both are fixed by
        the settings: asked once, off the path of every request.)"""
        return self.connection.vendor == "postgresql"

    def _sql(self, connection: BaseDatabaseWrapper, sql: str, *, driver: bool = True) -> str:
        """`sql` with the tables' names, in the placeholder style of the driver's own
        cursor (SQLite's "?"), or of Django's (`driver=False`: "%s" everywhere)."""
        sql = sql.format(
            generation=connection.ops.quote_name(Generation._meta.db_table),
            watcher=connection.ops.quote_name(Watcher._meta.db_table),
        )
        return sql.replace("%s", "?") if driver and connection.vendor == "sqlite" else sql

    def _execute(self, sql: str, params: list[Any], raw: Any = None) -> Any:
        """Run `sql` through the driver's own cursor: on `raw` (the watcher's connection,
        whose errors it handles itself), or on this thread's connection (its errors as
        Django's, DatabaseError)."""
        if raw is not None:
            return raw.execute(self._sql(self.connection, sql), params)
        connection = self.connection
        connection.ensure_connection()
        with connection.wrap_database_errors:
            return connection.connection.execute(self._sql(connection, sql), params)

    def read(self, raw: Any = None) -> Stamp | None:
        """The row as it is, or None before the first change: one primary-key read."""
        sql = "SELECT token, seq FROM {generation} WHERE id = %s"
        row = self._execute(sql, [Generation.ONLY], raw).fetchone()
        return Stamp(row[0], row[1]) if row else None

    def start(self, raw: Any = None) -> None:
        """The first generation, if there is none yet (any number of readers may race)."""
        sql = (
            "INSERT INTO {generation} (id, token, seq) VALUES (%s, %s, 1)"
            " ON CONFLICT (id) DO NOTHING"
        )
        self._execute(sql, [Generation.ONLY, secrets.token_hex(8)], raw)

    def bump(self) -> int:
        """A new token and the next sequence number, in the caller's transaction; on
        PostgreSQL the watchers are told at commit. Returns the new sequence number."""
        connection = self.connection
        sql = self._sql(
            connection,
            "INSERT INTO {generation} (id, token, seq) VALUES (%s, %s, 1)"
            " ON CONFLICT (id) DO UPDATE SET token = excluded.token, seq = {generation}.seq + 1"
            " RETURNING seq",
            driver=False,  # a write: through Django's cursor, in the query log like the rest
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [Generation.ONLY, secrets.token_hex(8)])
            (seq,) = cursor.fetchone()
            if self.watchable:
                # Sent at commit, and only then: no watcher hears of a change before its data
                # can be read (NOTIFY is transactional).
                cursor.execute("SELECT pg_notify(%s, %s)", [self.CHANNEL, str(seq)])
        return seq

    # The watchers' side (PostgreSQL only: boards.caching.watch) --------------------------

    def listen(self, raw: Any) -> None:
        raw.execute(f"LISTEN {self.CHANNEL}")

    def acknowledge(self, raw: Any, *, name: str, seen: int, lease: float) -> None:
        """Watcher `name` has seen change `seen`; its lease holds `lease` seconds from now,
        by the database's clock."""
        sql = (
            "INSERT INTO {watcher} (name, seen, expires_at)"
            " VALUES (%s, %s, now() + make_interval(secs => %s))"
            " ON CONFLICT (name) DO UPDATE"
            " SET seen = excluded.seen, expires_at = excluded.expires_at"
        )
        self._execute(sql, [name, seen, lease], raw)

    def leave(self, raw: Any, *, name: str) -> None:
        self._execute("DELETE FROM {watcher} WHERE name = %s", [name], raw)

    def forget_lapsed(self, raw: Any) -> None:
        """Drop the leases of watchers long gone (a killed worker leaves its row behind)."""
        self._execute(
            "DELETE FROM {watcher} WHERE expires_at < now() - interval '1 hour'", [], raw
        )

    def lagging(self, seq: int) -> float | None:
        """None when every watcher whose lease holds has seen change `seq`; else how many
        seconds the longest such lease still holds (a writer waits no longer than that)."""
        sql = (
            "SELECT EXTRACT(EPOCH FROM max(expires_at) - now()) FROM {watcher}"
            " WHERE expires_at > now() AND seen < %s"
        )
        (left,) = self._execute(sql, [seq]).fetchone()
        return None if left is None else float(left)


class SharedDatabaseCache(DatabaseCache):
    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        """Django's DatabaseCache adds by read-then-write, which loses counts when
        workers race; here the row is locked (PostgreSQL) or the whole write
        transaction is (SQLite's IMMEDIATE mode) from the read to the write."""
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with transaction.atomic(using=db):
            if connection.features.has_select_for_update:
                table = connection.ops.quote_name(self.cache_model_class._meta.db_table)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",  # noqa: S608
                        [self.make_and_validate_key(key, version=version)],
                    )
            return super().incr(key, delta, version)


class _Outages:
    """django-redis's logger for the exceptions IGNORE_EXCEPTIONS serves around: said as
    what they are, a warning with the error."""

    def exception(self, message: str, *args: object, **kwargs: object) -> None:
        logger.warning("Redis unreachable: served from the database", exc_info=True)


class RedisCache(DjangoRedisCache):
    """django-redis, with every ignored exception logged (whatever the settings say)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._log_ignored_exceptions = True
        self.logger = _Outages()
