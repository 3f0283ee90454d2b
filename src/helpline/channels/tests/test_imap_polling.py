"""IMAP polling against a real dovecot: new mail becomes cases, UIDs are tracked so that
nothing is fetched twice or skipped, also across a crash, and flags stay untouched."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from imap_tools import MailBoxUnencrypted

from helpline.cases.models import Case
from helpline.channels.email.imap import poll_once
from helpline.channels.models import Inbound, Mailbox
from helpline.channels.tests import dovecot

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not dovecot.available(), reason="needs dovecot (scripts/ensure-dovecot) and root"
    ),
]


def mail(n: int) -> bytes:
    return (
        f"From: Cittadino {n} <c{n}@example.it>\r\nTo: urp@comune.example\r\n"
        f"Subject: Segnalazione {n}\r\nMessage-ID: <imap{n}@example.it>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nTesto {n}.\r\n"
    ).encode()


@pytest.fixture(scope="module")
def imap_port() -> Iterator[int]:
    with dovecot.dovecot({"urp": "secret-urp"}) as port:
        yield port


def append(port: int, *raws: bytes) -> None:
    with MailBoxUnencrypted("127.0.0.1", port).login("urp", "secret-urp") as mb:
        for raw in raws:
            mb.append(raw, "INBOX", flag_set=())


@pytest.fixture
def mailbox(tenant_a: Tenant, imap_port: int) -> Iterator[Mailbox]:
    with MailBoxUnencrypted("127.0.0.1", imap_port).login("urp", "secret-urp") as mb:
        mb.delete([m.uid for m in mb.fetch(mark_seen=False) if m.uid])
    yield Mailbox.objects.create(
        organization=tenant_a.org,
        name="URP",
        address="urp@comune.example",
        imap_host="127.0.0.1",
        imap_port=imap_port,
        imap_ssl=False,
        imap_user="urp",
        imap_password="secret-urp",
    )


def test_polling_turns_new_mail_into_cases_once(imap_port: int, mailbox: Mailbox) -> None:
    append(imap_port, mail(1), mail(2))
    assert poll_once(mailbox) == 2
    mailbox.refresh_from_db()
    assert mailbox.last_uid > 0 and mailbox.uidvalidity
    assert poll_once(mailbox) == 0  # nothing fetched twice
    append(imap_port, mail(3))
    assert poll_once(mailbox) == 1
    assert sorted(Case.objects.values_list("title", flat=True)) == [
        "Segnalazione 1",
        "Segnalazione 2",
        "Segnalazione 3",
    ]
    with MailBoxUnencrypted("127.0.0.1", imap_port).login("urp", "secret-urp") as mb:
        assert all("\\Seen" not in m.flags for m in mb.fetch(mark_seen=False))


def test_a_crash_before_the_uid_was_recorded_neither_duplicates_nor_skips(
    imap_port: int, mailbox: Mailbox
) -> None:
    append(imap_port, mail(4), mail(5))
    assert poll_once(mailbox) == 2
    # The worker died after storing UID 2 but before recording it: the UID goes back.
    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=mailbox.last_uid)
    mailbox.refresh_from_db()
    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=mailbox.last_uid - 1)
    mailbox.refresh_from_db()
    append(imap_port, mail(6))
    assert poll_once(mailbox) == 1  # message 5 again (dropped as a duplicate), then 6
    assert Inbound.objects.count() == 3
    assert Case.objects.count() == 3


def test_a_changed_uidvalidity_refetches_without_duplicates(
    imap_port: int, mailbox: Mailbox
) -> None:
    append(imap_port, mail(7))
    assert poll_once(mailbox) == 1
    Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=1)
    mailbox.refresh_from_db()
    assert poll_once(mailbox) == 0
    assert Case.objects.count() == 1


def test_the_watcher_picks_up_new_mail_while_idling_and_stops_on_request(
    imap_port: int, mailbox: Mailbox, settings: Any
) -> None:
    """``watch`` (what the loop runs per mailbox) keeps the connection open in IDLE: mail
    appended meanwhile becomes a case without a new poll, and a stop ends it promptly."""
    import threading
    import time

    from django.db import connections

    from helpline.channels.email.imap import watch

    settings.HELPLINE_IMAP_IDLE_SECONDS = 5
    stop = threading.Event()

    def run() -> None:
        try:
            watch(mailbox.pk, stop)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        time.sleep(1)  # connected and idling
        append(imap_port, mail(8))
        deadline = time.monotonic() + 30
        while not Case.objects.filter(title="Segnalazione 8").exists():
            assert time.monotonic() < deadline, "the idling watcher did not fetch the new mail"
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    assert Inbound.objects.get().source == "imap"


def test_a_poll_stores_its_messages_in_batches(
    imap_port: int, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One UID FETCH and one INSERT per batch; the UID is recorded once the batch is stored."""
    from helpline.channels.email import imap

    sizes: list[int] = []
    real = imap.accept_batch

    def recording(batch: Any, *, source: str) -> Any:
        sizes.append(len(batch))
        return real(batch, source=source)

    monkeypatch.setattr(imap, "accept_batch", recording)
    append(imap_port, mail(21), mail(22), mail(23))
    with imap.connect(mailbox) as client:
        assert imap.fetch_new(client, mailbox, batch_size=2) == 3
    assert sizes == [2, 1]
    assert Case.objects.count() == 3
    with imap.connect(mailbox) as client:
        assert imap.fetch_new(client, mailbox) == 0
    assert sizes == [2, 1]


def test_a_nul_in_an_encoded_header_never_sticks_the_poller(
    imap_port: int, mailbox: Mailbox
) -> None:
    """PostgreSQL refused the raw row of a message with a NUL in its subject: every poll
    failed on it and later mail was never fetched. Now it is stored like any other."""
    bad = mail(1).replace(b"Subject: Segnalazione 1", b"Subject: =?utf-8?q?Segnala=00zione?=")
    append(imap_port, bad, mail(2))
    assert poll_once(mailbox) == 2
    assert poll_once(mailbox) == 0
    assert sorted(Case.objects.values_list("title", flat=True)) == [
        "Segnalazione",
        "Segnalazione 2",
    ]
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""
