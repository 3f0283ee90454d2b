"""Refuse UPDATE on the contactevent table in the database itself (see lib/appendonly.py)."""

from django.db import migrations

from helpline.lib.appendonly import trigger_sql

FORWARD, REVERSE = trigger_sql("events_contactevent")


def forward(apps, schema_editor):
    for vendor, sql in FORWARD:
        if schema_editor.connection.vendor == vendor:
            schema_editor.execute(sql)


def reverse(apps, schema_editor):
    for vendor, sql in REVERSE:
        if schema_editor.connection.vendor == vendor:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
