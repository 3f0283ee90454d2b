"""The routing rules screen of the settings area (``/desk/<org>/settings/routing-rules/``):
the ordered rule list with move up/down, create/edit/delete, the default queue and the
"test a case" preview. Supervisors and administrators (``Action.MANAGE_ROUTING``); others
get 403, another tenant's slug or rule 404. Writes go through ``routing.configuration``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpline.cases.choices import CaseType, Channel, Urgency
from helpline.configuration.sections import visible_sections
from helpline.customers.models import CustomerKind
from helpline.lib.errors import FieldValidationError
from helpline.routing import configuration as config
from helpline.routing.forms import DefaultQueueForm, PreviewForm, RuleForm, TenantChoices
from helpline.routing.models import Queue, RoutingRule
from helpline.tenancy.models import Membership
from helpline.tenancy.permissions import Action, require
from helpline.tenancy.web import DeskRequest, base_context, org_view, request_actor


def _context(request: DeskRequest, membership: Membership, **extra: Any) -> dict[str, Any]:
    return {
        **base_context(request, membership),
        "settings_menu": visible_sections(membership),
        **extra,
    }


def _labels(values: list[Any], choices: Any) -> list[str]:
    names = {k: str(v) for k, v in choices}
    return [names.get(v, str(v)) for v in values]


def _summary(rule: RoutingRule, c: TenantChoices) -> list[tuple[str, list[str]]]:
    """The rule's conditions as (label, values) pairs, for the list."""
    parts = [
        (_("Channels"), _labels(rule.channels, Channel.choices)),
        (_("Case types"), _labels(rule.case_types, CaseType.choices)),
        (_("Urgencies"), _labels(rule.urgencies, Urgency.choices)),
        (_("Topics"), _labels(rule.topic_ids, c.topics)),
        (_("Subjects"), _labels(rule.subject_ids, c.subjects)),
        (_("Customer segments"), _labels(rule.segment_ids, c.segments)),
        (_("Customer kinds"), _labels(rule.customer_kinds, CustomerKind.choices)),
        (_("Customer languages"), rule.languages),
    ]
    return [(label, values) for label, values in parts if values]


def _page(
    request: DeskRequest,
    membership: Membership,
    *,
    default_form: DefaultQueueForm | None = None,
    status: int = 200,
) -> HttpResponse:
    org = membership.organization
    choices = TenantChoices(org)
    rules = config.rules_for(org=org)
    preview_form = PreviewForm(request.GET if "channel" in request.GET else None, choices=choices)
    result = None
    if preview_form.is_bound and preview_form.is_valid():
        choice = config.preview(org=org, case=preview_form.to_input())
        queue = (
            Queue.objects.filter(organization=org, pk=choice.queue_id).first()
            if choice.queue_id
            else None
        )
        result = {"choice": choice, "queue": queue}
    context = _context(
        request,
        membership,
        rules=[(rule, _summary(rule, choices)) for rule in rules],
        default_form=default_form
        or DefaultQueueForm(
            initial={"default_queue": config.default_queue_id(org=org)}, choices=choices
        ),
        preview_form=preview_form,
        result=result,
    )
    if request.htmx and preview_form.is_bound:
        return render(request, "routing/settings/_preview.html", context)
    return render(request, "routing/settings/rules.html", context, status=status)


@org_view
@require_GET
def rules(request: DeskRequest, membership: Membership) -> HttpResponse:
    """The ordered rule list, the default queue and the preview."""
    require(membership, Action.MANAGE_ROUTING)
    return _page(request, membership)


def _edit(request: DeskRequest, membership: Membership, rule: RoutingRule | None) -> HttpResponse:
    org = membership.organization
    choices = TenantChoices(org)
    if request.method == "POST":
        form = RuleForm(request.POST, choices=choices)
        if form.is_valid():
            try:
                if rule is None:
                    config.create_rule(org=org, actor=request_actor(request), data=form.to_data())
                    messages.success(request, _("Routing rule created."))
                else:
                    config.update_rule(rule=rule, actor=request_actor(request), data=form.to_data())
                    messages.success(request, _("Routing rule saved."))
                return redirect("routing:rules", org.slug)
            except FieldValidationError as exc:
                for field, msgs in exc.errors.items():
                    target = field if field in form.fields else None
                    for msg in msgs:
                        form.add_error(target, msg)
        status = 422
    else:
        initial = RuleForm.initial_for(config.rule_data(rule)) if rule else {"is_active": True}
        form = RuleForm(initial=initial, choices=choices)
        status = 200
    return render(
        request,
        "routing/settings/rule_form.html",
        _context(request, membership, form=form, rule=rule),
        status=status,
    )


@org_view
@require_http_methods(["GET", "POST"])
def rule_new(request: DeskRequest, membership: Membership) -> HttpResponse:
    require(membership, Action.MANAGE_ROUTING)
    return _edit(request, membership, None)


@org_view
@require_http_methods(["GET", "POST"])
def rule_edit(request: DeskRequest, membership: Membership, rule_id: int) -> HttpResponse:
    require(membership, Action.MANAGE_ROUTING)
    rule = config.rule_for(org=membership.organization, rule_id=rule_id)
    return _edit(request, membership, rule)


@org_view
@require_POST
def rule_move(request: DeskRequest, membership: Membership, rule_id: int) -> HttpResponse:
    """Move the rule one place up (``direction=up``) or down."""
    require(membership, Action.MANAGE_ROUTING)
    rule = config.rule_for(org=membership.organization, rule_id=rule_id)
    config.move_rule(
        rule=rule, actor=request_actor(request), up=request.POST.get("direction") == "up"
    )
    return redirect("routing:rules", membership.organization.slug)


@org_view
@require_POST
def rule_delete(request: DeskRequest, membership: Membership, rule_id: int) -> HttpResponse:
    require(membership, Action.MANAGE_ROUTING)
    rule = config.rule_for(org=membership.organization, rule_id=rule_id)
    config.delete_rule(rule=rule, actor=request_actor(request))
    messages.success(request, _("Routing rule deleted."))
    return redirect("routing:rules", membership.organization.slug)


@org_view
@require_POST
def default_queue(request: DeskRequest, membership: Membership) -> HttpResponse:
    require(membership, Action.MANAGE_ROUTING)
    org = membership.organization
    form = DefaultQueueForm(request.POST, choices=TenantChoices(org))
    if form.is_valid():
        try:
            config.set_default_queue(
                org=org,
                actor=request_actor(request),
                queue_id=form.cleaned_data["default_queue"],
            )
            messages.success(request, _("Default queue saved."))
            return redirect("routing:rules", org.slug)
        except FieldValidationError as exc:
            for msgs in exc.errors.values():
                for msg in msgs:
                    form.add_error("default_queue", msg)
    return _page(request, membership, default_form=form, status=422)
