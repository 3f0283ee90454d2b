"""Routing: queues, agents (presence, capacity, skills, memberships), routable tasks, offers
and call-back requests. The engine (``engine.py``) turns waiting tasks into offers; the
services (``services.py``) do every other write.

Invariants kept by the database itself, whatever process writes:
- at most one pending offer per task (partial unique index ``one_pending_offer_per_task``),
- at most one active task per case (``one_active_task_per_case``),
- an agent's load never exceeds its capacity and never goes negative (check constraints).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpline.cases.choices import Channel, Level


class Strategy(models.TextChoices):
    LONGEST_IDLE = "longest_idle", _("Longest idle agent")
    LEAST_OCCUPIED = "least_occupied", _("Least occupied agent")
    ROUND_ROBIN = "round_robin", _("Round robin")
    BEST_SKILL = "best_skill", _("Best skill match")


class OverflowAction(models.TextChoices):
    NONE = "none", _("Keep waiting")
    QUEUE = "queue", _("Move to the overflow queue")
    VOICEMAIL = "voicemail", _("Send to voicemail")
    WEB_FORM = "web_form", _("Send to the web form")


class NoAgentPolicy(models.TextChoices):
    WAIT = "wait", _("Keep waiting")
    OVERFLOW = "overflow", _("Overflow at once")


class Queue(models.Model):
    """A queue of work for a tenant, by topic, segment, channel and level, with the rules
    that decide who gets its items."""

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
    strategy = models.CharField(
        _("strategy"), max_length=20, choices=Strategy.choices, default=Strategy.LONGEST_IDLE
    )
    offer_timeout_seconds = models.PositiveIntegerField(_("offer timeout (seconds)"), default=20)
    max_missed_offers = models.PositiveSmallIntegerField(
        _("missed offers before pausing"),
        default=3,
        help_text=_("An agent who misses this many offers in a row is paused."),
    )
    wrapup_seconds = models.PositiveIntegerField(_("wrap-up (seconds)"), default=0)
    service_level_seconds = models.PositiveIntegerField(
        _("service level threshold (seconds)"),
        default=60,
        help_text=_("Items answered within this wait count as answered in time."),
    )
    overflow_after_seconds = models.PositiveIntegerField(
        _("overflow after (seconds)"), null=True, blank=True
    )
    overflow_action = models.CharField(
        _("overflow action"),
        max_length=12,
        choices=OverflowAction.choices,
        default=OverflowAction.NONE,
    )
    overflow_queue = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("overflow queue"),
    )
    no_agent_policy = models.CharField(
        _("when no agent is logged in"),
        max_length=10,
        choices=NoAgentPolicy.choices,
        default=NoAgentPolicy.WAIT,
    )
    #: Round-robin cursor: the user id last offered an item of this queue (a hint only).
    rr_last_user_id = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organization", "code"], name="uniq_queue_code")
        ]

    def __str__(self) -> str:
        return self.name


class EscalationStep(models.Model):
    """After an item has waited ``after_seconds``, widen who may take it: members up to
    ``max_member_priority`` (bullseye rings) and skill levels lowered by ``skill_relax``.
    The item keeps its place in the queue while its ring widens."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, verbose_name=_("organisation")
    )
    queue = models.ForeignKey(
        Queue, on_delete=models.CASCADE, related_name="steps", verbose_name=_("queue")
    )
    after_seconds = models.PositiveIntegerField(_("after (seconds)"))
    max_member_priority = models.PositiveSmallIntegerField(
        _("members up to priority"),
        null=True,
        blank=True,
        help_text=_("Blank: every member of the queue."),
    )
    skill_relax = models.PositiveSmallIntegerField(_("lower skill levels by"), default=0)

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        ordering = ["queue", "after_seconds"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["queue", "after_seconds"], name="uniq_step_after")
        ]

    def __str__(self) -> str:
        return f"{self.queue_id} +{self.after_seconds}s"


class QueueMember(models.Model):
    """An agent in a queue. Priority 1 is the first ring; the queue counts for this agent
    only once an item has waited ``delay_seconds`` (Amazon Connect routing-profile delay)."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, verbose_name=_("organisation")
    )
    queue = models.ForeignKey(
        Queue, on_delete=models.CASCADE, related_name="members", verbose_name=_("queue")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="queue_memberships",
        verbose_name=_("agent"),
    )
    priority = models.PositiveSmallIntegerField(_("priority"), default=1)
    delay_seconds = models.PositiveIntegerField(_("delay (seconds)"), default=0)

    class Meta:
        verbose_name = _("queue member")
        verbose_name_plural = _("queue members")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["queue", "user"], name="uniq_queue_member")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.queue_id} (p{self.priority})"


class SkillKind(models.TextChoices):
    LANGUAGE = "language", _("Language")
    TOPIC = "topic", _("Topic")
    LEVEL = "level", _("Level")
    SEGMENT = "segment", _("Segment")
    OTHER = "other", _("Other")


class Skill(models.Model):
    """A skill an item may require. Skills tied to a topic, level, language or segment are
    required automatically by cases that have it."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, verbose_name=_("organisation")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=SkillKind.choices)
    topic = models.ForeignKey(
        "cases.Topic",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("topic"),
    )
    level = models.CharField(_("level"), max_length=4, choices=Level.choices, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    segment = models.ForeignKey(
        "customers.Segment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("segment"),
    )

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["kind", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organization", "code"], name="uniq_skill_code")
        ]

    def __str__(self) -> str:
        return self.name


class AgentSkill(models.Model):
    """How well an agent masters a skill, 1 (basic) to 5 (expert)."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, verbose_name=_("organisation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agent_skills",
        verbose_name=_("agent"),
    )
    skill = models.ForeignKey(
        Skill, on_delete=models.CASCADE, related_name="agents", verbose_name=_("skill")
    )
    level = models.PositiveSmallIntegerField(_("level"), default=3)

    class Meta:
        verbose_name = _("agent skill")
        verbose_name_plural = _("agent skills")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "skill"], name="uniq_agent_skill"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="agent_skill_level_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.skill_id}@{self.level}"


class PresenceState(models.TextChoices):
    OFFLINE = "offline", _("Offline")
    AVAILABLE = "available", _("Available")
    ON_CONTACT = "on_contact", _("On a contact")
    WRAP_UP = "wrap_up", _("Wrap-up")
    PAUSED = "paused", _("Paused")


#: States in which the engine may offer work (if capacity allows).
ROUTABLE_STATES = (PresenceState.AVAILABLE, PresenceState.ON_CONTACT)
#: States an agent may choose for themselves; the others are set by the work they do.
CHOOSABLE_STATES = (PresenceState.AVAILABLE, PresenceState.PAUSED, PresenceState.OFFLINE)


class CapacityClass(models.TextChoices):
    VOICE = "voice", _("Calls")
    CHAT = "chat", _("Chats")
    WRITTEN = "written", _("Written (e-mail, web, fax)")


#: Which capacity an item of each channel uses.
CHANNEL_CAPACITY: dict[str, str] = {
    Channel.PHONE: CapacityClass.VOICE,
    Channel.CALLBACK: CapacityClass.VOICE,
    Channel.COUNTER: CapacityClass.VOICE,
    Channel.VOICEMAIL: CapacityClass.WRITTEN,
    Channel.CHAT: CapacityClass.CHAT,
    Channel.EMAIL: CapacityClass.WRITTEN,
    Channel.PEC: CapacityClass.WRITTEN,
    Channel.FAX: CapacityClass.WRITTEN,
    Channel.WEB: CapacityClass.WRITTEN,
    Channel.API: CapacityClass.WRITTEN,
}


class Agent(models.Model):
    """An operator's routing state in one organisation: presence, capacity and load.

    Capacity is per kind of work and kinds do not mix: an agent takes 1 call, *or* up to 3
    chats, *or* up to 5 written items at once (defaults). ``load_*`` counts offered and
    accepted items; offers reserve capacity so that one agent is never offered more than
    they could take.
    """

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, verbose_name=_("organisation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agents",
        verbose_name=_("user"),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=PresenceState.choices, default=PresenceState.OFFLINE
    )
    pause_reason = models.CharField(_("pause reason"), max_length=80, blank=True)
    state_since = models.DateTimeField(_("in this state since"), default=timezone.now)
    idle_since = models.DateTimeField(_("idle since"), default=timezone.now)
    wrapup_until = models.DateTimeField(_("wrap-up until"), null=True, blank=True)
    missed_in_row = models.PositiveSmallIntegerField(_("offers missed in a row"), default=0)
    capacity_voice = models.PositiveSmallIntegerField(_("calls at once"), default=1)
    capacity_chat = models.PositiveSmallIntegerField(_("chats at once"), default=3)
    capacity_written = models.PositiveSmallIntegerField(_("written items at once"), default=5)
    load_voice = models.PositiveSmallIntegerField(default=0, editable=False)
    load_chat = models.PositiveSmallIntegerField(default=0, editable=False)
    load_written = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organization", "user"], name="uniq_agent"),
            models.CheckConstraint(
                condition=Q(load_voice__lte=F("capacity_voice"))
                & Q(load_chat__lte=F("capacity_chat"))
                & Q(load_written__lte=F("capacity_written")),
                name="agent_load_within_capacity",
            ),
        ]
        indexes = [models.Index(fields=["organization", "state"], name="agent_org_state")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.organization_id} {self.state}"

    @property
    def load(self) -> int:
        return self.load_voice + self.load_chat + self.load_written

    def load_of(self, capacity_class: str) -> int:
        return int(getattr(self, f"load_{capacity_class}"))

    def capacity_of(self, capacity_class: str) -> int:
        return int(getattr(self, f"capacity_{capacity_class}"))


class PresenceChange(models.Model):
    """One presence change: the history occupancy figures are computed from."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, verbose_name=_("organisation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agent"),
    )
    state = models.CharField(_("state"), max_length=12, choices=PresenceState.choices)
    reason = models.CharField(_("reason"), max_length=80, blank=True)
    queue = models.ForeignKey(
        Queue, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("queue")
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    changed_by = models.CharField(_("changed by"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("presence change")
        verbose_name_plural = _("presence changes")
        indexes = [models.Index(fields=["organization", "user", "at"], name="presence_org_at")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.state} {self.at:%H:%M:%S}"


class TaskKind(models.TextChoices):
    CASE = "case", _("Case")
    CALLBACK = "callback", _("Call-back")


class TaskStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered")
    ASSIGNED = "assigned", _("Assigned")
    DONE = "done", _("Done")
    ABANDONED = "abandoned", _("Abandoned")
    DEFLECTED = "deflected", _("Sent to voicemail or web form")
    CANCELLED = "cancelled", _("Cancelled")


#: Statuses of a task still in the routing system.
ACTIVE_TASK_STATUSES = (TaskStatus.WAITING, TaskStatus.OFFERED, TaskStatus.ASSIGNED)


class Task(models.Model):
    """A routable item: a waiting case of any channel or a call-back request.

    Its place is ``(priority, enqueued_at, id)``: priority from urgency and type, then the
    time it first entered routing. A rejected or missed offer, an escalation step or an
    overflow never changes ``enqueued_at``, so the item never loses its place.
    """

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, verbose_name=_("organisation")
    )
    queue = models.ForeignKey(
        Queue, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("queue")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=TaskKind.choices)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="routing_tasks", verbose_name=_("case")
    )
    callback = models.ForeignKey(
        "routing.CallbackRequest",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("call-back request"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    capacity_class = models.CharField(_("capacity"), max_length=8, choices=CapacityClass.choices)
    priority = models.SmallIntegerField(_("priority"), help_text=_("Lower goes first."))
    enqueued_at = models.DateTimeField(_("waiting since"))
    queued_at = models.DateTimeField(_("in this queue since"))
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    required_skills = models.JSONField(_("required skills"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.WAITING
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("routing task")
        verbose_name_plural = _("routing tasks")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["waiting", "offered", "assigned"]),
                name="one_active_task_per_case",
            )
        ]
        indexes = [
            models.Index(
                fields=["queue", "priority", "enqueued_at", "id"],
                condition=Q(status="waiting"),
                name="task_waiting_place",
            ),
            # The engine reads waiting work of an organisation in place order across its
            # queues: with this index PostgreSQL walks in order and stops at the batch size
            # instead of sorting every waiting row (bench/routing.py).
            models.Index(
                fields=["organization", "priority", "enqueued_at", "id"],
                condition=Q(status="waiting"),
                name="task_waiting_org_place",
            ),
            models.Index(
                fields=["offer_expires_at"],
                condition=Q(status="offered"),
                name="task_offer_expiry",
            ),
            models.Index(fields=["organization", "status"], name="task_org_status"),
            models.Index(fields=["agent", "status"], name="task_agent_status"),
        ]

    def __str__(self) -> str:
        return f"task {self.pk} ({self.status})"


class OfferOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    TIMED_OUT = "timed_out", _("Timed out")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Offer(models.Model):
    """A task offered to one agent, with a deadline (a reservation, in TaskRouter terms)."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, verbose_name=_("organisation")
    )
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="offers", verbose_name=_("task")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agent"),
    )
    offered_at = models.DateTimeField(_("offered at"))
    expires_at = models.DateTimeField(_("expires at"))
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=OfferOutcome.choices, default=OfferOutcome.PENDING
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(outcome="pending"),
                name="one_pending_offer_per_task",
            )
        ]
        indexes = [models.Index(fields=["user", "outcome"], name="offer_user_outcome")]

    def __str__(self) -> str:
        return f"offer {self.pk} of task {self.task_id} to {self.user_id} ({self.outcome})"


class CallbackStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class CallbackRequest(models.Model):
    """ "Call me now" (``due_at`` = request time) or "call me back at T", retried
    ``max_attempts`` times ``retry_delay_seconds`` apart when nobody answers."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, verbose_name=_("organisation")
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="callbacks", verbose_name=_("case")
    )
    queue = models.ForeignKey(
        Queue, on_delete=models.PROTECT, related_name="+", verbose_name=_("queue")
    )
    phone = models.CharField(_("phone"), max_length=32)
    due_at = models.DateTimeField(_("call at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("maximum attempts"), default=3)
    retry_delay_seconds = models.PositiveIntegerField(_("retry after (seconds)"), default=600)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CallbackStatus.choices,
        default=CallbackStatus.SCHEDULED,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("call-back request")
        verbose_name_plural = _("call-back requests")

    def __str__(self) -> str:
        return f"call-back {self.phone} at {self.due_at:%Y-%m-%d %H:%M}"


# --- routing rules ------------------------------------------------------------------------


class RoutingRule(models.Model):
    """One rule of a tenant's ordered list that picks the queue (and priority, extra
    skills) of a new or reclassified case; the first active rule whose every condition
    holds wins (``routing.rules``).

    An empty condition list means "any". Conditions on ids (topics, subjects, segments)
    are lists of ids rather than many-to-many rows: a rule is read in one query, and a
    deleted catalogue entry narrows the rule to nothing instead of widening it to "any".
    ``reserved_line``: the rule takes only requesters who are designated persons allowed on
    the reserved line (of a customer in one of the rule's segments); everyone else falls
    through to the next rule.
    """

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("organisation"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    case_types = models.JSONField(_("case types"), default=list, blank=True)
    urgencies = models.JSONField(_("urgencies"), default=list, blank=True)
    topic_ids = models.JSONField(_("topics"), default=list, blank=True)
    subject_ids = models.JSONField(_("subjects"), default=list, blank=True)
    segment_ids = models.JSONField(_("segments"), default=list, blank=True)
    customer_kinds = models.JSONField(_("customer kinds"), default=list, blank=True)
    languages = models.JSONField(_("customer languages"), default=list, blank=True)
    reserved_line = models.BooleanField(
        _("reserved line"),
        default=False,
        help_text=_(
            "Only designated persons allowed on the reserved line match; "
            "other callers fall through to the next rule."
        ),
    )
    # RESTRICT, not PROTECT: a queue in use cannot be deleted, but deleting the whole
    # organisation (which cascades to both) can.
    queue = models.ForeignKey(
        Queue, on_delete=models.RESTRICT, related_name="routing_rules", verbose_name=_("queue")
    )
    priority = models.SmallIntegerField(
        _("priority"),
        null=True,
        blank=True,
        help_text=_("Place in the queue (lower goes first); empty: from urgency and type."),
    )
    skill_ids = models.JSONField(_("extra skills"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["organization", "position"], name="rule_org_position")]

    def __str__(self) -> str:
        return self.name


class RoutingSettings(models.Model):
    """A tenant's routing defaults: the queue a case goes to when no rule matches."""

    organization = models.OneToOneField(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="routing_settings",
        verbose_name=_("organisation"),
    )
    default_queue = models.ForeignKey(
        Queue,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default queue"),
    )

    class Meta:
        verbose_name = _("routing settings")
        verbose_name_plural = _("routing settings")

    def __str__(self) -> str:
        return str(self.organization_id)


class RouteSource(models.TextChoices):
    RULE = "rule", _("Routing rule")
    DEFAULT = "default", _("Default queue")
    MANUAL = "manual", _("Moved by hand")


class CaseRoute(models.Model):
    """How the case's current queue was chosen: by which rule, the default queue or by
    hand. One row per case, written when the rules place it (opening, reclassification)
    and when someone moves it; the case page shows it."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, verbose_name=_("organisation")
    )
    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="route", verbose_name=_("case")
    )
    source = models.CharField(_("chosen by"), max_length=10, choices=RouteSource.choices)
    rule = models.ForeignKey(
        RoutingRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rule"),
    )
    #: The rule's name when it decided (the rule may be renamed or deleted later).
    rule_name = models.CharField(_("rule name"), max_length=120, blank=True)
    queue = models.ForeignKey(
        Queue,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("queue"),
    )
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("case route")
        verbose_name_plural = _("case routes")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.source} {self.rule_name}"
