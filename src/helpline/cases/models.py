"""Cases with protocol numbers, the topic catalogue, messages, attachments and tasks."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from helpline.cases.choices import (
    CaseType,
    Channel,
    Level,
    MessageDirection,
    Severity,
    Status,
    Urgency,
)


class Topic(models.Model):
    """First level of a tenant's catalogue (e.g. "Street lighting", "Billing")."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="topics",
        verbose_name=_("organisation"),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["position", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organization", "code"], name="uniq_topic_code")
        ]

    def __str__(self) -> str:
        return self.name


class Subject(models.Model):
    """Second level of the catalogue, under a topic (e.g. "Pole out of order")."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="subjects",
        verbose_name=_("organisation"),
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="subjects", verbose_name=_("topic")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    default_case_type = models.CharField(
        _("default case type"), max_length=32, choices=CaseType.choices, blank=True
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["position", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["topic", "code"], name="uniq_subject_code")
        ]

    def __str__(self) -> str:
        return f"{self.topic} › {self.name}"


class ProtocolCounter(models.Model):
    """The last protocol sequence number given out per organisation and year.

    Incremented inside the transaction that creates the case, so a rolled-back creation
    gives its number back and the series stays gap-free (see ``cases.protocol``).
    """

    organization = models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organization", "year"], name="uniq_protocol_counter")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.year}: {self.last_seq}"


class Case(models.Model):
    """A contact's case, identified to the customer by its protocol number."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="cases",
        verbose_name=_("organisation"),
    )
    protocol_number = models.CharField(_("protocol number"), max_length=40)
    protocol_year = models.PositiveSmallIntegerField(verbose_name=_("protocol year"))
    protocol_seq = models.PositiveBigIntegerField(verbose_name=_("protocol sequence number"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    case_type = models.CharField(_("type"), max_length=32, choices=CaseType.choices)
    topic = models.ForeignKey(
        Topic,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("topic"),
    )
    subject = models.ForeignKey(
        Subject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("subject"),
    )
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL
    )
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices, default=Severity.MINOR
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.NEW
    )
    level = models.CharField(_("level"), max_length=4, choices=Level.choices, default=Level.L1)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    requester = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("requester"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
    )
    queue = models.ForeignKey(
        "routing.Queue",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("queue"),
    )
    related_case = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("related case"),
        help_text=_("For a reminder: the case it chases."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    status_link_version = models.PositiveIntegerField(
        _("status link version"),
        default=0,
        db_default=0,
        help_text=_("Status links carry this number; revoking them increments it."),
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organization", "protocol_number"], name="uniq_case_protocol"
            ),
            models.UniqueConstraint(
                fields=["organization", "protocol_year", "protocol_seq"],
                name="uniq_case_protocol_seq",
            ),
        ]
        # The desk list is keyset-paginated on (created_at, id) within an organisation,
        # optionally narrowed by status/assignee/topic: each index serves one such path.
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="case_org_created"),
            models.Index(
                fields=["organization", "status", "-created_at", "-id"], name="case_org_status"
            ),
            models.Index(
                fields=["organization", "assignee", "-created_at", "-id"], name="case_org_assignee"
            ),
            models.Index(
                fields=["organization", "topic", "-created_at", "-id"], name="case_org_topic"
            ),
            models.Index(fields=["organization", "requester"], name="case_org_requester"),
        ]

    def __str__(self) -> str:
        return f"{self.protocol_number} {self.title}"

    @property
    def is_active(self) -> bool:
        from helpline.cases.choices import ACTIVE_STATUSES

        return self.status in ACTIVE_STATUSES


#: Fields whose changes go to the audit log.
CASE_AUDITED_FIELDS = (
    "protocol_number",
    "channel",
    "case_type",
    "topic",
    "subject",
    "urgency",
    "severity",
    "status",
    "level",
    "title",
    "description",
    "requester",
    "assignee",
    "queue",
    "related_case",
)


class Message(models.Model):
    """A message on a case: from the customer, to the customer, or an internal note."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="messages", verbose_name=_("case")
    )
    direction = models.CharField(_("direction"), max_length=10, choices=MessageDirection.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author (user)"),
    )
    author_customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author (customer)"),
    )
    body = models.TextField(_("text"))
    #: Who really wrote an inbound message (the From of a mail), which may be someone
    #: other than the case's requester (a colleague, a relative); blank when unknown.
    sender_email = models.CharField(_("sender's address"), max_length=254, blank=True)
    sender_name = models.CharField(_("sender's name"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.created_at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    """A file attached to a message, stored once per content (path derives from SHA-256)."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("message")
    )
    file = models.FileField(_("file"), max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class CaseTask(models.Model):
    """A piece of work done (or to do) on a case until its closure."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("case")
    )
    title = models.CharField(_("task"), max_length=200)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title
