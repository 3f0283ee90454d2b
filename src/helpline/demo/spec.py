"""The shape of a demo tenant: organisation, people, catalogue with case templates, queues.

The data modules (``valdoria``, ``aguas``) fill these in; the loader turns them into rows
through the real services. Texts may hold ``{placeholders}``: those filled while planning
come from the tenant's ``placeholders`` function and the customer (``greeting``, ``name``,
``ref_title``); ``{protocol}``, ``{ref}`` and ``{reminder}`` are protocol numbers, known only
once the case exists, and are filled when the step runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from random import Random

#: Paths a case takes after intake: answered by L1, handed to L2 technicians, to the back
#: office, or to the supervisor (complaints that may end up with an ombudsman/regulator).
PATHS = ("l1", "l2", "bo", "sup")

#: Urgency weights (low, normal, high, emergency) when a subject does not say otherwise.
DEFAULT_URGENCY = (18, 64, 15, 3)


@dataclass(frozen=True)
class UserSpec:
    username: str
    first_name: str
    last_name: str
    role: str
    title: str = ""  # what the person does, for the logins table


@dataclass(frozen=True)
class SegmentSpec:
    code: str
    name: str
    description: str
    weight: float
    kind: str  # "person", "business", "association" or "public": how customers are made


@dataclass(frozen=True)
class QueueSpec:
    code: str
    name: str
    level: str
    topics: tuple[str, ...] = ()
    channel: str = ""
    segment: str = ""


@dataclass(frozen=True)
class SubjectSpec:
    code: str
    name: str
    case_type: str
    weight: float
    path: str
    titles: tuple[str, ...]
    descriptions: tuple[str, ...]
    answers: tuple[str, ...] = ()
    resolutions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    third_party: bool = False
    urgency: tuple[int, int, int, int] = DEFAULT_URGENCY
    asks: tuple[str, ...] = ()  # questions back to the customer (waiting on customer)


@dataclass(frozen=True)
class TopicSpec:
    code: str
    name: str
    description: str
    subjects: tuple[SubjectSpec, ...]


@dataclass(frozen=True)
class ReportBurst:
    """On one day many customers report the same outage: ordinary cases, each handled and
    resolved on its own (Helpline has no mass-incident feature that links them)."""

    subject: str
    days_ago: int
    share: float  # of the tenant's cases
    place: dict[str, str]
    resolution: str


@dataclass(frozen=True)
class Texts:
    """Generic texts used on every subject's cases."""

    ack: tuple[str, ...]  # outbound acknowledgement of a written request
    registered: tuple[str, ...]  # outbound on a phone/counter case handed to L2/BO
    escalate_l2: tuple[str, ...]  # internal note when handing to L2
    escalate_bo: tuple[str, ...]  # internal note when handing to the back office
    asks: tuple[str, ...]  # outbound: we need more information
    customer_replies: tuple[str, ...]  # inbound answers to ``asks``
    third_party: tuple[str, ...]  # internal note: waiting on a contractor
    thanks: tuple[str, ...]  # inbound after resolution
    reopen: tuple[str, ...]  # inbound that reopens a closed case
    reopen_note: tuple[str, ...]
    urgency_note: tuple[str, ...]  # internal note when the operator raises urgency
    emergency_note: tuple[str, ...]  # supervisor's note on an emergency
    complaint_note: tuple[str, ...]  # supervisor's note on a complaint
    reminder_titles: tuple[str, ...]
    reminder_descriptions: tuple[str, ...]
    reminder_answers: tuple[str, ...]
    reminder_note: tuple[str, ...]  # note on the chased case
    enquiry_titles: tuple[str, ...]
    enquiry_descriptions: tuple[str, ...]
    enquiry_answers: tuple[str, ...]
    generic_resolutions: tuple[str, ...]
    generic_answers: tuple[str, ...]
    anonymous_greeting: str


@dataclass(frozen=True)
class TenantSpec:
    slug: str
    name: str
    country: str
    language: str
    time_zone: str
    prefix: str
    brand_color: str
    users: tuple[UserSpec, ...]
    email_domain: str
    segments: tuple[SegmentSpec, ...]
    queues: tuple[QueueSpec, ...]
    topics: tuple[TopicSpec, ...]
    channels: dict[str, float]  # channel -> weight
    texts: Texts
    placeholders: Callable[[Random, datetime], dict[str, str]]
    bursts: tuple[ReportBurst, ...] = field(default=())

    def subjects(self) -> list[tuple[TopicSpec, SubjectSpec]]:
        return [(t, s) for t in self.topics for s in t.subjects]
