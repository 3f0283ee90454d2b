"""Penalty statements (issue 14, points 12-14): "per breached case" charges a case once,
issued statements are numbered, stored and never change (later delay is billed as
adjustments in the month it becomes known), and the CSV keeps each figure in its column
with the totals before and after the caps and a grand total."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from helpline.audit.models import AuditEntry
from helpline.cases import services as cases
from helpline.desk.tests.helpers import client_for, make_case
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError
from helpline.sla import selectors, services
from helpline.sla.models import (
    PenaltyKind,
    PenaltyRule,
    PenaltyStatement,
    StatementImmutable,
    TargetKind,
)
from helpline.sla.ticker import tick
from helpline.tenancy.models import Membership
from helpline.tenancy.services import create_api_token

SYSTEM = Actor.system("tests")
#: Monday 5 October 2026, 09:00 in Rome. Resolution (5 working days) is due Monday 12
#: October 17:00 CEST = 15:00 UTC.
OPENED = datetime(2026, 10, 5, 7, tzinfo=UTC)
DUE = datetime(2026, 10, 12, 15, tzinfo=UTC)
OCTOBER_END = datetime(2026, 10, 31, 23, tzinfo=UTC)  # 1 November 00:00 CET
NOVEMBER_END = datetime(2026, 11, 30, 23, tzinfo=UTC)
RESOLVED = datetime(2026, 12, 10, 9, tzinfo=UTC)


def hourly_rule(org, amount: str = "10.00") -> PenaltyRule:
    return PenaltyRule.objects.create(
        organization=org,
        name="Late resolution",
        kind=PenaltyKind.PER_HOUR,
        target_kind=TargetKind.RESOLUTION,
        amount=Decimal(amount),
    )


def late_case(tenant):
    """A case answered in time, whose resolution is breached on 12 October and stays open."""
    case = make_case(tenant, channel="email", title="Broken street light", now=OPENED)
    cases.add_message(
        case=case,
        actor=tenant.actor,
        direction="outbound",
        body="on it",
        now=OPENED + timedelta(hours=1),
    )
    tick(now=DUE + timedelta(minutes=1))
    return case


def hours(a: datetime, b: datetime) -> int:
    return -(-int((b - a).total_seconds()) // 3600)  # started hours


def issue(tenant, year: int, month: int, now: datetime) -> PenaltyStatement:
    actor = Actor.for_user(tenant.supervisor)
    return services.issue_statement(org=tenant.org, year=year, month=month, actor=actor, now=now)


# --- point 12 ------------------------------------------------------------------------------


def test_per_breached_case_charges_a_case_once_whatever_its_breached_targets(tenant_a, policy_a):
    PenaltyRule.objects.create(
        organization=tenant_a.org,
        name="Any breach",
        kind=PenaltyKind.PER_BREACH,
        amount=Decimal("25.00"),
    )
    case = make_case(tenant_a, channel="email", title="Complaint", now=OPENED)
    tick(now=DUE + timedelta(minutes=1))  # first response and resolution both breached
    st = selectors.penalty_statement(
        org=tenant_a.org, year=2026, month=10, now=datetime(2026, 11, 2, tzinfo=UTC)
    )
    assert {line.target_kind for line in st.lines} == {
        TargetKind.FIRST_RESPONSE,
        TargetKind.RESOLUTION,
    }
    assert all(line.case_id == case.pk for line in st.lines)
    assert st.totals == {"EUR": Decimal("25.00")}


# --- point 13 ------------------------------------------------------------------------------


def test_an_issued_statement_never_changes_and_later_delay_is_billed_as_adjustments(
    tenant_a, policy_a
):
    hourly_rule(tenant_a.org)
    case = late_case(tenant_a)
    october = issue(tenant_a, 2026, 10, now=datetime(2026, 11, 2, 8, tzinfo=UTC))
    assert october.number == 1
    billed_october = Decimal(10 * hours(DUE, OCTOBER_END))
    first = selectors.penalty_statement(org=tenant_a.org, year=2026, month=10)
    assert first.is_issued and first.totals == {"EUR": billed_october}

    november = issue(tenant_a, 2026, 11, now=datetime(2026, 12, 1, 8, tzinfo=UTC))
    assert november.number == 2
    nov = selectors.penalty_statement(org=tenant_a.org, year=2026, month=11)
    (adjustment,) = nov.lines
    assert adjustment.adjusts_label == "2026-10" and adjustment.case_id == case.pk
    assert adjustment.actual_at is None  # still open at the end of November
    assert nov.totals == {"EUR": Decimal(10 * 30 * 24)}

    cases.change_status(case=case, actor=tenant_a.actor, status="resolved", now=RESOLVED)
    # October and November read exactly as issued, in December.
    assert selectors.penalty_statement(org=tenant_a.org, year=2026, month=10) == first
    assert selectors.penalty_statement(org=tenant_a.org, year=2026, month=11) == nov
    dec = selectors.penalty_statement(
        org=tenant_a.org, year=2026, month=12, now=datetime(2026, 12, 15, tzinfo=UTC)
    )
    assert not dec.is_issued
    (late,) = dec.lines
    assert late.adjusts_label == "2026-10" and late.actual_at == RESOLVED
    # Every started hour of delay billed exactly once over the three months.
    total = billed_october + nov.totals["EUR"] + dec.totals["EUR"]
    assert total == Decimal(10 * hours(DUE, RESOLVED))

    with pytest.raises(StatementImmutable):
        october.save()
    entry = AuditEntry.objects.get(object_type="sla.penaltystatement", object_id=str(october.pk))
    assert entry.organization_id == tenant_a.org.pk and entry.changes["number"] == [None, 1]


def test_an_unissued_month_bills_its_delay_only_up_to_its_end(tenant_a, policy_a):
    """The draft of October, read in December after the case was resolved, still stops the
    delay at the end of October (the rest belongs to the months after)."""
    hourly_rule(tenant_a.org)
    case = late_case(tenant_a)
    cases.change_status(case=case, actor=tenant_a.actor, status="resolved", now=RESOLVED)
    st = selectors.penalty_statement(
        org=tenant_a.org, year=2026, month=10, now=datetime(2026, 12, 15, tzinfo=UTC)
    )
    assert st.totals == {"EUR": Decimal(10 * hours(DUE, OCTOBER_END))}
    assert st.lines[0].actual_at is None


def test_statements_are_numbered_per_tenant_without_gaps_and_issued_in_order(
    tenant_a, tenant_b, policy_a
):
    hourly_rule(tenant_a.org)
    late_case(tenant_a)
    now = datetime(2027, 1, 5, tzinfo=UTC)
    assert issue(tenant_a, 2026, 9, now).number == 1  # an empty month is a statement too
    assert issue(tenant_a, 2026, 10, now).number == 2
    assert issue(tenant_b, 2026, 10, now).number == 1
    for year, month, why in (
        (2026, 10, "already"),
        (2026, 8, "later month"),
        (2026, 12, "Issue 2026-11 first"),
        (2027, 1, "over"),
    ):
        with pytest.raises(FieldValidationError, match=why):
            issue(tenant_a, year, month, now)
    assert list(
        PenaltyStatement.objects.filter(organization=tenant_a.org).values_list("number", flat=True)
    ) == [1, 2]


def test_supervisors_issue_a_statement_from_the_desk_and_referents_may_not(tenant_a, policy_a):
    hourly_rule(tenant_a.org)
    late_case(tenant_a)
    url = reverse("sla:issue_statement", args=[tenant_a.org.slug]) + "?month=2026-10"
    page = reverse("sla:statement", args=[tenant_a.org.slug])
    referent = client_for(tenant_a.referent)
    assert "Issue statement" not in referent.get(page, {"month": "2026-10"}).content.decode()
    assert referent.post(url).status_code == 403
    supervisor = client_for(tenant_a.supervisor)
    assert "Issue statement" in supervisor.get(page, {"month": "2026-10"}).content.decode()
    response = supervisor.post(url)
    assert response.status_code == 302
    statement = PenaltyStatement.objects.get(organization=tenant_a.org)
    assert (statement.number, statement.year, statement.month) == (1, 2026, 10)
    shown = supervisor.get(page, {"month": "2026-10"}).content.decode()
    assert "Statement no. 1" in shown and "Issue statement" not in shown


def test_the_api_issues_a_statement_for_supervisors_only(tenant_a, api_a, policy_a):
    hourly_rule(tenant_a.org)
    late_case(tenant_a)
    body = json.dumps({"month": "2026-10"})
    url = "/api/v1/sla/statement/issue"
    assert api_a.post(url, body, content_type="application/json").status_code == 403
    m = Membership.objects.get(organization=tenant_a.org, user=tenant_a.supervisor)
    _t, token = create_api_token(actor=SYSTEM, membership=m, name="sup")
    sup = Client(headers={"Authorization": f"Bearer {token}"})
    draft = sup.get("/api/v1/sla/statement", {"month": "2026-10"}).json()
    assert draft["status"] == "draft" and draft["number"] is None
    created = sup.post(url, body, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["status"] == "issued" and created.json()["number"] == 1
    again = sup.post(url, body, content_type="application/json")
    assert again.status_code == 422
    assert "month" in [e["loc"][-1] for e in again.json()["detail"]]
    read = sup.get("/api/v1/sla/statement", {"month": "2026-10"}).json()
    assert read["number"] == 1 and read["totals"] == created.json()["totals"]


# --- point 14 ------------------------------------------------------------------------------


@pytest.fixture
def capped_month(tenant_a, policy_a):
    """Two rules: per started hour of delay (10 EUR, no cap) and per breached case
    (400 EUR, capped at 500 a month) over two late cases."""
    hourly_rule(tenant_a.org)
    PenaltyRule.objects.create(
        organization=tenant_a.org,
        name="Breached case",
        kind=PenaltyKind.PER_BREACH,
        target_kind=TargetKind.RESOLUTION,
        amount=Decimal("400.00"),
        monthly_cap=Decimal("500.00"),
    )
    late_case(tenant_a)
    late_case(tenant_a)


def test_csv_puts_each_rule_total_under_its_own_column_with_before_cap_and_grand_total(
    tenant_a, capped_month
):
    referent = client_for(tenant_a.referent)
    url = reverse("sla:statement_csv", args=[tenant_a.org.slug])
    rows = list(csv.reader(io.StringIO(referent.get(url, {"month": "2026-10"}).content.decode())))
    header = rows[0]
    by_label = {row[0]: row for row in rows[1:] if row}
    hourly = header.index("Late resolution (EUR)")
    per_case = header.index("Breached case (EUR)")
    total = header.index("Total")
    delay = Decimal(10 * hours(DUE, OCTOBER_END))
    before, cap, after = (
        by_label["Total before cap"],
        by_label["Monthly cap"],
        by_label["Total after cap"],
    )
    assert Decimal(before[hourly]) == 2 * delay and Decimal(before[per_case]) == 800
    assert cap[hourly] == "" and Decimal(cap[per_case]) == 500
    assert Decimal(after[hourly]) == 2 * delay and Decimal(after[per_case]) == 500
    assert Decimal(before[total]) == 2 * delay + 800
    assert Decimal(after[total]) == 2 * delay + 500
    assert Decimal(by_label["Grand total (EUR)"][total]) == 2 * delay + 500
    notes = [row[0] for row in rows if row and row[0].startswith("Capped")]
    assert notes == [
        "Capped: the lines of Breached case add up to 800.00 EUR, more than its monthly cap; "
        "500.00 EUR is due."
    ]
    lines = [row for row in rows[1:] if row and row[0].startswith(tenant_a.org.protocol_prefix)]
    assert len(lines) == 2 and all(Decimal(row[per_case]) == 400 for row in lines)


def test_screen_and_pdf_say_when_lines_add_up_to_more_than_the_capped_total(tenant_a, capped_month):
    referent = client_for(tenant_a.referent)
    page = referent.get(
        reverse("sla:statement", args=[tenant_a.org.slug]), {"month": "2026-10"}
    ).content.decode()
    note = "Capped: the lines of Breached case add up to 800.00 EUR"
    assert note in page
    st = selectors.penalty_statement(org=tenant_a.org, year=2026, month=10)
    assert note in render_to_string("sla/statement_pdf.html", {"st": st, "org": tenant_a.org})
