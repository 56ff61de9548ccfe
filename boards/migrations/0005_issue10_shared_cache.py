"""The table of the cache that all workers share without Redis (boards.cache_backends)."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    # Creates the table of every database cache in CACHES; nothing when Redis is used.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("boards", "0004_interest")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
