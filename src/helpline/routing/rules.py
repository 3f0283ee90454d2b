"""Routing rules: which queue (and priority, extra skills) a new or reclassified case goes to.

``choose`` is a pure function over a snapshot of the tenant's rules (``RuleSet``) and the
facts of one case (``CaseFacts``): the first active rule whose every condition holds wins,
else the tenant's default queue, else nothing (the case stays outside the queues). The
settings screen's "test a case" preview runs the very same function.

The case services call ``choice_for_new_case`` while they build a new case (before its
``INSERT``, so the queue goes in with the row and costs no ``UPDATE``) and
``choice_for_case`` when a case is reclassified or reopened outside the queues; the result
goes to ``routing.services.sync_case`` in the same transaction, which records it
(``CaseRoute``, the ``queued`` contact event) and queues the case. A caller that names a
queue keeps it.

The snapshot is cached per process for ``HELPLINE_ROUTING_CONFIG_TTL`` seconds (as the
engine's configuration); the rule services clear this process's copy on every change, the
other processes see it within the TTL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q

from helpline.routing.models import RouteSource, RoutingRule, RoutingSettings


@dataclass(frozen=True)
class Rule:
    """A plain copy of one active ``RoutingRule``; empty sets mean "any"."""

    id: int
    name: str
    channels: frozenset[str] = frozenset()
    case_types: frozenset[str] = frozenset()
    urgencies: frozenset[str] = frozenset()
    topic_ids: frozenset[int] = frozenset()
    subject_ids: frozenset[int] = frozenset()
    segment_ids: frozenset[int] = frozenset()
    customer_kinds: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    reserved_line: bool = False
    queue_id: int = 0
    priority: int | None = None
    skill_ids: tuple[int, ...] = ()

    @property
    def needs_customer(self) -> bool:
        return bool(self.segment_ids or self.customer_kinds or self.languages or self.reserved_line)

    @classmethod
    def of(cls, row: RoutingRule) -> Rule:
        return cls(
            id=row.pk,
            name=row.name,
            channels=frozenset(row.channels),
            case_types=frozenset(row.case_types),
            urgencies=frozenset(row.urgencies),
            topic_ids=frozenset(row.topic_ids),
            subject_ids=frozenset(row.subject_ids),
            segment_ids=frozenset(row.segment_ids),
            customer_kinds=frozenset(row.customer_kinds),
            languages=frozenset(row.languages),
            reserved_line=row.reserved_line,
            queue_id=row.queue_id,
            priority=row.priority,
            skill_ids=tuple(sorted(row.skill_ids)),
        )


@dataclass(frozen=True)
class RuleSet:
    """A tenant's active rules in order and its default queue."""

    rules: tuple[Rule, ...] = ()
    default_queue_id: int | None = None

    @property
    def empty(self) -> bool:
        return not self.rules and self.default_queue_id is None

    @property
    def needs_customer(self) -> bool:
        return any(r.needs_customer for r in self.rules)


@dataclass(frozen=True)
class CaseFacts:
    """What the rules look at. ``designated``: whether the requester is a designated person
    allowed on the reserved line of a customer in one of the given segments (any segment
    when empty); asked only when a reserved-line rule is reached."""

    channel: str
    case_type: str
    urgency: str
    topic_id: int | None = None
    subject_id: int | None = None
    segment_id: int | None = None
    customer_kind: str | None = None
    language: str | None = None
    designated: Callable[[frozenset[int]], bool] = lambda _segments: False


@dataclass(frozen=True)
class Choice:
    """The outcome: the queue (``None``: no rule matched and no default queue), the rule
    that chose it (``None`` for the default queue or a move by hand) and what it sets."""

    queue_id: int | None
    source: str
    rule: Rule | None = None

    @property
    def priority(self) -> int | None:
        return self.rule.priority if self.rule else None

    @property
    def skill_ids(self) -> tuple[int, ...]:
        return self.rule.skill_ids if self.rule else ()

    @property
    def rule_id(self) -> int | None:
        return self.rule.id if self.rule else None

    @property
    def rule_name(self) -> str:
        return self.rule.name if self.rule else ""

    @classmethod
    def manual(cls, queue_id: int | None) -> Choice:
        return cls(queue_id=queue_id, source=RouteSource.MANUAL)


def _holds(values: frozenset[Any], value: Any) -> bool:
    return not values or value in values


def matches(rule: Rule, facts: CaseFacts) -> bool:
    """Whether every condition of ``rule`` holds for the case."""
    if not (
        _holds(rule.channels, facts.channel)
        and _holds(rule.case_types, facts.case_type)
        and _holds(rule.urgencies, facts.urgency)
        and _holds(rule.topic_ids, facts.topic_id)
        and _holds(rule.subject_ids, facts.subject_id)
        and _holds(rule.customer_kinds, facts.customer_kind)
        and _holds(rule.languages, facts.language)
    ):
        return False
    if rule.reserved_line:
        # The line of the rule's segments is theirs alone: the designated persons of those
        # segments' customers (whatever segment their own customer record is in).
        return facts.designated(rule.segment_ids)
    return _holds(rule.segment_ids, facts.segment_id)


def choose(ruleset: RuleSet, facts: CaseFacts) -> Choice:
    """First matching rule wins; else the default queue; else no queue."""
    for rule in ruleset.rules:
        if matches(rule, facts):
            return Choice(queue_id=rule.queue_id, source=RouteSource.RULE, rule=rule)
    return Choice(queue_id=ruleset.default_queue_id, source=RouteSource.DEFAULT)


# --- the tenant's rules ----------------------------------------------------------------------

_cache: dict[int, tuple[float, RuleSet]] = {}


def clear_cache() -> None:
    """Forget this process's rule snapshots (the rule services call it on every change)."""
    _cache.clear()


def load(org_id: int) -> RuleSet:
    """The tenant's active rules in order and default queue (two queries)."""
    rows = RoutingRule.objects.filter(organization_id=org_id, is_active=True).order_by(
        "position", "id"
    )
    default = (
        RoutingSettings.objects.filter(organization_id=org_id)
        .values_list("default_queue_id", flat=True)
        .first()
    )
    return RuleSet(rules=tuple(Rule.of(r) for r in rows), default_queue_id=default)


def ruleset_for(org_id: int) -> RuleSet:
    """The tenant's rules, from this process's cache when fresh enough."""
    ttl = float(getattr(settings, "HELPLINE_ROUTING_CONFIG_TTL", 5.0))
    cached = _cache.get(org_id)
    now = time.monotonic()
    if cached is not None and now - cached[0] < ttl:
        return cached[1]
    ruleset = load(org_id)
    _cache[org_id] = (now, ruleset)
    return ruleset


# --- a case's facts --------------------------------------------------------------------------


def designated_check(org_id: int, requester: Any) -> Callable[[frozenset[int]], bool]:
    """``CaseFacts.designated`` for a requester: a designated person allowed on the reserved
    line whose phone or e-mail is the requester's (one query, when asked)."""

    def check(segment_ids: frozenset[int]) -> bool:
        from helpline.customers.models import DesignatedPerson

        if requester is None:
            return False
        who = Q()
        if requester.phone:
            who |= Q(phone=requester.phone)
        if requester.email:
            who |= Q(email__iexact=requester.email)
        if not who:
            return False
        found = DesignatedPerson.objects.filter(
            who, organization_id=org_id, may_use_reserved_line=True
        )
        if segment_ids:
            found = found.filter(customer__segment_id__in=segment_ids)
        return found.exists()

    return check


def facts_of(case: Any, *, with_customer: bool = True) -> CaseFacts:
    """The facts of a case (its requester read only when a rule looks at customers; the
    intake hands ``open_case`` the requester it holds, so that costs nothing there)."""
    requester = case.requester if with_customer and case.requester_id else None
    return CaseFacts(
        channel=case.channel,
        case_type=case.case_type,
        urgency=case.urgency,
        topic_id=case.topic_id,
        subject_id=case.subject_id,
        segment_id=requester.segment_id if requester else None,
        customer_kind=requester.kind if requester else None,
        language=(requester.language or None) if requester else None,
        designated=designated_check(case.organization_id, requester),
    )


def choice_for_case(case: Any) -> Choice | None:
    """The rules' choice for ``case`` as it is now (``None``: the tenant has no rules and no
    default queue, nothing to decide)."""
    ruleset = ruleset_for(case.organization_id)
    if ruleset.empty:
        return None
    return choose(ruleset, facts_of(case, with_customer=ruleset.needs_customer))


def choice_for_new_case(case: Any) -> Choice | None:
    """For ``open_case``, before the case is inserted: a queue named by the caller wins;
    otherwise the rules choose and the case takes their queue."""
    if case.queue_id is not None:
        return None
    choice = choice_for_case(case)
    if choice is not None and choice.queue_id is not None:
        case.queue_id = choice.queue_id
    return choice
