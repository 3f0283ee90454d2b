"""Request and response schemas of the cases API (``cases.api``)."""

from __future__ import annotations

from typing import Any, Literal

from django.urls import reverse
from ninja import Schema
from pydantic import Field, StrictBool

from helpline.api.schemas import Id, UtcDatetime
from helpline.cases.choices import (
    CaseType,
    Channel,
    Level,
    Severity,
    Status,
    Urgency,
)
from helpline.cases.models import Attachment, Topic

CaseSort = Literal["newest", "oldest", "updated", "urgency", "protocol", "due"]


# --- catalogue ---------------------------------------------------------------------------


class SubjectOut(Schema):
    id: int
    code: str
    name: str
    default_case_type: str
    position: int


class TopicOut(Schema):
    id: int
    code: str
    name: str
    description: str
    position: int
    subjects: list[SubjectOut]

    @staticmethod
    def resolve_subjects(obj: Topic) -> list[Any]:
        # Filtered in Python so the prefetched subjects are used (no query per topic).
        return [s for s in obj.subjects.all() if s.is_active]


class TopicListOut(Schema):
    items: list[TopicOut]


# --- cases -------------------------------------------------------------------------------


class CaseIn(Schema):
    """A new case. Only ``channel``, ``case_type`` and ``title`` are required."""

    channel: Channel = Channel.API
    case_type: CaseType
    title: str = Field(max_length=200)
    description: str = ""
    topic_id: Id | None = None
    subject_id: Id | None = None
    urgency: Urgency = Urgency.NORMAL
    severity: Severity = Severity.MINOR
    level: Level = Level.L1
    requester_id: Id | None = None
    assignee_id: Id | None = None
    queue_id: Id | None = Field(
        None, description="Routing queue; an unassigned case in a queue is offered to agents."
    )
    related_case_id: Id | None = Field(
        None, description="For a reminder: the case it chases (required then)."
    )


class CaseOut(Schema):
    id: int
    protocol_number: str
    channel: str
    case_type: str
    title: str
    description: str
    status: str
    urgency: str
    severity: str
    level: str
    topic_id: int | None
    subject_id: int | None
    requester_id: int | None
    assignee_id: int | None
    queue_id: int | None
    related_case_id: int | None
    created_at: UtcDatetime
    updated_at: UtcDatetime
    first_response_at: UtcDatetime | None
    resolved_at: UtcDatetime | None
    closed_at: UtcDatetime | None


class CaseListOut(Schema):
    items: list[CaseOut]
    next_cursor: str | None = Field(
        description="Pass as ``cursor`` (with the same filters and sort) for the next page; "
        "null on the last page."
    )


class CaseListQuery(Schema):
    status: list[Status] = Field(default_factory=list, description="Repeatable.")
    topic_id: Id | None = None
    urgency: list[Urgency] = Field(default_factory=list, description="Repeatable.")
    assignee_id: Id | None = None
    unassigned: bool = Field(False, description="Only cases nobody is assigned to.")
    channel: list[Channel] = Field(default_factory=list, description="Repeatable.")
    case_type: list[CaseType] = Field(default_factory=list, description="Repeatable.")
    requester_id: Id | None = None
    created_from: UtcDatetime | None = Field(None, description="Inclusive, ISO 8601.")
    created_to: UtcDatetime | None = Field(None, description="Exclusive, ISO 8601.")
    q: str = Field("", max_length=200, description="Protocol number, title or requester name.")
    sort: CaseSort = "newest"
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=500)


class StatusIn(Schema):
    status: Status


class AssignmentIn(Schema):
    assignee_id: Id | None = Field(description="An operator's user id, or null to unassign.")
    level: Level | None = None


class UrgencyIn(Schema):
    urgency: Urgency
    severity: Severity | None = None


class ClassificationIn(Schema):
    """Reclassify: a new type and/or topic (and subject); the routing rules and SLA
    policies follow. Leave out what does not change."""

    case_type: CaseType | None = None
    topic_id: Id | None = Field(None, description="Omit to keep the topic.")
    subject_id: Id | None = None
    change_topic: StrictBool = Field(
        False, description="Set to change the topic and subject (null clears them)."
    )


# --- messages, attachments, events -------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    url: str = Field(description="Download (same token).")

    @staticmethod
    def resolve_url(obj: Attachment) -> str:
        return reverse("api:attachment_download", kwargs={"attachment_id": obj.pk})


class MessageOut(Schema):
    id: int
    case_id: int
    direction: str
    channel: str
    body: str
    author_user_id: int | None
    author_customer_id: int | None
    created_at: UtcDatetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        return list(obj.attachments.all())


class MessageListOut(Schema):
    items: list[MessageOut]


class EventOut(Schema):
    id: int
    at: UtcDatetime
    kind: str
    channel: str
    case_id: int | None
    customer_id: int | None
    actor_kind: str
    actor_user_id: int | None
    actor_label: str
    data: dict[str, Any]


class EventListOut(Schema):
    items: list[EventOut]
