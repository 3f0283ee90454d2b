"""All routing writes except the offer decision itself (``engine.py``): putting cases in the
queues, presence, accepting/rejecting/expiring offers, finishing work, abandonment,
overflow, moving items and call-back requests.

Lock order, everywhere: the agent row first, then task rows. The engine is the one
exception and cannot deadlock with it: it locks *waiting* tasks, then agent rows, both with
SKIP LOCKED on PostgreSQL, so it never waits for a lock (SQLite has one writer at a time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.cases.choices import ACTIVE_STATUSES, CaseType, Channel, Urgency
from helpline.cases.models import Case
from helpline.events.models import EventKind
from helpline.events.services import record_event
from helpline.lib import deferred
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError, IllegalTransition, NotFound
from helpline.routing import push
from helpline.routing.models import (
    ACTIVE_TASK_STATUSES,
    CHANNEL_CAPACITY,
    CHOOSABLE_STATES,
    Agent,
    CallbackRequest,
    CallbackStatus,
    CapacityClass,
    CaseRoute,
    NoAgentPolicy,
    Offer,
    OfferOutcome,
    OverflowAction,
    PresenceChange,
    PresenceState,
    Queue,
    RouteSource,
    Skill,
    SkillKind,
    Task,
    TaskKind,
    TaskStatus,
)
from helpline.routing.rules import Choice
from helpline.tenancy.models import Membership, Organization
from helpline.tenancy.permissions import Action, roles_for

# --- priority and skills -----------------------------------------------------------------

#: Base priority by urgency (lower goes first); emergencies always before anything else.
URGENCY_PRIORITY = {Urgency.EMERGENCY: 0, Urgency.HIGH: 100, Urgency.NORMAL: 200, Urgency.LOW: 300}
#: Adjustment by case type: complaints (where regulator threats land) ahead of their urgency
#: band, reminders (a customer chasing) a little ahead too.
TYPE_PRIORITY = {CaseType.COMPLAINT: -50, CaseType.REMINDER: -20}
#: Call-backs promised to a customer go ahead of new work of the same urgency.
CALLBACK_PRIORITY = -30


def task_priority(*, urgency: str, case_type: str, kind: str = TaskKind.CASE) -> int:
    """Where an item goes in its queue: urgency band, then type; waiting time breaks ties."""
    base = URGENCY_PRIORITY.get(Urgency(urgency), 200) + TYPE_PRIORITY.get(CaseType(case_type), 0)
    return base + (CALLBACK_PRIORITY if kind == TaskKind.CALLBACK else 0)


def required_skills(*, case: Case) -> list[list[int]]:
    """``[[skill_id, min_level], ...]``: the organisation's skills tied to the case's topic,
    level, customer language or segment, each at level 1 (the queue's escalation steps
    relax the levels, the agents' own levels decide best-skill matches)."""
    conditions = Q(kind=SkillKind.LEVEL, level=case.level)
    if case.topic_id:
        conditions |= Q(kind=SkillKind.TOPIC, topic_id=case.topic_id)
    customer = case.requester if case.requester_id else None
    if customer is not None:
        if customer.language:
            conditions |= Q(kind=SkillKind.LANGUAGE, language=customer.language)
        if customer.segment_id:
            conditions |= Q(kind=SkillKind.SEGMENT, segment_id=customer.segment_id)
    ids = Skill.objects.filter(conditions, organization_id=case.organization_id).values_list(
        "pk", flat=True
    )
    return [[pk, 1] for pk in sorted(ids)]


def _event(task: Task, kind: str, actor: Actor, at: datetime, **data: Any) -> None:
    record_event(
        org_id=task.organization_id,
        kind=kind,
        actor=actor,
        channel=task.channel,
        case_id=task.case_id,
        data={"task": task.pk, "queue": task.queue_id, **data},
        at=at,
    )


def _queues_changed(org_id: int) -> None:
    push.to_org(org_id, {"type": "queues"})


# --- entering the queues -----------------------------------------------------------------


def sync_case(
    *,
    case: Case,
    actor: Actor,
    now: datetime | None = None,
    created: bool = False,
    route: Choice | None = None,
) -> Task | None:
    """Keep the case's routing task in step with the case (idempotent).

    Called by ``cases.services`` inside the transaction that opens the case, changes its
    queue, its assignee, its status or its classification, so a case is never lost between
    being saved and being queued. An unassigned active case with a queue gets a task; a
    waiting task follows its case to another queue (keeping its place) and is cancelled
    when someone assigns or closes the case by hand. Call-back cases are queued by
    ``request_callback`` with their due time instead.

    ``route``: how the case's queue was just chosen (``routing.rules``): recorded on the
    case (``CaseRoute``) and in the ``queued`` event, and its priority and extra skills go
    to the task.
    """
    now = now or timezone.now()
    if route is not None:
        _record_route(case, route, now, created=created)
    if created and case.queue_id is None:
        return None  # a new case outside the queues: nothing to look up
    active = (
        None
        if created
        else Task.objects.filter(case_id=case.pk, status__in=ACTIVE_TASK_STATUSES).first()
    )
    if active is not None:
        if active.status != TaskStatus.WAITING:
            return active
        if case.assignee_id is not None or case.status not in ACTIVE_STATUSES:
            Task.objects.filter(pk=active.pk).update(status=TaskStatus.CANCELLED, ended_at=now)
            active.status = TaskStatus.CANCELLED
            _event(active, EventKind.ROUTING_DONE, actor, now, cancelled=case.status)
            _queues_changed(case.organization_id)
        elif case.queue_id and active.queue_id != case.queue_id:
            old = active.queue_id
            changes: dict[str, Any] = {"queue_id": case.queue_id, "queued_at": now}
            if route is not None:
                changes.update(_placement(case, route))
            Task.objects.filter(pk=active.pk).update(**changes)
            for name, value in changes.items():
                setattr(active, name, value)
            _event(active, EventKind.QUEUED, actor, now, moved_from=old, **_route_data(route))
            _queues_changed(case.organization_id)
        elif route is not None and route.source != RouteSource.MANUAL:
            # Reclassified within the same queue: its new urgency or type moves it up or
            # down (``enqueued_at`` unchanged, so waiting time still counts).
            changes = _placement(case, route)
            if any(getattr(active, k) != v for k, v in changes.items()):
                Task.objects.filter(pk=active.pk).update(**changes)
                for name, value in changes.items():
                    setattr(active, name, value)
        return active
    if (
        case.queue_id is None
        or case.assignee_id is not None
        or case.status not in ACTIVE_STATUSES
        or case.channel == Channel.CALLBACK
    ):
        return None
    placement = _placement(case, route)
    task = Task.objects.create(
        organization_id=case.organization_id,
        queue_id=case.queue_id,
        kind=TaskKind.CASE,
        case_id=case.pk,
        channel=case.channel,
        capacity_class=CHANNEL_CAPACITY.get(case.channel, CapacityClass.WRITTEN),
        enqueued_at=now,
        queued_at=now,
        **placement,
    )
    _event(task, EventKind.QUEUED, actor, now, priority=task.priority, **_route_data(route))
    _queues_changed(case.organization_id)
    return task


def _placement(case: Case, route: Choice | None) -> dict[str, Any]:
    """The task's priority and required skills: the rule's priority, when it sets one,
    instead of the one from urgency and type; the rule's skills on top of the case's."""
    priority = route.priority if route is not None else None
    if priority is None:
        priority = task_priority(urgency=case.urgency, case_type=case.case_type)
    skills = required_skills(case=case)
    if route is not None and route.skill_ids:
        have = {pk for pk, _level in skills}
        skills = sorted(skills + [[pk, 1] for pk in route.skill_ids if pk not in have])
    return {"priority": priority, "required_skills": skills}


def _route_data(route: Choice | None) -> dict[str, Any]:
    """What the ``queued`` event says about the choice (reports count cases per rule)."""
    if route is None:
        return {}
    return {"route": route.source, "rule": route.rule_id}


def _record_route(case: Case, route: Choice, now: datetime, *, created: bool) -> None:
    """Write down how the case's queue was chosen (one row per case; none while it is in
    no queue)."""
    if route.queue_id is None:
        if not created:
            CaseRoute.objects.filter(case_id=case.pk).delete()
        return
    values = {
        "source": route.source,
        "rule_id": route.rule_id,
        "rule_name": route.rule_name[:120],
        "queue_id": route.queue_id,
        "decided_at": now,
    }
    if created or not CaseRoute.objects.filter(case_id=case.pk).update(**values):
        deferred.insert(CaseRoute(organization_id=case.organization_id, case_id=case.pk, **values))


# --- presence ----------------------------------------------------------------------------


def _agent_for_update(org_id: int, user_id: int, now: datetime) -> Agent:
    """The agent row under lock, created (offline) on first use for an operator."""
    agent = Agent.objects.select_for_update().filter(organization_id=org_id, user_id=user_id)
    found = agent.first()
    if found is not None:
        return found
    if not Membership.objects.filter(
        organization_id=org_id,
        user_id=user_id,
        is_active=True,
        role__in=roles_for(Action.WRITE_CASES),
    ).exists():
        raise NotFound(_("No such agent."))
    Agent.objects.get_or_create(
        organization_id=org_id,
        user_id=user_id,
        defaults={"state_since": now, "idle_since": now},
    )
    return Agent.objects.select_for_update().get(organization_id=org_id, user_id=user_id)


def _record_presence(
    agent: Agent,
    state: str,
    *,
    now: datetime,
    actor: Actor,
    reason: str = "",
    queue_id: int | None = None,
    wrapup_until: datetime | None = None,
) -> None:
    """Change the (locked) agent's state and append it to the presence history."""
    was_routable = agent.state in (PresenceState.AVAILABLE, PresenceState.ON_CONTACT)
    agent.state = state
    agent.pause_reason = reason if state == PresenceState.PAUSED else ""
    agent.state_since = now
    agent.wrapup_until = wrapup_until
    if state == PresenceState.AVAILABLE and not was_routable:
        agent.idle_since = now
    if state == PresenceState.AVAILABLE:
        agent.missed_in_row = 0
    agent.save(
        update_fields=[
            "state",
            "pause_reason",
            "state_since",
            "wrapup_until",
            "idle_since",
            "missed_in_row",
        ]
    )
    PresenceChange.objects.create(
        organization_id=agent.organization_id,
        user_id=agent.user_id,
        state=state,
        reason=agent.pause_reason,
        queue_id=queue_id,
        at=now,
        changed_by=actor.label[:200],
    )
    push.to_agent(
        agent.organization_id,
        agent.user_id,
        {"type": "state", "state": state, "label": str(PresenceState(state).label)},
    )
    _queues_changed(agent.organization_id)


@transaction.atomic
def set_agent_state(
    *,
    org: Organization,
    user_id: int,
    actor: Actor,
    state: str,
    reason: str = "",
    now: datetime | None = None,
) -> Agent:
    """An agent (or their supervisor) chooses available, paused (with a reason) or offline.

    Pausing or logging off withdraws pending offers: their items go back to their place.
    Work already accepted stays with the agent, who finishes it as usual.
    """
    now = now or timezone.now()
    if state not in CHOOSABLE_STATES:
        raise FieldValidationError(
            state=_("“%(value)s” is not a state an agent can choose.") % {"value": state}
        )
    reason = (reason or "").strip()
    if state == PresenceState.PAUSED and not reason:
        raise FieldValidationError(reason=_("Say why you pause."))
    if len(reason) > 80:
        raise FieldValidationError(reason=_("The reason may not exceed 80 characters."))
    agent = _agent_for_update(org.pk, user_id, now)
    if state != PresenceState.AVAILABLE:
        for task in Task.objects.select_for_update().filter(
            organization_id=org.pk, agent_id=user_id, status=TaskStatus.OFFERED
        ):
            _release(task, agent, outcome=OfferOutcome.WITHDRAWN, actor=actor, now=now)
    if state == PresenceState.AVAILABLE and agent.load > 0:
        state = PresenceState.ON_CONTACT
    if agent.state != state or agent.pause_reason != reason:
        _record_presence(agent, state, now=now, actor=actor, reason=reason)
    return agent


def _release(task: Task, agent: Agent, *, outcome: str, actor: Actor, now: datetime) -> None:
    """Take a pending offer back: the item returns to its place (priority and original
    waiting time unchanged) and the agent's reserved capacity is freed."""
    offer = Offer.objects.filter(task=task, outcome=OfferOutcome.PENDING).first()
    if offer is not None:
        offer.outcome = outcome
        offer.decided_at = now
        offer.save(update_fields=["outcome", "decided_at"])
    Task.objects.filter(pk=task.pk).update(
        status=TaskStatus.WAITING, agent=None, offer_expires_at=None
    )
    task.status, task.agent_id, task.offer_expires_at = TaskStatus.WAITING, None, None
    column = f"load_{task.capacity_class}"
    Agent.objects.filter(pk=agent.pk).update(**{column: F(column) - 1})
    setattr(agent, column, getattr(agent, column) - 1)
    _event(
        task,
        EventKind.OFFER_MISSED,
        actor,
        now,
        agent=agent.user_id,
        reason=outcome,
        offer=offer.pk if offer else None,
    )
    push.to_agent(task.organization_id, agent.user_id, {"type": "offer_gone", "task": task.pk})
    _queues_changed(task.organization_id)


def _count_miss(agent: Agent, queue: Queue, *, actor: Actor, now: datetime) -> None:
    """N misses in a row pause the agent (Asterisk's autopause), so the queue stops
    offering work to someone who is not there."""
    agent.missed_in_row += 1
    Agent.objects.filter(pk=agent.pk).update(missed_in_row=agent.missed_in_row)
    if queue.max_missed_offers and agent.missed_in_row >= queue.max_missed_offers:
        for task in Task.objects.select_for_update().filter(
            organization_id=agent.organization_id, agent_id=agent.user_id, status="offered"
        ):
            _release(task, agent, outcome=OfferOutcome.WITHDRAWN, actor=actor, now=now)
        _record_presence(
            agent, PresenceState.PAUSED, now=now, actor=actor, reason=_("Missed offers")
        )


# --- offers ------------------------------------------------------------------------------


def _lock_pending_offer(org_id: int, offer_id: int, user_id: int) -> Offer:
    """The agent's offer and its task, both locked (the caller holds the agent's lock)."""
    offer = (
        Offer.objects.select_for_update(of=("self", "task"))
        .select_related("task")
        .filter(pk=offer_id, organization_id=org_id, user_id=user_id)
        .first()
    )
    if offer is None:
        raise NotFound(_("No such offer."))
    if offer.outcome != OfferOutcome.PENDING:
        raise IllegalTransition(_("This offer is no longer open."))
    return offer


@transaction.atomic
def accept_offer(
    *, org: Organization, offer_id: int, user_id: int, actor: Actor, now: datetime | None = None
) -> Task:
    """The agent takes the offered item: the case is assigned to them
    (``cases.services.assign_case``) and they are on a contact."""
    from helpline.cases.services import assign_case

    now = now or timezone.now()
    agent = _agent_for_update(org.pk, user_id, now)
    offer = _lock_pending_offer(org.pk, offer_id, user_id)
    task = offer.task
    if offer.expires_at <= now:
        raise IllegalTransition(_("This offer has expired."))
    offer.outcome = OfferOutcome.ACCEPTED
    offer.decided_at = now
    offer.save(update_fields=["outcome", "decided_at"])
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.ASSIGNED, offer_expires_at=None)
    task.status = TaskStatus.ASSIGNED
    agent.missed_in_row = 0
    Agent.objects.filter(pk=agent.pk).update(missed_in_row=0)
    if agent.state != PresenceState.ON_CONTACT:
        _record_presence(agent, PresenceState.ON_CONTACT, now=now, actor=actor)
    wait = (now - task.enqueued_at).total_seconds()
    _event(
        task,
        EventKind.OFFER_ACCEPTED,
        actor,
        now,
        agent=user_id,
        offer=offer.pk,
        wait=round(wait, 3),
        in_time=wait
        <= Queue.objects.filter(pk=task.queue_id).values_list("service_level_seconds", flat=True)[
            0
        ],
    )
    case = Case.objects.get(pk=task.case_id)
    assign_case(case=case, actor=actor, assignee_id=user_id, now=now)
    push.to_agent(org.pk, user_id, {"type": "offer_gone", "task": task.pk})
    _queues_changed(org.pk)
    return task


@transaction.atomic
def reject_offer(
    *, org: Organization, offer_id: int, user_id: int, actor: Actor, now: datetime | None = None
) -> Task:
    """The agent declines: the item goes back to its place; it counts as a miss."""
    now = now or timezone.now()
    agent = _agent_for_update(org.pk, user_id, now)
    offer = _lock_pending_offer(org.pk, offer_id, user_id)
    task = offer.task
    _release(task, agent, outcome=OfferOutcome.REJECTED, actor=actor, now=now)
    _count_miss(agent, Queue.objects.get(pk=task.queue_id), actor=actor, now=now)
    return task


def expire_offers(*, now: datetime | None = None, limit: int = 200) -> int:
    """Time out offers past their deadline (the routing loop calls this). Each expiry is
    its own short transaction, taken in the agent-then-task lock order."""
    now = now or timezone.now()
    due = list(
        Task.objects.filter(status=TaskStatus.OFFERED, offer_expires_at__lte=now)
        .order_by("offer_expires_at")
        .values_list("pk", "organization_id", "agent_id")[:limit]
    )
    done = 0
    actor = Actor.system("routing")
    for task_id, org_id, user_id in due:
        with transaction.atomic():
            agent = _agent_for_update(org_id, user_id, now)
            task = (
                Task.objects.select_for_update()
                .select_related("queue")
                .filter(pk=task_id, status=TaskStatus.OFFERED, agent_id=user_id)
                .first()
            )
            if task is None or task.offer_expires_at is None or task.offer_expires_at > now:
                continue
            _release(task, agent, outcome=OfferOutcome.TIMED_OUT, actor=actor, now=now)
            _count_miss(agent, task.queue, actor=actor, now=now)
            done += 1
    return done


# --- finishing work ----------------------------------------------------------------------


def _free(task: Task, agent: Agent, *, actor: Actor, now: datetime) -> None:
    """Give back the capacity ``task`` held; with nothing left, the agent goes to the
    queue's timed wrap-up, or straight back to available."""
    column = f"load_{task.capacity_class}"
    Agent.objects.filter(pk=agent.pk).update(**{column: F(column) - 1})
    setattr(agent, column, getattr(agent, column) - 1)
    if agent.load == 0 and agent.state == PresenceState.ON_CONTACT:
        queue = task.queue
        if queue.wrapup_seconds:
            until = now + timedelta(seconds=queue.wrapup_seconds)
            _record_presence(
                agent,
                PresenceState.WRAP_UP,
                now=now,
                actor=actor,
                queue_id=queue.pk,
                wrapup_until=until,
            )
        else:
            _record_presence(agent, PresenceState.AVAILABLE, now=now, actor=actor)
            Agent.objects.filter(pk=agent.pk).update(idle_since=now)


@transaction.atomic
def finish_task(
    *, org: Organization, task_id: int, user_id: int, actor: Actor, now: datetime | None = None
) -> Task:
    """The agent is done with the contact (call hung up, chat closed, e-mail answered)."""
    now = now or timezone.now()
    agent = _agent_for_update(org.pk, user_id, now)
    task = (
        Task.objects.select_for_update()
        .select_related("queue")
        .filter(pk=task_id, organization_id=org.pk, agent_id=user_id)
        .first()
    )
    if task is None:
        raise NotFound(_("No such item."))
    if task.status != TaskStatus.ASSIGNED:
        raise IllegalTransition(_("Only work you have accepted can be finished."))
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.DONE, ended_at=now)
    task.status = TaskStatus.DONE
    _event(task, EventKind.ROUTING_DONE, actor, now, agent=user_id)
    _free(task, agent, actor=actor, now=now)
    return task


def end_wrapups(*, now: datetime | None = None) -> int:
    """Agents whose wrap-up time is over become available again (loop)."""
    now = now or timezone.now()
    ids = list(
        Agent.objects.filter(state=PresenceState.WRAP_UP, wrapup_until__lte=now).values_list(
            "pk", flat=True
        )[:500]
    )
    actor = Actor.system("routing")
    for pk in ids:
        with transaction.atomic():
            agent = Agent.objects.select_for_update().get(pk=pk)
            if agent.state == PresenceState.WRAP_UP and agent.wrapup_until <= now:  # type: ignore[operator]
                _record_presence(agent, PresenceState.AVAILABLE, now=now, actor=actor)
                Agent.objects.filter(pk=pk).update(idle_since=now)
    return len(ids)


@transaction.atomic
def abandon_task(*, task: Task, actor: Actor, now: datetime | None = None) -> Task:
    """The customer left (hung up, closed the chat) before an agent took the item."""
    now = now or timezone.now()
    if task.status == TaskStatus.OFFERED and task.agent_id:
        agent = _agent_for_update(task.organization_id, task.agent_id, now)
    else:
        agent = None
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status not in (TaskStatus.WAITING, TaskStatus.OFFERED):
        raise IllegalTransition(_("Only a waiting item can be abandoned."))
    if task.status == TaskStatus.OFFERED:
        if agent is None or agent.user_id != task.agent_id:  # offered meanwhile: retry
            raise IllegalTransition(_("The item changed meanwhile; try again."))
        _release(task, agent, outcome=OfferOutcome.WITHDRAWN, actor=actor, now=now)
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.ABANDONED, ended_at=now)
    task.status = TaskStatus.ABANDONED
    _event(task, EventKind.ABANDONED, actor, now, wait=(now - task.enqueued_at).total_seconds())
    _queues_changed(task.organization_id)
    return task


# --- moving items: supervisors and overflow ----------------------------------------------


@transaction.atomic
def move_task(*, task: Task, queue_id: int, actor: Actor, now: datetime | None = None) -> Task:
    """A supervisor moves a waiting item to another queue of the organisation; it keeps its
    original waiting time, so it does not go to the back of the new queue."""
    from helpline.cases.services import change_queue

    now = now or timezone.now()
    target = Queue.objects.filter(pk=queue_id, organization_id=task.organization_id).first()
    if target is None:
        raise FieldValidationError(queue=_("Unknown queue: %(id)s") % {"id": queue_id})
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.WAITING:
        raise IllegalTransition(_("Only a waiting item can be moved."))
    old = task.queue_id
    if old == target.pk:
        return task
    Task.objects.filter(pk=task.pk).update(queue=target, queued_at=now)
    task.queue_id = target.pk
    _event(task, EventKind.QUEUED, actor, now, moved_from=old)
    change_queue(case=Case.objects.get(pk=task.case_id), actor=actor, queue_id=target.pk, now=now)
    _queues_changed(task.organization_id)
    return task


def _overflow(task: Task, queue: Queue, *, actor: Actor, now: datetime, why: str) -> None:
    from helpline.cases.services import change_queue

    if queue.overflow_action == OverflowAction.QUEUE and queue.overflow_queue_id:
        Task.objects.filter(pk=task.pk).update(queue_id=queue.overflow_queue_id, queued_at=now)
        _event(task, EventKind.OVERFLOWED, actor, now, to_queue=queue.overflow_queue_id, why=why)
        # The case follows through its service (audited); its task is already there.
        case = Case.objects.get(pk=task.case_id)
        change_queue(case=case, actor=actor, queue_id=queue.overflow_queue_id, now=now)
    elif queue.overflow_action in (OverflowAction.VOICEMAIL, OverflowAction.WEB_FORM):
        Task.objects.filter(pk=task.pk).update(status=TaskStatus.DEFLECTED, ended_at=now)
        _event(task, EventKind.OVERFLOWED, actor, now, to=queue.overflow_action, why=why)


def overflow_tasks(*, now: datetime | None = None, limit: int = 500) -> int:
    """Apply each queue's overflow rule (loop): items waiting longer than
    ``overflow_after_seconds``, and every item of a queue with no agent logged in when its
    policy says so. Moved items keep their original waiting time."""
    now = now or timezone.now()
    actor = Actor.system("routing")
    moved = 0
    queues = list(
        Queue.objects.exclude(overflow_action=OverflowAction.NONE).filter(
            Q(overflow_after_seconds__isnull=False) | Q(no_agent_policy=NoAgentPolicy.OVERFLOW)
        )
    )
    for queue in queues:
        cond = Q()
        why = "timeout"
        if queue.overflow_after_seconds is not None:
            cond = Q(queued_at__lte=now - timedelta(seconds=queue.overflow_after_seconds))
        if queue.no_agent_policy == NoAgentPolicy.OVERFLOW and not (
            Agent.objects.filter(
                organization_id=queue.organization_id,
                user__queue_memberships__queue=queue,
            )
            .exclude(state=PresenceState.OFFLINE)
            .exists()
        ):
            cond, why = Q(), "no_agent"
        elif queue.overflow_after_seconds is None:
            continue
        with transaction.atomic():
            tasks = list(
                Task.objects.select_for_update(skip_locked=True)
                .filter(cond, queue=queue, status=TaskStatus.WAITING)
                .order_by("priority", "enqueued_at", "id")[:limit]
            )
            for task in tasks:
                _overflow(task, queue, actor=actor, now=now, why=why)
            if tasks:
                _queues_changed(queue.organization_id)
            moved += len(tasks)
    return moved


# --- call-backs --------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackInput:
    """What a call-back request needs, from the portal form or the API."""

    phone: str
    queue_id: int
    at: datetime | None = None
    name: str = ""
    customer_id: int | None = None
    case_id: int | None = None
    note: str = ""
    max_attempts: int = 3
    retry_delay_seconds: int = 600


@transaction.atomic
def request_callback(
    *, org: Organization, actor: Actor, request: CallbackInput, now: datetime | None = None
) -> CallbackRequest:
    """ "Call me now" (no ``at``: the first free agent) or "call me back at T": a call-back
    case (opened here unless ``case_id`` names an existing one) and a task due at T."""
    from helpline.cases.services import open_case

    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    phone = (request.phone or "").strip()
    if not phone or len(phone) > 32 or not any(ch.isdigit() for ch in phone):
        errors["phone"] = [_("Give a phone number to call.")]
    if request.at is not None and request.at < now - timedelta(minutes=1):
        errors["at"] = [_("The call-back time is in the past.")]
    if not 1 <= request.max_attempts <= 10:
        errors["max_attempts"] = [_("Between 1 and 10 attempts.")]
    if not 60 <= request.retry_delay_seconds <= 86400:
        errors["retry_delay_seconds"] = [_("Between 60 seconds and one day.")]
    queue = Queue.objects.filter(pk=request.queue_id, organization=org).first()
    if queue is None:
        errors["queue_id"] = [_("Unknown queue: %(id)s") % {"id": request.queue_id}]
    if errors:
        raise FieldValidationError(errors)
    assert queue is not None
    if request.case_id is not None:
        case = Case.objects.filter(pk=request.case_id, organization=org).first()
        if case is None:
            raise FieldValidationError(case_id=_("Unknown case: %(id)s") % {"id": request.case_id})
        if Task.objects.filter(case=case, status__in=ACTIVE_TASK_STATUSES).exists():
            raise FieldValidationError(case_id=_("This case is already waiting in a queue."))
    else:
        title = _("Call-back request: %(who)s") % {"who": request.name.strip() or phone}
        case = open_case(
            org=org,
            actor=actor,
            channel=Channel.CALLBACK,
            case_type=CaseType.INFORMATION,
            title=title[:200],
            description=request.note,
            requester_id=request.customer_id,
            queue_id=queue.pk,
            now=now,
        )
    due = request.at or now
    callback = CallbackRequest.objects.create(
        organization=org,
        case=case,
        queue=queue,
        phone=phone,
        due_at=due,
        max_attempts=request.max_attempts,
        retry_delay_seconds=request.retry_delay_seconds,
        created_at=now,
    )
    task = _callback_task(callback, case=case, enqueued_at=due, not_before=due)
    _event(
        task, EventKind.CALLBACK_REQUESTED, actor, now, callback=callback.pk, due=due.isoformat()
    )
    _queues_changed(org.pk)
    return callback


def _callback_task(
    callback: CallbackRequest, *, case: Case, enqueued_at: datetime, not_before: datetime
) -> Task:
    return Task.objects.create(
        organization_id=callback.organization_id,
        queue_id=callback.queue_id,
        kind=TaskKind.CALLBACK,
        case=case,
        callback=callback,
        channel=Channel.CALLBACK,
        capacity_class=CapacityClass.VOICE,
        priority=task_priority(
            urgency=case.urgency, case_type=case.case_type, kind=TaskKind.CALLBACK
        ),
        enqueued_at=enqueued_at,
        queued_at=not_before,
        not_before=not_before,
        required_skills=required_skills(case=case),
    )


@transaction.atomic
def record_callback_attempt(
    *,
    org: Organization,
    task_id: int,
    user_id: int,
    actor: Actor,
    reached: bool,
    now: datetime | None = None,
) -> CallbackRequest:
    """The agent called: reached (done) or not (retried after the delay, keeping its place,
    until the attempts run out). Finishes the agent's work on the item either way."""
    now = now or timezone.now()
    task = finish_task(org=org, task_id=task_id, user_id=user_id, actor=actor, now=now)
    if task.callback_id is None:
        raise FieldValidationError(task=_("This item is not a call-back."))
    callback = CallbackRequest.objects.select_for_update().get(pk=task.callback_id)
    callback.attempts += 1
    if reached:
        callback.status = CallbackStatus.DONE
    elif callback.attempts >= callback.max_attempts:
        callback.status = CallbackStatus.FAILED
    else:
        retry_at = now + timedelta(seconds=callback.retry_delay_seconds)
        _callback_task(
            callback,
            case=Case.objects.get(pk=task.case_id),
            enqueued_at=task.enqueued_at,
            not_before=retry_at,
        )
    callback.save(update_fields=["attempts", "status"])
    _event(
        task,
        EventKind.CALLBACK_ATTEMPTED,
        actor,
        now,
        callback=callback.pk,
        attempt=callback.attempts,
        reached=reached,
        outcome=callback.status,
    )
    return callback
