"""Customers (minimal for now; customer 360 extends this) and user segments."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Segment(models.Model):
    """A user segment with its own lines and queues (e.g. trade associations, employees)."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="segments",
        verbose_name=_("organisation"),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organization", "code"], name="uniq_segment_code")
        ]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """A person or company who contacts the service.

    ``phone`` is E.164; ``tax_id`` is compact and validated for the tenant's country, with
    ``tax_id_kind`` naming the scheme (``br.cpf``, ``it.codicefiscale``, ``cz.rc``...).
    """

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="customers",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    tax_id = models.CharField(_("tax identifier"), max_length=32, blank=True)
    tax_id_kind = models.CharField(_("tax identifier kind"), max_length=24, blank=True)
    segment = models.ForeignKey(
        Segment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("segment"),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organization", "tax_id"],
                condition=~Q(tax_id=""),
                name="uniq_customer_tax_id",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "phone"]),
            models.Index(fields=["organization", "email"]),
            models.Index(fields=["organization", "name"]),
        ]

    def __str__(self) -> str:
        return self.name


#: Fields whose changes go to the audit log.
CUSTOMER_AUDITED_FIELDS = ("name", "email", "phone", "tax_id", "tax_id_kind", "segment", "language")
