"""lib.deferred and lib.bulk: rows a batch defers land once, in one statement per table,
with what the ORM would have written."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpline.audit.models import AuditEntry
from helpline.channels.models import Inbound, InboundState
from helpline.customers.models import SearchTerm
from helpline.customers.services import create_customer
from helpline.lib import bulk, deferred

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="COPY and unnest are PostgreSQL's"
)


def _inbound(org: Any, key: str, raw: bytes) -> Inbound:
    return Inbound(
        organization=org,
        channel="email",
        source="test",
        dedupe_key=key,
        raw=raw,
        size=len(raw),
        received_at=timezone.now(),
        flags={"pec": False, "note": "ünïcode"},
    )


def test_deferred_rows_wait_for_the_flush_and_go_in_one_statement_per_table(
    tenant_a: Any,
) -> None:
    rows: list[deferred.Pending] = []
    with deferred.deferred(rows):
        customers = [
            create_customer(org=tenant_a.org, actor=tenant_a.actor, name=f"Anna Rossi {i}")
            for i in range(3)
        ]
    assert not AuditEntry.objects.filter(object_type="customers.customer").exists()
    assert SearchTerm.objects.filter(organization=tenant_a.org, term="rossi").count() == 0
    with CaptureQueriesContext(connection) as q:
        deferred.flush(rows)
    assert rows == []
    audit = AuditEntry.objects.filter(object_type__icontains="customer")
    assert sorted(int(a.object_id) for a in audit) == sorted(c.pk for c in customers)
    # The vocabulary is shared: queued three times, sent once.
    assert SearchTerm.objects.filter(organization=tenant_a.org, term="rossi").count() == 1
    tables = [s["sql"].split('"')[1] for s in q.captured_queries if '"' in s["sql"]]
    assert len(tables) == len(set(tables)), tables  # one statement per table


def test_outside_a_deferred_block_rows_are_saved_at_once(tenant_a: Any) -> None:
    assert not deferred.is_deferring()
    customer = create_customer(org=tenant_a.org, actor=tenant_a.actor, name="Marco Bianchi")
    assert customer.contacts.count() == 0  # no phone or e-mail given
    assert SearchTerm.objects.filter(organization=tenant_a.org, term="bianchi").exists()


@postgresql_only
def test_insert_rows_sets_primary_keys_in_order_and_keeps_bytes_and_json(tenant_a: Any) -> None:
    raws = [b"\x00\xffbinary", b"From: a@b.example\r\n\r\nhi", b""]
    rows = [_inbound(tenant_a.org, f"bulk-{i}", raw) for i, raw in enumerate(raws)]
    with transaction.atomic():
        bulk.insert_rows(Inbound, rows)
    for row, raw in zip(rows, raws, strict=True):
        stored = Inbound.objects.get(pk=row.pk)
        assert (stored.dedupe_key, bytes(stored.raw), stored.state) == (
            row.dedupe_key,
            raw,
            InboundState.RECEIVED,
        )
        assert stored.flags == {"pec": False, "note": "ünïcode"}


@postgresql_only
def test_insert_rows_refuses_a_duplicate_and_inserts_nothing(tenant_a: Any) -> None:
    with transaction.atomic():
        bulk.insert_rows(Inbound, [_inbound(tenant_a.org, "dup", b"x")])
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_rows(
            Inbound, [_inbound(tenant_a.org, "fresh", b"y"), _inbound(tenant_a.org, "dup", b"z")]
        )
    assert list(Inbound.objects.values_list("dedupe_key", flat=True)) == ["dup"]


@postgresql_only
def test_copy_rows_writes_what_the_orm_would_and_is_logged(tenant_a: Any) -> None:
    rows = [_inbound(tenant_a.org, f"copy-{i}", bytes([i, 0, 255])) for i in range(3)]
    with CaptureQueriesContext(connection) as q, transaction.atomic():
        bulk.copy_rows(Inbound, rows)
    statements = [s["sql"].split(" ", 1)[0] for s in q.captured_queries]
    assert [s for s in statements if s not in ("SAVEPOINT", "RELEASE")] == ["COPY"]
    stored = Inbound.objects.order_by("dedupe_key")
    assert [bytes(r.raw) for r in stored] == [bytes([i, 0, 255]) for i in range(3)]
    assert all(r.flags["note"] == "ünïcode" and r.received_at for r in stored)
