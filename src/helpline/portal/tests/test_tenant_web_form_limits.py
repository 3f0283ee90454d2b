"""Issue 12/13: the web form enforces the tenant's own limits (Settings > Web form) within
the installation's: attachments allowed, files per submission, largest file, submissions
per IP address and per e-mail address and hour. A refusal names its field (attachments) or
is a 429 with an audit entry, and stores nothing; one tenant's limits never touch another's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from helpline.audit.models import AuditAction, AuditEntry
from helpline.cases.models import Attachment, Case
from helpline.channels.models import Inbound, WebFormSettings
from helpline.portal.models import FormSubmission
from helpline.portal.tests.test_web_form_and_status import form_data

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant

pytestmark = pytest.mark.django_db


def _limits(tenant: Tenant, **values: Any) -> WebFormSettings:
    return WebFormSettings.objects.create(organization=tenant.org, **values)


def _files(*sizes: int) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(f"foto{i}.png", b"x" * size, content_type="image/png")
        for i, size in enumerate(sizes)
    ]


def _stored() -> tuple[int, int, int]:
    return Case.objects.count(), Inbound.objects.count(), FormSubmission.objects.count()


def _refusals(tenant: Tenant) -> list[str]:
    return [
        e.changes["refused"][1]
        for e in AuditEntry.objects.filter(action=AuditAction.REFUSED, organization=tenant.org)
    ]


@pytest.mark.parametrize(
    ("values", "sizes", "message"),
    [
        ({"attachments_allowed": False}, (10,), "This form does not accept attachments."),
        ({"max_attachments": 2}, (10, 10, 10), "At most 2 files per submission, please."),
        ({"max_attachment_bytes": 100}, (100, 101), "“foto1.png” is larger than 100 bytes."),
    ],
    ids=["not-allowed", "too-many", "too-large"],
)
def test_the_tenants_attachment_limits_refuse_on_the_attachments_field_storing_nothing(
    tenant_a: Tenant, values: dict[str, Any], sizes: tuple[int, ...], message: str
) -> None:
    _limits(tenant_a, **values)
    client = Client(headers={"Accept-Language": "en"})
    data = {**form_data(tenant_a), "attachments": _files(*sizes)}
    r = client.post(f"/{tenant_a.org.slug}/", data)
    assert r.status_code == 422
    assert r.context["form"].errors["attachments"] == [message]
    assert message in r.content.decode()
    assert _stored() == (0, 0, 0)


def test_the_attachment_error_is_translated(tenant_a: Tenant) -> None:
    _limits(tenant_a, max_attachments=2)
    client = Client(headers={"Accept-Language": "it"})
    r = client.post(
        f"/{tenant_a.org.slug}/", {**form_data(tenant_a), "attachments": _files(1, 1, 1)}
    )
    assert r.status_code == 422
    assert r.context["form"].errors["attachments"] == ["Al massimo 2 file per invio, per favore."]


def test_the_installations_largest_file_caps_a_larger_tenant_value(
    tenant_a: Tenant, settings: Any
) -> None:
    _limits(tenant_a, max_attachment_bytes=1000)
    settings.HELPLINE_MAX_ATTACHMENT_BYTES = 50
    client = Client(headers={"Accept-Language": "en"})
    r = client.post(f"/{tenant_a.org.slug}/", {**form_data(tenant_a), "attachments": _files(60)})
    assert r.status_code == 422
    assert r.context["form"].errors["attachments"]
    assert _stored() == (0, 0, 0)


def test_within_the_tenants_limits_the_form_opens_a_case_with_its_files(tenant_a: Tenant) -> None:
    _limits(
        tenant_a,
        max_attachments=2,
        max_attachment_bytes=100,
        max_per_ip_per_hour=1,
        max_per_email_per_hour=1,
    )
    client = Client()
    r = client.post(
        f"/{tenant_a.org.slug}/", {**form_data(tenant_a), "attachments": _files(100, 100)}
    )
    assert r.status_code == 302, r.content
    case = Case.objects.get(organization=tenant_a.org)
    assert Attachment.objects.filter(message__case=case).count() == 2
    assert _stored() == (1, 1, 1)


def test_the_form_offers_files_only_as_the_tenant_allows(tenant_a: Tenant) -> None:
    client = Client(headers={"Accept-Language": "en"})
    page = client.get(f"/{tenant_a.org.slug}/").content.decode()
    assert 'name="attachments"' in page and "At most 3 files, each up to 10.0" in page
    _limits(tenant_a, attachments_allowed=False)
    assert 'name="attachments"' not in client.get(f"/{tenant_a.org.slug}/").content.decode()


def test_the_tenants_per_ip_limit_refuses_with_429_audited_once_storing_nothing(
    tenant_a: Tenant, settings: Any
) -> None:
    settings.HELPLINE_PORTAL_RATE_LIMIT_PER_HOUR = 10
    _limits(tenant_a, max_per_ip_per_hour=2, max_per_email_per_hour=0)
    client = Client(headers={"Accept-Language": "en"})
    url = f"/{tenant_a.org.slug}/"
    codes = [
        client.post(url, form_data(tenant_a, description=f"Richiesta {i}")).status_code
        for i in range(2)
    ]
    assert codes == [302, 302]
    before = _stored()
    for i in range(3):
        r = client.post(url, form_data(tenant_a, description=f"Ancora {i}", email=f"x{i}@ex.it"))
        assert r.status_code == 429
        assert "Too many requests from your connection" in r.content.decode()
    assert _stored() == before == (2, 2, 2)
    assert _refusals(tenant_a) == ["web_form"]  # the first refusal of the hour
    # Another address is not affected.
    other = Client(REMOTE_ADDR="192.0.2.9")
    assert other.post(url, form_data(tenant_a, description="Altro")).status_code == 302


def test_the_tenants_per_email_limit_refuses_with_429_audited_once_storing_nothing(
    tenant_a: Tenant,
) -> None:
    _limits(tenant_a, max_per_ip_per_hour=0, max_per_email_per_hour=2)
    url = f"/{tenant_a.org.slug}/"
    codes = []
    for i in range(5):  # every one from its own address, same e-mail (any capitalisation)
        client = Client(REMOTE_ADDR=f"192.0.2.{10 + i}", headers={"Accept-Language": "en"})
        r = client.post(
            url,
            form_data(tenant_a, description=f"Richiesta {i}", email="Giulia@Example.it"),
        )
        codes.append(r.status_code)
    assert codes == [302, 302, 429, 429, 429]
    assert "Too many requests from this e-mail address" in r.content.decode()
    assert _stored() == (2, 2, 2)
    assert _refusals(tenant_a) == ["web_form_email"]
    # Another e-mail address from the same connection is taken.
    r = Client(REMOTE_ADDR="192.0.2.10").post(
        url, form_data(tenant_a, description="Altra", email="marco@example.it")
    )
    assert r.status_code == 302


def test_the_installations_per_ip_ceiling_applies_over_a_laxer_tenant_value(
    tenant_a: Tenant, settings: Any
) -> None:
    settings.HELPLINE_PORTAL_RATE_LIMIT_PER_HOUR = 1
    _limits(tenant_a, max_per_ip_per_hour=50, max_per_email_per_hour=0)
    client = Client()
    url = f"/{tenant_a.org.slug}/"
    assert client.post(url, form_data(tenant_a, description="Uno")).status_code == 302
    assert client.post(url, form_data(tenant_a, description="Due")).status_code == 429
    assert _stored() == (1, 1, 1)


def test_one_tenants_limits_do_not_affect_another(
    tenant_a: Tenant, tenant_b: Tenant, settings: Any
) -> None:
    settings.HELPLINE_PORTAL_RATE_LIMIT_PER_HOUR = 10
    _limits(
        tenant_a,
        attachments_allowed=False,
        max_per_ip_per_hour=1,
        max_per_email_per_hour=1,
    )
    client = Client()
    assert client.post(f"/{tenant_a.org.slug}/", form_data(tenant_a)).status_code == 302
    a_refused = client.post(f"/{tenant_a.org.slug}/", form_data(tenant_a, description="Bis"))
    assert a_refused.status_code == 429
    # Tenant B (no settings of its own: the defaults) takes files and more forms from the
    # same address and e-mail address.
    url = f"/{tenant_b.org.slug}/"
    for i in range(3):
        r = client.post(
            url,
            {**form_data(tenant_b, description=f"Pedido {i}"), "attachments": _files(10, 10)},
        )
        assert r.status_code == 302, r.content
    assert Case.objects.filter(organization=tenant_b.org).count() == 3
    assert Attachment.objects.filter(message__case__organization=tenant_b.org).count() == 6
    assert _refusals(tenant_b) == []
