"""Working a case from its page: reply, note, status, urgency, assignment, tasks; an illegal
transition is shown as an error (409 for htmx) and changes nothing."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from helpline.audit.models import AuditEntry
from helpline.cases.models import CaseTask, Message
from helpline.desk.tests.helpers import HTMX, make_case


def _url(name, tenant, case, *extra):
    return reverse(f"desk:{name}", args=[tenant.org.slug, case.pk, *extra])


def test_the_page_shows_header_timeline_and_only_allowed_transitions(desk_a, tenant_a):
    case = make_case(tenant_a, topic_id=tenant_a.topic.pk, urgency="high")
    html = desk_a.get(_url("case_detail", tenant_a, case)).content.decode()
    assert case.protocol_number in html
    assert "Case opened" in html  # contact event
    assert "Audit" in html  # audit entry with its values
    select = html.split('name="status"', 1)[1].split("</select>", 1)[0]
    assert 'value="open"' in select and 'value="closed"' in select
    assert 'value="reopened"' not in select and 'value="new"' not in select


def test_reply_opens_a_new_case_and_appears_in_the_timeline(desk_a, tenant_a):
    case = make_case(tenant_a)
    response = desk_a.post(
        _url("case_message", tenant_a, case),
        {"direction": "outbound", "body": "Open 9 to 12."},
        follow=True,
    )
    assert "Reply sent." in response.content.decode()
    assert "Open 9 to 12." in response.content.decode()
    case.refresh_from_db()
    assert case.status == "open"
    assert case.first_response_at is not None


def test_internal_note_with_attachment_over_htmx(desk_a, tenant_a):
    case = make_case(tenant_a)
    upload = SimpleUploadedFile("notes.txt", b"called twice", content_type="text/plain")
    response = desk_a.post(
        _url("case_message", tenant_a, case),
        {"direction": "note", "body": "Customer was upset.", "attachments": [upload]},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="case-body">')
    assert "notes.txt" in html
    message = Message.objects.get(case=case)
    assert (message.direction, message.attachments.count()) == ("note", 1)
    case.refresh_from_db()
    assert case.status == "new"  # a note is not a response


def test_an_empty_message_names_the_field(desk_a, tenant_a):
    case = make_case(tenant_a)
    response = desk_a.post(
        _url("case_message", tenant_a, case), {"direction": "outbound", "body": "  "}, headers=HTMX
    )
    assert response.status_code == 422
    assert 'data-field="body"' in response.content.decode()
    assert not Message.objects.exists()


def test_illegal_transition_shows_the_error_with_409(desk_a, tenant_a):
    case = make_case(tenant_a)
    response = desk_a.post(
        _url("case_status", tenant_a, case), {"status": "reopened"}, headers=HTMX
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "cannot go from" in html
    assert 'data-field="status"' in html
    case.refresh_from_db()
    assert case.status == "new"
    # Without htmx the whole page comes back with the same message and status.
    response = desk_a.post(_url("case_status", tenant_a, case), {"status": "reopened"})
    assert response.status_code == 409
    assert "cannot go from" in response.content.decode()
    assert "<html" in response.content.decode()


def test_status_change_is_audited_with_before_and_after(desk_a, tenant_a):
    case = make_case(tenant_a)
    response = desk_a.post(_url("case_status", tenant_a, case), {"status": "closed"}, follow=True)
    case.refresh_from_db()
    assert case.status == "closed"
    entry = AuditEntry.objects.filter(object_id=str(case.pk), action="update").get()
    assert entry.changes == {"status": ["new", "closed"]}
    html = response.content.decode()
    assert 'class="before">New<' in html and 'class="after">Closed<' in html


def test_urgency_and_severity(desk_a, tenant_a):
    case = make_case(tenant_a)
    desk_a.post(
        _url("case_urgency", tenant_a, case), {"urgency": "emergency", "severity": "critical"}
    )
    case.refresh_from_db()
    assert (case.urgency, case.severity) == ("emergency", "critical")
    response = desk_a.post(
        _url("case_urgency", tenant_a, case), {"urgency": "whenever"}, headers=HTMX
    )
    assert response.status_code == 422


def test_assignment_level_and_assign_to_me(desk_a, tenant_a, tenant_b):
    case = make_case(tenant_a)
    desk_a.post(
        _url("case_assign", tenant_a, case), {"assignee": tenant_a.supervisor.pk, "level": "l2"}
    )
    case.refresh_from_db()
    assert (case.assignee_id, case.level) == (tenant_a.supervisor.pk, "l2")
    desk_a.post(
        _url("case_assign", tenant_a, case),
        {"assignee": tenant_a.supervisor.pk, "level": "l2", "assign_to_me": "1"},
    )
    case.refresh_from_db()
    assert case.assignee_id == tenant_a.operator.pk
    # Another tenant's operator is not a valid assignee, and the referent is not either.
    for who in (tenant_b.operator.pk, tenant_a.referent.pk, "abc"):
        response = desk_a.post(_url("case_assign", tenant_a, case), {"assignee": who}, headers=HTMX)
        assert response.status_code == 422
    case.refresh_from_db()
    assert case.assignee_id == tenant_a.operator.pk


def test_tasks_are_added_and_completed(desk_a, tenant_a):
    case = make_case(tenant_a)
    desk_a.post(_url("case_task_add", tenant_a, case), {"title": "Call the registry"})
    task = CaseTask.objects.get(case=case)
    assert task.done_at is None
    response = desk_a.post(_url("case_task_done", tenant_a, case, task.pk), headers=HTMX)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by_id == tenant_a.operator.pk
    response = desk_a.post(_url("case_task_add", tenant_a, case), {"title": ""}, headers=HTMX)
    assert response.status_code == 422
    assert 'data-field="title"' in response.content.decode()
