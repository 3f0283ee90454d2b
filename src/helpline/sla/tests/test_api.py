"""The SLA API: configuration by administrators (the permission matrix's MANAGE_SLA;
supervisors, operators and referents are refused),
validation errors naming the field, recomputation on calendar edits, clocks, statement,
and tenant isolation of every endpoint (another tenant's id is a 404)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import api_client
from django.test import Client

from helpline.desk.tests.helpers import make_case
from helpline.lib.actors import Actor
from helpline.sla.models import Calendar, Clock, Policy, TargetKind
from helpline.tenancy.models import Membership
from helpline.tenancy.services import create_api_token

SYSTEM = Actor.system("tests")

CAL = {
    "name": "Municipio",
    "time_zone": "Europe/Rome",
    "holiday_country": "IT",
    "holiday_subdivision": "RM",
    "is_default": True,
    "slots": [
        {"weekday": d, "start": s, "end": e}
        for d in range(5)
        for s, e in (("08:00", "12:00"), ("14:00", "17:00"))
    ],
    "exceptions": [
        {
            "kind": "closure",
            "starts_on": "2026-12-24",
            "ends_on": "2026-12-24",
            "start_time": "12:00",
            "note": "Christmas Eve afternoon",
        }
    ],
}


def admin_api(tenant: Any, user: Any = None) -> Client:
    m = Membership.objects.get(organization=tenant.org, user=user or tenant.admin)
    _t, token = create_api_token(actor=SYSTEM, membership=m, name="sla-admin")
    return Client(headers={"Authorization": f"Bearer {token}"})


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def put(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.put(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def adm_a(tenant_a):
    return admin_api(tenant_a)


def policy_body(calendar_id: int) -> dict[str, Any]:
    return {
        "name": "Written requests",
        "calendar_id": calendar_id,
        "channel": "email",
        "targets": [
            {"kind": "first_response", "amount": 4, "unit": "hours"},
            {"kind": "resolution", "amount": 5, "unit": "working_days", "warning_percent": 60},
        ],
        "escalations": [
            {"trigger": "breach", "action": "move_to_level", "level": "l2"},
            {"trigger": "warning", "action": "notify_supervisor"},
        ],
    }


def test_an_administrator_configures_a_calendar_and_a_policy(adm_a, tenant_a):
    r = post(adm_a, "/api/v1/sla/calendars", CAL)
    assert r.status_code == 201, r.content
    cal = r.json()
    assert len(cal["slots"]) == 10 and cal["exceptions"][0]["note"] == "Christmas Eve afternoon"
    r = post(adm_a, "/api/v1/sla/policies", policy_body(cal["id"]))
    assert r.status_code == 201, r.content
    assert [t["kind"] for t in r.json()["targets"]] == ["first_response", "resolution"]
    assert adm_a.get("/api/v1/sla/policies").json()["items"][0]["name"] == "Written requests"
    openings = adm_a.get(f"/api/v1/sla/calendars/{cal['id']}/openings?days=7").json()
    assert openings["time_zone"] == "Europe/Rome" and openings["items"]


def test_operators_and_referents_may_read_but_not_configure(api_a, tenant_a):
    assert post(api_a, "/api/v1/sla/calendars", CAL).status_code == 403
    supervisor = api_client(tenant_a, tenant_a.supervisor)
    assert post(supervisor, "/api/v1/sla/calendars", CAL).status_code == 403
    referent = Client(headers={"Authorization": f"Bearer {tenant_a.referent_token}"})
    assert post(referent, "/api/v1/sla/calendars", CAL).status_code == 403
    assert api_a.get("/api/v1/sla/calendars").status_code == 200
    assert referent.get("/api/v1/sla/statement?month=2026-03").status_code == 200


@pytest.mark.parametrize(
    "change,field",
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"holiday_subdivision": "XX"}, "holiday_subdivision"),
        ({"slots": [], "exceptions": []}, "slots"),
        (
            {
                "exceptions": [
                    {"kind": "closure", "starts_on": "2026-12-24", "ends_on": "2026-12-23"}
                ]
            },
            "exceptions[0].ends_on",
        ),
        (
            {
                "exceptions": [
                    {"kind": "holiday", "starts_on": "2026-12-24", "ends_on": "2026-12-24"}
                ]
            },
            "exceptions[0].kind",
        ),
    ],
)
def test_bad_calendars_are_refused_naming_the_field_and_nothing_is_written(adm_a, change, field):
    r = post(adm_a, "/api/v1/sla/calendars", {**CAL, **change})
    assert r.status_code == 422
    assert field in [e["loc"][-1] for e in r.json()["detail"]], r.json()
    assert not Calendar.objects.exists()


def test_bad_policy_targets_are_refused_naming_the_field(adm_a):
    cal = post(adm_a, "/api/v1/sla/calendars", CAL).json()
    body = policy_body(cal["id"])
    body["targets"][1]["unit"] = "fortnights"
    body["escalations"][0]["level"] = ""
    r = post(adm_a, "/api/v1/sla/policies", body)
    assert r.status_code == 422
    fields = {e["loc"][-1] for e in r.json()["detail"]}
    assert {"targets[1].unit", "escalations[0].level"} <= fields
    assert not Policy.objects.exists()


def test_editing_a_calendar_recomputes_open_deadlines(adm_a, tenant_a):
    cal = post(adm_a, "/api/v1/sla/calendars", CAL).json()
    post(adm_a, "/api/v1/sla/policies", policy_body(cal["id"]))
    case = make_case(tenant_a, channel="email", now=datetime(2026, 3, 2, 8, tzinfo=UTC))
    before = Clock.objects.get(case=case, kind=TargetKind.RESOLUTION).due_at
    body = {
        **CAL,
        "exceptions": [{"kind": "closure", "starts_on": "2026-03-03", "ends_on": "2026-03-03"}],
    }
    r = put(adm_a, f"/api/v1/sla/calendars/{cal['id']}", body)
    assert r.status_code == 200 and r.json()["recomputed_clocks"] == 2
    after = Clock.objects.get(case=case, kind=TargetKind.RESOLUTION).due_at
    assert (after - before).days == 1
    clocks = adm_a.get(f"/api/v1/cases/{case.pk}/sla").json()["items"]
    assert {c["kind"] for c in clocks} == {"first_response", "resolution"}


def test_a_calendar_in_use_cannot_be_deleted(adm_a):
    cal = post(adm_a, "/api/v1/sla/calendars", CAL).json()
    post(adm_a, "/api/v1/sla/policies", policy_body(cal["id"]))
    r = adm_a.delete(f"/api/v1/sla/calendars/{cal['id']}")
    assert r.status_code == 422 and Calendar.objects.filter(pk=cal["id"]).exists()


def test_another_tenants_sla_objects_are_404(adm_a, tenant_a, tenant_b):
    adm_b = admin_api(tenant_b)
    cal_b = post(
        adm_b,
        "/api/v1/sla/calendars",
        {**CAL, "holiday_country": "BR", "holiday_subdivision": "SP"},
    ).json()
    pol_b = post(adm_b, "/api/v1/sla/policies", policy_body(cal_b["id"])).json()
    case_b = make_case(tenant_b)
    for url in (
        f"/api/v1/sla/calendars/{cal_b['id']}",
        f"/api/v1/sla/calendars/{cal_b['id']}/openings",
        f"/api/v1/sla/policies/{pol_b['id']}",
        f"/api/v1/cases/{case_b.pk}/sla",
    ):
        assert adm_a.get(url).status_code == 404, url
    assert put(adm_a, f"/api/v1/sla/calendars/{cal_b['id']}", CAL).status_code == 404
    assert (
        put(adm_a, f"/api/v1/sla/policies/{pol_b['id']}", policy_body(cal_b["id"])).status_code
        == 404
    )
    assert adm_a.delete(f"/api/v1/sla/calendars/{cal_b['id']}").status_code == 404
    assert adm_a.delete(f"/api/v1/sla/policies/{pol_b['id']}").status_code == 404
    # Pointing one's own policy at tenant B's calendar is refused like a missing one.
    r = post(adm_a, "/api/v1/sla/policies", policy_body(cal_b["id"]))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "calendar"
    assert adm_a.get("/api/v1/sla/calendars").json()["items"] == []
    assert adm_a.get("/api/v1/sla/statement").json()["lines"] == []
    assert adm_a.get("/api/v1/sla/at-risk").json()["items"] == []


def test_statement_month_is_validated(adm_a):
    r = adm_a.get("/api/v1/sla/statement?month=2026-13")
    assert r.status_code == 422
    r = adm_a.get("/api/v1/sla/statement?month=March")
    assert r.status_code == 422


def test_a_supervisor_may_read_but_not_change_sla_settings(tenant_a):
    """MANAGE_SLA is the administrators' in the permission matrix, in the API as on screen."""
    sup = admin_api(tenant_a, tenant_a.supervisor)
    assert sup.get("/api/v1/sla/calendars").status_code == 200
    assert post(sup, "/api/v1/sla/calendars", CAL).status_code == 403
    assert not Calendar.objects.exists()
