"""An operator, in a real Chromium, opens a counter case, sees its protocol number, replies
and closes it. With HELPLINE_SCREENSHOTS=<dir> the run also saves the screenshots used in
docs/desk.md (list, new case, case page)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpline.cases.choices import MessageDirection, Status
from helpline.cases.models import Case, Message, Subject, Topic
from helpline.cases.services import add_message, assign_case, change_status, open_case
from helpline.customers.services import create_customer
from helpline.events.models import ContactEvent, EventKind

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that it is safe (it is: the loop is Playwright's).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "pw-Helpline-1"  # set by conftest for every user
SCREENSHOTS = os.environ.get("HELPLINE_SCREENSHOTS", "")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1360, "height": 900}, locale="en-GB", timezone_id="Europe/Rome"
        )
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


def _seed(tenant: Any) -> dict[str, Any]:
    """A small, realistic catalogue and a few cases so the list has something to show."""
    org, actor = tenant.org, tenant.actor
    lighting = Topic.objects.create(organization=org, code="lighting", name="Street lighting")
    pole = Subject.objects.create(
        organization=org, topic=lighting, code="pole", name="Pole out of order"
    )
    registry = Topic.objects.create(organization=org, code="registry", name="Registry office")
    cert = Subject.objects.create(
        organization=org, topic=registry, code="cert", name="Certificates"
    )
    people = [
        create_customer(org=org, actor=actor, name=name, phone=phone, email=email)
        for name, phone, email in [
            ("Mario Rossi", "06 6988 4321", "mario.rossi@example.it"),
            ("Giulia Bianchi", "347 123 4567", "giulia.b@example.it"),
            ("Luca Ferrari", "02 8846 1122", ""),
        ]
    ]
    samples = [
        ("Lamp post flickering in Via Roma", "phone", "fault_report", pole, "high", 0),
        ("Birth certificate for school enrolment", "counter", "information", cert, "normal", 1),
        ("Street light out near the school", "email", "fault_report", pole, "emergency", 2),
        ("When will my certificate be ready?", "web", "status_enquiry", cert, "low", 1),
        ("Complaint about waiting time", "counter", "complaint", None, "normal", 0),
    ]
    for i, (title, channel, kind, subject, urgency, who) in enumerate(samples):
        case = open_case(
            org=org,
            actor=actor,
            channel=channel,
            case_type=kind,
            title=title,
            subject_id=subject.pk if subject else None,
            urgency=urgency,
            requester_id=people[who].pk,
        )
        if i % 2 == 0:
            assign_case(case=case, actor=actor, assignee_id=tenant.operator.pk)
        if i == 3:
            add_message(case=case, actor=actor, direction="outbound", body="In progress.")
            change_status(case=case, actor=actor, status="waiting_third_party")
    return {"mario": people[0], "cert": cert}


def _shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def test_operator_opens_replies_to_and_closes_a_counter_case(live_server, tenant_a, page):
    from playwright.sync_api import expect

    seed = _seed(tenant_a)
    before = set(Case.objects.values_list("pk", flat=True))

    # Sign in.
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.fill("#id_username", tenant_a.operator.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/desk/{tenant_a.org.slug}/cases/$"))
    expect(page.locator("table.cases tbody tr")).to_have_count(5)

    # The htmx filter swaps the table in place.
    page.select_option("#id_urgency", "emergency")
    expect(page.locator("table.cases tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"urgency=emergency"))
    page.select_option("#id_urgency", "")
    expect(page.locator("table.cases tbody tr")).to_have_count(5)
    _shot(page, "case-list")

    # A counter visit: find the requester, describe the request, open the case.
    page.click("text=New counter case")
    expect(page.locator("#id_channel_0")).to_be_checked()
    page.select_option("#id_case_type", "information")
    page.select_option("#id_topic_subject", f"s:{seed['cert'].pk}")
    page.fill("#id_description", "Needs it for the bank, in Italian and English.")
    # First without a title and with a mistyped phone: both fields are named, nothing saved.
    page.click("summary:has-text('New requester')")
    page.fill("#id_new_name", "Mario Rossi")
    page.fill("#id_new_phone", "06 12")
    page.click("button:has-text('Open case')")
    expect(page.locator("p.error[data-field=title]")).to_be_visible()
    expect(page.locator("p.error[data-field=new_phone]")).to_contain_text("06 12")
    assert set(Case.objects.values_list("pk", flat=True)) == before
    _shot(page, "new-case-errors")
    # Then properly: the customer already exists, so find them instead.
    page.fill("#id_new_name", "")
    page.fill("#id_new_phone", "")
    page.fill("#id_title", "Residence certificate")
    page.fill("#id_requester_q", "Rossi")
    page.check(f"input[name=requester_id][value='{seed['mario'].pk}']")
    _shot(page, "new-case")
    page.click("button:has-text('Open case')")

    expect(page).to_have_url(re.compile(rf"/desk/{tenant_a.org.slug}/cases/\d+/$"))
    (case,) = Case.objects.exclude(pk__in=before)
    expect(page.locator("#protocol-number")).to_have_text(case.protocol_number)
    expect(page.locator(".flash")).to_contain_text(f"Case {case.protocol_number} opened")
    expect(page.locator("#case-status")).to_have_text("New")

    # An empty reply is refused (422): htmx swaps the error in next to the field.
    page.click("button:has-text('Send')")
    expect(page.locator("p.error[data-field=body]")).to_be_visible()
    expect(page.locator("#protocol-number")).to_have_text(case.protocol_number)

    # Reply to the customer (htmx posts and swaps the case body).
    page.fill("#id_body", "Your certificate is ready: you can collect it at desk 3.")
    page.click("button:has-text('Send')")
    expect(page.locator(".tl-message.dir-outbound")).to_contain_text("desk 3")
    expect(page.locator("#case-status")).to_have_text("Open")
    _shot(page, "case-detail")

    # Close it: only allowed transitions are offered.
    assert "reopened" not in page.locator("#id_status option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    page.select_option("#id_status", "closed")
    page.click("button:has-text('Change status')")
    expect(page.locator("#case-status")).to_have_text("Closed")
    expect(page.locator(".flash")).to_contain_text("Status changed.")

    # What the database says.
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.closed_at is not None and case.first_response_at is not None
    assert (case.channel, case.case_type) == ("counter", "information")
    assert case.requester_id == seed["mario"].pk
    assert case.subject_id == seed["cert"].pk and case.topic_id == seed["cert"].topic_id
    assert case.created_by_id == tenant_a.operator.pk
    reply = Message.objects.get(case=case)
    assert reply.direction == MessageDirection.OUTBOUND
    assert reply.author_user_id == tenant_a.operator.pk
    kinds = list(
        ContactEvent.objects.filter(case_id=case.pk)
        .order_by("at", "id")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        EventKind.CASE_OPENED,
        EventKind.MESSAGE_SENT,
        EventKind.STATUS_CHANGED,
        EventKind.STATUS_CHANGED,
    ]
