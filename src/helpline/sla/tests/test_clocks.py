"""Clocks follow the case: opening, answers, pausing statuses, reclassification, closing,
the ticker's warnings, breaches and escalations, and recomputation after a calendar edit."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.core import mail

from helpline.cases import services as cases
from helpline.cases.models import Case
from helpline.events.models import ContactEvent, EventKind
from helpline.lib.actors import Actor
from helpline.sla.models import (
    BadgeState,
    Calendar,
    CalendarException,
    CaseSla,
    Clock,
    ClockState,
    EscalationAction,
    EscalationRule,
    OpeningSlot,
    Policy,
    PolicyTarget,
    TargetKind,
    TargetUnit,
    Trigger,
)
from helpline.sla.services import bump_calendar
from helpline.sla.ticker import tick

SYSTEM = Actor.system("tests")
#: Monday 2 March 2026, 09:00 in Rome (08:00 UTC).
MON_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def rome_calendar(org) -> Calendar:
    cal = Calendar.objects.create(
        organization=org,
        name="Office",
        time_zone="Europe/Rome",
        holiday_country="IT",
        is_default=True,
    )
    for wd in range(5):
        OpeningSlot.objects.create(calendar=cal, weekday=wd, start=time(8), end=time(12))
        OpeningSlot.objects.create(calendar=cal, weekday=wd, start=time(14), end=time(17))
    return cal


def policy(org, cal=None, **conditions) -> Policy:
    p = Policy.objects.create(organization=org, name="p", calendar=cal, **conditions)
    PolicyTarget.objects.create(
        policy=p, kind=TargetKind.FIRST_RESPONSE, amount=2, unit=TargetUnit.HOURS
    )
    PolicyTarget.objects.create(
        policy=p, kind=TargetKind.RESOLUTION, amount=5, unit=TargetUnit.WORKING_DAYS
    )
    return p


def open_case(tenant, at=MON_9, **kw) -> Case:
    fields = {"channel": "email", "case_type": "information", "title": "t", **kw}
    return cases.open_case(org=tenant.org, actor=tenant.actor, now=at, **fields)


def clock(case: Case, kind: str) -> Clock:
    return Clock.objects.get(case=case, kind=kind)


def test_a_case_without_policy_has_no_clocks(tenant_a):
    case = open_case(tenant_a)
    assert not Clock.objects.filter(case=case).exists()
    assert not CaseSla.objects.filter(case=case).exists()


def test_opening_starts_first_response_and_resolution_in_business_time(tenant_a):
    policy(tenant_a.org, rome_calendar(tenant_a.org))
    case = open_case(tenant_a, at=MON_9 + timedelta(hours=3))  # 12:00 Rome: lunch break
    fr = clock(case, TargetKind.FIRST_RESPONSE)
    # Two business hours from 12:00: 14:00-16:00 Rome = 15:00 UTC.
    assert fr.due_at == datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    res = clock(case, TargetKind.RESOLUTION)
    assert res.due_at == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)  # Mon 9th, 17:00 Rome
    badge = CaseSla.objects.get(case=case)
    assert (badge.state, badge.next_kind, badge.next_due_at) == (
        BadgeState.OK,
        TargetKind.FIRST_RESPONSE,
        fr.due_at,
    )


def test_first_policy_in_order_wins(tenant_a):
    cal = rome_calendar(tenant_a.org)
    general = policy(tenant_a.org, cal)
    urgent = policy(tenant_a.org, cal, urgency="emergency")
    urgent.position, general.position = 1, 2
    urgent.save()
    general.save()
    PolicyTarget.objects.filter(policy=urgent, kind=TargetKind.FIRST_RESPONSE).update(
        amount=30, unit=TargetUnit.MINUTES, business_time=False
    )
    case = open_case(tenant_a, urgency="emergency", at=datetime(2026, 3, 7, 22, tzinfo=UTC))
    assert clock(case, TargetKind.FIRST_RESPONSE).due_at == datetime(2026, 3, 7, 22, 30, tzinfo=UTC)
    assert clock(case, TargetKind.FIRST_RESPONSE).policy_id == urgent.pk


def test_an_answer_stops_the_first_response_clock_and_a_customer_reply_starts_next(tenant_a):
    p = policy(tenant_a.org, rome_calendar(tenant_a.org))
    PolicyTarget.objects.create(
        policy=p, kind=TargetKind.NEXT_RESPONSE, amount=4, unit=TargetUnit.HOURS
    )
    case = open_case(tenant_a)
    cases.add_message(
        case=case,
        actor=tenant_a.actor,
        direction="outbound",
        body="hi",
        now=MON_9 + timedelta(hours=1),
    )
    fr = clock(case, TargetKind.FIRST_RESPONSE)
    assert fr.state == ClockState.STOPPED and fr.breached_at is None
    assert fr.elapsed_seconds == 3600
    case.refresh_from_db()
    cases.add_message(
        case=case,
        actor=tenant_a.actor,
        direction="inbound",
        body="thanks, but",
        now=MON_9 + timedelta(hours=2),
    )
    nr = clock(case, TargetKind.NEXT_RESPONSE)
    assert nr.state == ClockState.RUNNING
    assert nr.due_at == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 11-12 Rome, then 14-17


def test_waiting_on_customer_pauses_the_resolution_clock(tenant_a):
    policy(tenant_a.org, rome_calendar(tenant_a.org))
    case = open_case(tenant_a)
    due_before = clock(case, TargetKind.RESOLUTION).due_at
    cases.change_status(
        case=case, actor=tenant_a.actor, status="waiting_customer", now=MON_9 + timedelta(hours=1)
    )
    res = clock(case, TargetKind.RESOLUTION)
    assert res.state == ClockState.PAUSED and res.due_at is None
    assert res.elapsed_seconds == 3600
    # The first response is still due, so the badge shows that deadline.
    badge = CaseSla.objects.get(case=case)
    assert (badge.state, badge.next_kind) == (BadgeState.OK, TargetKind.FIRST_RESPONSE)
    # Resumed a week later at the same time (Mon 9th, 10:00 Rome): the business hours of
    # the pause are not counted, so the deadline moves by exactly a week.
    cases.change_status(
        case=case, actor=tenant_a.actor, status="open", now=MON_9 + timedelta(days=7, hours=1)
    )
    res = clock(case, TargetKind.RESOLUTION)
    assert res.state == ClockState.RUNNING
    assert res.due_at == due_before + timedelta(days=7)  # no holidays in between


def test_resolving_late_records_the_breach_and_closing_stops_everything(tenant_a):
    policy(tenant_a.org, rome_calendar(tenant_a.org))
    case = open_case(tenant_a)
    cases.change_status(
        case=case, actor=tenant_a.actor, status="resolved", now=MON_9 + timedelta(days=10)
    )
    for c in Clock.objects.filter(case=case):
        assert c.state == ClockState.STOPPED
        assert c.breached_at == c.due_at
    assert CaseSla.objects.get(case=case).state == BadgeState.BREACHED


def test_raising_the_urgency_rematches_and_recomputes(tenant_a):
    cal = rome_calendar(tenant_a.org)
    normal = policy(tenant_a.org, cal)
    urgent = Policy.objects.create(
        organization=tenant_a.org, name="urgent", urgency="high", position=1, calendar=cal
    )
    PolicyTarget.objects.create(
        policy=urgent, kind=TargetKind.RESOLUTION, amount=4, unit=TargetUnit.HOURS
    )
    case = open_case(tenant_a)
    assert clock(case, TargetKind.RESOLUTION).policy_id == normal.pk
    cases.change_urgency(
        case=case, actor=tenant_a.actor, urgency="high", now=MON_9 + timedelta(minutes=5)
    )
    res = clock(case, TargetKind.RESOLUTION)
    assert res.policy_id == urgent.pk
    assert res.due_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 + 3h + 1h after lunch
    # The urgent policy has no first-response target: that clock is gone.
    assert not Clock.objects.filter(case=case, kind=TargetKind.FIRST_RESPONSE).exists()


def test_changing_the_type_rematches_the_policy(tenant_a):
    cal = rome_calendar(tenant_a.org)
    policy(tenant_a.org, cal)
    complaints = Policy.objects.create(
        organization=tenant_a.org,
        name="complaints",
        case_type="complaint",
        position=1,
        calendar=cal,
    )
    PolicyTarget.objects.create(
        policy=complaints, kind=TargetKind.RESOLUTION, amount=30, unit=TargetUnit.CALENDAR_DAYS
    )
    case = open_case(tenant_a)
    cases.change_case_type(case=case, actor=tenant_a.actor, case_type="complaint", now=MON_9)
    # Same wall-clock time 30 dates later: an hour earlier in UTC after the DST change.
    assert clock(case, TargetKind.RESOLUTION).due_at == datetime(2026, 4, 1, 7, 0, tzinfo=UTC)


def test_ticker_warns_then_breaches_and_escalates(tenant_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tenant_a.supervisor.email = "boss@example.org"
    tenant_a.supervisor.save()
    p = policy(tenant_a.org, rome_calendar(tenant_a.org))
    EscalationRule.objects.create(
        policy=p, trigger=Trigger.WARNING, action=EscalationAction.NOTIFY_SUPERVISOR
    )
    EscalationRule.objects.create(
        policy=p,
        trigger=Trigger.BREACH,
        target_kind=TargetKind.FIRST_RESPONSE,
        action=EscalationAction.RAISE_URGENCY,
    )
    EscalationRule.objects.create(
        policy=p, trigger=Trigger.BREACH, action=EscalationAction.MOVE_TO_LEVEL, level="l2"
    )
    case = open_case(tenant_a)
    fr = clock(case, TargetKind.FIRST_RESPONSE)
    assert fr.warn_at == MON_9 + timedelta(minutes=96)  # 80% of 2 h
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        result = tick(now=fr.warn_at)
    assert (result.warnings, result.breaches) == (1, 0)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["boss@example.org"]
    assert CaseSla.objects.get(case=case).state == BadgeState.WARNING
    assert tick(now=fr.warn_at).warnings == 0  # once only
    result = tick(now=fr.due_at + timedelta(seconds=1))
    assert result.breaches == 1
    case.refresh_from_db()
    assert case.urgency == "high" and case.level == "l2"
    kinds = list(
        ContactEvent.objects.filter(case_id=case.pk, kind__startswith="sla_").values_list(
            "kind", flat=True
        )
    )
    assert kinds.count(EventKind.SLA_WARNING) == 1
    assert kinds.count(EventKind.SLA_BREACHED) == 1
    assert kinds.count(EventKind.SLA_ESCALATED) == 3  # mail, urgency, level
    assert clock(case, TargetKind.FIRST_RESPONSE).breached_at == fr.due_at


def test_a_holiday_added_to_the_calendar_moves_open_deadlines(tenant_a):
    cal = rome_calendar(tenant_a.org)
    policy(tenant_a.org, cal)
    case = open_case(tenant_a)
    before = clock(case, TargetKind.RESOLUTION).due_at
    CalendarException.objects.create(
        calendar=cal,
        kind="closure",
        starts_on=datetime(2026, 3, 4).date(),
        ends_on=datetime(2026, 3, 4).date(),
    )
    assert bump_calendar(calendar=cal, actor=SYSTEM) == 2
    assert clock(case, TargetKind.RESOLUTION).due_at == before + timedelta(days=1)
    assert (
        CaseSla.objects.get(case=case).next_due_at == clock(case, TargetKind.FIRST_RESPONSE).due_at
    )


def test_a_calendar_without_open_time_never_refuses_a_case(tenant_a, caplog):
    """A configuration mistake is logged; the case still opens, its clock has no deadline."""
    cal = Calendar.objects.create(organization=tenant_a.org, name="never", time_zone="UTC")
    policy(tenant_a.org, cal)
    case = open_case(tenant_a)
    res = clock(case, TargetKind.RESOLUTION)
    assert res.due_at is None and res.state == ClockState.RUNNING
    assert "no open time" in caplog.text


def test_opening_a_case_with_a_policy_costs_a_fixed_number_of_queries(tenant_a):
    """Policies, calendars and their slots are read once per case, clocks are inserted in
    one statement and the badge row in another, however many clocks and cases there are."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    policy(tenant_a.org, rome_calendar(tenant_a.org))
    open_case(tenant_a)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            open_case(tenant_a)
        counts.append(len([q for q in ctx.captured_queries if "sla_" in q["sql"]]))
    assert counts[0] == counts[1] <= 7, counts


def test_a_target_added_by_reclassification_starts_when_it_starts_to_apply(tenant_a):
    """Issue 14, point 11: a case made an emergency an hour after opening gets its on-site
    clock from that moment (2 hours to go), not from the opening (breached at once)."""
    cal = rome_calendar(tenant_a.org)
    policy(tenant_a.org, cal)
    emergency = Policy.objects.create(
        organization=tenant_a.org, name="emergency", urgency="emergency", position=1
    )
    PolicyTarget.objects.create(
        policy=emergency,
        kind=TargetKind.ON_SITE,
        amount=2,
        unit=TargetUnit.HOURS,
        business_time=False,
    )
    case = open_case(tenant_a)
    later = MON_9 + timedelta(hours=1)
    cases.change_urgency(case=case, actor=tenant_a.actor, urgency="emergency", now=later)
    on_site = clock(case, TargetKind.ON_SITE)
    assert on_site.started_at == later
    assert on_site.due_at == later + timedelta(hours=2)
    assert on_site.breached_at is None
    tick(now=later + timedelta(minutes=1))
    on_site.refresh_from_db()
    assert on_site.breached_at is None
