"""Reading SLA data, always scoped by organisation: clocks, the at-risk list, calendars,
policies and the monthly penalty statement."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.lib.errors import NotFound
from helpline.sla import engine
from helpline.sla.models import (
    BadgeState,
    Calendar,
    CaseSla,
    Clock,
    PenaltyKind,
    PenaltyRule,
    Policy,
)
from helpline.tenancy.models import Organization

#: A running deadline closer than this is "at risk" on the supervisor screen.
AT_RISK_WITHIN = timedelta(hours=2)


def clocks_for_case(*, org: Organization, case_id: int) -> list[Clock]:
    return list(
        Clock.objects.filter(organization=org, case_id=case_id).order_by("started_at", "id")
    )


def at_risk(*, org: Organization, now: datetime | None = None, limit: int = 200) -> list[CaseSla]:
    """Open cases breached, warned, or due within ``AT_RISK_WITHIN``, most pressing first:
    breached ones by how long ago their deadline passed, then the rest by time left."""
    now = now or timezone.now()
    rows = (
        CaseSla.objects.filter(organization=org)
        .filter(
            Q(state__in=[BadgeState.BREACHED, BadgeState.WARNING])
            | Q(state=BadgeState.OK, next_due_at__lte=now + AT_RISK_WITHIN)
        )
        .filter(
            case__status__in=["new", "open", "waiting_customer", "waiting_third_party", "reopened"]
        )
        .select_related("case", "case__assignee", "case__queue", "policy")
        .order_by("next_due_at", "case_id")[:limit]
    )
    return list(rows)


def calendars_for(*, org: Organization) -> QuerySet[Calendar]:
    return Calendar.objects.filter(organization=org).prefetch_related("slots", "exceptions")


def get_calendar(*, org: Organization, calendar_id: int) -> Calendar:
    found = calendars_for(org=org).filter(pk=calendar_id).first()
    if found is None:
        raise NotFound(_("No such calendar."))
    return found


def policies_for(*, org: Organization) -> QuerySet[Policy]:
    return (
        Policy.objects.filter(organization=org)
        .select_related("calendar", "topic", "segment")
        .prefetch_related("targets", "escalations")
        .order_by("position", "id")
    )


def get_policy(*, org: Organization, policy_id: int) -> Policy:
    found = policies_for(org=org).filter(pk=policy_id).first()
    if found is None:
        raise NotFound(_("No such policy."))
    return found


@dataclass(frozen=True)
class Opening:
    start: datetime  # naive wall-clock time of the calendar's zone
    end: datetime


def preview(*, calendar: Calendar, start: datetime, days: int = 14) -> list[Opening]:
    """The calendar's open hours for ``days`` dates from ``start``'s date."""
    cal = engine.compiled(calendar)
    return [Opening(a, b) for a, b in cal.openings(start, days)]


def holidays_between(*, calendar: Calendar, first: date, last: date) -> list[tuple[date, str]]:
    """Named public holidays of the calendar's country and region in a date range."""
    if not calendar.holiday_country:
        return []
    import holidays as holidays_lib

    found = holidays_lib.country_holidays(
        calendar.holiday_country,
        subdiv=calendar.holiday_subdivision or None,
        years=range(first.year, last.year + 1),
    )
    return sorted((d, str(n)) for d, n in found.items() if first <= d <= last)


# --- penalty statement ---------------------------------------------------------------------


@dataclass
class StatementLine:
    clock: Clock
    protocol: str
    title: str
    case_id: int
    target: str
    due_at: datetime
    actual_at: datetime | None  # None: still open at the end of the month
    delay_seconds: int
    delay_working_days: int
    amounts: dict[int, Decimal] = field(default_factory=dict)  # rule id -> amount

    @property
    def delay_hours(self) -> Decimal:
        return (Decimal(self.delay_seconds) / 3600).quantize(Decimal("0.1"))

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), Decimal(0))


@dataclass
class RuleTotal:
    rule: PenaltyRule
    gross: Decimal
    net: Decimal  # after the monthly cap

    @property
    def capped(self) -> bool:
        return self.net < self.gross


@dataclass
class Statement:
    org: Organization
    year: int
    month: int
    start: datetime
    end: datetime
    lines: list[StatementLine]
    rules: list[RuleTotal]

    @property
    def totals(self) -> dict[str, Decimal]:
        """Net amounts per currency."""
        out: dict[str, Decimal] = defaultdict(Decimal)
        for r in self.rules:
            out[r.rule.currency] += r.net
        return dict(out)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def month_bounds(org: Organization, year: int, month: int) -> tuple[datetime, datetime]:
    """The month in the tenant's zone, as UTC instants."""
    tz = ZoneInfo(org.time_zone)
    start = datetime(year, month, 1, tzinfo=tz)
    nxt = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(UTC), nxt.astimezone(UTC)


def _rule_applies(rule: PenaltyRule, clock: Clock, case_type: str) -> bool:
    return (
        (not rule.target_kind or rule.target_kind == clock.kind)
        and (not rule.case_type or rule.case_type == case_type)
        and (rule.policy_id is None or rule.policy_id == clock.policy_id)
    )


def _working_days_late(clock: Clock, until: datetime) -> int:
    """Started working days of delay: the dates (of the clock's calendar) with open time
    between the deadline and ``until``."""
    if clock.due_at is None or until <= clock.due_at:
        return 0
    cal = engine.compiled(clock.calendar) if clock.calendar else engine.always_open("UTC")
    tz = cal.tz
    dates: set[date] = set()
    for a, b in cal.openings(clock.due_at, (until - clock.due_at).days + 2):
        lo = max(a.replace(tzinfo=tz).astimezone(UTC), clock.due_at)
        hi = min(b.replace(tzinfo=tz).astimezone(UTC), until)
        if lo < hi:
            d, last = lo.astimezone(tz).date(), (hi - timedelta(seconds=1)).astimezone(tz).date()
            while d <= last:
                dates.add(d)
                d += timedelta(days=1)
    return len(dates)


def penalty_statement(
    *, org: Organization, year: int, month: int, now: datetime | None = None
) -> Statement:
    """Every breach whose deadline passed in the month, the penalties it incurs under each
    active rule, and each rule's total after its monthly cap.

    The delay runs from the deadline to the clock's stop, or to the end of the month (or now)
    for a case still open: next month's statement counts only the breaches of next month.
    """
    now = now or timezone.now()
    start, end = month_bounds(org, year, month)
    clocks = list(
        Clock.objects.filter(organization=org, breached_at__gte=start, breached_at__lt=end)
        .select_related("case", "calendar")
        .prefetch_related("calendar__slots", "calendar__exceptions")
        .order_by("breached_at", "id")
    )
    rules = list(PenaltyRule.objects.filter(organization=org, is_active=True).order_by("name"))
    lines: list[StatementLine] = []
    gross: dict[int, Decimal] = defaultdict(Decimal)
    fixed_charged: set[int] = set()
    for clock in clocks:
        assert clock.due_at is not None
        until = clock.stopped_at or min(end, now)
        delay = max(int((until - clock.due_at).total_seconds()), 0)
        line = StatementLine(
            clock=clock,
            protocol=clock.case.protocol_number,
            title=clock.case.title,
            case_id=clock.case_id,
            target=clock.get_kind_display(),
            due_at=clock.due_at,
            actual_at=clock.stopped_at,
            delay_seconds=delay,
            delay_working_days=0,
        )
        for rule in rules:
            if not _rule_applies(rule, clock, clock.case.case_type):
                continue
            if rule.kind == PenaltyKind.PER_HOUR:
                amount = rule.amount * math.ceil(delay / 3600)
            elif rule.kind == PenaltyKind.PER_WORKING_DAY:
                line.delay_working_days = line.delay_working_days or _working_days_late(
                    clock, until
                )
                amount = rule.amount * line.delay_working_days
            elif rule.kind == PenaltyKind.PER_BREACH:
                amount = rule.amount
            else:  # FIXED: once a month, charged on the first matching breach
                if rule.pk in fixed_charged:
                    continue
                fixed_charged.add(rule.pk)
                amount = rule.amount
            line.amounts[rule.pk] = Decimal(amount)
            gross[rule.pk] += Decimal(amount)
        lines.append(line)
    totals = []
    for rule in rules:
        g = gross.get(rule.pk, Decimal(0))
        net = min(g, rule.monthly_cap) if rule.monthly_cap is not None else g
        totals.append(RuleTotal(rule=rule, gross=g, net=net))
    return Statement(
        org=org, year=year, month=month, start=start, end=end, lines=lines, rules=totals
    )


def penalty_rules_for(*, org: Organization) -> QuerySet[PenaltyRule]:
    return PenaltyRule.objects.filter(organization=org).select_related("policy").order_by("name")
