"""Settings area, "Users and access": the tenant's members, invitations, roles,
deactivation, password resets and API tokens (``Action.MANAGE_USERS``).

Thin views over ``tenancy.selectors`` and ``tenancy.services`` (which audit every change):
another tenant's member or token id is a 404 like a missing one. A refused change (the last
administrator, deactivating oneself, a bad address) is shown on the page, naming the field.
A new API token is shown once, in the answer to its creation, and never again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpline.configuration.views import settings_context
from helpline.lib.errors import FieldValidationError
from helpline.tenancy import selectors, services
from helpline.tenancy.models import Membership, Role
from helpline.tenancy.permissions import Action, require
from helpline.tenancy.web import DeskRequest, org_view, request_actor


def _errors(exc: FieldValidationError) -> list[str]:
    return [msg for msgs in exc.errors.values() for msg in msgs]


def _list(
    request: DeskRequest,
    membership: Membership,
    *,
    errors: list[str] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        **settings_context(request, membership),
        "members": list(selectors.members_of(org=membership.organization)),
        "roles": Role.choices,
        "errors": errors or [],
        "posted": posted or {},
    }
    return render(request, "configuration/users/list.html", context, status=status)


@org_view
@require_GET
def users(request: DeskRequest, membership: Membership) -> HttpResponse:
    """The members of the organisation and the invitation form."""
    require(membership, Action.MANAGE_USERS)
    return _list(request, membership)


@org_view
@require_POST
def invite(request: DeskRequest, membership: Membership) -> HttpResponse:
    require(membership, Action.MANAGE_USERS)
    try:
        member = services.invite_member(
            actor=request_actor(request),
            org=membership.organization,
            email=request.POST.get("email", ""),
            role=request.POST.get("role", ""),
            first_name=request.POST.get("first_name", ""),
            last_name=request.POST.get("last_name", ""),
        )
    except FieldValidationError as exc:
        return _list(
            request, membership, errors=_errors(exc), posted=request.POST.dict(), status=422
        )
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": member.user.email})
    return redirect("configuration:users", org_slug=membership.organization.slug)


def _member_page(
    request: DeskRequest,
    membership: Membership,
    member: Membership,
    *,
    errors: list[str] | None = None,
    new_token: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        **settings_context(request, membership),
        "member": member,
        "tokens": list(selectors.tokens_of(membership=member)),
        "roles": Role.choices,
        "errors": errors or [],
        "new_token": new_token,
        "is_me": member.user_id == membership.user_id,
    }
    return render(request, "configuration/users/detail.html", context, status=status)


@org_view
@require_GET
def member_detail(request: DeskRequest, membership: Membership, member_id: int) -> HttpResponse:
    """One member: role, active or not, password reset and API tokens."""
    require(membership, Action.MANAGE_USERS)
    member = selectors.get_member(org=membership.organization, membership_id=member_id)
    return _member_page(request, membership, member)


def _member_action(
    request: DeskRequest, membership: Membership, member_id: int, action: Any, done: str
) -> HttpResponse:
    require(membership, Action.MANAGE_USERS)
    member = selectors.get_member(org=membership.organization, membership_id=member_id)
    try:
        action(member)
    except FieldValidationError as exc:
        member = selectors.get_member(org=membership.organization, membership_id=member_id)
        return _member_page(request, membership, member, errors=_errors(exc), status=422)
    messages.success(request, done)
    return redirect(
        "configuration:member", org_slug=membership.organization.slug, member_id=member_id
    )


@org_view
@require_POST
def member_role(request: DeskRequest, membership: Membership, member_id: int) -> HttpResponse:
    return _member_action(
        request,
        membership,
        member_id,
        lambda m: services.change_role(
            actor=request_actor(request), membership=m, role=request.POST.get("role", "")
        ),
        _("Role changed."),
    )


@org_view
@require_POST
def member_active(request: DeskRequest, membership: Membership, member_id: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    return _member_action(
        request,
        membership,
        member_id,
        lambda m: services.set_member_active(
            actor=request_actor(request), membership=m, active=active
        ),
        _("Member reactivated.") if active else _("Member deactivated."),
    )


@org_view
@require_POST
def member_reset(request: DeskRequest, membership: Membership, member_id: int) -> HttpResponse:
    return _member_action(
        request,
        membership,
        member_id,
        lambda m: services.send_password_reset(actor=request_actor(request), membership=m),
        _("A link to choose a new password was sent."),
    )


@org_view
@require_POST
def token_create(request: DeskRequest, membership: Membership, member_id: int) -> HttpResponse:
    """Create an API token and show it, this once."""
    require(membership, Action.MANAGE_USERS)
    member = selectors.get_member(org=membership.organization, membership_id=member_id)
    try:
        _token, raw = services.create_api_token(
            actor=request_actor(request), membership=member, name=request.POST.get("name", "")
        )
    except FieldValidationError as exc:
        return _member_page(request, membership, member, errors=_errors(exc), status=422)
    return _member_page(request, membership, member, new_token=raw)


@org_view
@require_POST
def token_revoke(
    request: DeskRequest, membership: Membership, member_id: int, token_id: int
) -> HttpResponse:
    require(membership, Action.MANAGE_USERS)
    member = selectors.get_member(org=membership.organization, membership_id=member_id)
    token = selectors.get_token(membership=member, token_id=token_id)
    if token.revoked_at is None:
        services.revoke_api_token(actor=request_actor(request), token=token)
    messages.success(request, _("Token revoked."))
    return redirect(
        "configuration:member", org_slug=membership.organization.slug, member_id=member_id
    )
