"""All writes to cases. Each service is one transaction and leaves an audit trail and
contact events behind; callers pass an ``Actor`` saying who acts."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.audit import services as audit
from helpline.cases.choices import (
    LEVEL_RANK,
    TRANSITIONS,
    CaseType,
    Channel,
    Level,
    MessageDirection,
    Severity,
    Status,
    Urgency,
)
from helpline.cases.models import (
    CASE_AUDITED_FIELDS,
    Attachment,
    Case,
    CaseTask,
    Message,
    Subject,
    Topic,
)
from helpline.cases.protocol import allocate_protocol
from helpline.cases.signals import case_opened, message_added, status_changed
from helpline.customers.models import Customer
from helpline.events.models import EventKind
from helpline.events.services import record_event
from helpline.lib import deferred
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError, IllegalTransition
from helpline.lib.references import Ref, resolve_refs
from helpline.routing.models import Queue
from helpline.routing.rules import Choice, choice_for_new_case
from helpline.sla import services as sla
from helpline.tenancy.models import Membership, Organization
from helpline.tenancy.permissions import Action, roles_for


@dataclass(frozen=True)
class UploadedFile:
    """A file to attach, independent of where it came from (form, API, mail)."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class MessageSender:
    """Who wrote an inbound message, when the channel knows (the From of a mail): the
    requester or someone else, with their customer when they are one."""

    email: str = ""
    name: str = ""
    customer_id: int | None = None


def _sync_routing(
    case: Case, actor: Actor, now: datetime, *, created: bool = False, route: Any = None
) -> None:
    """Routing hook (helpline.routing): queue, move or cancel the case's routing task in this
    same transaction, so a case is never saved without being queued. ``route``: how its
    queue was just chosen (``routing.rules.Choice``)."""
    from helpline.routing.services import sync_case

    sync_case(case=case, actor=actor, now=now, created=created, route=route)


def _reroute(case: Case, actor: Actor, now: datetime) -> None:
    """The case's classification changed (or it reopened outside the queues): the tenant's
    routing rules choose its queue again, and ``_sync_routing`` moves its task there. No
    rule and no default queue: it stays where it is."""
    from helpline.routing.rules import choice_for_case

    route = choice_for_case(case) if case.is_active else None  # a closed case stays put
    if route is None or route.queue_id is None:
        _sync_routing(case, actor, now)
        return
    if route.queue_id != case.queue_id:
        before = audit.snapshot(case, ["queue"])
        case.queue_id = route.queue_id
        Case.objects.filter(pk=case.pk).update(queue_id=route.queue_id)
        audit.record_update(
            org_id=case.organization_id, actor=actor, instance=case, before=before, at=now
        )
    _sync_routing(case, actor, now, route=route)


_CHOICE_VALUES: dict[type[Any], frozenset[str]] = {}


def _values(choices: type[Any]) -> frozenset[str]:
    """The values of a choices class, built once (``choices.values`` builds a list)."""
    values = _CHOICE_VALUES.get(choices)
    if values is None:
        values = _CHOICE_VALUES[choices] = frozenset(choices.values)
    return values


def _choice(field: str, value: str, choices: type[Any]) -> str:
    if value not in _values(choices):
        raise FieldValidationError(
            **{field: _("“%(value)s” is not a valid choice.") % {"value": value}}
        )
    return value


def _check_attachments(files: Sequence[UploadedFile]) -> None:
    limit = settings.HELPLINE_MAX_ATTACHMENT_BYTES
    for f in files:
        if len(f.content) > limit:
            raise FieldValidationError(
                attachments=_("“%(name)s” is %(size)d bytes; the limit is %(limit)d bytes.")
                % {"name": f.filename, "size": len(f.content), "limit": limit}
            )
        if not f.filename.strip():
            raise FieldValidationError(attachments=_("An attachment has no file name."))


def _store_attachments(*, org_id: int, message: Message, files: Sequence[UploadedFile]) -> None:
    """Store files by content hash (writing the same bytes twice is harmless, so a rolled-back
    transaction leaves at most an unreferenced file, never a reference without a file)."""
    for f in files:
        digest = hashlib.sha256(f.content).hexdigest()
        path = f"attachments/{org_id}/{digest[:2]}/{digest}"
        if not default_storage.exists(path):
            path = default_storage.save(path, ContentFile(f.content))
        attachment = Attachment(
            organization_id=org_id,
            message=message,
            file=path,
            filename=f.filename[:255],
            content_type=(f.content_type or "application/octet-stream")[:120],
            size=len(f.content),
            sha256=digest,
        )
        deferred.insert(attachment)


def _writing_member(org_id: int, user_id: int | None, field: str) -> Any:
    """The user, if they may work cases of the organisation (one query)."""
    if user_id is None:
        return None
    membership = (
        Membership.objects.filter(
            organization_id=org_id,
            user_id=user_id,
            is_active=True,
            role__in=roles_for(Action.WRITE_CASES),
        )
        .select_related("user")
        .first()
    )
    if membership is None:
        raise FieldValidationError(
            **{field: _("This user is not an operator of this organisation.")}
        )
    return membership.user


def _held_row(field: str, row: Any, org: Organization) -> int:
    """The id of a row the caller holds, once it is known to belong to ``org`` (what
    ``resolve_refs`` proves with a query for an id)."""
    if row.organization_id != org.pk or row.pk is None:
        raise FieldValidationError(
            **{field: _("Unknown %(field)s: %(id)s") % {"field": field, "id": row.pk}}
        )
    return int(row.pk)


@transaction.atomic
def open_case(
    *,
    org: Organization,
    actor: Actor,
    channel: str,
    case_type: str,
    title: str,
    description: str = "",
    topic_id: int | None = None,
    subject_id: int | None = None,
    urgency: str = Urgency.NORMAL,
    severity: str = Severity.MINOR,
    level: str = Level.L1,
    requester_id: int | None = None,
    assignee_id: int | None = None,
    queue_id: int | None = None,
    related_case_id: int | None = None,
    attachments: Sequence[UploadedFile] = (),
    now: datetime | None = None,
    requester: Customer | None = None,
    related_case: Case | None = None,
) -> Case:
    """Open a case and give it its protocol number.

    Validates every reference against the organisation (a foreign tenant's topic is as
    unknown as a missing one), so a case can never point across tenants. A reminder must
    name the case it chases. ``requester`` and ``related_case``, instead of their ids, are
    rows the caller holds (the intake found or created them, perhaps not inserted yet:
    ``lib.deferred``): checked by their organisation without a query.
    """
    now = now or timezone.now()
    if requester is not None:
        requester_id = _held_row("requester", requester, org)
    if related_case is not None:
        related_case_id = _held_row("related_case", related_case, org)
    _choice("channel", channel, Channel)
    _choice("case_type", case_type, CaseType)
    _choice("urgency", urgency, Urgency)
    _choice("severity", severity, Severity)
    _choice("level", level, Level)
    title = (title or "").strip()
    if not title:
        raise FieldValidationError(title=_("A title is required."))
    if len(title) > 200:
        raise FieldValidationError(title=_("The title may not exceed 200 characters."))
    _check_attachments(attachments)
    found = resolve_refs(
        org_id=org.pk,
        refs=[
            Ref("topic", Topic, topic_id),
            Ref("subject", Subject, subject_id, read="topic_id"),
            Ref("requester", Customer, None if requester is not None else requester_id),
            Ref("queue", Queue, queue_id),
            Ref("related_case", Case, None if related_case is not None else related_case_id),
            Ref(
                "assignee",
                Membership,
                assignee_id,
                read="user_id",
                id_column="user_id",
                where={"is_active": True, "role": sorted(roles_for(Action.WRITE_CASES))},
                message=_("This user is not an operator of this organisation."),
            ),
        ],
    )
    if subject_id is not None:
        if topic_id is None:
            topic_id = found["subject"]
        elif found["subject"] != topic_id:
            raise FieldValidationError(subject=_("This subject does not belong to the topic."))
    if case_type == CaseType.REMINDER and related_case_id is None:
        raise FieldValidationError(related_case=_("A reminder must name the case it chases."))

    protocol = allocate_protocol(org=org, at=now)
    case = Case(
        organization=org,
        protocol_number=protocol.number,
        protocol_year=protocol.year,
        protocol_seq=protocol.seq,
        channel=channel,
        case_type=case_type,
        topic_id=topic_id,
        subject_id=subject_id,
        urgency=urgency,
        severity=severity,
        level=level,
        title=title,
        description=description,
        requester_id=requester_id,
        assignee_id=assignee_id,
        queue_id=queue_id,
        related_case_id=related_case_id,
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    if requester is not None:
        case.requester = requester  # the SLA policy and the routing rules read its segment
    # The tenant's routing rules choose the queue unless the caller named one; it goes in
    # with the row.
    route = choice_for_new_case(case)
    deferred.insert_with_id(case)  # at once, or with the rest of the intake's batch
    audit.record_create(
        org_id=org.pk, actor=actor, instance=case, fields=CASE_AUDITED_FIELDS, at=now
    )
    record_event(
        org_id=org.pk,
        kind=EventKind.CASE_OPENED,
        actor=actor,
        channel=channel,
        case_id=case.pk,
        customer_id=requester_id,
        data={"protocol": case.protocol_number, "type": case_type, "urgency": urgency},
        at=now,
    )
    if attachments:
        message = Message(
            organization=org,
            case=case,
            direction=MessageDirection.INBOUND,
            channel=channel,
            author_user_id=actor.user_id,
            author_customer_id=requester_id,
            body=description or title,
            created_at=now,
        )
        deferred.insert_with_id(message)
        _store_attachments(org_id=org.pk, message=message, files=attachments)
    if assignee_id is not None:
        record_event(
            org_id=org.pk,
            kind=EventKind.ASSIGNED,
            actor=actor,
            channel=channel,
            case_id=case.pk,
            data={"assignee": assignee_id, "level": level},
            at=now,
        )
    _sync_routing(case, actor, now, created=True, route=route)
    case_opened.send(sender=Case, case=case, actor=actor)
    sla.on_case_opened(case=case, now=now)
    return case


@dataclass(frozen=True)
class NewRequester:
    """Contact data of a walk-in visitor or caller who is not a customer yet."""

    name: str
    phone: str = ""
    email: str = ""
    tax_id: str = ""


@transaction.atomic
def open_case_with_new_requester(
    *, org: Organization, actor: Actor, requester: NewRequester, **case_fields: Any
) -> Case:
    """Register the requester as a customer and open their case in one transaction: a refused
    case leaves no orphan customer, a refused customer opens no case. Customer errors name
    ``name``/``phone``/``email``/``tax_id``."""
    from helpline.customers.services import create_customer

    customer = create_customer(
        org=org,
        actor=actor,
        name=requester.name,
        phone=requester.phone,
        email=requester.email,
        tax_id=requester.tax_id,
    )
    return open_case(org=org, actor=actor, requester_id=customer.pk, **case_fields)


def _lock(case: Case) -> Case:
    """Re-read the case under a row lock so concurrent changes serialise."""
    return Case.objects.select_for_update().get(pk=case.pk, organization_id=case.organization_id)


@transaction.atomic
def change_status(*, case: Case, actor: Actor, status: str, now: datetime | None = None) -> Case:
    """Move the case through its lifecycle; anything not in TRANSITIONS is refused (409)."""
    _choice("status", status, Status)
    now = now or timezone.now()
    return _apply_status(case=_lock(case), actor=actor, status=status, now=now)


def _apply_status(
    *,
    case: Case,
    actor: Actor,
    status: str,
    now: datetime,
    also_save: Sequence[str] = (),
    message: Message | None = None,
) -> Case:
    """Change the status of a case the caller has locked, saving ``also_save`` with it.
    ``message``: the message that caused the change (a first reply opens a new case), so
    that reactions know the customer is told by the message itself."""
    if status not in TRANSITIONS[case.status]:
        raise IllegalTransition(
            _("A case cannot go from “%(old)s” to “%(new)s”.")
            % {"old": Status(case.status).label, "new": Status(status).label}
        )
    before = audit.snapshot(case, ["status"])
    old = case.status
    case.status = status
    if status == Status.RESOLVED:
        case.resolved_at = now
    elif status == Status.CLOSED:
        case.closed_at = now
        case.resolved_at = case.resolved_at or now
    elif status == Status.REOPENED:
        case.resolved_at = None
        case.closed_at = None
    case.updated_at = now
    case.save(update_fields=["status", "resolved_at", "closed_at", "updated_at", *also_save])
    audit.record_update(
        org_id=case.organization_id, actor=actor, instance=case, before=before, at=now
    )
    record_event(
        org_id=case.organization_id,
        kind=EventKind.STATUS_CHANGED,
        actor=actor,
        channel=case.channel,
        case_id=case.pk,
        data={"from": old, "to": status},
        at=now,
    )
    if status == Status.REOPENED and case.queue_id is None:
        _reroute(case, actor, now)  # reopened by the customer: into the queues
    else:
        _sync_routing(case, actor, now)
    sla.on_status_changed(case=case, old=old, new=status, now=now)
    status_changed.send(
        sender=Case, case=case, old=old, new=status, actor=actor, at=now, message=message
    )
    return case


@transaction.atomic
def assign_case(
    *,
    case: Case,
    actor: Actor,
    assignee_id: int | None,
    level: str | None = None,
    now: datetime | None = None,
) -> Case:
    """Give the case to an operator and/or a level; raising the level is an escalation."""
    now = now or timezone.now()
    case = _lock(case)
    org_id = case.organization_id
    assignee = _writing_member(org_id, assignee_id, "assignee")
    if level is not None:
        _choice("level", level, Level)
    before = audit.snapshot(case, ["assignee", "level"])
    old_level = case.level
    case.assignee = assignee
    if level is not None:
        case.level = level
    case.updated_at = now
    case.save(update_fields=["assignee", "level", "updated_at"])
    if (
        audit.record_update(org_id=org_id, actor=actor, instance=case, before=before, at=now)
        is None
    ):
        return case
    if before["assignee"] != case.assignee_id:
        record_event(
            org_id=org_id,
            kind=EventKind.ASSIGNED,
            actor=actor,
            channel=case.channel,
            case_id=case.pk,
            data={"assignee": case.assignee_id, "level": case.level},
            at=now,
        )
    _sync_routing(case, actor, now)
    if LEVEL_RANK[Level(case.level)] > LEVEL_RANK[Level(old_level)]:
        record_event(
            org_id=org_id,
            kind=EventKind.ESCALATED,
            actor=actor,
            channel=case.channel,
            case_id=case.pk,
            data={"from": old_level, "to": case.level},
            at=now,
        )
    return case


@transaction.atomic
def change_queue(
    *, case: Case, actor: Actor, queue_id: int | None, now: datetime | None = None
) -> Case:
    """Put the case in another queue of its organisation (or none); a waiting routing task
    follows it and keeps its place."""
    now = now or timezone.now()
    resolve_refs(org_id=case.organization_id, refs=[Ref("queue", Queue, queue_id)])
    case = _lock(case)
    before = audit.snapshot(case, ["queue"])
    case.queue_id = queue_id
    case.updated_at = now
    case.save(update_fields=["queue", "updated_at"])
    audit.record_update(
        org_id=case.organization_id, actor=actor, instance=case, before=before, at=now
    )
    _sync_routing(case, actor, now, route=Choice.manual(queue_id))
    sla.on_case_reclassified(case=case, now=now)  # a queue may have its own calendar
    return case


@transaction.atomic
def change_urgency(
    *,
    case: Case,
    actor: Actor,
    urgency: str,
    severity: str | None = None,
    now: datetime | None = None,
) -> Case:
    """Set the urgency (and optionally severity) chosen by the operator."""
    now = now or timezone.now()
    _choice("urgency", urgency, Urgency)
    if severity is not None:
        _choice("severity", severity, Severity)
    case = _lock(case)
    before = audit.snapshot(case, ["urgency", "severity"])
    case.urgency = urgency
    if severity is not None:
        case.severity = severity
    case.updated_at = now
    case.save(update_fields=["urgency", "severity", "updated_at"])
    changes = audit.record_update(
        org_id=case.organization_id, actor=actor, instance=case, before=before, at=now
    )
    if changes is not None:
        record_event(
            org_id=case.organization_id,
            kind=EventKind.URGENCY_CHANGED,
            actor=actor,
            channel=case.channel,
            case_id=case.pk,
            data={"from": before["urgency"], "to": urgency, "severity": case.severity},
            at=now,
        )
        _reroute(case, actor, now)
        sla.on_case_reclassified(case=case, now=now)
    return case


@transaction.atomic
def revoke_status_links(*, case: Case, actor: Actor, now: datetime | None = None) -> Case:
    """Invalidate every status link issued for the case so far (a link forwarded to the
    wrong person, a leaked mail): links carry the case's link version, which this bumps.
    Links issued afterwards work."""
    now = now or timezone.now()
    case = _lock(case)
    before = audit.snapshot(case, ["status_link_version"])
    case.status_link_version += 1
    case.save(update_fields=["status_link_version"])
    audit.record_update(
        org_id=case.organization_id, actor=actor, instance=case, before=before, at=now
    )
    return case


_EVENT_FOR_DIRECTION = {
    MessageDirection.INBOUND: EventKind.MESSAGE_RECEIVED,
    MessageDirection.OUTBOUND: EventKind.MESSAGE_SENT,
    MessageDirection.NOTE: EventKind.NOTE_ADDED,
}


@transaction.atomic
def add_message(
    *,
    case: Case,
    actor: Actor,
    direction: str,
    body: str,
    channel: str | None = None,
    attachments: Sequence[UploadedFile] = (),
    now: datetime | None = None,
    locked: bool = False,
    sender: MessageSender | None = None,
) -> Message:
    """Add an inbound message, an outbound reply or an internal note.

    ``sender``: who really wrote an inbound message (recorded on it; its author is their
    customer, if any, instead of the requester).

    The first reply to a new case records the first response and opens the case; a
    customer's answer to a case waiting on them puts it back to open. ``locked``: the
    caller read ``case`` under its row lock in this transaction (the intake locks the
    cases of a whole batch in one query), so it is not read again, and it is updated in
    place.
    """
    now = now or timezone.now()
    _choice("direction", direction, MessageDirection)
    body = (body or "").strip()
    if not body and not attachments:
        raise FieldValidationError(body=_("The message is empty."))
    _check_attachments(attachments)
    channel = _choice("channel", channel or case.channel, Channel)
    if not locked:
        case = _lock(case)
    is_customer = direction == MessageDirection.INBOUND
    message = Message(
        organization_id=case.organization_id,
        case=case,
        direction=direction,
        channel=channel,
        author_user_id=None if is_customer else actor.user_id,
        author_customer_id=(
            (sender.customer_id if sender is not None else case.requester_id)
            if is_customer
            else None
        ),
        body=body,
        sender_email=sender.email if sender is not None and is_customer else "",
        sender_name=sender.name if sender is not None and is_customer else "",
        created_at=now,
    )
    deferred.insert_with_id(message)  # at once, or with the rest of the intake's batch
    _store_attachments(org_id=case.organization_id, message=message, files=attachments)
    record_event(
        org_id=case.organization_id,
        kind=_EVENT_FOR_DIRECTION[MessageDirection(direction)],
        actor=actor,
        channel=channel,
        case_id=case.pk,
        customer_id=case.requester_id,
        data={"message": message.pk, "attachments": len(attachments)},
        at=now,
    )
    fields = ["updated_at"]
    case.updated_at = now
    if direction == MessageDirection.OUTBOUND and case.first_response_at is None:
        case.first_response_at = now
        fields.append("first_response_at")
    answered_new = direction == MessageDirection.OUTBOUND and case.status == Status.NEW
    customer_replied = (
        direction == MessageDirection.INBOUND and case.status == Status.WAITING_CUSTOMER
    )
    if answered_new or customer_replied:
        _apply_status(
            case=case, actor=actor, status=Status.OPEN, now=now, also_save=fields, message=message
        )
    else:  # what save(update_fields=...) sends, without the model-saving machinery
        Case.objects.filter(pk=case.pk).update(**{name: getattr(case, name) for name in fields})
    message_added.send(sender=Message, message=message, case=case, actor=actor)
    sla.on_message(case=case, direction=direction, now=now)
    return message


@transaction.atomic
def change_case_type(
    *, case: Case, actor: Actor, case_type: str, now: datetime | None = None
) -> Case:
    """Reclassify the case (e.g. an information request that turns out to be a complaint);
    its SLA clocks follow the policy the new type matches."""
    now = now or timezone.now()
    _choice("case_type", case_type, CaseType)
    case = _lock(case)
    before = audit.snapshot(case, ["case_type"])
    old = _classification(case)
    case.case_type = case_type
    case.updated_at = now
    case.save(update_fields=["case_type", "updated_at"])
    if audit.record_update(
        org_id=case.organization_id, actor=actor, instance=case, before=before, at=now
    ):
        _record_reclassified(case, actor, old, now)
        _reroute(case, actor, now)
        sla.on_case_reclassified(case=case, now=now)
    return case


@transaction.atomic
def change_topic(
    *,
    case: Case,
    actor: Actor,
    topic_id: int | None,
    subject_id: int | None = None,
    now: datetime | None = None,
) -> Case:
    """Reclassify the case under another topic (and subject) of its organisation; the
    routing rules and SLA policies follow the new classification."""
    now = now or timezone.now()
    found = resolve_refs(
        org_id=case.organization_id,
        refs=[
            Ref("topic", Topic, topic_id),
            Ref("subject", Subject, subject_id, read="topic_id"),
        ],
    )
    if subject_id is not None:
        if topic_id is None:
            topic_id = found["subject"]
        elif found["subject"] != topic_id:
            raise FieldValidationError(subject=_("This subject does not belong to the topic."))
    case = _lock(case)
    before = audit.snapshot(case, ["topic", "subject"])
    old = _classification(case)
    case.topic_id = topic_id
    case.subject_id = subject_id
    case.updated_at = now
    case.save(update_fields=["topic", "subject", "updated_at"])
    if audit.record_update(
        org_id=case.organization_id, actor=actor, instance=case, before=before, at=now
    ):
        _record_reclassified(case, actor, old, now)
        _reroute(case, actor, now)
        sla.on_case_reclassified(case=case, now=now)
    return case


def _record_reclassified(case: Case, actor: Actor, old: dict[str, Any], now: datetime) -> None:
    """The ``reclassified`` contact event: type, topic and subject before and after."""
    record_event(
        org_id=case.organization_id,
        kind=EventKind.RECLASSIFIED,
        actor=actor,
        channel=case.channel,
        case_id=case.pk,
        data={
            "from": old,
            "to": {"type": case.case_type, "topic": case.topic_id, "subject": case.subject_id},
        },
        at=now,
    )


def _classification(case: Case) -> dict[str, Any]:
    return {"type": case.case_type, "topic": case.topic_id, "subject": case.subject_id}


@transaction.atomic
def reclassify_case(
    *,
    case: Case,
    actor: Actor,
    case_type: str,
    topic_id: int | None,
    subject_id: int | None = None,
    now: datetime | None = None,
) -> Case:
    """Change the case's type, topic and subject together (the desk's Classification form):
    every mistake is reported at once, nothing changes unless all is valid, and a real
    change leaves one audit entry, one ``reclassified`` contact event, one pass of the
    routing rules and the SLA clocks recomputed for the new classification."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    try:
        _choice("case_type", case_type, CaseType)
    except FieldValidationError as exc:
        errors.update(exc.errors)
    if case_type == CaseType.REMINDER and case.related_case_id is None:
        errors["case_type"] = [str(_("A reminder must name the case it chases."))]
    found: dict[str, Any] = {}
    try:
        found = resolve_refs(
            org_id=case.organization_id,
            refs=[
                Ref("topic", Topic, topic_id, message=_("Choose one of the topics offered.")),
                Ref(
                    "subject",
                    Subject,
                    subject_id,
                    read="topic_id",
                    message=_("Choose one of the subjects offered."),
                ),
            ],
        )
    except FieldValidationError as exc:
        errors.update(exc.errors)
    if subject_id is not None and "subject" in found:
        if topic_id is None:
            topic_id = found["subject"]
        elif found["subject"] != topic_id:
            errors.setdefault("subject", []).append(
                str(_("This subject does not belong to the topic."))
            )
    if errors:
        raise FieldValidationError(errors)
    case = _lock(case)
    fields = ["case_type", "topic", "subject"]
    before = audit.snapshot(case, fields)
    old = _classification(case)
    case.case_type = case_type
    case.topic_id = topic_id
    case.subject_id = subject_id
    case.updated_at = now
    case.save(update_fields=[*fields, "updated_at"])
    if not audit.record_update(
        org_id=case.organization_id, actor=actor, instance=case, before=before, at=now
    ):
        return case  # nothing changed
    _record_reclassified(case, actor, old, now)
    _reroute(case, actor, now)
    sla.on_case_reclassified(case=case, now=now)
    return case


@transaction.atomic
def reroute_requester_cases(
    *, customer: Customer, actor: Actor, now: datetime | None = None
) -> int:
    """The requester's segment, kind or language changed: their unassigned active cases
    are routed again by the tenant's rules (how many were looked at)."""
    from helpline.cases.choices import ACTIVE_STATUSES

    now = now or timezone.now()
    cases = list(
        Case.objects.select_for_update().filter(
            organization_id=customer.organization_id,
            requester=customer,
            status__in=ACTIVE_STATUSES,
            assignee__isnull=True,
        )
    )
    for case in cases:
        case.requester = customer  # the rules read its segment
        _reroute(case, actor, now)
    return len(cases)


@transaction.atomic
def add_task(
    *, case: Case, actor: Actor, title: str, done: bool = False, now: datetime | None = None
) -> CaseTask:
    """Record a piece of work on the case (done now, or to be done)."""
    now = now or timezone.now()
    title = (title or "").strip()
    if not title:
        raise FieldValidationError(title=_("A task needs a description."))
    task = CaseTask.objects.create(
        organization_id=case.organization_id,
        case=case,
        title=title[:200],
        created_at=now,
        created_by_id=actor.user_id,
        done_at=now if done else None,
        done_by_id=actor.user_id if done else None,
    )
    audit.record_create(
        org_id=case.organization_id,
        actor=actor,
        instance=task,
        fields=["case", "title", "done_at"],
        at=now,
    )
    return task


@transaction.atomic
def complete_task(*, task: CaseTask, actor: Actor, now: datetime | None = None) -> CaseTask:
    now = now or timezone.now()
    if task.done_at is not None:
        return task
    before = audit.snapshot(task, ["done_at", "done_by"])
    task.done_at = now
    task.done_by_id = actor.user_id
    task.save(update_fields=["done_at", "done_by"])
    audit.record_update(
        org_id=task.organization_id, actor=actor, instance=task, before=before, at=now
    )
    return task
