"""Writes of a tenant's routing rules and default queue (the settings screen and the API),
each one transaction with an audit entry. Every reference is checked against the tenant:
another tenant's queue, topic, segment or skill, or one that no longer exists, is refused
with an error naming the field. Every change clears the rule cache (``routing.rules``).

The "test a case" preview (``preview``) runs the same ``rules.choose`` as the case services
on the rules as they are in the database now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.audit import services as audit
from helpline.cases.choices import CaseType, Channel, Urgency
from helpline.cases.models import Subject, Topic
from helpline.customers.models import CustomerKind, Segment
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError, NotFound
from helpline.lib.references import Ref, resolve_refs
from helpline.routing import rules
from helpline.routing.models import Queue, RoutingRule, RoutingSettings, Skill
from helpline.tenancy.models import Organization

RULE_FIELDS = (
    "position",
    "name",
    "is_active",
    "channels",
    "case_types",
    "urgencies",
    "topic_ids",
    "subject_ids",
    "segment_ids",
    "customer_kinds",
    "languages",
    "reserved_line",
    "queue",
    "priority",
    "skill_ids",
)

#: The task priorities the engine orders by (a ``smallint``); urgencies give 0 to 300.
PRIORITY_RANGE = (-1000, 1000)


@dataclass
class RuleData:
    """What a client sends for a rule; empty lists mean "any"."""

    name: str
    queue_id: int | None
    is_active: bool = True
    channels: list[str] = field(default_factory=list)
    case_types: list[str] = field(default_factory=list)
    urgencies: list[str] = field(default_factory=list)
    topic_ids: list[int] = field(default_factory=list)
    subject_ids: list[int] = field(default_factory=list)
    segment_ids: list[int] = field(default_factory=list)
    customer_kinds: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    reserved_line: bool = False
    priority: int | None = None
    skill_ids: list[int] = field(default_factory=list)


def _changed() -> None:
    """Forget cached rules now and again once the change is committed (a case opened in
    between by another request of this process must not keep the old copy)."""
    rules.clear_cache()
    transaction.on_commit(rules.clear_cache)


def _values(name: str, given: Sequence[str], allowed: Sequence[str]) -> list[str]:
    unknown = [v for v in given if v not in allowed]
    if unknown:
        raise FieldValidationError(
            **{name: _("“%(value)s” is not a valid choice.") % {"value": unknown[0]}}
        )
    return sorted(set(given))


def _ids(org_id: int, name: str, given: Sequence[int], model: type[Model]) -> list[int]:
    wanted = sorted(set(given))
    if not wanted:
        return []
    found = set(
        model._default_manager.filter(organization_id=org_id, pk__in=wanted).values_list(
            "pk", flat=True
        )
    )
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise FieldValidationError(
            **{name: _("Unknown %(field)s: %(id)s") % {"field": name, "id": missing[0]}}
        )
    return wanted


def _clean(org: Organization, data: RuleData) -> dict[str, Any]:
    """The rule's column values, or a FieldValidationError naming every bad field."""
    errors: dict[str, list[str]] = {}

    def check(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except FieldValidationError as exc:
            for key, msgs in exc.errors.items():
                errors.setdefault(key, []).extend(msgs)
            return []

    name = (data.name or "").strip()
    if not name:
        errors["name"] = [_("A name is required.")]
    elif len(name) > 120:
        errors["name"] = [_("The name may not exceed 120 characters.")]
    if data.queue_id is None:
        errors["queue"] = [_("Choose the queue the rule sends cases to.")]
    else:
        check(lambda: resolve_refs(org_id=org.pk, refs=[Ref("queue", Queue, data.queue_id)]))
    if data.priority is not None and not (PRIORITY_RANGE[0] <= data.priority <= PRIORITY_RANGE[1]):
        errors["priority"] = [
            _("The priority must be between %(low)d and %(high)d.")
            % {"low": PRIORITY_RANGE[0], "high": PRIORITY_RANGE[1]}
        ]
    languages = [code for code, _name in settings.LANGUAGES]
    values = {
        "name": name,
        "is_active": bool(data.is_active),
        "channels": check(_values, "channels", data.channels, Channel.values),
        "case_types": check(_values, "case_types", data.case_types, CaseType.values),
        "urgencies": check(_values, "urgencies", data.urgencies, Urgency.values),
        "customer_kinds": check(
            _values, "customer_kinds", data.customer_kinds, CustomerKind.values
        ),
        "languages": check(_values, "languages", data.languages, languages),
        "topic_ids": check(_ids, org.pk, "topic_ids", data.topic_ids, Topic),
        "subject_ids": check(_ids, org.pk, "subject_ids", data.subject_ids, Subject),
        "segment_ids": check(_ids, org.pk, "segment_ids", data.segment_ids, Segment),
        "skill_ids": check(_ids, org.pk, "skill_ids", data.skill_ids, Skill),
        "reserved_line": bool(data.reserved_line),
        "queue_id": data.queue_id,
        "priority": data.priority,
    }
    if errors:
        raise FieldValidationError(errors)
    return values


@transaction.atomic
def create_rule(
    *, org: Organization, actor: Actor, data: RuleData, now: datetime | None = None
) -> RoutingRule:
    """Add a rule at the end of the tenant's list."""
    now = now or timezone.now()
    values = _clean(org, data)
    last = RoutingRule.objects.filter(organization=org).aggregate(m=Max("position"))["m"]
    rule = RoutingRule.objects.create(
        organization=org,
        position=0 if last is None else last + 1,
        created_at=now,
        updated_at=now,
        **values,
    )
    audit.record_create(org_id=org.pk, actor=actor, instance=rule, fields=RULE_FIELDS, at=now)
    _changed()
    return rule


@transaction.atomic
def update_rule(
    *, rule: RoutingRule, actor: Actor, data: RuleData, now: datetime | None = None
) -> RoutingRule:
    """Change a rule's name, conditions or action (its place stays)."""
    now = now or timezone.now()
    values = _clean(rule.organization, data)
    rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
    before = audit.snapshot(rule, RULE_FIELDS)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.updated_at = now
    rule.save()
    audit.record_update(
        org_id=rule.organization_id, actor=actor, instance=rule, before=before, at=now
    )
    _changed()
    return rule


@transaction.atomic
def delete_rule(*, rule: RoutingRule, actor: Actor, now: datetime | None = None) -> None:
    """Remove a rule (the cases it routed keep its name on their route)."""
    audit.record_delete(
        org_id=rule.organization_id, actor=actor, instance=rule, fields=RULE_FIELDS, at=now
    )
    rule.delete()
    _changed()


@transaction.atomic
def reorder_rules(
    *, org: Organization, actor: Actor, rule_ids: Sequence[int], now: datetime | None = None
) -> list[RoutingRule]:
    """Put the tenant's rules in the given order; ``rule_ids`` must name each exactly once."""
    now = now or timezone.now()
    current = list(RoutingRule.objects.select_for_update().filter(organization=org))
    by_id = {r.pk: r for r in current}
    if sorted(rule_ids) != sorted(by_id) or len(set(rule_ids)) != len(rule_ids):
        raise FieldValidationError(rule_ids=_("List every rule of the organisation exactly once."))
    ordered = [by_id[pk] for pk in rule_ids]
    for position, rule in enumerate(ordered):
        if rule.position != position:
            before = audit.snapshot(rule, ["position"])
            rule.position = position
            rule.updated_at = now
            rule.save(update_fields=["position", "updated_at"])
            audit.record_update(org_id=org.pk, actor=actor, instance=rule, before=before, at=now)
    _changed()
    return ordered


def move_rule(
    *, rule: RoutingRule, actor: Actor, up: bool, now: datetime | None = None
) -> list[RoutingRule]:
    """Swap the rule with the one above (``up``) or below it."""
    ids = list(
        RoutingRule.objects.filter(organization_id=rule.organization_id)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    i = ids.index(rule.pk)
    j = i - 1 if up else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
    return reorder_rules(org=rule.organization, actor=actor, rule_ids=ids, now=now)


@transaction.atomic
def set_default_queue(
    *, org: Organization, actor: Actor, queue_id: int | None, now: datetime | None = None
) -> RoutingSettings:
    """The queue a case goes to when no rule matches (``None``: it stays outside)."""
    now = now or timezone.now()
    resolve_refs(org_id=org.pk, refs=[Ref("default_queue", Queue, queue_id)])
    row, created = RoutingSettings.objects.select_for_update().get_or_create(organization=org)
    before = audit.snapshot(row, ["default_queue"])
    row.default_queue_id = queue_id
    row.save()
    if created:
        audit.record_create(
            org_id=org.pk, actor=actor, instance=row, fields=["default_queue"], at=now
        )
    else:
        audit.record_update(org_id=org.pk, actor=actor, instance=row, before=before, at=now)
    _changed()
    return row


# --- reads -----------------------------------------------------------------------------------


def rules_for(*, org: Organization) -> list[RoutingRule]:
    """The tenant's rules in order, with their queues."""
    return list(
        RoutingRule.objects.filter(organization=org)
        .select_related("queue")
        .order_by("position", "id")
    )


def rule_for(*, org: Organization, rule_id: int) -> RoutingRule:
    rule = (
        RoutingRule.objects.filter(organization=org, pk=rule_id)
        .select_related("organization")
        .first()
    )
    if rule is None:
        raise NotFound(_("No such routing rule."))
    return rule


def default_queue_id(*, org: Organization) -> int | None:
    return (
        RoutingSettings.objects.filter(organization=org)
        .values_list("default_queue_id", flat=True)
        .first()
    )


def rule_data(rule: RoutingRule) -> RuleData:
    """A rule as the data the forms and the API edit."""
    return RuleData(
        name=rule.name,
        queue_id=rule.queue_id,
        is_active=rule.is_active,
        channels=list(rule.channels),
        case_types=list(rule.case_types),
        urgencies=list(rule.urgencies),
        topic_ids=list(rule.topic_ids),
        subject_ids=list(rule.subject_ids),
        segment_ids=list(rule.segment_ids),
        customer_kinds=list(rule.customer_kinds),
        languages=list(rule.languages),
        reserved_line=rule.reserved_line,
        priority=rule.priority,
        skill_ids=list(rule.skill_ids),
    )


def rule_dict(rule: RoutingRule) -> dict[str, Any]:
    return {"id": rule.pk, "position": rule.position, **asdict(rule_data(rule))}


@dataclass(frozen=True)
class PreviewInput:
    """A made-up case for the "test a case" preview."""

    channel: str
    case_type: str
    urgency: str = Urgency.NORMAL
    topic_id: int | None = None
    subject_id: int | None = None
    segment_id: int | None = None
    customer_kind: str | None = None
    language: str | None = None
    designated: bool = False


def preview(*, org: Organization, case: PreviewInput) -> rules.Choice:
    """Which rule and queue a case like ``case`` would get now (fresh rules, no cache)."""
    facts = rules.CaseFacts(
        channel=case.channel,
        case_type=case.case_type,
        urgency=case.urgency,
        topic_id=case.topic_id,
        subject_id=case.subject_id,
        segment_id=case.segment_id,
        customer_kind=case.customer_kind or None,
        language=case.language or None,
        designated=lambda segments: (
            case.designated and (not segments or case.segment_id in segments)
        ),
    )
    return rules.choose(rules.load(org.pk), facts)
