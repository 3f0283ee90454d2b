"""Status transitions, assignment, escalation and messages, with their audit and events."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpline.audit.models import AuditEntry
from helpline.cases.choices import TRANSITIONS, Status
from helpline.cases.models import Attachment, Case, Message
from helpline.cases.services import (
    UploadedFile,
    add_message,
    add_task,
    assign_case,
    change_status,
    change_urgency,
    complete_task,
    open_case,
)
from helpline.events.models import ContactEvent
from helpline.lib.errors import FieldValidationError, IllegalTransition


@pytest.fixture
def case(tenant_a):
    return open_case(
        org=tenant_a.org,
        actor=tenant_a.actor,
        channel="counter",
        case_type="intervention_request",
        title="Street light out",
        topic_id=tenant_a.topic.pk,
        subject_id=tenant_a.subject.pk,
    )


def kinds(case):
    return list(
        ContactEvent.objects.filter(case_id=case.pk).order_by("id").values_list("kind", flat=True)
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [(o, n) for o in Status.values for n in Status.values if n not in TRANSITIONS[o]],
)
def test_every_transition_outside_the_table_is_refused(tenant_a, case, old, new):
    Case.objects.filter(pk=case.pk).update(status=old)
    with pytest.raises(IllegalTransition):
        change_status(case=case, actor=tenant_a.actor, status=new)
    assert Case.objects.get(pk=case.pk).status == old


def test_close_and_reopen_record_times_audit_and_events(tenant_a, case):
    closed = change_status(case=case, actor=tenant_a.actor, status=Status.CLOSED)
    assert closed.closed_at is not None and closed.resolved_at is not None
    reopened = change_status(case=closed, actor=tenant_a.actor, status=Status.REOPENED)
    assert reopened.closed_at is None
    changes = [
        a.changes
        for a in AuditEntry.objects.filter(
            object_type="cases.case", object_id=str(case.pk), action="update"
        )
    ]
    assert changes == [{"status": ["new", "closed"]}, {"status": ["closed", "reopened"]}]
    assert kinds(case) == ["case_opened", "status_changed", "status_changed"]


def test_first_reply_opens_a_new_case_and_records_first_response(tenant_a, case):
    add_message(case=case, actor=tenant_a.actor, direction="outbound", body="We are on it")
    case.refresh_from_db()
    assert case.status == Status.OPEN and case.first_response_at is not None
    assert kinds(case) == ["case_opened", "message_sent", "status_changed"]


def test_customer_answer_puts_a_waiting_case_back_to_open(tenant_a, case):
    change_status(case=case, actor=tenant_a.actor, status=Status.WAITING_CUSTOMER)
    add_message(case=case, actor=tenant_a.actor, direction="inbound", body="Here is the photo")
    case.refresh_from_db()
    assert case.status == Status.OPEN


def test_internal_note_does_not_count_as_a_response(tenant_a, case):
    add_message(case=case, actor=tenant_a.actor, direction="note", body="Called the contractor")
    case.refresh_from_db()
    assert case.status == Status.NEW and case.first_response_at is None


def test_moving_to_l2_is_an_escalation(tenant_a, case):
    assign_case(case=case, actor=tenant_a.actor, assignee_id=tenant_a.supervisor.pk, level="l2")
    assert kinds(case) == ["case_opened", "assigned", "escalated"]


def test_assignee_must_be_an_operator_of_the_same_tenant(tenant_a, tenant_b, case):
    with pytest.raises(FieldValidationError) as exc:
        assign_case(case=case, actor=tenant_a.actor, assignee_id=tenant_b.operator.pk)
    assert "assignee" in exc.value.errors
    with pytest.raises(FieldValidationError):
        assign_case(case=case, actor=tenant_a.actor, assignee_id=tenant_a.referent.pk)


def test_urgency_change_is_audited_with_before_and_after(tenant_a, case):
    change_urgency(case=case, actor=tenant_a.actor, urgency="emergency", severity="critical")
    entry = AuditEntry.objects.filter(object_id=str(case.pk), action="update").get()
    assert entry.changes == {"urgency": ["normal", "emergency"], "severity": ["minor", "critical"]}
    assert entry.actor_user_id == tenant_a.operator.pk


def test_attachments_are_stored_with_their_checksum(tenant_a, case):
    msg = add_message(
        case=case,
        actor=tenant_a.actor,
        direction="inbound",
        body="photo",
        attachments=[UploadedFile("pole.jpg", "image/jpeg", b"\xff\xd8jpeg")],
    )
    att = Attachment.objects.get(message=msg)
    assert att.size == 6 and len(att.sha256) == 64
    assert att.file.read() == b"\xff\xd8jpeg"


def test_oversize_attachment_is_refused_and_nothing_is_written(tenant_a, case, settings):
    settings.HELPLINE_MAX_ATTACHMENT_BYTES = 10
    with pytest.raises(FieldValidationError) as exc:
        add_message(
            case=case,
            actor=tenant_a.actor,
            direction="inbound",
            body="big",
            attachments=[UploadedFile("big.pdf", "application/pdf", b"x" * 11)],
        )
    assert "attachments" in exc.value.errors
    assert not Message.objects.filter(case=case).exists()


def test_reminder_must_name_the_case_it_chases(tenant_a, case):
    with pytest.raises(FieldValidationError) as exc:
        open_case(
            org=tenant_a.org,
            actor=tenant_a.actor,
            channel="phone",
            case_type="reminder",
            title="Any news?",
        )
    assert "related_case" in exc.value.errors
    reminder = open_case(
        org=tenant_a.org,
        actor=tenant_a.actor,
        channel="phone",
        case_type="reminder",
        title="Any news?",
        related_case_id=case.pk,
    )
    assert reminder.related_case == case


def test_references_to_another_tenant_are_unknown(tenant_a, tenant_b):
    for field, value in [("topic_id", tenant_b.topic.pk), ("subject_id", tenant_b.subject.pk)]:
        with pytest.raises(FieldValidationError) as exc:
            open_case(
                org=tenant_a.org,
                actor=tenant_a.actor,
                channel="phone",
                case_type="information",
                title="x",
                **{field: value},
            )
        assert field.removesuffix("_id") in exc.value.errors
    assert not Case.objects.exists()


def test_subject_must_belong_to_the_topic(tenant_a):
    from helpline.cases.models import Topic

    other = Topic.objects.create(organization=tenant_a.org, code="other", name="Other")
    with pytest.raises(FieldValidationError) as exc:
        open_case(
            org=tenant_a.org,
            actor=tenant_a.actor,
            channel="phone",
            case_type="information",
            title="x",
            topic_id=other.pk,
            subject_id=tenant_a.subject.pk,
        )
    assert "subject" in exc.value.errors


def test_tasks_are_recorded_until_closure(tenant_a, case):
    task = add_task(case=case, actor=tenant_a.actor, title="Send technician")
    assert task.done_at is None
    complete_task(task=task, actor=tenant_a.actor)
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by_id == tenant_a.operator.pk


def test_opening_a_case_takes_a_bounded_number_of_queries(tenant_a):
    open_case(
        org=tenant_a.org,
        actor=tenant_a.actor,
        channel="phone",
        case_type="information",
        title="first of the year creates the counter",
    )
    with CaptureQueriesContext(connection) as ctx:
        open_case(
            org=tenant_a.org,
            actor=tenant_a.actor,
            channel="phone",
            case_type="information",
            title="x",
            topic_id=tenant_a.topic.pk,
        )
    statements = [
        q["sql"]
        for q in ctx.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
    ]
    # topic lookup, counter increment, case insert, audit insert, event insert, and the SLA
    # policy lookup (a tenant without SLA policies costs nothing more)
    assert len(statements) == 6, statements


def test_a_refused_case_leaves_no_orphan_customer(tenant_a):
    from helpline.cases.services import NewRequester, open_case_with_new_requester
    from helpline.customers.models import Customer

    with pytest.raises(FieldValidationError) as exc:
        open_case_with_new_requester(
            org=tenant_a.org,
            actor=tenant_a.actor,
            requester=NewRequester(name="Ada Neri"),
            channel="counter",
            case_type="information",
            title="",
        )
    assert "title" in exc.value.errors
    assert not Customer.objects.exists()
    case = open_case_with_new_requester(
        org=tenant_a.org,
        actor=tenant_a.actor,
        requester=NewRequester(name="Ada Neri"),
        channel="counter",
        case_type="information",
        title="Opening hours",
    )
    assert case.requester is not None and case.requester.name == "Ada Neri"
