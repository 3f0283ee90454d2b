"""Refuse UPDATE on the contactevent table in the database itself (see lib/appendonly.py)."""

from django.db import migrations

from helpline.lib.appendonly import refuse_updates_operation


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]
    operations = [refuse_updates_operation("events_contactevent")]
