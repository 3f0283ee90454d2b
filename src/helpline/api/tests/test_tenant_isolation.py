"""Tenant B's token on tenant A's objects: 404 (or an empty answer) for EVERY endpoint, no
byte of A's data in the response, and nothing changed in the database."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from helpline.api.tests.conftest import patch_json, post_json
from helpline.audit.models import AuditEntry
from helpline.cases.models import Attachment, Case, CaseTask, Message, ProtocolCounter, Topic
from helpline.cases.services import UploadedFile, add_message, open_case
from helpline.customers.models import Customer, Segment
from helpline.customers.services import create_customer
from helpline.events.models import ContactEvent

SECRET_TITLE = "SECRET-A leaking pipe at the mayor's house"
SECRET_NAME = "Alessandra Segreta"
SECRET_EMAIL = "alessandra.segreta@example.it"
SECRET_TAX_ID = "RSSMRA85T10A562S"
SECRET_FILE = "segreto-mayor.pdf"
SECRET_BYTES = b"%PDF secret content of tenant A"


@pytest.fixture
def a_objects(tenant_a: Any, tenant_b: Any) -> dict[str, Any]:
    """Tenant A's case (with a requester, a message and an attachment) and its customer."""
    segment = Segment.objects.create(organization=tenant_a.org, code="vip", name="SECRET-A VIP")
    customer = create_customer(
        org=tenant_a.org,
        actor=tenant_a.actor,
        name=SECRET_NAME,
        email=SECRET_EMAIL,
        phone="0669821234",
        tax_id=SECRET_TAX_ID,
        segment_id=segment.pk,
    )
    case = open_case(
        org=tenant_a.org,
        actor=tenant_a.actor,
        channel="phone",
        case_type="fault_report",
        title=SECRET_TITLE,
        description="SECRET-A description",
        topic_id=tenant_a.topic.pk,
        requester_id=customer.pk,
        assignee_id=tenant_a.operator.pk,
    )
    message = add_message(
        case=case,
        actor=tenant_a.actor,
        direction="inbound",
        body="SECRET-A message body",
        attachments=[UploadedFile(SECRET_FILE, "application/pdf", SECRET_BYTES)],
    )
    attachment = Attachment.objects.get(message=message)
    return {
        "case": case,
        "customer": customer,
        "attachment": attachment,
        "segment": segment,
        "topic": tenant_a.topic,
        "subject": tenant_a.subject,
        "operator": tenant_a.operator,
    }


def _secrets(a: dict[str, Any]) -> list[str]:
    return [
        SECRET_TITLE,
        "SECRET-A",
        SECRET_NAME,
        SECRET_EMAIL,
        SECRET_TAX_ID,
        SECRET_FILE,
        SECRET_BYTES.decode(),
        a["case"].protocol_number,
        a["attachment"].sha256,
        "+390669821234",
        a["topic"].name,
        "comune-operator",
    ]


def _database() -> dict[str, Any]:
    """Every row a request could touch, so 'nothing changed' is checked literally."""
    models = [
        Case,
        Customer,
        Message,
        Attachment,
        ContactEvent,
        AuditEntry,
        ProtocolCounter,
        CaseTask,
        Topic,
        Segment,
    ]
    return {m.__name__: list(m._default_manager.order_by("pk").values()) for m in models}


def _call(client: Client, method: str, url: str, body: dict[str, Any] | None) -> Any:
    if method == "get":
        return client.get(url)
    if method == "patch":
        return patch_json(client, url, body or {})
    if method == "multipart":
        return client.post(url, body or {})
    return post_json(client, url, body or {})


# (method, url, body): every endpoint that names one of A's objects in its path.
BY_ID = [
    ("get", "/api/v1/cases/{case}", None),
    ("get", "/api/v1/cases/by-protocol/{protocol}", None),
    ("post", "/api/v1/cases/{case}/status", {"status": "closed"}),
    ("post", "/api/v1/cases/{case}/assignment", {"assignee_id": None, "level": "bo"}),
    ("post", "/api/v1/cases/{case}/urgency", {"urgency": "emergency", "severity": "critical"}),
    ("get", "/api/v1/cases/{case}/messages", None),
    ("multipart", "/api/v1/cases/{case}/messages", {"direction": "outbound", "body": "B writes"}),
    ("get", "/api/v1/cases/{case}/events", None),
    ("get", "/api/v1/attachments/{attachment}", None),
    ("get", "/api/v1/customers/{customer}", None),
    ("patch", "/api/v1/customers/{customer}", {"name": "Taken over by B"}),
]


def _url(template: str, a: dict[str, Any]) -> str:
    return template.format(
        case=a["case"].pk,
        protocol=a["case"].protocol_number,
        attachment=a["attachment"].pk,
        customer=a["customer"].pk,
    )


@pytest.mark.parametrize(("method", "url", "body"), BY_ID, ids=[f"{m} {u}" for m, u, _ in BY_ID])
def test_tenant_b_gets_404_for_tenant_a_objects(
    api_b: Client, a_objects: dict[str, Any], method: str, url: str, body: Any
) -> None:
    before = _database()
    r = _call(api_b, method, _url(url, a_objects), body)
    assert r.status_code == 404
    content = r.content.decode()
    assert all(secret not in content for secret in _secrets(a_objects))
    assert _database() == before


def test_the_same_calls_work_for_tenant_a(api_a: Client, a_objects: dict[str, Any]) -> None:
    """The isolation test above is meaningful: A's own token reaches every one of them."""
    for method, url, body in BY_ID:
        r = _call(api_a, method, _url(url, a_objects), body)
        assert r.status_code in (200, 201), (method, url, r.content)


# Endpoints that take A's ids as filters or references: an empty answer or a 422 about the
# reference, never A's data, never a change.
BY_REFERENCE = [
    ("get", "/api/v1/topics", None, 200),
    ("get", "/api/v1/cases", None, 200),
    ("get", "/api/v1/cases?requester_id={customer}", None, 200),
    ("get", "/api/v1/cases?topic_id={topic}", None, 200),
    ("get", "/api/v1/cases?assignee_id={operator}", None, 200),
    ("get", "/api/v1/cases?q={protocol}", None, 200),
    ("get", "/api/v1/customers?tax_id={tax_id}", None, 200),
    ("get", "/api/v1/customers?email={email}", None, 200),
    ("get", "/api/v1/customers?phone=%2B390669821234", None, 200),
    (
        "post",
        "/api/v1/cases",
        {"case_type": "information", "title": "x", "topic_id": "{topic}"},
        422,
    ),
    (
        "post",
        "/api/v1/cases",
        {"case_type": "information", "title": "x", "subject_id": "{subject}"},
        422,
    ),
    (
        "post",
        "/api/v1/cases",
        {"case_type": "information", "title": "x", "requester_id": "{customer}"},
        422,
    ),
    (
        "post",
        "/api/v1/cases",
        {"case_type": "information", "title": "x", "assignee_id": "{operator}"},
        422,
    ),
    (
        "post",
        "/api/v1/cases",
        {"case_type": "reminder", "title": "x", "related_case_id": "{case}"},
        422,
    ),
    ("post", "/api/v1/customers", {"name": "x", "segment_id": "{segment}"}, 422),
]


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    BY_REFERENCE,
    ids=[f"{m} {u} {sorted((b or {}).items())[-1:]}" for m, u, b, _s in BY_REFERENCE],
)
def test_tenant_b_cannot_reach_tenant_a_objects_by_reference(
    api_b: Client,
    tenant_b: Any,
    a_objects: dict[str, Any],
    method: str,
    url: str,
    body: Any,
    status: int,
) -> None:
    refs = {
        "case": a_objects["case"].pk,
        "customer": a_objects["customer"].pk,
        "topic": a_objects["topic"].pk,
        "subject": a_objects["subject"].pk,
        "operator": a_objects["operator"].pk,
        "segment": a_objects["segment"].pk,
        "protocol": a_objects["case"].protocol_number,
        "tax_id": SECRET_TAX_ID,
        "email": SECRET_EMAIL,
    }
    url = url.format(**refs)
    if body is not None:
        body = {
            k: (int(v.format(**refs)) if isinstance(v, str) and v.startswith("{") else v)
            for k, v in body.items()
        }
    before = _database()
    r = _call(api_b, method, url, body)
    assert r.status_code == status, r.content
    content = r.content.decode()
    assert all(secret not in content for secret in _secrets(a_objects))
    if status == 200:
        # B has no cases or customers; its topics list shows B's own catalogue only.
        expected = [tenant_b.topic.pk] if url.endswith("/topics") else []
        assert [item["id"] for item in r.json()["items"]] == expected
    assert _database() == before
