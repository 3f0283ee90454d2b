"""The public web form, asset reports and the case status page: protocol number at once,
consent with the notice version, abuse protection, and tenant isolation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from helpline.cases.choices import MessageDirection, Status
from helpline.cases.models import Attachment, Case, Message
from helpline.cases.services import add_message, change_status
from helpline.channels.models import Inbound
from helpline.customers.models import Asset, Consent
from helpline.notify.models import OutboundEmail, TemplateKind
from helpline.notify.services import case_for_status_token, status_token
from helpline.portal.models import PrivacyNotice

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant


@pytest.fixture
def notice(tenant_a: Tenant) -> PrivacyNotice:
    return PrivacyNotice.objects.create(
        organization=tenant_a.org,
        version="2026-03",
        text="Informativa.",
        published_at=timezone.now(),
    )


def form_data(tenant: Tenant, **over: Any) -> dict[str, Any]:
    data = {
        "name": "Giulia Neri",
        "email": "giulia@example.it",
        "phone": "",
        "topic": tenant.topic.pk,
        "subject": tenant.subject.pk,
        "location": "Via Roma 1",
        "description": "Il lampione è spento.",
        "privacy": "on",
        "website": "",
    }
    data.update(over)
    return data


def test_the_form_opens_a_case_shows_its_protocol_and_acknowledges_it(
    client: Client, tenant_a: Tenant, notice: PrivacyNotice
) -> None:
    photo = SimpleUploadedFile("foto.png", b"\x89PNG....", content_type="image/png")
    response = client.post(
        f"/{tenant_a.org.slug}/", {**form_data(tenant_a), "attachments": [photo]}, follow=True
    )
    assert response.status_code == 200
    case = Case.objects.get(organization=tenant_a.org)
    assert case.channel == "web" and case.topic_id == tenant_a.topic.pk
    assert case.protocol_number in response.content.decode()
    assert "Via Roma 1" in case.description
    assert Attachment.objects.filter(message__case=case, filename="foto.png").exists()
    consent = Consent.objects.get(customer=case.requester)
    assert consent.notice_version == "2026-03" and consent.granted and consent.channel == "web"
    ack = OutboundEmail.objects.get(case=case, kind=TemplateKind.ACKNOWLEDGEMENT)
    assert ack.to_address == "giulia@example.it" and case.protocol_number in ack.subject
    assert Inbound.objects.get(case=case).channel == "web"  # stored raw


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"privacy": ""}, "privacy"),
        ({"description": ""}, "description"),
        ({"email": "", "phone": ""}, "email"),
        ({"name": ""}, "name"),
        ({"description": "x" * 5001}, "description"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    client: Client, tenant_a: Tenant, notice: PrivacyNotice, over: dict[str, str], field: str
) -> None:
    response = client.post(f"/{tenant_a.org.slug}/", form_data(tenant_a, **over))
    assert response.status_code == 422
    assert response.context["form"].errors.get(field)
    assert not Case.objects.exists() and not Inbound.objects.exists()


def test_a_filled_honeypot_is_refused(client: Client, tenant_a: Tenant) -> None:
    response = client.post(f"/{tenant_a.org.slug}/", form_data(tenant_a, website="http://spam"))
    assert response.status_code == 422
    assert not Case.objects.exists()


def test_the_per_ip_limit_refuses_a_flood(client: Client, tenant_a: Tenant, settings: Any) -> None:
    settings.HELPLINE_PORTAL_RATE_LIMIT_PER_HOUR = 2
    codes = [
        client.post(
            f"/{tenant_a.org.slug}/", form_data(tenant_a, description=f"Richiesta {i}")
        ).status_code
        for i in range(3)
    ]
    assert codes == [302, 302, 429]
    assert Case.objects.count() == 2


def test_sending_the_same_form_twice_opens_one_case(client: Client, tenant_a: Tenant) -> None:
    first = client.post(f"/{tenant_a.org.slug}/", form_data(tenant_a))
    second = client.post(f"/{tenant_a.org.slug}/", form_data(tenant_a))
    # The same case's status page (links are dated, so the two tokens may differ).
    assert first.status_code == second.status_code == 302
    tokens = [r["Location"].rstrip("/").rsplit("/", 1)[1] for r in (first, second)]
    assert {case_for_status_token(t)[1] for t in tokens} == {Case.objects.get().pk}  # type: ignore[index]


def test_a_subject_of_another_tenant_is_refused(
    client: Client, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    response = client.post(
        f"/{tenant_a.org.slug}/", form_data(tenant_a, subject=tenant_b.subject.pk)
    )
    assert response.status_code == 422
    assert not Case.objects.exists()


def test_an_asset_report_prefills_the_location(
    client: Client, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    Asset.objects.create(
        organization=tenant_a.org, code="LP-0042", kind="Lampione", location="Piazza Duomo 3"
    )
    page = client.get(f"/{tenant_a.org.slug}/report/LP-0042/")
    assert page.status_code == 200 and "Piazza Duomo 3" in page.content.decode()
    assert client.get(f"/{tenant_b.org.slug}/report/LP-0042/").status_code == 404
    data = form_data(tenant_a, location="Piazza Duomo 3", topic="", subject="")
    client.post(f"/{tenant_a.org.slug}/report/LP-0042/", data)
    case = Case.objects.get()
    assert "LP-0042" in case.title and "LP-0042" in case.description


def test_the_status_page_shows_replies_not_notes_and_takes_a_message(
    client: Client, tenant_a: Tenant
) -> None:
    client.post(f"/{tenant_a.org.slug}/", form_data(tenant_a))
    case = Case.objects.get()
    add_message(
        case=case,
        actor=tenant_a.actor,
        direction=MessageDirection.OUTBOUND,
        body="Arriviamo domani.",
    )
    add_message(
        case=case, actor=tenant_a.actor, direction=MessageDirection.NOTE, body="SEGRETO interno"
    )
    url = f"/{tenant_a.org.slug}/status/{status_token(case)}/"
    page = client.get(url).content.decode()
    assert "Arriviamo domani." in page and "SEGRETO" not in page and case.protocol_number in page
    change_status(case=case, actor=tenant_a.actor, status=Status.CLOSED)
    assert client.post(url, {"body": "Non è ancora acceso."}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.REOPENED
    last = Message.objects.filter(case=case).last()
    assert (
        last is not None
        and last.body == "Non è ancora acceso."
        and last.author_customer_id == case.requester_id
    )


def test_status_lookup_by_protocol_and_email(
    client: Client, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    client.post(f"/{tenant_a.org.slug}/", form_data(tenant_a))
    case = Case.objects.get()
    ok = client.post(
        f"/{tenant_a.org.slug}/status/",
        {"protocol": case.protocol_number, "email": "GIULIA@example.it"},
    )
    assert ok.status_code == 302 and status_token(case) in ok["Location"]
    wrong = client.post(
        f"/{tenant_a.org.slug}/status/",
        {"protocol": case.protocol_number, "email": "other@example.it"},
    )
    assert wrong.status_code == 404
    other_tenant = client.post(
        f"/{tenant_b.org.slug}/status/",
        {"protocol": case.protocol_number, "email": "giulia@example.it"},
    )
    assert other_tenant.status_code == 404


def test_a_status_link_does_not_open_under_another_tenant(
    client: Client, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    client.post(f"/{tenant_a.org.slug}/", form_data(tenant_a))
    token = status_token(Case.objects.get())
    assert client.get(f"/{tenant_b.org.slug}/status/{token}/").status_code == 404
    assert client.post(f"/{tenant_b.org.slug}/status/{token}/", {"body": "x"}).status_code == 404
    assert client.get(f"/{tenant_a.org.slug}/status/forged-token/").status_code == 404
    assert client.get("/no-such-tenant/").status_code == 404
