"""Progress notifications (MISSION C7): status changes are told to the customer through
the outbox (real SMTP here), in their thread and language, with the tenant's choices and the
customer's opt-out respected; SMS through the SMS port; plain text never carries HTML
entities and threading headers are valid RFC 5322 message ids."""

from __future__ import annotations

import email
from email import policy
from typing import TYPE_CHECKING, Any

import pytest
from aiosmtpd.smtp import SMTP
from django.test import Client
from django.urls import reverse

from helpline.audit.models import AuditEntry
from helpline.cases.choices import CaseType, Channel, MessageDirection, Status
from helpline.cases.models import Case
from helpline.cases.services import add_message, change_status, open_case
from helpline.channels.tests.servers import LoopThread, Sink
from helpline.channels.webform.adapter import WebForm, submit_web_form
from helpline.customers.models import Customer
from helpline.customers.services import create_customer
from helpline.customers.sms import InMemorySms
from helpline.lib.actors import Actor
from helpline.notify.models import (
    NotificationSettings,
    OutboundEmail,
    OutboundSms,
    OutboundState,
    TemplateKind,
)
from helpline.notify.outbox import send_due, send_due_sms
from helpline.notify.services import is_msg_id, update_notification_settings

if TYPE_CHECKING:
    from conftest import Tenant

SYSTEM = Actor.system("tests")


@pytest.fixture
def sink(settings: Any) -> Any:
    handler = Sink()
    with LoopThread(lambda: SMTP(handler)) as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        yield handler


def _customer(tenant: Tenant, **values: Any) -> Customer:
    values.setdefault("name", "Maria Dell'Acqua")
    return create_customer(org=tenant.org, actor=SYSTEM, **values)


def _case(tenant: Tenant, customer: Customer, title: str = "Lampione spento") -> Case:
    return open_case(
        org=tenant.org,
        actor=tenant.actor,
        channel=Channel.PHONE,
        case_type=CaseType.INTERVENTION_REQUEST,
        title=title,
        description="Il lampione davanti al civico 3 è spento.",
        requester=customer,
    )


def _kinds(case: Case) -> list[str]:
    return list(OutboundEmail.objects.filter(case=case).values_list("kind", flat=True))


@pytest.mark.django_db(transaction=True)
def test_resolving_a_case_mails_the_customer_in_its_thread_without_entities(
    tenant_a: Tenant, sink: Sink
) -> None:
    customer = _customer(tenant_a, email="maria@example.it", language="it")
    case = _case(tenant_a, customer, title='L\'intervento sul lampione "3" <urgente>')
    change_status(case=case, actor=tenant_a.actor, status=Status.OPEN)
    change_status(case=case, actor=tenant_a.actor, status=Status.RESOLVED)
    assert _kinds(case) == [TemplateKind.ACKNOWLEDGEMENT, TemplateKind.TAKEN, TemplateKind.RESOLVED]
    assert send_due() == 3
    mails = [
        email.message_from_bytes(e.original_content, policy=policy.default)  # type: ignore[arg-type]
        for e in sink.envelopes
    ]
    ack, taken, resolved = mails
    body = resolved.get_content()
    assert 'L\'intervento sul lampione "3" <urgente>' in body
    assert "&#x27;" not in body and "&quot;" not in body and "&lt;" not in body
    assert "&#x27;" not in ack.get_content()
    assert case.protocol_number in resolved["Subject"]
    assert resolved["In-Reply-To"] == taken["Message-ID"].strip()
    assert ack["Message-ID"].strip() in resolved["References"]
    assert resolved["Auto-Submitted"] == "auto-generated"
    assert "risolta" in body  # the customer's language (Italian)


@pytest.mark.django_db
def test_taken_in_charge_is_told_once_not_when_work_resumes(tenant_a: Tenant) -> None:
    case = _case(tenant_a, _customer(tenant_a, email="maria@example.it"))
    change_status(case=case, actor=tenant_a.actor, status=Status.OPEN)
    change_status(case=case, actor=tenant_a.actor, status=Status.WAITING_CUSTOMER)
    change_status(case=case, actor=tenant_a.actor, status=Status.OPEN)
    assert _kinds(case) == [TemplateKind.ACKNOWLEDGEMENT, TemplateKind.TAKEN, TemplateKind.WAITING]


@pytest.mark.django_db
def test_opted_out_customer_and_disabled_kinds_get_nothing(tenant_a: Tenant) -> None:
    quiet = _case(tenant_a, _customer(tenant_a, email="quiet@example.it"))
    Customer.objects.filter(pk=quiet.requester_id or 0).update(notify_by="none")
    quiet.refresh_from_db()
    change_status(case=quiet, actor=tenant_a.actor, status=Status.RESOLVED)
    assert TemplateKind.RESOLVED not in _kinds(quiet)

    update_notification_settings(org=tenant_a.org, actor=SYSTEM, on_resolved=False)
    other = _case(tenant_a, _customer(tenant_a, name="Luca Bianchi", email="luca@example.it"))
    change_status(case=other, actor=tenant_a.actor, status=Status.RESOLVED)
    change_status(case=other, actor=tenant_a.actor, status=Status.CLOSED)  # off by default
    assert _kinds(other) == [TemplateKind.ACKNOWLEDGEMENT]


@pytest.mark.django_db
def test_a_change_the_customer_made_is_not_notified_back(tenant_a: Tenant) -> None:
    customer = _customer(tenant_a, email="maria@example.it")
    case = _case(tenant_a, customer)
    change_status(case=case, actor=Actor.for_customer(customer), status=Status.CLOSED)
    assert _kinds(case) == [TemplateKind.ACKNOWLEDGEMENT]


@pytest.mark.django_db
def test_sms_goes_through_the_port_when_chosen_or_no_address(tenant_a: Tenant) -> None:
    InMemorySms.outbox.clear()
    update_notification_settings(org=tenant_a.org, actor=SYSTEM, sms_enabled=True)
    by_choice = _customer(tenant_a, email="maria@example.it", phone="+39 333 123 4567")
    by_choice.notify_by = "sms"
    by_choice.save()
    no_mail = _customer(tenant_a, name="Luca Bianchi", phone="+39 333 765 4321")
    for customer in (by_choice, no_mail):
        change_status(case=_case(tenant_a, customer), actor=tenant_a.actor, status=Status.RESOLVED)
    rows = list(OutboundSms.objects.order_by("id"))
    assert [r.to_number for r in rows] == ["+393331234567", "+393337654321"]
    assert send_due_sms() == 2
    assert [m.to for m in InMemorySms.outbox] == ["+393331234567", "+393337654321"]
    assert rows[0].case.protocol_number in InMemorySms.outbox[0].body


@pytest.mark.django_db
def test_sms_failures_are_retried_then_failed(tenant_a: Tenant, settings: Any) -> None:
    settings.HELPLINE_SMS_BACKEND = "helpline.notify.tests.test_progress_notifications.DownSms"
    settings.HELPLINE_MAIL_MAX_ATTEMPTS = 2
    update_notification_settings(org=tenant_a.org, actor=SYSTEM, sms_enabled=True)
    case = _case(tenant_a, _customer(tenant_a, phone="+39 333 123 4567"))
    change_status(case=case, actor=tenant_a.actor, status=Status.RESOLVED)
    row = OutboundSms.objects.get(case=case)
    assert send_due_sms() == 0
    row.refresh_from_db()
    assert (row.state, row.attempts) == (OutboundState.QUEUED, 1)
    assert "provider down" in row.last_error
    assert send_due_sms(now=row.next_attempt_at) == 0
    row.refresh_from_db()
    assert row.state == OutboundState.FAILED


class DownSms:
    def send(self, *, to: str, body: str) -> None:
        raise ConnectionError("provider down")


@pytest.mark.parametrize(
    "value",
    [  # RFC 5322 appendix A
        "<1234@local.machine.example>",
        "<5678.21-Nov-1997@example.com>",
        "<testabcd.1234@silly.example>",
        "<3456@example.net>",
        "<abcd.1234@local.machine.test>",
    ],
)
def test_rfc5322_message_ids_are_accepted(value: str) -> None:
    assert is_msg_id(value)


@pytest.mark.parametrize(
    "value", ["web:" + "a" * 64, "chat:12", "1234@local.machine.example", "<no-at-sign>", ""]
)
def test_internal_ids_are_not_message_ids(value: str) -> None:
    assert not is_msg_id(value)


@pytest.mark.django_db
def test_reply_on_a_web_form_case_has_valid_threading_headers(tenant_a: Tenant) -> None:
    case = submit_web_form(
        org=tenant_a.org,
        form=WebForm(
            name="Maria Rossi",
            email="maria@example.it",
            phone="",
            description="Buca in via Roma",
            topic_id=tenant_a.topic.pk,
            privacy_accepted=True,
        ),
    )
    add_message(case=case, actor=tenant_a.actor, direction=MessageDirection.OUTBOUND, body="Grazie")
    for row in OutboundEmail.objects.filter(case=case):
        for value in [row.in_reply_to, *row.references.split()]:
            assert value == "" or is_msg_id(value), value


@pytest.mark.django_db
def test_settings_screen_saves_audits_and_is_scoped(tenant_a: Tenant, tenant_b: Tenant) -> None:
    client = Client()
    client.force_login(tenant_a.admin)
    url = reverse("configuration:notifications", args=[tenant_a.org.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, {"on_taken": "on", "on_resolved": "on", "sms_enabled": "on"})
    assert response.status_code == 302
    saved = NotificationSettings.objects.get(organization=tenant_a.org)
    assert (saved.on_waiting, saved.sms_enabled) == (False, True)
    assert AuditEntry.objects.filter(
        organization=tenant_a.org, object_type="notify.notificationsettings"
    ).exists()
    assert (
        client.get(reverse("configuration:notifications", args=[tenant_b.org.slug])).status_code
        == 404
    )
    operator = Client()
    operator.force_login(tenant_a.operator)
    assert operator.get(url).status_code == 403


@pytest.mark.django_db
def test_api_reads_and_changes_settings_for_supervisors_only(tenant_a: Tenant) -> None:
    from helpline.tenancy.models import Membership
    from helpline.tenancy.services import create_api_token

    client = Client()
    url = "/api/v1/settings/notifications"
    operator = client.get(url, headers={"Authorization": f"Bearer {tenant_a.token}"})
    assert operator.status_code == 403
    supervisor = Membership.objects.get(organization=tenant_a.org, user=tenant_a.supervisor)
    _t, token = create_api_token(actor=SYSTEM, membership=supervisor, name="t")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get(url, headers=auth).json()["on_resolved"] is True
    changed = client.patch(url, {"on_closed": True}, content_type="application/json", headers=auth)
    assert changed.status_code == 200 and changed.json()["on_closed"] is True


@pytest.mark.django_db
def test_operator_records_the_customers_opt_out_on_the_customer_page(tenant_a: Tenant) -> None:
    customer = _customer(tenant_a, email="maria@example.it")
    client = Client()
    client.force_login(tenant_a.operator)
    url = reverse("customers:notify_by", args=[tenant_a.org.slug, customer.pk])
    assert client.post(url, {"notify_by": "none"}).status_code == 302
    customer.refresh_from_db()
    assert customer.notify_by == "none"
    client.post(url, {"notify_by": "pigeon"})
    customer.refresh_from_db()
    assert customer.notify_by == "none"
