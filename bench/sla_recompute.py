"""Recomputing the SLA due dates of 100,000 open cases after a calendar change, on PostgreSQL.

    .venv/bin/python -m bench.sla_recompute                  # generate once (~1 min), measure
    .venv/bin/python -m bench.sla_recompute --cases 20000 --fresh

Database ``helpline_bench_sla`` (re-created with ``--fresh`` or when missing): one tenant with
an Italian office calendar (Mon-Fri split day, Italian holidays) and a policy with a first
response target (4 business hours) and a resolution target (5 working days); ``--cases``
open cases spread over the last 30 days, each with a running resolution clock (a fifth of
them paused once and resumed) and, for a third of them, a running first-response clock; and
their badge rows. Rows are written with ``bulk_create`` (the generator is not measured).

Measured: a closure is added to the calendar (a day next week), then
``sla.services.recompute_calendar_clocks`` recomputes every unfinished clock (read in batches,
deadlines recomputed in Python, ``UPDATE ... FROM (VALUES ...)`` per batch, badge rows
refreshed). Baseline in the same run: the same recomputation the plain ORM way (load each
clock, ``save(update_fields=...)``) on a sample, extrapolated to the same number of clocks.
A sample of the stored deadlines is checked against a fresh computation.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, datetime, timedelta

from bench._common import create_database, database_exists, pg_target, setup_django

TARGET = pg_target("helpline_bench_sla")


def generate(n_cases: int, seed: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from helpline.cases.models import Case
    from helpline.lib.actors import Actor
    from helpline.sla import engine
    from helpline.sla.businesstime import utc_seconds
    from helpline.sla.configuration import (
        CalendarData,
        PolicyData,
        SlotData,
        TargetData,
        create_calendar,
        create_policy,
    )
    from helpline.sla.models import Calendar, CaseSla, Clock, ClockState
    from helpline.tenancy.services import create_organization

    system = Actor.system("bench")
    rnd = random.Random(seed)
    org = create_organization(
        actor=system,
        name="Comune del Benchmark",
        slug="bench-sla",
        country="IT",
        language="it",
        time_zone="Europe/Rome",
        protocol_prefix="SLA",
    )
    from datetime import time as t

    slots = [SlotData(d, t(8, 30), t(12, 30)) for d in range(5)]
    slots += [SlotData(d, t(14), t(17)) for d in range(5)]
    cal = create_calendar(
        org=org,
        actor=system,
        data=CalendarData(
            name="Uffici",
            time_zone="Europe/Rome",
            holiday_country="IT",
            holiday_subdivision="TO",
            is_default=True,
            slots=slots,
        ),
    )
    policy = create_policy(
        org=org,
        actor=system,
        data=PolicyData(
            name="Richieste",
            calendar_id=cal.pk,
            targets=[
                TargetData("first_response", 4, "hours"),
                TargetData("resolution", 5, "working_days"),
            ],
        ),
    )
    compiled = engine.compiled(
        Calendar.objects.prefetch_related("slots", "exceptions").get(pk=cal.pk)
    )
    now = timezone.now()
    batch = 5000
    for lo in range(0, n_cases, batch):
        with transaction.atomic():
            cases = []
            for i in range(lo, min(lo + batch, n_cases)):
                created = now - timedelta(minutes=rnd.randrange(30 * 24 * 60))
                cases.append(
                    Case(
                        organization=org,
                        protocol_number=f"SLA-2026-{i:07d}",
                        protocol_year=2026,
                        protocol_seq=i + 1,
                        channel="email",
                        case_type="information",
                        title=f"Richiesta {i}",
                        status="open",
                        created_at=created,
                        updated_at=created,
                    )
                )
            Case.objects.bulk_create(cases)
            clocks = []
            for case in cases:
                kinds = [("resolution", 5, "working_days")]
                if rnd.random() < 1 / 3:
                    kinds.append(("first_response", 4, "hours"))
                for kind, amount, unit in kinds:
                    pauses: list[list[int | None]] = []
                    if kind == "resolution" and rnd.random() < 0.2:
                        p = case.created_at + timedelta(hours=rnd.randrange(1, 48))
                        r = p + timedelta(hours=rnd.randrange(1, 72))
                        if r < now:
                            pauses = [[utc_seconds(p), utc_seconds(r)]]
                    clock = Clock(
                        organization=org,
                        case=case,
                        kind=kind,
                        policy=policy,
                        calendar=cal,
                        amount=amount,
                        unit=unit,
                        business_time=True,
                        warning_percent=80,
                        state=ClockState.RUNNING,
                        started_at=case.created_at,
                        pauses=pauses,
                    )
                    d = engine.deadlines(
                        compiled, engine.Target(amount, unit, True, 80), case.created_at, pauses
                    )
                    clock.budget_seconds = d.budget
                    clock.due_at, clock.warn_at = engine.dt(d.due), engine.dt(d.warn)
                    clocks.append(clock)
            Clock.objects.bulk_create(clocks)
            CaseSla.objects.bulk_create(
                [CaseSla(case=c, organization=org, policy=policy, state="ok") for c in cases]
            )
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--baseline-sample", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args()
    fresh = args.fresh or not database_exists(TARGET)
    if fresh:
        create_database(TARGET)
    setup_django(TARGET)
    from django.db import connection, transaction

    from helpline.sla import engine
    from helpline.sla.models import Calendar, CalendarException, Clock, ClockState
    from helpline.sla.services import _schedule, recompute_calendar_clocks

    if fresh:
        t0 = time.perf_counter()
        generate(args.cases, args.seed)
        print(f"generated {args.cases:,} open cases in {time.perf_counter() - t0:.0f} s")
    cal = Calendar.objects.get(organization__slug="bench-sla", name="Uffici")
    open_clocks = Clock.objects.filter(calendar=cal).exclude(state=ClockState.STOPPED).count()
    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        pg = cur.fetchone()[0].split(",")[0]
    print(f"{pg}; {open_clocks:,} unfinished clocks on the calendar")
    print(f"load average before: {os.getloadavg()[0]:.2f}")

    # The change: close a day next week (toggled on each run so every run changes dates).
    today = datetime.now(UTC).date()
    day = today + timedelta(days=(2 - today.weekday()) % 7 or 7)  # next Wednesday
    existing = CalendarException.objects.filter(calendar=cal, starts_on=day)
    if existing.exists():
        existing.delete()
        change = f"reopened {day}"
    else:
        CalendarException.objects.create(
            calendar=cal, kind="closure", starts_on=day, ends_on=day, note="bench"
        )
        change = f"closed {day}"
    t0 = time.perf_counter()
    stats: dict[str, int] = {}
    with transaction.atomic():
        Calendar.objects.filter(pk=cal.pk).update(version=cal.version + 1)
        n = recompute_calendar_clocks(calendar=cal, stats=stats)
    ours = time.perf_counter() - t0

    # Baseline: the ORM way, one clock at a time, on a sample (rolled back).
    cal = Calendar.objects.prefetch_related("slots", "exceptions").get(pk=cal.pk)
    compiled = engine.compiled(cal)
    sample = list(
        Clock.objects.filter(calendar=cal).exclude(state=ClockState.STOPPED)[: args.baseline_sample]
    )
    t0 = time.perf_counter()
    with transaction.atomic():
        for clock in Clock.objects.filter(pk__in=[c.pk for c in sample]):
            _schedule(clock, compiled)
            clock.save(update_fields=["budget_seconds", "due_at", "warn_at"])
        transaction.set_rollback(True)
    per_clock = (time.perf_counter() - t0) / max(len(sample), 1)

    # Check: stored deadlines equal a fresh computation.
    rnd = random.Random(1)
    wrong = 0
    for clock in rnd.sample(sample, min(500, len(sample))):
        clock.refresh_from_db()
        d = engine.deadlines(
            compiled,
            engine.Target(clock.amount, clock.unit, True, 80),
            clock.started_at,
            clock.pauses,
        )
        wrong += engine.dt(d.due) != clock.due_at
    print(
        f"change: {change}; {stats['changed']:,} of {n:,} deadlines moved and were written; "
        f"checked 500 stored deadlines: {wrong} wrong"
    )
    rows = [
        ("recompute_calendar_clocks (batches, UPDATE FROM unnest)", ours, n / ours),
        (
            f"baseline: ORM save per clock (sample of {len(sample):,}, extrapolated)",
            per_clock * n,
            1 / per_clock,
        ),
    ]
    print("| what | clocks | seconds | clocks/s |")
    print("|---|---|---|---|")
    for what, seconds, per_s in rows:
        print(f"| {what} | {n:,} | {seconds:.1f} | {per_s:,.0f} |")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
