"""Desk screens of customers: the search results, the customer page (360), identity
checks, account changes, consents, export, erasure and import.

Thin views over ``customers.selectors``/``services``/``identity``/``gdpr``/``importer``,
resolved through the desk's ``org_view`` (another tenant's slug or id is a 404; POST by a
read-only role is a 403); export, erasure and import check their action in the permission
matrix. Forms post and redirect back to the customer page with a flash
message; a service's field errors are shown the same way, naming the field.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpline.customers import gdpr, identity, importer, selectors, services
from helpline.customers.models import (
    AccountStatus,
    IdentityCheck,
    IdentityMethod,
    IdentityStatus,
    NotifyBy,
)
from helpline.customers.search import search
from helpline.lib.errors import DomainError, FieldValidationError, NotFound
from helpline.tenancy.models import Membership
from helpline.tenancy.permissions import Action, may, require
from helpline.tenancy.web import DeskRequest, base_context, org_view, request_actor

#: Results shown on the search page.
SEARCH_LIMIT = 30


def _flash_error(request: DeskRequest, exc: DomainError) -> None:
    if isinstance(exc, FieldValidationError):
        for field, msgs in exc.errors.items():
            for msg in msgs:
                messages.error(request, f"{field}: {msg}")
    else:
        messages.error(request, exc.message)


@org_view
@require_GET
def search_page(request: DeskRequest, membership: Membership) -> HttpResponse:
    """The header search box's results: matching cases and customers, ranked, highlighted."""
    text = request.GET.get("q", "").strip()[:200]
    result = search(org=membership.organization, text=text, limit=SEARCH_LIMIT)
    return render(
        request,
        "customers/search.html",
        {**base_context(request, membership), "query": text, "result": result},
    )


def _page_url(membership: Membership, customer_id: int, check: IdentityCheck | None = None) -> str:
    url = reverse("customers:detail", args=[membership.organization.slug, customer_id])
    return f"{url}?check={check.pk}" if check is not None else url


def _current_check(request: DeskRequest, membership: Membership, customer_id: int) -> Any:
    raw = request.GET.get("check") or request.POST.get("identity_check_id") or ""
    if not raw.isdigit():
        return None
    try:
        check = selectors.get_identity_check(org=membership.organization, check_id=int(raw))
    except NotFound:
        return None
    return check if check.customer_id == customer_id else None


@org_view
@require_GET
def customer_detail(request: DeskRequest, membership: Membership, customer_id: int) -> HttpResponse:
    org = membership.organization
    customer = selectors.customer_360(org=org, customer_id=customer_id)
    cases = list(selectors.cases_of(org=org, customer=customer)[:100])
    check = _current_check(request, membership, customer_id)
    check_valid = check is not None and identity.check_is_valid(
        check=check, customer=customer, actor=request_actor(request)
    )
    context = {
        **base_context(request, membership),
        "customer": customer,
        "open_cases": [c for c in cases if c.status in _active()],
        "past_cases": [c for c in cases if c.status not in _active()],
        "events": list(
            selectors.events_of(
                org=org,
                customer=customer,
                limit=50,
                with_notes=may(membership, Action.READ_INTERNAL_NOTES),
            )
        ),
        "history": list(selectors.history_of(org=org, customer=customer)[:100]),
        "consents": selectors.current_consents(customer=customer),
        "check": check,
        "check_valid": check_valid,
        "methods": IdentityMethod.choices,
        "statuses": AccountStatus.choices,
        "pending": IdentityStatus.PENDING,
        "notify_by_choices": NotifyBy.choices,
    }
    return render(request, "customers/detail.html", context)


def _active() -> frozenset[str]:
    from helpline.cases.choices import ACTIVE_STATUSES

    return ACTIVE_STATUSES


@org_view
@require_POST
def identity_start(request: DeskRequest, membership: Membership, customer_id: int) -> HttpResponse:
    customer = selectors.get_customer(org=membership.organization, customer_id=customer_id)
    try:
        check = identity.start_identity_check(
            customer=customer, actor=request_actor(request), method=request.POST.get("method", "")
        )
    except DomainError as exc:
        _flash_error(request, exc)
        return redirect(_page_url(membership, customer_id))
    if check.method != IdentityMethod.QUESTION:
        messages.info(request, _("A one-time code was sent to the customer."))
    return redirect(_page_url(membership, customer_id, check))


@org_view
@require_POST
def identity_verify(request: DeskRequest, membership: Membership, check_id: int) -> HttpResponse:
    check = selectors.get_identity_check(org=membership.organization, check_id=check_id)
    try:
        check = identity.verify_identity_check(
            check=check, actor=request_actor(request), answer=request.POST.get("answer", "")
        )
    except DomainError as exc:
        _flash_error(request, exc)
    else:
        if check.status == IdentityStatus.PASSED:
            messages.success(request, _("Identity verified."))
        elif check.status == IdentityStatus.FAILED:
            messages.error(request, _("Identity check failed."))
        else:
            messages.warning(request, _("Wrong answer; try again."))
    return redirect(_page_url(membership, check.customer_id, check))


@org_view
@require_POST
def account_create(request: DeskRequest, membership: Membership, customer_id: int) -> HttpResponse:
    customer = selectors.get_customer(org=membership.organization, customer_id=customer_id)
    check = _current_check(request, membership, customer_id)
    try:
        services.create_account(
            customer=customer,
            actor=request_actor(request),
            identity_check=check,
            account_number=request.POST.get("account_number", ""),
            municipal_registration=request.POST.get("municipal_registration", ""),
            meter_number=request.POST.get("meter_number", ""),
            description=request.POST.get("description", ""),
        )
    except DomainError as exc:
        _flash_error(request, exc)
    else:
        messages.success(request, _("Account added."))
    return redirect(_page_url(membership, customer_id, check))


@org_view
@require_POST
def account_update(request: DeskRequest, membership: Membership, account_id: int) -> HttpResponse:
    account = selectors.get_account(org=membership.organization, account_id=account_id)
    check = _current_check(request, membership, account.customer_id)
    changes = {
        k: request.POST[k]
        for k in ("municipal_registration", "meter_number", "description", "status")
        if k in request.POST
    }
    try:
        services.update_account(
            account=account, actor=request_actor(request), identity_check=check, **changes
        )
    except DomainError as exc:
        _flash_error(request, exc)
    else:
        messages.success(request, _("Account changed."))
    return redirect(_page_url(membership, account.customer_id, check))


@org_view
@require_POST
def notify_by_update(
    request: DeskRequest, membership: Membership, customer_id: int
) -> HttpResponse:
    """How the customer wants to hear of their cases' progress (the opt-out included): a
    choice the customer states to the operator, audited like every customer change."""
    customer = selectors.get_customer(org=membership.organization, customer_id=customer_id)
    try:
        services.update_customer(
            customer=customer,
            actor=request_actor(request),
            notify_by=request.POST.get("notify_by", ""),
        )
    except DomainError as exc:
        _flash_error(request, exc)
    else:
        messages.success(request, _("Notification preference saved."))
    slug = membership.organization.slug
    return redirect("customers:detail", org_slug=slug, customer_id=customer.pk)


@org_view
@require_POST
def consent_record(request: DeskRequest, membership: Membership, customer_id: int) -> HttpResponse:
    customer = selectors.get_customer(org=membership.organization, customer_id=customer_id)
    try:
        gdpr.record_consent(
            customer=customer,
            actor=request_actor(request),
            purpose=request.POST.get("purpose", ""),
            granted=request.POST.get("granted") == "1",
            notice_version=request.POST.get("notice_version", ""),
            channel=request.POST.get("channel", ""),
        )
    except DomainError as exc:
        _flash_error(request, exc)
    else:
        messages.success(request, _("Consent recorded."))
    return redirect(_page_url(membership, customer_id))


@org_view
@require_GET
def export(
    request: DeskRequest, membership: Membership, customer_id: int, fmt: str
) -> HttpResponse:
    """The GDPR export as JSON or PDF (a download): ``Action.EXPORT_CUSTOMERS``."""
    require(membership, Action.EXPORT_CUSTOMERS)
    if fmt not in ("json", "pdf"):
        raise Http404(_("Unknown format."))
    data = gdpr.export_data(org=membership.organization, customer_id=customer_id)
    if fmt == "pdf":
        response = HttpResponse(gdpr.export_pdf(data), content_type="application/pdf")
    else:
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="customer-{customer_id}.{fmt}"'
    return response


@org_view
@require_POST
def erase(request: DeskRequest, membership: Membership, customer_id: int) -> HttpResponse:
    require(membership, Action.ERASE_CUSTOMERS)
    customer = selectors.get_customer(org=membership.organization, customer_id=customer_id)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Tick the box to confirm the erasure."))
        return redirect(_page_url(membership, customer_id))
    try:
        gdpr.erase_customer(
            customer=customer, actor=request_actor(request), reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        _flash_error(request, exc)
    else:
        messages.success(request, _("The customer's personal data was erased."))
    return redirect(_page_url(membership, customer_id))


@org_view
def import_page(request: DeskRequest, membership: Membership) -> HttpResponse:
    """Upload a CSV or XLSX file; a dry run (ticked by default) only reports."""
    require(membership, Action.IMPORT_CUSTOMERS)
    context: dict[str, Any] = {**base_context(request, membership), "columns": importer.COLUMNS}
    if request.method == "POST":
        upload = request.FILES.get("file")
        dry_run = request.POST.get("dry_run") == "1"
        if upload is None:
            context["file_error"] = _("Choose a file to import.")
        else:
            try:
                context["report"] = importer.import_customers(
                    org=membership.organization,
                    actor=request_actor(request),
                    content=upload.read(),
                    filename=upload.name or "",
                    dry_run=dry_run,
                )
            except FieldValidationError as exc:
                context["file_error"] = " ".join(m for ms in exc.errors.values() for m in ms)
        context["dry_run"] = dry_run
    else:
        context["dry_run"] = True
    status = 422 if context.get("file_error") else 200
    return render(request, "customers/import.html", context, status=status)
