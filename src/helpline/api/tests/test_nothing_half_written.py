"""A request that fails leaves nothing behind: no case, no protocol number used up, no
audit or event rows, no customer."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from helpline.api.tests.conftest import post_json
from helpline.audit.models import AuditEntry
from helpline.cases.models import Case, ProtocolCounter
from helpline.customers.models import Customer
from helpline.events.models import ContactEvent


def _counters() -> list[tuple[int, int, int]]:
    return list(ProtocolCounter.objects.values_list("organization_id", "year", "last_seq"))


def _logs() -> tuple[int, int]:
    return AuditEntry.objects.count(), ContactEvent.objects.count()


@pytest.mark.parametrize(
    "bad",
    [
        {"topic_id": 987654},
        {"title": "   "},
        {"urgency": "whenever"},
        {"case_type": "reminder"},
    ],
)
def test_a_rejected_case_leaves_no_row_and_no_protocol_number_used(
    api_a: Client, bad: dict[str, Any]
) -> None:
    first = post_json(api_a, "/api/v1/cases", {"case_type": "information", "title": "First"})
    counters, logs = _counters(), _logs()

    r = post_json(api_a, "/api/v1/cases", {"case_type": "information", "title": "x", **bad})

    assert r.status_code == 422
    assert list(Case.objects.values_list("pk", flat=True)) == [first.json()["id"]]
    assert _counters() == counters
    assert _logs() == logs
    # The series stays gap-free: the next case takes the very next number.
    nxt = post_json(api_a, "/api/v1/cases", {"case_type": "information", "title": "Next"})
    assert nxt.json()["protocol_number"].endswith("-0000002")


def test_a_failure_after_the_number_is_taken_rolls_everything_back(
    tenant_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The case row, the counter increment and the audit entry are written before the
    contact event; if that fails, the whole creation is undone."""

    def broken_event(**kwargs: Any) -> Any:
        raise RuntimeError("event log unavailable")

    monkeypatch.setattr("helpline.cases.services.record_event", broken_event)
    client = Client(
        headers={"Authorization": f"Bearer {tenant_a.token}"}, raise_request_exception=False
    )
    counters, logs = _counters(), _logs()

    r = post_json(client, "/api/v1/cases", {"case_type": "information", "title": "Doomed"})

    assert r.status_code == 500
    assert not Case.objects.exists()
    assert _counters() == counters
    assert _logs() == logs


def test_a_rejected_customer_is_not_created_or_audited(api_a: Client) -> None:
    logs = _logs()
    r = post_json(
        api_a,
        "/api/v1/customers",
        {"name": "Valid Name", "email": "ok@example.it", "phone": "123", "tax_id": "RSSMRA"},
    )
    assert r.status_code == 422
    assert {e["loc"][1] for e in r.json()["detail"]} == {"phone", "tax_id"}
    assert not Customer.objects.exists()
    assert _logs() == logs
