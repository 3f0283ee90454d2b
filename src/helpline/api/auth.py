"""API authentication: ``Authorization: Bearer <token>``.

A token belongs to one membership, so ``request.auth`` is that ``Membership`` and its
organisation scopes every call. Unknown, revoked or inactive tokens get 401; a member whose
role the permission matrix (``tenancy.permissions``) does not allow an operation's action
gets 403 before anything is looked up.
Messages are in the language of the token user's profile, else the one LocaleMiddleware took
from the request's Accept-Language.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest
from django.utils import translation
from ninja.security import HttpBearer

from helpline.lib.actors import Actor
from helpline.tenancy.models import Membership, Organization
from helpline.tenancy.permissions import Action, require
from helpline.tenancy.selectors import membership_for_token


class TokenAuth(HttpBearer):
    """Any active member's token: reading endpoints."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        membership = membership_for_token(token) if token else None
        if membership is not None:
            _activate_profile_language(request, membership)
        return membership


class ActionTokenAuth(TokenAuth):
    """A token of a member whose role the permission matrix allows ``action``: any other
    member's call is a 403 before anything is looked up (``permissions.require``)."""

    def __init__(self, action: Action) -> None:
        super().__init__()
        self.action = action

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        membership = super().authenticate(request, token)
        if membership is not None:
            require(membership, self.action)
        return membership


_by_action: dict[Action, ActionTokenAuth] = {}


def allowed(action: Action) -> ActionTokenAuth:
    """The ``auth=`` of an operation that needs ``action``: ``auth=allowed(Action.X)``."""
    if action not in _by_action:
        _by_action[action] = ActionTokenAuth(action)
    return _by_action[action]


def _activate_profile_language(request: HttpRequest, membership: Membership) -> None:
    """The desk's rule for the API: the user's profile language outranks Accept-Language
    (which LocaleMiddleware has already activated). Authentication runs before the request
    is validated, so validation messages are in this language too."""
    try:
        language = membership.user.profile.language
    except ObjectDoesNotExist:  # a user created without a profile
        return
    if language:
        translation.activate(language)
        cast(Any, request).LANGUAGE_CODE = language


token_auth = TokenAuth()
#: Operations that change cases and customers.
writer_auth = allowed(Action.WRITE_CASES)


def membership(request: HttpRequest) -> Membership:
    return cast(Membership, cast(Any, request).auth)


def org(request: HttpRequest) -> Organization:
    """The organisation the caller's token acts for."""
    return membership(request).organization


def actor(request: HttpRequest) -> Actor:
    return Actor.for_user(membership(request).user)
