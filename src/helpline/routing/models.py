"""Queues. The routing engine (agents, presence, offers) builds on these."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from helpline.cases.choices import Channel, Level


class Queue(models.Model):
    """A queue of work for a tenant, by topic, segment, channel and level."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="queues",
        verbose_name=_("organisation"),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=4, choices=Level.choices, default=Level.L1)
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=Channel.choices,
        blank=True,
        help_text=_("Leave blank for a queue that takes every channel."),
    )
    topics = models.ManyToManyField(
        "cases.Topic", blank=True, related_name="queues", verbose_name=_("topics")
    )
    segment = models.ForeignKey(
        "customers.Segment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="queues",
        verbose_name=_("segment"),
    )

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organization", "code"], name="uniq_queue_code")
        ]

    def __str__(self) -> str:
        return self.name
