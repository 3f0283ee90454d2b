"""The routing rules screen and ``/api/v1/settings/routing-rules``: supervisors and
administrators only, tenant-scoped (another tenant's rule is 404 and its queue an unknown
queue), field errors for a foreign or deleted queue, ordering, the default queue and the
"test a case" preview."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from helpline.audit.models import AuditEntry
from helpline.lib.errors import FieldValidationError
from helpline.routing import configuration as config
from helpline.routing.models import Queue, RoutingRule
from helpline.routing.tests.conftest import SYSTEM
from helpline.tenancy.models import Membership
from helpline.tenancy.services import create_api_token


def _queue(org: Any, code: str = "front") -> Queue:
    return Queue.objects.create(organization=org, code=code, name=code.title())


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _api(tenant: Any, role: str) -> Client:
    user = {"supervisor": tenant.supervisor, "admin": tenant.admin, "operator": tenant.operator}[
        role
    ]
    membership = Membership.objects.get(organization=tenant.org, user=user)
    _t, token = create_api_token(actor=SYSTEM, membership=membership, name=f"t-{role}")
    return Client(headers={"Authorization": f"Bearer {token}"})


def _send(client: Client, method: str, url: str, data: Any = None) -> Any:
    fn = getattr(client, method)
    return fn(url, data=json.dumps(data or {}), content_type="application/json")


URL = "/api/v1/settings/routing-rules"


def test_a_foreign_or_deleted_queue_is_refused_with_a_field_error(tenant_a, tenant_b) -> None:
    foreign = _queue(tenant_b.org)
    with pytest.raises(FieldValidationError) as exc:
        config.create_rule(
            org=tenant_a.org, actor=SYSTEM, data=config.RuleData(name="x", queue_id=foreign.pk)
        )
    assert list(exc.value.errors) == ["queue"]
    gone = _queue(tenant_a.org, "gone")
    gone_id = gone.pk
    gone.delete()
    with pytest.raises(FieldValidationError) as exc:
        config.create_rule(
            org=tenant_a.org, actor=SYSTEM, data=config.RuleData(name="x", queue_id=gone_id)
        )
    assert list(exc.value.errors) == ["queue"]
    with pytest.raises(FieldValidationError) as exc:
        config.set_default_queue(org=tenant_a.org, actor=SYSTEM, queue_id=foreign.pk)
    assert list(exc.value.errors) == ["default_queue"]
    assert not RoutingRule.objects.exists()


def test_conditions_naming_another_tenants_catalogue_are_refused(tenant_a, tenant_b) -> None:
    q = _queue(tenant_a.org)
    with pytest.raises(FieldValidationError) as exc:
        config.create_rule(
            org=tenant_a.org,
            actor=SYSTEM,
            data=config.RuleData(
                name="x",
                queue_id=q.pk,
                topic_ids=[tenant_b.topic.pk],
                channels=["telepathy"],
            ),
        )
    assert set(exc.value.errors) == {"topic_ids", "channels"}


def test_a_queue_in_use_by_a_rule_cannot_be_deleted(tenant_a) -> None:
    from django.db.models import RestrictedError

    q = _queue(tenant_a.org)
    data = config.RuleData(name="x", queue_id=q.pk)
    config.create_rule(org=tenant_a.org, actor=SYSTEM, data=data)
    with pytest.raises(RestrictedError):
        q.delete()


def test_api_crud_order_default_and_preview(tenant_a) -> None:
    api = _api(tenant_a, "supervisor")
    front, back = _queue(tenant_a.org), _queue(tenant_a.org, "back")
    r = _send(api, "post", URL, {"name": "Mail", "queue_id": back.pk, "channels": ["email"]})
    assert r.status_code == 201, r.content
    mail = r.json()
    r = _send(api, "post", URL, {"name": "Urgent", "queue_id": front.pk, "urgencies": ["high"]})
    urgent = r.json()
    assert [i["name"] for i in api.get(URL).json()["items"]] == ["Mail", "Urgent"]
    r = _send(api, "put", URL + "/order", {"rule_ids": [urgent["id"], mail["id"]]})
    assert [i["name"] for i in r.json()["items"]] == ["Urgent", "Mail"]
    r = _send(api, "put", URL + "/order", {"rule_ids": [urgent["id"]]})
    assert r.status_code == 422
    r = _send(api, "put", URL + "/default-queue", {"queue_id": front.pk})
    assert r.json()["default_queue_id"] == front.pk
    r = _send(api, "post", URL + "/preview", {"channel": "email", "case_type": "information"})
    assert r.json() == {
        "source": "rule",
        "rule_id": mail["id"],
        "rule_name": "Mail",
        "queue_id": back.pk,
    }
    r = _send(api, "post", URL + "/preview", {"channel": "phone", "case_type": "information"})
    assert r.json()["source"] == "default" and r.json()["queue_id"] == front.pk
    r = _send(api, "put", f"{URL}/{mail['id']}", {**mail, "queue_id": 999999})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "queue" or "queue" in r.content.decode()
    r = _send(api, "put", f"{URL}/{mail['id']}", {**mail, "name": "Mail and PEC"})
    assert r.status_code == 200 and r.json()["name"] == "Mail and PEC"
    assert _send(api, "delete", f"{URL}/{mail['id']}").status_code == 204
    assert [i["name"] for i in api.get(URL).json()["items"]] == ["Urgent"]
    actions = set(
        AuditEntry.objects.filter(organization=tenant_a.org).values_list("action", flat=True)
    )
    assert {"create", "update", "delete"} <= actions


def test_api_is_for_supervisors_and_admins_of_the_tenant_only(tenant_a, tenant_b) -> None:
    rule = config.create_rule(
        org=tenant_b.org,
        actor=SYSTEM,
        data=config.RuleData(name="B", queue_id=_queue(tenant_b.org).pk),
    )
    assert _api(tenant_a, "operator").get(URL).status_code == 403
    referent = Client(headers={"Authorization": f"Bearer {tenant_a.referent_token}"})
    assert referent.get(URL).status_code == 403
    admin = _api(tenant_a, "admin")
    assert admin.get(URL).json()["items"] == []
    assert admin.get(f"{URL}/{rule.pk}").status_code == 404
    assert _send(admin, "delete", f"{URL}/{rule.pk}").status_code == 404
    r = _send(admin, "post", URL, {"name": "x", "queue_id": rule.queue_id})
    assert r.status_code == 422  # another tenant's queue is an unknown queue
    assert RoutingRule.objects.filter(organization=tenant_b.org).count() == 1


def test_screen_roles_and_tenant_isolation(tenant_a, tenant_b) -> None:
    url = reverse("routing:rules", args=[tenant_a.org.slug])
    assert _client(tenant_a.supervisor).get(url).status_code == 200
    assert _client(tenant_a.admin).get(url).status_code == 200
    assert _client(tenant_a.operator).get(url).status_code == 403
    assert _client(tenant_a.referent).get(url).status_code == 403
    assert _client(tenant_b.admin).get(url).status_code == 404
    other = config.create_rule(
        org=tenant_b.org,
        actor=SYSTEM,
        data=config.RuleData(name="B", queue_id=_queue(tenant_b.org).pk),
    )
    sup = _client(tenant_a.supervisor)
    edit = reverse("routing:rule_edit", args=[tenant_a.org.slug, other.pk])
    assert sup.get(edit).status_code == 404
    delete = reverse("routing:rule_delete", args=[tenant_a.org.slug, other.pk])
    assert sup.post(delete).status_code == 404
    assert RoutingRule.objects.filter(pk=other.pk).exists()
    new = reverse("routing:rule_new", args=[tenant_a.org.slug])
    assert _client(tenant_a.operator).post(new, {"name": "x"}).status_code == 403


def test_the_settings_index_lists_the_screen_for_those_who_may_open_it(tenant_a) -> None:
    index = reverse("configuration:index", args=[tenant_a.org.slug])
    url = reverse("routing:rules", args=[tenant_a.org.slug])
    assert url in _client(tenant_a.supervisor).get(index).content.decode()


def test_screen_create_edit_move_default_and_preview(tenant_a, tenant_b) -> None:
    org = tenant_a.org
    front, back = _queue(org), _queue(org, "back")
    sup = _client(tenant_a.supervisor)
    new = reverse("routing:rule_new", args=[org.slug])
    form = sup.get(new).content.decode()
    assert f'value="{tenant_a.topic.pk}"' in form
    assert tenant_b.topic.name not in form  # only the tenant's own choices
    r = sup.post(new, {"name": "", "queue": str(_queue(tenant_b.org).pk)})
    assert r.status_code == 422
    body = r.content.decode()
    assert 'data-field="queue"' in body and 'data-field="name"' in body
    r = sup.post(
        new,
        {"name": "Complaints", "queue": back.pk, "case_types": ["complaint"], "is_active": "on"},
    )
    assert r.status_code == 302
    sup.post(new, {"name": "Everything", "queue": front.pk, "is_active": "on"})
    first, second = config.rules_for(org=org)
    assert [first.name, second.name] == ["Complaints", "Everything"]
    move = reverse("routing:rule_move", args=[org.slug, second.pk])
    sup.post(move, {"direction": "up"})
    assert [r.name for r in config.rules_for(org=org)] == ["Everything", "Complaints"]
    edit = reverse("routing:rule_edit", args=[org.slug, first.pk])
    page = sup.get(edit).content.decode()
    assert 'value="complaint" selected' in page
    sup.post(edit, {"name": "Complaints", "queue": back.pk, "urgencies": ["high"]})
    first.refresh_from_db()
    assert first.urgencies == ["high"] and first.case_types == [] and not first.is_active
    sup.post(reverse("routing:rule_default", args=[org.slug]), {"default_queue": front.pk})
    assert config.default_queue_id(org=org) == front.pk
    rules_url = reverse("routing:rules", args=[org.slug])
    html = sup.get(
        rules_url, {"channel": "email", "case_type": "complaint", "urgency": "high"}
    ).content.decode()
    assert "Everything" in html and 'id="preview-result"' in html
    frag = sup.get(
        rules_url,
        {"channel": "email", "case_type": "complaint", "urgency": "high"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert frag.strip().startswith('<div id="preview-result"') and "Everything" in frag
