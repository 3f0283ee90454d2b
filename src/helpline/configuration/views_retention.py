"""Settings > Data retention: how long a customer with no activity is kept before the
retention loop pseudonymises them (GDPR storage limitation, docs/customers.md).

Administrators only (``Action.CHANGE_RETENTION``): a short period erases customers within the
hour. Before a period that makes anyone due is saved, the screen says how many customers
would be pseudonymised and asks for a confirmation; the change goes through
``customers.gdpr.set_retention_policy``, which validates and audits it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from helpline.configuration.views import settings_context
from helpline.customers import gdpr
from helpline.customers import selectors as customer_selectors
from helpline.desk.forms import add_service_errors
from helpline.lib.errors import FieldValidationError
from helpline.tenancy.models import Membership, Organization
from helpline.tenancy.permissions import Action, require
from helpline.tenancy.web import DeskRequest, base_context, org_view, request_actor


class RetentionForm(forms.Form):
    erase_inactive_after_days = forms.IntegerField(
        label=gettext_lazy("Pseudonymise customers inactive for (days)"),
        min_value=gdpr.RETENTION_MIN_DAYS,
        max_value=gdpr.RETENTION_MAX_DAYS,
        help_text=gettext_lazy(
            "Days without any change to the customer and without case activity; customers "
            "with an unfinished case are always kept."
        ),
    )
    enabled = forms.BooleanField(
        label=gettext_lazy("Apply retention automatically"),
        required=False,
        help_text=gettext_lazy("Off: nobody is pseudonymised by the retention loop."),
    )


def _due(org: Organization, data: dict[str, Any]) -> int:
    """How many customers the policy in ``data`` would make due now (none when it is off)."""
    if not data.get("enabled"):
        return 0
    return customer_selectors.count_due_for_erasure(org=org, days=data["erase_inactive_after_days"])


@org_view
def retention(request: DeskRequest, membership: Membership) -> HttpResponse:
    """Show and change the retention policy. A POST whose new policy makes customers due is
    first answered with the count and a confirmation form; the confirmed POST
    (``confirm`` = the period confirmed) saves it."""
    require(membership, Action.CHANGE_RETENTION)
    org = membership.organization
    policy = customer_selectors.retention_policy_for(org=org)
    initial: dict[str, Any] = {"erase_inactive_after_days": 730, "enabled": True}
    if policy is not None:
        initial = {
            "erase_inactive_after_days": policy.erase_inactive_after_days,
            "enabled": policy.enabled,
        }
    form = RetentionForm(request.POST or None, initial=initial)
    status = 200
    context: dict[str, Any] = {**settings_context(request, membership), "policy": policy}
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            due = _due(org, data)
            confirmed = request.POST.get("confirm") == str(data["erase_inactive_after_days"])
            if due and not confirmed:
                context.update(form=form, due=due, confirming=True)
                return render(request, "configuration/retention/edit.html", context)
            try:
                gdpr.set_retention_policy(org=org, actor=request_actor(request), **data)
            except FieldValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Retention policy saved."))
                return redirect("configuration:retention", org.slug)
        status = 422
    elif policy is not None:
        context["due"] = _due(org, initial)
    context.setdefault("due", None)
    context.update(form=form, retention_on=initial["enabled"])
    return render(request, "configuration/retention/edit.html", context, status=status)


@org_view
@require_GET
def retention_preview(request: DeskRequest, membership: Membership) -> HttpResponse:
    """The count for the period being typed (htmx swaps it under the field)."""
    require(membership, Action.CHANGE_RETENTION)
    form = RetentionForm(request.GET)
    valid = form.is_valid()
    context = {
        **base_context(request, membership),
        "due": _due(membership.organization, form.cleaned_data) if valid else None,
        "retention_on": valid and form.cleaned_data["enabled"],
    }
    return render(request, "configuration/retention/_due.html", context)
