"""Writes to tenancy: organisations, memberships (invitations, roles, deactivation, password
resets), API tokens. Audited as configuration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.audit import services as audit
from helpline.audit.models import AuditAction
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError
from helpline.tenancy.models import ApiToken, Membership, Organization, Role, UserProfile

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
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise FieldValidationError(name=_("Name the token (at most 100 characters)."))
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


# --- users and access (the settings area's "Users and access") ---------------------------

MEMBERSHIP_AUDITED_FIELDS = ("user", "role", "is_active")


def _members(org: Organization) -> Any:
    return Membership.objects.filter(organization=org)


def _check_role(role: str) -> Role:
    if role not in Role.values:
        raise FieldValidationError(role=_("Choose a role."))
    return Role(role)


def _keeps_an_admin(membership: Membership) -> None:
    """Refuse a change that would leave the organisation without an active administrator
    (nobody could manage its users any more). The rows are locked so that two
    administrators demoting each other at once cannot both succeed."""
    others = list(
        _members(membership.organization)
        .select_for_update()
        .filter(role=Role.ADMIN, is_active=True)
        .exclude(pk=membership.pk)
        .values_list("pk", flat=True)
    )
    if not others:
        raise FieldValidationError(
            role=_("The organisation needs at least one active administrator.")
        )


def access_link(user: Any) -> str:
    """The link that lets ``user`` choose a password: Django's password-reset token (valid
    for ``PASSWORD_RESET_TIMEOUT``, spent once the password changes)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    path = reverse(
        "configuration:password_set",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.HELPLINE_PUBLIC_URL.rstrip("/") + path


def _mail_access_link(*, membership: Membership, invitation: bool) -> None:
    """Queue the invitation or the password reset mail in the outbox, in the language of
    the user (else the organisation's)."""
    from django.utils import translation

    from helpline.notify.services import queue_account_mail

    user = membership.user
    org = membership.organization
    language = getattr(getattr(user, "profile", None), "language", "") or org.language
    with translation.override(language):
        values = {"org": org.name, "link": access_link(user), "username": user.get_username()}
        if invitation:
            subject = _("You are invited to the %(org)s help desk") % values
            body = (
                _(
                    "You have been given access to the %(org)s help desk.\n\n"
                    "Your user name: %(username)s\n"
                    "Choose your password here (the link works once):\n%(link)s\n"
                )
                % values
            )
        else:
            subject = _("Choose a new password for the %(org)s help desk") % values
            body = (
                _(
                    "A new password was requested for your account %(username)s.\n\n"
                    "Choose it here (the link works once):\n%(link)s\n\n"
                    "Your current password keeps working until you do."
                )
                % values
            )
    queue_account_mail(org_id=org.pk, to_address=user.email, subject=subject, body=body)


@transaction.atomic
def invite_member(
    *,
    actor: Actor,
    org: Organization,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
) -> Membership:
    """Give the person with this e-mail address a role in the organisation: the user is
    created if there is none (without a usable password) and an invitation with a link to
    choose the password lands in the outbox. An existing member is refused (change their
    role or reactivate them instead)."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = (email or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid e-mail address.")]
    if role not in Role.values:
        errors["role"] = [_("Choose a role.")]
    if errors:
        raise FieldValidationError(errors)
    users = get_user_model().objects.filter(email__iexact=email).order_by("pk")
    user = users.first()
    if user is not None and _members(org).filter(user=user).exists():
        raise FieldValidationError(
            email=_("This person is already a member; change their role or reactivate them.")
        )
    if user is None:
        username = email.lower()[:150]
        if get_user_model().objects.filter(username=username).exists():
            raise FieldValidationError(email=_("A user with this name already exists."))
        user = get_user_model().objects.create_user(
            username=username,
            email=email,
            password=None,
            first_name=first_name.strip()[:150],
            last_name=last_name.strip()[:150],
        )
        UserProfile.objects.create(user=user, language="")
    membership = Membership.objects.create(organization=org, user=user, role=role)
    audit.record_create(
        org_id=org.pk, actor=actor, instance=membership, fields=MEMBERSHIP_AUDITED_FIELDS
    )
    _mail_access_link(membership=membership, invitation=True)
    return membership


@transaction.atomic
def change_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    """Give the member another role; the last active administrator keeps theirs."""
    new_role = _check_role(role)
    if membership.role == Role.ADMIN and new_role != Role.ADMIN and membership.is_active:
        _keeps_an_admin(membership)
    before = audit.snapshot(membership, ["role"])
    membership.role = new_role
    membership.save(update_fields=["role"])
    audit.record_update(
        org_id=membership.organization_id, actor=actor, instance=membership, before=before
    )
    return membership


@transaction.atomic
def set_member_active(*, actor: Actor, membership: Membership, active: bool) -> Membership:
    """Deactivate a member (they lose the desk and their API tokens at once) or bring them
    back. Nobody deactivates themselves, and the last active administrator stays."""
    if not active:
        if membership.user_id == actor.user_id:
            raise FieldValidationError(is_active=_("You cannot deactivate yourself."))
        if membership.role == Role.ADMIN:
            _keeps_an_admin(membership)
    before = audit.snapshot(membership, ["is_active"])
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    audit.record_update(
        org_id=membership.organization_id, actor=actor, instance=membership, before=before
    )
    return membership


@transaction.atomic
def send_password_reset(*, actor: Actor, membership: Membership) -> None:
    """Mail the member a link to choose a new password (through the outbox), audited."""
    if not membership.user.email:
        raise FieldValidationError(email=_("This user has no e-mail address."))
    _mail_access_link(membership=membership, invitation=False)
    audit.record(
        org_id=membership.organization_id,
        actor=actor,
        action=AuditAction.UPDATE,
        instance=membership,
        changes={"password_reset_sent_to": [None, membership.user.email]},
    )
