"""Reading cases, always scoped by organisation."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain
from typing import IO, Any

from django.core.files.storage import default_storage
from django.db.models import Case as When_
from django.db.models import IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from helpline.audit.models import AuditEntry
from helpline.cases.choices import URGENCY_RANK, MessageDirection
from helpline.cases.models import Attachment, Case, Message, Subject, Topic
from helpline.events.models import ContactEvent, EventKind
from helpline.lib.errors import FieldValidationError, NotFound
from helpline.lib.files import file_response
from helpline.lib.keyset import BadCursor, Page, paginate
from helpline.tenancy.models import Organization

log = logging.getLogger(__name__)

#: Sort keys offered to users, mapped to a keyset ordering ending on a unique column.
SORTS: dict[str, list[str]] = {
    "newest": ["-created_at", "-id"],
    "oldest": ["created_at", "id"],
    "updated": ["-updated_at", "-id"],
    "urgency": ["urgency_rank", "-created_at", "-id"],
    "protocol": ["-protocol_year", "-protocol_seq", "-id"],
    "due": ["sla_due", "id"],  # SLA: the nearest running deadline first (helpline.sla)
}
#: Cases without a running SLA deadline sort after every case with one.
_NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass
class CaseFilters:
    status: list[str] = field(default_factory=list)
    topic_id: int | None = None
    urgency: list[str] = field(default_factory=list)
    assignee_id: int | None = None
    unassigned: bool = False
    channel: list[str] = field(default_factory=list)
    case_type: list[str] = field(default_factory=list)
    requester_id: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    text: str = ""


def _urgency_rank() -> When_:
    return When_(
        *[When(urgency=u, then=Value(rank)) for u, rank in URGENCY_RANK.items()],
        default=Value(9),
        output_field=IntegerField(),
    )


def _is_protocol_number(org: Organization, text: str) -> bool:
    """Whether ``text`` is the protocol number of one of the organisation's cases (typed in
    either case), by its unique index."""
    if len(text) > 40 or not any(ch.isdigit() for ch in text):
        return False
    return Case.objects.filter(organization=org, protocol_number__in={text, text.upper()}).exists()


def filtered_cases(*, org: Organization, filters: CaseFilters) -> QuerySet[Case]:
    qs = Case.objects.filter(organization=org)
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    if filters.topic_id:
        qs = qs.filter(topic_id=filters.topic_id)
    if filters.urgency:
        qs = qs.filter(urgency__in=filters.urgency)
    if filters.unassigned:
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee_id:
        qs = qs.filter(assignee_id=filters.assignee_id)
    if filters.channel:
        qs = qs.filter(channel__in=filters.channel)
    if filters.case_type:
        qs = qs.filter(case_type__in=filters.case_type)
    if filters.requester_id:
        qs = qs.filter(requester_id=filters.requester_id)
    if filters.created_from:
        qs = qs.filter(created_at__gte=filters.created_from)
    if filters.created_to:
        qs = qs.filter(created_at__lt=filters.created_to)
    text = filters.text.strip()
    if text and _is_protocol_number(org, text):
        # The unique index answers this at once; the text scan below reads every case.
        qs = qs.filter(protocol_number__in={text, text.upper()})
    elif text:
        qs = qs.filter(
            Q(protocol_number__iexact=text)
            | Q(title__icontains=text)
            | Q(requester__name__icontains=text)
        )
    return qs


def list_cases(
    *,
    org: Organization,
    filters: CaseFilters,
    sort: str = "newest",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Case]:
    """One page of cases with everything a list row shows, in a single query."""
    if sort not in SORTS:
        raise FieldValidationError(sort=_("Unknown sort order: %(sort)s") % {"sort": sort})
    qs = filtered_cases(org=org, filters=filters).select_related(
        "topic", "subject", "requester", "assignee", "sla"
    )
    if sort == "urgency":
        qs = qs.annotate(urgency_rank=_urgency_rank())
    elif sort == "due":
        qs = qs.annotate(sla_due=Coalesce("sla__next_due_at", Value(_NO_DEADLINE)))
    try:
        return paginate(qs, ordering=SORTS[sort], cursor=cursor, limit=limit)
    except BadCursor as exc:
        raise FieldValidationError(cursor=_("This cursor is not valid.")) from exc


def get_case(*, org: Organization, case_id: int) -> Case:
    case = (
        Case.objects.filter(organization=org, pk=case_id)
        .select_related(
            "topic", "subject", "requester", "assignee", "queue", "related_case", "organization"
        )
        .first()
    )
    if case is None:
        raise NotFound(_("No such case."))
    return case


def get_case_by_protocol(*, org: Organization, protocol_number: str) -> Case:
    case = Case.objects.filter(organization=org, protocol_number=protocol_number.strip()).first()
    if case is None:
        raise NotFound(_("No such case."))
    return case


def case_messages(*, case: Case, with_notes: bool = True) -> QuerySet[Message]:
    """The messages of a case, oldest first; ``with_notes=False`` (a member who may not read
    internal notes, ``Action.READ_INTERNAL_NOTES``) leaves the internal notes out."""
    qs = Message.objects.filter(case=case, organization_id=case.organization_id)
    if not with_notes:
        qs = qs.exclude(direction=MessageDirection.NOTE)
    return (
        qs.select_related("author_user", "author_customer")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


@dataclass
class TimelineItem:
    at: datetime
    kind: str  # "message", "event" or "audit"
    obj: Any


def case_timeline(*, case: Case, with_notes: bool = True) -> list[TimelineItem]:
    """Messages, contact events and audit entries of a case in one chronological list
    (``with_notes=False``: without internal notes or the events that record them)."""
    messages = [
        TimelineItem(m.created_at, "message", m)
        for m in case_messages(case=case, with_notes=with_notes)
    ]
    events = [TimelineItem(e.at, "event", e) for e in case_events(case=case, with_notes=with_notes)]
    audits = [
        TimelineItem(a.at, "audit", a)
        for a in AuditEntry.objects.filter(
            organization_id=case.organization_id, object_type="cases.case", object_id=str(case.pk)
        ).order_by("at", "id")
    ]
    order = {"audit": 0, "event": 1, "message": 2}
    return sorted(chain(messages, events, audits), key=lambda i: (i.at, order[i.kind]))


def topics_for(*, org: Organization, active_only: bool = True) -> QuerySet[Topic]:
    qs = Topic.objects.filter(organization=org).prefetch_related("subjects")
    return qs.filter(is_active=True) if active_only else qs


def subjects_for(*, org: Organization, active_only: bool = True) -> QuerySet[Subject]:
    qs = Subject.objects.filter(organization=org).select_related("topic")
    return qs.filter(is_active=True) if active_only else qs


def case_events(*, case: Case, with_notes: bool = True) -> QuerySet[ContactEvent]:
    """The contact events of a case, oldest first (``with_notes=False``: without the
    events of internal notes)."""
    qs = ContactEvent.objects.filter(organization_id=case.organization_id, case_id=case.pk)
    if not with_notes:
        qs = qs.exclude(kind=EventKind.NOTE_ADDED)
    return qs.order_by("at", "id")


def get_attachment(*, org: Organization, attachment_id: int, with_notes: bool = True) -> Attachment:
    """An attachment of the organisation, or NotFound (also for other tenants' ids, and for
    an internal note's attachment when ``with_notes`` is false)."""
    qs = Attachment.objects.filter(organization=org, pk=attachment_id)
    if not with_notes:
        qs = qs.exclude(message__direction=MessageDirection.NOTE)
    attachment = qs.first()
    if attachment is None:
        raise NotFound(_("No such attachment."))
    return attachment


def open_attachment_file(attachment: Attachment) -> IO[bytes]:
    """The stored bytes of an attachment. A file missing from storage (a lost volume, a
    restore without the media) is a 404 naming the problem, and logged as an error: the
    database still says the file was received."""
    try:
        return default_storage.open(attachment.file.name, "rb")
    except FileNotFoundError as exc:
        log.error(
            "attachment %s of organisation %s: file %s is missing from storage",
            attachment.pk,
            attachment.organization_id,
            attachment.file.name,
        )
        raise NotFound(_("The file of this attachment is missing from storage.")) from exc


def attachment_response(attachment: Attachment) -> HttpResponseBase:
    """The download of an attachment the caller was allowed to read (``lib/files.py``: streamed,
    or handed to the proxy's internal location); never a public path."""
    return file_response(
        name=attachment.file.name,
        open_file=lambda: open_attachment_file(attachment),
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
