"""Acknowledgements and replies leave by SMTP (Django's backend to a real aiosmtpd server)
with our Message-ID, the thread's In-Reply-To/References, the protocol number in the
subject, in the customer's language; failures are retried, then shown as failed."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy
from typing import TYPE_CHECKING, Any

import pytest
from aiosmtpd.smtp import SMTP
from django.utils import timezone

from helpline.cases.choices import MessageDirection
from helpline.cases.services import add_message
from helpline.channels.email.adapter import ingest
from helpline.channels.models import Mailbox
from helpline.channels.tests.conftest import case_of
from helpline.channels.tests.servers import LoopThread, Sink
from helpline.customers.models import Customer
from helpline.notify.models import MailTemplate, OutboundEmail, OutboundState, TemplateKind
from helpline.notify.outbox import send_due

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant

RAW = (
    "From: Maria Rossi <maria@example.it>\nTo: urp@comune.example\nSubject: Lampione spento\n"
    "Message-ID: <m1@example.it>\nContent-Type: text/plain; charset=utf-8\n\nÈ spento.\n"
).encode()


@pytest.fixture
def sink(settings: Any) -> Any:
    handler = Sink()
    with LoopThread(lambda: SMTP(handler)) as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        yield handler


def _received(sink: Sink, index: int = -1) -> email.message.EmailMessage:
    return email.message_from_bytes(sink.envelopes[index].original_content, policy=policy.default)  # type: ignore[arg-type]


@pytest.fixture
def mailbox(tenant_a: Tenant) -> Mailbox:
    return Mailbox.objects.create(
        organization=tenant_a.org, name="URP", address="urp@comune.example"
    )


def test_a_new_case_is_acknowledged_with_its_protocol_number(
    tenant_a: Tenant, mailbox: Mailbox, sink: Sink
) -> None:
    row, _state = ingest(mailbox=mailbox, raw=RAW, source="test")
    row.refresh_from_db()
    assert send_due() == 1
    msg = _received(sink)
    assert case_of(row).protocol_number in msg["Subject"]
    assert msg["In-Reply-To"] == "<m1@example.it>"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["From"] == "urp@comune.example" and msg["To"] == "maria@example.it"
    assert (
        "abbiamo ricevuto" in msg.get_content().lower()
        or case_of(row).protocol_number in msg.get_content()
    )
    assert OutboundEmail.objects.get().state == OutboundState.SENT


def test_an_operators_reply_leaves_threaded_in_the_customers_language(
    tenant_a: Tenant, mailbox: Mailbox, sink: Sink
) -> None:
    row, _state = ingest(mailbox=mailbox, raw=RAW, source="test")
    row.refresh_from_db()
    Customer.objects.filter(pk=case_of(row).requester_id or 0).update(language="cs")
    MailTemplate.objects.create(
        organization=tenant_a.org,
        kind=TemplateKind.REPLY,
        language="cs",
        subject="Odpověď [{{ protocol }}]",
        body="{{ body }}\n-- {{ organization }}",
    )
    add_message(
        case=case_of(row),
        actor=tenant_a.actor,
        direction=MessageDirection.OUTBOUND,
        body="Opraveno.",
    )
    assert send_due() == 2
    reply = _received(sink)
    ack = _received(sink, 0)
    assert reply["Subject"] == f"Odpověď [{case_of(row).protocol_number}]"
    assert reply["In-Reply-To"] in ("<m1@example.it>", ack["Message-ID"])
    assert "<m1@example.it>" in reply["References"] and ack["Message-ID"] in reply["References"]
    assert reply["Auto-Submitted"] is None
    assert reply.get_content().startswith("Opraveno.")


def test_a_note_is_never_mailed(tenant_a: Tenant, mailbox: Mailbox) -> None:
    row, _state = ingest(mailbox=mailbox, raw=RAW, source="test")
    row.refresh_from_db()
    add_message(
        case=case_of(row), actor=tenant_a.actor, direction=MessageDirection.NOTE, body="interno"
    )
    assert OutboundEmail.objects.filter(kind=TemplateKind.REPLY).count() == 0


def test_a_refused_mail_is_retried_then_marked_failed(
    tenant_a: Tenant, mailbox: Mailbox, sink: Sink, settings: Any
) -> None:
    settings.HELPLINE_MAIL_MAX_ATTEMPTS = 2
    sink.refuse = True
    ingest(mailbox=mailbox, raw=RAW, source="test")
    assert send_due() == 0
    out = OutboundEmail.objects.get()
    assert out.state == OutboundState.QUEUED and out.attempts == 1 and "451" in out.last_error
    assert send_due() == 0  # not due yet: backing off
    assert send_due(now=timezone.now() + timedelta(hours=2)) == 0
    out.refresh_from_db()
    assert out.state == OutboundState.FAILED and out.attempts == 2
    sink.refuse = False
    from helpline.notify.outbox import retry

    retry(outbound=out)
    assert send_due() == 1


def test_an_unreachable_server_keeps_the_mail_queued(
    tenant_a: Tenant, mailbox: Mailbox, settings: Any
) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    ingest(mailbox=mailbox, raw=RAW, source="test")
    assert send_due() == 0
    out = OutboundEmail.objects.get()
    assert out.state == OutboundState.QUEUED and out.last_error
