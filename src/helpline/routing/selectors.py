"""Routing reads, always given the organisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from django.db.models import Count, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.events.models import ContactEvent, EventKind
from helpline.lib.errors import NotFound
from helpline.routing.models import (
    Agent,
    AgentSkill,
    EscalationStep,
    Offer,
    OfferOutcome,
    PresenceState,
    Queue,
    QueueMember,
    Skill,
    Task,
    TaskStatus,
)
from helpline.tenancy.models import Organization


def queues_for(*, org: Organization) -> QuerySet[Queue]:
    return Queue.objects.filter(organization=org).order_by("name")


def queue_for(*, org: Organization, queue_id: int) -> Queue:
    queue = Queue.objects.filter(organization=org, pk=queue_id).first()
    if queue is None:
        raise NotFound(_("No such queue."))
    return queue


def task_for(*, org: Organization, task_id: int) -> Task:
    task = Task.objects.filter(organization=org, pk=task_id).first()
    if task is None:
        raise NotFound(_("No such item."))
    return task


def queue_sizes(*, org_id: int) -> dict[int, dict[str, Any]]:
    """Waiting items and the oldest waiting time per queue, one query."""
    rows = (
        Task.objects.filter(organization_id=org_id, status=TaskStatus.WAITING)
        .values("queue_id")
        .annotate(waiting=Count("id"), oldest=Min("enqueued_at"))
        .order_by()
    )
    return {r["queue_id"]: {"waiting": r["waiting"], "oldest": r["oldest"]} for r in rows}


def all_queue_sizes() -> dict[int, dict[int, int]]:
    """Waiting items per queue of every organisation (the loop's live push), one query."""
    sizes: dict[int, dict[int, int]] = {}
    for org_id, queue_id, n in (
        Task.objects.filter(status=TaskStatus.WAITING)
        .values_list("organization_id", "queue_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        sizes.setdefault(org_id, {})[queue_id] = n
    return sizes


def agent_for(*, org: Organization, user_id: int) -> Agent | None:
    return Agent.objects.filter(organization=org, user_id=user_id).first()


@dataclass
class AgentDesk:
    """What the agent's presence widget shows."""

    state: str
    pause_reason: str
    state_since: datetime | None
    offers: list[Offer]
    work: list[Task]
    queues: list[dict[str, Any]]
    is_member: bool


def agent_desk(*, org: Organization, user_id: int) -> AgentDesk:
    """The agent's own state, pending offers, current work and their queues' sizes, in a
    fixed number of queries."""
    agent = agent_for(org=org, user_id=user_id)
    offers = list(
        Offer.objects.filter(organization=org, user_id=user_id, outcome=OfferOutcome.PENDING)
        .select_related("task__case", "task__queue")
        .order_by("expires_at")
    )
    work = list(
        Task.objects.filter(organization=org, agent_id=user_id, status=TaskStatus.ASSIGNED)
        .select_related("case", "queue", "callback")
        .order_by("enqueued_at")
    )
    member_of = list(
        QueueMember.objects.filter(organization=org, user_id=user_id)
        .select_related("queue")
        .order_by("queue__name")
    )
    sizes = queue_sizes(org_id=org.pk)
    queues = [
        {
            "id": m.queue_id,
            "name": m.queue.name,
            "waiting": sizes.get(m.queue_id, {}).get("waiting", 0),
        }
        for m in member_of
    ]
    return AgentDesk(
        state=agent.state if agent else PresenceState.OFFLINE,
        pause_reason=agent.pause_reason if agent else "",
        state_since=agent.state_since if agent else None,
        offers=offers,
        work=work,
        queues=queues,
        is_member=bool(member_of),
    )


@dataclass
class QueueRow:
    queue: Queue
    waiting: int = 0
    oldest: datetime | None = None
    agents: dict[str, int] = field(default_factory=dict)
    answered: int = 0
    in_time: int = 0
    abandoned: int = 0

    @property
    def longest_wait(self) -> float | None:
        return (timezone.now() - self.oldest).total_seconds() if self.oldest else None

    @property
    def service_level(self) -> float | None:
        """Share of today's answered-or-abandoned items answered within the threshold."""
        total = self.answered + self.abandoned
        return round(100.0 * self.in_time / total, 1) if total else None


def start_of_today(org: Organization, now: datetime | None = None) -> datetime:
    """Midnight today in the organisation's time zone (service level is per local day)."""
    import zoneinfo

    tz = zoneinfo.ZoneInfo(org.time_zone)
    local = (now or timezone.now()).astimezone(tz)
    return datetime.combine(local.date(), time.min, tzinfo=tz)


def wallboard(*, org: Organization, now: datetime | None = None) -> list[QueueRow]:
    """Per queue: waiting items, longest wait, member agents by state and today's service
    level computed from the contact event log (rule 4), in a fixed number of queries."""
    rows = {q.pk: QueueRow(queue=q) for q in queues_for(org=org)}
    for queue_id, size in queue_sizes(org_id=org.pk).items():
        if queue_id in rows:
            rows[queue_id].waiting = size["waiting"]
            rows[queue_id].oldest = size["oldest"]
    states = dict(Agent.objects.filter(organization=org).values_list("user_id", "state"))
    for queue_id, user_id in QueueMember.objects.filter(organization=org).values_list(
        "queue_id", "user_id"
    ):
        state = states.get(user_id, PresenceState.OFFLINE)
        agents = rows[queue_id].agents
        agents[state] = agents.get(state, 0) + 1
    for kind, data in ContactEvent.objects.filter(
        organization=org,
        kind__in=[EventKind.OFFER_ACCEPTED, EventKind.ABANDONED],
        at__gte=start_of_today(org, now),
    ).values_list("kind", "data"):
        row = rows.get(int((data or {}).get("queue") or 0))
        if row is None:
            continue
        if kind == EventKind.ABANDONED:
            row.abandoned += 1
        else:
            row.answered += 1
            row.in_time += bool(data.get("in_time"))
    return list(rows.values())


def waiting_tasks(*, org: Organization, limit: int = 50) -> list[Task]:
    """The next waiting items of every queue, in queue order (the supervisor moves them)."""
    return list(
        Task.objects.filter(organization=org, status=TaskStatus.WAITING)
        .select_related("case", "queue")
        .order_by("priority", "enqueued_at", "id")[:limit]
    )


def agents_for(*, org: Organization) -> list[Agent]:
    return list(
        Agent.objects.filter(organization=org).select_related("user").order_by("user__username")
    )


# --- configuration (the settings area and its API) -------------------------------------------


def configured_queues_for(*, org: Organization) -> QuerySet[Queue]:
    """The queues with what their settings list shows (segment, overflow queue, topics)."""
    return (
        Queue.objects.filter(organization=org)
        .select_related("segment", "overflow_queue")
        .prefetch_related("topics")
        .order_by("name")
    )


def queue_members_for(*, org: Organization) -> QuerySet[QueueMember]:
    return (
        QueueMember.objects.filter(organization=org)
        .select_related("queue", "user")
        .order_by("queue__name", "priority", "user__username")
    )


def escalation_steps_for(*, org: Organization) -> QuerySet[EscalationStep]:
    return (
        EscalationStep.objects.filter(organization=org)
        .select_related("queue")
        .order_by("queue__name", "after_seconds")
    )


def skills_for(*, org: Organization) -> QuerySet[Skill]:
    return Skill.objects.filter(organization=org).select_related("topic", "segment")


def agent_skills_for(*, org: Organization) -> QuerySet[AgentSkill]:
    return (
        AgentSkill.objects.filter(organization=org)
        .select_related("user", "skill")
        .order_by("user__username", "skill__name")
    )
