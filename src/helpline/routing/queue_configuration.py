"""Writes of routing configuration for the settings area and the API: queues (strategy,
overflow, topics, segment), their members with priorities and delays, their escalation
steps, skills and the agents' skill levels. Validated, scoped to the organisation and
audited (``audit.rows``); the engine's cached configuration of this process is dropped
after commit (other processes reload it within ``HELPLINE_ROUTING_CONFIG_TTL``).

A queue that still has routing tasks, call-backs, cases, calendars or escalation rules
pointing at it cannot be deleted; its members and escalation steps go with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar, cast

from django.db import transaction
from django.utils.translation import gettext as _

from helpline.audit import rows
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError
from helpline.routing import engine
from helpline.routing.models import (
    AgentSkill,
    EscalationStep,
    OverflowAction,
    Queue,
    QueueMember,
    Skill,
    SkillKind,
)
from helpline.tenancy.models import Organization

QUEUE_FIELDS = (
    "code",
    "name",
    "level",
    "channel",
    "topics",
    "segment",
    "strategy",
    "offer_timeout_seconds",
    "max_missed_offers",
    "wrapup_seconds",
    "service_level_seconds",
    "overflow_after_seconds",
    "overflow_action",
    "overflow_queue",
    "no_agent_policy",
)
MEMBER_FIELDS = ("queue", "user", "priority", "delay_seconds")
STEP_FIELDS = ("queue", "after_seconds", "max_member_priority", "skill_relax")
SKILL_FIELDS = ("code", "name", "kind", "topic", "level", "language", "segment")
AGENT_SKILL_FIELDS = ("user", "skill", "level")


F = TypeVar("F", bound=Callable[..., Any])


def _reloads(fn: F) -> F:
    """After the write commits (at once outside a transaction), drop the engine's cache."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        out = fn(*args, **kwargs)
        transaction.on_commit(engine.clear_config_cache)
        return out

    return cast(F, wrapper)


def _merged(instance: Any, values: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The row's values after the change (for rules across fields)."""
    current = {f: getattr(instance, f) for f in fields if f not in values and f != "topics"}
    return {**current, **values}


def _check_queue(values: Mapping[str, Any], queue: Queue | None = None) -> None:
    overflow_to = values.get("overflow_queue")
    if values.get("overflow_action") == OverflowAction.QUEUE and overflow_to is None:
        raise FieldValidationError(overflow_queue=_("Name the queue to overflow to."))
    if queue is not None and overflow_to is not None and overflow_to.pk == queue.pk:
        raise FieldValidationError(overflow_queue=_("A queue cannot overflow to itself."))


@_reloads
def create_queue(*, org: Organization, actor: Actor, values: Mapping[str, Any]) -> Queue:
    """A new queue with its routing rules (members and steps are added separately)."""
    values = rows.pick(values, QUEUE_FIELDS)
    _check_queue(values)
    return rows.create_row(org=org, actor=actor, model=Queue, values=values)


@_reloads
def update_queue(*, queue: Queue, actor: Actor, values: Mapping[str, Any]) -> Queue:
    values = rows.pick(values, QUEUE_FIELDS)
    _check_queue(_merged(queue, values, QUEUE_FIELDS), queue)
    return rows.update_row(instance=queue, actor=actor, values=values)


@_reloads
def remove_queue(*, queue: Queue, actor: Actor) -> rows.Removal:
    """Delete a queue no work, calendar or rule refers to, with its members and steps."""
    return rows.remove_row(instance=queue, actor=actor, owned=(QueueMember, EscalationStep))


@_reloads
def create_member(*, org: Organization, actor: Actor, values: Mapping[str, Any]) -> QueueMember:
    """Put an agent (an active member of the organisation) in a queue at a priority."""
    return rows.create_row(
        org=org, actor=actor, model=QueueMember, values=rows.pick(values, MEMBER_FIELDS)
    )


@_reloads
def update_member(*, member: QueueMember, actor: Actor, values: Mapping[str, Any]) -> QueueMember:
    return rows.update_row(instance=member, actor=actor, values=rows.pick(values, MEMBER_FIELDS))


@_reloads
def remove_member(*, member: QueueMember, actor: Actor) -> rows.Removal:
    return rows.remove_row(instance=member, actor=actor)


@_reloads
def create_step(*, org: Organization, actor: Actor, values: Mapping[str, Any]) -> EscalationStep:
    """A queue's escalation step: after a wait, widen the ring and relax skill levels."""
    return rows.create_row(
        org=org, actor=actor, model=EscalationStep, values=rows.pick(values, STEP_FIELDS)
    )


@_reloads
def update_step(*, step: EscalationStep, actor: Actor, values: Mapping[str, Any]) -> EscalationStep:
    return rows.update_row(instance=step, actor=actor, values=rows.pick(values, STEP_FIELDS))


@_reloads
def remove_step(*, step: EscalationStep, actor: Actor) -> rows.Removal:
    return rows.remove_row(instance=step, actor=actor)


_SKILL_NEEDS = {
    SkillKind.TOPIC: ("topic", lambda: _("A topic skill names its topic.")),
    SkillKind.LEVEL: ("level", lambda: _("A level skill names its level.")),
    SkillKind.LANGUAGE: ("language", lambda: _("A language skill names its language.")),
    SkillKind.SEGMENT: ("segment", lambda: _("A segment skill names its segment.")),
}


def _check_skill(values: Mapping[str, Any]) -> None:
    need = _SKILL_NEEDS.get(values.get("kind", ""))
    if need is not None and not values.get(need[0]):
        raise FieldValidationError({need[0]: [need[1]()]})


@_reloads
def create_skill(*, org: Organization, actor: Actor, values: Mapping[str, Any]) -> Skill:
    """A skill; one tied to a topic, level, language or segment is required automatically
    by the cases that have it."""
    values = rows.pick(values, SKILL_FIELDS)
    _check_skill(values)
    return rows.create_row(org=org, actor=actor, model=Skill, values=values)


@_reloads
def update_skill(*, skill: Skill, actor: Actor, values: Mapping[str, Any]) -> Skill:
    values = rows.pick(values, SKILL_FIELDS)
    _check_skill(_merged(skill, values, SKILL_FIELDS))
    return rows.update_row(instance=skill, actor=actor, values=values)


@_reloads
def remove_skill(*, skill: Skill, actor: Actor) -> rows.Removal:
    """Delete a skill with the agents' levels of it."""
    return rows.remove_row(instance=skill, actor=actor, owned=(AgentSkill,))


@_reloads
def create_agent_skill(*, org: Organization, actor: Actor, values: Mapping[str, Any]) -> AgentSkill:
    """How well an agent masters a skill (1 basic to 5 expert)."""
    return rows.create_row(
        org=org, actor=actor, model=AgentSkill, values=rows.pick(values, AGENT_SKILL_FIELDS)
    )


@_reloads
def update_agent_skill(
    *, agent_skill: AgentSkill, actor: Actor, values: Mapping[str, Any]
) -> AgentSkill:
    return rows.update_row(
        instance=agent_skill, actor=actor, values=rows.pick(values, AGENT_SKILL_FIELDS)
    )


@_reloads
def remove_agent_skill(*, agent_skill: AgentSkill, actor: Actor) -> rows.Removal:
    return rows.remove_row(instance=agent_skill, actor=actor)
