"""SLA screens of the desk: the supervisor's at-risk/breached list, calendar previews, the
monthly penalty statement (page, CSV, PDF) and the "technician on site" action.

Every view goes through the desk's ``org_view`` (another tenant's slug or object is a 404).
The permission matrix decides who sees what: the at-risk list needs
``Action.VIEW_AT_RISK`` (as in the API), the statement page ``VIEW_REPORTS`` (the client
referent included) and its CSV and PDF too; issuing it ``ISSUE_STATEMENTS``; calendars are for every
member.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpline.cases import selectors as case_selectors
from helpline.lib.errors import FieldValidationError
from helpline.lib.exports import safe_csv_writer
from helpline.sla import selectors, services
from helpline.sla.models import Weekday
from helpline.tenancy.models import Membership
from helpline.tenancy.permissions import Action, may, require
from helpline.tenancy.web import DeskRequest, base_context, org_view, request_actor


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
    require(membership, Action.VIEW_AT_RISK)
    rows = selectors.at_risk(org=membership.organization)
    context = {**base_context(request, membership), "rows": rows, "now": timezone.now()}
    return render(request, "sla/at_risk.html", context)


@org_view
@require_GET
def calendars(request: DeskRequest, membership: Membership) -> HttpResponse:
    items = list(selectors.calendars_for(org=membership.organization))
    return render(
        request, "sla/calendars.html", {**base_context(request, membership), "calendars": items}
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
        **base_context(request, membership),
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
    require(membership, Action.VIEW_REPORTS)
    st = _statement(request, membership)
    month_over = st.end <= timezone.now()
    context = {
        **base_context(request, membership),
        "st": st,
        "can_issue": may(membership, Action.ISSUE_STATEMENTS) and not st.is_issued and month_over,
    }
    return render(request, "sla/statement.html", context)


@org_view
@require_POST
def issue_statement(request: DeskRequest, membership: Membership) -> HttpResponse:
    """Issue the month's statement (supervisors and administrators): numbered, stored,
    never changed afterwards."""
    from django.contrib import messages

    require(membership, Action.ISSUE_STATEMENTS)
    year, month = _month(request)
    try:
        issued = services.issue_statement(
            org=membership.organization, year=year, month=month, actor=request_actor(request)
        )
        messages.success(request, _("Statement no. %(number)s issued.") % {"number": issued.number})
    except FieldValidationError as exc:
        messages.error(request, " ".join(m for msgs in exc.errors.values() for m in msgs))
    return redirect(
        reverse("sla:statement", args=[membership.organization.slug])
        + f"?month={year:04d}-{month:02d}"
    )


def _money(amount: object) -> str:
    return "" if amount is None else str(amount)


@org_view
@require_GET
def statement_csv(request: DeskRequest, membership: Membership) -> HttpResponse:
    """One row per line, one column per penalty rule (its amount on that line), then the
    totals: before the caps, the caps, after the caps (each rule's figure in its own column,
    the grand total in the last one), one row per currency if several, and a note for each
    rule whose lines add up to more than its capped total."""
    require(membership, Action.VIEW_REPORTS)
    st = _statement(request, membership)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="sla-penalties-{membership.organization.slug}-{st.label}.csv"'
    )
    writer = safe_csv_writer(response)
    rules = st.rules
    lead = [
        _("Protocol"),
        _("Title"),
        _("Target"),
        _("Due"),
        _("Met at"),
        _("Delay (hours)"),
        _("Working days late"),
        _("Adjusts month"),
    ]
    writer.writerow([*lead, *[f"{r.name} ({r.currency})" for r in rules], _("Total")])
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
                line.adjusts_label,
                *[_money(line.amounts.get(r.rule_id)) for r in rules],
                line.total,
            ]
        )
    pad = [""] * (len(lead) - 1)
    currencies = sorted(st.totals)
    single = len(currencies) == 1
    gross, net = st.gross_totals, st.totals
    writer.writerow(
        [
            _("Total before cap"),
            *pad,
            *[r.gross for r in rules],
            gross[currencies[0]] if single else "",
        ]
    )
    writer.writerow([_("Monthly cap"), *pad, *[_money(r.monthly_cap) for r in rules], ""])
    writer.writerow(
        [
            _("Total after cap"),
            *pad,
            *[r.net for r in rules],
            net[currencies[0]] if single else "",
        ]
    )
    for currency in currencies:
        writer.writerow(
            [
                _("Grand total (%(currency)s)") % {"currency": currency},
                *pad,
                *["" for _r in rules],
                net[currency],
            ]
        )
    for r in st.capped_rules:
        writer.writerow(
            [
                _(
                    "Capped: the lines of %(rule)s add up to %(gross)s %(currency)s, "
                    "more than its monthly cap; %(net)s %(currency)s is due."
                )
                % {"rule": r.name, "gross": r.gross, "net": r.net, "currency": r.currency}
            ]
        )
    if st.is_issued:
        writer.writerow(
            [
                _("Statement no. %(number)s issued on %(at)s")
                % {"number": st.number, "at": _local(st.issued_at) if st.issued_at else ""}
            ]
        )
    else:
        writer.writerow([_("Draft: not issued, computed live")])
    return response


def _local(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


@org_view
@require_GET
def statement_pdf(request: DeskRequest, membership: Membership) -> HttpResponse:
    from weasyprint import HTML

    require(membership, Action.VIEW_REPORTS)
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
        services.record_on_site(case=case, actor=request_actor(request))
        messages.success(request, _("Arrival on site recorded."))
    except FieldValidationError as exc:
        messages.error(request, " ".join(m for msgs in exc.errors.values() for m in msgs))
    return redirect("desk:case_detail", org_slug=membership.organization.slug, case_id=case_id)
