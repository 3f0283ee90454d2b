"""Bad input gets 422 naming the field, in one format for ninja's and the services' errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from helpline.api.tests.conftest import patch_json, post_json
from helpline.customers.models import Customer

CASE = {"case_type": "information", "title": "Question"}


def _fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert all(set(e) >= {"loc", "msg", "type"} for e in detail)
    assert all(isinstance(e["msg"], str) and e["msg"] for e in detail)
    return [e["loc"][1] for e in detail if e["loc"][0] == "body"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"case_type": "wish"}, "case_type"),
        ({"channel": "pigeon"}, "channel"),
        ({"urgency": "whenever"}, "urgency"),
        ({"severity": "meh"}, "severity"),
        ({"level": "l9"}, "level"),
        ({"topic_id": 987654}, "topic_id"),
        ({"subject_id": 987654}, "subject_id"),
        ({"requester_id": 987654}, "requester_id"),
        ({"assignee_id": 987654}, "assignee_id"),
        ({"related_case_id": 987654}, "related_case_id"),
        ({"case_type": "reminder"}, "related_case_id"),
        ({"topic_id": "lighting"}, "topic_id"),
        ({"topic_id": 0}, "topic_id"),
    ],
)
def test_create_case_rejects_bad_input_naming_the_field(
    api_a: Client, change: dict[str, Any], field: str
) -> None:
    r = post_json(api_a, "/api/v1/cases", {**CASE, **change})
    assert _fields(r) == [field]


def test_missing_required_fields_are_all_named(api_a: Client) -> None:
    r = post_json(api_a, "/api/v1/cases", {})
    assert sorted(_fields(r)) == ["case_type", "title"]
    assert {e["type"] for e in r.json()["detail"]} == {"missing"}


def test_service_errors_are_shaped_like_ninjas(api_a: Client) -> None:
    r = post_json(api_a, "/api/v1/cases", {**CASE, "topic_id": 987654})
    assert r.json() == {
        "detail": [
            {"loc": ["body", "topic_id"], "msg": "Unknown topic: 987654", "type": "value_error"}
        ]
    }


def test_a_subject_of_another_topic_is_422(api_a: Client, tenant_a: Any) -> None:
    from helpline.cases.models import Subject, Topic

    other = Topic.objects.create(organization=tenant_a.org, code="water", name="Water")
    leak = Subject.objects.create(organization=tenant_a.org, topic=other, code="leak", name="Leak")
    r = post_json(
        api_a, "/api/v1/cases", {**CASE, "topic_id": tenant_a.topic.pk, "subject_id": leak.pk}
    )
    assert _fields(r) == ["subject_id"]


def test_a_referent_cannot_be_assigned(api_a: Client, tenant_a: Any, make_case: Any) -> None:
    case = make_case(tenant_a)
    r = post_json(
        api_a, f"/api/v1/cases/{case.pk}/assignment", {"assignee_id": tenant_a.referent.pk}
    )
    assert _fields(r) == ["assignee_id"]


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/cases/{case}/status", {"status": "finished"}, "status"),
        ("/api/v1/cases/{case}/urgency", {"urgency": "asap"}, "urgency"),
        ("/api/v1/cases/{case}/urgency", {"urgency": "low", "severity": "huge"}, "severity"),
        ("/api/v1/cases/{case}/assignment", {"assignee_id": None, "level": "l7"}, "level"),
    ],
)
def test_case_changes_reject_bad_choices(
    api_a: Client, tenant_a: Any, make_case: Any, url: str, body: dict[str, Any], field: str
) -> None:
    case = make_case(tenant_a)
    assert _fields(post_json(api_a, url.format(case=case.pk), body)) == [field]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": ""}, ["name"]),
        ({"name": "A", "phone": "12"}, ["phone"]),
        ({"name": "A", "phone": "call me"}, ["phone"]),
        ({"name": "A", "tax_id": "RSSMRA85T10A562X"}, ["tax_id"]),
        ({"name": "A", "email": "not-an-address"}, ["email"]),
        ({"name": "A", "segment_id": 987654}, ["segment_id"]),
        ({"name": "A", "language": "klingon"}, ["language"]),
        ({"name": "", "phone": "12", "tax_id": "x1"}, ["name", "phone", "tax_id"]),
    ],
)
def test_create_customer_rejects_bad_input_naming_every_field(
    api_a: Client, body: dict[str, Any], fields: list[str]
) -> None:
    r = post_json(api_a, "/api/v1/customers", body)
    assert sorted(_fields(r)) == fields
    assert not Customer.objects.exists()


def test_a_duplicate_tax_id_is_422(api_a: Client, tenant_a: Any, make_customer: Any) -> None:
    make_customer(tenant_a, tax_id="RSSMRA85T10A562S")
    r = post_json(api_a, "/api/v1/customers", {"name": "B", "tax_id": "RSS MRA 85T10 A562S"})
    assert _fields(r) == ["tax_id"]
    assert Customer.objects.count() == 1


def test_patch_customer_rejects_an_invalid_phone_and_keeps_the_old_one(
    api_a: Client, tenant_a: Any, make_customer: Any
) -> None:
    customer = make_customer(tenant_a, phone="0669821234")
    r = patch_json(api_a, f"/api/v1/customers/{customer.pk}", {"phone": "000"})
    assert _fields(r) == ["phone"]
    customer.refresh_from_db()
    assert customer.phone == "+390669821234"


def test_malformed_json_is_400_not_500(api_a: Client) -> None:
    r = api_a.post("/api/v1/cases", "{not json", content_type="application/json")
    assert r.status_code == 400
    assert r.json() == {"detail": "Cannot parse request body"}


@pytest.mark.parametrize("case_id", ["abc", "0", "-1", str(2**63)])
def test_impossible_ids_in_the_path_are_422(api_a: Client, case_id: str) -> None:
    r = api_a.get(f"/api/v1/cases/{case_id}")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["path", "case_id"]
