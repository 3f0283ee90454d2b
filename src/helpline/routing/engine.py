"""The routing engine: turns waiting tasks into offers to agents.

One *cycle* (``route_cycle``) per organisation:

1. Read a snapshot: the routing configuration (queues, escalation steps, memberships,
   skills; cached for ``HELPLINE_ROUTING_CONFIG_TTL`` seconds) and the routable agents'
   state and load (read fresh every cycle, one query). Each queue's members are ranked
   once per cycle in the order its strategy scans them (idle time, or user id for round
   robin) and kept in that order: picking an agent for a task is a walk that usually stops
   at the first eligible member, on plain Python objects, never model instances.
2. Repeatedly, in one short transaction per batch:
   a. claim the next few waiting tasks of the queues and kinds of work some free agent
      could take, in queue order ``(priority, enqueued_at, id)``, with ``SELECT ... FOR
      UPDATE SKIP LOCKED`` (several engine processes never wait for nor take the same
      task);
   b. match them to agents in Python, counting each match against the snapshot;
   c. on PostgreSQL, **one statement** reserves the agents (a conditional ``UPDATE ...
      FROM unnest(...)`` that only succeeds while the agent is routable, has capacity for
      that kind of work and no other kind in progress, on rows it can lock without waiting,
      ``FOR UPDATE SKIP LOCKED``) and, for the agents it reserved only, marks the tasks
      offered, inserts the offers and their ``offered`` contact events and moves the
      round-robin cursors (data-modifying CTEs);
   d. commit. The snapshot is only a hint: the database has the last word. A task whose
      agent it refused (stale snapshot, another engine, the agent acting right now) is
      claimed again by the next batch and goes to the next candidate; that agent is out of
      the cycle.

On PostgreSQL the claim and the write are prepared once per session (SQL ``PREPARE``,
generic plans) and executed with their parameters as escaped literals, so that each can
share a message: when the engine owns its transaction (the routing loop: autocommit, no
``atomic`` around it) a batch is **two round trips**, ``BEGIN`` + claim and write +
``COMMIT``, whatever its size. Called inside someone else's transaction it runs the same two
statements in it and leaves the commit to its owner. On SQLite (one writer at a time: the
transaction holds the write lock from ``BEGIN``) the same decisions are written with plain
statements per agent and per task.

Offer transactions the engine owns commit with ``synchronous_commit = off``
(``HELPLINE_ROUTING_ASYNC_COMMIT``, default on): PostgreSQL then acknowledges the commit
before its WAL record reaches the disk. A crash of the database server can lose the last
few hundred milliseconds of *offers* but never leaves anything half-written: WAL replay is
atomic per transaction and in order, so a lost offer transaction is lost whole (its tasks
are still waiting, the agents' loads never moved, no offer row, no event) and is simply
offered again by the next cycle. Anything that depends on an offer (accepting it, a
timeout, a withdrawal) runs with the default synchronous commit, and a synchronous commit
flushes the WAL up to its own record, which includes every earlier offer: an acceptance
can never survive the offer it accepted (what a crash loses is always a tail of the WAL, so
nothing that saw a lost offer survives it either). The only visible effect is a desk popup
for an offer that no longer exists, which answers "No such offer" when accepted.

The partial unique index on pending offers and the load/capacity check constraint back up
the two invariants (one pending offer per task; no agent over capacity) whatever happens.
Decision latency, in the benchmark, is claim-to-commit of the batch a decision is in.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from helpline.events.models import EventKind
from helpline.lib.actors import ActorKind
from helpline.routing.models import (
    ROUTABLE_STATES,
    AgentSkill,
    CapacityClass,
    EscalationStep,
    OfferOutcome,
    Queue,
    QueueMember,
    Strategy,
    Task,
    TaskStatus,
)

CLASSES: tuple[str, ...] = tuple(CapacityClass.values)  # ("voice", "chat", "written")
CLASS_INDEX = {c: i for i, c in enumerate(CLASSES)}
_NO_SKILLS: dict[int, int] = {}
#: Before every place in a queue (the first batch's ``after``).
_START = (-(2**31), datetime(1, 1, 1, tzinfo=UTC), 0)


@dataclass
class QueueConf:
    id: int
    strategy: str
    offer_timeout: int
    #: ``(after_seconds, max_member_priority or None, skill_relax)``, by ``after_seconds``.
    steps: list[tuple[int, int | None, int]]
    #: ``(user_id, priority, delay_seconds)``, by user id.
    members: list[tuple[int, int, int]]
    rr_last: int | None = None


@dataclass
class OrgConfig:
    loaded_at: float
    queues: dict[int, QueueConf]
    skills: dict[int, dict[int, int]]  # user -> skill -> level
    #: Users whose queues do not all have the same member priority: only for them does the
    #: agent-side queue priority (``Cycle.preferences``) change anything.
    ranked_users: frozenset[int] = frozenset()


class AgentSnap:
    """One routable agent with spare capacity, as this cycle believes it to be."""

    __slots__ = ("cap", "gone", "id", "idle", "load", "user_id")

    def __init__(self, pk: int, user_id: int, idle: float, load: list[int], cap: list[int]) -> None:
        self.id = pk
        self.user_id = user_id
        self.idle = idle  # idle since, POSIX seconds
        self.load = load  # by CLASS_INDEX
        self.cap = cap
        self.gone = False  # full, or the database refused a reservation: skip this cycle

    def can_take(self, ci: int) -> bool:
        load = self.load
        return not self.gone and load[ci] < self.cap[ci] and sum(load) == load[ci]

    def full(self) -> bool:
        return not any(self.can_take(ci) for ci in range(len(CLASSES)))


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

#: Running totals of this process (the benchmark reads them): write statements, matches
#: sent to them and matches whose agent the database reserved (the others are retried).
counters = {"writes": 0, "matched": 0, "reserved": 0}


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
    priorities: dict[int, set[int]] = {}
    for q in queues.values():
        for user_id, prio, _delay in q.members:
            priorities.setdefault(user_id, set()).add(prio)
    ranked_users = frozenset(uid for uid, prios in priorities.items() if len(prios) > 1)
    config = OrgConfig(time.monotonic(), queues, skills, ranked_users)
    _config_cache[org_id] = config
    return config


_AGENTS_SQL = (
    "SELECT id, user_id, idle_since, load_voice, load_chat, load_written, capacity_voice, "
    "capacity_chat, capacity_written FROM routing_agent "
    "WHERE organization_id = %s AND state IN ({states})"
)


def load_agents(org_id: int) -> dict[int, AgentSnap]:
    """Routable agents with some spare capacity, by user id (one query)."""
    sql = _AGENTS_SQL.format(states=", ".join(["%s"] * len(ROUTABLE_STATES)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [org_id, *ROUTABLE_STATES])
        rows = cursor.fetchall()
    agents = {}
    for pk, user_id, idle, lv, lc, lw, cv, cc, cw in rows:
        if lv < cv or lc < cc or lw < cw:
            idle_at = _as_datetime(idle).timestamp()
            agents[user_id] = AgentSnap(pk, user_id, idle_at, [lv, lc, lw], [cv, cc, cw])
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


_LONGEST_IDLE, _LEAST_OCCUPIED, _BEST_SKILL, _ROUND_ROBIN = range(4)
_STRATEGY_CODE = {
    str(Strategy.LONGEST_IDLE): _LONGEST_IDLE,
    str(Strategy.LEAST_OCCUPIED): _LEAST_OCCUPIED,
    str(Strategy.BEST_SKILL): _BEST_SKILL,
    str(Strategy.ROUND_ROBIN): _ROUND_ROBIN,
}

#: A queue's members in the order its strategy scans them: ``(agent, priority, delay)``.
Ranked = list[tuple[AgentSnap, int, int]]


class Cycle:
    """What one cycle knows: the configuration, the agents, and each queue's members in
    scan order (built on first use and kept for the cycle; agents are shared objects, so a
    reservation counted in one queue is seen by every queue)."""

    def __init__(self, org_id: int, config: OrgConfig, agents: dict[int, AgentSnap]) -> None:
        self.org_id = org_id
        self.config = config
        self.agents = agents
        self._ranked: dict[int, tuple[Ranked, list[int]]] = {}
        #: user id -> the best (lowest) member priority among the queues with work waiting
        #: for them (``preferences``); None: no agent-side queue priority in this pass.
        self.preferred: dict[int, int] | None = None
        #: How many times an agent was passed over for work of a lower-priority queue.
        self.deferred = 0

    def preferences(self, waiting: Iterable[tuple[int, str, float]], now_ts: float) -> None:
        """Agent-side queue priority, as in Amazon Connect routing profiles: an agent whose
        queues have different priorities takes work from their best-priority queue that
        has work waiting for them, before work from their other queues.

        ``waiting`` is ``(queue id, kind of work, oldest queued_at)`` of the waiting work.
        Work counts for an agent once its oldest item has waited past the member's delay
        and inside the queue's current ring, and if the agent has room for that kind of
        work. Skills are not looked at here: ``route_cycle`` runs a second pass without
        preferences, so an agent passed over for work they then could not take (skills,
        or someone else took it first) still gets the rest in the same cycle.
        """
        ranked = self.config.ranked_users
        preferred: dict[int, int] = {}
        if ranked:
            queues, agents = self.config.queues, self.agents
            for queue_id, cls, oldest in waiting:
                queue = queues.get(queue_id)
                ci = CLASS_INDEX.get(cls)
                if queue is None or ci is None:
                    continue
                waited = now_ts - oldest
                ring, _relax = _ring(queue, waited)
                for user_id, prio, delay in queue.members:
                    if user_id not in ranked or prio >= preferred.get(user_id, 1 << 30):
                        continue
                    agent = agents.get(user_id)
                    if agent is None or not agent.can_take(ci):
                        continue
                    if delay > waited or (ring is not None and prio > ring):
                        continue
                    preferred[user_id] = prio
        self.preferred = preferred or None

    def ranked(self, queue: QueueConf) -> tuple[Ranked, list[int]]:
        """The queue's members (with an agent in the snapshot) in scan order, and their
        user ids (for round robin's bisect)."""
        found = self._ranked.get(queue.id)
        if found is None:
            agents = self.agents
            members = [
                (agents[uid], prio, delay) for uid, prio, delay in queue.members if uid in agents
            ]
            if queue.strategy != Strategy.ROUND_ROBIN:  # by idle time (user id breaks ties)
                members.sort(key=lambda m: (m[0].idle, m[0].user_id))
            found = (members, [m[0].user_id for m in members])
            self._ranked[queue.id] = found
        return found

    def pick(
        self, queue: QueueConf, ci: int, required: list[list[int]], waited: float
    ) -> AgentSnap | None:
        """The best eligible agent for one task by the queue's strategy, or None.

        Eligible: a member whose delay has passed, inside the current ring, with the
        required skills at the required level minus the current relaxation, capacity for
        this kind of work and no other kind in progress, and (in the first pass of a
        cycle) no work waiting for them in a queue where their priority is better.
        - longest idle: free agents first (lowest total load), then the longest idle;
        - least occupied: lowest load/capacity for this kind of work, then longest idle;
        - best skill: highest total level over the required skills, then lowest total
          load, then longest idle;
        - round robin: the next member (by user id) after the last one offered, wrapping.
        Members are scanned in idle order (round robin: user-id order), so the scan stops
        at the first member that no later one could beat.
        """
        ring, relax = _ring(queue, waited)
        members, user_ids = self.ranked(queue)
        skills = self.config.skills
        strategy = _STRATEGY_CODE.get(queue.strategy, _LONGEST_IDLE)
        order: Iterable[tuple[AgentSnap, int, int]] = members
        if strategy == _ROUND_ROBIN:
            pos = bisect.bisect_right(user_ids, queue.rr_last or 0)
            order = members[pos:] + members[:pos]
        top = 5 * len(required)
        best: AgentSnap | None = None
        best_key: Any = None
        dead = 0
        preferred = self.preferred
        for agent, prio, delay in order:
            if agent.gone:
                dead += 1
                continue
            load = agent.load
            mine = load[ci]
            total = load[0] + load[1] + load[2]
            if mine >= agent.cap[ci] or total != mine:
                continue
            if delay > waited or (ring is not None and prio > ring):
                continue
            if preferred is not None and prio > preferred.get(agent.user_id, prio):
                self.deferred += 1  # work of a queue they rank higher is waiting
                continue
            score = 0
            if required:  # each skill at its level minus the current relaxation
                have = skills.get(agent.user_id, _NO_SKILLS)
                missing = False
                for skill_id, min_level in required:
                    level = have.get(skill_id, 0)
                    if level < min_level - relax:
                        missing = True
                        break
                    score += level
                if missing:
                    continue
            key: Any
            if strategy == _ROUND_ROBIN:
                return agent
            if strategy == _LEAST_OCCUPIED:
                key = mine / agent.cap[ci]
                if mine == 0:
                    return agent
            elif strategy == _BEST_SKILL:
                key = (-score, total)
                if total == 0 and score >= top:
                    return agent
            else:  # longest idle
                key = total
                if total == 0:
                    return agent
            if best_key is None or key < best_key:
                best, best_key = agent, key
        if dead > 8 and 2 * dead > len(members):  # mostly full agents: drop them
            alive = [m for m in members if not m[0].gone]
            self._ranked[queue.id] = (alive, [m[0].user_id for m in alive])
        return best

    def free_work(self) -> list[list[int]] | None:
        """Per kind of work (by CLASS_INDEX), the queues some free agent could take it
        from: only those tasks are claimed. None when nobody can take anything."""
        by_class: list[list[int]] = [[] for _ in CLASSES]
        every = (1 << len(CLASSES)) - 1
        can: dict[int, int] = {}  # user id -> bit mask of the kinds they could take
        for user_id, agent in self.agents.items():
            if agent.gone:
                continue
            load, cap = agent.load, agent.cap
            total = load[0] + load[1] + load[2]
            mask = 0
            for ci in range(len(CLASSES)):
                if load[ci] < cap[ci] and total == load[ci]:
                    mask |= 1 << ci
            if mask:
                can[user_id] = mask
        for qid, queue in self.config.queues.items():
            mask = 0
            for user_id, _prio, _delay in queue.members:
                mask |= can.get(user_id, 0)
                if mask == every:
                    break
            for ci in range(len(CLASSES)):
                if mask & (1 << ci):
                    by_class[ci].append(qid)
        if not any(by_class):
            return None
        return by_class


# --- claiming and writing ----------------------------------------------------------------

_STATES_SQL = ", ".join(f"'{s}'" for s in ROUTABLE_STATES)

#: The claim: the next waiting tasks in place order after ``after``, of the (kind of work,
#: queue) pairs some free agent could take, locked without waiting for rows others hold.
#: Prepared once per connection (SQL ``PREPARE``, generic plan) with every parameter as
#: text and a cast in the statement, and executed with literals (``EXECUTE name('…')``), so
#: that it can share one message with ``BEGIN``; the timestamps come back as text (the
#: place, exact) and epoch seconds (the wait).
_CLAIM_PG = """
SELECT id, queue_id, case_id, channel, capacity_class, priority, enqueued_at::text AS place,
       extract(epoch FROM queued_at)::float8 AS queued,
       NULLIF(required_skills, '[]'::jsonb)::text AS skills
FROM routing_task
WHERE organization_id = $1::bigint AND status = 'waiting'
  AND (not_before IS NULL OR not_before <= $2::timestamptz)
  AND queue_id = ANY(CASE capacity_class WHEN 'voice' THEN $3::bigint[]
                     WHEN 'chat' THEN $4::bigint[] WHEN 'written' THEN $5::bigint[] END)
  AND (priority, enqueued_at, id) > ($6::int, $7::timestamptz, $8::bigint)
ORDER BY priority, enqueued_at, id
LIMIT $9::int
FOR UPDATE SKIP LOCKED
"""

#: Reserve the agents and write everything for those reserved, in one statement.
#: ``w``: the matches; ``inc``: per agent, how many items of each kind; ``locked``: the
#: agent rows this transaction could lock without waiting (rows another transaction holds,
#: an agent accepting or another engine reserving, are skipped); ``res``: those reserved,
#: the conditions checked again on the current row; ``ok``: the matches whose agent was
#: reserved. The tasks are locked by this transaction since the claim. Prepared and
#: executed like the claim, and sent in one message with ``COMMIT``.
_WRITE_PG = f"""
WITH w AS MATERIALIZED (
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[],
                       $4::int[], $5::int[], $6::bigint[],
                       $7::bigint[], $8::text[], $9::float8[],
                       $10::bool[])
    WITH ORDINALITY AS w(task_id, agent_id, user_id, ci, timeout, queue_id, case_id,
                         channel, wait, rr, n)
),
inc AS MATERIALIZED (
  SELECT agent_id, count(*) FILTER (WHERE ci = 0) AS dv, count(*) FILTER (WHERE ci = 1) AS dc,
         count(*) FILTER (WHERE ci = 2) AS dw
  FROM w GROUP BY agent_id
),
locked AS MATERIALIZED (
  SELECT l.id FROM routing_agent l JOIN inc ON l.id = inc.agent_id
  FOR UPDATE OF l SKIP LOCKED
),
res AS (
  UPDATE routing_agent a
  SET load_voice = a.load_voice + inc.dv, load_chat = a.load_chat + inc.dc,
      load_written = a.load_written + inc.dw
  FROM inc JOIN locked ON locked.id = inc.agent_id
  WHERE a.id = inc.agent_id
    AND a.state IN ({_STATES_SQL})
    AND a.load_voice + inc.dv <= a.capacity_voice
    AND a.load_chat + inc.dc <= a.capacity_chat
    AND a.load_written + inc.dw <= a.capacity_written
    AND (a.load_voice + inc.dv > 0)::int + (a.load_chat + inc.dc > 0)::int
        + (a.load_written + inc.dw > 0)::int <= 1
  RETURNING a.id
),
ok AS MATERIALIZED (SELECT w.* FROM w JOIN res ON res.id = w.agent_id),
tasks AS (
  UPDATE routing_task t SET status = '{TaskStatus.OFFERED}', agent_id = ok.user_id,
         offer_expires_at = $12::timestamptz + ok.timeout * interval '1 second'
  FROM ok WHERE t.id = ok.task_id
),
events AS (
  INSERT INTO events_contactevent
    (organization_id, at, kind, channel, case_id, actor_kind, actor_label, data)
  SELECT $11::bigint, $12::timestamptz, '{EventKind.OFFERED}', ok.channel,
         ok.case_id, '{ActorKind.SYSTEM}', 'routing',
         jsonb_build_object('task', ok.task_id, 'queue', ok.queue_id, 'agent', ok.user_id,
                            'wait', round(ok.wait::numeric, 3))
  FROM ok ORDER BY ok.n
),
cursors AS (
  UPDATE routing_queue q SET rr_last_user_id = r.user_id
  FROM (SELECT DISTINCT ON (queue_id) queue_id, user_id FROM ok WHERE rr
        ORDER BY queue_id, n DESC) r
  WHERE q.id = r.queue_id
    AND q.id IN (SELECT l.id FROM routing_queue l
                 WHERE l.id IN (SELECT queue_id FROM ok WHERE rr) FOR UPDATE SKIP LOCKED)
)
INSERT INTO routing_offer (organization_id, task_id, user_id, offered_at, expires_at, outcome)
SELECT $11::bigint, ok.task_id, ok.user_id, $12::timestamptz,
       $12::timestamptz + ok.timeout * interval '1 second', '{OfferOutcome.PENDING}'
FROM ok ORDER BY ok.n
RETURNING id, task_id
"""
_WRITE_PARAMS: tuple[str, ...] = ("task", "agent", "user", "cls", "timeout", "queue", "case")
_WRITE_PARAMS += ("channel", "wait", "rr", "org", "now")
_CLAIM_NAME, _WRITE_NAME = "helpline_routing_claim", "helpline_routing_write"


@dataclass
class _Match:
    task_id: int
    queue: QueueConf
    case_id: int
    channel: str
    ci: int
    waited: float
    required: list[list[int]]
    agent: AgentSnap | None = None


_ready: weakref.WeakSet[Any] = weakref.WeakSet()


def _pg_cursor() -> Any:
    """A plain psycopg cursor on Django's connection (same session and transaction), with
    the engine's two statements prepared on first use in this session."""
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    if raw not in _ready:
        with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
            # Only the engine's statements are prepared on this connection (Django's
            # cursors bind on the client), and their plans do not depend on the values.
            cursor.execute("SET plan_cache_mode = force_generic_plan")
            cursor.execute(
                "SELECT name FROM pg_prepared_statements WHERE name IN (%s, %s)",
                [_CLAIM_NAME, _WRITE_NAME],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f"DEALLOCATE {name}")
            for name, sql, count in ((_CLAIM_NAME, _CLAIM_PG, 9), (_WRITE_NAME, _WRITE_PG, 12)):
                cursor.execute(f"PREPARE {name} ({', '.join(['text'] * count)}) AS {sql}")
        _ready.add(raw)
    return psycopg.Cursor(raw)


def _array(values: Iterable[Any]) -> str:
    """A PostgreSQL array literal of numbers, booleans or plain words (channel codes)."""
    return "{" + ",".join(map(str, values)) + "}"


def _execute_sql(cursor: Any, name: str, params: Iterable[str]) -> str:
    """``EXECUTE name('…', …)`` with the parameters as quoted literals (libpq's escaping)."""
    from psycopg.pq import Escaping

    escape = Escaping(cursor.connection.pgconn).escape_literal
    return f"EXECUTE {name}({', '.join(escape(p.encode()).decode() for p in params)})"


def _results(cursor: Any) -> list[tuple[Any, ...]]:
    """The rows of the one statement of a multi-statement message that returns rows."""
    while cursor.description is None:
        if not cursor.nextset():
            return []
    return list(cursor.fetchall())


def _claim_params(
    org_id: int, now: datetime, free: list[list[int]], after: tuple[Any, ...], n: int
) -> list[str]:
    prio, enqueued, pk = after
    if isinstance(enqueued, datetime):
        enqueued = enqueued.isoformat()
    return [str(org_id), now.isoformat(), *map(_array, free), str(prio), enqueued, str(pk), str(n)]


def _write_params(org_id: int, now: datetime, matches: list[_Match]) -> list[str]:
    agents = [m.agent for m in matches if m.agent is not None]
    assert len(agents) == len(matches)
    assert all(m.channel.isalnum() for m in matches)
    values = {
        "task": _array(m.task_id for m in matches),
        "agent": _array(a.id for a in agents),
        "user": _array(a.user_id for a in agents),
        "cls": _array(m.ci for m in matches),
        "timeout": _array(m.queue.offer_timeout for m in matches),
        "queue": _array(m.queue.id for m in matches),
        "case": _array(m.case_id for m in matches),
        "channel": _array(m.channel for m in matches),
        "wait": _array(m.waited for m in matches),
        "rr": _array("t" if m.queue.strategy == Strategy.ROUND_ROBIN else "f" for m in matches),
        "org": str(org_id),
        "now": now.isoformat(),
    }
    return [values[k] for k in _WRITE_PARAMS]


def _claim_generic(
    cursor: Any, org_id: int, now: datetime, free: list[list[int]], after: tuple[Any, ...], n: int
) -> list[tuple[Any, ...]]:
    pairs = " OR ".join(
        f"(capacity_class = '{CLASSES[ci]}' AND queue_id IN ({', '.join(map(str, qids))}))"
        for ci, qids in enumerate(free)
        if qids
    )
    cursor.execute(
        "SELECT id, queue_id, case_id, channel, capacity_class, priority, enqueued_at, "
        "queued_at, required_skills FROM routing_task WHERE organization_id = %s AND status = "
        f"'waiting' AND (not_before IS NULL OR not_before <= %s) AND ({pairs}) AND "
        "(priority, enqueued_at, id) > (%s, %s, %s) ORDER BY priority, enqueued_at, id "
        "LIMIT %s",
        [org_id, _db_datetime(now), after[0], _db_datetime(after[1]), after[2], n],
    )
    return [
        (*row[:6], row[6], _as_datetime(row[7]).timestamp(), row[8]) for row in cursor.fetchall()
    ]


def _write_generic(
    cursor: Any, org_id: int, now: datetime, matches: list[_Match]
) -> dict[int, tuple[int, datetime]]:
    """The same writes as plain statements (SQLite: this transaction holds the database's
    write lock since ``BEGIN``, so a conditional UPDATE is enough)."""
    per_agent: dict[int, list[_Match]] = {}
    for m in matches:
        assert m.agent is not None
        per_agent.setdefault(m.agent.id, []).append(m)
    reserved: list[_Match] = []
    for agent_id, mine in per_agent.items():
        ci = mine[0].ci
        cls = CLASSES[ci]
        others = " AND ".join(f"load_{c} = 0" for c in CLASSES if c != cls)
        cursor.execute(
            f"UPDATE routing_agent SET load_{cls} = load_{cls} + %s WHERE id = %s AND state IN "
            f"({_STATES_SQL}) AND load_{cls} + %s <= capacity_{cls} AND {others}",
            [len(mine), agent_id, len(mine)],
        )
        if cursor.rowcount == 1:
            reserved += mine
    reserved.sort(key=matches.index)
    done: dict[int, tuple[int, datetime]] = {}
    at = _db_datetime(now)
    cursors: dict[int, int] = {}
    for m in reserved:
        assert m.agent is not None
        expires = now + timedelta(seconds=m.queue.offer_timeout)
        cursor.execute(
            "UPDATE routing_task SET status = %s, agent_id = %s, offer_expires_at = %s "
            "WHERE id = %s",
            [TaskStatus.OFFERED, m.agent.user_id, _db_datetime(expires), m.task_id],
        )
        cursor.execute(
            "INSERT INTO routing_offer (organization_id, task_id, user_id, offered_at, "
            "expires_at, outcome) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            [org_id, m.task_id, m.agent.user_id, at, _db_datetime(expires), OfferOutcome.PENDING],
        )
        done[m.task_id] = (cursor.fetchone()[0], expires)
        data = {"task": m.task_id, "queue": m.queue.id, "agent": m.agent.user_id}
        cursor.execute(
            "INSERT INTO events_contactevent (organization_id, at, kind, channel, case_id, "
            "actor_kind, actor_label, data) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                org_id,
                at,
                EventKind.OFFERED,
                m.channel,
                m.case_id,
                ActorKind.SYSTEM,
                "routing",
                json.dumps(data | {"wait": round(m.waited, 3)}),
            ],
        )
        if m.queue.strategy == Strategy.ROUND_ROBIN:
            cursors[m.queue.id] = m.agent.user_id
    for qid, user_id in cursors.items():
        cursor.execute(
            "UPDATE routing_queue SET rr_last_user_id = %s WHERE id = %s", [user_id, qid]
        )
    return done


def _as_datetime(value: Any) -> datetime:
    """A timestamp read by a raw cursor, aware (SQLite gives naive UTC or text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _db_datetime(value: datetime) -> Any:
    """A timestamp parameter for a raw statement: as is for PostgreSQL, in Django's text
    format for SQLite (so that it compares with the stored text)."""
    if connection.vendor == "postgresql":
        return value
    return connection.ops.adapt_datetimefield_value(value)


def _match(cycle: Cycle, rows: list[tuple[Any, ...]], now_ts: float) -> list[_Match]:
    """Pick an agent for each claimed task, counting each match against the snapshot."""
    queues = cycle.config.queues
    matches = []
    for task_id, queue_id, case_id, channel, cls, _p, _e, queued_at, req in rows:
        if isinstance(req, str):
            req = json.loads(req)
        waited = now_ts - queued_at
        queue = queues[queue_id]
        m = _Match(task_id, queue, case_id, channel, CLASS_INDEX[cls], waited, req or [])
        agent = cycle.pick(queue, m.ci, m.required, waited)
        if agent is None:
            continue
        m.agent = agent
        agent.load[m.ci] += 1
        if queue.strategy == Strategy.ROUND_ROBIN:
            queue.rr_last = agent.user_id
        matches.append(m)
    return matches


def _settle(
    cycle: Cycle, matches: list[_Match], done: dict[int, tuple[int, datetime]]
) -> tuple[list[Decision], set[int]]:
    """The decisions the database accepted; the tasks it refused (their agent was stale or
    locked: that agent is out of this cycle, and the task is claimed again)."""
    decisions: list[Decision] = []
    refused: set[int] = set()
    for m in matches:
        agent = m.agent
        assert agent is not None
        if m.task_id in done:
            offer_id, expires = done[m.task_id]
            decisions.append(
                Decision(
                    cycle.org_id, m.task_id, m.case_id, offer_id, agent.user_id, m.queue.id, expires
                )
            )
            if agent.full():
                agent.gone = True
        else:
            agent.load[m.ci] -= 1
            agent.gone = True
            refused.add(m.task_id)
    counters["writes"] += 1
    counters["matched"] += len(matches)
    counters["reserved"] += len(done)
    return decisions, refused


def _done(
    rows: list[tuple[Any, ...]], now: datetime, matches: list[_Match]
) -> dict[int, tuple[int, datetime]]:
    """``task id -> (offer id, expires at)`` from the write statement's ``RETURNING``."""
    timeouts = {m.task_id: m.queue.offer_timeout for m in matches}
    return {
        task_id: (offer_id, now + timedelta(seconds=timeouts[task_id]))
        for offer_id, task_id in rows
    }


def _batch_pg(
    cycle: Cycle, now: datetime, free: list[list[int]], after: tuple[Any, ...], n: int
) -> tuple[list[tuple[Any, ...]], list[Decision], set[int]]:
    """One batch on PostgreSQL. When the engine owns the transaction (autocommit, no
    ``atomic`` around it) it costs two round trips: ``BEGIN`` and the claim in one message,
    the write and ``COMMIT`` in another (with ``synchronous_commit = off`` for the
    transaction if ``HELPLINE_ROUTING_ASYNC_COMMIT``). Inside a caller's transaction the
    same two statements run in it, and its owner commits (synchronously)."""
    own = connection.get_autocommit() and not connection.in_atomic_block
    async_commit = own and bool(getattr(settings, "HELPLINE_ROUTING_ASYNC_COMMIT", True))
    cursor = _pg_cursor()
    claim = _execute_sql(cursor, _CLAIM_NAME, _claim_params(cycle.org_id, now, free, after, n))
    if own:
        head = "BEGIN; SET LOCAL synchronous_commit = off; " if async_commit else "BEGIN; "
        claim = head + claim
    decisions: list[Decision] = []
    refused: set[int] = set()
    try:
        with connection.wrap_database_errors:  # Django's exceptions, as its cursors raise
            cursor.execute(claim)
            rows = _results(cursor)
            matches = _match(cycle, rows, now.timestamp()) if rows else []
            if matches:
                write = _execute_sql(cursor, _WRITE_NAME, _write_params(cycle.org_id, now, matches))
                cursor.execute(write + "; COMMIT" if own else write)
                written = _results(cursor)
            elif own:
                cursor.execute("COMMIT")
    except BaseException:
        if own and cursor.connection.info.transaction_status != 0:  # not idle
            with contextlib.suppress(Exception):
                cursor.execute("ROLLBACK")
        raise
    finally:
        cursor.close()
    if matches:
        decisions, refused = _settle(cycle, matches, _done(written, now, matches))
    return rows, decisions, refused


def _batch_generic(
    cycle: Cycle, now: datetime, free: list[list[int]], after: tuple[Any, ...], n: int
) -> tuple[list[tuple[Any, ...]], list[Decision], set[int]]:
    """One batch with plain statements in a Django transaction (SQLite)."""
    with transaction.atomic(), connection.cursor() as cursor:
        rows = _claim_generic(cursor, cycle.org_id, now, free, after, n)
        matches = _match(cycle, rows, now.timestamp()) if rows else []
        done = _write_generic(cursor, cycle.org_id, now, matches) if matches else {}
    decisions, refused = _settle(cycle, matches, done) if matches else ([], set())
    return rows, decisions, refused


def route_batch(
    *,
    cycle: Cycle,
    now: datetime,
    after: tuple[Any, ...] | None = None,
    batch: int = 8,
    free: list[list[int]] | None = None,
) -> tuple[list[Decision], tuple[Any, ...] | None, int]:
    """Claim up to ``batch`` waiting tasks after ``after`` and offer what can be offered,
    in one transaction. Returns the decisions, the place to continue from and how many
    tasks were looked at. Items nobody free can take are passed over (they keep their
    place); an item whose chosen agent the database refused is claimed again by the next
    batch (the place returned is just before it), where it goes to the next candidate.
    ``free`` (from ``Cycle.free_work``) may be a superset: every candidate is checked."""
    free = free if free is not None else cycle.free_work()
    if free is None:
        return [], None, 0
    start = after or _START
    claimed = time.perf_counter()
    if connection.vendor == "postgresql":
        rows, decisions, refused = _batch_pg(cycle, now, free, start, batch)
    else:
        rows, decisions, refused = _batch_generic(cycle, now, free, start, batch)
    committed = time.perf_counter()
    if not rows:
        return [], None, 0
    for d in decisions:
        d.claimed_at, d.committed_at = claimed, committed
    last: tuple[Any, ...] = start
    for row in rows:
        if row[0] in refused:
            break
        last = (row[5], row[6], row[0])
    return decisions, last, len(rows)


def route_cycle(
    *,
    org_id: int,
    now: datetime | None = None,
    batch: int = 8,
    max_scan: int = 2000,
    max_decisions: int | None = None,
) -> list[Decision]:
    """Offer as much waiting work as the free agents can take, scanning at most
    ``max_scan`` tasks (items nobody free can take keep their place and are passed over).

    Agents whose queues have different priorities first only take work of their best
    queue with work waiting (``Cycle.preferences``); if that passed anyone over, a second
    pass without it lets them take the rest."""
    now = now or timezone.now()
    config = load_config(org_id)
    cycle = Cycle(org_id, config, load_agents(org_id))
    if config.ranked_users and any(uid in cycle.agents for uid in config.ranked_users):
        cycle.preferences(_waiting_work(org_id, now), now.timestamp())
    decisions = _scan(cycle, now, batch, max_scan, max_decisions)
    if cycle.preferred is not None and cycle.deferred:
        cycle.preferred = None
        left = None if max_decisions is None else max_decisions - len(decisions)
        if left is None or left > 0:
            decisions += _scan(cycle, now, batch, max_scan, left)
    return decisions


def _scan(
    cycle: Cycle, now: datetime, batch: int, max_scan: int, max_decisions: int | None
) -> list[Decision]:
    """One pass over the waiting work in place order, in batches."""
    decisions: list[Decision] = []
    after = None
    scanned = 0
    size = batch
    free = cycle.free_work()
    while scanned < max_scan and free is not None:
        if max_decisions is not None and len(decisions) >= max_decisions:
            break
        made, after, looked = route_batch(cycle=cycle, now=now, after=after, batch=size, free=free)
        decisions += made
        scanned += looked
        if looked == 0:
            break
        # Past items nobody free can take, read further at a time; back to small batches
        # (short transactions, low latency) as soon as offers are being made again.
        size = batch if made else min(size * 4, 256)
        if not made:  # agents filled up: narrow what is read to what they can still take
            free = cycle.free_work()
    return decisions


def _waiting_work(org_id: int, now: datetime) -> list[tuple[int, str, float]]:
    """``(queue id, kind of work, oldest queued_at as POSIX seconds)`` of the waiting
    work that may be offered now (one aggregate query)."""
    rows = (
        Task.objects.filter(organization_id=org_id, status=TaskStatus.WAITING)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .order_by()
        .values_list("queue_id", "capacity_class")
        .annotate(oldest=Min("queued_at"))
    )
    return [(queue_id, cls, oldest.timestamp()) for queue_id, cls, oldest in rows]


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
