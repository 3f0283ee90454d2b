"""Refuse UPDATE on the auditentry table in the database itself (see lib/appendonly.py)."""

from django.db import migrations

from helpline.lib.appendonly import refuse_updates_operation


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [refuse_updates_operation("audit_auditentry")]
