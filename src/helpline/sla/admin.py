"""SLA configuration in the admin: calendars with their slots and exceptions, policies with
their targets and escalation rules, penalty rules; clocks read-only.

Saving a calendar (or its inlines) recomputes the deadlines of its unfinished clocks, as the
API does, so an admin edit never leaves a stale deadline behind.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from helpline.audit.admin import HelplineModelAdmin, ReadOnlyAdmin
from helpline.lib.actors import Actor
from helpline.sla.models import (
    Calendar,
    CalendarException,
    Clock,
    EscalationRule,
    OpeningSlot,
    PenaltyRule,
    PenaltyStatement,
    Policy,
    PolicyTarget,
)
from helpline.sla.services import bump_calendar


class OpeningSlotInline(admin.TabularInline):
    model = OpeningSlot
    extra = 0


class CalendarExceptionInline(admin.TabularInline):
    model = CalendarException
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(HelplineModelAdmin):
    list_display = (
        "name",
        "organization",
        "time_zone",
        "holiday_country",
        "holiday_subdivision",
        "is_default",
        "channel",
        "queue",
    )
    list_filter = ("organization", "holiday_country")
    list_select_related = ("organization", "queue")
    inlines = [OpeningSlotInline, CalendarExceptionInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if change:
            n = bump_calendar(calendar=form.instance, actor=Actor.for_user(request.user))
            messages.info(request, _("Deadlines of %(n)d open SLA clocks recomputed.") % {"n": n})


class PolicyTargetInline(admin.TabularInline):
    model = PolicyTarget
    extra = 0


class EscalationRuleInline(admin.TabularInline):
    model = EscalationRule
    extra = 0
    raw_id_fields = ("on_call",)


@admin.register(Policy)
class PolicyAdmin(HelplineModelAdmin):
    list_display = (
        "name",
        "organization",
        "position",
        "is_active",
        "channel",
        "case_type",
        "urgency",
        "severity",
        "calendar",
    )
    list_filter = ("organization", "is_active")
    list_editable = ("position", "is_active")
    list_select_related = ("organization", "calendar")
    inlines = [PolicyTargetInline, EscalationRuleInline]


@admin.register(PenaltyRule)
class PenaltyRuleAdmin(HelplineModelAdmin):
    list_display = (
        "name",
        "organization",
        "kind",
        "target_kind",
        "case_type",
        "amount",
        "currency",
        "monthly_cap",
        "is_active",
    )
    list_filter = ("organization", "kind")
    list_select_related = ("organization",)


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    list_display = ("case", "kind", "state", "started_at", "due_at", "breached_at", "stopped_at")
    list_filter = ("kind", "state")
    list_select_related = ("case",)
    raw_id_fields = ("case",)
    ordering = ("-started_at", "-id")


@admin.register(PenaltyStatement)
class PenaltyStatementAdmin(ReadOnlyAdmin):
    """Issued statements are immutable: read here, issued from the desk or the API."""

    list_display = ("number", "organization", "year", "month", "issued_at", "issued_by_label")
    list_filter = ("organization",)
    list_select_related = ("organization",)
    ordering = ("organization", "-number")
