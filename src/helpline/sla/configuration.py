"""Writes of SLA configuration (calendars, policies, penalty rules) for the API, each one
transaction with an audit entry. A calendar change recomputes the deadlines of the
unfinished clocks that use it in the same transaction, so no clock keeps a stale deadline.

Input is plain data (dicts and lists from the API schemas); every problem is a
``FieldValidationError`` naming the field (``slots[2].end``, ``targets[0].unit``...).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from helpline.audit import rows
from helpline.audit import services as audit
from helpline.cases.choices import CaseType, Channel, Level, Severity, Status, Urgency
from helpline.cases.models import Topic
from helpline.customers.models import Segment
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError
from helpline.lib.references import Ref, resolve_refs
from helpline.routing.models import Queue
from helpline.sla import engine
from helpline.sla.businesstime import NoOpenTime
from helpline.sla.models import (
    Calendar,
    CalendarException,
    EscalationAction,
    EscalationRule,
    ExceptionKind,
    HolidayCountry,
    OpeningSlot,
    PenaltyRule,
    Policy,
    PolicyTarget,
    TargetKind,
    TargetUnit,
    Trigger,
)
from helpline.sla.services import recompute_calendar_clocks
from helpline.tenancy.models import Membership, Organization

_CAL_FIELDS = [
    "name",
    "time_zone",
    "holiday_country",
    "holiday_subdivision",
    "is_default",
    "channel",
    "queue",
]
_POLICY_FIELDS = [
    "name",
    "position",
    "is_active",
    "calendar",
    "channel",
    "case_type",
    "urgency",
    "severity",
    "topic",
    "segment",
    "pause_statuses",
]


@dataclass
class SlotData:
    weekday: int
    start: time
    end: time


@dataclass
class ExceptionData:
    kind: str
    starts_on: date
    ends_on: date
    start_time: time | None = None
    end_time: time | None = None
    note: str = ""


@dataclass
class CalendarData:
    name: str
    time_zone: str
    holiday_country: str = ""
    holiday_subdivision: str = ""
    is_default: bool = False
    channel: str = ""
    queue_id: int | None = None
    slots: list[SlotData] = field(default_factory=list)
    exceptions: list[ExceptionData] = field(default_factory=list)


def _check_choice(errors: dict[str, list[str]], name: str, value: str, choices: Any) -> None:
    if value and value not in choices.values:
        errors.setdefault(name, []).append(
            _("“%(value)s” is not a valid choice.") % {"value": value}
        )


def _validate_calendar(org: Organization, data: CalendarData) -> None:
    errors: dict[str, list[str]] = {}
    if not data.name.strip():
        errors["name"] = [_("A name is required.")]
    try:
        ZoneInfo(data.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["time_zone"] = [_("Unknown time zone: %(tz)s") % {"tz": data.time_zone}]
    _check_choice(errors, "holiday_country", data.holiday_country, HolidayCountry)
    _check_choice(errors, "channel", data.channel, Channel)
    if data.holiday_subdivision:
        known = (
            holidays_lib.country_holidays(data.holiday_country).subdivisions
            if data.holiday_country in HolidayCountry.values
            else ()
        )
        if data.holiday_subdivision not in known:
            errors["holiday_subdivision"] = [
                _("“%(code)s” is not a region or state of this country.")
                % {"code": data.holiday_subdivision}
            ]
    for i, s in enumerate(data.slots):
        if not 0 <= s.weekday <= 6:
            errors[f"slots[{i}].weekday"] = [_("Use 0 (Monday) to 6 (Sunday).")]
        _check_wall_clock(errors, f"slots[{i}]", start=s.start, end=s.end)
    for i, e in enumerate(data.exceptions):
        _check_choice(errors, f"exceptions[{i}].kind", e.kind, ExceptionKind)
        if _check_wall_clock(
            errors, f"exceptions[{i}]", start_time=e.start_time, end_time=e.end_time
        ):
            continue
        if e.ends_on < e.starts_on or (
            e.ends_on == e.starts_on and e.start_time and e.end_time and e.end_time <= e.start_time
        ):
            errors[f"exceptions[{i}].ends_on"] = [_("The end must come after the start.")]
    if errors:
        raise FieldValidationError(errors)
    resolve_refs(org_id=org.pk, refs=[Ref("queue", Queue, data.queue_id)])


def _store_calendar(calendar: Calendar, data: CalendarData) -> None:
    calendar.slots.all().delete()
    calendar.exceptions.all().delete()
    OpeningSlot.objects.bulk_create(
        [
            OpeningSlot(calendar=calendar, weekday=s.weekday, start=s.start, end=s.end)
            for s in data.slots
        ]
    )
    CalendarException.objects.bulk_create(
        [
            CalendarException(
                calendar=calendar,
                kind=e.kind,
                starts_on=e.starts_on,
                ends_on=e.ends_on,
                start_time=e.start_time,
                end_time=e.end_time,
                note=e.note[:200],
            )
            for e in data.exceptions
        ]
    )
    fresh = Calendar.objects.prefetch_related("slots", "exceptions").get(pk=calendar.pk)
    try:
        engine.build_calendar(fresh).add_seconds(int(datetime.now(tz=UTC).timestamp()), 60)
    except NoOpenTime as exc:
        raise FieldValidationError(
            slots=_("The calendar has no open time: add opening hours or an extra opening.")
        ) from exc


def _unique_default(calendar: Calendar) -> None:
    if calendar.is_default:
        Calendar.objects.filter(organization_id=calendar.organization_id, is_default=True).exclude(
            pk=calendar.pk
        ).update(is_default=False)


@transaction.atomic
def create_calendar(*, org: Organization, actor: Actor, data: CalendarData) -> Calendar:
    """A new calendar with its weekly slots and exceptions."""
    _validate_calendar(org, data)
    if Calendar.objects.filter(organization=org, name=data.name.strip()).exists():
        raise FieldValidationError(name=_("A calendar with this name exists."))
    calendar = Calendar.objects.create(
        organization=org,
        name=data.name.strip(),
        time_zone=data.time_zone,
        holiday_country=data.holiday_country,
        holiday_subdivision=data.holiday_subdivision,
        is_default=data.is_default,
        channel=data.channel,
        queue_id=data.queue_id,
    )
    _store_calendar(calendar, data)
    _unique_default(calendar)
    audit.record_create(org_id=org.pk, actor=actor, instance=calendar, fields=_CAL_FIELDS)
    return calendar


@transaction.atomic
def update_calendar(
    *, calendar: Calendar, actor: Actor, data: CalendarData
) -> tuple[Calendar, int]:
    """Replace the calendar's settings, slots and exceptions; then recompute the deadlines
    of its unfinished clocks. Returns the calendar and the number of clocks recomputed."""
    org = calendar.organization
    _validate_calendar(org, data)
    clash = Calendar.objects.filter(organization=org, name=data.name.strip()).exclude(
        pk=calendar.pk
    )
    if clash.exists():
        raise FieldValidationError(name=_("A calendar with this name exists."))
    before = audit.snapshot(calendar, _CAL_FIELDS)
    calendar.name = data.name.strip()
    calendar.time_zone = data.time_zone
    calendar.holiday_country = data.holiday_country
    calendar.holiday_subdivision = data.holiday_subdivision
    calendar.is_default = data.is_default
    calendar.channel = data.channel
    calendar.queue_id = data.queue_id
    calendar.version += 1
    calendar.save()
    _store_calendar(calendar, data)
    _unique_default(calendar)
    audit.record_update(org_id=org.pk, actor=actor, instance=calendar, before=before)
    return calendar, recompute_calendar_clocks(calendar=calendar)


@transaction.atomic
def delete_calendar(*, calendar: Calendar, actor: Actor) -> None:
    audit.record_delete(
        org_id=calendar.organization_id, actor=actor, instance=calendar, fields=_CAL_FIELDS
    )
    try:
        calendar.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise FieldValidationError(
            calendar=_("Policies use this calendar; give them another one first.")
        ) from exc


# --- policies ----------------------------------------------------------------------------


@dataclass
class TargetData:
    kind: str
    amount: int
    unit: str
    business_time: bool = True
    warning_percent: int = 80


@dataclass
class EscalationData:
    trigger: str
    action: str
    target_kind: str = ""
    level: str = ""
    queue_id: int | None = None
    on_call_id: int | None = None


@dataclass
class PolicyData:
    name: str
    position: int = 100
    is_active: bool = True
    calendar_id: int | None = None
    channel: str = ""
    case_type: str = ""
    urgency: str = ""
    severity: str = ""
    topic_id: int | None = None
    segment_id: int | None = None
    pause_statuses: list[str] = field(
        default_factory=lambda: [Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY]
    )
    targets: list[TargetData] = field(default_factory=list)
    escalations: list[EscalationData] = field(default_factory=list)


def _validate_policy(org: Organization, data: PolicyData) -> None:
    errors: dict[str, list[str]] = {}
    if not data.name.strip():
        errors["name"] = [_("A name is required.")]
    _check_choice(errors, "channel", data.channel, Channel)
    _check_choice(errors, "case_type", data.case_type, CaseType)
    _check_choice(errors, "urgency", data.urgency, Urgency)
    _check_choice(errors, "severity", data.severity, Severity)
    for s in data.pause_statuses:
        _check_choice(errors, "pause_statuses", s, Status)
    seen: set[str] = set()
    for i, t in enumerate(data.targets):
        _check_choice(errors, f"targets[{i}].kind", t.kind, TargetKind)
        _check_choice(errors, f"targets[{i}].unit", t.unit, TargetUnit)
        if t.kind in seen:
            errors[f"targets[{i}].kind"] = [_("This target is given twice.")]
        seen.add(t.kind)
        if t.amount < 0 or (t.amount == 0 and t.unit != TargetUnit.WORKING_DAYS):
            errors[f"targets[{i}].amount"] = [
                _("Use a positive amount (0 only for working days: the same day).")
            ]
        if not 0 <= t.warning_percent <= 100:
            errors[f"targets[{i}].warning_percent"] = [_("Use 0 to 100.")]
    for i, e in enumerate(data.escalations):
        _check_choice(errors, f"escalations[{i}].trigger", e.trigger, Trigger)
        _check_choice(errors, f"escalations[{i}].action", e.action, EscalationAction)
        _check_choice(errors, f"escalations[{i}].target_kind", e.target_kind, TargetKind)
        _check_choice(errors, f"escalations[{i}].level", e.level, Level)
        if e.action == EscalationAction.MOVE_TO_LEVEL and not e.level:
            errors[f"escalations[{i}].level"] = [_("Name the level to move to.")]
        if e.action == EscalationAction.MOVE_TO_QUEUE and e.queue_id is None:
            errors[f"escalations[{i}].queue_id"] = [_("Name the queue to move to.")]
        if e.action == EscalationAction.PAGE_ON_CALL and e.on_call_id is None:
            errors[f"escalations[{i}].on_call_id"] = [_("Name the on-call person.")]
    if errors:
        raise FieldValidationError(errors)
    resolve_refs(
        org_id=org.pk,
        refs=[
            Ref("calendar", Calendar, data.calendar_id),
            Ref("topic", Topic, data.topic_id),
            Ref("segment", Segment, data.segment_id),
            *[
                Ref(f"escalations[{i}].queue_id", Queue, e.queue_id)
                for i, e in enumerate(data.escalations)
            ],
            *[
                Ref(
                    f"escalations[{i}].on_call_id",
                    Membership,
                    e.on_call_id,
                    read="user_id",
                    id_column="user_id",
                    where={"is_active": True},
                    message=_("This user is not a member of this organisation."),
                )
                for i, e in enumerate(data.escalations)
            ],
        ],
    )


def _store_policy(policy: Policy, data: PolicyData) -> None:
    policy.targets.all().delete()
    policy.escalations.all().delete()
    PolicyTarget.objects.bulk_create(
        [
            PolicyTarget(
                policy=policy,
                kind=t.kind,
                amount=t.amount,
                unit=t.unit,
                business_time=t.business_time,
                warning_percent=t.warning_percent,
            )
            for t in data.targets
        ]
    )
    EscalationRule.objects.bulk_create(
        [
            EscalationRule(
                policy=policy,
                trigger=e.trigger,
                action=e.action,
                target_kind=e.target_kind,
                level=e.level,
                queue_id=e.queue_id,
                on_call_id=e.on_call_id,
            )
            for e in data.escalations
        ]
    )


def _apply_policy_fields(policy: Policy, data: PolicyData) -> None:
    policy.name = data.name.strip()
    policy.position = data.position
    policy.is_active = data.is_active
    policy.calendar_id = data.calendar_id
    policy.channel = data.channel
    policy.case_type = data.case_type
    policy.urgency = data.urgency
    policy.severity = data.severity
    policy.topic_id = data.topic_id
    policy.segment_id = data.segment_id
    policy.pause_statuses = list(data.pause_statuses)


@transaction.atomic
def create_policy(*, org: Organization, actor: Actor, data: PolicyData) -> Policy:
    """A new policy with its targets and escalation rules. It applies to cases opened or
    reclassified from now on."""
    _validate_policy(org, data)
    policy = Policy(organization=org)
    _apply_policy_fields(policy, data)
    policy.save()
    _store_policy(policy, data)
    audit.record_create(org_id=org.pk, actor=actor, instance=policy, fields=_POLICY_FIELDS)
    return policy


@transaction.atomic
def update_policy(*, policy: Policy, actor: Actor, data: PolicyData) -> Policy:
    """Replace the policy's conditions, targets and escalation rules."""
    _validate_policy(policy.organization, data)
    before = audit.snapshot(policy, _POLICY_FIELDS)
    _apply_policy_fields(policy, data)
    policy.save()
    _store_policy(policy, data)
    audit.record_update(org_id=policy.organization_id, actor=actor, instance=policy, before=before)
    return policy


@transaction.atomic
def delete_policy(*, policy: Policy, actor: Actor) -> None:
    """Delete the policy; its clocks stay (they keep their own copy of the target)."""
    audit.record_delete(
        org_id=policy.organization_id, actor=actor, instance=policy, fields=_POLICY_FIELDS
    )
    policy.delete()


@transaction.atomic
def remove_policy(*, policy: Policy, actor: Actor) -> rows.Removal:
    """Delete a policy no penalty rule names (its clocks keep their own copy of the target);
    one that penalty rules name is deactivated, so those rules keep applying to past months."""
    if PenaltyRule.objects.filter(policy=policy).exists():
        if policy.is_active:
            before = audit.snapshot(policy, _POLICY_FIELDS)
            policy.is_active = False
            policy.save(update_fields=["is_active"])
            audit.record_update(
                org_id=policy.organization_id, actor=actor, instance=policy, before=before
            )
        return rows.Removal.DEACTIVATED
    delete_policy(policy=policy, actor=actor)
    return rows.Removal.DELETED


def slots_from(rows: Sequence[Any]) -> list[SlotData]:
    return [SlotData(r.weekday, r.start, r.end) for r in rows]


def _check_wall_clock(errors: dict[str, list[str]], prefix: str, **times: time | None) -> bool:
    """Opening times are wall-clock times in the calendar's zone: a time with a UTC offset
    is refused with a field error (it cannot be stored, nor compared with the others)."""
    bad = False
    for name, value in times.items():
        if value is not None and value.tzinfo is not None:
            errors[f"{prefix}.{name}"] = [
                _("Give a time without a UTC offset: the calendar's time zone applies.")
            ]
            bad = True
    return bad


# --- penalty rules -------------------------------------------------------------------------

PENALTY_FIELDS = (
    "name",
    "kind",
    "target_kind",
    "case_type",
    "policy",
    "amount",
    "currency",
    "monthly_cap",
    "is_active",
)


def _check_penalty(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for name in ("amount", "monthly_cap"):
        if values.get(name) in (None, ""):
            continue
        try:
            values[name] = rows.model_field(PenaltyRule, name).to_python(values[name])
        except ValidationError as exc:
            errors[name] = list(exc.messages)
            continue
        if values[name] < 0:
            errors[name] = [_("Use zero or a positive amount.")]
    currency = values.get("currency")
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        errors["currency"] = [_("Use a three-letter currency code (EUR, BRL, CZK).")]
    if errors:
        raise FieldValidationError(errors)
    if currency is not None:
        values["currency"] = currency.upper()


def create_penalty_rule(
    *, org: Organization, actor: Actor, values: Mapping[str, Any]
) -> PenaltyRule:
    """A contractual penalty applied to the month's breaches that match its filters."""
    data = rows.pick(values, PENALTY_FIELDS)
    _check_penalty(data)
    return rows.create_row(org=org, actor=actor, model=PenaltyRule, values=data)


def update_penalty_rule(
    *, rule: PenaltyRule, actor: Actor, values: Mapping[str, Any]
) -> PenaltyRule:
    data = rows.pick(values, PENALTY_FIELDS)
    _check_penalty(data)
    return rows.update_row(instance=rule, actor=actor, values=data)


def remove_penalty_rule(*, rule: PenaltyRule, actor: Actor) -> rows.Removal:
    """Delete the rule; past statements are recomputed from the rules in force."""
    return rows.remove_row(instance=rule, actor=actor)
