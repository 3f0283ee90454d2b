"""The routing API: queue sizes, the caller's own presence and offers, finishing work,
call-back requests (B9) and abandonment (for channel adapters: the caller hung up).

Thin handlers: the token's organisation scopes every lookup (another tenant's id is a 404)
and every change goes through ``routing.services``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.params import P, PathEx
from pydantic import Field

from helpline.api.auth import actor, membership, org, writer_auth
from helpline.api.schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS, ErrorOut, Id, UtcDatetime
from helpline.routing import selectors, services
from helpline.routing.rules_api import router as rules_router

router = Router(tags=["routing"])
router.add_router("", rules_router)

RowId = PathEx[int, P(ge=1, le=MAX_ID)]


class QueueOut(Schema):
    id: int
    code: str
    name: str
    strategy: str
    waiting: int
    oldest_waiting_since: datetime | None


class QueueListOut(Schema):
    items: list[QueueOut]


class StateIn(Schema):
    state: str = Field(description="available, paused or offline")
    reason: str = ""


class OfferOut(Schema):
    id: int
    task_id: int
    case_id: int
    queue_id: int
    expires_at: UtcDatetime


class WorkOut(Schema):
    task_id: int
    case_id: int
    queue_id: int
    kind: str
    channel: str


class AgentOut(Schema):
    state: str
    pause_reason: str
    offers: list[OfferOut]
    work: list[WorkOut]


class TaskOut(Schema):
    id: int
    case_id: int
    queue_id: int
    kind: str
    status: str
    priority: int
    enqueued_at: UtcDatetime


class CallbackIn(Schema):
    phone: str = Field(max_length=32)
    queue_id: Id
    at: UtcDatetime | None = Field(None, description="Omit for “call me now”.")
    name: str = Field("", max_length=120)
    customer_id: Id | None = None
    case_id: Id | None = None
    note: str = Field("", max_length=2000)
    max_attempts: int = Field(3, ge=1, le=10)
    retry_delay_seconds: int = Field(600, ge=60, le=86400)


class CallbackOut(Schema):
    id: int
    case_id: int
    queue_id: int
    phone: str
    due_at: UtcDatetime
    attempts: int
    max_attempts: int
    status: str


class AttemptIn(Schema):
    reached: bool


def _agent_out(request: HttpRequest) -> dict[str, Any]:
    desk = selectors.agent_desk(org=org(request), user_id=membership(request).user_id)
    return {
        "state": desk.state,
        "pause_reason": desk.pause_reason,
        "offers": [
            {
                "id": o.pk,
                "task_id": o.task_id,
                "case_id": o.task.case_id,
                "queue_id": o.task.queue_id,
                "expires_at": o.expires_at,
            }
            for o in desk.offers
        ],
        "work": [
            {
                "task_id": t.pk,
                "case_id": t.case_id,
                "queue_id": t.queue_id,
                "kind": t.kind,
                "channel": t.channel,
            }
            for t in desk.work
        ],
    }


@router.get("/routing/queues", response={200: QueueListOut, **READ_ERRORS})
def list_queues(request: HttpRequest) -> Any:
    """The organisation's queues with the number of waiting items and the oldest one."""
    o = org(request)
    sizes = selectors.queue_sizes(org_id=o.pk)
    return {
        "items": [
            {
                "id": q.pk,
                "code": q.code,
                "name": q.name,
                "strategy": q.strategy,
                "waiting": sizes.get(q.pk, {}).get("waiting", 0),
                "oldest_waiting_since": sizes.get(q.pk, {}).get("oldest"),
            }
            for q in selectors.queues_for(org=o)
        ]
    }


@router.get("/routing/me", response={200: AgentOut, **READ_ERRORS})
def my_state(request: HttpRequest) -> Any:
    """The caller's presence, pending offers and accepted work."""
    return _agent_out(request)


@router.post("/routing/me/state", auth=writer_auth, response={200: AgentOut, **WRITE_ERRORS})
def set_my_state(request: HttpRequest, payload: StateIn) -> Any:
    """Become available, paused (with a reason) or offline."""
    services.set_agent_state(
        org=org(request),
        user_id=membership(request).user_id,
        actor=actor(request),
        state=payload.state,
        reason=payload.reason,
    )
    return _agent_out(request)


@router.post(
    "/routing/offers/{offer_id}/accept",
    auth=writer_auth,
    response={200: TaskOut, 409: ErrorOut, **WRITE_ERRORS},
)
def accept_offer(request: HttpRequest, offer_id: RowId) -> Any:
    """Take the offered item: its case is assigned to the caller."""
    return services.accept_offer(
        org=org(request),
        offer_id=offer_id,
        user_id=membership(request).user_id,
        actor=actor(request),
    )


@router.post(
    "/routing/offers/{offer_id}/reject",
    auth=writer_auth,
    response={200: TaskOut, 409: ErrorOut, **WRITE_ERRORS},
)
def reject_offer(request: HttpRequest, offer_id: RowId) -> Any:
    """Decline: the item goes back to its place in the queue."""
    return services.reject_offer(
        org=org(request),
        offer_id=offer_id,
        user_id=membership(request).user_id,
        actor=actor(request),
    )


@router.post(
    "/routing/tasks/{task_id}/finish",
    auth=writer_auth,
    response={200: TaskOut, 409: ErrorOut, **WRITE_ERRORS},
)
def finish_task(request: HttpRequest, task_id: RowId) -> Any:
    """The caller is done with an accepted item (wrap-up starts if the queue has one)."""
    return services.finish_task(
        org=org(request),
        task_id=task_id,
        user_id=membership(request).user_id,
        actor=actor(request),
    )


@router.post(
    "/routing/tasks/{task_id}/abandon",
    auth=writer_auth,
    response={200: TaskOut, 409: ErrorOut, **WRITE_ERRORS},
)
def abandon_task(request: HttpRequest, task_id: RowId) -> Any:
    """The customer left before being served (a channel adapter reports it)."""
    task = selectors.task_for(org=org(request), task_id=task_id)
    return services.abandon_task(task=task, actor=actor(request))


@router.post("/routing/callbacks", auth=writer_auth, response={201: CallbackOut, **WRITE_ERRORS})
def request_callback(request: HttpRequest, payload: CallbackIn) -> Any:
    """“Call me now” (no ``at``) or “call me back at T”; retried when nobody answers."""
    callback = services.request_callback(
        org=org(request),
        actor=actor(request),
        request=services.CallbackInput(**payload.model_dump()),
    )
    return Status(201, callback)


@router.post(
    "/routing/tasks/{task_id}/callback-attempt",
    auth=writer_auth,
    response={200: CallbackOut, 409: ErrorOut, **WRITE_ERRORS},
)
def callback_attempt(request: HttpRequest, task_id: RowId, payload: AttemptIn) -> Any:
    """Record the call: reached, or not (retried later until the attempts run out)."""
    return services.record_callback_attempt(
        org=org(request),
        task_id=task_id,
        user_id=membership(request).user_id,
        actor=actor(request),
        reached=payload.reached,
    )
