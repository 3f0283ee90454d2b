"""The audit log: who changed what, when, with before/after values. Append-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpline.lib.actors import ActorKind
from helpline.lib.appendonly import AppendOnlyModel


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    REFUSED = "refused", _("Refused")  # a throttled login, look-up or identity check


class AuditEntry(AppendOnlyModel):
    """One create, change or delete of a case, customer or configuration record.

    Foreign keys carry no database constraint and never cascade: an entry outlives the
    record, the user and even the organisation it talks about.
    """

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor_kind = models.CharField(_("actor kind"), max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("actor (user)"),
    )
    actor_customer_id = models.BigIntegerField(null=True, verbose_name=_("actor (customer id)"))
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["organization", "object_type", "object_id", "at"]),
            models.Index(fields=["organization", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"
