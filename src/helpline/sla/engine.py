"""From configuration rows to answers: compiled calendars (cached per thread by id and
version), policy matching, and a clock's due and warning instants from its start, its pauses
and its target. No writes here; ``services`` stores what this computes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import holidays as holidays_lib

from helpline.sla.businesstime import (
    BusinessCalendar,
    Slot,
    from_utc_seconds,
    utc_seconds,
)
from helpline.sla.models import Calendar, ExceptionKind, Policy, TargetUnit

_local = threading.local()


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def holiday_source(country: str, subdivision: str) -> Callable[[int], list[date]] | None:
    """The ``holidays`` package's closed dates for a country (and state/region) per year."""
    if not country:
        return None

    def source(year: int) -> list[date]:
        return list(holidays_lib.country_holidays(country, subdiv=subdivision or None, years=year))

    return source


def build_calendar(calendar: Calendar) -> BusinessCalendar:
    """Compile a calendar row (reads its slots and exceptions)."""
    slots = []
    for s in calendar.slots.all():
        start, end = _minutes(s.start), _minutes(s.end)
        slots.append(Slot(s.weekday, start, end))
    closures: list[tuple[datetime, datetime]] = []
    openings: list[tuple[datetime, datetime]] = []
    for ex in calendar.exceptions.all():
        a = datetime.combine(ex.starts_on, ex.start_time or time(0))
        b = (
            datetime.combine(ex.ends_on, ex.end_time)
            if ex.end_time is not None
            else datetime.combine(ex.ends_on + timedelta(days=1), time(0))
        )
        (openings if ex.kind == ExceptionKind.OPENING else closures).append((a, b))
    return BusinessCalendar(
        tz=calendar.time_zone,
        slots=slots,
        holidays=holiday_source(calendar.holiday_country, calendar.holiday_subdivision),
        closures=closures,
        openings=openings,
    )


def always_open(tz: str) -> BusinessCalendar:
    """The calendar of a tenant without any: open all the time in its zone."""
    cache = _cache()
    key = ("always", tz)
    if key not in cache:
        cache[key] = BusinessCalendar(tz=tz, slots=[Slot(d, 0, 0) for d in range(7)])
    return cache[key]


def _cache() -> dict[Any, BusinessCalendar]:
    cache = getattr(_local, "calendars", None)
    if cache is None:
        cache = _local.calendars = {}
    return cache


def compiled(calendar: Calendar) -> BusinessCalendar:
    """The compiled calendar for this row's content. The key is the content itself (zone,
    holidays, slots, exceptions; read with the row, usually prefetched), so an edit made by
    any process, through any path, is never answered from a stale compilation."""
    cache = _cache()
    key = (
        calendar.time_zone,
        calendar.holiday_country,
        calendar.holiday_subdivision,
        tuple((s.weekday, s.start, s.end) for s in calendar.slots.all()),
        tuple(
            (e.kind, e.starts_on, e.start_time, e.ends_on, e.end_time)
            for e in calendar.exceptions.all()
        ),
    )
    found = cache.get(key)
    if found is None:
        if len(cache) > 256:
            cache.clear()
        found = cache[key] = build_calendar(calendar)
    return found


def calendar_for(
    *, case: Any, policy: Policy | None, calendars: Sequence[Calendar]
) -> Calendar | None:
    """The policy's calendar, else the case's queue's, else its channel's, else the
    tenant's default (``calendars``: the tenant's calendars)."""
    if policy is not None and policy.calendar_id is not None:
        for c in calendars:
            if c.pk == policy.calendar_id:
                return c
    for test in (
        lambda c: case.queue_id is not None and c.queue_id == case.queue_id,
        lambda c: c.channel and c.channel == case.channel,
        lambda c: c.is_default,
    ):
        for c in calendars:
            if test(c):
                return c
    return None


def policy_matches(policy: Policy, case: Any) -> bool:
    segment_id = getattr(getattr(case, "requester", None), "segment_id", None)
    return (
        (not policy.channel or policy.channel == case.channel)
        and (not policy.case_type or policy.case_type == case.case_type)
        and (not policy.urgency or policy.urgency == case.urgency)
        and (not policy.severity or policy.severity == case.severity)
        and (policy.topic_id is None or policy.topic_id == case.topic_id)
        and (policy.segment_id is None or policy.segment_id == segment_id)
    )


def match_policy(policies: Sequence[Policy], case: Any) -> Policy | None:
    """The first active policy, in order, whose every condition the case meets."""
    for p in policies:
        if p.is_active and policy_matches(p, case):
            return p
    return None


@dataclass(frozen=True)
class Target:
    amount: int
    unit: str
    business_time: bool
    warning_percent: int

    @property
    def business(self) -> bool:
        """Whether the clock counts open time only. Working days are open time by nature,
        calendar days never are."""
        if self.unit == TargetUnit.WORKING_DAYS:
            return True
        if self.unit == TargetUnit.CALENDAR_DAYS:
            return False
        return self.business_time


@dataclass(frozen=True)
class Deadlines:
    budget: int
    due: int | None  # UTC seconds; None while paused
    warn: int | None
    remaining: int  # seconds of the metric left (at the pause, or at due: 0)


def budget_seconds(cal: BusinessCalendar, target: Target, start: int) -> int:
    """The target as seconds of its metric (business or calendar time) counted from start."""
    if target.unit == TargetUnit.MINUTES:
        return target.amount * 60
    if target.unit == TargetUnit.HOURS:
        return target.amount * 3600
    if target.unit == TargetUnit.WORKING_DAYS:
        return cal.between_seconds(start, cal.add_working_days_seconds(start, target.amount))
    return cal.add_calendar_days_seconds(start, target.amount) - start


def _fold(
    cal: BusinessCalendar,
    business: bool,
    start: int,
    pauses: Sequence[Sequence[int | None]],
    budget: int,
) -> tuple[int | None, int]:
    """Where ``budget`` runs out counting from ``start`` and skipping ``pauses``: (due or
    None if paused before it, the budget left at that pause)."""
    add: Callable[[int, int], int] = cal.add_seconds if business else (lambda u, b: u + b)
    measure: Callable[[int, int], int] = (
        cal.between_seconds if business else (lambda a, b: max(b - a, 0))
    )
    due = add(start, budget)
    for p, r in pauses:
        assert p is not None
        if p >= due:
            break  # paused after the deadline: it stays where it was
        left = measure(p, due)
        if r is None:
            return None, left
        due = add(r, left)
    return due, 0


def deadlines(
    cal: BusinessCalendar,
    target: Target,
    start: datetime,
    pauses: Sequence[Sequence[int | None]],
) -> Deadlines:
    return deadlines_at(cal, target, utc_seconds(start), pauses)


def deadlines_at(
    cal: BusinessCalendar,
    target: Target,
    s: int,
    pauses: Sequence[Sequence[int | None]],
) -> Deadlines:
    """``deadlines`` with the start in UTC seconds (the bulk recomputation's form)."""
    business = target.business
    due: int | None
    if not pauses and target.unit == TargetUnit.WORKING_DAYS:
        # The common case: the n-th working day's close is the deadline itself.
        due = cal.add_working_days_seconds(s, target.amount)
        budget, remaining = cal.between_seconds(s, due), 0
    else:
        budget = budget_seconds(cal, target, s)
        due, remaining = _fold(cal, business, s, pauses, budget)
    warn_budget = budget * target.warning_percent // 100
    warn = None
    if 0 < target.warning_percent < 100:
        warn, _left = _fold(cal, business, s, pauses, warn_budget)
    return Deadlines(budget=budget, due=due, warn=warn, remaining=remaining)


def elapsed(
    cal: BusinessCalendar,
    business: bool,
    start: datetime,
    pauses: Sequence[Sequence[int | None]],
    until: datetime,
) -> int:
    """Seconds of the metric used between start and ``until``, pauses excluded."""
    s, u = utc_seconds(start), utc_seconds(until)
    measure: Callable[[int, int], int] = (
        cal.between_seconds if business else (lambda a, b: max(b - a, 0))
    )
    total = measure(s, u)
    for p, r in pauses:
        assert p is not None
        end = u if r is None else min(r, u)
        if p < end:
            total -= measure(p, end)
    return max(total, 0)


def dt(seconds: int | None) -> datetime | None:
    return None if seconds is None else from_utc_seconds(seconds)
