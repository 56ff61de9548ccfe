"""The stores every worker shares, and the one thin read every request makes of them.

`SharedDatabaseCache` is the shared store when there is no Redis: a table in the database
the boards already use (local memory lives in one worker, so it cannot hold what all
workers must agree on: the boards' generation and the rate-limit counters);
`manage.py migrate` creates its table (migration 0005_issue10_shared_cache).

`RedisCache` is django-redis's, with the generation read as plain text on a connection of
the thread's own: django-redis's get() (the pool's lock, the client's layers, unpickling)
costs several times the round trip itself, on the one read every request makes.

Both give `read_text`, `add_text` and `set_text`: the generation as the store holds it
(two equal texts are one value). boards.caching.generation uses them, or any Django
cache's get/add/set when the settings name another backend.
"""

import logging
import threading
from typing import Any

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django_redis.cache import RedisCache as DjangoRedisCache
from redis import RedisError

logger = logging.getLogger(__name__)


class SharedDatabaseCache(DatabaseCache):
    def read_text(self, key: str, version: int | None = None) -> str | None:
        """The stored text of `key` as it is, or None: two equal texts are one value.

        One primary-key lookup, without the expiry check and unpickling of get() (the
        generation never expires here), through the driver's cursor: Django's cursor
        wrapper costs more than the query itself (about 50 µs against 20 on SQLite). So
        it is not in Django's query log (DEBUG, tests that count queries).
        """
        connection = connections[router.db_for_read(self.cache_model_class)]
        table = connection.ops.quote_name(self.cache_model_class._meta.db_table)
        placeholder = "?" if connection.vendor == "sqlite" else "%s"  # the drivers' own styles
        sql = f"SELECT value FROM {table} WHERE cache_key = {placeholder}"  # noqa: S608
        connection.ensure_connection()
        with connection.wrap_database_errors:
            row = connection.connection.execute(
                sql, [self.make_key(key, version=version)]
            ).fetchone()
        return row[0] if row else None

    def add_text(self, key: str, value: str, timeout: int | None = None) -> None:
        self.add(key, value, timeout)

    def set_text(self, key: str, value: str, timeout: int | None = None) -> None:
        self.set(key, value, timeout)

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


class RedisCache(DjangoRedisCache):
    """django-redis, with the generation read and written as plain text."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        # One connection per thread for read_text: made from the pool's settings (the
        # address, the short timeouts), never shared, so no lock is taken per read.
        self._readers = threading.local()

    def _reader(self) -> Any:  # redis.Connection, untyped in redis-py
        reader = getattr(self._readers, "connection", None)
        if reader is None:
            pool = self.client.get_client(write=False).connection_pool
            reader = self._readers.connection = pool.make_connection()
        return reader

    def read_text(self, key: str, version: int | None = None) -> str | None:
        """GET on the thread's own connection. Redis unreachable: logged, and None,
        as django-redis's IGNORE_EXCEPTIONS does (the states then come from the database)."""
        reader = self._reader()
        try:
            reader.send_command("GET", self.make_and_validate_key(key, version=version))
            value = reader.read_response()
        except (RedisError, OSError) as error:
            reader.disconnect()
            logger.warning("Redis unreachable reading %s: %s", key, error)
            return None
        # Any bytes decode as Latin-1 (one before this release was a pickle): equal
        # bytes, equal texts, which is all a generation asks.
        return value.decode("latin-1") if isinstance(value, bytes) else value

    def add_text(self, key: str, value: str, timeout: int | None = None) -> None:
        self._write_text(key, value, timeout, only_new=True)

    def set_text(self, key: str, value: str, timeout: int | None = None) -> None:
        self._write_text(key, value, timeout, only_new=False)

    def _write_text(self, key: str, value: str, timeout: int | None, *, only_new: bool) -> None:
        try:
            self.client.get_client(write=True).set(
                self.make_and_validate_key(key), value, ex=timeout, nx=only_new
            )
        except (RedisError, OSError) as error:
            logger.warning("Redis unreachable writing %s: %s", key, error)
