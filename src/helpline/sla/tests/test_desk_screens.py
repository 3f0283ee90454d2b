"""The SLA screens: badges on the case list and page, sorting by due time, the supervisor's
at-risk list, calendar previews, the penalty statement (page, CSV, PDF), the on-site
action, and tenant isolation of every one of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helpline.cases import services as cases
from helpline.desk.tests.helpers import client_for, make_case
from helpline.sla.models import (
    Clock,
    ClockState,
    PenaltyKind,
    PenaltyRule,
    PolicyTarget,
    TargetKind,
    TargetUnit,
)
from helpline.sla.ticker import tick


def test_case_list_shows_badges_with_time_left(desk_a, tenant_a, policy_a):
    make_case(tenant_a, title="Lamp out")
    page = desk_a.get(reverse("desk:case_list", args=[tenant_a.org.slug])).content.decode()
    assert "badge sla sla-" in page
    assert " left<" in page or "late by" in page


def test_case_list_badges_add_no_query_per_row(desk_a, tenant_a, policy_a):
    url = reverse("desk:case_list", args=[tenant_a.org.slug])
    make_case(tenant_a)
    with CaptureQueriesContext(connection) as few:
        desk_a.get(url, {"sort": "due"})
    for i in range(12):
        make_case(tenant_a, title=f"c{i}")
    with CaptureQueriesContext(connection) as many:
        desk_a.get(url, {"sort": "due"})
    assert len(many.captured_queries) == len(few.captured_queries)


def test_sorting_by_due_puts_the_nearest_deadline_first(desk_a, tenant_a, policy_a):
    base = timezone.now()
    late = make_case(tenant_a, title="due later", now=base)
    soon = make_case(tenant_a, title="due sooner", now=base - timedelta(days=3))
    none = make_case(tenant_a, title="closed", now=base)
    cases.change_status(case=none, actor=tenant_a.actor, status="closed")
    page = desk_a.get(
        reverse("desk:case_list", args=[tenant_a.org.slug]), {"sort": "due", "status": "all"}
    ).content.decode()
    assert page.index(soon.protocol_number) < page.index(late.protocol_number)
    assert page.index(late.protocol_number) < page.index(none.protocol_number)


def test_case_page_shows_the_clocks(desk_a, tenant_a, policy_a):
    case = make_case(tenant_a)
    page = desk_a.get(reverse("desk:case_detail", args=[tenant_a.org.slug, case.pk]))
    text = page.content.decode()
    assert "sla-panel" in text and "First response" in text and "Resolution" in text


def test_supervisor_sees_breached_cases_and_operators_may_not(tenant_a, policy_a):
    case = make_case(tenant_a, now=timezone.now() - timedelta(days=30))
    tick()
    url = reverse("sla:at_risk", args=[tenant_a.org.slug])
    page = client_for(tenant_a.supervisor).get(url)
    assert page.status_code == 200
    assert case.protocol_number in page.content.decode()
    assert client_for(tenant_a.operator).get(url).status_code == 403


def test_calendar_preview_lists_opening_hours_and_holidays(tenant_a, policy_a):
    url = reverse("sla:calendar_preview", args=[tenant_a.org.slug, policy_a.calendar_id])
    page = client_for(tenant_a.referent).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "08:00–12:00, 14:00–17:00" in text


@pytest.fixture
def breached_month(tenant_a, policy_a):
    """A case opened Mon 2 March 2026 09:00 Rome, first answer 3 business hours later
    (one hour late) and resolved two working days late."""
    PenaltyRule.objects.create(
        organization=tenant_a.org,
        name="Late answer",
        kind=PenaltyKind.PER_HOUR,
        target_kind=TargetKind.FIRST_RESPONSE,
        amount=Decimal("10.00"),
    )
    PenaltyRule.objects.create(
        organization=tenant_a.org,
        name="Late resolution",
        kind=PenaltyKind.PER_WORKING_DAY,
        target_kind=TargetKind.RESOLUTION,
        amount=Decimal("100.00"),
        monthly_cap=Decimal("150"),
    )
    PenaltyRule.objects.create(
        organization=tenant_a.org,
        name="Any breach",
        kind=PenaltyKind.PER_BREACH,
        amount=Decimal("5.00"),
    )
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    case = make_case(tenant_a, channel="email", title="Pothole", now=start)
    cases.add_message(
        case=case,
        actor=tenant_a.actor,
        direction="outbound",
        body="on it",
        now=start + timedelta(hours=3),
    )
    # Resolution due Mon 9 March 17:00 Rome; resolved Wed 11 March 10:00: 2 started days.
    cases.change_status(
        case=case, actor=tenant_a.actor, status="resolved", now=datetime(2026, 3, 11, 9, tzinfo=UTC)
    )
    return case


def test_penalty_statement_lists_every_breach_with_amounts_and_caps(tenant_a, breached_month):
    from helpline.sla.selectors import penalty_statement

    st = penalty_statement(org=tenant_a.org, year=2026, month=3)
    by_target = {line.target_kind: line for line in st.lines}
    assert set(by_target) == {TargetKind.FIRST_RESPONSE, TargetKind.RESOLUTION}
    assert by_target[TargetKind.FIRST_RESPONSE].delay_seconds == 3600
    # "Per breached case": the case is charged once, on its first breach.
    assert by_target[TargetKind.FIRST_RESPONSE].total == Decimal("15.00")  # 1 h + the case
    assert by_target[TargetKind.RESOLUTION].delay_working_days == 2
    assert by_target[TargetKind.RESOLUTION].total == Decimal("200.00")  # 2 days
    totals = {r.name: (r.gross, r.net) for r in st.rules}
    assert totals["Late resolution"] == (Decimal("200.00"), Decimal("150"))
    assert st.totals == {"EUR": Decimal("10.00") + Decimal("150") + Decimal("5.00")}
    assert penalty_statement(org=tenant_a.org, year=2026, month=4).lines == []


def test_referent_reads_the_statement_as_page_csv_and_pdf(tenant_a, breached_month):
    referent = client_for(tenant_a.referent)
    args = [tenant_a.org.slug]
    page = referent.get(reverse("sla:statement", args=args), {"month": "2026-03"})
    assert page.status_code == 200 and breached_month.protocol_number in page.content.decode()
    csv = referent.get(reverse("sla:statement_csv", args=args), {"month": "2026-03"})
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().count(breached_month.protocol_number) == 2
    pdf = referent.get(reverse("sla:statement_pdf", args=args), {"month": "2026-03"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_on_site_button_stops_the_on_site_clock(desk_a, tenant_a, policy_a):
    PolicyTarget.objects.create(
        policy=policy_a,
        kind=TargetKind.ON_SITE,
        amount=2,
        unit=TargetUnit.HOURS,
        business_time=False,
    )
    case = make_case(tenant_a, urgency="emergency")
    response = desk_a.post(reverse("sla:on_site", args=[tenant_a.org.slug, case.pk]))
    assert response.status_code == 302
    assert Clock.objects.get(case=case, kind=TargetKind.ON_SITE).state == ClockState.STOPPED


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("sla:at_risk", {}),
        ("sla:calendars", {}),
        ("sla:statement", {}),
        ("sla:statement_csv", {}),
    ],
)
def test_another_tenants_sla_screens_are_404(tenant_a, tenant_b, name, kwargs):
    # tenant A's supervisor asks for tenant B's pages: B's slug is unknown to them.
    c = client_for(tenant_a.supervisor)
    assert c.get(reverse(name, args=[tenant_b.org.slug])).status_code == 404


def test_another_tenants_calendar_and_case_are_404(tenant_a, tenant_b, policy_b):
    case_b = make_case(tenant_b)
    c = client_for(tenant_a.supervisor)
    url = reverse("sla:calendar_preview", args=[tenant_a.org.slug, policy_b.calendar_id])
    assert c.get(url).status_code == 404
    url = reverse("sla:on_site", args=[tenant_a.org.slug, case_b.pk])
    assert c.post(url).status_code == 404
