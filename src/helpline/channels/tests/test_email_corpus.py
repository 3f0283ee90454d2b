"""Every message of the corpus ends in exactly one outcome, the right one, and nothing is
lost or duplicated, also when delivered twice or after a worker died mid-way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from helpline.cases.models import Attachment, Case, Message
from helpline.channels.email.adapter import (
    Received,
    accept_email,
    ingest,
    ingest_batch,
    process_inbound,
    process_pending,
)
from helpline.channels.models import Inbound, InboundState, PecReceipt
from helpline.channels.tests.conftest import Boxes, case_of
from helpline.customers.models import Customer
from helpline.notify.models import OutboundEmail, TemplateKind

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant

CORPUS = Path(__file__).resolve().parents[4] / "tests" / "email_corpus"
EXPECTED: dict[str, dict[str, Any]] = json.loads((CORPUS / "expected.json").read_text())


def big_message(size: int) -> bytes:
    """A mail with an attachment of ``size`` bytes (too big to commit to the corpus)."""
    import base64

    data = base64.encodebytes(b"\x89PNG" + b"\x00" * (size - 4))
    return (
        b"From: Grande <grande@example.it>\nTo: urp@comune.example\nSubject: Video del guasto\n"
        b"Message-ID: <big@example.it>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\n'
        b'Allego il video.\n--b\nContent-Type: video/mp4; name="video.mp4"\n'
        b'Content-Disposition: attachment; filename="video.mp4"\n'
        b"Content-Transfer-Encoding: base64\n\n" + data + b"--b--\n"
    )


def _case_text(case: Case) -> str:
    messages = "\n".join(m.body for m in Message.objects.filter(case=case))
    return f"{case.title}\n{case.description}\n{messages}"


def _attachment_names(case: Case) -> list[str]:
    return sorted(Attachment.objects.filter(message__case=case).values_list("filename", flat=True))


@pytest.fixture
def pec_outbound(tenant_a: Tenant) -> OutboundEmail:
    """An outgoing PEC message whose receipts are in the corpus."""
    from helpline.cases.services import open_case

    case = open_case(
        org=tenant_a.org, actor=tenant_a.actor, channel="pec", case_type="information", title="PEC"
    )
    return OutboundEmail.objects.create(
        organization=tenant_a.org,
        case=case,
        kind=TemplateKind.REPLY,
        from_address="protocollo@pec.comune.example",
        to_address="studio.legale@pec.example.it",
        subject="Comunicazione",
        body="...",
        message_id="<out-pec-1@pec.comune.example>",
        created_at=timezone.now(),
        state="sent",
    )


def test_corpus_has_at_least_forty_messages() -> None:
    assert len(list(CORPUS.glob("*.eml"))) >= 40
    assert set(EXPECTED) == {p.name for p in CORPUS.glob("*.eml")}


@pytest.mark.parametrize("batch", [1, 9, 100], ids=["one-at-a-time", "batches-of-9", "one-batch"])
def test_every_corpus_message_ends_in_its_expected_outcome(
    tenant_a: Tenant, boxes: Boxes, pec_outbound: OutboundEmail, batch: int
) -> None:
    """Taken in one at a time or by batches (a reply in the same batch as the message it
    answers, the duplicate in the same batch as its original), every message ends the same."""
    names = sorted(EXPECTED)
    received = [
        Received(getattr(boxes, EXPECTED[name]["mailbox"]), (CORPUS / name).read_bytes())
        for name in names
    ]
    rows: dict[str, Inbound] = {}
    for start in range(0, len(names), batch):
        taken = ingest_batch(received[start : start + batch], source="test")
        rows.update(zip(names[start : start + batch], (r for r, _s in taken), strict=True))
    cases_by_file: dict[str, Case] = {}
    for name in names:
        spec = EXPECTED[name]
        row = Inbound.objects.get(pk=rows[name].pk)
        where = f"{name}: {row.state} {row.reason} {row.error}"
        if spec["state"] == "duplicate":
            original = cases_by_file[spec["duplicate_of"]]
            assert row.case_id == original.pk, where
            continue
        assert row.state == spec["state"], where
        if spec["state"] == "ignored":
            assert row.case_id is None or spec.get("pec_receipt"), where
            assert row.reason.startswith(spec["reason"]), where
        if spec["state"] == "failed":
            assert spec["error"] in row.error, where
            continue
        if spec["state"] in ("case_opened", "added"):
            case = row.case
            assert case is not None, where
            cases_by_file[name] = case
            text = _case_text(case)
            for fragment in spec.get("contains", []):
                assert fragment in text, f"{where}: {fragment!r} not in {text!r}"
            for fragment in spec.get("not_contains", []):
                assert fragment not in text, f"{where}: {fragment!r} in {text!r}"
            if "title" in spec:
                assert case.title == spec["title"], where
            if "title_max" in spec:
                assert 0 < len(case.title) <= spec["title_max"], where
            if "attachments" in spec:
                expected_names = spec["attachments"]
                if spec["state"] == "added":
                    assert row.case_message is not None, where
                    names = sorted(row.case_message.attachments.values_list("filename", flat=True))
                else:
                    names = _attachment_names(case)
                assert names == sorted(expected_names), where
            if "channel" in spec:
                assert case.channel == spec["channel"], where
            if "requester" in spec:
                email = case.requester.email if case.requester else None
                assert email == spec["requester"] or (spec["requester"] is None and not email), (
                    where
                )
            if "name" in spec:
                assert case.requester is not None and case.requester.name == spec["name"], where
            if "phone" in spec:
                assert case.requester is not None and case.requester.phone == spec["phone"], where
            if "thread_of" in spec:
                assert case.pk == cases_by_file[spec["thread_of"]].pk, where
            if "sender" in spec:  # the real sender of a message added to the case
                message = row.case_message
                assert message is not None and message.sender_email == spec["sender"], where
                is_customer = message.author_customer_id is not None
                assert is_customer == spec["sender_is_customer"], where
                assert not Customer.objects.filter(email=spec["sender"]).exists(), where
            if "acknowledged" in spec:
                acks = list(
                    OutboundEmail.objects.filter(
                        case=case, kind=TemplateKind.ACKNOWLEDGEMENT
                    ).values_list("to_address", flat=True)
                )
                if spec["acknowledged"] is False:
                    assert acks == [], where
                else:
                    assert acks == [spec["acknowledged"]], where
            if "language" in spec:
                assert case.requester is not None, where
                assert case.requester.language == spec["language"], where
        if "flags" in spec:
            assert set(spec["flags"]) <= set(row.flags), f"{where}: {row.flags}"
        if "pec_receipt" in spec:
            receipt = PecReceipt.objects.get(inbound=row)
            assert receipt.kind == spec["pec_receipt"], where
            assert receipt.refers_to_message_id == spec["refers"], where
            if spec["refers"] == pec_outbound.message_id:
                assert receipt.outbound_id == pec_outbound.pk, where
                assert receipt.case_id == pec_outbound.case_id, where
    # Nothing left behind, nothing stored twice.
    assert not Inbound.objects.filter(state=InboundState.RECEIVED).exists()
    assert Inbound.objects.count() == len(EXPECTED) - 1  # the duplicate was stored once


def test_delivering_the_whole_corpus_twice_adds_nothing(tenant_a: Tenant, boxes: Boxes) -> None:
    for _round in range(2):
        for name in sorted(EXPECTED):
            ingest(
                mailbox=getattr(boxes, EXPECTED[name]["mailbox"]),
                raw=(CORPUS / name).read_bytes(),
                source="test",
            )
        if _round == 0:
            counts = (Inbound.objects.count(), Case.objects.count(), Message.objects.count())
    assert (Inbound.objects.count(), Case.objects.count(), Message.objects.count()) == counts


def test_a_worker_killed_after_storing_loses_nothing(tenant_a: Tenant, boxes: Boxes) -> None:
    """Stored but never processed (the process died): the recovery pass finishes it, and a
    second delivery of the same message neither duplicates nor skips it."""
    raw = (CORPUS / "01_plain_utf8.eml").read_bytes()
    row, new = accept_email(mailbox=boxes.email, raw=raw, source="imap")
    assert new and row.state == InboundState.RECEIVED
    again, new_again = accept_email(mailbox=boxes.email, raw=raw, source="imap")
    assert again.pk == row.pk and not new_again
    from datetime import timedelta

    assert process_pending(older_than=timedelta(0)) == 1
    row.refresh_from_db()
    assert row.state == InboundState.CASE_OPENED
    assert process_inbound(row.pk) == InboundState.CASE_OPENED  # idempotent
    assert Case.objects.filter(organization=tenant_a.org).count() == 1


def test_an_attachment_over_the_limit_is_kept_aside_and_flagged(
    tenant_a: Tenant, boxes: Boxes, settings: Any
) -> None:
    settings.HELPLINE_MAIL_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
    row, state = ingest(mailbox=boxes.email, raw=big_message(10 * 1024 * 1024 + 1), source="test")
    row.refresh_from_db()
    assert state == InboundState.CASE_OPENED
    assert row.flags["oversized"][0]["filename"] == "video.mp4"
    assert row.flags["oversized"][0]["size"] == 10 * 1024 * 1024 + 1
    assert not Attachment.objects.filter(message__case=case_of(row)).exists()
    assert "video.mp4" in case_of(row).description
    assert len(bytes(Inbound.objects.get(pk=row.pk).raw)) == row.size  # the original is kept
