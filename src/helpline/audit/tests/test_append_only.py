"""Audit entries and contact events can be appended, never rewritten."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from helpline.audit.models import AuditEntry
from helpline.events.models import ContactEvent
from helpline.lib.appendonly import AppendOnlyError


@pytest.mark.parametrize("model", [AuditEntry, ContactEvent])
def test_rows_cannot_be_changed_or_deleted_through_the_orm(tenant_a, model):
    from helpline.cases.services import open_case

    open_case(
        org=tenant_a.org, actor=tenant_a.actor, channel="phone", case_type="information", title="x"
    )
    row = model.objects.filter(organization=tenant_a.org).first()
    assert row is not None
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        model.objects.all().update(at=row.at)
    with pytest.raises(AppendOnlyError):
        model.objects.all().delete()


@pytest.mark.parametrize("table", ["audit_auditentry", "events_contactevent"])
def test_the_database_refuses_updates_even_from_raw_sql(tenant_a, table):
    from helpline.cases.services import open_case

    open_case(
        org=tenant_a.org, actor=tenant_a.actor, channel="phone", case_type="information", title="x"
    )
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(f"UPDATE {table} SET actor_label = 'forged'")


def test_configuration_changes_are_audited(tenant_a):
    entries = AuditEntry.objects.filter(organization=tenant_a.org, action="create")
    types = set(entries.values_list("object_type", flat=True))
    assert {"tenancy.organization", "tenancy.membership", "tenancy.apitoken"} <= types
