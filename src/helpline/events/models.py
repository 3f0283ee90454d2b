"""The contact event log (ARCHITECTURE rule 4): the source of truth for statistics."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpline.cases.choices import Channel
from helpline.lib.actors import ActorKind
from helpline.lib.appendonly import AppendOnlyModel


class EventKind(models.TextChoices):
    CASE_OPENED = "case_opened", _("Case opened")
    MESSAGE_RECEIVED = "message_received", _("Message received")
    MESSAGE_SENT = "message_sent", _("Message sent")
    NOTE_ADDED = "note_added", _("Internal note added")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    ESCALATED = "escalated", _("Escalated")
    URGENCY_CHANGED = "urgency_changed", _("Urgency changed")
    RECLASSIFIED = "reclassified", _("Reclassified")
    # Routing (helpline.routing): an item's life in the queues, in queue_log style.
    QUEUED = "queued", _("Queued")
    OFFERED = "offered", _("Offered to an agent")
    OFFER_ACCEPTED = "offer_accepted", _("Offer accepted")
    OFFER_MISSED = "offer_missed", _("Offer rejected or missed")
    ABANDONED = "abandoned", _("Abandoned")
    OVERFLOWED = "overflowed", _("Overflowed")
    ROUTING_DONE = "routing_done", _("Contact finished")
    CALLBACK_REQUESTED = "callback_requested", _("Call-back requested")
    CALLBACK_ATTEMPTED = "callback_attempted", _("Call-back attempted")
    # SLA (helpline.sla): raised by the ticker and the on-site stop.
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    SLA_ESCALATED = "sla_escalated", _("SLA escalation action")
    SLA_ON_SITE = "sla_on_site", _("Technician on site")


class ContactEvent(AppendOnlyModel):
    """One thing that happened in a contact, in the style of Asterisk's queue_log.

    Reports are computed from these rows, never from mutable status fields. References to
    cases and customers carry no database constraint so that events outlive them.
    """

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("organisation"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=32, choices=EventKind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="events",
        verbose_name=_("case"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    actor_kind = models.CharField(_("actor kind"), max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("actor (user)"),
    )
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("contact event")
        verbose_name_plural = _("contact events")
        indexes = [
            models.Index(fields=["organization", "kind", "at"]),
            models.Index(fields=["case", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"
