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
    PenaltyStatement,
    PenaltyStatementLine,
    Policy,
    TargetKind,
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
    protocol: str
    title: str
    case_id: int
    clock_id: int | None
    target_kind: str
    due_at: datetime
    actual_at: datetime | None  # None: still open at the end of the month
    delay_seconds: int
    delay_working_days: int
    amounts: dict[int, Decimal] = field(default_factory=dict)  # rule id -> amount
    #: (year, month) of the statement that billed the breach, for an adjustment line.
    adjusts: tuple[int, int] | None = None

    @property
    def target(self) -> str:
        return str(TargetKind(self.target_kind).label)

    @property
    def delay_hours(self) -> Decimal:
        return (Decimal(self.delay_seconds) / 3600).quantize(Decimal("0.1"))

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), Decimal(0))

    @property
    def adjusts_label(self) -> str:
        return f"{self.adjusts[0]:04d}-{self.adjusts[1]:02d}" if self.adjusts else ""


@dataclass
class RuleTotal:
    rule_id: int
    name: str
    kind: str
    currency: str
    monthly_cap: Decimal | None
    gross: Decimal  # what the lines add up to
    net: Decimal  # after the monthly cap

    @property
    def capped(self) -> bool:
        return self.net < self.gross

    @property
    def kind_label(self) -> str:
        return str(PenaltyKind(self.kind).label)


@dataclass
class Statement:
    org: Organization
    year: int
    month: int
    start: datetime
    end: datetime
    lines: list[StatementLine]
    rules: list[RuleTotal]
    #: Set once issued (then lines and totals are the stored ones, never recomputed).
    number: int | None = None
    issued_at: datetime | None = None
    issued_by: str = ""

    @property
    def is_issued(self) -> bool:
        return self.number is not None

    @property
    def totals(self) -> dict[str, Decimal]:
        """Net amounts per currency (the grand total to pay)."""
        out: dict[str, Decimal] = defaultdict(Decimal)
        for r in self.rules:
            out[r.currency] += r.net
        return dict(out)

    @property
    def gross_totals(self) -> dict[str, Decimal]:
        """What the lines add up to per currency, before the monthly caps."""
        out: dict[str, Decimal] = defaultdict(Decimal)
        for r in self.rules:
            out[r.currency] += r.gross
        return dict(out)

    @property
    def capped_rules(self) -> list[RuleTotal]:
        return [r for r in self.rules if r.capped]

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
    """Started working days of delay: the working days (of the clock's calendar) with open
    time between the deadline and ``until``."""
    if clock.due_at is None or until <= clock.due_at:
        return 0
    cal = engine.compiled(clock.calendar) if clock.calendar else engine.always_open("UTC")
    return cal.working_days_open_between(clock.due_at, until)


def _before(year: int, month: int) -> Q:
    """Issued statements of months before this one."""
    return Q(statement__year__lt=year) | Q(statement__year=year, statement__month__lt=month)


def issued_statement(*, org: Organization, year: int, month: int) -> Statement | None:
    """The month's statement as it was issued, or None if it has not been."""
    row = (
        PenaltyStatement.objects.filter(organization=org, year=year, month=month)
        .prefetch_related("lines")
        .first()
    )
    if row is None:
        return None
    lines = [
        StatementLine(
            protocol=line.protocol,
            title=line.title,
            case_id=line.case_id,
            clock_id=line.clock_id,
            target_kind=line.target_kind,
            due_at=line.due_at,
            actual_at=line.actual_at,
            delay_seconds=line.delay_seconds,
            delay_working_days=line.delay_working_days,
            amounts={int(k): Decimal(v) for k, v in line.amounts.items()},
            adjusts=(
                (line.adjusts_year, line.adjusts_month)
                if line.adjusts_year is not None and line.adjusts_month is not None
                else None
            ),
        )
        for line in row.lines.all()
    ]
    rules = [
        RuleTotal(
            rule_id=r["rule_id"],
            name=r["name"],
            kind=r["kind"],
            currency=r["currency"],
            monthly_cap=Decimal(r["monthly_cap"]) if r["monthly_cap"] is not None else None,
            gross=Decimal(r["gross"]),
            net=Decimal(r["net"]),
        )
        for r in row.rules
    ]
    return Statement(
        org=org,
        year=year,
        month=month,
        start=row.period_start,
        end=row.period_end,
        lines=lines,
        rules=rules,
        number=row.number,
        issued_at=row.issued_at,
        issued_by=row.issued_by_label,
    )


def penalty_statement(
    *, org: Organization, year: int, month: int, now: datetime | None = None
) -> Statement:
    """The month's statement: as issued if it has been, else the draft computed now."""
    found = issued_statement(org=org, year=year, month=month)
    if found is not None:
        return found
    return draft_statement(org=org, year=year, month=month, now=now)


def draft_statement(
    *, org: Organization, year: int, month: int, now: datetime | None = None
) -> Statement:
    """The month's statement computed live: every breach whose deadline passed in the month,
    the penalties it incurs under each active rule, adjustment lines for breaches billed in
    earlier issued statements, and each rule's total before and after its monthly cap.

    A delay counts up to the clock's stop or the month's end (or now), whichever is first:
    what a case still open at the end of a billed month adds later is billed, as an
    adjustment line naming that month, in the month it becomes known (and a breach that is
    no longer one is credited back there). "Per breached case" charges a case once per rule,
    whatever the number of its breached targets and months.
    """
    now = now or timezone.now()
    start, end = month_bounds(org, year, month)
    cutoff = min(end, now)
    # Breaches billed earlier and still open when billed: their delay may have grown since.
    reopened = set(
        PenaltyStatementLine.objects.filter(
            _before(year, month),
            statement__organization=org,
            clock__isnull=False,
            actual_at__isnull=True,
        ).values_list("clock_id", flat=True)
    )
    billed: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    billed_delay: dict[int, int] = defaultdict(int)
    billed_days: dict[int, int] = defaultdict(int)
    origin: dict[int, tuple[int, int]] = {}
    last_open: dict[int, bool] = {}
    for row in (
        PenaltyStatementLine.objects.filter(
            _before(year, month), statement__organization=org, clock_id__in=reopened
        )
        .order_by("statement__number", "position")
        .values(
            "clock_id",
            "amounts",
            "delay_seconds",
            "delay_working_days",
            "actual_at",
            "adjusts_year",
            "adjusts_month",
            "statement__year",
            "statement__month",
        )
    ):
        cid = row["clock_id"]
        for k, v in row["amounts"].items():
            billed[cid][int(k)] += Decimal(v)
        billed_delay[cid] += row["delay_seconds"]
        billed_days[cid] += row["delay_working_days"]
        ay, am = row["adjusts_year"], row["adjusts_month"]
        origin.setdefault(
            cid,
            (ay, am)
            if ay is not None and am is not None
            else (row["statement__year"], row["statement__month"]),
        )
        last_open[cid] = row["actual_at"] is None
    pending = {cid for cid, is_open in last_open.items() if is_open}
    clocks = list(
        Clock.objects.filter(organization=org)
        .filter(Q(breached_at__gte=start, breached_at__lt=end) | Q(pk__in=pending))
        .select_related("case", "calendar")
        .prefetch_related("calendar__slots", "calendar__exceptions")
        .order_by("breached_at", "id")
    )
    regular = [c for c in clocks if c.pk not in pending and c.breached_at is not None]
    adjusted = sorted((c for c in clocks if c.pk in pending), key=lambda c: (origin[c.pk], c.pk))
    rules = list(PenaltyRule.objects.filter(organization=org, is_active=True).order_by("name"))
    per_case = {r.pk for r in rules if r.kind == PenaltyKind.PER_BREACH}
    charged: set[tuple[int, int]] = set()  # (rule, case) already charged "per breached case"
    if per_case:
        for case_id, amounts in PenaltyStatementLine.objects.filter(
            _before(year, month),
            statement__organization=org,
            case_id__in={c.case_id for c in regular},
        ).values_list("case_id", "amounts"):
            charged |= {(int(k), case_id) for k in amounts if int(k) in per_case}
    lines: list[StatementLine] = []
    gross: dict[int, Decimal] = defaultdict(Decimal)
    fixed_charged: set[int] = set()

    def line_for(clock: Clock, delay: int, days: int, stopped: datetime | None) -> StatementLine:
        assert clock.due_at is not None
        return StatementLine(
            protocol=clock.case.protocol_number,
            title=clock.case.title,
            case_id=clock.case_id,
            clock_id=clock.pk,
            target_kind=clock.kind,
            due_at=clock.due_at,
            actual_at=stopped,
            delay_seconds=delay,
            delay_working_days=days,
        )

    def until_of(clock: Clock) -> tuple[datetime, datetime | None]:
        if clock.stopped_at is not None and clock.stopped_at <= cutoff:
            return clock.stopped_at, clock.stopped_at
        return cutoff, None

    for clock in regular:
        assert clock.due_at is not None
        until, stopped = until_of(clock)
        delay = max(int((until - clock.due_at).total_seconds()), 0)
        needs_days = any(
            r.kind == PenaltyKind.PER_WORKING_DAY and _rule_applies(r, clock, clock.case.case_type)
            for r in rules
        )
        line = line_for(
            clock, delay, _working_days_late(clock, until) if needs_days else 0, stopped
        )
        for rule in rules:
            if not _rule_applies(rule, clock, clock.case.case_type):
                continue
            if rule.kind == PenaltyKind.PER_HOUR:
                amount = rule.amount * math.ceil(delay / 3600)
            elif rule.kind == PenaltyKind.PER_WORKING_DAY:
                amount = rule.amount * line.delay_working_days
            elif rule.kind == PenaltyKind.PER_BREACH:
                if (rule.pk, clock.case_id) in charged:
                    continue
                charged.add((rule.pk, clock.case_id))
                amount = rule.amount
            else:  # FIXED: once a month, charged on the first matching breach
                if rule.pk in fixed_charged:
                    continue
                fixed_charged.add(rule.pk)
                amount = rule.amount
            line.amounts[rule.pk] = Decimal(amount)
            gross[rule.pk] += Decimal(amount)
        lines.append(line)

    for clock in adjusted:
        was = billed[clock.pk]
        if clock.breached_at is None or clock.due_at is None:
            # No longer a breach (its deadline moved): credit what was billed.
            delay, days, stopped = 0, 0, clock.stopped_at
            amounts = {rid: -amount for rid, amount in was.items() if amount}
        else:
            until, stopped = until_of(clock)
            delay = max(int((until - clock.due_at).total_seconds()), 0)
            days = _working_days_late(clock, until)
            amounts = {}
            for rule in rules:
                if not _rule_applies(rule, clock, clock.case.case_type):
                    continue
                if rule.kind == PenaltyKind.PER_HOUR:
                    extra = math.ceil(delay / 3600) - math.ceil(billed_delay[clock.pk] / 3600)
                    amounts[rule.pk] = rule.amount * extra
                elif rule.kind == PenaltyKind.PER_WORKING_DAY:
                    amounts[rule.pk] = rule.amount * (days - billed_days[clock.pk])
        amounts = {rid: Decimal(a) for rid, a in amounts.items() if a}
        delay_added = delay - billed_delay[clock.pk]
        days_added = days - billed_days[clock.pk]
        if not amounts and stopped is None:
            continue  # nothing to bill yet, still open: looked at again next month
        line = line_for(clock, delay_added, days_added, stopped)
        line.adjusts = origin[clock.pk]
        line.amounts = amounts
        for rid, amount in amounts.items():
            gross[rid] += amount
        lines.append(line)

    totals = []
    for rule in rules:
        g = gross.get(rule.pk, Decimal(0))
        net = min(g, rule.monthly_cap) if rule.monthly_cap is not None else g
        totals.append(
            RuleTotal(
                rule_id=rule.pk,
                name=rule.name,
                kind=rule.kind,
                currency=rule.currency,
                monthly_cap=rule.monthly_cap,
                gross=g,
                net=net,
            )
        )
    return Statement(
        org=org, year=year, month=month, start=start, end=end, lines=lines, rules=totals
    )


def penalty_rules_for(*, org: Organization) -> QuerySet[PenaltyRule]:
    return PenaltyRule.objects.filter(organization=org).select_related("policy").order_by("name")
