"""The demo tenants' routing: skills per topic, level and language, agents' memberships
with priorities and delays, a strategy per queue, an escalation ring on the front-office
queues, overflow of the front office to the back office, wrap-up time on voice queues.

Configured before the case history is replayed, so the waiting cases become routing tasks
that require these skills; routing rules send new cases to the channel's or the segment's
front-office queue, else to the general one (through their services). The rest of the
routing configuration has no service (the admin edits it, audited); it is created here
directly, as the catalogue is.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from helpline.routing import engine
from helpline.routing.models import (
    Agent,
    AgentSkill,
    EscalationStep,
    OverflowAction,
    Queue,
    QueueMember,
    Skill,
    SkillKind,
    Strategy,
)
from helpline.tenancy.models import Organization, Role

#: Strategy by queue level: the front office takes the longest idle agent, specialists the
#: best skill match, the back office spreads written work by occupation.
STRATEGY = {"l1": Strategy.LONGEST_IDLE, "l2": Strategy.BEST_SKILL, "bo": Strategy.LEAST_OCCUPIED}


def configure_demo_routing(
    org: Organization,
    *,
    queues: dict[str, Queue],
    topics: dict[str, Any],
    users: dict[str, Any],
    roles: dict[str, str],
    language: str,
) -> None:
    """Skills, memberships, strategies and escalation for one demo tenant."""
    now = timezone.now()
    skills: list[Skill] = []
    for code, topic in topics.items():
        skills.append(
            Skill.objects.create(
                organization=org,
                code=f"topic-{code}"[:40],
                name=topic.name,
                kind=SkillKind.TOPIC,
                topic=topic,
            )
        )
    level_skills = {
        lvl: Skill.objects.create(
            organization=org, code=f"level-{lvl}", name=label, kind=SkillKind.LEVEL, level=lvl
        )
        for lvl, label in (("l1", "L1"), ("l2", "L2"), ("bo", "BO"))
    }
    Skill.objects.create(
        organization=org,
        code="lang-en",
        name="English",
        kind=SkillKind.LANGUAGE,
        language="en",
    )
    for queue in queues.values():
        queue.strategy = STRATEGY.get(queue.level, Strategy.LONGEST_IDLE)
        queue.wrapup_seconds = 30 if queue.level == "l1" else 0
        queue.service_level_seconds = 60 if queue.level == "l1" else 3600
        queue.offer_timeout_seconds = 20 if queue.level == "l1" else 60
        queue.save()
        if queue.level == "l1":
            EscalationStep.objects.create(
                organization=org, queue=queue, after_seconds=60, max_member_priority=2
            )
            EscalationStep.objects.create(
                organization=org, queue=queue, after_seconds=180, skill_relax=1
            )
    back_office = [q for q in queues.values() if q.level == "bo"]
    for q in queues.values():
        if q.level == "l1" and back_office and not q.channel:
            q.overflow_after_seconds = 15 * 60
            q.overflow_action = OverflowAction.QUEUE
            q.overflow_queue = back_office[0]
            q.save(update_fields=["overflow_after_seconds", "overflow_action", "overflow_queue"])
    members: list[QueueMember] = []
    agent_skills: list[AgentSkill] = []
    for i, (username, user) in enumerate(sorted(users.items())):
        role = roles[username]
        if role not in (Role.OPERATOR, Role.BACK_OFFICE, Role.SUPERVISOR):
            continue
        Agent.objects.create(organization=org, user=user, state_since=now, idle_since=now)
        mine = "l1" if role == Role.OPERATOR else ("bo" if role == Role.BACK_OFFICE else "l2")
        for q in queues.values():
            if q.level == mine:
                members.append(QueueMember(organization=org, queue=q, user=user, priority=1))
            elif role == Role.SUPERVISOR or (mine == "bo" and q.level == "l2"):
                # supervisors back every queue up after a minute, at the second ring
                members.append(
                    QueueMember(organization=org, queue=q, user=user, priority=2, delay_seconds=60)
                )
        levels = {"l1"} if role == Role.OPERATOR else {"l1", "l2", "bo"}
        agent_skills += [
            AgentSkill(organization=org, user=user, skill=level_skills[lvl], level=4)
            for lvl in sorted(levels)
        ]
        agent_skills += [
            AgentSkill(organization=org, user=user, skill=s, level=1 + (i + k) % 5)
            for k, s in enumerate(skills)
            if (i + k) % 3 != 0 or role != Role.OPERATOR
        ]
    QueueMember.objects.bulk_create(members)
    AgentSkill.objects.bulk_create(agent_skills)
    engine.clear_config_cache()
    configure_demo_rules(org, queues=queues)


def configure_demo_rules(org: Organization, *, queues: dict[str, Queue]) -> None:
    """Routing rules as the demo's front office is organised: a channel's own L1 queue
    (PEC), a segment's own L1 queue, then the general front office as the default queue
    (through the services, audited, as a supervisor would on the settings screen)."""
    from helpline.lib.actors import Actor
    from helpline.routing import configuration

    actor = Actor.system("demo")
    front = [q for q in queues.values() if q.level == "l1"]
    for q in front:
        if q.channel or q.segment_id:
            configuration.create_rule(
                org=org,
                actor=actor,
                data=configuration.RuleData(
                    name=q.name,
                    queue_id=q.pk,
                    channels=[q.channel] if q.channel else [],
                    segment_ids=[q.segment_id] if q.segment_id else [],
                ),
            )
    general = next((q for q in front if not q.channel and not q.segment_id), None)
    if general is not None:
        configuration.set_default_queue(org=org, actor=actor, queue_id=general.pk)
