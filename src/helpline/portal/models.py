"""The tenant's privacy notice for the portal, and the consents given through it."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class PrivacyNotice(models.Model):
    """A version of the privacy notice shown on a tenant's portal (the newest is current)."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    version = models.CharField(_("version"), max_length=20)
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["-published_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organization", "version"], name="uniq_privacy_notice_version"
            )
        ]

    def __str__(self) -> str:
        return self.version


class Consent(models.Model):
    """A customer's acceptance of a privacy notice version on the portal (GDPR, H2).

    ``client_ip`` also serves the per-IP rate limit of the web form (every submission
    carries a consent), so no separate hit table is needed.
    """

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    notice_version = models.CharField(_("privacy notice version"), max_length=20)
    channel = models.CharField(_("channel"), max_length=16)
    client_ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"))

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["client_ip", "accepted_at"], name="consent_ip_at")]

    def __str__(self) -> str:
        return f"{self.notice_version} {self.accepted_at:%Y-%m-%d}"
