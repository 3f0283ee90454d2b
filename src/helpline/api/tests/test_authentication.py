"""Who may call the API: a bearer token of an active member; referents only read."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from helpline.api.tests.conftest import patch_json, post_json
from helpline.audit.models import AuditEntry
from helpline.cases.models import Case, Message
from helpline.customers.models import Customer
from helpline.events.models import ContactEvent
from helpline.lib.actors import Actor
from helpline.tenancy.models import ApiToken, Membership
from helpline.tenancy.services import revoke_api_token


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer hl_not-a-real-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Token something"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["no-header", "unknown-token", "empty-token", "wrong-scheme", "basic-auth"],
)
@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/api/v1/cases"), ("get", "/api/v1/topics"), ("post", "/api/v1/cases")],
)
def test_calls_without_a_valid_token_get_401(
    tenant_a: Any, headers: dict[str, str], method: str, url: str
) -> None:
    client = Client(headers=headers)
    if method == "post":
        r = post_json(client, url, {"case_type": "information", "title": "x"})
    else:
        r = client.get(url)
    assert r.status_code == 401
    assert r.json() == {"detail": "Unauthorized"}
    assert not Case.objects.exists()


def test_a_revoked_token_gets_401(tenant_a: Any, api_a: Client) -> None:
    assert api_a.get("/api/v1/cases").status_code == 200
    token = ApiToken.objects.get(membership__user=tenant_a.operator)
    revoke_api_token(actor=Actor.system("tests"), token=token)
    assert api_a.get("/api/v1/cases").status_code == 401


def test_a_deactivated_membership_loses_api_access(tenant_a: Any, api_a: Client) -> None:
    Membership.objects.filter(user=tenant_a.operator).update(is_active=False)
    assert api_a.get("/api/v1/cases").status_code == 401


def test_a_token_records_when_it_was_last_used(tenant_a: Any, api_a: Client) -> None:
    api_a.get("/api/v1/topics")
    token = ApiToken.objects.get(membership__user=tenant_a.operator)
    assert token.last_used_at is not None


def _state() -> tuple[Any, ...]:
    return (
        list(Case.objects.values().order_by("id")),
        list(Customer.objects.values().order_by("id")),
        Message.objects.count(),
        ContactEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_referent_may_read(referent_a: Client, tenant_a: Any, make_case: Any) -> None:
    case = make_case(tenant_a)
    assert referent_a.get("/api/v1/topics").status_code == 200
    assert referent_a.get("/api/v1/cases").json()["items"][0]["id"] == case.pk
    assert referent_a.get(f"/api/v1/cases/{case.pk}").status_code == 200
    assert referent_a.get(f"/api/v1/cases/{case.pk}/messages").status_code == 200
    assert referent_a.get(f"/api/v1/cases/{case.pk}/events").status_code == 200


WRITES = [
    ("post", "/api/v1/cases", {"case_type": "information", "title": "Referent case"}),
    ("post", "/api/v1/cases/{case}/status", {"status": "open"}),
    ("post", "/api/v1/cases/{case}/assignment", {"assignee_id": None, "level": "l2"}),
    ("post", "/api/v1/cases/{case}/urgency", {"urgency": "emergency"}),
    ("multipart", "/api/v1/cases/{case}/messages", {"direction": "note", "body": "hello"}),
    ("post", "/api/v1/customers", {"name": "New Customer"}),
    ("patch", "/api/v1/customers/{customer}", {"name": "Renamed"}),
]


@pytest.mark.parametrize(("method", "url", "body"), WRITES, ids=[w[1] for w in WRITES])
def test_a_referent_may_not_write(
    referent_a: Client,
    tenant_a: Any,
    make_case: Any,
    make_customer: Any,
    method: str,
    url: str,
    body: dict[str, Any],
) -> None:
    case = make_case(tenant_a)
    customer = make_customer(tenant_a)
    url = url.format(case=case.pk, customer=customer.pk)
    before = _state()
    if method == "post":
        r = post_json(referent_a, url, body)
    elif method == "patch":
        r = patch_json(referent_a, url, body)
    else:
        r = referent_a.post(url, body)
    assert r.status_code == 403
    assert "detail" in r.json()
    assert _state() == before
