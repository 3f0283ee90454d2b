"""Routing decisions: the engine against a naive "scan every agent" router, same workload,
same run.

Workload (in a fresh dedicated database): one tenant, ``--agents`` agents (default 2,000)
all available, ``--queues`` queues (100; the four strategies in turn, half with an
escalation step), each agent a member of 5 queues (priority 1 or 2) with 3 of 20 topic
skills at levels 1-5, and ``--items`` waiting items (10,000: 70 % written, 20 % chat,
10 % calls; half require a topic skill), spread over the queues.

1. **Naive baseline**: per decision, one transaction that takes the first waiting item
   (``FOR UPDATE SKIP LOCKED``), reads *every* agent with their memberships and skills
   from the database, filters and ranks them in Python (longest idle), reserves the winner
   with a conditional UPDATE and writes the offer and its contact event. Run for
   ``--naive-decisions`` decisions, then the database is put back as it was.
2. **Engine**: for every combination of ``--batch``, ``--processes`` and ``--sync-commit``,
   from the same starting state (reset and VACUUM), ``--processes`` spawned processes run
   ``routing.engine.route_cycle`` side by side until a cycle makes no more offers (the
   agents' capacity or the items run out); a final sweep checks that nothing offerable was
   left. Throughput is all decisions over the wall time from the processes' common start to
   the last one's end, snapshots included; a decision's latency is from the start of its
   batch's transaction (the claim) to that batch's commit. Client CPU is the engine
   processes' own; PostgreSQL backend CPU is read from ``/proc`` for their connections'
   backends (the database runs on this host).

Run: ``.venv/bin/python -m bench.routing --naive-decisions 100 --batch 8 --processes 1,2``
(``--help`` for sizes and options; ``--vendor sqlite``).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench._common import (
    cpu_seconds,
    create_database,
    database_version,
    machine,
    percentile,
    save_result,
    setup_django,
    table,
    target_for,
)


def build(
    org: Any, *, agents: int, queues: int, items: int, written_capacity: int = 5, seed: int = 7
) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from helpline.cases.models import Case, Topic
    from helpline.routing.models import (
        CHANNEL_CAPACITY,
        Agent,
        AgentSkill,
        EscalationStep,
        Queue,
        QueueMember,
        Skill,
        Task,
    )
    from helpline.routing.services import task_priority
    from helpline.tenancy.models import Membership

    rng = random.Random(seed)
    now = timezone.now()
    strategies = ["longest_idle", "least_occupied", "round_robin", "best_skill"]
    qs = Queue.objects.bulk_create(
        Queue(organization=org, code=f"q{i}", name=f"Queue {i}", strategy=strategies[i % 4])
        for i in range(queues)
    )
    EscalationStep.objects.bulk_create(
        EscalationStep(organization=org, queue=q, after_seconds=60, max_member_priority=None)
        for q in qs[::2]
    )
    topics = Topic.objects.bulk_create(
        Topic(organization=org, code=f"t{i}", name=f"Topic {i}") for i in range(20)
    )
    skills = Skill.objects.bulk_create(
        Skill(organization=org, code=f"s{i}", name=f"Skill {i}", kind="topic", topic=t)
        for i, t in enumerate(topics)
    )
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"bench-agent-{i:05d}", password="!") for i in range(agents)
    )
    Membership.objects.bulk_create(
        Membership(user=u, organization=org, role="operator") for u in users
    )
    Agent.objects.bulk_create(
        Agent(
            organization=org,
            user=u,
            state="available",
            capacity_written=written_capacity,
            state_since=now,
            idle_since=now - timedelta(seconds=rng.randint(0, 3600)),
        )
        for u in users
    )
    QueueMember.objects.bulk_create(
        QueueMember(organization=org, queue=q, user=u, priority=1 + (k > 2))
        for u in users
        for k, q in enumerate(rng.sample(qs, 5))
    )
    AgentSkill.objects.bulk_create(
        AgentSkill(organization=org, user=u, skill=s, level=rng.randint(1, 5))
        for u in users
        for s in rng.sample(skills, 3)
    )
    channels = ["email"] * 4 + ["web"] * 3 + ["chat"] * 2 + ["phone"]
    cases = Case.objects.bulk_create(
        Case(
            organization=org,
            protocol_number=f"B-{i}",
            protocol_year=now.year,
            protocol_seq=i + 1,
            channel=rng.choice(channels),
            case_type="complaint" if i % 23 == 0 else "information",
            urgency=rng.choice(["normal"] * 6 + ["high", "low", "emergency"]),
            title=f"item {i}",
            topic=rng.choice(topics),
            queue=qs[i % queues],
            created_at=now,
            updated_at=now,
        )
        for i in range(items)
    )
    skill_of = {s.topic_id: s.pk for s in skills}
    Task.objects.bulk_create(
        Task(
            organization=org,
            queue_id=c.queue_id,
            kind="case",
            case=c,
            channel=c.channel,
            capacity_class=CHANNEL_CAPACITY[c.channel],
            priority=task_priority(urgency=c.urgency, case_type=c.case_type),
            enqueued_at=now - timedelta(seconds=rng.randint(0, 600)),
            queued_at=now - timedelta(seconds=rng.randint(0, 600)),
            required_skills=[[skill_of[c.topic_id], rng.randint(1, 3)]] if i % 2 else [],
        )
        for i, c in enumerate(cases)
    )


def _reserve_sql(cls: str) -> str:
    """The conditional reservation of one agent the engine used before batching it
    (kept for the naive baseline): only while routable, with capacity, no other kind."""
    others = " AND ".join(f"load_{c} = 0" for c in ("voice", "chat", "written") if c != cls)
    condition = f"state IN ('available', 'on_contact') AND load_{cls} < capacity_{cls} AND {others}"
    from django.db import connection

    if connection.vendor != "postgresql":
        return f"UPDATE routing_agent SET load_{cls} = load_{cls} + 1 WHERE id = %s AND {condition}"
    return (
        f"UPDATE routing_agent SET load_{cls} = load_{cls} + 1 WHERE id = ("
        f"SELECT id FROM routing_agent WHERE id = %s AND {condition} FOR UPDATE SKIP LOCKED)"
    )


def naive_decision(org_id: int, now: datetime) -> float | None:
    """Scan every agent for the first waiting item; None when nothing could be offered."""
    from django.db import connection, transaction

    from helpline.events.models import ContactEvent
    from helpline.routing.models import Agent, AgentSkill, Offer, QueueMember, Task

    start = time.perf_counter()
    with transaction.atomic():
        task = (
            Task.objects.select_for_update(skip_locked=True)
            .filter(organization_id=org_id, status="waiting")
            .order_by("priority", "enqueued_at", "id")
            .first()
        )
        if task is None:
            return None
        members = {
            u: p
            for u, p in QueueMember.objects.filter(
                organization_id=org_id, queue_id=task.queue_id
            ).values_list("user_id", "priority")
        }
        skills: dict[int, dict[int, int]] = {}
        for u, s, lvl in AgentSkill.objects.filter(organization_id=org_id).values_list(
            "user_id", "skill_id", "level"
        ):
            skills.setdefault(u, {})[s] = lvl
        cls = task.capacity_class
        best = None
        for agent in Agent.objects.filter(organization_id=org_id):
            if agent.user_id not in members or agent.state not in ("available", "on_contact"):
                continue
            if agent.load_of(cls) >= agent.capacity_of(cls):
                continue
            if any(agent.load_of(c) for c in ("voice", "chat", "written") if c != cls):
                continue
            have = skills.get(agent.user_id, {})
            if any(have.get(s, 0) < lvl for s, lvl in task.required_skills):
                continue
            if best is None or agent.idle_since < best.idle_since:
                best = agent
        if best is None:
            Task.objects.filter(pk=task.pk).update(status="cancelled")  # skip it next time
            return time.perf_counter() - start
        with connection.cursor() as cursor:
            cursor.execute(_reserve_sql(cls), [best.pk])
        expires = now + timedelta(seconds=20)
        Task.objects.filter(pk=task.pk).update(
            status="offered", agent_id=best.user_id, offer_expires_at=expires
        )
        Offer.objects.create(
            organization_id=org_id,
            task=task,
            user_id=best.user_id,
            offered_at=now,
            expires_at=expires,
        )
        ContactEvent.objects.create(
            organization_id=org_id,
            kind="offered",
            channel=task.channel,
            case_id=task.case_id,
            actor_kind="system",
            actor_label="naive",
            data={"task": task.pk, "agent": best.user_id},
            at=now,
        )
    return time.perf_counter() - start


def reset(org_id: int) -> None:
    """Back to the built workload: every item waiting, every agent free, no offers; then
    VACUUM so that every run starts from the same tables (no dead rows of the last run)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "UPDATE routing_task SET status = 'waiting', agent_id = NULL, "
            "offer_expires_at = NULL WHERE organization_id = %s",
            [org_id],
        )
        c.execute(
            "UPDATE routing_agent SET load_voice = 0, load_chat = 0, load_written = 0 "
            "WHERE organization_id = %s",
            [org_id],
        )
        c.execute("DELETE FROM routing_offer WHERE organization_id = %s", [org_id])
        # Contact events are append-only against UPDATE; a benchmark database may drop rows.
        c.execute("DELETE FROM events_contactevent WHERE organization_id = %s", [org_id])
        c.execute("UPDATE routing_queue SET rr_last_user_id = NULL")
        if connection.vendor == "postgresql":
            c.execute(
                "VACUUM ANALYZE routing_task, routing_agent, routing_offer, routing_queue, "
                "events_contactevent"
            )


def _backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()")
        return int(c.fetchone()[0])


def _backend_cpu(pid: int | None) -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (it runs on this host)."""
    return cpu_seconds([pid]) if pid is not None else 0.0


def engine_worker(
    target: Any,
    org_id: int,
    now_iso: str,
    batch: int,
    async_commit: bool,
    barrier: Any,
    results: Any,
) -> None:
    """One engine process: ``route_cycle`` until a cycle makes no offer. Started together
    with the others (barrier); reports its decisions' latencies, its CPU and its backend's."""
    setup_django(target)
    from django.conf import settings
    from django.db import connection

    from helpline.routing import engine

    settings.HELPLINE_ROUTING_ASYNC_COMMIT = async_commit
    now = datetime.fromisoformat(now_iso)
    engine.clear_config_cache()
    pid = _backend_pid()
    barrier.wait()
    c0, b0, t0 = time.process_time(), _backend_cpu(pid), time.perf_counter()
    latencies: list[float] = []
    cycles = 0
    before = dict(engine.counters)
    while True:
        decisions = engine.route_cycle(org_id=org_id, now=now, batch=batch, max_scan=20000)
        cycles += 1
        if not decisions:
            break
        latencies += [d.committed_at - d.claimed_at for d in decisions]
    t1 = time.perf_counter()
    results.put(
        {
            "latencies": latencies,
            "cycles": cycles,
            "start": t0,
            "end": t1,
            "cpu": time.process_time() - c0,
            "backend_cpu": _backend_cpu(pid) - b0,
            **{k: v - before[k] for k, v in engine.counters.items()},
        }
    )
    connection.close()


def run_engine(
    target: Any, org_id: int, now: datetime, *, processes: int, batch: int, async_commit: bool
) -> dict[str, Any]:
    """``processes`` engine processes side by side on the same workload (spawned, each with
    its own connection); throughput is all their decisions over the wall time from their
    common start to the last one's end."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=engine_worker,
            args=(target, org_id, now.isoformat(), batch, async_commit, barrier, results),
        )
        for _ in range(processes)
    ]
    for p in procs:
        p.start()
    outs = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    latencies = [x for out in outs for x in out["latencies"]]
    return {
        "latencies": latencies,
        "wall": max(o["end"] for o in outs) - min(o["start"] for o in outs),
        "cpu": sum(o["cpu"] for o in outs),
        "backend_cpu": sum(o["backend_cpu"] for o in outs),
        "cycles": sum(o["cycles"] for o in outs),
        "writes": sum(o["writes"] for o in outs),
        "matched": sum(o["matched"] for o in outs),
        "reserved": sum(o["reserved"] for o in outs),
    }


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vendor", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument(
        "--written-capacity",
        type=int,
        default=5,
        help="written items each agent takes at once (more: a longer run before they fill up)",
    )
    parser.add_argument("--batch", default="8", help="batch sizes, comma-separated (8,32)")
    parser.add_argument(
        "--processes", default="1", help="engine processes side by side, comma-separated (1,2)"
    )
    parser.add_argument(
        "--sync-commit",
        default="off,on",
        help="synchronous_commit of the offer transactions, comma-separated (off,on)",
    )
    parser.add_argument("--naive-decisions", type=int, default=200)
    args = parser.parse_args()
    batches, process_counts = _ints(args.batch), _ints(args.processes)
    sync_modes = [m for m in args.sync_commit.split(",") if m]
    assert all(m in ("on", "off") for m in sync_modes)

    target = target_for(args.vendor, "routing")
    print(f"Creating {target.label} database {target.name}…", flush=True)
    create_database(target)
    setup_django(target)

    from django.db import connection
    from django.utils import timezone

    from helpline.lib.actors import Actor
    from helpline.routing.models import Agent, Offer
    from helpline.tenancy.services import create_organization

    org = create_organization(
        actor=Actor.system("bench"),
        name="Bench",
        slug="bench",
        country="BR",
        language="pt-br",
        protocol_prefix="B",
    )
    t0 = time.perf_counter()
    build(
        org,
        agents=args.agents,
        queues=args.queues,
        items=args.items,
        written_capacity=args.written_capacity,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    print(f"Workload built in {time.perf_counter() - t0:.1f} s", flush=True)
    load_start = os.getloadavg()[0]

    now = timezone.now()
    naive: list[float] = []
    pid = _backend_pid()
    c0, b0 = time.process_time(), _backend_cpu(pid)
    t0 = time.perf_counter()
    for _ in range(args.naive_decisions):
        took = naive_decision(org.pk, now)
        if took is None:
            break
        naive.append(took)
    naive_wall = time.perf_counter() - t0
    naive_cpu, naive_backend = time.process_time() - c0, _backend_cpu(pid) - b0

    headers = [
        "router",
        "processes",
        "synchronous_commit",
        "batch",
        "decisions",
        "decisions/s",
        "p50 latency (ms)",
        "p99 latency (ms)",
        "client CPU (ms/decision)",
        "PG backend CPU (ms/decision)",
    ]
    rows: list[list[Any]] = []
    runs: list[dict[str, Any]] = []
    for batch in batches:
        for processes in process_counts:
            for mode in sync_modes:
                reset(org.pk)
                connection.close()  # the workers get the database to themselves
                run = run_engine(
                    target,
                    org.pk,
                    now,
                    processes=processes,
                    batch=batch,
                    async_commit=mode == "off",
                )
                lat, n = run["latencies"], len(run["latencies"])
                offers = Offer.objects.filter(organization=org).count()
                assert offers == n, (offers, n)
                over = Agent.objects.raw(
                    "SELECT id FROM routing_agent WHERE load_voice > capacity_voice "
                    "OR load_chat > capacity_chat OR load_written > capacity_written"
                )
                assert not list(over)
                from helpline.routing import engine

                engine.clear_config_cache()
                left = len(engine.route_cycle(org_id=org.pk, now=now, max_scan=20000))
                row = [
                    "engine",
                    processes,
                    mode,
                    batch,
                    n,
                    n / run["wall"],
                    percentile(lat, 50) * 1000,
                    percentile(lat, 99) * 1000,
                    run["cpu"] / max(n, 1) * 1000,
                    run["backend_cpu"] / max(n, 1) * 1000,
                ]
                rows.append(row)
                runs.append({**{k: v for k, v in run.items() if k != "latencies"}, "left": left})
                print(
                    f"  batch {batch}, {processes} process(es), synchronous_commit {mode}: "
                    f"{n} decisions in {run['wall']:.2f} s, {run['cycles']} cycles, "
                    f"{run['writes']} write statements, {run['matched'] - run['reserved']} of "
                    f"{run['matched']} matches refused by the database and retried; a final "
                    f"sweep found {left} more",
                    flush=True,
                )
    rows.append(
        [
            "naive: scan every agent per decision",
            1,
            "on",
            1,
            len(naive),
            len(naive) / naive_wall if naive_wall else 0.0,
            percentile(naive, 50) * 1000,
            percentile(naive, 99) * 1000,
            naive_cpu / max(len(naive), 1) * 1000,
            naive_backend / max(len(naive), 1) * 1000,
        ]
    )
    print()
    print(
        f"{target.label} ({database_version(target)}), {args.agents} agents, {args.queues} "
        f"queues, {args.items} waiting items, written capacity {args.written_capacity}; "
        f"{machine()}; 1-minute load average "
        f"{load_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"
    )
    print(table(headers, rows))
    print(
        "\nLatency: from the start of a batch's transaction (claim) to its commit, for every "
        "decision of the batch. Throughput: decisions over the wall time from the engine "
        "processes' common start to the last one's end, snapshots included. The engine "
        "stops when no free agent can take any waiting item (capacity or skills run out). "
        "Targets: >= 1,000 decisions/s, p99 <= 10 ms."
    )
    path = save_result(
        "routing",
        {
            "at": datetime.now(UTC).isoformat(),
            "args": vars(args),
            "database": database_version(target),
            "machine": machine(),
            "loadavg": [load_start, os.getloadavg()[0]],
            "runs": runs,
            "headers": headers,
            "rows": rows,
        },
    )
    print(f"saved {path}")


if __name__ == "__main__":
    sys.exit(main())
