"""The catalogue, routing and service-level screens of the settings area, declared with
``crud.py``: rows from the owning app's selectors, writes through its services."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from helpline.audit.rows import Removal
from helpline.cases import configuration as cases_conf
from helpline.cases import selectors as cases_sel
from helpline.cases.models import Subject, Topic
from helpline.configuration import forms
from helpline.configuration.crud import Column, Crud, register
from helpline.customers import configuration as customers_conf
from helpline.customers import selectors as customers_sel
from helpline.customers.models import Segment
from helpline.routing import queue_configuration as routing_conf
from helpline.routing import selectors as routing_sel
from helpline.routing.models import AgentSkill, EscalationStep, Queue, QueueMember, Skill
from helpline.sla import configuration as sla_conf
from helpline.sla import selectors as sla_sel
from helpline.sla.models import Calendar, PenaltyRule, Policy
from helpline.tenancy.models import Organization
from helpline.tenancy.permissions import Action


def _filtered(key: str, name: str) -> Any:
    """A row link to another screen's list narrowed to this row (``?queue=3``)."""
    return lambda row, org: f"{reverse(f'configuration:{key}', args=[org.slug])}?{name}={row.pk}"


# --- catalogue -------------------------------------------------------------------------------

register(
    Crud(
        key="topics",
        label=_("Topics"),
        group="catalogue",
        action=Action.MANAGE_CATALOGUE,
        help=_("The first level of the catalogue cases are filed under."),
        model=Topic,
        rows=lambda org: cases_sel.topics_for(org=org, active_only=False),
        form=forms.TopicForm,
        columns=["name", "code", "position", "is_active"],
        create=lambda org, actor, v: cases_conf.create_topic(org=org, actor=actor, values=v),
        update=lambda row, actor, v: cases_conf.update_topic(topic=row, actor=actor, values=v),
        delete=lambda row, actor: cases_conf.remove_topic(topic=row, actor=actor),
        links=[(_("Subjects"), _filtered("subjects", "topic"))],
    )
)

register(
    Crud(
        key="subjects",
        label=_("Subjects"),
        group="catalogue",
        action=Action.MANAGE_CATALOGUE,
        help=_("The second level of the catalogue, under a topic."),
        model=Subject,
        rows=lambda org: cases_sel.subjects_for(org=org, active_only=False),
        form=forms.SubjectForm,
        columns=["name", "topic", "code", "default_case_type", "position", "is_active"],
        filters=["topic"],
        create=lambda org, actor, v: cases_conf.create_subject(org=org, actor=actor, values=v),
        update=lambda row, actor, v: cases_conf.update_subject(subject=row, actor=actor, values=v),
        delete=lambda row, actor: cases_conf.remove_subject(subject=row, actor=actor),
    )
)

register(
    Crud(
        key="segments",
        label=_("Segments"),
        group="catalogue",
        action=Action.MANAGE_CATALOGUE,
        help=_("Groups of customers with their own queues, skills and SLA policies."),
        model=Segment,
        rows=lambda org: customers_sel.segments_for(org=org),
        form=forms.SegmentForm,
        columns=["name", "code", "description"],
        create=lambda org, actor, v: customers_conf.create_segment(org=org, actor=actor, values=v),
        update=lambda row, actor, v: customers_conf.update_segment(
            segment=row, actor=actor, values=v
        ),
        delete=lambda row, actor: customers_conf.remove_segment(segment=row, actor=actor),
    )
)

# --- routing ---------------------------------------------------------------------------------

register(
    Crud(
        key="queues",
        label=_("Queues"),
        group="routing",
        action=Action.MANAGE_ROUTING,
        help=_("Where work waits, who gets it and what happens when it waits too long."),
        model=Queue,
        rows=lambda org: routing_sel.configured_queues_for(org=org),
        form=forms.QueueForm,
        columns=[
            "name",
            "code",
            "level",
            "channel",
            "segment",
            "topics",
            "strategy",
            "overflow_action",
            "overflow_queue",
        ],
        create=lambda org, actor, v: routing_conf.create_queue(org=org, actor=actor, values=v),
        update=lambda row, actor, v: routing_conf.update_queue(queue=row, actor=actor, values=v),
        delete=lambda row, actor: routing_conf.remove_queue(queue=row, actor=actor),
        links=[
            (_("Members"), _filtered("queue-members", "queue")),
            (_("Escalation steps"), _filtered("escalation-steps", "queue")),
        ],
    )
)

register(
    Crud(
        key="queue-members",
        label=_("Queue members"),
        group="routing",
        action=Action.MANAGE_ROUTING,
        help=_(
            "Agents in each queue: priority 1 is the first ring; a delay makes the queue "
            "count for the agent only after an item has waited that long."
        ),
        model=QueueMember,
        rows=lambda org: routing_sel.queue_members_for(org=org),
        form=forms.QueueMemberForm,
        columns=[Column("user", _("agent")), "queue", "priority", "delay_seconds"],
        filters=["queue"],
        create=lambda org, actor, v: routing_conf.create_member(org=org, actor=actor, values=v),
        update=lambda row, actor, v: routing_conf.update_member(member=row, actor=actor, values=v),
        delete=lambda row, actor: routing_conf.remove_member(member=row, actor=actor),
    )
)

register(
    Crud(
        key="escalation-steps",
        label=_("Escalation steps"),
        group="routing",
        action=Action.MANAGE_ROUTING,
        help=_("After a wait, offer a queue's items to more members and relax skill levels."),
        model=EscalationStep,
        rows=lambda org: routing_sel.escalation_steps_for(org=org),
        form=forms.EscalationStepForm,
        columns=["queue", "after_seconds", "max_member_priority", "skill_relax"],
        filters=["queue"],
        create=lambda org, actor, v: routing_conf.create_step(org=org, actor=actor, values=v),
        update=lambda row, actor, v: routing_conf.update_step(step=row, actor=actor, values=v),
        delete=lambda row, actor: routing_conf.remove_step(step=row, actor=actor),
    )
)

register(
    Crud(
        key="skills",
        label=_("Skills"),
        group="routing",
        action=Action.MANAGE_ROUTING,
        help=_(
            "A skill tied to a topic, level, language or segment is required by every case "
            "that has it."
        ),
        model=Skill,
        rows=lambda org: routing_sel.skills_for(org=org),
        form=forms.SkillForm,
        columns=["name", "code", "kind", "topic", "level", "language", "segment"],
        create=lambda org, actor, v: routing_conf.create_skill(org=org, actor=actor, values=v),
        update=lambda row, actor, v: routing_conf.update_skill(skill=row, actor=actor, values=v),
        delete=lambda row, actor: routing_conf.remove_skill(skill=row, actor=actor),
        links=[(_("Agents"), _filtered("agent-skills", "skill"))],
    )
)

register(
    Crud(
        key="agent-skills",
        label=_("Agents' skill levels"),
        group="routing",
        action=Action.MANAGE_ROUTING,
        help=_("How well each agent masters a skill, 1 (basic) to 5 (expert)."),
        model=AgentSkill,
        rows=lambda org: routing_sel.agent_skills_for(org=org),
        form=forms.AgentSkillForm,
        columns=[Column("user", _("agent")), "skill", "level"],
        filters=["skill", "user"],
        create=lambda org, actor, v: routing_conf.create_agent_skill(
            org=org, actor=actor, values=v
        ),
        update=lambda row, actor, v: routing_conf.update_agent_skill(
            agent_skill=row, actor=actor, values=v
        ),
        delete=lambda row, actor: routing_conf.remove_agent_skill(agent_skill=row, actor=actor),
    )
)

# --- service levels --------------------------------------------------------------------------


def _delete_calendar(row: Calendar, actor: Any) -> Removal:
    sla_conf.delete_calendar(calendar=row, actor=actor)
    return Removal.DELETED


def _preview(row: Calendar, org: Organization) -> str:
    return reverse("sla:calendar_preview", args=[org.slug, row.pk])


register(
    Crud(
        key="calendars",
        label=_("Business calendars"),
        group="service_levels",
        action=Action.MANAGE_SLA,
        help=_(
            "Opening hours, public holidays, closures and extra openings that SLA targets "
            "count in. Saving a calendar recomputes the deadlines of the cases it governs."
        ),
        model=Calendar,
        rows=lambda org: sla_sel.calendars_for(org=org).select_related("queue"),
        form=forms.CalendarForm,
        columns=[
            "name",
            "time_zone",
            "holiday_country",
            "holiday_subdivision",
            "is_default",
            "channel",
            "queue",
        ],
        create=lambda org, actor, data: sla_conf.create_calendar(org=org, actor=actor, data=data),
        update=lambda row, actor, data: sla_conf.update_calendar(
            calendar=row, actor=actor, data=data
        )[0],
        delete=_delete_calendar,
        links=[(_("Preview"), _preview)],
    )
)

register(
    Crud(
        key="sla-policies",
        label=_("SLA policies"),
        group="service_levels",
        action=Action.MANAGE_SLA,
        help=_(
            "Targets and escalation rules for the cases matching each policy; the first "
            "matching policy (by position) applies."
        ),
        model=Policy,
        rows=lambda org: sla_sel.policies_for(org=org),
        form=forms.PolicyForm,
        columns=[
            "name",
            "position",
            "is_active",
            "calendar",
            "channel",
            "case_type",
            "urgency",
            "topic",
            "segment",
        ],
        create=lambda org, actor, data: sla_conf.create_policy(org=org, actor=actor, data=data),
        update=lambda row, actor, data: sla_conf.update_policy(policy=row, actor=actor, data=data),
        delete=lambda row, actor: sla_conf.remove_policy(policy=row, actor=actor),
    )
)

register(
    Crud(
        key="penalty-rules",
        label=_("Penalty rules"),
        group="service_levels",
        action=Action.MANAGE_SLA,
        help=_("Contractual penalties applied to each month's breaches (the SLA statement)."),
        model=PenaltyRule,
        rows=lambda org: sla_sel.penalty_rules_for(org=org),
        form=forms.PenaltyRuleForm,
        columns=[
            "name",
            "kind",
            "target_kind",
            "case_type",
            "policy",
            "amount",
            "currency",
            "monthly_cap",
            "is_active",
        ],
        create=lambda org, actor, v: sla_conf.create_penalty_rule(org=org, actor=actor, values=v),
        update=lambda row, actor, v: sla_conf.update_penalty_rule(rule=row, actor=actor, values=v),
        delete=lambda row, actor: sla_conf.remove_penalty_rule(rule=row, actor=actor),
    )
)
