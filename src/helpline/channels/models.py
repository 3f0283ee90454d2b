"""Mailboxes, the raw store of everything received, and PEC receipts.

Every inbound item (an e-mail, a PEC envelope, a fax-to-mail message, a web form, a chat
opening) is first written as an ``Inbound`` row holding its raw bytes, in its own
transaction, before anything is parsed (ARCHITECTURE rule 8). Processing then moves the row
to exactly one outcome: a case, a message on a case, a flagged failure an operator can open,
or an ignore with its reason.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helpline.cases.choices import Channel


class MailboxKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PEC = "pec", _("Certified e-mail (PEC)")
    FAX = "fax", _("Fax-to-mail gateway")


class MailboxPurpose(models.TextChoices):
    REQUESTS = "requests", _("Customer requests")
    DELEGATION = "delegation", _("Back-office delegation (L2)")


class ConnectionState(models.TextChoices):
    """What the last "Test connection" (or poll) said about a mailbox's server login."""

    UNTESTED = "untested", _("Not tested")
    WORKING = "working", _("Working")
    FAILING = "failing", _("Not working")


class SmtpSecurity(models.TextChoices):
    NONE = "none", _("None")
    STARTTLS = "starttls", _("STARTTLS")
    TLS = "tls", _("TLS (SMTPS)")


class ClosedCasePolicy(models.TextChoices):
    REOPEN = "reopen", _("Reopen the case")
    LINK = "link", _("Open a new case linked to it")


class Mailbox(models.Model):
    """One of a tenant's mail addresses, with where its mail goes and how it is fetched.

    Mail reaches it by IMAP polling (``imap_*`` set) or by direct SMTP delivery to the
    receiving service (matched on ``address``). ``last_uid``/``uidvalidity`` record how far
    IMAP polling got: a message is stored before its UID is recorded, so a crash re-fetches
    at most a few messages, which the Message-ID de-duplication then drops.
    """

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="mailboxes",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=120)
    address = models.EmailField(_("address"))
    kind = models.CharField(
        _("kind"), max_length=8, choices=MailboxKind.choices, default=MailboxKind.EMAIL
    )
    purpose = models.CharField(
        _("purpose"), max_length=12, choices=MailboxPurpose.choices, default=MailboxPurpose.REQUESTS
    )
    topic = models.ForeignKey(
        "cases.Topic",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("topic"),
    )
    queue = models.ForeignKey(
        "routing.Queue",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("queue"),
    )
    closed_case_policy = models.CharField(
        _("mail about a closed case"),
        max_length=8,
        choices=ClosedCasePolicy.choices,
        default=ClosedCasePolicy.REOPEN,
    )
    imap_host = models.CharField(_("IMAP host"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_ssl = models.BooleanField(_("IMAP over TLS"), default=True)
    imap_user = models.CharField(_("IMAP user"), max_length=200, blank=True)
    imap_password = models.CharField(_("IMAP password"), max_length=200, blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=200, default="INBOX")
    uidvalidity = models.PositiveBigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    last_uid = models.PositiveBigIntegerField(_("last UID fetched"), default=0)
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    imap_state = models.CharField(
        _("IMAP connection"),
        max_length=10,
        choices=ConnectionState.choices,
        default=ConnectionState.UNTESTED,
    )
    imap_checked_at = models.DateTimeField(_("IMAP tested at"), null=True, blank=True)
    imap_check_answer = models.TextField(_("IMAP server's answer"), blank=True)
    smtp_host = models.CharField(_("SMTP host"), max_length=200, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587)
    smtp_security = models.CharField(
        _("SMTP security"),
        max_length=10,
        choices=SmtpSecurity.choices,
        default=SmtpSecurity.STARTTLS,
    )
    smtp_user = models.CharField(_("SMTP user"), max_length=200, blank=True)
    smtp_password = models.CharField(_("SMTP password"), max_length=200, blank=True)
    smtp_state = models.CharField(
        _("SMTP connection"),
        max_length=10,
        choices=ConnectionState.choices,
        default=ConnectionState.UNTESTED,
    )
    smtp_checked_at = models.DateTimeField(_("SMTP tested at"), null=True, blank=True)
    smtp_check_answer = models.TextField(_("SMTP server's answer"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["address"], name="uniq_mailbox_address")
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class InboundState(models.TextChoices):
    RECEIVED = "received", _("Received, not processed yet")
    CASE_OPENED = "case_opened", _("Opened a case")
    ADDED = "added", _("Added to a case")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Could not be processed")


class Inbound(models.Model):
    """Something received on a written channel, stored raw before it is parsed.

    ``dedupe_key`` is a digest of the Message-ID and of the content (From, Subject, Date and
    body; ``intake.dedupe_key_for``): the same message delivered twice, by two polls or by
    a poll and a relay, is stored once, while distinct messages that reuse a Message-ID are
    all kept.
    """

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    mailbox = models.ForeignKey(
        Mailbox,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound",
        verbose_name=_("mailbox"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    source = models.CharField(_("source"), max_length=16, help_text=_("imap, smtp, web, chat..."))
    dedupe_key = models.CharField(_("de-duplication key"), max_length=255)
    #: Stored whole, however long (``dedupe_key`` is a fixed-length digest).
    message_id = models.TextField(_("Message-ID"), blank=True)
    raw = models.BinaryField(_("raw content"))
    size = models.PositiveBigIntegerField(_("size"))
    sender = models.CharField(_("sender"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received at"))
    state = models.CharField(
        _("state"), max_length=12, choices=InboundState.choices, default=InboundState.RECEIVED
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
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
    flags = models.JSONField(_("flags"), default=dict, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound item")
        verbose_name_plural = _("inbound items")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organization", "dedupe_key"], name="uniq_inbound_dedupe"
            )
        ]
        indexes = [
            # Threading by In-Reply-To/References looks Message-IDs up per tenant.
            models.Index(
                fields=["organization", "message_id"],
                condition=~Q(message_id=""),
                name="inbound_org_msgid",
            ),
            # The recovery loop scans what a killed worker left unprocessed; operators list
            # the failed ones.
            models.Index(
                fields=["state", "received_at"],
                condition=Q(state__in=["received", "failed"]),
                name="inbound_pending",
            ),
            # The per-sender rate limit counts a sender's recent mail.
            models.Index(fields=["organization", "sender", "received_at"], name="inbound_sender"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.sender} {self.subject}"[:120]


class PecReceiptKind(models.TextChoices):
    ACCEPTANCE = "accettazione", _("Acceptance (accettazione)")
    NON_ACCEPTANCE = "non-accettazione", _("Non-acceptance (non accettazione)")
    TAKEN_IN_CHARGE = "presa-in-carico", _("Taken in charge (presa in carico)")
    DELIVERY = "avvenuta-consegna", _("Delivery (consegna)")
    DELIVERY_ERROR = "errore-consegna", _("Delivery failure (mancata consegna)")
    DELIVERY_WARNING = "preavviso-errore-consegna", _("Delivery failure warning")
    VIRUS = "rilevazione-virus", _("Virus detected")


class PecReceipt(models.Model):
    """A PEC acceptance/delivery receipt: part of the legal trail of an outgoing message."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    inbound = models.OneToOneField(
        Inbound, on_delete=models.CASCADE, related_name="pec_receipt", verbose_name=_("receipt")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=PecReceiptKind.choices)
    refers_to_message_id = models.CharField(_("refers to Message-ID"), max_length=255, blank=True)
    outbound = models.ForeignKey(
        "notify.OutboundEmail",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pec_receipts",
        verbose_name=_("outgoing message"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pec_receipts",
        verbose_name=_("case"),
    )
    sender = models.CharField(_("sender"), max_length=255, blank=True)
    recipient = models.CharField(_("recipient"), max_length=255, blank=True)
    provider = models.CharField(_("provider"), max_length=255, blank=True)
    identifier = models.CharField(_("PEC identifier"), max_length=255, blank=True)
    certified_at = models.DateTimeField(_("certified at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("PEC receipt")
        verbose_name_plural = _("PEC receipts")
        ordering = ["certified_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.refers_to_message_id}"


class ChatSettings(models.Model):
    """A tenant's chat: the queue conversations wait in, and when the chat is staffed.

    With a ``calendar`` (an SLA business calendar: slots, holidays, closures) the chat is
    open exactly when that calendar is; ``greetings`` maps a language code to the first
    line the visitor reads. Without a calendar, ``hours`` maps ISO weekdays ("1" = Monday
    ... "7") to ``[["09:00", "18:00"], ...]`` in the tenant's time zone; empty means always
    open. Public holidays of the tenant's country close it (the ``holidays`` package). Out
    of hours the portal offers the web form instead.
    """

    organization = models.OneToOneField(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    queue = models.ForeignKey(
        "routing.Queue",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chat queue"),
    )
    hours = models.JSONField(_("opening hours"), default=dict, blank=True)
    calendar = models.ForeignKey(
        "sla.Calendar",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opening hours (business calendar)"),
    )
    greetings = models.JSONField(_("greetings"), default=dict, blank=True)
    closed_on_holidays = models.BooleanField(_("closed on public holidays"), default=True)
    is_enabled = models.BooleanField(_("chat enabled"), default=True)

    class Meta:
        verbose_name = _("chat settings")
        verbose_name_plural = _("chat settings")

    def __str__(self) -> str:
        return str(self.organization_id)


class WebFormSettings(models.Model):
    """A tenant's web form: which topics it offers and its limits.

    ``topics`` empty offers every active topic. The abuse limits are CAPTCHA-free counts per
    hour: ``max_per_ip_per_hour`` submissions from one client IP address and
    ``max_per_email_per_hour`` from one e-mail address (0: no limit of that kind).
    ``max_attachments`` / ``max_attachment_bytes`` bound the files of one submission. The
    portal reads them through ``channels.selectors.webform_settings`` (defaults from the
    ``HELPLINE_*`` settings when the tenant has no row).
    """

    organization = models.OneToOneField(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    topics = models.ManyToManyField(
        "cases.Topic", blank=True, related_name="+", verbose_name=_("topics offered")
    )
    attachments_allowed = models.BooleanField(_("attachments allowed"), default=True)
    max_attachments = models.PositiveSmallIntegerField(_("files per submission"), default=3)
    max_attachment_bytes = models.PositiveBigIntegerField(
        _("largest file (bytes)"), default=10 * 1024 * 1024
    )
    max_per_ip_per_hour = models.PositiveIntegerField(
        _("submissions per IP address and hour"), default=10
    )
    max_per_email_per_hour = models.PositiveIntegerField(
        _("submissions per e-mail address and hour"), default=5
    )

    class Meta:
        verbose_name = _("web form settings")
        verbose_name_plural = _("web form settings")

    def __str__(self) -> str:
        return str(self.organization_id)


class ChatState(models.TextChoices):
    WAITING = "waiting", _("Waiting for an operator")
    ACTIVE = "active", _("In conversation")
    ENDED = "ended", _("Ended")


class ChatSession(models.Model):
    """A chat conversation from the portal; its lines are messages on ``case``.

    ``token`` is the visitor's secret for the conversation (in the page URL); operators
    reach the session through the desk, scoped by organisation.
    """

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="+", verbose_name=_("case")
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    visitor_name = models.CharField(_("visitor"), max_length=200)
    state = models.CharField(
        _("state"), max_length=8, choices=ChatState.choices, default=ChatState.WAITING
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("operator"),
    )
    started_at = models.DateTimeField(_("started at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("chat")
        verbose_name_plural = _("chats")
        indexes = [
            models.Index(
                fields=["organization", "state", "started_at"],
                condition=Q(state__in=["waiting", "active"]),
                name="chat_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.visitor_name} ({self.state})"
