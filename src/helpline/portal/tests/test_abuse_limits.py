"""Issue 13: the portal's abuse protection. Status links expire and can be revoked; failed
status look-ups and chat starts are throttled per address; a refused web form stores
nothing and abandoned raw rows are cleaned; ``?lang=`` is validated; oversized requests are
refused before anything is stored."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from helpline.audit.models import AuditAction, AuditEntry
from helpline.cases.models import Case
from helpline.channels.models import ChatSettings, Inbound, InboundState
from helpline.channels.webform.cleanup import purge_abandoned
from helpline.desk.tests.helpers import client_for
from helpline.notify.services import status_token
from helpline.portal.tests.test_web_form_and_status import form_data
from helpline.routing.models import Queue

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant

pytestmark = pytest.mark.django_db


def _web_case(client: Client, tenant: Tenant, **over: Any) -> Case:
    r = client.post(f"/{tenant.org.slug}/", form_data(tenant, **over))
    assert r.status_code == 302, r.content
    return Case.objects.filter(organization=tenant.org).latest("pk")


def test_a_status_link_expires_after_the_configured_days(
    client: Client, tenant_a: Tenant, settings: Any
) -> None:
    settings.HELPLINE_STATUS_LINK_DAYS = 30
    case = _web_case(client, tenant_a)
    url = f"/{tenant_a.org.slug}/status/{status_token(case)}/"
    assert client.get(url).status_code == 200
    later = timezone.now() + timedelta(days=31)
    with mock.patch("django.core.signing.time.time", return_value=later.timestamp()):
        assert client.get(url).status_code == 404


def test_revoking_a_cases_links_invalidates_every_link_sent_so_far(
    client: Client, tenant_a: Tenant
) -> None:
    case = _web_case(client, tenant_a)
    old_url = f"/{tenant_a.org.slug}/status/{status_token(case)}/"
    assert client.get(old_url).status_code == 200
    desk = client_for(tenant_a.operator)
    r = desk.post(f"/desk/{tenant_a.org.slug}/cases/{case.pk}/status-links/revoke/")
    assert r.status_code == 302
    assert client.get(old_url).status_code == 404
    case.refresh_from_db()
    assert client.get(f"/{tenant_a.org.slug}/status/{status_token(case)}/").status_code == 200
    entry = AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk)).latest("pk")
    assert entry.changes == {"status_link_version": [0, 1]}
    assert entry.actor_user_id == tenant_a.operator.pk
    # A read-only member cannot revoke.
    referent = client_for(tenant_a.referent)
    r = referent.post(f"/desk/{tenant_a.org.slug}/cases/{case.pk}/status-links/revoke/")
    assert r.status_code == 403


def test_failed_status_lookups_are_throttled_per_address(
    client: Client, tenant_a: Tenant, settings: Any
) -> None:
    settings.HELPLINE_STATUS_LOOKUP_LIMIT_PER_HOUR = 5
    client = Client(headers={"Accept-Language": "en"})
    case = _web_case(client, tenant_a)
    url = f"/{tenant_a.org.slug}/status/"
    email = "giulia@example.it"
    for n in range(5):
        r = client.post(url, {"protocol": f"{case.protocol_number}9{n}", "email": email})
        assert r.status_code == 404
    # The sixth try, even with the right number, is refused: guessing stops here.
    r = client.post(url, {"protocol": case.protocol_number, "email": email})
    assert r.status_code == 429
    assert "Too many attempts" in r.content.decode()
    client.post(url, {"protocol": case.protocol_number, "email": email})
    refusals = AuditEntry.objects.filter(action=AuditAction.REFUSED, organization=tenant_a.org)
    assert [e.changes["refused"][1] for e in refusals] == ["status_lookup"]  # once per window
    # Another address is not affected, unless it asks about the same e-mail address.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.post(url, {"protocol": case.protocol_number, "email": email}).status_code == 429
    owner = Client(REMOTE_ADDR="192.0.2.8")
    r = owner.post(url, {"protocol": case.protocol_number, "email": "nobody@example.it"})
    assert r.status_code == 404


def test_chat_starts_are_throttled_per_address(
    client: Client, tenant_a: Tenant, settings: Any
) -> None:
    settings.HELPLINE_CHAT_START_LIMIT_PER_HOUR = 3
    queue = Queue.objects.create(
        organization=tenant_a.org, code="chat", name="Chat", channel="chat"
    )
    ChatSettings.objects.create(organization=tenant_a.org, queue=queue)
    codes = [
        client.post(
            f"/{tenant_a.org.slug}/chat/", {"name": "Eva", "email": "", "text": f"hello {i}"}
        ).status_code
        for i in range(5)
    ]
    assert codes == [302, 302, 302, 429, 429]
    assert Case.objects.filter(organization=tenant_a.org, channel="chat").count() == 3


def test_a_refused_web_form_stores_nothing(client: Client, tenant_a: Tenant, settings: Any) -> None:
    settings.HELPLINE_PORTAL_RATE_LIMIT_PER_HOUR = 1
    _web_case(client, tenant_a)
    stored = Inbound.objects.count()
    for i in range(3):
        data = form_data(tenant_a, description=f"again {i}")
        data["attachments"] = [SimpleUploadedFile("big.bin", b"x" * 200_000)]
        assert client.post(f"/{tenant_a.org.slug}/", data).status_code == 429
    assert Inbound.objects.count() == stored
    assert AuditEntry.objects.filter(action=AuditAction.REFUSED).count() == 1


def test_abandoned_raw_portal_rows_are_deleted_failed_and_recent_ones_kept(
    tenant_a: Tenant, settings: Any
) -> None:
    settings.HELPLINE_RAW_ABANDONED_HOURS = 48
    now = timezone.now()

    def row(key: str, age: timedelta, state: str = InboundState.RECEIVED) -> Inbound:
        return Inbound.objects.create(
            organization=tenant_a.org,
            channel="web",
            source="web",
            dedupe_key=key,
            raw=b"{}",
            size=2,
            received_at=now - age,
            state=state,
        )

    row("old", timedelta(days=3))
    row("recent", timedelta(hours=1))
    row("failed", timedelta(days=3), InboundState.FAILED)
    assert purge_abandoned(now=now) == 1
    assert set(Inbound.objects.values_list("dedupe_key", flat=True)) == {"recent", "failed"}


@pytest.mark.parametrize("lang", ["it\r\nX-Evil: 1", "klingon", "../../etc"])
def test_an_unknown_portal_language_is_ignored_not_a_server_error(
    client: Client, tenant_a: Tenant, lang: str
) -> None:
    r = client.get(f"/{tenant_a.org.slug}/", {"lang": lang})
    assert r.status_code == 200
    assert "\n" not in r.get("Content-Language", "")
    assert client.get(f"/{tenant_a.org.slug}/", {"lang": "cs"})["Content-Language"] == "cs"


def test_an_oversized_request_is_refused_before_anything_is_stored(
    client: Client, tenant_a: Tenant, settings: Any
) -> None:
    settings.HELPLINE_MAX_REQUEST_BYTES = 100_000
    client = Client(headers={"Accept-Language": "en"})
    data = form_data(tenant_a)
    data["attachments"] = [SimpleUploadedFile("big.bin", b"x" * 150_000)]
    r = client.post(f"/{tenant_a.org.slug}/", data)
    assert r.status_code == 413
    assert "too large" in r.content.decode()
    assert Inbound.objects.count() == 0 and Case.objects.count() == 0
