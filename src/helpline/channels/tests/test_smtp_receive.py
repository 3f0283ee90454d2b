"""The SMTP receiving service, spoken to by a real SMTP client over loopback."""

from __future__ import annotations

import smtplib
from typing import TYPE_CHECKING, Any

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


def test_messages_on_concurrent_connections_are_taken_in_as_one_batch(
    tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one batch is being stored, the messages arriving on other connections wait and
    go in together as the next batch (one INSERT, one transaction); each sender gets its
    250 once its message is stored and processed."""
    import threading
    import time

    from helpline.channels.email import smtp

    Mailbox.objects.create(organization=tenant_a.org, name="URP", address="urp@comune.example")
    sizes: list[int] = []
    gate = threading.Event()
    real = smtp.accept_batch

    def held(batch: Any, *, source: str) -> Any:
        sizes.append(len(batch))
        if len(sizes) == 1:
            gate.wait(30)  # the first batch is slow to store: the others queue up
        return real(batch, source=source)

    monkeypatch.setattr(smtp, "accept_batch", held)
    refused: list[Any] = []

    def send(n: int) -> None:
        raw = RAW.replace(b"<smtp1@", f"<smtp-c{n}@".encode()).replace(b"via Roma", b"via %d" % n)
        with smtplib.SMTP("127.0.0.1", server.port, timeout=60) as client:
            refused.append(client.sendmail("maria@example.it", ["urp@comune.example"], raw))

    with LoopThread(make_smtp) as server:
        threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
        threads[0].start()
        deadline = time.monotonic() + 30
        while not sizes:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        for thread in threads[1:]:
            thread.start()
        while smtp._BATCHERS[server.loop].queue.qsize() < 5:
            assert time.monotonic() < deadline, "the other deliveries did not queue up"
            time.sleep(0.05)
        gate.set()
        for thread in threads:
            thread.join(60)
    assert refused == [{}] * 6
    assert sizes == [1, 5]
    assert Inbound.objects.filter(state=InboundState.CASE_OPENED).count() == 6
    assert Case.objects.filter(organization=tenant_a.org).count() == 6


def test_many_concurrent_deliveries_each_land_once(tenant_a: Tenant) -> None:
    """Twenty connections at once, each message delivered twice (a relay retrying): every
    sender gets its 250, every message is stored once and opens one case."""
    import threading

    Mailbox.objects.create(organization=tenant_a.org, name="URP", address="urp@comune.example")
    answers: list[Any] = []

    def send(n: int) -> None:
        raw = RAW.replace(b"<smtp1@", f"<smtp-m{n}@".encode()).replace(b"via Roma", b"via %d" % n)
        with smtplib.SMTP("127.0.0.1", server.port, timeout=60) as client:
            for _attempt in range(2):
                answers.append(client.sendmail("maria@example.it", ["urp@comune.example"], raw))

    with LoopThread(make_smtp) as server:
        threads = [threading.Thread(target=send, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert answers == [{}] * 40
    assert Inbound.objects.count() == 20
    assert Inbound.objects.filter(state=InboundState.CASE_OPENED).count() == 20
    assert Case.objects.filter(organization=tenant_a.org).count() == 20
