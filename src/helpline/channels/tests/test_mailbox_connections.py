"""A mailbox's "Test connection" logs in for real: against a real dovecot (IMAP) and a real
aiosmtpd (SMTP), a good login is stored as working, a refused one as not working with the
server's own answer; and mail leaving from a mailbox with its own SMTP server (a PEC
mailbox through its PEC provider) goes through that server, not the default one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from aiosmtpd.smtp import SMTP
from django.test import Client
from django.urls import reverse

from helpline.audit.models import AuditEntry
from helpline.channels import configuration
from helpline.channels.email.adapter import ingest
from helpline.channels.models import ConnectionState, Mailbox, MailboxKind
from helpline.channels.tests import dovecot
from helpline.channels.tests.servers import LoopThread, Sink
from helpline.notify.outbox import send_due

if TYPE_CHECKING:
    from conftest import Tenant


@pytest.fixture(scope="module")
def imap_port() -> Iterator[int]:
    if not dovecot.available():
        pytest.skip("needs dovecot (scripts/ensure-dovecot) and root")
    with dovecot.dovecot({"urp": "secret-urp"}) as port:
        yield port


def _box(tenant: Tenant, port: int, password: str) -> Mailbox:
    return configuration.create_mailbox(
        org=tenant.org,
        actor=tenant.actor,
        data=configuration.MailboxData(
            name="URP",
            address="urp@comune.example",
            imap_host="127.0.0.1",
            imap_port=port,
            imap_ssl=False,
            imap_user="urp",
            imap_password=password,
        ),
    )


@pytest.mark.django_db
def test_imap_test_connection_logs_in_to_dovecot_and_stores_working(
    tenant_a: Tenant, imap_port: int
) -> None:
    box = _box(tenant_a, imap_port, "secret-urp")
    admin = Client()
    admin.force_login(tenant_a.admin)
    r = admin.post(
        reverse("configuration:mailbox_test", args=[tenant_a.org.slug, box.pk, "imap"]),
        follow=True,
    )
    assert r.status_code == 200
    box.refresh_from_db()
    assert box.imap_state == ConnectionState.WORKING
    assert box.imap_checked_at is not None and "INBOX" in box.imap_check_answer
    entry = AuditEntry.objects.get(action="update", object_type="helpline_channels.mailbox")
    assert entry.changes == {"imap_state": ["untested", "working"]}


@pytest.mark.django_db
def test_imap_test_connection_with_a_wrong_password_stores_the_servers_answer(
    tenant_a: Tenant, imap_port: int
) -> None:
    box = _box(tenant_a, imap_port, "wrong")
    box = configuration.test_imap_connection(mailbox=box, actor=tenant_a.actor)
    assert box.imap_state == ConnectionState.FAILING
    # dovecot's own words, not ours
    assert "AUTHENTICATIONFAILED" in box.imap_check_answer
    admin = Client()
    admin.force_login(tenant_a.admin)
    page = admin.get(reverse("configuration:mailbox_edit", args=[tenant_a.org.slug, box.pk]))
    assert "AUTHENTICATIONFAILED" in page.content.decode()
    # correcting the password makes the mailbox untested, and a new test says it works
    data = configuration.MailboxData(
        name="URP",
        address="urp@comune.example",
        imap_host="127.0.0.1",
        imap_port=imap_port,
        imap_ssl=False,
        imap_user="urp",
        imap_password="secret-urp",
    )
    box = configuration.update_mailbox(mailbox=box, actor=tenant_a.actor, data=data)
    assert box.imap_state == ConnectionState.UNTESTED
    box = configuration.test_imap_connection(mailbox=box, actor=tenant_a.actor)
    assert box.imap_state == ConnectionState.WORKING


class AuthSink(Sink):
    """An MTA that wants a login (user ``pec``, password ``pec-pw``)."""


def _auth(server: SMTP, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"pec",
        b"pec-pw",
    )
    return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535


@pytest.fixture
def default_mta(settings: Any) -> Iterator[Sink]:
    handler = Sink()
    with LoopThread(lambda: SMTP(handler)) as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        yield handler


@pytest.fixture
def pec_mta() -> Iterator[tuple[Sink, int]]:
    handler = AuthSink()
    with LoopThread(
        lambda: SMTP(handler, authenticator=_auth, auth_require_tls=False, auth_required=True)
    ) as server:
        yield handler, server.port


RAW = (
    b"From: Maria Rossi <maria@example.it>\nTo: protocollo@pec.comune.example\n"
    b"Subject: Istanza\nMessage-ID: <p1@example.it>\nContent-Type: text/plain\n\nIstanza.\n"
)


@pytest.mark.django_db
def test_mail_from_a_mailbox_with_its_own_smtp_leaves_through_it(
    tenant_a: Tenant, default_mta: Sink, pec_mta: tuple[Sink, int]
) -> None:
    pec_sink, pec_port = pec_mta
    box = configuration.create_mailbox(
        org=tenant_a.org,
        actor=tenant_a.actor,
        data=configuration.MailboxData(
            name="PEC",
            address="protocollo@pec.comune.example",
            kind=MailboxKind.PEC,
            smtp_host="127.0.0.1",
            smtp_port=pec_port,
            smtp_security="none",
            smtp_user="pec",
            smtp_password="pec-pw",
        ),
    )
    box = configuration.test_smtp_connection(mailbox=box, actor=tenant_a.actor)
    assert box.smtp_state == ConnectionState.WORKING, box.smtp_check_answer
    assert box.smtp_check_answer.startswith("235")

    ingest(mailbox=box, raw=RAW, source="test")  # opens a case, queues its acknowledgement
    assert send_due() == 1
    assert len(pec_sink.envelopes) == 1 and not default_mta.envelopes
    assert pec_sink.envelopes[0].mail_from == "protocollo@pec.comune.example"

    # a wrong password: not working, with the server's answer
    configuration.update_mailbox(
        mailbox=box,
        actor=tenant_a.actor,
        data=configuration.MailboxData(
            name="PEC",
            address="protocollo@pec.comune.example",
            kind=MailboxKind.PEC,
            smtp_host="127.0.0.1",
            smtp_port=pec_port,
            smtp_security="none",
            smtp_user="pec",
            smtp_password="nope",
        ),
    )
    box = configuration.test_smtp_connection(mailbox=box, actor=tenant_a.actor)
    assert box.smtp_state == ConnectionState.FAILING
    assert "535" in box.smtp_check_answer
