"""Happy paths of the case endpoints: catalogue, create, read, status, assignment, urgency,
contact events."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from helpline.api.tests.conftest import post_json
from helpline.cases.models import Case, Subject
from helpline.events.models import ContactEvent

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_topics_list_the_active_catalogue_with_subjects(api_a: Client, tenant_a: Any) -> None:
    Subject.objects.create(
        organization=tenant_a.org, topic=tenant_a.topic, code="old", name="Old", is_active=False
    )
    r = api_a.get("/api/v1/topics")
    assert r.status_code == 200
    (topic,) = r.json()["items"]
    assert topic["id"] == tenant_a.topic.pk
    assert topic["name"] == tenant_a.topic.name
    assert [s["id"] for s in topic["subjects"]] == [tenant_a.subject.pk]


def test_create_case_returns_201_with_its_protocol_number(
    api_a: Client, tenant_a: Any, make_customer: Any
) -> None:
    customer = make_customer(tenant_a)
    r = post_json(
        api_a,
        "/api/v1/cases",
        {
            "channel": "phone",
            "case_type": "fault_report",
            "title": "  Lamp post 42 is dark ",
            "description": "Via Roma",
            "topic_id": tenant_a.topic.pk,
            "subject_id": tenant_a.subject.pk,
            "urgency": "high",
            "severity": "major",
            "level": "l2",
            "requester_id": customer.pk,
            "assignee_id": tenant_a.operator.pk,
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    case = Case.objects.get(pk=body["id"])
    assert body["protocol_number"] == case.protocol_number
    assert re.fullmatch(r"CMN-\d{4}-0000001", body["protocol_number"])
    assert body["title"] == "Lamp post 42 is dark"
    assert body["status"] == "new"
    assert (body["urgency"], body["severity"], body["level"]) == ("high", "major", "l2")
    assert body["requester_id"] == customer.pk
    assert body["assignee_id"] == tenant_a.operator.pk
    assert ISO_UTC.match(body["created_at"])
    assert case.created_by_id == tenant_a.operator.pk


def test_create_case_defaults_to_the_api_channel(api_a: Client) -> None:
    r = post_json(api_a, "/api/v1/cases", {"case_type": "information", "title": "Hours?"})
    assert r.status_code == 201
    assert r.json()["channel"] == "api"
    assert r.json()["topic_id"] is None


def test_a_reminder_links_the_case_it_chases(api_a: Client, tenant_a: Any, make_case: Any) -> None:
    chased = make_case(tenant_a)
    r = post_json(
        api_a,
        "/api/v1/cases",
        {"case_type": "reminder", "title": "Any news?", "related_case_id": chased.pk},
    )
    assert r.status_code == 201
    assert r.json()["related_case_id"] == chased.pk


def test_get_case_by_id_and_by_protocol_number(
    api_a: Client, tenant_a: Any, make_case: Any
) -> None:
    case = make_case(tenant_a, title="Pothole")
    by_id = api_a.get(f"/api/v1/cases/{case.pk}")
    by_protocol = api_a.get(f"/api/v1/cases/by-protocol/{case.protocol_number}")
    assert by_id.status_code == by_protocol.status_code == 200
    assert by_id.json() == by_protocol.json()
    assert by_id.json()["title"] == "Pothole"


def test_unknown_case_ids_and_protocol_numbers_are_404(api_a: Client, tenant_a: Any) -> None:
    assert api_a.get("/api/v1/cases/999999").status_code == 404
    r = api_a.get("/api/v1/cases/by-protocol/CMN-2020-0000001")
    assert r.status_code == 404
    assert r.json() == {"detail": "No such case."}


def test_change_status_moves_the_case_and_logs_an_event(
    api_a: Client, tenant_a: Any, make_case: Any
) -> None:
    case = make_case(tenant_a)
    r = post_json(api_a, f"/api/v1/cases/{case.pk}/status", {"status": "resolved"})
    assert r.status_code == 200
    assert r.json()["status"] == "resolved"
    assert ISO_UTC.match(r.json()["resolved_at"])
    r = post_json(api_a, f"/api/v1/cases/{case.pk}/status", {"status": "closed"})
    assert r.json()["status"] == "closed"
    assert ContactEvent.objects.filter(case_id=case.pk, kind="status_changed").count() == 2


def test_illegal_status_transition_is_409_and_changes_nothing(
    api_a: Client, tenant_a: Any, make_case: Any
) -> None:
    case = make_case(tenant_a)
    post_json(api_a, f"/api/v1/cases/{case.pk}/status", {"status": "closed"})
    r = post_json(api_a, f"/api/v1/cases/{case.pk}/status", {"status": "waiting_customer"})
    assert r.status_code == 409
    assert "detail" in r.json() and isinstance(r.json()["detail"], str)
    case.refresh_from_db()
    assert case.status == "closed"


def test_assignment_sets_and_clears_the_assignee_and_escalates_the_level(
    api_a: Client, tenant_a: Any, make_case: Any
) -> None:
    case = make_case(tenant_a)
    url = f"/api/v1/cases/{case.pk}/assignment"
    r = post_json(api_a, url, {"assignee_id": tenant_a.supervisor.pk, "level": "l2"})
    assert r.status_code == 200
    assert (r.json()["assignee_id"], r.json()["level"]) == (tenant_a.supervisor.pk, "l2")
    assert ContactEvent.objects.filter(case_id=case.pk, kind="escalated").exists()
    r = post_json(api_a, url, {"assignee_id": None})
    assert r.status_code == 200
    assert r.json()["assignee_id"] is None
    assert r.json()["level"] == "l2"


def test_assignment_requires_the_assignee_key(api_a: Client, tenant_a: Any, make_case: Any) -> None:
    case = make_case(tenant_a)
    r = post_json(api_a, f"/api/v1/cases/{case.pk}/assignment", {"level": "l2"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "assignee_id"]


def test_change_urgency_and_severity(api_a: Client, tenant_a: Any, make_case: Any) -> None:
    case = make_case(tenant_a)
    url = f"/api/v1/cases/{case.pk}/urgency"
    r = post_json(api_a, url, {"urgency": "emergency", "severity": "critical"})
    assert r.status_code == 200
    assert (r.json()["urgency"], r.json()["severity"]) == ("emergency", "critical")
    r = post_json(api_a, url, {"urgency": "low"})
    assert (r.json()["urgency"], r.json()["severity"]) == ("low", "critical")


def test_events_list_what_happened_to_the_case(
    api_a: Client, tenant_a: Any, make_case: Any
) -> None:
    case = make_case(tenant_a)
    post_json(api_a, f"/api/v1/cases/{case.pk}/status", {"status": "open"})
    r = api_a.get(f"/api/v1/cases/{case.pk}/events")
    assert r.status_code == 200
    items = r.json()["items"]
    assert [e["kind"] for e in items] == ["case_opened", "status_changed"]
    assert items[1]["data"] == {"from": "new", "to": "open"}
    assert items[1]["actor_user_id"] == tenant_a.operator.pk
    assert all(ISO_UTC.match(e["at"]) for e in items)
