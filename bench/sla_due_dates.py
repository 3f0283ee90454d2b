"""SLA due-date computations per second, against the ``businesstime`` package in the same run.

    .venv/bin/python -m bench.sla_due_dates                 # ~1 min
    .venv/bin/python -m bench.sla_due_dates --n 50000 --rounds 5

Three measurements, each over the same random starts (uniform over 2025-2027, any time of
day) and targets (1 h, 4 h, 8 h, 24 h, 40 h of business time; 1, 5, 10, 20, 60 working days):

1. **Helpline, realistic calendar**: an Italian municipality (Europe/Rome, Mon-Fri 08:30-12:30
   and 14:00-17:00, Italian holidays with a province's patron day, DST). The headline figure.
2. **Helpline, the baseline's calendar**: Mon-Fri 09:00-17:00, the same holidays, no zone
   (UTC): what ``businesstime`` can express (one slot a day, naive times).
3. **businesstime 0.3.0** on that calendar. It has no "add" operation, only
   ``businesstimedelta(a, b)``, so a due date is computed with its public calendar
   (``isbusinessday``) walking day by day, which is how its users compute deadlines; the
   working-day targets count its business days. Its answers are checked against ours.
   Holidays are passed as its documentation does: a list (its holiday generators fill a
   list too), of the years the workload touches (starts 2025-2027, deadlines into 2028),
   as ``isholiday`` scans it. For reference, the same walk with the holidays as a
   ``frozenset`` (not a documented form, but ``isholiday`` only uses ``in``).

A fourth line compares the operation both libraries do offer, the business time between two
instants (``between`` vs ``businesstimedelta``), on pairs up to 60 days apart.

Each line: the best of ``--rounds`` rounds by wall clock, and the CPU time per computation
(``process_time``, best round), which a busy machine disturbs less.
"""

from __future__ import annotations

import argparse
import os
import random
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import holidays as holidays_lib
from businesstime import BusinessTime

from helpline.sla.businesstime import BusinessCalendar, Slot

HOURS = [1, 4, 8, 24, 40]
WORKING_DAYS = [1, 5, 10, 20, 60]


def italian_holidays(year: int) -> list[date]:
    return list(holidays_lib.country_holidays("IT", subdiv="TO", years=year))


def realistic() -> BusinessCalendar:
    slots = [Slot(d, 8 * 60 + 30, 12 * 60 + 30) for d in range(5)]
    slots += [Slot(d, 14 * 60, 17 * 60) for d in range(5)]
    return BusinessCalendar(tz="Europe/Rome", slots=slots, holidays=italian_holidays)


def simple() -> BusinessCalendar:
    slots = [Slot(d, 9 * 60, 17 * 60) for d in range(5)]
    return BusinessCalendar(tz="UTC", slots=slots, holidays=italian_holidays)


#: The years the workload's starts (2025-2027) and deadlines (60 working days later) touch.
BASELINE_YEARS = range(2025, 2029)


def baseline_calendar(*, as_set: bool = False) -> BusinessTime:
    days = sorted(d for y in BASELINE_YEARS for d in italian_holidays(y))
    holidays: Any = frozenset(days) if as_set else days
    return BusinessTime(business_hours=(time(9), time(17)), holidays=holidays)


def bt_add_hours(bt: BusinessTime, start: datetime, seconds: int) -> datetime:
    """A deadline with businesstime's calendar: walk the days, take each day's open part."""
    left = timedelta(seconds=seconds)
    day = datetime.combine(start.date(), time())
    while True:
        if bt.isbusinessday(day):
            opens = day.replace(hour=9)
            closes = day.replace(hour=17)
            a = max(opens, start)
            if a < closes:
                if closes - a >= left:
                    return a + left
                left -= closes - a
        day += timedelta(days=1)


def bt_add_working_days(bt: BusinessTime, start: datetime, n: int) -> datetime:
    day = datetime.combine(start.date(), time())
    count = 0
    while count < n:
        day += timedelta(days=1)
        if bt.isbusinessday(day):
            count += 1
    return day.replace(hour=17)


def workload(n: int, seed: int) -> list[tuple[datetime, str, int]]:
    rnd = random.Random(seed)
    lo = datetime(2025, 1, 1, tzinfo=UTC)
    span = int((datetime(2027, 12, 1, tzinfo=UTC) - lo).total_seconds() // 60)
    items = []
    for _ in range(n):
        start = lo + timedelta(minutes=rnd.randrange(span))
        if rnd.random() < 0.5:
            items.append((start, "h", rnd.choice(HOURS) * 3600))
        else:
            items.append((start, "wd", rnd.choice(WORKING_DAYS)))
    return items


def rate(fn: Callable[[], Any], n: int, rounds: int) -> tuple[float, float]:
    """(computations per second of the best round by wall clock, CPU seconds per computation
    of the best round by CPU time)."""
    best, cpu = 0.0, float("inf")
    for _ in range(rounds):
        t0, c0 = clock.perf_counter(), clock.process_time()
        fn()
        c1, t1 = clock.process_time(), clock.perf_counter()
        best = max(best, n / (t1 - t0))
        cpu = min(cpu, (c1 - c0) / n)
    return best, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="computations per round (ours)")
    ap.add_argument("--baseline-n", type=int, default=5_000, help="computations (baseline)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")

    work = workload(args.n, args.seed)
    real, simp, bt = realistic(), simple(), baseline_calendar()
    bt_set = baseline_calendar(as_set=True)
    # Warm the compiled years (a server compiles a calendar once and keeps it).
    for cal in (real, simp):
        cal.add(work[0][0], 3600)
        cal.add_working_days(datetime(2028, 6, 1, tzinfo=UTC), 1)
        cal.add_working_days(datetime(2024, 6, 1, tzinfo=UTC), 1)

    def ours(cal: BusinessCalendar, items: list[tuple[datetime, str, int]]) -> Callable[[], Any]:
        def run() -> None:
            add, add_wd = cal.add, cal.add_working_days
            for start, kind, amount in items:
                if kind == "h":
                    add(start, amount)
                else:
                    add_wd(start, amount)

        return run

    naive = [(s.replace(tzinfo=None), k, a) for s, k, a in work[: args.baseline_n]]

    def theirs(cal: BusinessTime) -> Callable[[], Any]:
        def run() -> None:
            for start, kind, amount in naive:
                if kind == "h":
                    bt_add_hours(cal, start, amount)
                else:
                    bt_add_working_days(cal, start, amount)

        return run

    # Same answers on the shared calendar (the baseline is a fair one), with either form.
    mismatches = 0
    for (start, kind, amount), (nstart, _k, _a) in zip(work[:2000], naive[:2000], strict=False):
        ours_due = simp.add(start, amount) if kind == "h" else simp.add_working_days(start, amount)
        walk = bt_add_hours if kind == "h" else bt_add_working_days
        their_due = walk(bt, nstart, amount)
        mismatches += ours_due.replace(tzinfo=None) != their_due
        mismatches += walk(bt_set, nstart, amount) != their_due
    r_real = rate(ours(real, work), len(work), args.rounds)
    r_simple = rate(ours(simp, work), len(work), args.rounds)
    r_bt = rate(theirs(bt), len(naive), args.rounds)
    r_bt_set = rate(theirs(bt_set), len(naive), args.rounds)

    rnd = random.Random(args.seed + 1)
    pairs = [(s, s + timedelta(minutes=rnd.randrange(60 * 24 * 60))) for s, _k, _a in work]
    npairs = [(a.replace(tzinfo=None), b.replace(tzinfo=None)) for a, b in pairs[: args.baseline_n]]

    def between_ours() -> None:
        for a, b in pairs:
            simp.between(a, b)

    def between_theirs() -> None:
        for a, b in npairs:
            bt.businesstimedelta(a, b)

    r_between = rate(between_ours, len(pairs), args.rounds)
    r_between_bt = rate(between_theirs, len(npairs), args.rounds)

    print(
        f"computations: ours {len(work):,}/round, baseline {len(naive):,}/round, "
        f"best of {args.rounds} rounds; answers differing on 2,000 shared cases: {mismatches}"
    )
    rows = [
        ("due dates, Helpline, Rome split day + IT holidays + DST", r_real, r_bt),
        ("due dates, Helpline, Mon-Fri 9-17 + IT holidays", r_simple, r_bt),
        ("due dates, businesstime 0.3.0 (day walk), Mon-Fri 9-17 + IT holidays", r_bt, r_bt),
        ("(reference) the same day walk, holidays as a frozenset", r_bt_set, r_bt),
        ("business time between two instants, Helpline", r_between, r_between_bt),
        ("businesstimedelta, businesstime 0.3.0", r_between_bt, r_between_bt),
    ]
    print("| what | per second | vs businesstime | CPU µs each | vs businesstime (CPU) |")
    print("|---|---|---|---|---|")
    for what, (per_s, cpu), (base_s, base_cpu) in rows:
        print(
            f"| {what} | {per_s:,.0f} | {per_s / base_s:,.1f}x | {cpu * 1e6:.2f} "
            f"| {base_cpu / cpu:,.1f}x |"
        )
    print(
        f"Helpline (Rome) against the frozenset reference: {r_real[0] / r_bt_set[0]:.1f}x "
        f"(CPU {r_bt_set[1] / r_real[1]:.1f}x)"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
