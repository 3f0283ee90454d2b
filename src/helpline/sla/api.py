"""The SLA API: calendars and policies (read by every member, written by those the permission
matrix allows ``MANAGE_SLA``), a case's clocks, the at-risk list (``VIEW_AT_RISK``, as in the
desk) and the monthly penalty statement (``VIEW_REPORTS``).

Handlers are thin: objects come from ``sla.selectors`` scoped by the token's organisation
(another tenant's id is a 404), writes go through ``sla.configuration``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field, StrictBool

from helpline.api.auth import actor, allowed, org
from helpline.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    Id,
    UtcDatetime,
    WallClockTime,
)
from helpline.cases import selectors as case_selectors
from helpline.cases.api import RowId
from helpline.lib.errors import FieldValidationError
from helpline.sla import configuration, selectors, services
from helpline.sla.models import Calendar, Policy
from helpline.tenancy.permissions import Action

router = Router(tags=["sla"])


#: SLA configuration (calendars, policies): ``Action.MANAGE_SLA``.
configurer_auth = allowed(Action.MANAGE_SLA)


# --- schemas ---------------------------------------------------------------------------------


class SlotSchema(Schema):
    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")
    start: WallClockTime
    end: WallClockTime = Field(description="At or before start: the slot crosses midnight")


class ExceptionSchema(Schema):
    kind: str = Field(description="closure or opening")
    starts_on: date
    ends_on: date
    start_time: WallClockTime | None = None
    end_time: WallClockTime | None = None
    note: str = ""


class CalendarIn(Schema):
    name: str = Field(max_length=120)
    time_zone: str = Field(max_length=64, examples=["Europe/Rome"])
    holiday_country: str = Field("", description="BR, IT, CZ or empty")
    holiday_subdivision: str = Field("", max_length=40, examples=["SP", "RM"])
    is_default: StrictBool = False
    channel: str = ""
    queue_id: Id | None = None
    slots: list[SlotSchema] = []
    exceptions: list[ExceptionSchema] = []


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    holiday_country: str
    holiday_subdivision: str
    is_default: bool
    channel: str
    queue_id: int | None
    version: int
    slots: list[SlotSchema]
    exceptions: list[ExceptionSchema]

    @staticmethod
    def resolve_slots(obj: Calendar) -> list[Any]:
        return list(obj.slots.all())

    @staticmethod
    def resolve_exceptions(obj: Calendar) -> list[Any]:
        return list(obj.exceptions.all())


class CalendarListOut(Schema):
    items: list[CalendarOut]


class CalendarSaved(CalendarOut):
    recomputed_clocks: int = 0


class OpeningOut(Schema):
    start: datetime = Field(
        description="Wall-clock time in the calendar's zone, with that zone's offset then"
    )
    end: datetime


class OpeningsOut(Schema):
    time_zone: str
    items: list[OpeningOut]


class TargetSchema(Schema):
    kind: str = Field(description="first_response, next_response, resolution or on_site")
    amount: int = Field(ge=0)
    unit: str = Field(description="minutes, hours, working_days or calendar_days")
    business_time: StrictBool = True
    warning_percent: int = Field(80, ge=0, le=100)


class EscalationSchema(Schema):
    trigger: str = Field(description="warning or breach")
    action: str = Field(
        description="notify_supervisor, raise_urgency, move_to_level, move_to_queue, page_on_call"
    )
    target_kind: str = ""
    level: str = ""
    queue_id: Id | None = None
    on_call_id: Id | None = None


class PolicyIn(Schema):
    name: str = Field(max_length=120)
    position: int = Field(100, ge=0, le=2**31 - 1)
    is_active: StrictBool = True
    calendar_id: Id | None = None
    channel: str = ""
    case_type: str = ""
    urgency: str = ""
    severity: str = ""
    topic_id: Id | None = None
    segment_id: Id | None = None
    pause_statuses: list[str] = ["waiting_customer", "waiting_third_party"]
    targets: list[TargetSchema] = []
    escalations: list[EscalationSchema] = []


class PolicyOut(Schema):
    id: int
    name: str
    position: int
    is_active: bool
    calendar_id: int | None
    channel: str
    case_type: str
    urgency: str
    severity: str
    topic_id: int | None
    segment_id: int | None
    pause_statuses: list[str]
    targets: list[TargetSchema]
    escalations: list[EscalationSchema]

    @staticmethod
    def resolve_targets(obj: Policy) -> list[Any]:
        return list(obj.targets.all())

    @staticmethod
    def resolve_escalations(obj: Policy) -> list[Any]:
        return list(obj.escalations.all())


class PolicyListOut(Schema):
    items: list[PolicyOut]


class ClockOut(Schema):
    id: int
    kind: str
    state: str
    policy_id: int | None
    calendar_id: int | None
    amount: int
    unit: str
    business_time: bool
    started_at: UtcDatetime
    stopped_at: UtcDatetime | None
    due_at: UtcDatetime | None
    warn_at: UtcDatetime | None
    warned_at: UtcDatetime | None
    breached_at: UtcDatetime | None
    elapsed_seconds: int
    budget_seconds: int


class ClockListOut(Schema):
    items: list[ClockOut]


class AtRiskOut(Schema):
    case_id: int
    protocol_number: str
    state: str
    next_kind: str
    next_due_at: UtcDatetime | None

    @staticmethod
    def resolve_protocol_number(obj: Any) -> str:
        return str(obj.case.protocol_number)


class AtRiskListOut(Schema):
    items: list[AtRiskOut]


class StatementLineOut(Schema):
    case_id: int
    protocol_number: str
    target: str
    due_at: UtcDatetime
    actual_at: UtcDatetime | None
    delay_seconds: int
    delay_working_days: int
    amounts: dict[str, Decimal]
    total: Decimal
    adjusts_month: str = Field("", description="YYYY-MM the breach was billed in (adjustments)")


class StatementRuleOut(Schema):
    rule_id: int
    name: str
    kind: str
    currency: str
    gross: Decimal
    monthly_cap: Decimal | None
    net: Decimal
    capped: bool


class StatementOut(Schema):
    month: str
    start: UtcDatetime
    end: UtcDatetime
    status: str = Field(description="draft (computed live) or issued (stored, immutable)")
    number: int | None
    issued_at: UtcDatetime | None
    issued_by: str
    lines: list[StatementLineOut]
    rules: list[StatementRuleOut]
    totals_before_cap: dict[str, Decimal]
    totals: dict[str, Decimal]


class IssueStatementIn(Schema):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM, a month that is over")


class StatementQuery(Schema):
    month: str = Field("", pattern=r"^(\d{4}-\d{2})?$", description="YYYY-MM; default: this month")


# --- calendars -----------------------------------------------------------------------------


def _calendar_data(payload: CalendarIn) -> configuration.CalendarData:
    raw = payload.model_dump()
    return configuration.CalendarData(
        **{k: v for k, v in raw.items() if k not in ("slots", "exceptions")},
        slots=[configuration.SlotData(**s) for s in raw["slots"]],
        exceptions=[configuration.ExceptionData(**e) for e in raw["exceptions"]],
    )


@router.get("/sla/calendars", response={200: CalendarListOut, **READ_ERRORS})
def list_calendars(request: HttpRequest) -> Any:
    return {"items": list(selectors.calendars_for(org=org(request)))}


@router.post("/sla/calendars", auth=configurer_auth, response={201: CalendarOut, **WRITE_ERRORS})
def create_calendar(request: HttpRequest, payload: CalendarIn) -> Any:
    cal = configuration.create_calendar(
        org=org(request), actor=actor(request), data=_calendar_data(payload)
    )
    return Status(201, selectors.get_calendar(org=org(request), calendar_id=cal.pk))


@router.get("/sla/calendars/{calendar_id}", response={200: CalendarOut, **READ_ERRORS})
def get_calendar(request: HttpRequest, calendar_id: RowId) -> Any:
    return selectors.get_calendar(org=org(request), calendar_id=calendar_id)


@router.put(
    "/sla/calendars/{calendar_id}",
    auth=configurer_auth,
    response={200: CalendarSaved, **WRITE_ERRORS},
)
def update_calendar(request: HttpRequest, calendar_id: RowId, payload: CalendarIn) -> Any:
    """Replace the calendar; the deadlines of its unfinished clocks are recomputed at once
    (``recomputed_clocks`` says how many)."""
    cal = selectors.get_calendar(org=org(request), calendar_id=calendar_id)
    cal, n = configuration.update_calendar(
        calendar=cal, actor=actor(request), data=_calendar_data(payload)
    )
    out = selectors.get_calendar(org=org(request), calendar_id=cal.pk)
    out.recomputed_clocks = n  # type: ignore[attr-defined]
    return out


@router.delete(
    "/sla/calendars/{calendar_id}", auth=configurer_auth, response={204: None, **WRITE_ERRORS}
)
def delete_calendar(request: HttpRequest, calendar_id: RowId) -> Any:
    cal = selectors.get_calendar(org=org(request), calendar_id=calendar_id)
    configuration.delete_calendar(calendar=cal, actor=actor(request))
    return Status(204, None)


@router.get("/sla/calendars/{calendar_id}/openings", response={200: OpeningsOut, **READ_ERRORS})
def calendar_openings(request: HttpRequest, calendar_id: RowId, days: int = 14) -> Any:
    """The open hours of the next ``days`` dates (1-62), in the calendar's wall-clock time."""
    if not 1 <= days <= 62:
        raise FieldValidationError(days=_("Use 1 to 62 days."))
    cal = selectors.get_calendar(org=org(request), calendar_id=calendar_id)
    items = selectors.preview(calendar=cal, start=timezone.now(), days=days)
    # The selector's times are naive wall-clock times; clients get them with their offset.
    zone = ZoneInfo(cal.time_zone)
    return {
        "time_zone": cal.time_zone,
        "items": [
            {"start": o.start.replace(tzinfo=zone), "end": o.end.replace(tzinfo=zone)}
            for o in items
        ],
    }


# --- policies ------------------------------------------------------------------------------


def _policy_data(payload: PolicyIn) -> configuration.PolicyData:
    raw = payload.model_dump()
    return configuration.PolicyData(
        **{k: v for k, v in raw.items() if k not in ("targets", "escalations")},
        targets=[configuration.TargetData(**t) for t in raw["targets"]],
        escalations=[configuration.EscalationData(**e) for e in raw["escalations"]],
    )


@router.get("/sla/policies", response={200: PolicyListOut, **READ_ERRORS})
def list_policies(request: HttpRequest) -> Any:
    """The policies in matching order (the first whose conditions a case meets applies)."""
    return {"items": list(selectors.policies_for(org=org(request)))}


@router.post("/sla/policies", auth=configurer_auth, response={201: PolicyOut, **WRITE_ERRORS})
def create_policy(request: HttpRequest, payload: PolicyIn) -> Any:
    policy = configuration.create_policy(
        org=org(request), actor=actor(request), data=_policy_data(payload)
    )
    return Status(201, selectors.get_policy(org=org(request), policy_id=policy.pk))


@router.get("/sla/policies/{policy_id}", response={200: PolicyOut, **READ_ERRORS})
def get_policy(request: HttpRequest, policy_id: RowId) -> Any:
    return selectors.get_policy(org=org(request), policy_id=policy_id)


@router.put(
    "/sla/policies/{policy_id}", auth=configurer_auth, response={200: PolicyOut, **WRITE_ERRORS}
)
def update_policy(request: HttpRequest, policy_id: RowId, payload: PolicyIn) -> Any:
    policy = selectors.get_policy(org=org(request), policy_id=policy_id)
    configuration.update_policy(policy=policy, actor=actor(request), data=_policy_data(payload))
    return selectors.get_policy(org=org(request), policy_id=policy_id)


@router.delete(
    "/sla/policies/{policy_id}", auth=configurer_auth, response={204: None, **WRITE_ERRORS}
)
def delete_policy(request: HttpRequest, policy_id: RowId) -> Any:
    policy = selectors.get_policy(org=org(request), policy_id=policy_id)
    configuration.delete_policy(policy=policy, actor=actor(request))
    return Status(204, None)


# --- clocks, risk, penalties --------------------------------------------------------------


@router.get("/cases/{case_id}/sla", response={200: ClockListOut, **READ_ERRORS})
def case_clocks(request: HttpRequest, case_id: RowId) -> Any:
    """The SLA clocks of a case: targets, due dates, pauses' effect, breaches."""
    case = case_selectors.get_case(org=org(request), case_id=case_id)
    return {"items": selectors.clocks_for_case(org=org(request), case_id=case.pk)}


@router.get(
    "/sla/at-risk",
    auth=allowed(Action.VIEW_AT_RISK),
    response={200: AtRiskListOut, 403: ErrorOut, **READ_ERRORS},
)
def at_risk(request: HttpRequest) -> Any:
    """Open cases breached, warned or due within two hours, most pressing first."""
    return {"items": selectors.at_risk(org=org(request))}


def _statement_out(st: selectors.Statement) -> dict[str, Any]:
    return {
        "month": st.label,
        "start": st.start,
        "end": st.end,
        "status": "issued" if st.is_issued else "draft",
        "number": st.number,
        "issued_at": st.issued_at,
        "issued_by": st.issued_by,
        "lines": [
            {
                "case_id": line.case_id,
                "protocol_number": line.protocol,
                "target": line.target_kind,
                "due_at": line.due_at,
                "actual_at": line.actual_at,
                "delay_seconds": line.delay_seconds,
                "delay_working_days": line.delay_working_days,
                "amounts": {str(k): v for k, v in line.amounts.items()},
                "total": line.total,
                "adjusts_month": line.adjusts_label,
            }
            for line in st.lines
        ],
        "rules": [
            {
                "rule_id": r.rule_id,
                "name": r.name,
                "kind": r.kind,
                "currency": r.currency,
                "gross": r.gross,
                "monthly_cap": r.monthly_cap,
                "net": r.net,
                "capped": r.capped,
            }
            for r in st.rules
        ],
        "totals_before_cap": st.gross_totals,
        "totals": st.totals,
    }


def _year_month(raw: str) -> tuple[int, int]:
    year, month = (int(x) for x in raw.split("-"))
    if not 1 <= month <= 12:
        raise FieldValidationError(month=_("Use YYYY-MM."))
    return year, month


@router.get(
    "/sla/statement",
    auth=allowed(Action.VIEW_REPORTS),
    response={200: StatementOut, 403: ErrorOut, **READ_ERRORS},
)
def statement(request: HttpRequest, query: Query[StatementQuery]) -> Any:
    """The month's penalty statement: as issued (stored, numbered) or, until then, the draft
    computed live. Every breach, its delay and amounts, adjustment lines for breaches billed
    in earlier months, totals per rule before and after monthly caps, totals per currency."""
    the_org = org(request)
    if query.month:
        year, month = _year_month(query.month)
    else:
        with timezone.override(the_org.time_zone):
            today = timezone.localdate()
        year, month = today.year, today.month
    return _statement_out(selectors.penalty_statement(org=the_org, year=year, month=month))


@router.post(
    "/sla/statement/issue",
    auth=allowed(Action.ISSUE_STATEMENTS),
    response={201: StatementOut, **WRITE_ERRORS},
)
def issue_statement(request: HttpRequest, payload: IssueStatementIn) -> Any:
    """Issue a month's statement (supervisors and administrators): it gets the tenant's next
    number and never changes afterwards."""
    the_org = org(request)
    year, month = _year_month(payload.month)
    services.issue_statement(org=the_org, year=year, month=month, actor=actor(request))
    return Status(
        201, _statement_out(selectors.penalty_statement(org=the_org, year=year, month=month))
    )
