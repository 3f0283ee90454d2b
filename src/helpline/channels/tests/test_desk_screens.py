"""Desk screens of the written channels: the inbound log (a flagged message opens and can be
processed again), the mail panel on the case, the counter form, the QR sheet; another
tenant's items are 404s."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.test import Client

from helpline.cases.models import Case
from helpline.channels.email.adapter import ingest
from helpline.channels.models import Inbound, InboundState, Mailbox, MailboxKind
from helpline.channels.tests.conftest import Boxes
from helpline.customers.models import Asset
from helpline.notify.models import OutboundEmail, OutboundState

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant

FAX_WITHOUT_DOCUMENT = (
    b"From: fax@gw.example\nTo: fax@comune.example\nSubject: Fax\nMessage-ID: <nofax@x>\n\n"
    b"no pages\n"
)
MAIL = (
    b"From: Anna <anna@example.it>\nTo: urp@comune.example\nSubject: Buca\n"
    b"Message-ID: <d1@x>\n\nBuca.\n"
)


@pytest.fixture
def desk_b(tenant_b: Tenant) -> Client:
    c = Client()
    c.force_login(tenant_b.operator)
    return c


def test_a_failed_message_is_listed_opens_raw_and_is_404_for_another_tenant(
    desk_a: Client, desk_b: Client, tenant_a: Tenant, boxes: Boxes
) -> None:
    row, state = ingest(mailbox=boxes.fax, raw=FAX_WITHOUT_DOCUMENT, source="smtp")
    assert state == InboundState.FAILED
    slug = tenant_a.org.slug
    page = desk_a.get(f"/desk/{slug}/inbound/?state=failed").content.decode()
    assert "without a document" in page
    raw = desk_a.get(f"/desk/{slug}/inbound/{row.pk}/raw/")
    assert raw.status_code == 200 and raw.content == FAX_WITHOUT_DOCUMENT
    assert desk_b.get(f"/desk/{slug}/inbound/{row.pk}/raw/").status_code == 404
    b_slug = "aguas"
    assert desk_b.get(f"/desk/{b_slug}/inbound/{row.pk}/raw/").status_code == 404
    assert desk_b.post(f"/desk/{b_slug}/inbound/{row.pk}/retry/").status_code == 404


def test_processing_a_fixed_message_again_opens_its_case(
    desk_a: Client, tenant_a: Tenant, boxes: Boxes
) -> None:
    row, _state = ingest(mailbox=boxes.fax, raw=FAX_WITHOUT_DOCUMENT, source="smtp")
    Mailbox.objects.filter(pk=boxes.fax.pk).update(kind=MailboxKind.EMAIL)  # the operator's fix
    desk_a.post(f"/desk/{tenant_a.org.slug}/inbound/{row.pk}/retry/")
    row.refresh_from_db()
    assert row.state == InboundState.CASE_OPENED and row.case_id is not None


def test_the_case_page_shows_outgoing_mail_and_its_failure(
    desk_a: Client, desk_b: Client, tenant_a: Tenant, boxes: Boxes
) -> None:
    row, _state = ingest(mailbox=boxes.email, raw=MAIL, source="smtp")
    row.refresh_from_db()
    out = OutboundEmail.objects.get()
    OutboundEmail.objects.filter(pk=out.pk).update(
        state=OutboundState.FAILED, attempts=6, last_error="SMTPRecipientsRefused: 550 no such user"
    )
    page = desk_a.get(f"/desk/{tenant_a.org.slug}/cases/{row.case_id}/").content.decode()
    assert "550 no such user" in page and "Try again" in page
    assert desk_b.post(f"/desk/aguas/outbound/{out.pk}/retry/").status_code == 404
    desk_a.post(f"/desk/{tenant_a.org.slug}/outbound/{out.pk}/retry/")
    out.refresh_from_db()
    assert out.state == OutboundState.QUEUED


def test_the_counter_form_opens_and_closes_a_case_in_one_go(
    desk_a: Client, tenant_a: Tenant
) -> None:
    response = desk_a.post(
        f"/desk/{tenant_a.org.slug}/counter/",
        {
            "name": "Paolo Gialli",
            "phone": "+39 06 1234 5678",
            "description": "Chiede il modulo per il passo carrabile.\nConsegnato.",
            "topic": tenant_a.topic.pk,
            "case_type": "information",
            "dealt_with": "on",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == "counter" and case.status == "closed"
    assert case.title == "Chiede il modulo per il passo carrabile."
    assert case.requester is not None and case.requester.phone == "+390612345678"
    assert Inbound.objects.get(case=case).source == "counter"


def test_the_counter_form_names_the_missing_field(desk_a: Client, tenant_a: Tenant) -> None:
    response = desk_a.post(f"/desk/{tenant_a.org.slug}/counter/", {"name": "X", "description": ""})
    assert response.status_code == 422
    assert 'data-field="description"' in response.content.decode()
    assert not Case.objects.exists()


def test_the_counter_refuses_another_tenants_customer(
    desk_a: Client, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    from helpline.customers.services import create_customer

    foreign = create_customer(org=tenant_b.org, actor=tenant_b.actor, name="Estranho")
    response = desk_a.post(
        f"/desk/{tenant_a.org.slug}/counter/",
        {"requester_id": foreign.pk, "description": "Visita"},
    )
    assert response.status_code == 422
    assert not Case.objects.exists()


def test_the_qr_sheet_links_each_asset_to_its_report_page(desk_a: Client, tenant_a: Tenant) -> None:
    Asset.objects.create(organization=tenant_a.org, code="LP-0001", kind="Lampione")
    page = desk_a.get(f"/desk/{tenant_a.org.slug}/assets/qr/").content.decode()
    assert "<svg" in page and "LP-0001" in page


def test_the_retry_command_puts_a_failed_message_back_through_its_audited_service(
    tenant_a: Tenant, boxes: Boxes
) -> None:
    from io import StringIO

    from django.core.management import call_command

    from helpline.audit.models import AuditEntry

    row, _state = ingest(mailbox=boxes.fax, raw=FAX_WITHOUT_DOCUMENT, source="smtp")
    Mailbox.objects.filter(pk=boxes.fax.pk).update(kind=MailboxKind.EMAIL)  # the operator's fix
    out = StringIO()
    call_command("process_inbound", retry=[row.pk], stdout=out)
    row.refresh_from_db()
    assert row.state == InboundState.CASE_OPENED and row.case_id is not None
    assert f"{row.pk}: case_opened" in out.getvalue()
    entry = AuditEntry.objects.get(object_id=str(row.pk), action="update")
    assert entry.actor_label == "process_inbound"
    assert entry.changes["state"][0] == InboundState.FAILED
