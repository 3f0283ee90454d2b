"""Planning the demo's cases in memory: who contacts the service, when, through which channel,
about what, and everything that happens to each case afterwards.

Planning is pure Python on a seeded ``Random``, so the same seed and ``now`` give the same
demo. The loader then replays every step, all cases interleaved, in time order through the
real services; steps planned after ``now`` are left out, which is what leaves recent cases
open, waiting or unassigned while older ones are closed.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from helpline.cases.choices import TRANSITIONS, CaseType, Level, MessageDirection, Status, Urgency
from helpline.demo.spec import ReportBurst, SubjectSpec, TenantSpec, TopicSpec
from helpline.demo.timing import PROFILE_OF_CHANNEL, contact_time, work_time

#: Channels where an operator talks to the customer and opens the case themselves.
SYNC_CHANNELS = ("phone", "counter", "chat", "callback")
URGENCIES = (Urgency.LOW, Urgency.NORMAL, Urgency.HIGH, Urgency.EMERGENCY)
SEVERITY_BY_URGENCY = {
    Urgency.LOW: (("minor", 1.0),),
    Urgency.NORMAL: (("minor", 0.7), ("moderate", 0.3)),
    Urgency.HIGH: (("moderate", 0.6), ("major", 0.4)),
    Urgency.EMERGENCY: (("major", 0.5), ("critical", 0.5)),
}
#: How long the back office takes to resolve, in hours, by urgency.
RESOLUTION_HOURS = {
    Urgency.EMERGENCY: (1, 6),
    Urgency.HIGH: (4, 40),
    Urgency.NORMAL: (20, 150),
    Urgency.LOW: (60, 360),
}
SPEED = {Urgency.EMERGENCY: 0.05, Urgency.HIGH: 0.4, Urgency.NORMAL: 1.0, Urgency.LOW: 1.8}

REMINDER_SHARE = 0.06
ENQUIRY_SHARE = 0.03
REOPEN_SHARE = 0.06
STALE_SHARE = 0.05
#: Cases opened in the last RICH_DAYS days get full histories (see _History.rich).
RICH_DAYS = 21

Who = tuple[str, str]  # ("user", username) | ("customer", "") | ("system", label)


class SafeDict(dict[str, str]):
    """Leaves unknown ``{placeholders}`` in place for a later pass."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass
class Step:
    at: datetime
    plan: int
    seq: int
    kind: str  # open, message, status, assign, urgency, task, task_done
    who: Who
    args: dict[str, Any]


@dataclass
class CustomerInfo:
    greeting: str
    has_email: bool
    segment: str


@dataclass
class Staff:
    operators: list[str]
    l2: str
    bo: str
    supervisor: str


@dataclass
class CasePlan:
    idx: int
    at: datetime
    channel: str
    case_type: str
    topic: str
    subject: str
    urgency: str
    final_urgency: str
    severity: str
    title: str
    description: str
    customer: int | None
    queue: str
    related: int | None = None
    assignee: str | None = None
    closed_at: datetime | None = None
    variant: int = 0  # which of a subject's parallel texts this case uses
    burst: ReportBurst | None = None
    ctx: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)


@dataclass
class _Head:
    """A case before its history: what, when, who."""

    at: datetime
    channel: str
    topic: TopicSpec
    subject: SubjectSpec
    kind: str  # "normal", "reminder" or "enquiry"
    urgency: str
    customer: int | None
    burst: ReportBurst | None = None


class Planner:
    """Plans ``n_cases`` cases for one tenant."""

    def __init__(
        self,
        *,
        spec: TenantSpec,
        rng: Random,
        now: datetime,
        customers: list[CustomerInfo],
        n_cases: int,
        staff: Staff,
        queues: dict[str, str],
        days: int = 90,
    ) -> None:
        self.spec = spec
        self.rng = rng
        self.now = now
        self.tz = ZoneInfo(spec.time_zone)
        self.customers = customers
        self.n_cases = n_cases
        self.staff = staff
        self.queues = queues  # "pec" / segment code / "" -> L1 queue code
        self.days = days
        self.subjects = spec.subjects()
        self.channels = list(spec.channels)
        # Some customers call often, most rarely: a Zipf-like popularity over a shuffled list.
        order = list(range(len(customers)))
        rng.shuffle(order)
        self._popular = order
        self._popular_cum = list(
            itertools.accumulate(1 / (rank + 1) ** 0.75 for rank in range(len(order)))
        )
        self.plans: list[CasePlan] = []

    # --- heads --------------------------------------------------------------------------

    def _customer(self) -> int | None:
        if not self.customers:
            return None
        x = self.rng.random() * self._popular_cum[-1]
        return self._popular[bisect.bisect_left(self._popular_cum, x)]

    def _subject(self, case_type: str | None = None) -> tuple[TopicSpec, SubjectSpec]:
        pool = [(t, s) for t, s in self.subjects if case_type is None or s.case_type == case_type]
        pool = pool or self.subjects
        return self.rng.choices(pool, weights=[s.weight for _t, s in pool])[0]

    def _urgency(self, subject: SubjectSpec) -> str:
        return self.rng.choices(URGENCIES, weights=subject.urgency)[0]

    def _channel(self, urgency: str) -> str:
        if urgency == Urgency.EMERGENCY and self.rng.random() < 0.8:
            return "phone"
        return self.rng.choices(self.channels, weights=list(self.spec.channels.values()))[0]

    def _time(self, channel: str, urgency: str, *, max_days: float | None = None) -> datetime:
        profile = "any" if urgency == Urgency.EMERGENCY else PROFILE_OF_CHANNEL[channel]
        return contact_time(
            self.rng,
            profile=profile,
            tz=self.tz,
            now=self.now,
            max_days_ago=max_days if max_days is not None else self.days,
        )

    def _heads(self) -> list[_Head]:
        rng, heads = self.rng, []
        # Make sure every channel and every case type shows up, even in a small demo.
        forced_channels = list(self.channels)
        forced_types = [t for t in CaseType.values if t != CaseType.REMINDER]
        forced_types.insert(3, CaseType.REMINDER)
        burst_counts = [(inc, round(inc.share * self.n_cases)) for inc in self.spec.bursts]
        for i in range(self.n_cases):
            kind = "normal"
            forced_type = forced_types[i] if i < len(forced_types) else None
            if forced_type == CaseType.REMINDER:
                kind = "reminder"
            elif forced_type is None:
                roll = rng.random()
                if roll < REMINDER_SHARE:
                    kind = "reminder"
                elif roll < REMINDER_SHARE + ENQUIRY_SHARE:
                    kind = "enquiry"
            topic, subject = self._subject(
                forced_type if forced_type not in (None, CaseType.REMINDER) else None
            )
            urgency = self._urgency(subject)
            channel = forced_channels[i] if i < len(forced_channels) else self._channel(urgency)
            max_days = 12 if kind == "reminder" and forced_type else None
            heads.append(
                _Head(
                    at=self._time(channel, urgency, max_days=max_days),
                    channel=channel,
                    topic=topic,
                    subject=subject,
                    kind=kind,
                    urgency=urgency,
                    customer=self._customer(),
                )
            )
        # Bursts of reports: on one day many people report the same outage. They stay
        # ordinary, separate cases, each handled on its own (Helpline does not link them).
        start = max(len(forced_types), len(forced_channels))
        for inc, count in burst_counts:
            pool = [h for h in heads[start:] if h.kind == "normal"]
            topic, subject = next((t, s) for t, s in self.subjects if s.code == inc.subject)
            for head in pool[:count]:
                head.topic, head.subject, head.burst = topic, subject, inc
                head.urgency = rng.choice((Urgency.NORMAL, Urgency.HIGH, Urgency.HIGH))
                head.channel = rng.choices(("phone", "web", "chat", "callback"), (6, 1, 2, 1))[0]
                head.at = self.burst_time(inc)
            start += count
        heads.sort(key=lambda h: h.at)
        return heads

    def burst_time(self, inc: ReportBurst) -> datetime:
        local_now = self.now.astimezone(self.tz)
        day = (local_now - timedelta(days=inc.days_ago)).replace(
            hour=6, minute=30, second=0, microsecond=0
        )
        moment = day + timedelta(minutes=abs(self.rng.gauss(180, 150)) % 900)
        return moment.astimezone(ZoneInfo("UTC"))

    # --- plans --------------------------------------------------------------------------

    def plan(self) -> list[CasePlan]:
        for head in self._heads():
            self._plan_case(head)
        return self.plans

    def _active_before(self, at: datetime, customer: int | None) -> list[CasePlan]:
        """Cases a reminder at ``at`` could chase: older than a day, not yet closed then."""
        limit = at - timedelta(days=1)
        candidates = [
            p
            for p in self.plans
            if p.at < limit
            and p.customer is not None
            and p.case_type != CaseType.REMINDER
            and (p.closed_at is None or p.closed_at > at)
        ]
        mine = [p for p in candidates if p.customer == customer]
        return mine or candidates

    def _plan_case(self, head: _Head) -> None:
        rng, texts = self.rng, self.spec.texts
        related: CasePlan | None = None
        customer = head.customer
        topic, subject = head.topic, head.subject
        case_type = subject.case_type
        if head.kind in ("reminder", "enquiry"):
            candidates = self._active_before(head.at, customer)
            if not candidates and head.kind == "reminder":
                candidates = [p for p in self.plans if p.at < head.at and p.customer is not None]
            if candidates:
                related = rng.choice(candidates)
                customer = related.customer
                topic, subject = self._topic_subject(related.subject)
                case_type = (
                    CaseType.REMINDER if head.kind == "reminder" else CaseType.STATUS_ENQUIRY
                )
        # Simple information calls are often anonymous.
        if (
            related is None
            and head.channel in SYNC_CHANNELS
            and subject.path == "l1"
            and rng.random() < 0.25
        ):
            customer = None
        ctx = SafeDict(self.spec.placeholders(rng, head.at.astimezone(self.tz)))
        if head.burst is not None:
            ctx.update(head.burst.place)
        ctx["greeting"] = (
            self.customers[customer].greeting if customer is not None else texts.anonymous_greeting
        )
        if related is not None:
            ctx["ref_title"] = related.title
            titles = (
                texts.reminder_titles if case_type == CaseType.REMINDER else texts.enquiry_titles
            )
            descriptions = (
                texts.reminder_descriptions
                if case_type == CaseType.REMINDER
                else texts.enquiry_descriptions
            )
        else:
            titles, descriptions = subject.titles, subject.descriptions
        final = head.urgency
        initial = final
        if final == Urgency.EMERGENCY and rng.random() < 0.6:
            initial = Urgency.HIGH
        elif final == Urgency.HIGH and rng.random() < 0.25:
            initial = Urgency.NORMAL
        sev_names, sev_weights = zip(*SEVERITY_BY_URGENCY[Urgency(final)], strict=True)
        segment = self.customers[customer].segment if customer is not None else ""
        queue = (
            self.queues.get("pec") if head.channel == "pec" else self.queues.get(segment)
        ) or self.queues[""]
        variant = rng.randrange(1 << 16)
        plan = CasePlan(
            idx=len(self.plans),
            variant=variant,
            at=head.at,
            channel=head.channel,
            case_type=case_type,
            topic=topic.code,
            subject=subject.code,
            urgency=initial,
            final_urgency=final,
            severity=rng.choices(sev_names, weights=sev_weights)[0],
            title=titles[variant % len(titles)].format_map(ctx)[:200],
            description=descriptions[variant % len(descriptions)].format_map(ctx),
            customer=customer,
            queue=queue,
            related=related.idx if related is not None else None,
            burst=head.burst,
            ctx=ctx,
        )
        self.plans.append(plan)
        _History(self, plan, subject, related).build()

    def _topic_subject(self, code: str) -> tuple[TopicSpec, SubjectSpec]:
        return next((t, s) for t, s in self.subjects if s.code == code)


class _History:
    """Builds one case's steps, keeping a clock and the status the services will reach."""

    def __init__(
        self, planner: Planner, plan: CasePlan, subject: SubjectSpec, related: CasePlan | None
    ) -> None:
        self.p = planner
        self.rng = planner.rng
        self.plan = plan
        self.subject = subject
        self.related = related
        self.texts = planner.spec.texts
        self.t = plan.at
        self.status: str = Status.NEW
        self.seq = 0
        self.emergency = plan.final_urgency == Urgency.EMERGENCY
        self.customer = planner.customers[plan.customer] if plan.customer is not None else None
        # Recent cases (the ones people open in the desk) and a sample of older ones get the
        # full story; the rest get the steps their statistics need and few extras.
        self.rich = plan.at >= planner.now - timedelta(days=RICH_DAYS) or self.rng.random() < 0.12

    def extra(self, p: float, lean: float | None = None) -> bool:
        """Whether an optional step happens: probability ``p`` on a rich case, ``lean``
        (default a quarter of ``p``) on the others."""
        return self.rng.random() < (p if self.rich else (p / 4 if lean is None else lean))

    # --- primitives -------------------------------------------------------------------

    def _add(self, kind: str, who: Who, **args: Any) -> None:
        self.plan.steps.append(Step(self.t, self.plan.idx, self.seq, kind, who, args))
        self.seq += 1

    def _text(self, options: tuple[str, ...]) -> str:
        return self.rng.choice(options).format_map(self.plan.ctx)

    def _matching(self, options: tuple[str, ...]) -> str:
        """The variant of a subject's texts that answers this case's title and description
        (the data modules list titles, descriptions, answers and resolutions in parallel)."""
        return options[self.plan.variant % len(options)].format_map(self.plan.ctx)

    def wait(self, lo_min: float, hi_min: float, profile: str = "l1", scale: bool = True) -> None:
        factor = SPEED[Urgency(self.plan.final_urgency)] if scale else 1.0
        self.t += timedelta(minutes=self.rng.uniform(lo_min, hi_min) * factor)
        if self.emergency and profile != "customer":
            profile = "h24"
        if profile != "customer":
            self.t = work_time(self.rng, self.t, profile=profile, tz=self.p.tz)

    def message(self, who: Who, direction: str, body: str, channel: str | None = None) -> None:
        self._add("message", who, direction=direction, body=body, channel=channel)
        # The same automatic moves add_message makes: a first reply opens a new case, an
        # answer from the customer puts a case waiting on them back to open.
        answered = direction == MessageDirection.OUTBOUND and self.status == Status.NEW
        replied = direction == MessageDirection.INBOUND and self.status == Status.WAITING_CUSTOMER
        if answered or replied:
            self.status = Status.OPEN

    def note(self, who: Who, body: str) -> None:
        self.message(who, MessageDirection.NOTE, body)

    def set_status(self, who: Who, status: str) -> None:
        if status in TRANSITIONS[Status(self.status)]:
            self._add("status", who, status=status)
            self.status = status
            if status == Status.CLOSED and self.plan.closed_at is None:
                self.plan.closed_at = self.t

    def reply_channel(self) -> str | None:
        """Written answers to walk-in, voicemail or fax contacts go out by e-mail or phone."""
        if self.plan.channel in ("counter", "voicemail", "fax", "api"):
            return "email" if self.customer and self.customer.has_email else "phone"
        return None

    def inbound_channel(self) -> str | None:
        return None if self.plan.channel in ("email", "pec", "web", "chat") else "phone"

    # --- the story ----------------------------------------------------------------------
    # Each case gets the steps that make its statistics (opened, assigned or escalated,
    # first reply, resolution, closure) and, on a share of cases, the extras that make a
    # desk timeline worth reading (notes, questions back, tasks, thanks, reopening). The
    # shares keep ~5 service calls per case on average: the demo must load in under a
    # minute on a small machine.

    def build(self) -> None:
        plan, rng, staff = self.plan, self.rng, self.p.staff
        op = rng.choice(staff.operators)
        me: Who = ("user", op)
        sync = plan.channel in SYNC_CHANNELS
        escalated = self.subject.path != "l1" and plan.case_type not in (
            CaseType.REMINDER,
            CaseType.STATUS_ENQUIRY,
        )
        if sync:
            plan.assignee = op
            self._add("open", me)
        else:
            opener: Who = (
                ("customer", "") if plan.customer is not None else ("system", plan.channel)
            )
            self._add("open", opener)
            self.wait(10, 240)
            if not escalated:  # triage of an escalated case goes straight to its handler
                self._add("assign", me, assignee=op, level=None)
        if plan.urgency != plan.final_urgency:
            self.wait(1, 6, scale=False)
            self.note(me, self._text(self.texts.urgency_note))
            self._add("urgency", me, urgency=plan.final_urgency, severity=plan.severity)
        if plan.case_type in (CaseType.REMINDER, CaseType.STATUS_ENQUIRY) and self.related:
            self._answer_about_related(me)
        elif not escalated:
            self._front_office(me, sync)
        else:
            self._escalated(me, sync)

    def _answer_about_related(self, me: Who) -> None:
        assert self.related is not None
        texts = self.texts
        self.wait(2, 15, scale=False)
        answers = (
            texts.reminder_answers
            if self.plan.case_type == CaseType.REMINDER
            else texts.enquiry_answers
        )
        self.message(me, MessageDirection.OUTBOUND, self._matching(answers), self.reply_channel())
        # The chased case gets a note pointing at the reminder, and often more urgency.
        chased = _History(self.p, self.related, self.subject, None)
        chased.t = self.t + timedelta(minutes=1)
        chased.seq = 1000 + self.plan.idx
        if self.plan.case_type == CaseType.REMINDER:
            chased.note(
                me,
                self._text(self.texts.reminder_note).replace(
                    "{reminder}", f"{{reminder:{self.plan.idx}}}"
                ),
            )
            if (
                self.related.final_urgency in (Urgency.LOW, Urgency.NORMAL)
                and self.rng.random() < 0.3
            ):
                chased._add("urgency", me, urgency=Urgency.HIGH, severity=None)
        self.wait(1, 4, scale=False)
        self.set_status(me, Status.CLOSED)

    def _front_office(self, me: Who, sync: bool) -> None:
        answers = self.subject.answers or self.texts.generic_answers
        if sync:
            self.wait(2, 12, scale=False)
            self.message(
                me, MessageDirection.OUTBOUND, self._matching(answers), self.reply_channel()
            )
            self.wait(0.5, 3, scale=False)
            self.set_status(me, Status.CLOSED)
            return
        self.wait(5, 60)
        if self.customer is not None and self.extra(0.2):
            self._ask(me)
            self.wait(3, 60)
        self.message(me, MessageDirection.OUTBOUND, self._matching(answers), self.reply_channel())
        self._finish(me, me)

    def _ask(self, me: Who) -> None:
        asks = self.subject.asks or self.texts.asks
        self.message(me, MessageDirection.OUTBOUND, self._text(asks), self.reply_channel())
        self.set_status(me, Status.WAITING_CUSTOMER)
        self.wait(120, 4000, profile="customer", scale=False)
        self.message(
            ("customer", ""),
            MessageDirection.INBOUND,
            self._text(self.texts.customer_replies),
            self.inbound_channel(),
        )

    def _escalated(self, me: Who, sync: bool) -> None:
        rng, plan, staff = self.rng, self.plan, self.p.staff
        subject, texts = self.subject, self.texts
        if sync:
            self.wait(2, 10, scale=False)
            self.message(
                me, MessageDirection.OUTBOUND, self._text(texts.registered), self.reply_channel()
            )
        else:
            self.message(me, MessageDirection.OUTBOUND, self._text(texts.ack))
        if subject.asks and self.customer is not None and self.extra(0.3):
            self._ask(me)
            self.wait(5, 120)
        path = subject.path
        if path == "sup":
            handler, level = staff.supervisor, None
        elif path == "l2":
            handler, level = (staff.l2 if rng.random() < 0.85 else staff.bo), Level.L2
        else:
            handler, level = (staff.bo if rng.random() < 0.85 else staff.l2), Level.BO
        them: Who = ("user", handler)
        self.wait(1, 15, scale=False)
        if path != "sup" and self.extra(0.3):
            escalate = texts.escalate_l2 if path == "l2" else texts.escalate_bo
            self.note(me, self._text(escalate))
        self._add("assign", me, assignee=handler, level=level)
        if self.emergency:
            self.wait(2, 10, scale=False)
            self.note(("user", staff.supervisor), self._text(texts.emergency_note))
        if path == "sup":
            self.wait(10, 240, profile="back")
            self.note(them, self._text(texts.complaint_note))
        self.wait(30, 900, profile="back")
        if subject.notes and self.extra(0.45, lean=0.1):
            self.note(them, self._text(subject.notes))
        task = rng.choice(subject.tasks).format_map(plan.ctx) if subject.tasks else ""
        # Half the tasks are planned now and ticked off later; the rest are recorded as done.
        task_later = bool(task) and self.extra(0.5, lean=0.1)
        if task_later:
            self._add("task", them, key=0, title=task, done=False)
        if self.extra(1.0 if subject.third_party else 0.12, lean=0.5 if subject.third_party else 0):
            self.wait(5, 90, profile="back", scale=False)
            if self.extra(0.4):
                self.note(them, self._text(texts.third_party))
            self.set_status(them, Status.WAITING_THIRD_PARTY)
        lo, hi = RESOLUTION_HOURS[Urgency(plan.final_urgency)]
        hours = rng.uniform(lo, hi)
        if rng.random() < STALE_SHARE and not self.emergency:
            hours += rng.uniform(400, 1700)  # the backlog every service has
        self.t += timedelta(hours=hours)
        if plan.burst is not None:
            end = self.p.burst_time(plan.burst) + timedelta(hours=rng.uniform(26, 30))
            self.t = max(self.t, end)
        self.t = work_time(rng, self.t, profile="h24" if self.emergency else "back", tz=self.p.tz)
        if task_later:
            self._add("task_done", them, key=0)
        elif task and self.extra(1.0, lean=0.5):
            self._add("task", them, key=0, title=task, done=True)
        self.wait(5, 60, profile="back", scale=False)
        resolution = (
            (plan.burst.resolution,)
            if plan.burst is not None
            else subject.resolutions or texts.generic_resolutions
        )
        self.message(
            them, MessageDirection.OUTBOUND, self._matching(resolution), self.reply_channel()
        )
        self._finish(them, me)
        if self.customer is not None and self.status == Status.CLOSED and self.extra(REOPEN_SHARE):
            self._reopen(me, them)

    def _finish(self, them: Who, me: Who) -> None:
        """Close right after the answer, or mark resolved and have the operator close it a
        few days later (after the customer's thanks, or when no answer came)."""
        rng = self.rng
        if not self.extra(0.4, lean=0.15):
            self.wait(1, 5, scale=False)
            self.set_status(them, Status.CLOSED)
            return
        self.wait(1, 5, scale=False)
        self.set_status(them, Status.RESOLVED)
        if self.customer is not None and self.extra(0.3):
            self.wait(30, 1800, profile="customer", scale=False)
            self.message(
                ("customer", ""),
                MessageDirection.INBOUND,
                self._text(self.texts.thanks),
                self.inbound_channel(),
            )
        if rng.random() < 0.5:
            # no answer from the customer: the operator closes it after a few days
            self.wait(60 * 24, 60 * 24 * 5, profile="back", scale=False)
        else:
            self.wait(10, 60 * 24 * 3, scale=False)
        self.set_status(me, Status.CLOSED)

    def _reopen(self, me: Who, them: Who) -> None:
        self.wait(60 * 24, 60 * 24 * 12, profile="customer", scale=False)
        self.message(
            ("customer", ""),
            MessageDirection.INBOUND,
            self._text(self.texts.reopen),
            self.inbound_channel(),
        )
        self.wait(5, 120)
        self.set_status(me, Status.REOPENED)
        self.note(me, self._text(self.texts.reopen_note))
        self.wait(60, 60 * 48, profile="back")
        self.message(
            them,
            MessageDirection.OUTBOUND,
            self._text(self.subject.resolutions or self.texts.generic_resolutions),
            self.reply_channel(),
        )
        self.set_status(them, Status.RESOLVED)
        self.wait(60 * 24, 60 * 24 * 4, profile="back", scale=False)
        self.set_status(me, Status.CLOSED)
