"""The tenant's privacy notice for the portal, and the web-form submissions by IP."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

#: The channels a privacy notice can be written for (those where a customer starts contact
#: on a page or by mail and is shown or sent the notice).
NOTICE_CHANNELS = [
    ("web", _("Web form")),
    ("chat", _("Chat")),
    ("email", _("E-mail")),
]


class PrivacyNotice(models.Model):
    """A version of a tenant's privacy notice for one channel and language.

    ``channel`` empty applies to every channel, ``language`` empty to every language; the
    most specific published version is current (``portal.selectors.current_notice``). A
    version is a draft until it is published (``published_at`` set); a published version
    is never changed again, so a consent always names the text that was accepted.
    """

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=NOTICE_CHANNELS,
        blank=True,
        help_text=_("Empty: every channel."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: every language."),
    )
    version = models.CharField(_("version"), max_length=20)
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["-published_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organization", "channel", "language", "version"],
                name="uniq_privacy_notice_version",
            )
        ]

    def __str__(self) -> str:
        return self.version


class FormSubmission(models.Model):
    """One accepted web-form submission, by client IP: the per-IP rate limit counts these
    (the consent itself is a ``customers.Consent``, recorded with the notice version)."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    client_ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("web-form submission")
        verbose_name_plural = _("web-form submissions")
        indexes = [models.Index(fields=["client_ip", "submitted_at"], name="portal_ip_at")]

    def __str__(self) -> str:
        return f"{self.client_ip} {self.submitted_at:%Y-%m-%d %H:%M}"
