"""SLA: business calendars, policies with targets and escalation rules, per-case clocks,
and penalty rules. The arithmetic lives in ``businesstime``; every write in ``services``."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helpline.cases.choices import CaseType, Channel, Level, Severity, Status, Urgency


class HolidayCountry(models.TextChoices):
    BRAZIL = "BR", _("Brazil")
    ITALY = "IT", _("Italy")
    CZECHIA = "CZ", _("Czechia")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Calendar(models.Model):
    """Opening hours of a tenant (or of one of its channels or queues) in a time zone, with
    the public holidays of a country and region, one-off closures and extra openings."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="sla_calendars",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=120)
    time_zone = models.CharField(_("time zone"), max_length=64)
    holiday_country = models.CharField(
        _("holidays of"), max_length=2, choices=HolidayCountry.choices, blank=True
    )
    holiday_subdivision = models.CharField(
        _("region or state"),
        max_length=40,
        blank=True,
        help_text=_("Code of the state, region or province for local holidays (e.g. SP, RM)."),
    )
    is_default = models.BooleanField(
        _("tenant default"),
        default=False,
        help_text=_("Used when neither the policy, the queue nor the channel names a calendar."),
    )
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=Channel.choices,
        blank=True,
        help_text=_("Use this calendar for cases of this channel."),
    )
    queue = models.ForeignKey(
        "routing.Queue",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("queue"),
        help_text=_("Use this calendar for cases in this queue."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_sla_calendar_name")
        ]

    def __str__(self) -> str:
        return self.name


class OpeningSlot(models.Model):
    """Open on a weekday from ``start`` to ``end``; an end at or before the start crosses
    midnight (22:00-06:00), 00:00-00:00 is the whole day."""

    calendar = models.ForeignKey(
        Calendar, on_delete=models.CASCADE, related_name="slots", verbose_name=_("calendar")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("opens at"))
    end = models.TimeField(_("closes at"))

    class Meta:
        verbose_name = _("opening slot")
        verbose_name_plural = _("opening slots")
        ordering = ["weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class ExceptionKind(models.TextChoices):
    CLOSURE = "closure", _("Closure")
    OPENING = "opening", _("Extra opening")


class CalendarException(models.Model):
    """A one-off closure or extra opening, in wall-clock time of the calendar's zone, from
    ``starts_on`` at ``start_time`` (00:00 if blank) to ``ends_on`` at ``end_time`` (end of
    day if blank)."""

    calendar = models.ForeignKey(
        Calendar, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("calendar")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ExceptionKind.choices)
    starts_on = models.DateField(_("from date"))
    start_time = models.TimeField(_("from time"), null=True, blank=True)
    ends_on = models.DateField(_("to date"))
    end_time = models.TimeField(_("to time"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["starts_on", "start_time"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on}-{self.ends_on}"


class TargetKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")
    ON_SITE = "on_site", _("On-site intervention")


class TargetUnit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    WORKING_DAYS = "working_days", _("working days")
    CALENDAR_DAYS = "calendar_days", _("calendar days")


def default_pause_statuses() -> list[str]:
    return [Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY]


class Policy(models.Model):
    """Targets for the cases matching its conditions (blank: any). Policies are tried in
    ``position`` order and the first match wins."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="sla_policies",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    calendar = models.ForeignKey(
        Calendar,
        # RESTRICT, not PROTECT: deleting a whole organisation (policies included) works.
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="policies",
        verbose_name=_("calendar"),
        help_text=_("Blank: the queue's, the channel's or the tenant's default calendar."),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    case_type = models.CharField(_("type"), max_length=32, choices=CaseType.choices, blank=True)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, blank=True)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, blank=True)
    topic = models.ForeignKey(
        "cases.Topic",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("topic"),
    )
    segment = models.ForeignKey(
        "customers.Segment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("segment"),
    )
    pause_statuses = models.JSONField(
        _("statuses that pause the clocks"), default=default_pause_statuses, blank=True
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class PolicyTarget(models.Model):
    """One target of a policy, e.g. resolution within 5 working days, warning at 80%."""

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="targets", verbose_name=_("policy")
    )
    kind = models.CharField(_("target"), max_length=16, choices=TargetKind.choices)
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=16, choices=TargetUnit.choices)
    business_time = models.BooleanField(
        _("business time"),
        default=True,
        help_text=_("Count only open hours of the calendar (minutes and hours targets)."),
    )
    warning_percent = models.PositiveSmallIntegerField(
        _("warning threshold (percent of the target)"), default=80
    )

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["policy", "kind"], name="uniq_sla_target_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount} {self.get_unit_display()}"


class Trigger(models.TextChoices):
    WARNING = "warning", _("Warning")
    BREACH = "breach", _("Breach")


class EscalationAction(models.TextChoices):
    NOTIFY_SUPERVISOR = "notify_supervisor", _("Notify the supervisors")
    RAISE_URGENCY = "raise_urgency", _("Raise the urgency")
    MOVE_TO_LEVEL = "move_to_level", _("Move to a level (L2, back office)")
    MOVE_TO_QUEUE = "move_to_queue", _("Move to a queue")
    PAGE_ON_CALL = "page_on_call", _("Page the on-call person")


class EscalationRule(models.Model):
    """What the ticker does when a target of the policy warns or is breached."""

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("policy")
    )
    target_kind = models.CharField(
        _("target"), max_length=16, choices=TargetKind.choices, blank=True
    )
    trigger = models.CharField(_("when"), max_length=10, choices=Trigger.choices)
    action = models.CharField(_("action"), max_length=20, choices=EscalationAction.choices)
    level = models.CharField(_("level"), max_length=4, choices=Level.choices, blank=True)
    queue = models.ForeignKey(
        "routing.Queue",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("queue"),
    )
    on_call = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("on-call person"),
    )

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")

    def __str__(self) -> str:
        return f"{self.get_trigger_display()}: {self.get_action_display()}"


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    STOPPED = "stopped", _("Stopped")


class Clock(models.Model):
    """One target's clock on one case.

    ``pauses`` holds ``[paused, resumed]`` pairs in UTC epoch seconds (``resumed`` null while
    paused), so the due date can be recomputed from scratch whenever the target, the policy
    or the calendar changes: ``due_at`` is the instant the target's budget of (business)
    time is used up, counting from ``started_at`` and skipping the pauses.
    """

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="sla_clocks", verbose_name=_("case")
    )
    kind = models.CharField(_("target"), max_length=16, choices=TargetKind.choices)
    policy = models.ForeignKey(
        Policy, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("policy")
    )
    calendar = models.ForeignKey(
        Calendar,
        on_delete=models.SET_NULL,
        null=True,
        related_name="clocks",
        verbose_name=_("calendar"),
    )
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=16, choices=TargetUnit.choices)
    business_time = models.BooleanField(_("business time"), default=True)
    warning_percent = models.PositiveSmallIntegerField(
        _("warning threshold (percent of the target)"), default=80
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ClockState.choices, default=ClockState.RUNNING
    )
    started_at = models.DateTimeField(_("started at"))
    pauses = models.JSONField(_("pauses"), default=list, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    budget_seconds = models.BigIntegerField(_("target in seconds"), default=0)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    elapsed_seconds = models.BigIntegerField(
        _("time elapsed (seconds)"),
        default=0,
        help_text=_("Business (or calendar) time used, as of the last pause or stop."),
    )

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["started_at", "id"]
        indexes = [
            # The ticker's two scans: only running clocks still to warn / to breach.
            models.Index(
                fields=["due_at"],
                name="sla_clock_due",
                condition=Q(state="running", breached_at__isnull=True),
            ),
            models.Index(
                fields=["warn_at"],
                name="sla_clock_warn",
                condition=Q(state="running", warned_at__isnull=True),
            ),
            models.Index(fields=["case", "kind"], name="sla_clock_case"),
            models.Index(fields=["organization", "breached_at"], name="sla_clock_breaches"),
            models.Index(fields=["calendar", "state"], name="sla_clock_calendar"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.state}"


class BadgeState(models.TextChoices):
    NONE = "none", _("No SLA")
    OK = "ok", _("On time")
    WARNING = "warning", _("At risk")
    BREACHED = "breached", _("Breached")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")


class CaseSla(models.Model):
    """What the desk shows of a case's clocks: the next deadline and the worst state.

    Kept beside the case (one row per case with a policy) so that the list shows badges and
    sorts by due time with one join instead of aggregating the clocks of every row.
    """

    case = models.OneToOneField(
        "cases.Case",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="sla",
        verbose_name=_("case"),
    )
    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    policy = models.ForeignKey(
        Policy, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("policy")
    )
    state = models.CharField(
        _("state"), max_length=10, choices=BadgeState.choices, default=BadgeState.NONE
    )
    next_kind = models.CharField(
        _("next target"), max_length=16, choices=TargetKind.choices, blank=True
    )
    next_due_at = models.DateTimeField(_("next due at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case SLA")
        verbose_name_plural = _("case SLAs")
        indexes = [
            models.Index(fields=["organization", "state", "next_due_at"], name="sla_case_state"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.state}"


class PenaltyKind(models.TextChoices):
    PER_HOUR = "per_hour", _("Per started hour of delay")
    PER_WORKING_DAY = "per_working_day", _("Per started working day of delay")
    PER_BREACH = "per_breach", _("Per breached case")
    FIXED = "fixed", _("Fixed amount in a month with a breach")


class PenaltyRule(models.Model):
    """A contractual penalty, applied to the breaches of a month that match its filters."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="sla_penalty_rules",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=PenaltyKind.choices)
    target_kind = models.CharField(
        _("target"), max_length=16, choices=TargetKind.choices, blank=True
    )
    case_type = models.CharField(_("type"), max_length=32, choices=CaseType.choices, blank=True)
    policy = models.ForeignKey(
        Policy,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("policy"),
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    monthly_cap = models.DecimalField(
        _("monthly cap"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("penalty rule")
        verbose_name_plural = _("penalty rules")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StatementImmutable(Exception):
    """An issued penalty statement is never changed: later changes are adjustment lines of
    the month in which they become known."""


class PenaltyStatement(models.Model):
    """An issued monthly penalty statement: numbered per tenant without gaps, its lines and
    totals stored as they were issued, never changed afterwards."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="sla_penalty_statements",
        verbose_name=_("organisation"),
    )
    number = models.PositiveIntegerField(_("number"))
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_by_label = models.CharField(_("issued by"), max_length=200, blank=True)
    #: Per rule, as issued: rule_id, name, kind, currency, monthly_cap, gross, net.
    rules = models.JSONField(_("rule totals"), default=list)
    #: Per currency, the total after caps (decimal strings).
    totals = models.JSONField(_("totals"), default=dict)

    class Meta:
        verbose_name = _("penalty statement")
        verbose_name_plural = _("penalty statements")
        ordering = ["organization", "number"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="sla_statement_number_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "year", "month"], name="sla_statement_month_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.year:04d}-{self.month:02d})"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise StatementImmutable("an issued penalty statement cannot be changed")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class PenaltyStatementLine(models.Model):
    """One line of an issued statement: a breach of the month, or an adjustment to a breach
    billed in an earlier month (``adjusts_year``/``adjusts_month`` name that month)."""

    statement = models.ForeignKey(PenaltyStatement, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    clock = models.ForeignKey(
        Clock, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    case_id = models.BigIntegerField(_("case"))
    protocol = models.CharField(_("protocol"), max_length=64)
    title = models.CharField(_("title"), max_length=300, blank=True)
    target_kind = models.CharField(_("target"), max_length=16, choices=TargetKind.choices)
    due_at = models.DateTimeField(_("due"))
    actual_at = models.DateTimeField(_("met at"), null=True, blank=True)
    delay_seconds = models.BigIntegerField(_("delay (seconds)"))
    delay_working_days = models.IntegerField(_("working days late"))
    #: rule id (as a string) -> amount (decimal string)
    amounts = models.JSONField(_("amounts"), default=dict)
    adjusts_year = models.PositiveSmallIntegerField(null=True, blank=True)
    adjusts_month = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("penalty statement line")
        verbose_name_plural = _("penalty statement lines")
        ordering = ["statement", "position"]

    def __str__(self) -> str:
        return f"{self.protocol} {self.target_kind}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise StatementImmutable("an issued penalty statement cannot be changed")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
