"""``/api/v1/settings/routing-rules``: the tenant's routing rules, their order, the default
queue and the "test a case" preview, for supervisors and administrators
(``Action.MANAGE_ROUTING``; anyone else gets 403, another tenant's rule is 404)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.params import P, PathEx
from pydantic import Field, StrictBool

from helpline.api.auth import actor, membership, org
from helpline.api.schemas import MAX_ID, WRITE_ERRORS, Id
from helpline.routing import configuration as config
from helpline.tenancy.permissions import Action, require

router = Router(tags=["settings"])

RowId = PathEx[int, P(ge=1, le=MAX_ID)]
_BASE = "/settings/routing-rules"


class RuleIn(Schema):
    name: str = Field(max_length=200)
    queue_id: Id
    is_active: StrictBool = True
    channels: list[str] = Field([], description="Empty: any channel.")
    case_types: list[str] = []
    urgencies: list[str] = []
    topic_ids: list[Id] = []
    subject_ids: list[Id] = []
    segment_ids: list[Id] = []
    customer_kinds: list[str] = Field([], description="person, company")
    languages: list[str] = []
    reserved_line: StrictBool = Field(
        False, description="Only designated persons allowed on the reserved line match."
    )
    priority: int | None = Field(None, description="Lower goes first; empty: from urgency.")
    skill_ids: list[Id] = []


class RuleOut(RuleIn):
    id: int
    position: int
    queue_id: int


class RuleListOut(Schema):
    default_queue_id: int | None
    items: list[RuleOut]


class OrderIn(Schema):
    rule_ids: list[Id]


class DefaultQueueIn(Schema):
    queue_id: Id | None


class PreviewIn(Schema):
    channel: str
    case_type: str
    urgency: str = "normal"
    topic_id: Id | None = None
    subject_id: Id | None = None
    segment_id: Id | None = None
    customer_kind: str | None = None
    language: str | None = None
    designated: StrictBool = False


class RoutePreviewOut(Schema):
    source: str
    rule_id: int | None
    rule_name: str
    queue_id: int | None


def _manager(request: HttpRequest) -> None:
    require(membership(request), Action.MANAGE_ROUTING)


def _listing(request: HttpRequest) -> dict[str, Any]:
    o = org(request)
    return {
        "default_queue_id": config.default_queue_id(org=o),
        "items": [config.rule_dict(r) for r in config.rules_for(org=o)],
    }


@router.get(_BASE, response={200: RuleListOut, **WRITE_ERRORS})
def list_rules(request: HttpRequest) -> Any:
    """The rules in the order they are tried, and the default queue."""
    _manager(request)
    return _listing(request)


@router.post(_BASE, response={201: RuleOut, **WRITE_ERRORS})
def create_rule(request: HttpRequest, payload: RuleIn) -> Any:
    """Add a rule at the end of the list."""
    _manager(request)
    rule = config.create_rule(
        org=org(request), actor=actor(request), data=config.RuleData(**payload.dict())
    )
    return Status(201, config.rule_dict(rule))


@router.put(_BASE + "/order", response={200: RuleListOut, **WRITE_ERRORS})
def reorder_rules(request: HttpRequest, payload: OrderIn) -> Any:
    """Put the rules in this order (every rule id exactly once)."""
    _manager(request)
    config.reorder_rules(org=org(request), actor=actor(request), rule_ids=payload.rule_ids)
    return _listing(request)


@router.put(_BASE + "/default-queue", response={200: RuleListOut, **WRITE_ERRORS})
def set_default_queue(request: HttpRequest, payload: DefaultQueueIn) -> Any:
    """The queue for cases no rule matches (``null``: they stay outside the queues)."""
    _manager(request)
    config.set_default_queue(org=org(request), actor=actor(request), queue_id=payload.queue_id)
    return _listing(request)


@router.post(_BASE + "/preview", response={200: RoutePreviewOut, **WRITE_ERRORS})
def preview(request: HttpRequest, payload: PreviewIn) -> Any:
    """Which rule and queue a case like this would get now."""
    _manager(request)
    choice = config.preview(org=org(request), case=config.PreviewInput(**payload.dict()))
    return {
        "source": choice.source,
        "rule_id": choice.rule_id,
        "rule_name": choice.rule_name,
        "queue_id": choice.queue_id,
    }


@router.get(_BASE + "/{rule_id}", response={200: RuleOut, **WRITE_ERRORS})
def get_rule(request: HttpRequest, rule_id: RowId) -> Any:
    _manager(request)
    return config.rule_dict(config.rule_for(org=org(request), rule_id=rule_id))


@router.put(_BASE + "/{rule_id}", response={200: RuleOut, **WRITE_ERRORS})
def update_rule(request: HttpRequest, rule_id: RowId, payload: RuleIn) -> Any:
    """Replace the rule's name, conditions and action (its place stays)."""
    _manager(request)
    rule = config.rule_for(org=org(request), rule_id=rule_id)
    rule = config.update_rule(
        rule=rule, actor=actor(request), data=config.RuleData(**payload.dict())
    )
    return config.rule_dict(rule)


@router.delete(_BASE + "/{rule_id}", response={204: None, **WRITE_ERRORS})
def delete_rule(request: HttpRequest, rule_id: RowId) -> Any:
    _manager(request)
    rule = config.rule_for(org=org(request), rule_id=rule_id)
    config.delete_rule(rule=rule, actor=actor(request))
    return Status(204, None)
