"""resolve_refs: one query proves every reference belongs to the organisation."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpline.cases.models import Subject, Topic
from helpline.customers.models import Customer
from helpline.lib.errors import FieldValidationError
from helpline.lib.references import Ref, resolve_refs

pytestmark = pytest.mark.django_db


def test_all_references_are_checked_in_one_query(tenant_a: Any) -> None:
    subject = tenant_a.subject
    with CaptureQueriesContext(connection) as ctx:
        found = resolve_refs(
            org_id=tenant_a.org.pk,
            refs=[
                Ref("topic", Topic, subject.topic_id),
                Ref("subject", Subject, subject.pk, read="topic_id"),
                Ref("requester", Customer, None),
            ],
        )
    assert len(ctx.captured_queries) == 1
    assert found == {"topic": subject.topic_id, "subject": subject.topic_id}


def test_every_unknown_or_foreign_reference_is_named(tenant_a: Any, tenant_b: Any) -> None:
    foreign_topic = tenant_b.topic
    with pytest.raises(FieldValidationError) as info:
        resolve_refs(
            org_id=tenant_a.org.pk,
            refs=[Ref("topic", Topic, foreign_topic.pk), Ref("requester", Customer, 987654)],
        )
    assert set(info.value.errors) == {"topic", "requester"}
    assert "987654" in info.value.errors["requester"][0]


def test_no_reference_means_no_query(tenant_a: Any) -> None:
    with CaptureQueriesContext(connection) as ctx:
        assert resolve_refs(org_id=tenant_a.org.pk, refs=[Ref("topic", Topic, None)]) == {}
    assert ctx.captured_queries == []
