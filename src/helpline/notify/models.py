"""Mail templates per tenant and language, and the outbox of e-mail to send.

The outbox is an indexed table scanned by a loop (``notify.outbox.loop``) rather than one
task per mail: the row is written in the same transaction as the case message it carries,
so a reply is never lost and never sent for a rolled-back message, and ``next_attempt_at``
is the retry timer (ARCHITECTURE: timers are indexed columns scanned by a loop).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TemplateKind(models.TextChoices):
    ACKNOWLEDGEMENT = "ack", _("Acknowledgement of a new case")
    REPLY = "reply", _("Reply from an operator")
    TAKEN = "taken", _("Case taken in charge")
    WAITING = "waiting", _("Waiting on the customer")
    RESOLVED = "resolved", _("Case resolved")
    CLOSED = "closed", _("Case closed")


#: The progress notifications (MISSION C7): the status a case enters -> the kind of mail.
PROGRESS_KINDS = {
    "open": TemplateKind.TAKEN,
    "waiting_customer": TemplateKind.WAITING,
    "resolved": TemplateKind.RESOLVED,
    "closed": TemplateKind.CLOSED,
}


class NotificationSettings(models.Model):
    """Which progress notifications a tenant sends, and whether SMS may carry them.

    Without a row the defaults apply: every progress notification by e-mail, no SMS. The
    customer's own choice (``Customer.notify_by``) always wins: "none" is an opt-out."""

    organization = models.OneToOneField(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    on_taken = models.BooleanField(_("when a case is taken in charge"), default=True)
    on_waiting = models.BooleanField(_("when a case waits on the customer"), default=True)
    on_resolved = models.BooleanField(_("when a case is resolved"), default=True)
    on_closed = models.BooleanField(_("when a case is closed"), default=False)
    sms_enabled = models.BooleanField(
        _("SMS for customers who prefer it or have no e-mail address"), default=False
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(_("Notification settings"))

    def sends(self, kind: str) -> bool:
        """Whether progress mails of ``kind`` go out."""
        return bool(getattr(self, f"on_{kind}", False))


class MailTemplate(models.Model):
    """A tenant's wording of one kind of mail in one language (Django template syntax:
    ``{{ protocol }}``, ``{{ title }}``, ``{{ name }}``, ``{{ status_url }}``,
    ``{{ body }}``, ``{{ organization }}``). Without a row the built-in wording is used."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=TemplateKind.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("mail template")
        verbose_name_plural = _("mail templates")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organization", "kind", "language"], name="uniq_mail_template"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


#: The kind of an outgoing mail that is about a user's access, not a case (an invitation,
#: a password reset): no tenant template rewords it.
ACCOUNT_KIND = "account"
OUTBOUND_KINDS = [*TemplateKind.choices, (ACCOUNT_KIND, _("Access to the desk"))]


class OutboundState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundEmail(models.Model):
    """One e-mail to send (or sent), with its threading headers and delivery attempts.
    Mail about a case names it; an invitation or a password reset has no case."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbound_emails",
        verbose_name=_("case"),
    )
    case_message = models.ForeignKey(
        "cases.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=OUTBOUND_KINDS)
    from_address = models.CharField(_("from"), max_length=255)
    to_address = models.CharField(_("to"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"))
    message_id = models.CharField(_("Message-ID"), max_length=255)
    #: A customer's Message-ID may be longer than 255 characters.
    in_reply_to = models.TextField(_("In-Reply-To"), blank=True)
    references = models.TextField(_("References"), blank=True)
    state = models.CharField(
        _("state"), max_length=8, choices=OutboundState.choices, default=OutboundState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["created_at", "id"]
        indexes = [
            # The sending loop's scan: only queued rows are in this index.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="queued"),
                name="outbound_due",
            ),
            # Threading: a customer's reply names our Message-ID in In-Reply-To.
            models.Index(fields=["organization", "message_id"], name="outbound_org_msgid"),
        ]

    def __str__(self) -> str:
        return f"{self.to_address}: {self.subject}"[:120]


class OutboundSms(models.Model):
    """One SMS to send (or sent) through the SMS port, retried like the e-mail outbox."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.CASCADE,
        related_name="outbound_sms",
        verbose_name=_("case"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=TemplateKind.choices)
    to_number = models.CharField(_("to"), max_length=20)
    body = models.TextField(_("text"))
    state = models.CharField(
        _("state"), max_length=8, choices=OutboundState.choices, default=OutboundState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing SMS")
        verbose_name_plural = _("outgoing SMS")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(state="queued"), name="outbound_sms_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.to_number}: {self.body}"[:120]
