"""The store every worker shares when there is no Redis: a table in the database.

Local memory (the default cache without REDIS_URL) lives in one worker, so it cannot
hold what all workers must agree on: the boards' generation (boards.caching) and the
rate-limit counters. This cache keeps those in the database the boards already use;
`manage.py migrate` creates its table (migration 0xxx_issue10_shared_cache).
"""

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction


class SharedDatabaseCache(DatabaseCache):
    def stamp(self, key, version=None) -> str | None:
        """The stored text of `key` as it is, or None: two equal texts are one value.

        For the boards' generation, read on every poll: one primary-key lookup, without
        the expiry check and unpickling of get() (the generation never expires here),
        through the driver's cursor: Django's cursor wrapper costs more than the query
        itself (about 50 µs against 20 on SQLite), on the one read every poll makes.
        When Django logs queries (DEBUG, tests that count them) it goes through
        Django's cursor, so that it is logged and counted like any other query.
        """
        connection = connections[router.db_for_read(self.cache_model_class)]
        table = connection.ops.quote_name(self.cache_model_class._meta.db_table)
        placeholder = "?" if connection.vendor == "sqlite" else "%s"  # the drivers' own styles
        sql = f"SELECT value FROM {table} WHERE cache_key = {placeholder}"  # noqa: S608
        params = [self.make_key(key, version=version)]
        if connection.queries_logged:
            with connection.cursor() as cursor:
                cursor.execute(sql.replace(placeholder, "%s"), params)
                row = cursor.fetchone()
        else:
            connection.ensure_connection()
            with connection.wrap_database_errors:
                row = connection.connection.execute(sql, params).fetchone()
        return row[0] if row else None

    def incr(self, key, delta=1, version=None):
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
