"""Routing screens: the agent's presence widget (in every desk page, through
``routing/_presence_slot.html``) and the supervisor's wallboard. Thin: selectors to read,
services to write; htmx posts get the re-rendered fragment back."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpline.lib.errors import DomainError
from helpline.routing import selectors, services
from helpline.routing.models import CHOOSABLE_STATES, PresenceState
from helpline.tenancy.models import Membership
from helpline.tenancy.permissions import Action, may, require
from helpline.tenancy.web import DeskRequest, base_context, org_view, request_actor


def _presence(
    request: DeskRequest, membership: Membership, *, error: str = "", status: int = 200
) -> HttpResponse:
    desk = selectors.agent_desk(org=membership.organization, user_id=membership.user_id)
    return render(
        request,
        "routing/_presence.html",
        {
            "org": membership.organization,
            "desk": desk,
            "choices": [(s, PresenceState(s).label) for s in CHOOSABLE_STATES],
            "error": error,
            "can_write": may(membership, Action.WRITE_CASES),
        },
        status=status,
    )


@org_view
@require_GET
def presence(request: DeskRequest, membership: Membership) -> HttpResponse:
    """The agent's state switcher, pending offers, current work and queue sizes."""
    return _presence(request, membership)


def _act(request: DeskRequest, membership: Membership, action: object) -> HttpResponse:
    try:
        action()  # type: ignore[operator]
    except DomainError as exc:
        return _presence(request, membership, error=exc.message, status=exc.status_code)
    return _presence(request, membership)


@org_view
@require_POST
def set_state(request: DeskRequest, membership: Membership) -> HttpResponse:
    return _act(
        request,
        membership,
        lambda: services.set_agent_state(
            org=membership.organization,
            user_id=membership.user_id,
            actor=request_actor(request),
            state=request.POST.get("state", ""),
            reason=request.POST.get("reason", ""),
        ),
    )


@org_view
@require_POST
def offer_accept(request: DeskRequest, membership: Membership, offer_id: int) -> HttpResponse:
    return _act(
        request,
        membership,
        lambda: services.accept_offer(
            org=membership.organization,
            offer_id=offer_id,
            user_id=membership.user_id,
            actor=request_actor(request),
        ),
    )


@org_view
@require_POST
def offer_reject(request: DeskRequest, membership: Membership, offer_id: int) -> HttpResponse:
    return _act(
        request,
        membership,
        lambda: services.reject_offer(
            org=membership.organization,
            offer_id=offer_id,
            user_id=membership.user_id,
            actor=request_actor(request),
        ),
    )


@org_view
@require_POST
def task_finish(request: DeskRequest, membership: Membership, task_id: int) -> HttpResponse:
    reached = request.POST.get("reached")
    if reached in ("yes", "no"):
        return _act(
            request,
            membership,
            lambda: services.record_callback_attempt(
                org=membership.organization,
                task_id=task_id,
                user_id=membership.user_id,
                actor=request_actor(request),
                reached=reached == "yes",
            ),
        )
    return _act(
        request,
        membership,
        lambda: services.finish_task(
            org=membership.organization,
            task_id=task_id,
            user_id=membership.user_id,
            actor=request_actor(request),
        ),
    )


# --- wallboard (supervisors) -------------------------------------------------------------


def _wallboard_context(membership: Membership) -> dict[str, object]:
    org = membership.organization
    return {
        "rows": selectors.wallboard(org=org),
        "agents": selectors.agents_for(org=org),
        "tasks": selectors.waiting_tasks(org=org),
        "queues": list(selectors.queues_for(org=org)),
        "choices": [(s, PresenceState(s).label) for s in CHOOSABLE_STATES],
    }


@org_view
@require_GET
def wallboard(request: DeskRequest, membership: Membership) -> HttpResponse:
    """Per queue: waiting, longest wait, agents by state, today's service level; agents'
    states and the waiting items, which the supervisor can change and move."""
    require(membership, Action.VIEW_WALLBOARD)
    context = {**base_context(request, membership), **_wallboard_context(membership)}
    template = "routing/_wallboard.html" if request.htmx else "routing/wallboard.html"
    return render(request, template, context)


def _wallboard_action(request: DeskRequest, membership: Membership, action: object) -> HttpResponse:
    require(membership, Action.DIRECT_AGENTS)
    error = ""
    status = 200
    try:
        action()  # type: ignore[operator]
    except DomainError as exc:
        error, status = exc.message, exc.status_code
    context = {**base_context(request, membership), **_wallboard_context(membership)}
    return render(request, "routing/_wallboard.html", {**context, "error": error}, status=status)


@org_view
@require_POST
def agent_state(request: DeskRequest, membership: Membership, user_id: int) -> HttpResponse:
    return _wallboard_action(
        request,
        membership,
        lambda: services.set_agent_state(
            org=membership.organization,
            user_id=user_id,
            actor=request_actor(request),
            state=request.POST.get("state", ""),
            reason=request.POST.get("reason", "") or _("Set by a supervisor"),
        ),
    )


@org_view
@require_POST
def task_move(request: DeskRequest, membership: Membership, task_id: int) -> HttpResponse:
    def move() -> None:
        task = selectors.task_for(org=membership.organization, task_id=task_id)
        raw = request.POST.get("queue", "")
        if not raw.isdigit():
            from helpline.lib.errors import FieldValidationError

            raise FieldValidationError(queue=_("Choose a queue."))
        services.move_task(task=task, queue_id=int(raw), actor=request_actor(request))

    return _wallboard_action(request, membership, move)
