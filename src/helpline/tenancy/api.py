"""The users-and-access API under ``/api/v1/settings/users``: the same operations as the
settings screen (list, invite, change role, deactivate/reactivate, password reset, API
tokens), for a token whose role may manage users (``Action.MANAGE_USERS``; anyone else
gets 403). Another tenant's member or token id is a 404; writes go through
``tenancy.services``, which audit them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.params import P, PathEx
from pydantic import Field, StrictBool

from helpline.api.auth import actor, allowed, org
from helpline.api.schemas import MAX_ID, WRITE_ERRORS, UtcDatetime
from helpline.tenancy import selectors, services
from helpline.tenancy.models import Membership, Role
from helpline.tenancy.permissions import Action

router = Router(tags=["settings: users"], auth=allowed(Action.MANAGE_USERS))


class MemberOut(Schema):
    id: int
    user_id: int
    username: str
    email: str
    first_name: str
    last_name: str
    role: Role
    is_active: bool
    created_at: UtcDatetime

    @staticmethod
    def from_membership(m: Membership) -> dict[str, Any]:
        return {
            "id": m.pk,
            "user_id": m.user_id,
            "username": m.user.get_username(),
            "email": m.user.email,
            "first_name": m.user.first_name,
            "last_name": m.user.last_name,
            "role": m.role,
            "is_active": m.is_active,
            "created_at": m.created_at,
        }


class MemberListOut(Schema):
    items: list[MemberOut]


class InviteIn(Schema):
    email: str = Field(max_length=254)
    role: Role
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)


class MemberPatch(Schema):
    role: Role | None = None
    is_active: StrictBool | None = None


class TokenOut(Schema):
    id: int
    name: str
    key_prefix: str
    created_at: UtcDatetime
    last_used_at: UtcDatetime | None
    revoked_at: UtcDatetime | None


class TokenListOut(Schema):
    items: list[TokenOut]


class TokenIn(Schema):
    name: str = Field(max_length=100)


class NewTokenOut(TokenOut):
    token: str = Field(description="The clear token: shown in this answer only, never again.")


RowId = PathEx[int, P(ge=1, le=MAX_ID)]


def _member(request: HttpRequest, member_id: RowId) -> Membership:
    return selectors.get_member(org=org(request), membership_id=member_id)


@router.get("/settings/users", response={200: MemberListOut, **WRITE_ERRORS})
def list_members(request: HttpRequest) -> Any:
    """Every member of the organisation, active or not."""
    members = selectors.members_of(org=org(request))
    return {"items": [MemberOut.from_membership(m) for m in members]}


@router.post("/settings/users", response={201: MemberOut, **WRITE_ERRORS})
def invite_member(request: HttpRequest, payload: InviteIn) -> Any:
    """Invite someone by e-mail: the user is created if needed and mailed a link to choose
    their password (through the outbox)."""
    member = services.invite_member(
        actor=actor(request), org=org(request), **payload.model_dump(mode="json")
    )
    return Status(201, MemberOut.from_membership(member))


@router.get("/settings/users/{member_id}", response={200: MemberOut, **WRITE_ERRORS})
def get_member(request: HttpRequest, member_id: RowId) -> Any:
    return MemberOut.from_membership(_member(request, member_id))


@router.patch("/settings/users/{member_id}", response={200: MemberOut, **WRITE_ERRORS})
def update_member(request: HttpRequest, member_id: RowId, payload: MemberPatch) -> Any:
    """Change the role and/or deactivate (``is_active: false``) or reactivate the member.
    The last active administrator and one's own membership cannot be demoted away or
    deactivated (422)."""
    member = _member(request, member_id)
    if payload.role is not None:
        member = services.change_role(actor=actor(request), membership=member, role=payload.role)
    if payload.is_active is not None:
        member = services.set_member_active(
            actor=actor(request), membership=member, active=payload.is_active
        )
    return MemberOut.from_membership(member)


@router.post("/settings/users/{member_id}/password-reset", response={204: None, **WRITE_ERRORS})
def password_reset(request: HttpRequest, member_id: RowId) -> Any:
    """Mail the member a link to choose a new password."""
    services.send_password_reset(actor=actor(request), membership=_member(request, member_id))
    return Status(204, None)


@router.get("/settings/users/{member_id}/tokens", response={200: TokenListOut, **WRITE_ERRORS})
def list_tokens(request: HttpRequest, member_id: RowId) -> Any:
    """The member's API tokens (their prefix only), newest first."""
    return {"items": list(selectors.tokens_of(membership=_member(request, member_id)))}


@router.post("/settings/users/{member_id}/tokens", response={201: NewTokenOut, **WRITE_ERRORS})
def create_token(request: HttpRequest, member_id: RowId, payload: TokenIn) -> Any:
    """Create a token for the member; the answer carries the clear token, this once."""
    token, raw = services.create_api_token(
        actor=actor(request), membership=_member(request, member_id), name=payload.name
    )
    return Status(201, {**TokenOut.model_validate(token).model_dump(), "token": raw})


@router.delete(
    "/settings/users/{member_id}/tokens/{token_id}", response={204: None, **WRITE_ERRORS}
)
def revoke_token(request: HttpRequest, member_id: RowId, token_id: RowId) -> Any:
    """Revoke a token: calls with it are refused (401) at once."""
    token = selectors.get_token(membership=_member(request, member_id), token_id=token_id)
    if token.revoked_at is None:
        services.revoke_api_token(actor=actor(request), token=token)
    return Status(204, None)
