"""The settings API does what the screens do: the permission matrix per token's role, rows
of the token's tenant only (another tenant's id is a 404 to read and a 422 to reference),
validation errors naming the field, audited writes, deactivation of rows still in use."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from helpline.audit.models import AuditEntry
from helpline.cases.models import Topic
from helpline.configuration.tests.test_settings_screens import ROWS
from helpline.desk.tests.helpers import make_case
from helpline.lib.actors import Actor
from helpline.routing.models import Queue
from helpline.tenancy.models import Membership
from helpline.tenancy.services import create_api_token

if TYPE_CHECKING:
    from conftest import Tenant

SYSTEM = Actor.system("tests")


def _api(t: Tenant, user: Any) -> Client:
    m = Membership.objects.get(organization=t.org, user=user)
    _t, token = create_api_token(actor=SYSTEM, membership=m, name="settings")
    return Client(headers={"Authorization": f"Bearer {token}"})


def _send(c: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    return getattr(c, method)(url, json.dumps(body), content_type="application/json")


@pytest.mark.django_db
def test_topics_round_trip_through_the_api_with_audit(tenant_a: Tenant) -> None:
    sup = _api(tenant_a, tenant_a.supervisor)
    r = _send(sup, "post", "/api/v1/settings/topics", {"code": "water", "name": "Water"})
    assert r.status_code == 201, r.content
    topic_id = r.json()["id"]
    assert r.json()["is_active"] is True
    r = _send(sup, "patch", f"/api/v1/settings/topics/{topic_id}", {"name": "Drinking water"})
    assert r.status_code == 200 and r.json()["name"] == "Drinking water"
    assert r.json()["code"] == "water"  # PATCH keeps what was not sent
    change = AuditEntry.objects.get(object_id=str(topic_id), action="update")
    assert change.changes == {"name": ["Water", "Drinking water"]}
    assert change.actor_user_id == tenant_a.supervisor.pk
    r = sup.delete(f"/api/v1/settings/topics/{topic_id}")
    assert r.json() == {"result": "deleted"}
    assert not Topic.objects.filter(pk=topic_id).exists()


@pytest.mark.django_db
def test_a_topic_in_use_is_deactivated_through_the_api(tenant_a: Tenant) -> None:
    make_case(tenant_a, topic_id=tenant_a.topic.pk)
    r = _api(tenant_a, tenant_a.admin).delete(f"/api/v1/settings/topics/{tenant_a.topic.pk}")
    assert r.json() == {"result": "deactivated"}


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["topics", "segments", "queues", "skills", "penalty-rules"])
def test_another_tenants_rows_are_404_through_the_api(
    key: str, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    theirs = ROWS[key](tenant_b)
    adm = _api(tenant_a, tenant_a.admin)
    assert adm.get(f"/api/v1/settings/{key}/{theirs.pk}").status_code == 404
    assert _send(adm, "patch", f"/api/v1/settings/{key}/{theirs.pk}", {}).status_code == 404
    assert adm.delete(f"/api/v1/settings/{key}/{theirs.pk}").status_code == 404
    ids = [row["id"] for row in adm.get(f"/api/v1/settings/{key}").json()["items"]]
    assert theirs.pk not in ids
    type(theirs).objects.get(pk=theirs.pk)


@pytest.mark.django_db
def test_the_api_follows_the_permission_matrix(tenant_a: Tenant) -> None:
    op = _api(tenant_a, tenant_a.operator)
    assert op.get("/api/v1/settings/topics").status_code == 403
    assert (
        _send(op, "post", "/api/v1/settings/topics", {"code": "x", "name": "X"}).status_code == 403
    )
    sup = _api(tenant_a, tenant_a.supervisor)
    assert sup.get("/api/v1/settings/queues").status_code == 200
    assert sup.get("/api/v1/settings/penalty-rules").status_code == 403
    assert _api(tenant_a, tenant_a.admin).get("/api/v1/settings/penalty-rules").status_code == 200
    assert not Topic.objects.filter(code="x").exists()


@pytest.mark.django_db
def test_a_queue_naming_another_tenants_topic_or_segment_is_a_422_by_field(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    segment = ROWS["segments"](tenant_b)
    adm = _api(tenant_a, tenant_a.admin)
    r = _send(
        adm,
        "post",
        "/api/v1/settings/queues",
        {"code": "q", "name": "Q", "topics": [tenant_b.topic.pk], "segment_id": segment.pk},
    )
    assert r.status_code == 422
    fields = {item["loc"][1] for item in r.json()["detail"]}
    assert fields == {"topics", "segment_id"}
    assert not Queue.objects.exists()
    r = _send(adm, "post", "/api/v1/settings/queues", {"code": "q", "name": "Q", "colour": "red"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "colour"]
    r = _send(
        adm,
        "post",
        "/api/v1/settings/queues",
        {"code": "q", "name": "Q", "topics": [tenant_a.topic.pk]},
    )
    assert r.status_code == 201 and r.json()["topics"] == [tenant_a.topic.pk]
