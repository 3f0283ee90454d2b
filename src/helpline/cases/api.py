"""The cases API: topics, cases, messages with attachments, contact events.

Handlers are thin: they read the caller's organisation from the token, look objects up
through ``cases.selectors`` (so another tenant's id is as unknown as a missing one) and
change them through ``cases.services``. Errors become HTTP in ``helpline.api.errors``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.params import P, PathEx

from helpline.api.auth import actor, membership, org, writer_auth
from helpline.api.schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS, ErrorOut
from helpline.cases import selectors, services
from helpline.cases.choices import Channel, MessageDirection
from helpline.cases.schemas import (
    AssignmentIn,
    CaseIn,
    CaseListOut,
    CaseListQuery,
    CaseOut,
    ClassificationIn,
    EventListOut,
    MessageListOut,
    MessageOut,
    StatusIn,
    TopicListOut,
    UrgencyIn,
)
from helpline.lib.errors import FieldValidationError
from helpline.tenancy.permissions import Action, may

router = Router()

#: A row id in the URL path; out-of-range values are a 422, not a database overflow.
RowId = PathEx[int, P(ge=1, le=MAX_ID)]


# --- catalogue ---------------------------------------------------------------------------


@router.get("/topics", response={200: TopicListOut, **READ_ERRORS}, tags=["topics"])
def list_topics(request: HttpRequest) -> Any:
    """The active topics of the organisation, each with its active subjects."""
    return {"items": selectors.topics_for(org=org(request))}


# --- cases -------------------------------------------------------------------------------


@router.post("/cases", auth=writer_auth, response={201: CaseOut, **WRITE_ERRORS}, tags=["cases"])
def create_case(request: HttpRequest, payload: CaseIn) -> Any:
    """Open a case; the response carries its new protocol number."""
    case = services.open_case(
        org=org(request), actor=actor(request), **payload.model_dump(mode="json")
    )
    return Status(201, case)


@router.get("/cases", response={200: CaseListOut, **READ_ERRORS}, tags=["cases"])
def list_cases(request: HttpRequest, query: Query[CaseListQuery]) -> Any:
    """Cases matching the filters, one page at a time (keyset pagination: pass
    ``next_cursor`` back as ``cursor`` with the same filters and sort)."""
    page = selectors.list_cases(
        org=org(request),
        filters=selectors.CaseFilters(
            status=list(query.status),
            topic_id=query.topic_id,
            urgency=list(query.urgency),
            assignee_id=query.assignee_id,
            unassigned=query.unassigned,
            channel=list(query.channel),
            case_type=list(query.case_type),
            requester_id=query.requester_id,
            created_from=query.created_from,
            created_to=query.created_to,
            text=query.q,
        ),
        sort=query.sort,
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get(
    "/cases/by-protocol/{protocol_number}",
    response={200: CaseOut, **READ_ERRORS},
    tags=["cases"],
)
def get_case_by_protocol(request: HttpRequest, protocol_number: str) -> Any:
    """The case with this protocol number (as printed, e.g. ``CMN-2025-0000042``)."""
    return selectors.get_case_by_protocol(org=org(request), protocol_number=protocol_number)


@router.get("/cases/{case_id}", response={200: CaseOut, **READ_ERRORS}, tags=["cases"])
def get_case(request: HttpRequest, case_id: RowId) -> Any:
    return selectors.get_case(org=org(request), case_id=case_id)


@router.post(
    "/cases/{case_id}/status",
    auth=writer_auth,
    response={200: CaseOut, 409: ErrorOut, **WRITE_ERRORS},
    tags=["cases"],
)
def change_status(request: HttpRequest, case_id: RowId, payload: StatusIn) -> Any:
    """Move the case through its lifecycle; a transition that is not allowed is a 409."""
    case = selectors.get_case(org=org(request), case_id=case_id)
    return services.change_status(case=case, actor=actor(request), status=payload.status)


@router.post(
    "/cases/{case_id}/assignment",
    auth=writer_auth,
    response={200: CaseOut, **WRITE_ERRORS},
    tags=["cases"],
)
def assign_case(request: HttpRequest, case_id: RowId, payload: AssignmentIn) -> Any:
    """Give the case to an operator (``null`` unassigns) and optionally move its level."""
    case = selectors.get_case(org=org(request), case_id=case_id)
    return services.assign_case(
        case=case, actor=actor(request), assignee_id=payload.assignee_id, level=payload.level
    )


@router.post(
    "/cases/{case_id}/urgency",
    auth=writer_auth,
    response={200: CaseOut, **WRITE_ERRORS},
    tags=["cases"],
)
def change_urgency(request: HttpRequest, case_id: RowId, payload: UrgencyIn) -> Any:
    case = selectors.get_case(org=org(request), case_id=case_id)
    return services.change_urgency(
        case=case, actor=actor(request), urgency=payload.urgency, severity=payload.severity
    )


@router.post(
    "/cases/{case_id}/classification",
    auth=writer_auth,
    response={200: CaseOut, **WRITE_ERRORS},
    tags=["cases"],
)
def reclassify(request: HttpRequest, case_id: RowId, payload: ClassificationIn) -> Any:
    """Change the case's type and/or topic and subject; the case is routed again."""
    case = selectors.get_case(org=org(request), case_id=case_id)
    if payload.change_topic:
        case = services.change_topic(
            case=case,
            actor=actor(request),
            topic_id=payload.topic_id,
            subject_id=payload.subject_id,
        )
    if payload.case_type is not None:
        case = services.change_case_type(
            case=case, actor=actor(request), case_type=payload.case_type
        )
    return selectors.get_case(org=org(request), case_id=case.pk)


# --- messages, attachments, events -------------------------------------------------------


@router.get(
    "/cases/{case_id}/messages", response={200: MessageListOut, **READ_ERRORS}, tags=["cases"]
)
def list_messages(request: HttpRequest, case_id: RowId) -> Any:
    """Messages and internal notes of the case, oldest first, with their attachments
    (without the internal notes for a role that may not read them: the client referent)."""
    case = selectors.get_case(org=org(request), case_id=case_id)
    return {"items": selectors.case_messages(case=case, with_notes=_notes(request))}


def _notes(request: HttpRequest) -> bool:
    return may(membership(request), Action.READ_INTERNAL_NOTES)


def _uploads(files: list[UploadedFile]) -> list[services.UploadedFile]:
    """Read the uploaded files for the service. An oversize file is refused before it is read
    into memory (the service checks the same limit for every other caller)."""
    limit = settings.HELPLINE_MAX_ATTACHMENT_BYTES
    out = []
    for f in files:
        size = f.size or 0
        if size > limit:
            raise FieldValidationError(
                attachments=_("“%(name)s” is %(size)d bytes; the limit is %(limit)d bytes.")
                % {"name": f.name, "size": size, "limit": limit}
            )
        out.append(
            services.UploadedFile(
                filename=f.name or "", content_type=f.content_type or "", content=f.read()
            )
        )
    return out


@router.post(
    "/cases/{case_id}/messages",
    auth=writer_auth,
    response={201: MessageOut, **WRITE_ERRORS},
    tags=["cases"],
)
def add_message(
    request: HttpRequest,
    case_id: RowId,
    direction: Form[MessageDirection],
    body: Form[str] = "",
    # Not ``Channel | None``: a form field cannot be null, it is either sent or not.
    channel: Form[Channel] = None,  # type: ignore[assignment]
    files: File[list[UploadedFile] | None] = None,
) -> Any:
    """Add an inbound message, an outbound reply or an internal note (``multipart/form-data``;
    repeat ``files`` for several attachments). Each file may be at most
    ``HELPLINE_MAX_ATTACHMENT_BYTES``."""
    case = selectors.get_case(org=org(request), case_id=case_id)
    message = services.add_message(
        case=case,
        actor=actor(request),
        direction=direction,
        body=body,
        channel=channel,
        attachments=_uploads(files or []),
    )
    # Re-read through the selector so the attachments come back as stored.
    return Status(201, selectors.case_messages(case=case).get(pk=message.pk))


@router.get(
    "/attachments/{attachment_id}",
    url_name="attachment_download",
    response={401: ErrorOut, 404: ErrorOut, 422: READ_ERRORS[422]},
    openapi_extra={
        "responses": {
            200: {
                "description": (
                    "The file, as an attachment download, with the media type it was "
                    "received with (``application/octet-stream`` when that was unknown)."
                ),
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    tags=["attachments"],
)
def download_attachment(request: HttpRequest, attachment_id: RowId) -> Any:
    """The file of an attachment of the caller's organisation (an internal note's is a 404
    to a role that may not read notes), streamed after the permission check."""
    attachment = selectors.get_attachment(
        org=org(request), attachment_id=attachment_id, with_notes=_notes(request)
    )
    return selectors.attachment_response(attachment)


@router.get("/cases/{case_id}/events", response={200: EventListOut, **READ_ERRORS}, tags=["cases"])
def list_events(request: HttpRequest, case_id: RowId) -> Any:
    """The contact events of the case (opened, messages, status changes, assignments...)."""
    case = selectors.get_case(org=org(request), case_id=case_id)
    return {"items": selectors.case_events(case=case, with_notes=_notes(request))}
