"""Issue 14 (mail intake correctness): what the outside checks found, one test each (the
corpus under tests/email_corpus holds a message of every class as well)."""

from __future__ import annotations

import logging
import os
import signal
import smtplib
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from helpline.cases.models import Case
from helpline.channels.email.adapter import (
    Received,
    accept_email,
    answer_address,
    email_item,
    ingest,
    ingest_batch,
    process_pending,
)
from helpline.channels.email.parser import ParsedEmail, fallback_charset_for, parse_email
from helpline.channels.email.smtp import make_smtp
from helpline.channels.models import Inbound, InboundState, Mailbox
from helpline.channels.tests.conftest import Boxes, case_of
from helpline.channels.tests.servers import LoopThread
from helpline.customers.models import Customer
from helpline.notify.models import OutboundEmail

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant


def _case(row: Inbound) -> Case:
    """The case a row (as handed back by the intake) ended on."""
    return case_of(Inbound.objects.get(pk=row.pk))


def mail(
    mid: str,
    *,
    sender: str = "Maria Rossi <maria.rossi@example.it>",
    subject: str = "Lampione spento",
    extra: str = "",
    body: bytes = b"Il lampione non funziona.",
) -> bytes:
    head = (
        f"From: {sender}\r\nTo: urp@comune.example\r\nSubject: {subject}\r\n"
        f"Date: Mon, 9 Nov 2026 09:12:00 +0100\r\nMessage-ID: <{mid}>\r\n{extra}"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    return head.encode() + body + b"\r\n"


# --- 1. a NUL in an encoded header ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_nul_in_an_encoded_subject_is_stored_and_taken_in_by_smtp(tenant_a: Tenant) -> None:
    """PostgreSQL refused the raw row (NUL in the subject column): 451 for ever. The bytes
    are stored as they came, the text columns without the NUL."""
    Mailbox.objects.create(organization=tenant_a.org, name="URP", address="urp@comune.example")
    raw = mail("nul1@example.it", subject="=?utf-8?q?a=00b?=", body=b"Te\x00sto\x07.")
    with (
        LoopThread(make_smtp) as server,
        smtplib.SMTP("127.0.0.1", server.port, timeout=30) as client,
    ):
        assert client.sendmail("m@example.it", ["urp@comune.example"], raw) == {}
    row = Inbound.objects.get()
    assert bytes(row.raw).replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    assert row.subject == "ab" and row.state == InboundState.CASE_OPENED
    case = _case(row)
    assert case.title == "ab" and case.description == "Testo."


# --- 2. order after a crash -------------------------------------------------------------


@pytest.mark.django_db
def test_mail_left_waiting_by_a_crash_is_taken_in_before_later_mail(
    tenant_a: Tenant, boxes: Boxes
) -> None:
    """The worker died between storing the request and processing it; the reply arrives
    next: the request still opens the case and the reply threads onto it (one protocol
    number, one acknowledgement), not the other way round."""
    original, _new = accept_email(mailbox=boxes.email, raw=mail("req@example.it"), source="imap")
    reply = mail(
        "rep@example.it",
        subject="Re: Lampione spento",
        extra="In-Reply-To: <req@example.it>\r\n",
        body=b"Ancora spento.",
    )
    row, state = ingest(mailbox=boxes.email, raw=reply, source="imap")
    row.refresh_from_db()
    original.refresh_from_db()
    assert original.state == InboundState.CASE_OPENED
    assert state == InboundState.ADDED and row.case_id == original.case_id
    assert Case.objects.filter(organization=tenant_a.org).count() == 1
    assert OutboundEmail.objects.filter(case=original.case).count() == 1
    assert process_pending(older_than=timedelta(0)) == 0


# --- 3. a reply from someone other than the requester -----------------------------------


@pytest.mark.django_db
def test_a_reply_from_someone_else_is_shown_as_theirs(
    tenant_a: Tenant, boxes: Boxes, desk_a: Client
) -> None:
    first, _s = ingest(mailbox=boxes.email, raw=mail("own@example.it"), source="imap")
    case = _case(first)
    other = mail(
        "other@example.it",
        sender="Luca Bianchi <luca.bianchi@example.it>",
        subject="Re: Lampione spento",
        extra="In-Reply-To: <own@example.it>\r\n",
        body=b"Sono il vicino: confermo.",
    )
    row, state = ingest(mailbox=boxes.email, raw=other, source="imap")
    row.refresh_from_db()
    assert state == InboundState.ADDED and row.case_id == case.pk
    message = row.case_message
    assert message is not None
    assert message.sender_email == "luca.bianchi@example.it"
    assert message.sender_name == "Luca Bianchi"
    assert message.author_customer_id is None  # not the requester's message
    assert not Customer.objects.filter(email="luca.bianchi@example.it").exists()
    page = desk_a.get(f"/desk/{tenant_a.org.slug}/cases/{case.pk}/").content.decode()
    assert "Luca Bianchi &lt;luca.bianchi@example.it&gt;" in page
    # The requester's own reply is shown as theirs, as before.
    own = mail(
        "own2@example.it", subject="Re: Lampione spento", extra="In-Reply-To: <own@example.it>\r\n"
    )
    row2, _s = ingest(mailbox=boxes.email, raw=own, source="imap")
    row2.refresh_from_db()
    assert row2.case_message is not None
    assert row2.case_message.author_customer_id == case.requester_id


# --- 4. Reply-To and mailing lists ------------------------------------------------------


@pytest.mark.django_db
def test_people_writing_through_a_mailing_list_stay_two_customers_and_get_no_mail(
    tenant_a: Tenant, boxes: Boxes
) -> None:
    lst = "Reply-To: quartiere@lists.example.org\r\nList-Id: <quartiere.lists.example.org>\r\n"
    taken = ingest_batch(
        [
            Received(boxes.email, mail("l1@x", sender="Paola <paola@example.it>", extra=lst)),
            Received(boxes.email, mail("l2@x", sender="Carlo <carlo@example.net>", extra=lst)),
        ],
        source="smtp",
    )
    requesters = {_case(row).requester.email for row, _s in taken}  # type: ignore[union-attr]
    assert requesters == {"paola@example.it", "carlo@example.net"}
    assert not OutboundEmail.objects.exists()
    rows = Inbound.objects.filter(pk__in=[row.pk for row, _s in taken])
    assert all(row.flags["not_acknowledged"] == "mailing list" for row in rows)


@pytest.mark.parametrize(
    ("extra", "sender"),
    [
        ("X-Spam-Status: Yes, score=9.1\r\n", "a@example.it"),
        ("List-Unsubscribe: <mailto:leave@lists.example.org>\r\n", "a@example.it"),
        ("", "Nobody <not-an-address>"),
    ],
    ids=["spam", "list-unsubscribe", "invalid-from"],
)
@pytest.mark.django_db
def test_spam_list_and_invalid_senders_open_a_case_without_acknowledgement(
    tenant_a: Tenant, boxes: Boxes, extra: str, sender: str
) -> None:
    raw = mail("s@x", sender=sender, extra=extra)
    _row, state = ingest(mailbox=boxes.email, raw=raw, source="t")
    assert state == InboundState.CASE_OPENED
    assert not OutboundEmail.objects.exists()


def test_reply_to_answers_only_within_the_senders_domain() -> None:
    def parsed(extra: str) -> str:
        return answer_address(parse_email(mail("r@x", extra=extra), max_attachment=10**6))

    assert parsed("") == "maria.rossi@example.it"
    assert parsed("Reply-To: ufficio@example.it\r\n") == "ufficio@example.it"
    assert parsed("Reply-To: info@sub.example.it\r\n") == "info@sub.example.it"
    assert parsed("Reply-To: list@lists.example.org\r\n") == "maria.rossi@example.it"
    assert parsed("Reply-To: broken\r\n") == "maria.rossi@example.it"


# --- 5. undeclared charsets -------------------------------------------------------------


def test_the_fallback_charset_follows_the_tenants_country_then_language() -> None:
    assert fallback_charset_for(country="CZ", language="cs") == "cp1250"
    assert fallback_charset_for(country="IT", language="it") == "cp1252"
    assert fallback_charset_for(country="BR", language="pt-br") == "cp1252"
    assert fallback_charset_for(country="", language="cs") == "cp1250"


@pytest.mark.django_db
def test_czech_mail_without_a_charset_reads_right_on_a_czech_tenant(tenant_a: Tenant) -> None:
    from helpline.tenancy.models import Organization

    org = Organization.objects.create(
        name="Město", slug="mesto", country="CZ", language="cs", protocol_prefix="MST"
    )
    box = Mailbox.objects.create(organization=org, name="Podatelna", address="podatelna@mesto.cz")
    raw = (
        "From: Jiří Dvořák <jiri@example.cz>\nTo: podatelna@mesto.cz\nSubject: Lampa\n"
        "Message-ID: <cz1@example.cz>\n\nNesvítí lampa.\n"
    ).encode("cp1250")
    row, state = ingest(mailbox=box, raw=raw, source="smtp")
    assert state == InboundState.CASE_OPENED, row.error
    case = _case(row)
    assert case.requester is not None and case.requester.name == "Jiří Dvořák"
    assert case.description == "Nesvítí lampa."
    # The same bytes on the Italian tenant are read as Windows-1252, as before.
    assert parse_email(raw, max_attachment=10**6).from_name == "Jiøí Dvoøák"


# --- 6. Message-ID reuse and long ids ---------------------------------------------------


@pytest.mark.django_db
def test_messages_reusing_a_message_id_are_all_kept_and_every_drop_is_logged(
    tenant_a: Tenant, boxes: Boxes, caplog: pytest.LogCaptureFixture
) -> None:
    first = mail("same@mailer.example", subject="Uno", body=b"Panchina rotta.")
    second = mail("same@mailer.example", subject="Due", body=b"Manca la luce.")
    relayed = b"Received: from relay.example by mx.example; Mon, 9 Nov 2026\r\n" + first
    with caplog.at_level(logging.INFO, logger="helpline.channels.intake"):
        taken = ingest_batch(
            [Received(boxes.email, r) for r in (first, second, relayed)], source="imap"
        )
    assert [s for _r, s in taken] == [InboundState.CASE_OPENED] * 3
    assert taken[0][0].pk == taken[2][0].pk != taken[1][0].pk
    assert Case.objects.filter(organization=tenant_a.org).count() == 2
    assert "dropped a duplicate of inbound" in caplog.text
    row = Inbound.objects.get(pk=taken[0][0].pk)
    assert row.flags["duplicates"][0]["reason"] == "same Message-ID and content"


@pytest.mark.django_db
def test_message_ids_longer_than_255_characters_are_kept_whole(
    tenant_a: Tenant, boxes: Boxes
) -> None:
    long_id = "x" * 300
    rows = [
        ingest(mailbox=boxes.email, raw=mail(f"{long_id}{n}@x", subject=f"L{n}"), source="t")[0]
        for n in (1, 2)
    ]
    rows = [Inbound.objects.get(pk=r.pk) for r in rows]
    assert [len(r.message_id) for r in rows] == [305, 305]
    reply = mail("r@x", subject="Re: L2", extra=f"In-Reply-To: <{long_id}2@x>\r\n")
    row, state = ingest(mailbox=boxes.email, raw=reply, source="t")
    row.refresh_from_db()
    assert state == InboundState.ADDED and row.case_id == rows[1].case_id
    # Beyond any btree index entry (PostgreSQL's ~2,700 bytes): no Message-ID, still mail.
    huge, state = ingest(mailbox=boxes.email, raw=mail("é" * 1500 + "@x"), source="t")
    assert state == InboundState.CASE_OPENED
    assert Inbound.objects.get(pk=huge.pk).message_id == ""


# --- 7. operations: the SMTP command and long lines -------------------------------------


def _command(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "helpline", "smtp_receive", "--host", "127.0.0.1", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_smtp_receive_on_a_port_in_use_says_so_and_exits_non_zero() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        proc = _command("--port", str(busy.getsockname()[1]))
        out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "cannot receive SMTP on 127.0.0.1" in err, (out, err)


def test_smtp_receive_stops_cleanly_on_sigterm() -> None:
    proc = _command("--port", "0")
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "Receiving SMTP on 127.0.0.1:" in line, line
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "stopped" in out


@pytest.mark.django_db(transaction=True)
def test_a_line_longer_than_rfc_5321_allows_is_accepted(tenant_a: Tenant) -> None:
    Mailbox.objects.create(organization=tenant_a.org, name="URP", address="urp@comune.example")
    raw = mail("long-line@example.it", body=b"<p>" + b"a" * 6000 + b"</p>")
    with (
        LoopThread(make_smtp) as server,
        smtplib.SMTP("127.0.0.1", server.port, timeout=30) as client,
    ):
        assert client.sendmail("m@example.it", ["urp@comune.example"], raw) == {}
    row = Inbound.objects.get()
    assert row.state == InboundState.CASE_OPENED and "a" * 6000 in _case(row).description


# --- 8. parsing gaps (the corpus has one message of each) -------------------------------


@pytest.mark.parametrize("raw", [b"", b"\x00\xff\xfe" * 500], ids=["empty", "garbage"])
@pytest.mark.django_db
def test_an_empty_or_garbage_message_is_kept_and_flagged_not_a_case(
    tenant_a: Tenant, boxes: Boxes, raw: bytes
) -> None:
    row, state = ingest(mailbox=boxes.email, raw=raw, source="smtp")
    assert state == InboundState.FAILED
    row.refresh_from_db()
    assert bytes(row.raw) == raw and row.case_id is None
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_the_migration_gives_rows_stored_before_their_new_key(
    tenant_a: Tenant, boxes: Boxes
) -> None:
    """Rows stored with the old key (the Message-ID) get the new one, so a message
    delivered again after the upgrade is still recognised."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "helpline.channels.migrations.0004_inbound_long_message_id_content_dedupe"
    )
    raw = mail("old@example.it")
    row, _new = accept_email(mailbox=boxes.email, raw=raw, source="imap")
    Inbound.objects.filter(pk=row.pk).update(dedupe_key="<old@example.it>")
    migration.recompute_keys(apps, None)
    again, new = accept_email(mailbox=boxes.email, raw=raw, source="smtp")
    assert again.pk == row.pk and not new


CORPUS = Path(__file__).resolve().parents[4] / "tests" / "email_corpus"


def _parsed(name: str) -> ParsedEmail:
    return parse_email((CORPUS / name).read_bytes(), max_attachment=10**7)


def _names(parsed: ParsedEmail) -> list[str]:
    return sorted(a.filename for a in parsed.attachments)


def test_a_base64_forwarded_message_is_shown_as_a_message_with_its_attachments() -> None:
    parsed = _parsed("92_forwarded_base64_rfc822.eml")
    assert "From: Giulia Rosa" in parsed.text and "albero è caduto" in parsed.text
    assert "RnJvbTog" not in parsed.text and _names(parsed) == ["albero.png"]


def test_an_image_and_a_calendar_given_as_alternatives_are_kept() -> None:
    parsed = _parsed("93_alternative_image_and_calendar.eml")
    assert _names(parsed) == ["attachment-2.ics", "mappa.png"]


def test_an_inline_uuencoded_file_becomes_an_attachment() -> None:
    parsed = _parsed("94_inline_uuencode.eml")
    assert "begin 644" not in parsed.text and "Saluti" in parsed.text
    assert [(a.filename, a.content) for a in parsed.attachments] == [
        ("civici.txt", b"Elenco dei civici senza luce: 3, 5, 7.\n")
    ]


def test_text_nested_too_deep_is_flagged() -> None:
    assert _parsed("95_nested_too_deep.eml").too_deep
    assert not _parsed("01_plain_utf8.eml").too_deep


def test_a_long_file_name_is_shortened_keeping_its_extension() -> None:
    (name,) = _names(_parsed("96_long_filename.eml"))
    assert len(name) == 255 and name.endswith(".pdf")


def test_content_language_with_a_region_is_a_new_customers_language() -> None:
    parsed = _parsed("97_content_language_cs_cz.eml")
    item = email_item(parsed=parsed, mailbox=Mailbox(address="urp@comune.example"))
    assert item.contact.language == "cs"


def test_empty_and_garbage_bytes_are_not_mail() -> None:
    assert _parsed("98_empty.eml").not_mail == "empty message"
    assert _parsed("99_binary_garbage.eml").not_mail.startswith("not an e-mail message")
    assert _parsed("01_plain_utf8.eml").not_mail == ""
