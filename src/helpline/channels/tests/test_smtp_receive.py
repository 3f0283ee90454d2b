"""The SMTP receiving service, spoken to by a real SMTP client over loopback."""

from __future__ import annotations

import smtplib
from typing import TYPE_CHECKING

import pytest

from helpline.cases.models import Case
from helpline.channels.email.smtp import make_smtp
from helpline.channels.models import Inbound, InboundState, Mailbox
from helpline.channels.tests.servers import LoopThread

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant

pytestmark = pytest.mark.django_db(transaction=True)

RAW = (
    b"From: Maria <maria@example.it>\r\nTo: urp@comune.example\r\nSubject: Buca in via Roma\r\n"
    b"Message-ID: <smtp1@example.it>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    b"C'\xc3\xa8 una buca.\r\n"
)


def test_mail_delivered_by_smtp_becomes_a_case(tenant_a: Tenant) -> None:
    Mailbox.objects.create(organization=tenant_a.org, name="URP", address="urp@comune.example")
    with (
        LoopThread(make_smtp) as server,
        smtplib.SMTP("127.0.0.1", server.port, timeout=30) as client,
    ):
        refused = client.sendmail("maria@example.it", ["urp@comune.example"], RAW)
        assert refused == {}
        # The same message again (a relay retrying): accepted, stored once.
        client.sendmail("maria@example.it", ["urp@comune.example"], RAW)
    row = Inbound.objects.get()
    assert row.source == "smtp" and row.state == InboundState.CASE_OPENED
    case = Case.objects.get(organization=tenant_a.org)
    assert case.title == "Buca in via Roma" and "buca" in case.description


def test_unknown_recipients_are_refused_at_rcpt_time(tenant_a: Tenant) -> None:
    Mailbox.objects.create(organization=tenant_a.org, name="URP", address="urp@comune.example")
    with (
        LoopThread(make_smtp) as server,
        smtplib.SMTP("127.0.0.1", server.port, timeout=30) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused),
    ):
        client.sendmail("maria@example.it", ["nobody@comune.example"], RAW)
    assert not Inbound.objects.exists()
