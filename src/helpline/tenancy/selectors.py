"""Who may act for which organisation: the one place that decides tenant access."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.lib.errors import NotFound
from helpline.tenancy.models import ApiToken, Membership, Organization, hash_token


def memberships_for_user(*, user: Any) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True, organization__isnull=False)
        .select_related("organization")
        .order_by("organization__name")
    )


def membership_for(*, user: Any, org_slug: str) -> Membership:
    """The user's active membership in the organisation, or NotFound (no hint it exists)."""
    if not user.is_authenticated:
        raise NotFound(_("No such organisation."))
    m = (
        Membership.objects.filter(user=user, organization__slug=org_slug, is_active=True)
        .select_related("organization")
        .first()
    )
    if m is None:
        raise NotFound(_("No such organisation."))
    return m


def membership_for_token(raw: str) -> Membership | None:
    """The membership an API token acts for, or None if unknown or revoked.

    Asked on every API call, so it is one query by the unique hash with no ORDER BY. It is
    deliberately not cached between requests: a revoked token or a removed member must be
    refused at once, on every worker.
    """
    rows = list(
        ApiToken.objects.filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .select_related("membership__organization", "membership__user__profile")
        .order_by()[:1]
    )
    token = rows[0] if rows else None
    if token is None or not token.membership.is_active or not token.membership.user.is_active:
        return None
    now = timezone.now()
    # Refresh last use at most once a minute: a write per API call would double its cost.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.membership


def operators_for(*, org: Organization) -> QuerySet[Membership]:
    """The active members who may work cases: the choices of an assignee."""
    from helpline.tenancy.permissions import Action, roles_for

    return (
        Membership.objects.filter(
            organization=org, is_active=True, role__in=roles_for(Action.WRITE_CASES)
        )
        .select_related("user")
        .order_by("user__username")
    )


def members_of(*, org: Organization) -> QuerySet[Membership]:
    """Every membership of the organisation, active or not, by user name."""
    return (
        Membership.objects.filter(organization=org)
        .select_related("user")
        .order_by("-is_active", "user__username", "id")
    )


def get_member(*, org: Organization, membership_id: int) -> Membership:
    """A membership of the organisation, or NotFound (also for another tenant's id)."""
    m = (
        Membership.objects.filter(organization=org, pk=membership_id)
        .select_related("user", "organization")
        .first()
    )
    if m is None:
        raise NotFound(_("No such member."))
    return m


def tokens_of(*, membership: Membership) -> QuerySet[ApiToken]:
    """The member's API tokens, newest first (revoked ones too: they show when)."""
    return ApiToken.objects.filter(membership=membership).order_by("-created_at", "-id")


def get_token(*, membership: Membership, token_id: int) -> ApiToken:
    """One of the member's tokens, or NotFound."""
    token = (
        ApiToken.objects.filter(membership=membership, pk=token_id)
        .select_related("membership")
        .first()
    )
    if token is None:
        raise NotFound(_("No such token."))
    return token
