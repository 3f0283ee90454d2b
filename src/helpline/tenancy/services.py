"""Writes to tenancy: organisations, memberships, API tokens. Audited as configuration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.audit import services as audit
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError
from helpline.tenancy.models import ApiToken, Membership, Organization, UserProfile

ORG_AUDITED_FIELDS = (
    "name",
    "slug",
    "country",
    "language",
    "time_zone",
    "protocol_prefix",
    "protocol_format",
    "brand_color",
    "brand_logo_url",
)


@transaction.atomic
def create_organization(*, actor: Actor, **fields: Any) -> Organization:
    org = Organization(**fields)
    org.full_clean()
    org.save()
    audit.record_create(org_id=org.pk, actor=actor, instance=org, fields=ORG_AUDITED_FIELDS)
    return org


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    language: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> Any:
    user = get_user_model().objects.create_user(
        username=username,
        password=password,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    UserProfile.objects.create(user=user, language=language)
    return user


@transaction.atomic
def add_member(*, actor: Actor, org: Organization, user: Any, role: str) -> Membership:
    m = Membership.objects.create(organization=org, user=user, role=role)
    audit.record_create(org_id=org.pk, actor=actor, instance=m, fields=["user", "role"])
    return m


@transaction.atomic
def create_api_token(*, actor: Actor, membership: Membership, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its clear value, which is never stored."""
    raw, digest, prefix = ApiToken.generate()
    token = ApiToken.objects.create(
        membership=membership, name=name, key_hash=digest, key_prefix=prefix
    )
    audit.record_create(
        org_id=membership.organization_id,
        actor=actor,
        instance=token,
        fields=["name", "membership"],
    )
    return token, raw


@transaction.atomic
def revoke_api_token(*, actor: Actor, token: ApiToken) -> ApiToken:
    before = audit.snapshot(token, ["revoked_at"])
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record_update(
        org_id=token.membership.organization_id, actor=actor, instance=token, before=before
    )
    return token


def set_user_language(*, user: Any, language: str) -> UserProfile:
    """Remember the language the user chose in the desk ("" = follow the browser)."""
    if language and language not in dict(settings.LANGUAGES):
        raise FieldValidationError(language=_("Unknown language: %(code)s") % {"code": language})
    profile, _created = UserProfile.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    return profile
