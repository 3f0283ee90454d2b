"""The channel settings through the API: the permission matrix (operator 403, supervisor
only for mail templates), tenant isolation (another tenant's id is a 404), write-only
passwords, field errors by name, and the same audited services as the screens."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.test import Client

from helpline.audit.models import AuditEntry
from helpline.channels.models import Mailbox
from helpline.lib.actors import Actor
from helpline.notify.models import TemplateKind
from helpline.portal.models import PrivacyNotice
from helpline.routing.models import Queue
from helpline.tenancy.models import Membership
from helpline.tenancy.services import create_api_token

if TYPE_CHECKING:
    from conftest import Tenant

SYSTEM = Actor.system("tests")

pytestmark = pytest.mark.django_db
BASE = "/api/v1/settings"


def _api(tenant: Tenant, user: Any) -> Client:
    m = Membership.objects.get(organization=tenant.org, user=user)
    _t, token = create_api_token(actor=SYSTEM, membership=m, name="settings")
    return Client(headers={"Authorization": f"Bearer {token}"})


def _send(client: Client, method: str, url: str, body: Any = None) -> Any:
    return getattr(client, method)(
        url, data=json.dumps(body) if body is not None else None, content_type="application/json"
    )


def test_roles_per_the_matrix(tenant_a: Tenant) -> None:
    op, sup, admin = (
        _api(tenant_a, u) for u in (tenant_a.operator, tenant_a.supervisor, tenant_a.admin)
    )
    for path in ("/mailboxes", "/chat", "/webform", "/privacy-notices"):
        assert op.get(BASE + path).status_code == 403, path
        assert sup.get(BASE + path).status_code == 403, path
        assert admin.get(BASE + path).status_code == 200, path
    assert op.get(BASE + "/mail-templates").status_code == 403
    assert sup.get(BASE + "/mail-templates").status_code == 200
    r = _send(sup, "post", BASE + "/mailboxes", {"name": "X", "address": "x@example.org"})
    assert r.status_code == 403 and not Mailbox.objects.exists()


def test_mailbox_crud_keeps_passwords_write_only(tenant_a: Tenant, tenant_b: Tenant) -> None:
    admin = _api(tenant_a, tenant_a.admin)
    r = _send(
        admin,
        "post",
        BASE + "/mailboxes",
        {
            "name": "PEC",
            "address": "pec@comune.example",
            "kind": "pec",
            "topic_id": tenant_a.topic.pk,
            "smtp_host": "smtps.pec.example",
            "smtp_port": 465,
            "smtp_security": "tls",
            "smtp_user": "pec",
            "smtp_password": "top-secret",
        },
    )
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["smtp_password_set"] is True and "top-secret" not in r.content.decode()
    assert out["smtp_state"] == "untested"
    box_id = out["id"]
    r = _send(
        admin,
        "put",
        f"{BASE}/mailboxes/{box_id}",
        {"name": "PEC 2", "address": "pec@comune.example", "kind": "pec", "smtp_host": "h"},
    )
    assert r.status_code == 200
    assert Mailbox.objects.get(pk=box_id).smtp_password == "top-secret"
    assert AuditEntry.objects.filter(object_id=str(box_id), action="update").exists()

    # another tenant: its mailbox is a 404, its topic a named field error
    other = _api(tenant_b, tenant_b.admin)
    assert other.get(f"{BASE}/mailboxes/{box_id}").status_code == 404
    assert (
        _send(
            other, "put", f"{BASE}/mailboxes/{box_id}", {"name": "x", "address": "y@z.org"}
        ).status_code
        == 404
    )
    assert other.post(f"{BASE}/mailboxes/{box_id}/test/imap").status_code == 404
    r = _send(
        other,
        "post",
        BASE + "/mailboxes",
        {"name": "B", "address": "b@aguas.example", "topic_id": tenant_a.topic.pk},
    )
    assert r.status_code == 422
    assert any(e["loc"][-1] == "topic_id" for e in r.json()["detail"])
    assert not Mailbox.objects.filter(organization=tenant_b.org).exists()


def test_chat_webform_and_notices_through_the_api(tenant_a: Tenant, tenant_b: Tenant) -> None:
    admin = _api(tenant_a, tenant_a.admin)
    queue = Queue.objects.create(organization=tenant_a.org, name="Chat")
    r = _send(
        admin,
        "put",
        BASE + "/chat",
        {"is_enabled": True, "queue_id": queue.pk, "greetings": {"it": "Ciao!"}},
    )
    assert r.status_code == 200 and r.json()["greetings"] == {"it": "Ciao!"}
    assert admin.get(BASE + "/chat").json()["is_enabled"] is True

    r = _send(
        admin,
        "put",
        BASE + "/webform",
        {"topic_ids": [tenant_a.topic.pk], "max_per_ip_per_hour": 3},
    )
    assert r.status_code == 200 and r.json()["topic_ids"] == [tenant_a.topic.pk]

    r = _send(
        admin, "post", BASE + "/privacy-notices", {"version": "1", "text": "T", "channel": "web"}
    )
    assert r.status_code == 201 and r.json()["published_at"] is None
    nid = r.json()["id"]
    assert admin.post(f"{BASE}/privacy-notices/{nid}/publish").status_code == 200
    r = _send(admin, "put", f"{BASE}/privacy-notices/{nid}", {"version": "1", "text": "changed"})
    assert r.status_code == 409
    assert PrivacyNotice.objects.get(pk=nid).text == "T"
    other = _api(tenant_b, tenant_b.admin)
    assert other.get(f"{BASE}/privacy-notices/{nid}").status_code == 404
    assert other.post(f"{BASE}/privacy-notices/{nid}/publish").status_code == 404


def test_mail_templates_through_the_api(tenant_a: Tenant) -> None:
    sup = _api(tenant_a, tenant_a.supervisor)
    items = sup.get(BASE + "/mail-templates").json()["items"]
    assert len(items) == len(TemplateKind) * len(settings.LANGUAGES)
    assert not any(i["custom"] for i in items)
    body = {"subject": "[{{ protocol }}] Ok", "body": "Caro {{ name }}"}
    r = _send(sup, "post", BASE + "/mail-templates/ack/it/preview", body)
    assert r.status_code == 200 and "Maria O'Brien & Sons" in r.json()["body"]
    r = _send(sup, "put", BASE + "/mail-templates/ack/it", body)
    assert r.status_code == 200 and r.json()["custom"] is True
    r = _send(sup, "put", BASE + "/mail-templates/ack/it", {"subject": "x", "body": "{% if %}"})
    assert r.status_code == 422
    assert _send(sup, "put", BASE + "/mail-templates/nope/it", body).status_code == 404
    assert sup.delete(BASE + "/mail-templates/ack/it").status_code == 204
