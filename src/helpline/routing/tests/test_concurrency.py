"""Four processes route 5,000 items to 200 agents who accept, reject, ignore, finish and
change state at the same time. Afterwards the contact event log, replayed, proves that no
item was ever offered to two agents at once and no agent was ever over capacity or mixed
kinds of work; the final state agrees with it."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from helpline.cases.models import Case
from helpline.events.models import ContactEvent, EventKind
from helpline.routing import engine
from helpline.routing.models import (
    CHANNEL_CAPACITY,
    Agent,
    Offer,
    Queue,
    QueueMember,
    Task,
)
from helpline.routing.services import task_priority
from helpline.routing.tests._concurrency_worker import work
from helpline.tenancy.models import Membership, Role
from helpline.tenancy.services import create_user

#: The issue's figure is 5,000 items; ``make test`` runs 300 on PostgreSQL and 200 on SQLite
#: (whose four writers queue on one lock) to stay within its time budget on a shared 2-core
#: machine. HELPLINE_ROUTING_STRESS_ITEMS=5000 runs the full size.
ITEMS = int(
    os.environ.get(
        "HELPLINE_ROUTING_STRESS_ITEMS",
        "300" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "200",
    )
)
AGENTS, PROCESSES = 200, 4
CAPACITY = {"voice": 1, "chat": 3, "written": 5}


def _setup(org) -> None:
    queues = [
        Queue.objects.create(
            organization=org,
            code=f"q{i}",
            name=f"Queue {i}",
            offer_timeout_seconds=5,
            max_missed_offers=5,
            wrapup_seconds=1 if i == 0 else 0,
            strategy=["longest_idle", "least_occupied", "round_robin", "best_skill"][i],
        )
        for i in range(4)
    ]
    users = [create_user(username=f"agent{i:03d}", password="pw-Helpline-1") for i in range(AGENTS)]
    Membership.objects.bulk_create(
        Membership(user=u, organization=org, role=Role.OPERATOR) for u in users
    )
    now = timezone.now()
    Agent.objects.bulk_create(
        Agent(organization=org, user=u, state="available", state_since=now, idle_since=now)
        for u in users
    )
    QueueMember.objects.bulk_create(
        QueueMember(organization=org, queue=queues[(i + k) % 4], user=u, priority=1 + k)
        for i, u in enumerate(users)
        for k in range(2)
    )
    channels = ["phone", "chat", "email", "web", "chat"]
    start = now - timedelta(minutes=10)
    cases = Case.objects.bulk_create(
        Case(
            organization=org,
            protocol_number=f"T-{i}",
            protocol_year=now.year,
            protocol_seq=i + 1,
            channel=channels[i % 5],
            case_type="complaint" if i % 17 == 0 else "information",
            urgency=["normal", "high", "low", "emergency"][i % 4 if i % 11 == 0 else 0],
            title=f"item {i}",
            queue=queues[i % 4],
            created_at=start,
            updated_at=start,
        )
        for i in range(ITEMS)
    )
    Task.objects.bulk_create(
        Task(
            organization=org,
            queue_id=c.queue_id or 0,
            kind="case",
            case=c,
            channel=c.channel,
            capacity_class=CHANNEL_CAPACITY[c.channel],
            priority=task_priority(urgency=c.urgency, case_type=c.case_type),
            enqueued_at=start + timedelta(milliseconds=i),
            queued_at=start,
        )
        for i, c in enumerate(cases)
    )
    engine.clear_config_cache()


def _replay(org) -> dict[str, int]:
    """Walk the event log in id order: for one task, and for one agent, events are written
    under that row's lock, so id order is their commit order."""
    open_offer: dict[int, int] = {}  # task -> agent
    closed: set[int] = set()
    load: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CAPACITY, 0))
    holding: dict[int, int] = {}  # task -> agent, accepted and not finished
    stats: dict[str, int] = defaultdict(int)
    rows = (
        ContactEvent.objects.filter(organization=org)
        .order_by("id")
        .values_list("kind", "channel", "data")
    )
    for kind, channel, data in rows.iterator(chunk_size=5000):
        task = data.get("task")
        agent = data.get("agent")
        cls = CHANNEL_CAPACITY.get(channel, "written")
        stats[kind] += 1
        if kind == EventKind.OFFERED:
            assert task not in closed, f"task {task} offered after it ended"
            assert task not in open_offer, f"task {task} offered twice at once"
            assert task not in holding, f"task {task} offered while held"
            open_offer[task] = agent
            load[agent][cls] += 1
            assert load[agent][cls] <= CAPACITY[cls], f"agent {agent} over {cls} capacity"
            assert all(v == 0 for c, v in load[agent].items() if c != cls), (
                f"agent {agent} mixed work"
            )
        elif kind == EventKind.OFFER_MISSED:
            assert open_offer.pop(task) == agent
            load[agent][cls] -= 1
        elif kind == EventKind.OFFER_ACCEPTED:
            assert open_offer.pop(task) == agent, f"task {task} accepted without an open offer"
            holding[task] = agent
        elif kind == EventKind.ROUTING_DONE:
            assert holding.pop(task) == agent
            load[agent][cls] -= 1
            closed.add(task)
        elif kind == EventKind.ABANDONED:
            assert task not in open_offer and task not in holding
            closed.add(task)
        for v in load[agent].values() if agent is not None else ():
            assert v >= 0
    assert not open_offer and not holding
    assert len(closed) == ITEMS
    return dict(stats)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_four_processes_never_double_offer_or_overload_an_agent(tenant_a):
    _setup(tenant_a.org)
    ctx = multiprocessing.get_context("spawn")
    deadline = time.time() + 600
    db_name = connection.settings_dict["NAME"]
    with ctx.Pool(PROCESSES) as pool:
        results = pool.starmap(
            work,
            [(db_name, tenant_a.org.pk, seed, PROCESSES, deadline) for seed in range(PROCESSES)],
        )
    assert sum(r["integrity"] for r in results) == 0, results
    assert not Task.objects.filter(status__in=["waiting", "offered", "assigned"]).exists(), results
    stats = _replay(tenant_a.org)
    assert stats[EventKind.OFFERED] >= ITEMS - stats.get(EventKind.ABANDONED, 0)
    assert stats.get(EventKind.OFFER_MISSED, 0) > 0  # rejections and timeouts happened
    assert not Offer.objects.filter(outcome="pending").exists()
    assert not Agent.objects.exclude(load_voice=0, load_chat=0, load_written=0).exists()
    accepted = dict(Task.objects.filter(status="done").values_list("case_id", "agent_id"))
    assigned = dict(Case.objects.filter(pk__in=accepted).values_list("pk", "assignee_id"))
    assert accepted == assigned
