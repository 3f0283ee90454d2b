"""All SLA writes: the clocks following a case (called by ``cases.services`` inside its
transaction), recomputation after a configuration change, and configuration itself.

The case hooks are ``on_case_opened``, ``on_status_changed``, ``on_case_reclassified``,
``on_message`` and ``record_on_site``. Each reads the case's clocks once, changes them in
memory, writes the changed ones back and refreshes the case's badge row (``CaseSla``).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.audit import services as audit
from helpline.cases.choices import Status
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError
from helpline.sla import engine
from helpline.sla.businesstime import BusinessCalendar, NoOpenTime, utc_seconds
from helpline.sla.models import (
    BadgeState,
    Calendar,
    CaseSla,
    Clock,
    ClockState,
    Policy,
    PolicyTarget,
    TargetKind,
)

#: Clocks started when a case opens (next response starts on a customer's message).
_OPENING_KINDS = (TargetKind.FIRST_RESPONSE, TargetKind.RESOLUTION, TargetKind.ON_SITE)
_CLOSING_STATUSES = (Status.RESOLVED, Status.CLOSED)
log = logging.getLogger(__name__)


# --- context -------------------------------------------------------------------------------


class _Context:
    """The tenant's policies and calendars, read once per hook (two or three queries)."""

    def __init__(self, org_id: int, tz: str) -> None:
        self.org_id = org_id
        self.tz = tz
        self.policies = list(
            Policy.objects.filter(organization_id=org_id, is_active=True)
            .prefetch_related("targets")
            .order_by("position", "id")
        )
        self._calendars: list[Calendar] | None = None

    def calendars(self) -> list[Calendar]:
        if self._calendars is None:
            self._calendars = list(
                Calendar.objects.filter(organization_id=self.org_id).prefetch_related(
                    "slots", "exceptions"
                )
            )
        return self._calendars

    def calendar(
        self, case: Any, policy: Policy | None
    ) -> tuple[Calendar | None, BusinessCalendar]:
        if not self.policies:
            return None, engine.always_open(self.tz)
        row = engine.calendar_for(case=case, policy=policy, calendars=self.calendars())
        if row is None:
            return None, engine.always_open(self.tz)
        return row, engine.compiled(row)


class _Shared:
    """What the hooks share within ``shared_context``: each tenant's policies and
    calendars, and the clocks of cases read ahead for a batch (``prefetch_clocks``)."""

    def __init__(self) -> None:
        self.contexts: dict[int, _Context] = {}
        self.clocks: dict[int, list[Clock]] = {}


_shared: contextvars.ContextVar[_Shared | None] = contextvars.ContextVar(
    "helpline_sla_shared_context", default=None
)


@contextlib.contextmanager
def shared_context() -> Iterator[None]:
    """Within this block the hooks read each tenant's policies and calendars once and share
    them (the intake's batch of mail, one transaction: the policies of its first message
    serve the whole batch). Clocks are read per case, unless ``prefetch_clocks`` read them
    ahead."""
    token = _shared.set(_Shared())
    try:
        yield
    finally:
        _shared.reset(token)


def prefetch_clocks(case_ids: Iterable[int]) -> None:
    """Read the clocks of these cases in one query, for the next hook on each of them in
    this ``shared_context`` (the intake's batch: the cases its mail threads into). Each is
    used once: a second hook on the same case reads its clocks again, so that nothing a
    rolled-back hook changed in memory is seen."""
    shared = _shared.get()
    ids = sorted(set(case_ids))
    if shared is None or not ids:
        return
    for pk in ids:
        shared.clocks[pk] = []
    for clock in Clock.objects.filter(case_id__in=ids).order_by("started_at", "id"):
        shared.clocks[clock.case_id].append(clock)


def _clocks_of(case: Any) -> list[Clock]:
    shared = _shared.get()
    if shared is not None and case.pk in shared.clocks:
        return shared.clocks.pop(case.pk)
    return list(Clock.objects.filter(case_id=case.pk).order_by("started_at", "id"))


def _context_for(case: Any) -> _Context:
    shared = _shared.get()
    if shared is None:
        return _Context(case.organization_id, _tz(case))
    ctx = shared.contexts.get(case.organization_id)
    if ctx is None:
        ctx = shared.contexts[case.organization_id] = _Context(case.organization_id, _tz(case))
    return ctx


def _tz(case: Any) -> str:
    org = case.organization if "organization" in case._state.fields_cache else None
    if org is not None:
        return str(org.time_zone)
    from helpline.tenancy.models import Organization

    return str(
        Organization.objects.filter(pk=case.organization_id).values_list("time_zone", flat=True)[0]
    )


def _target(t: PolicyTarget | Clock) -> engine.Target:
    return engine.Target(t.amount, t.unit, t.business_time, t.warning_percent)


def _schedule(clock: Clock, cal: BusinessCalendar) -> None:
    """Recompute the clock's budget, due and warning instants from its start and pauses."""
    try:
        d = engine.deadlines(cal, _target(clock), clock.started_at, clock.pauses)
    except NoOpenTime:
        # A configuration mistake must not refuse or lose the case: the clock runs without a
        # deadline (no badge time, no breach) and the mistake is logged for the supervisor.
        log.error("SLA clock %s of case %s: calendar has no open time", clock.kind, clock.case_id)
        clock.due_at = clock.warn_at = None
        return
    clock.budget_seconds = d.budget
    if clock.state == ClockState.STOPPED:
        return
    clock.due_at = engine.dt(d.due)
    clock.warn_at = engine.dt(d.warn)
    if d.due is None:  # paused: what is left is what was used up to the pause
        clock.elapsed_seconds = d.budget - d.remaining


def _new_clock(
    *,
    case: Any,
    kind: str,
    target: PolicyTarget,
    cal_row: Calendar | None,
    cal: BusinessCalendar,
    start: datetime,
) -> Clock:
    clock = Clock(
        organization_id=case.organization_id,
        case_id=case.pk,
        kind=kind,
        policy_id=target.policy_id,
        calendar=cal_row,
        amount=target.amount,
        unit=target.unit,
        business_time=target.business_time,
        warning_percent=target.warning_percent,
        started_at=start,
        pauses=[],
    )
    _schedule(clock, cal)
    return clock


def _business(clock: Clock) -> bool:
    return _target(clock).business


def _stop(clock: Clock, cal: BusinessCalendar, now: datetime) -> None:
    """Stop a clock: its time used is final and it is breached if it ran past its due."""
    if clock.state == ClockState.PAUSED and clock.pauses and clock.pauses[-1][1] is None:
        clock.pauses[-1][1] = utc_seconds(now)
    clock.elapsed_seconds = engine.elapsed(
        cal, _business(clock), clock.started_at, clock.pauses, now
    )
    if clock.due_at is not None and now > clock.due_at and clock.breached_at is None:
        clock.breached_at = clock.due_at
    clock.state = ClockState.STOPPED
    clock.stopped_at = now


def _pause(clock: Clock, cal: BusinessCalendar, now: datetime) -> None:
    if clock.state != ClockState.RUNNING:
        return
    clock.pauses = [*clock.pauses, [utc_seconds(now), None]]
    clock.state = ClockState.PAUSED
    _schedule(clock, cal)


def _resume(clock: Clock, cal: BusinessCalendar, now: datetime) -> None:
    if clock.state != ClockState.PAUSED:
        return
    pauses = [list(p) for p in clock.pauses]
    pauses[-1][1] = utc_seconds(now)
    clock.pauses = pauses
    clock.state = ClockState.RUNNING
    _schedule(clock, cal)


class _Session:
    """The clocks of one case, loaded once, saved once."""

    def __init__(self, case: Any, ctx: _Context | None = None, *, new_case: bool = False) -> None:
        self.case = case
        self.ctx = ctx or _context_for(case)
        self.clocks: list[Clock] = [] if new_case else _clocks_of(case)
        self.dirty: set[int] = set()
        self.new: list[Clock] = []
        self.policy = engine.match_policy(self.ctx.policies, case)
        self.cal_row, self.cal = self.ctx.calendar(case, self.policy)

    def active(self, *kinds: str) -> list[Clock]:
        return [c for c in self.clocks if c.kind in kinds and c.state != ClockState.STOPPED]

    def touch(self, clock: Clock) -> None:
        if clock.pk is None:
            if clock not in self.new:
                self.new.append(clock)
        else:
            self.dirty.add(clock.pk)

    def target(self, kind: str) -> PolicyTarget | None:
        if self.policy is None:
            return None
        for t in self.policy.targets.all():
            if t.kind == kind:
                return t
        return None

    def start(self, kind: str, at: datetime) -> Clock | None:
        target = self.target(kind)
        if target is None:
            return None
        clock = _new_clock(
            case=self.case, kind=kind, target=target, cal_row=self.cal_row, cal=self.cal, start=at
        )
        self.clocks.append(clock)
        self.new.append(clock)
        return clock

    def save(self, *, new_case: bool = False) -> None:
        if self.new:
            Clock.objects.bulk_create(self.new)
        fields = [
            "policy",
            "calendar",
            "amount",
            "unit",
            "business_time",
            "warning_percent",
            "state",
            "pauses",
            "stopped_at",
            "budget_seconds",
            "due_at",
            "warn_at",
            "warned_at",
            "breached_at",
            "elapsed_seconds",
        ]
        changed = [c for c in self.clocks if c.pk in self.dirty]
        if changed:
            Clock.objects.bulk_update(changed, fields)
        refresh_badge(
            case_id=self.case.pk,
            org_id=self.case.organization_id,
            clocks=self.clocks,
            policy_id=self.policy.pk if self.policy else None,
            new_case=new_case,
        )


def refresh_badge(
    *,
    case_id: int,
    org_id: int,
    clocks: Sequence[Clock],
    policy_id: int | None,
    new_case: bool = False,
) -> None:
    """Write the case's badge row: the earliest running deadline and the worst state (an
    UPDATE, or an INSERT for a new case or a case without a row yet)."""
    state, kind, due = summarise(clocks)
    if state == BadgeState.NONE and policy_id is None:
        if not new_case:
            CaseSla.objects.filter(case_id=case_id).delete()
        return
    values = {"policy_id": policy_id, "state": state, "next_kind": kind, "next_due_at": due}
    if new_case or not CaseSla.objects.filter(case_id=case_id).update(**values):
        CaseSla.objects.create(case_id=case_id, organization_id=org_id, **values)


def summarise(clocks: Iterable[Clock]) -> tuple[str, str, datetime | None]:
    clocks = list(clocks)
    running = [c for c in clocks if c.state == ClockState.RUNNING and c.due_at is not None]
    if not clocks:
        return BadgeState.NONE, "", None
    nxt = min(running, key=lambda c: c.due_at) if running else None  # type: ignore[arg-type,return-value]
    kind = nxt.kind if nxt else ""
    due = nxt.due_at if nxt else None
    if any(c.breached_at is not None and c.state != ClockState.STOPPED for c in clocks):
        return BadgeState.BREACHED, kind, due
    if any(c.warned_at is not None and c.state == ClockState.RUNNING for c in running):
        return BadgeState.WARNING, kind, due
    if running:
        return BadgeState.OK, kind, due
    if any(c.state == ClockState.PAUSED for c in clocks):
        return BadgeState.PAUSED, "", None
    if any(c.breached_at is not None for c in clocks):
        return BadgeState.BREACHED, "", None
    return BadgeState.MET, "", None


# --- case hooks (called by cases.services inside its transaction) ---------------------------


def on_case_opened(*, case: Any, now: datetime) -> None:
    """Start the clocks of the policy the new case matches."""
    ctx = _context_for(case)
    shared = _shared.get()
    if not ctx.policies:
        if shared is not None:  # the batch's next hook on it knows it has none
            shared.clocks[case.pk] = []
        return
    session = _Session(case, ctx, new_case=True)
    for kind in _OPENING_KINDS:
        session.start(kind, case.created_at or now)
    session.save(new_case=True)
    if shared is not None:
        # As ``prefetch_clocks`` leaves them (a rolled-back opening takes the case with it).
        shared.clocks[case.pk] = list(session.clocks)


def on_status_changed(*, case: Any, old: str, new: str, now: datetime) -> None:
    """Pause the resolution clock in a pausing status, resume it after, stop every clock
    when the case is resolved or closed, and carry on counting if it reopens."""
    session = _Session(case)
    if not session.clocks:
        return
    pausing = set(session.policy.pause_statuses if session.policy else [])
    for clock in session.clocks:
        if new in _CLOSING_STATUSES:
            if clock.state != ClockState.STOPPED:
                _stop(clock, session.cal, now)
                session.touch(clock)
        elif new == Status.REOPENED and clock.kind == TargetKind.RESOLUTION:
            if clock.state == ClockState.STOPPED and clock.stopped_at is not None:
                # The time between resolution and reopening does not count.
                clock.pauses = [*clock.pauses, [utc_seconds(clock.stopped_at), utc_seconds(now)]]
                clock.state = ClockState.RUNNING
                clock.stopped_at = None
                _schedule(clock, session.cal)
                session.touch(clock)
        elif clock.kind == TargetKind.RESOLUTION:
            if new in pausing and clock.state == ClockState.RUNNING:
                _pause(clock, session.cal, now)
                session.touch(clock)
            elif new not in pausing and clock.state == ClockState.PAUSED:
                _resume(clock, session.cal, now)
                session.touch(clock)
    session.save()


def on_message(*, case: Any, direction: str, now: datetime) -> None:
    """An answer to the customer stops the first/next response clocks; a customer's message
    after the first answer starts a next-response clock."""
    session = _Session(case)
    if session.policy is None and not session.clocks:
        return
    if direction == "outbound":
        for clock in session.active(TargetKind.FIRST_RESPONSE, TargetKind.NEXT_RESPONSE):
            _stop(clock, session.cal, now)
            session.touch(clock)
    elif direction == "inbound":
        answered = case.first_response_at is not None
        waiting = session.active(TargetKind.NEXT_RESPONSE)
        if answered and not waiting and case.status not in _CLOSING_STATUSES:
            session.start(TargetKind.NEXT_RESPONSE, now)
    else:
        return
    if session.new or session.dirty:  # else the badge is what it was
        session.save()


def on_case_reclassified(*, case: Any, now: datetime) -> None:
    """Urgency, severity, type, topic, channel or queue changed: match the policy again and
    recompute every unfinished clock from its start with the new targets and calendar (a
    deadline moved into the future is no longer breached or warned); a target the new policy
    adds starts now."""
    ctx = _context_for(case)
    session = _Session(case, ctx)
    for clock in list(session.clocks):
        if clock.state == ClockState.STOPPED:
            continue
        target = session.target(clock.kind)
        if target is None:
            session.clocks.remove(clock)
            clock.delete()
            continue
        clock.policy_id = target.policy_id
        clock.calendar = session.cal_row
        clock.amount, clock.unit = target.amount, target.unit
        clock.business_time, clock.warning_percent = target.business_time, target.warning_percent
        _reschedule_keeping_history(clock, session.cal, now)
        session.touch(clock)
    have = {c.kind for c in session.clocks}
    for kind in _OPENING_KINDS:
        if kind in have:
            continue
        if kind == TargetKind.FIRST_RESPONSE and case.first_response_at is not None:
            continue
        if case.status in _CLOSING_STATUSES:
            continue
        # A target the case did not have starts when it starts to apply, not at the
        # opening: a case made an emergency an hour in is not an hour late already.
        session.start(kind, now)
    session.save()


def _reschedule_keeping_history(clock: Clock, cal: BusinessCalendar, now: datetime) -> None:
    _schedule(clock, cal)
    if clock.due_at is not None and clock.due_at > now and clock.breached_at is not None:
        clock.breached_at = None
    if clock.warn_at is not None and clock.warn_at > now and clock.warned_at is not None:
        clock.warned_at = None


@transaction.atomic
def record_on_site(*, case: Any, actor: Actor, now: datetime | None = None) -> list[Clock]:
    """The technician reached the site: stop the on-site intervention clock."""
    now = now or timezone.now()
    from helpline.cases.models import Case
    from helpline.events.models import EventKind
    from helpline.events.services import record_event

    case = Case.objects.select_for_update().get(pk=case.pk, organization_id=case.organization_id)
    session = _Session(case)
    stopped = session.active(TargetKind.ON_SITE)
    if not stopped:
        raise FieldValidationError(on_site=_("This case has no running on-site clock."))
    for clock in stopped:
        _stop(clock, session.cal, now)
        session.touch(clock)
    session.save()
    record_event(
        org_id=case.organization_id,
        kind=EventKind.SLA_ON_SITE,
        actor=actor,
        channel=case.channel,
        case_id=case.pk,
        data={"late": any(c.breached_at is not None for c in stopped)},
        at=now,
    )
    return stopped


# --- recomputation -------------------------------------------------------------------------


def recompute_calendar_clocks(
    *, calendar: Calendar, batch: int = 5000, stats: dict[str, int] | None = None
) -> int:
    """Recompute due and warning instants of every unfinished clock on the calendar after
    it changed; returns the number of clocks recomputed (``stats["changed"]``: how many
    deadlines moved and were written).

    Built for 100,000 open cases in seconds (docs/benchmarks.md): rows are read in id
    batches with instants as epoch seconds (no datetime parsing on PostgreSQL), deadlines
    are computed in seconds, and only clocks whose deadlines moved are written back, one
    ``UPDATE ... FROM unnest(arrays)`` per batch, with their cases' badge rows.
    """
    from django.db import connection

    calendar = Calendar.objects.prefetch_related("slots", "exceptions").get(pk=calendar.pk)
    cal = engine.compiled(calendar)
    now = utc_seconds(timezone.now())
    total = changed = 0
    last_id = 0
    while True:
        rows = _clock_rows(connection, calendar.pk, last_id, batch)
        if not rows:
            break
        last_id = rows[-1][0]
        updates = []
        for cid, amount, unit, biz, pct, start, pauses, due0, warn0, breached, warned, b0 in rows:
            if isinstance(pauses, str):
                pauses = json.loads(pauses) if pauses != "[]" else []
            try:
                d = engine.deadlines_at(cal, engine.Target(amount, unit, biz, pct), start, pauses)
            except NoOpenTime:
                d = engine.Deadlines(budget=0, due=None, warn=None, remaining=0)
            clear_b = bool(breached and d.due is not None and d.due > now)
            clear_w = bool(warned and d.warn is not None and d.warn > now)
            if (d.budget, d.due, d.warn) != (b0, due0, warn0) or clear_b or clear_w:
                updates.append((cid, d.budget, d.due, d.warn, clear_b, clear_w))
        if updates:
            _write_schedules(connection, updates)
        total += len(rows)
        changed += len(updates)
    if stats is not None:
        stats["changed"] = changed
    return total


def _clock_rows(connection: Any, calendar_id: int, last_id: int, batch: int) -> list[Any]:
    """Unfinished clocks of a calendar after ``last_id``: (id, amount, unit, business_time,
    warning_percent, start, pauses, due, warn, breached?, warned?, budget), instants in UTC
    epoch seconds."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id, amount, unit, business_time, warning_percent, "
                "FLOOR(EXTRACT(EPOCH FROM started_at))::bigint, pauses::text, "
                "FLOOR(EXTRACT(EPOCH FROM due_at))::bigint, "
                "FLOOR(EXTRACT(EPOCH FROM warn_at))::bigint, "
                "breached_at IS NOT NULL, warned_at IS NOT NULL, budget_seconds "
                f"FROM {Clock._meta.db_table} WHERE calendar_id = %s AND state <> %s "
                "AND id > %s ORDER BY id LIMIT %s",
                [calendar_id, ClockState.STOPPED, last_id, batch],
            )
            return list(cur.fetchall())
    rows = (
        Clock.objects.filter(calendar_id=calendar_id, id__gt=last_id)
        .exclude(state=ClockState.STOPPED)
        .order_by("id")
        .values_list(
            "id",
            "amount",
            "unit",
            "business_time",
            "warning_percent",
            "started_at",
            "pauses",
            "due_at",
            "warn_at",
            "breached_at",
            "warned_at",
            "budget_seconds",
        )[:batch]
    )

    def sec(at: datetime | None) -> int | None:
        return None if at is None else utc_seconds(at)

    return [
        (
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            sec(r[5]),
            r[6],
            sec(r[7]),
            sec(r[8]),
            r[9] is not None,
            r[10] is not None,
            r[11],
        )
        for r in rows
    ]


def _write_schedules(connection: Any, updates: list[tuple[Any, ...]]) -> None:
    """Store a batch of recomputed deadlines (instants in epoch seconds; the flags clear a
    breach or warning whose deadline moved into the future) and refresh the cases' badge
    rows. On PostgreSQL one UPDATE joins the batch passed as six arrays, whatever its size."""
    clocks = Clock._meta.db_table
    badges = CaseSla._meta.db_table
    ids = [u[0] for u in updates]
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            columns = [list(col) for col in zip(*updates, strict=True)]
            cur.execute(
                f"UPDATE {clocks} AS c SET budget_seconds = v.b, due_at = to_timestamp(v.d), "
                "warn_at = to_timestamp(v.w), "
                "breached_at = CASE WHEN v.cb THEN NULL ELSE c.breached_at END, "
                "warned_at = CASE WHEN v.cw THEN NULL ELSE c.warned_at END "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], "
                "%s::boolean[], %s::boolean[]) AS v(id, b, d, w, cb, cw) WHERE c.id = v.id",
                columns,
            )
            cur.execute(
                f"UPDATE {badges} AS s SET next_due_at = m.d FROM ("
                f"SELECT case_id, MIN(due_at) FILTER (WHERE state = 'running') AS d "
                f"FROM {clocks} WHERE case_id IN (SELECT case_id FROM {clocks} "
                f"WHERE id = ANY(%s)) GROUP BY case_id) AS m WHERE s.case_id = m.case_id",
                [ids],
            )
            return
        when = engine.dt
        for cid, b, d, w, cb, cw in updates:
            cur.execute(
                f"UPDATE {clocks} SET budget_seconds = %s, due_at = %s, warn_at = %s, "
                "breached_at = CASE WHEN %s THEN NULL ELSE breached_at END, "
                "warned_at = CASE WHEN %s THEN NULL ELSE warned_at END WHERE id = %s",
                [b, when(d), when(w), cb, cw, cid],
            )
        for lo in range(0, len(ids), 500):  # SQLite's limit on parameters
            chunk = ids[lo : lo + 500]
            marks = ",".join(["%s"] * len(chunk))
            cur.execute(
                f"UPDATE {badges} SET next_due_at = (SELECT MIN(c.due_at) FROM {clocks} c "
                f"WHERE c.case_id = {badges}.case_id AND c.state = 'running') "
                f"WHERE case_id IN (SELECT case_id FROM {clocks} WHERE id IN ({marks}))",
                chunk,
            )


# --- configuration -------------------------------------------------------------------------


def bump_calendar(*, calendar: Calendar, actor: Actor, recompute: bool = True) -> int:
    """A calendar's slots or exceptions changed: new version (so every process recompiles
    it), audit entry, and unfinished clocks recomputed. Returns the clocks recomputed."""
    before = audit.snapshot(calendar, ["version"])
    Calendar.objects.filter(pk=calendar.pk).update(version=calendar.version + 1)
    calendar.version += 1
    audit.record_update(
        org_id=calendar.organization_id, actor=actor, instance=calendar, before=before
    )
    if not recompute:
        return 0
    return recompute_calendar_clocks(calendar=calendar)


# --- penalty statements ----------------------------------------------------------------------


@transaction.atomic
def issue_statement(
    *, org: Any, year: int, month: int, actor: Actor, now: datetime | None = None
) -> Any:
    """Issue the month's penalty statement: store the draft's lines and totals as they are
    now, under the tenant's next number (gap-free: the organisation row is locked while it is
    taken), and audit it. Only a month that is over and, once a first statement exists, the
    month after the last one issued; the statement never changes afterwards (later changes become
    adjustment lines of the month in which they are known)."""
    from helpline.sla import selectors
    from helpline.sla.models import PenaltyStatement, PenaltyStatementLine
    from helpline.tenancy.models import Organization

    now = now or timezone.now()
    Organization.objects.select_for_update().get(pk=org.pk)
    start, end = selectors.month_bounds(org, year, month)
    if end > now:
        raise FieldValidationError(month=_("A month can be issued once it is over."))
    issued = PenaltyStatement.objects.filter(organization=org)
    if issued.filter(year=year, month=month).exists():
        raise FieldValidationError(month=_("This month's statement has already been issued."))
    if issued.filter(Q(year__gt=year) | Q(year=year, month__gt=month)).exists():
        raise FieldValidationError(
            month=_("A later month has already been issued: statements are issued in order.")
        )
    latest = issued.order_by("-number").values_list("number", "year", "month").first()
    last = 0
    if latest is not None:
        last, last_year, last_month = latest
        expected = (last_year + last_month // 12, last_month % 12 + 1)
        if (year, month) != expected:
            # A month skipped would leave its breaches billed in no statement.
            raise FieldValidationError(
                month=_("Issue %(month)s first: statements are issued month after month.")
                % {"month": f"{expected[0]:04d}-{expected[1]:02d}"}
            )
    draft = selectors.draft_statement(org=org, year=year, month=month, now=now)
    statement = PenaltyStatement.objects.create(
        organization=org,
        number=last + 1,
        year=year,
        month=month,
        period_start=start,
        period_end=end,
        issued_at=now,
        issued_by_id=actor.user_id,
        issued_by_label=actor.label[:200],
        rules=[
            {
                "rule_id": r.rule_id,
                "name": r.name,
                "kind": r.kind,
                "currency": r.currency,
                "monthly_cap": str(r.monthly_cap) if r.monthly_cap is not None else None,
                "gross": str(r.gross),
                "net": str(r.net),
            }
            for r in draft.rules
        ],
        totals={currency: str(amount) for currency, amount in draft.totals.items()},
    )
    PenaltyStatementLine.objects.bulk_create(
        PenaltyStatementLine(
            statement=statement,
            position=position,
            clock_id=line.clock_id,
            case_id=line.case_id,
            protocol=line.protocol,
            title=line.title[:300],
            target_kind=line.target_kind,
            due_at=line.due_at,
            actual_at=line.actual_at,
            delay_seconds=line.delay_seconds,
            delay_working_days=line.delay_working_days,
            amounts={str(k): str(v) for k, v in line.amounts.items()},
            adjusts_year=line.adjusts[0] if line.adjusts else None,
            adjusts_month=line.adjusts[1] if line.adjusts else None,
        )
        for position, line in enumerate(draft.lines, start=1)
    )
    audit.record_create(
        org_id=org.pk,
        actor=actor,
        instance=statement,
        fields=["number", "year", "month", "issued_at", "totals"],
        at=now,
    )
    return statement
