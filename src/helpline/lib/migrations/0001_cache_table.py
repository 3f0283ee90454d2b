"""The database cache table (settings.CACHES without Redis): the throttle counters live there,
shared by every process. ``createcachetable`` does nothing for a Redis cache or an existing
table, so the migration is safe everywhere."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
