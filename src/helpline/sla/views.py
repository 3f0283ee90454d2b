"""SLA screens of the desk: the supervisor's at-risk/breached list, calendar previews, the
monthly penalty statement (page, CSV, PDF) and the "technician on site" action.

Every view goes through the desk's ``org_view`` (another tenant's slug or object is a 404).
The at-risk list is for supervisors and administrators; the statement and calendars are
readable by every member, the client referent included.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpline.cases import selectors as case_selectors
from helpline.desk.views import DeskRequest, _base_context, org_view
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError
from helpline.lib.exports import safe_csv_writer
from helpline.sla import selectors, services
from helpline.sla.models import Weekday
from helpline.tenancy.models import Membership, Role

SUPERVISING_ROLES = {Role.SUPERVISOR, Role.ADMIN}


def _month(request: DeskRequest) -> tuple[int, int]:
    """``?month=YYYY-MM``, else the current month in the tenant's zone."""
    raw = request.GET.get("month", "")
    try:
        year, month = (int(x) for x in raw.split("-"))
        date(year, month, 1)
        return year, month
    except ValueError:
        today = timezone.localdate()
        return today.year, today.month


@org_view
@require_GET
def at_risk(request: DeskRequest, membership: Membership) -> HttpResponse:
    if membership.role not in SUPERVISING_ROLES:
        raise PermissionDenied(_("Only supervisors see this screen."))
    rows = selectors.at_risk(org=membership.organization)
    context = {**_base_context(request, membership), "rows": rows, "now": timezone.now()}
    return render(request, "sla/at_risk.html", context)


@org_view
@require_GET
def calendars(request: DeskRequest, membership: Membership) -> HttpResponse:
    items = list(selectors.calendars_for(org=membership.organization))
    return render(
        request, "sla/calendars.html", {**_base_context(request, membership), "calendars": items}
    )


@org_view
@require_GET
def calendar_preview(
    request: DeskRequest, membership: Membership, calendar_id: int
) -> HttpResponse:
    """The next two weeks of opening hours and the holidays of the next three months."""
    calendar = selectors.get_calendar(org=membership.organization, calendar_id=calendar_id)
    now = timezone.now()
    days: dict[date, list[selectors.Opening]] = {}
    for opening in selectors.preview(calendar=calendar, start=now, days=14):
        days.setdefault(opening.start.date(), []).append(opening)
    today = timezone.localtime(now, timezone=None).date()
    holidays = selectors.holidays_between(
        calendar=calendar, first=today, last=date.fromordinal(today.toordinal() + 92)
    )
    context = {
        **_base_context(request, membership),
        "calendar": calendar,
        "days": sorted(days.items()),
        "holidays": holidays,
        "weekdays": dict(Weekday.choices),
    }
    return render(request, "sla/calendar_preview.html", context)


def _statement(request: DeskRequest, membership: Membership) -> selectors.Statement:
    year, month = _month(request)
    return selectors.penalty_statement(org=membership.organization, year=year, month=month)


@org_view
@require_GET
def statement(request: DeskRequest, membership: Membership) -> HttpResponse:
    st = _statement(request, membership)
    return render(request, "sla/statement.html", {**_base_context(request, membership), "st": st})


@org_view
@require_GET
def statement_csv(request: DeskRequest, membership: Membership) -> HttpResponse:
    st = _statement(request, membership)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="sla-penalties-{membership.organization.slug}-{st.label}.csv"'
    )
    writer = safe_csv_writer(response)
    rules = [r.rule for r in st.rules]
    writer.writerow(
        [
            _("Protocol"),
            _("Title"),
            _("Target"),
            _("Due"),
            _("Met at"),
            _("Delay (hours)"),
            _("Working days late"),
            *[r.name for r in rules],
            _("Total"),
        ]
    )
    for line in st.lines:
        writer.writerow(
            [
                line.protocol,
                line.title,
                line.target,
                _local(line.due_at),
                _local(line.actual_at) if line.actual_at else _("still open"),
                line.delay_hours,
                line.delay_working_days,
                *[line.amounts.get(r.pk, "") for r in rules],
                line.total,
            ]
        )
    for total in st.rules:
        writer.writerow(
            [_("Total"), total.rule.name, "", "", "", "", "", "", total.net, total.rule.currency]
        )
    return response


def _local(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


@org_view
@require_GET
def statement_pdf(request: DeskRequest, membership: Membership) -> HttpResponse:
    from weasyprint import HTML

    st = _statement(request, membership)
    html = render_to_string(
        "sla/statement_pdf.html", {"st": st, "org": membership.organization}, request=request
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="sla-penalties-{membership.organization.slug}-{st.label}.pdf"'
    )
    return response


@org_view
@require_POST
def on_site(request: DeskRequest, membership: Membership, case_id: int) -> HttpResponse:
    """The technician reached the site: stops the on-site clock of the case."""
    from django.contrib import messages

    case = case_selectors.get_case(org=membership.organization, case_id=case_id)
    try:
        services.record_on_site(case=case, actor=Actor.for_user(request.user))
        messages.success(request, _("Arrival on site recorded."))
    except FieldValidationError as exc:
        messages.error(request, " ".join(m for msgs in exc.errors.values() for m in msgs))
    return redirect("desk:case_detail", org_slug=membership.organization.slug, case_id=case_id)
