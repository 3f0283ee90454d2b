"""Organisations (tenants), memberships with roles, user profiles and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import ClassVar

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_PROTOCOL_FORMAT = "{prefix}-{year}-{seq:07d}"


class Role(models.TextChoices):
    OPERATOR = "operator", _("Operator (L1)")
    BACK_OFFICE = "back_office", _("Back office (L2/BO)")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")
    CLIENT_REFERENT = "client_referent", _("Client referent (read-only)")


class Organization(models.Model):
    """A client organisation served by the contact center: the unit of isolation (tenant)."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    country = models.CharField(
        _("country"),
        max_length=2,
        help_text=_("ISO 3166-1 alpha-2 code; drives tax-id validation and phone parsing."),
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use a two-letter upper-case code."))],
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    protocol_prefix = models.CharField(
        _("protocol prefix"),
        max_length=12,
        validators=[RegexValidator(r"^[A-Z0-9]{1,12}$", _("Use upper-case letters and digits."))],
    )
    protocol_format = models.CharField(
        _("protocol number format"),
        max_length=60,
        default=DEFAULT_PROTOCOL_FORMAT,
        help_text=_("Placeholders: {prefix}, {year}, {seq} (e.g. {seq:07d})."),
    )
    brand_color = models.CharField(
        _("brand colour"),
        max_length=7,
        default="#1f5fa8",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a #rrggbb colour."))],
    )
    brand_logo_url = models.URLField(_("logo URL"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one organisation. A user may serve several organisations."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "organization"], name="uniq_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"

    @property
    def can_write(self) -> bool:
        """``may(self, Action.WRITE_CASES)``, for templates (tenancy.permissions decides)."""
        from helpline.tenancy.permissions import Action, may

        return may(self, Action.WRITE_CASES)


class UserProfile(models.Model):
    """Per-user preferences; the language falls back to the browser's when blank."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self) -> str:
        return str(self.user)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A per-user API token, bound to one membership so every call has one tenant.

    Only the SHA-256 of the token is stored; the clear token is shown once at creation.
    """

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("membership")
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(
        max_length=64, unique=True, editable=False, verbose_name=_("key hash")
    )
    key_prefix = models.CharField(max_length=8, editable=False, verbose_name=_("key prefix"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """Return (clear token, its hash, its display prefix)."""
        raw = "hl_" + secrets.token_urlsafe(32)
        return raw, hash_token(raw), raw[:8]
