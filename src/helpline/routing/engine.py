"""The routing engine: turns waiting tasks into offers to agents.

One *cycle* (``route_cycle``) per organisation:

1. Read a snapshot: the routing configuration (queues, escalation steps, memberships,
   skills; cached for ``HELPLINE_ROUTING_CONFIG_TTL`` seconds) and the routable agents'
   state and load (read fresh every cycle).
2. Repeatedly claim the next few waiting tasks of the queues that have a free agent, in
   queue order ``(priority, enqueued_at, id)``, with ``SELECT ... FOR UPDATE SKIP LOCKED``
   (several engine processes never wait for nor take the same task), and for each pick an
   agent with the queue's strategy from the snapshot.
3. Reserve the agent with one conditional ``UPDATE``: it only succeeds while the agent is
   routable and has capacity for that kind of work, so the snapshot is only a hint and the
   database has the last word; a stale choice just tries the next candidate.
4. Write the offers, their contact events and the task changes, and commit the batch.

The partial unique index on pending offers and the load/capacity check constraint back up
the two invariants (one pending offer per task; no agent over capacity) whatever happens.
Decision latency, in the benchmark, is claim-to-commit of the batch a decision is in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from helpline.events.models import ContactEvent, EventKind
from helpline.lib.actors import ActorKind
from helpline.routing.models import (
    ROUTABLE_STATES,
    Agent,
    AgentSkill,
    CapacityClass,
    EscalationStep,
    Offer,
    Queue,
    QueueMember,
    Strategy,
    Task,
    TaskStatus,
)

CLASSES = tuple(CapacityClass.values)


@dataclass
class QueueConf:
    id: int
    strategy: str
    offer_timeout: int
    #: ``(after_seconds, max_member_priority or None, skill_relax)``, by ``after_seconds``.
    steps: list[tuple[int, int | None, int]]
    #: ``(user_id, priority, delay_seconds)``
    members: list[tuple[int, int, int]]
    rr_last: int | None = None


@dataclass
class OrgConfig:
    loaded_at: float
    queues: dict[int, QueueConf]
    skills: dict[int, dict[int, int]]  # user -> skill -> level


@dataclass
class AgentSnap:
    id: int
    user_id: int
    idle_since: datetime
    load: dict[str, int]
    capacity: dict[str, int]

    def can_take(self, cls: str) -> bool:
        if self.load[cls] >= self.capacity[cls]:
            return False
        return all(self.load[other] == 0 for other in CLASSES if other != cls)


@dataclass
class Decision:
    """One offer made: what the loop pushes to the agent's desk after commit."""

    org_id: int
    task_id: int
    case_id: int
    offer_id: int
    user_id: int
    queue_id: int
    expires_at: datetime
    claimed_at: float = 0.0
    committed_at: float = 0.0


_config_cache: dict[int, OrgConfig] = {}


def clear_config_cache() -> None:
    """Forget cached routing configuration (after memberships, skills or queues change)."""
    _config_cache.clear()


def load_config(org_id: int, *, fresh: bool = False) -> OrgConfig:
    ttl = float(getattr(settings, "HELPLINE_ROUTING_CONFIG_TTL", 5.0))
    cached = _config_cache.get(org_id)
    if cached is not None and not fresh and time.monotonic() - cached.loaded_at < ttl:
        return cached
    queues: dict[int, QueueConf] = {}
    for pk, strategy, timeout, rr_last in Queue.objects.filter(organization_id=org_id).values_list(
        "pk", "strategy", "offer_timeout_seconds", "rr_last_user_id"
    ):
        queues[pk] = QueueConf(pk, strategy, timeout, [], [], rr_last)
    for queue_id, after, max_prio, relax in (
        EscalationStep.objects.filter(organization_id=org_id)
        .order_by("after_seconds")
        .values_list("queue_id", "after_seconds", "max_member_priority", "skill_relax")
    ):
        queues[queue_id].steps.append((after, max_prio, relax))
    for queue_id, user_id, prio, delay in QueueMember.objects.filter(
        organization_id=org_id
    ).values_list("queue_id", "user_id", "priority", "delay_seconds"):
        queues[queue_id].members.append((user_id, prio, delay))
    for q in queues.values():
        q.members.sort(key=lambda m: m[0])
    skills: dict[int, dict[int, int]] = {}
    for user_id, skill_id, level in AgentSkill.objects.filter(organization_id=org_id).values_list(
        "user_id", "skill_id", "level"
    ):
        skills.setdefault(user_id, {})[skill_id] = level
    config = OrgConfig(time.monotonic(), queues, skills)
    _config_cache[org_id] = config
    return config


def load_agents(org_id: int) -> dict[int, AgentSnap]:
    """Routable agents with some spare capacity, by user id (one query)."""
    rows = Agent.objects.filter(organization_id=org_id, state__in=ROUTABLE_STATES).values_list(
        "pk",
        "user_id",
        "idle_since",
        *(f"load_{c}" for c in CLASSES),
        *(f"capacity_{c}" for c in CLASSES),
    )
    agents = {}
    n = len(CLASSES)
    for row in rows:
        load = dict(zip(CLASSES, row[3 : 3 + n], strict=True))
        cap = dict(zip(CLASSES, row[3 + n : 3 + 2 * n], strict=True))
        if any(load[c] < cap[c] for c in CLASSES):
            agents[row[1]] = AgentSnap(row[0], row[1], row[2], load, cap)
    return agents


# --- choosing an agent -------------------------------------------------------------------


def _ring(queue: QueueConf, waited: float) -> tuple[int | None, int]:
    """Members up to which priority, and how much skill relaxation, after ``waited`` s.
    With no steps every member is eligible at once; with steps, the first ring is
    priority 1 until the first step."""
    if not queue.steps:
        return None, 0
    ring: int | None = 1
    relax = 0
    for after, max_prio, step_relax in queue.steps:
        if waited >= after:
            ring, relax = max_prio, step_relax
    return ring, relax


def _skills_ok(have: dict[int, int], required: list[list[int]], relax: int) -> int | None:
    """The agent's total level over the required skills, or None if one is missing."""
    total = 0
    for skill_id, min_level in required:
        need = min_level - relax
        level = have.get(skill_id, 0)
        if need > 0 and level < need:
            return None
        total += level
    return total


def candidates(
    *,
    queue: QueueConf,
    task_cls: str,
    required: list[list[int]],
    waited: float,
    agents: dict[int, AgentSnap],
    skills: dict[int, dict[int, int]],
) -> list[AgentSnap]:
    """Eligible agents for one task, best first by the queue's strategy."""
    ring, relax = _ring(queue, waited)
    found: list[tuple[Any, AgentSnap]] = []
    for user_id, prio, delay in queue.members:
        agent = agents.get(user_id)
        if agent is None or not agent.can_take(task_cls):
            continue
        if delay > waited or (ring is not None and prio > ring):
            continue
        score = _skills_ok(skills.get(user_id, {}), required, relax)
        if score is None:
            continue
        total_load = sum(agent.load.values())
        if queue.strategy == Strategy.LEAST_OCCUPIED:
            key: Any = (agent.load[task_cls] / agent.capacity[task_cls], agent.idle_since)
        elif queue.strategy == Strategy.BEST_SKILL:
            key = (-score, total_load, agent.idle_since)
        elif queue.strategy == Strategy.ROUND_ROBIN:
            last = queue.rr_last or 0
            key = (user_id <= last, user_id)  # next user id after the last one, wrapping
        else:  # longest idle: free agents first, then the one idle the longest
            key = (total_load, agent.idle_since)
        found.append((key, agent))
    found.sort(key=lambda pair: pair[0])
    return [agent for _key, agent in found]


# --- reserving ---------------------------------------------------------------------------


def _reserve_sql(cls: str) -> str:
    """One conditional UPDATE that reserves capacity only if the agent still can take it.

    Where the database has SKIP LOCKED (PostgreSQL), an agent row another transaction holds
    (an agent accepting or finishing right now, another engine reserving them) is skipped
    rather than waited for: the engine then never waits for any lock, so it cannot take
    part in a deadlock, and simply offers to the next candidate. SQLite has one writer at a
    time, so the plain conditional UPDATE is enough there.
    """
    assert cls in CLASSES
    others = " AND ".join(f"load_{c} = 0" for c in CLASSES if c != cls)
    table = connection.ops.quote_name(Agent._meta.db_table)
    states = ", ".join(f"'{s}'" for s in ROUTABLE_STATES)
    condition = f"state IN ({states}) AND load_{cls} < capacity_{cls} AND {others}"
    if connection.features.has_select_for_update_skip_locked:
        return (
            f"UPDATE {table} SET load_{cls} = load_{cls} + 1 WHERE id = ("
            f"SELECT id FROM {table} WHERE id = %s AND {condition} FOR UPDATE SKIP LOCKED)"
        )
    return f"UPDATE {table} SET load_{cls} = load_{cls} + 1 WHERE id = %s AND {condition}"


def _free_work(config: OrgConfig, agents: dict[int, AgentSnap]) -> Q | None:
    """Which (queue, kind of work) some free agent could take: only those tasks are read."""
    by_class: dict[str, set[int]] = {}
    for qid, queue in config.queues.items():
        for user_id, _prio, _delay in queue.members:
            agent = agents.get(user_id)
            if agent is None:
                continue
            for cls in CLASSES:
                if agent.can_take(cls):
                    by_class.setdefault(cls, set()).add(qid)
    condition = None
    for cls, queue_ids in sorted(by_class.items()):
        part = Q(capacity_class=cls, queue_id__in=sorted(queue_ids))
        condition = part if condition is None else condition | part
    return condition


def _waiting_tasks(
    org_id: int, free: Q, now: datetime, after: tuple[Any, ...] | None, n: int
) -> list[Task]:
    q = Task.objects.filter(
        free,
        Q(not_before__isnull=True) | Q(not_before__lte=now),
        organization_id=org_id,
        status=TaskStatus.WAITING,
    )
    if after is not None:
        prio, enq, pk = after
        q = q.filter(
            Q(priority__gt=prio)
            | Q(priority=prio, enqueued_at__gt=enq)
            | Q(priority=prio, enqueued_at=enq, pk__gt=pk)
        )
    return list(
        q.select_for_update(skip_locked=True)
        .order_by("priority", "enqueued_at", "id")
        .only(
            "pk",
            "queue_id",
            "case_id",
            "channel",
            "capacity_class",
            "priority",
            "enqueued_at",
            "queued_at",
            "required_skills",
        )[:n]
    )


def route_batch(
    *,
    org_id: int,
    config: OrgConfig,
    agents: dict[int, AgentSnap],
    now: datetime,
    after: tuple[Any, ...] | None = None,
    batch: int = 8,
    free: Q | None = None,
) -> tuple[list[Decision], tuple[Any, ...] | None, int]:
    """Claim up to ``batch`` waiting tasks after ``after`` and offer what can be offered,
    in one transaction. Returns the decisions, the place of the last task looked at (to
    continue past items nobody free can take) and how many tasks were looked at.
    ``free`` (from ``_free_work``) may be a superset: every candidate is checked again."""
    free = free if free is not None else _free_work(config, agents)
    if free is None:
        return [], None, 0
    decisions: list[Decision] = []
    with transaction.atomic():
        claimed = time.perf_counter()
        tasks = _waiting_tasks(org_id, free, now, after, batch)
        if not tasks:
            return [], None, 0
        offers: list[Offer] = []
        events: list[ContactEvent] = []
        with connection.cursor() as cursor:
            for task in tasks:
                queue = config.queues[task.queue_id]
                waited = (now - task.queued_at).total_seconds()
                for agent in candidates(
                    queue=queue,
                    task_cls=task.capacity_class,
                    required=task.required_skills,
                    waited=waited,
                    agents=agents,
                    skills=config.skills,
                ):
                    cursor.execute(_reserve_sql(task.capacity_class), [agent.id])
                    if cursor.rowcount == 1:
                        break
                    agents.pop(agent.user_id, None)  # stale (busy, paused, gone) or locked
                else:
                    continue
                agent.load[task.capacity_class] += 1
                if not any(agent.can_take(c) for c in CLASSES):
                    agents.pop(agent.user_id, None)
                queue.rr_last = agent.user_id
                expires = now + timedelta(seconds=queue.offer_timeout)
                offers.append(
                    Offer(
                        organization_id=org_id,
                        task_id=task.pk,
                        user_id=agent.user_id,
                        offered_at=now,
                        expires_at=expires,
                    )
                )
                events.append(
                    ContactEvent(
                        organization_id=org_id,
                        at=now,
                        kind=EventKind.OFFERED,
                        channel=task.channel,
                        case_id=task.case_id,
                        actor_kind=ActorKind.SYSTEM,
                        actor_label="routing",
                        data={
                            "task": task.pk,
                            "queue": task.queue_id,
                            "agent": agent.user_id,
                            "wait": round(waited, 3),
                        },
                    )
                )
                decisions.append(
                    Decision(
                        org_id, task.pk, task.case_id, 0, agent.user_id, task.queue_id, expires
                    )
                )
        if offers:
            # One UPDATE for the batch's tasks (they are locked by this transaction).
            Task.objects.filter(pk__in=[o.task_id for o in offers]).update(
                status=TaskStatus.OFFERED,
                agent_id=Case(*(When(pk=o.task_id, then=Value(o.user_id)) for o in offers)),
                offer_expires_at=Case(
                    *(When(pk=o.task_id, then=Value(o.expires_at)) for o in offers)
                ),
            )
            Offer.objects.bulk_create(offers)
            ContactEvent.objects.bulk_create(events)
            for decision, offer in zip(decisions, offers, strict=True):
                decision.offer_id = offer.pk
            rr = {d.queue_id: d.user_id for d in decisions}
            for qid, uid in rr.items():
                if config.queues[qid].strategy == Strategy.ROUND_ROBIN:
                    Queue.objects.filter(pk=qid).update(rr_last_user_id=uid)
    done = time.perf_counter()
    for d in decisions:
        d.claimed_at, d.committed_at = claimed, done
    last = tasks[-1]
    return decisions, (last.priority, last.enqueued_at, last.pk), len(tasks)


def route_cycle(
    *,
    org_id: int,
    now: datetime | None = None,
    batch: int = 8,
    max_scan: int = 2000,
    max_decisions: int | None = None,
) -> list[Decision]:
    """Offer as much waiting work as the free agents can take, scanning at most
    ``max_scan`` tasks (items nobody free can take keep their place and are passed over)."""
    now = now or timezone.now()
    config = load_config(org_id)
    agents = load_agents(org_id)
    decisions: list[Decision] = []
    after = None
    scanned = 0
    size = batch
    free = _free_work(config, agents)
    while agents and scanned < max_scan and free is not None:
        if max_decisions is not None and len(decisions) >= max_decisions:
            break
        made, after, looked = route_batch(
            org_id=org_id,
            config=config,
            agents=agents,
            now=now,
            after=after,
            batch=size,
            free=free,
        )
        decisions += made
        scanned += looked
        if looked == 0:
            break
        # Past items nobody free can take, read further at a time; back to small batches
        # (short transactions, low latency) as soon as offers are being made again.
        size = batch if made else min(size * 4, 256)
        if not made:  # agents filled up: narrow what is read to what they can still take
            free = _free_work(config, agents)
    return decisions


def organisations_with_work(now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Task.objects.filter(status=TaskStatus.WAITING)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .order_by()
        .values_list("organization_id", flat=True)
        .distinct()
    )


def route_all(*, now: datetime | None = None, batch: int = 8) -> list[Decision]:
    """One cycle for every organisation with waiting work."""
    decisions: list[Decision] = []
    for org_id in organisations_with_work(now):
        decisions += route_cycle(org_id=org_id, now=now, batch=batch)
    return decisions
