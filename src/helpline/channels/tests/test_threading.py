"""Threading: protocol number in the subject, then In-Reply-To/References; reminders
(solleciti) for new requests about open cases; reopen or link for closed ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpline.cases.choices import CaseType, Status
from helpline.cases.models import Case
from helpline.cases.services import change_status
from helpline.channels.email.adapter import ingest
from helpline.channels.models import ClosedCasePolicy, Mailbox
from helpline.channels.tests.conftest import Boxes, case_of
from helpline.notify.models import OutboundEmail

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant


def mail(
    msgid: str, subject: str, body: str = "Testo.", extra: str = "", sender: str = "anna@example.it"
) -> bytes:
    return (
        f"From: Anna <{sender}>\nTo: urp@comune.example\nSubject: {subject}\n"
        f"Message-ID: <{msgid}>\n{extra}Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).encode()


def first_case(boxes: Boxes) -> Case:
    row, _state = ingest(mailbox=boxes.email, raw=mail("t1@x", "Lampione spento"), source="test")
    row.refresh_from_db()
    assert row.case is not None
    return row.case


def test_a_reply_quoting_the_protocol_number_goes_onto_the_case(
    tenant_a: Tenant, boxes: Boxes
) -> None:
    case = first_case(boxes)
    row, state = ingest(
        mailbox=boxes.email,
        raw=mail("t2@x", f"Re: [{case.protocol_number}] Lampione spento"),
        source="test",
    )
    row.refresh_from_db()
    assert state == "added" and row.case_id == case.pk
    assert Case.objects.count() == 1


def test_a_reply_to_our_acknowledgement_threads_by_in_reply_to(
    tenant_a: Tenant, boxes: Boxes
) -> None:
    case = first_case(boxes)
    ack = OutboundEmail.objects.get(case=case)
    assert ack.in_reply_to == "<t1@x>"
    assert case.protocol_number in ack.subject
    row, state = ingest(
        mailbox=boxes.email,
        raw=mail("t3@x", "la mia risposta", extra=f"In-Reply-To: {ack.message_id}\n"),
        source="test",
    )
    row.refresh_from_db()
    assert state == "added" and row.case_id == case.pk


def test_a_new_request_about_an_open_case_is_a_reminder_linked_to_it(
    tenant_a: Tenant, boxes: Boxes
) -> None:
    case = first_case(boxes)
    row, state = ingest(
        mailbox=boxes.email,
        raw=mail("t4@x", f"Sollecito pratica {case.protocol_number}", body="Nessuno è venuto."),
        source="test",
    )
    row.refresh_from_db()
    assert state == "case_opened"
    reminder = case_of(row)
    assert reminder.case_type == CaseType.REMINDER
    assert reminder.related_case_id == case.pk
    assert reminder.protocol_number != case.protocol_number


def test_mail_about_a_closed_case_reopens_it_by_default(tenant_a: Tenant, boxes: Boxes) -> None:
    case = first_case(boxes)
    change_status(case=case, actor=tenant_a.actor, status=Status.CLOSED)
    _row, state = ingest(
        mailbox=boxes.email,
        raw=mail("t5@x", f"Re: [{case.protocol_number}] ancora guasto"),
        source="test",
    )
    case.refresh_from_db()
    assert state == "added" and case.status == Status.REOPENED


def test_mail_about_a_closed_case_opens_a_linked_case_when_the_policy_says_so(
    tenant_a: Tenant, boxes: Boxes
) -> None:
    Mailbox.objects.filter(pk=boxes.email.pk).update(closed_case_policy=ClosedCasePolicy.LINK)
    boxes.email.refresh_from_db()
    case = first_case(boxes)
    change_status(case=case, actor=tenant_a.actor, status=Status.CLOSED)
    row, state = ingest(
        mailbox=boxes.email,
        raw=mail("t6@x", f"Re: [{case.protocol_number}] ancora guasto"),
        source="test",
    )
    row.refresh_from_db()
    case.refresh_from_db()
    assert state == "case_opened"
    assert case.status == Status.CLOSED
    assert case_of(row).related_case_id == case.pk


def test_another_tenants_protocol_number_does_not_thread(
    tenant_a: Tenant, tenant_b: Tenant, boxes: Boxes
) -> None:
    from helpline.cases.services import open_case

    foreign = open_case(
        org=tenant_b.org, actor=tenant_b.actor, channel="phone", case_type="information", title="B"
    )
    row, state = ingest(
        mailbox=boxes.email, raw=mail("t7@x", f"Re: [{foreign.protocol_number}] x"), source="test"
    )
    row.refresh_from_db()
    assert state == "case_opened"
    assert case_of(row).organization_id == tenant_a.org.pk
    assert case_of(row).related_case_id is None


def test_the_per_sender_rate_limit_ignores_a_flood(
    tenant_a: Tenant, boxes: Boxes, settings: object
) -> None:
    settings.HELPLINE_MAIL_RATE_LIMIT_PER_HOUR = 3  # type: ignore[attr-defined]
    states = [
        ingest(mailbox=boxes.email, raw=mail(f"f{i}@x", f"Richiesta {i}"), source="test")[1]
        for i in range(5)
    ]
    assert states == ["case_opened"] * 3 + ["ignored"] * 2
