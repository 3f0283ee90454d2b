"""Build (and remove) the demo: two tenants with their catalogue, staff, customers and ~90
days of cases, written through the real services so every row has its audit entries and
contact events, placed in the past with the services' ``now=``.

Topics, subjects, segments and queues have no services yet: they are created here with the
ORM and audited as the system actor ``demo``.
"""

from __future__ import annotations

import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from helpline.audit import services as audit
from helpline.audit.models import AuditAction, AuditEntry
from helpline.cases import services as cases
from helpline.cases.models import Case, CaseTask, Subject, Topic
from helpline.customers.models import Customer, Segment
from helpline.customers.services import create_customer
from helpline.demo import people
from helpline.demo.aguas import AGUAS
from helpline.demo.channels import configure_demo_channels
from helpline.demo.customer360 import add_customer_360
from helpline.demo.plan import CasePlan, CustomerInfo, Planner, Staff, Step
from helpline.demo.routing import configure_demo_routing
from helpline.demo.sla import configure_demo_sla
from helpline.demo.spec import TenantSpec
from helpline.demo.valdoria import VALDORIA
from helpline.events.models import ContactEvent
from helpline.lib.actors import Actor
from helpline.notify.models import OutboundEmail, OutboundSms, OutboundState
from helpline.routing.models import Queue
from helpline.tenancy.models import Organization, Role
from helpline.tenancy.services import add_member, create_organization, create_user

#: Every demo tenant login has this password (the superuser gets a random one, printed once).
#: Demo only: change or remove before real use.
DEMO_PASSWORD = "demo1234"
SUPERUSER = "admin"
TENANTS: tuple[TenantSpec, ...] = (VALDORIA, AGUAS)
SYSTEM = Actor.system("demo")
DEFAULT_SEED = 20250101
DEFAULT_CUSTOMERS = 300
DEFAULT_CASES = 2000
HISTORY_DAYS = 90

_PLACEHOLDER = re.compile(r"\{(protocol|ref|reminder:\d+)\}")
#: No user gets a password hash of its own: one hash of DEMO_PASSWORD is shared (hashing
#: takes ~0.5 s each by design, which would be most of a small demo's load time).
_NO_PASSWORD: Any = None


@dataclass
class TenantResult:
    org: Organization
    users: int = 0
    customers: int = 0
    cases: int = 0
    steps: int = 0
    kinds: Counter[str] = field(default_factory=Counter)


def demo_orgs() -> list[Organization]:
    return list(Organization.objects.filter(slug__in=[t.slug for t in TENANTS]))


def demo_usernames() -> list[str]:
    return [SUPERUSER, *(u.username for t in TENANTS for u in t.users)]


def reset_demo(out: Callable[[str], None] = print) -> None:
    """Delete the demo tenants with everything in them, their log rows and the demo users.

    The audit and contact event tables are append-only in Python (and refuse UPDATE in the
    database); their rows are removed with a plain DELETE, which the triggers allow.
    """
    orgs = demo_orgs()
    ids = [o.pk for o in orgs]
    with transaction.atomic():
        if ids:
            # Cases protect what they point at (topics, customers, chased cases): unlink the
            # chains and remove cases first, then the organisation cascades to the rest.
            Case.objects.filter(organization_id__in=ids).update(related_case=None)
            Case.objects.filter(organization_id__in=ids).delete()
            marks = ", ".join(["%s"] * len(ids))
            with connection.cursor() as cursor:
                for model in (AuditEntry, ContactEvent):
                    cursor.execute(
                        f"DELETE FROM {model._meta.db_table} WHERE organization_id IN ({marks})",
                        ids,
                    )
            for org in orgs:
                org.delete()
        users = get_user_model().objects.filter(username__in=demo_usernames())
        n_users = users.count()
        users.delete()
    out(f"Removed the demo: {len(ids)} organisation(s) with all their data, {n_users} users.")


def _superuser(out: Callable[[str], None]) -> None:
    """The Django admin's superuser, with a random password printed this once: the tenant
    logins share the public demo password, the account that can do everything must not."""
    User = get_user_model()
    if User.objects.filter(username=SUPERUSER).exists():
        return
    password = secrets.token_urlsafe(12)
    user = create_user(
        username=SUPERUSER,
        password=_NO_PASSWORD,
        email="admin@helpline.example",
        first_name="Demo",
        last_name="Admin",
        is_staff=True,
        is_superuser=True,
    )
    User.objects.filter(pk=user.pk).update(password=make_password(password))
    out(
        f"Superuser {SUPERUSER!r} (Django admin) password, shown only now: {password}  "
        f"(a new one: python -m helpline changepassword {SUPERUSER})"
    )


def _audit_create(
    org: Organization,
    instance: models.Model,
    fields: Iterable[str],
    at: datetime,
    extra: dict[str, list[Any]] | None = None,
) -> None:
    values = audit.snapshot(instance, fields)
    changes = {k: [None, v] for k, v in values.items() if v not in (None, "")}
    changes.update(extra or {})
    audit.record(
        org_id=org.pk,
        actor=SYSTEM,
        action=AuditAction.CREATE,
        instance=instance,
        changes=changes,
        at=at,
    )


class TenantLoader:
    """Loads one tenant: configuration, staff, customers, then the replayed case history."""

    def __init__(
        self,
        spec: TenantSpec,
        *,
        rng: Random,
        now: datetime,
        n_customers: int,
        n_cases: int,
        password_hash: str,
        out: Callable[[str], None] = print,
    ) -> None:
        self.spec = spec
        self.out = out
        self.rng = rng
        self.now = now
        self.n_customers = n_customers
        self.n_cases = n_cases
        self.password_hash = password_hash
        self.since = now - timedelta(days=HISTORY_DAYS + 1)
        self.users: dict[str, Any] = {}
        self.actors: dict[str, Actor] = {}
        self.topics: dict[str, Topic] = {}
        self.subjects: dict[str, Subject] = {}
        self.segments: dict[str, Segment] = {}
        self.queues: dict[str, Queue] = {}
        self.customers: list[Customer] = []
        self.infos: list[CustomerInfo] = []

    def load(self) -> TenantResult:
        """Runs inside load_demo's transaction."""
        self.org = create_organization(
            actor=SYSTEM,
            name=self.spec.name,
            slug=self.spec.slug,
            country=self.spec.country,
            language=self.spec.language,
            time_zone=self.spec.time_zone,
            protocol_prefix=self.spec.prefix,
            brand_color=self.spec.brand_color,
        )
        self._staff()
        self._catalogue()
        configure_demo_sla(self.org, queues=self.queues)  # before the history: cases get clocks
        configure_demo_routing(  # before the history: waiting cases become routing tasks
            self.org,
            queues=self.queues,
            topics=self.topics,
            users=self.users,
            roles={u.username: u.role for u in self.spec.users},
            language=self.spec.language,
        )
        self._customers()
        add_customer_360(org=self.org, customers=self.customers, seed=self.spec.slug)
        result = TenantResult(org=self.org, users=len(self.users), customers=len(self.customers))
        plans = Planner(
            spec=self.spec,
            rng=self.rng,
            now=self.now,
            customers=self.infos,
            n_cases=self.n_cases,
            staff=self._staff_roles(),
            queues=self._queue_routes(),
            days=HISTORY_DAYS,
        ).plan()
        self._replay(plans, result)
        self._history_delivered()
        # After the history: the channels as they are today (the past mails keep the
        # built-in wording they were sent with).
        configure_demo_channels(self.org, email_domain=self.spec.email_domain, queues=self.queues)
        return result

    def _history_delivered(self) -> None:
        """The mail and SMS of the replayed history went out when it happened: mark them
        sent at their time, so the outbox does not send 90 days of mail when ``make run``
        starts (only what happens from now on reaches the mail catcher)."""
        for model in (OutboundEmail, OutboundSms):
            model.objects.filter(organization=self.org, state=OutboundState.QUEUED).update(
                state=OutboundState.SENT,
                sent_at=models.F("created_at"),
                attempts=1,
                next_attempt_at=None,
            )

    # --- configuration ------------------------------------------------------------------

    def _staff(self) -> None:
        User = get_user_model()
        for u in self.spec.users:
            user = create_user(
                username=u.username,
                password=_NO_PASSWORD,
                email=f"{u.username}@{self.spec.email_domain}",
                first_name=u.first_name,
                last_name=u.last_name,
                language=self.spec.language,
            )
            add_member(actor=SYSTEM, org=self.org, user=user, role=u.role)
            self.users[u.username] = user
            self.actors[u.username] = Actor.for_user(user)
        User.objects.filter(pk__in=[u.pk for u in self.users.values()]).update(
            password=self.password_hash
        )

    def _staff_roles(self) -> Staff:
        by_role: dict[str, list[str]] = {}
        for u in self.spec.users:
            by_role.setdefault(u.role, []).append(u.username)
        back = by_role[Role.BACK_OFFICE]
        return Staff(
            operators=by_role[Role.OPERATOR],
            l2=back[0],
            bo=back[-1],
            supervisor=by_role[Role.SUPERVISOR][0],
        )

    def _catalogue(self) -> None:
        org, at = self.org, self.since
        for seg in self.spec.segments:
            obj = Segment.objects.create(
                organization=org, code=seg.code, name=seg.name, description=seg.description
            )
            _audit_create(org, obj, ["code", "name", "description"], at)
            self.segments[seg.code] = obj
        for t_pos, t in enumerate(self.spec.topics, start=1):
            topic = Topic.objects.create(
                organization=org,
                code=t.code,
                name=t.name,
                description=t.description,
                position=t_pos * 10,
            )
            _audit_create(org, topic, ["code", "name", "description", "position"], at)
            self.topics[t.code] = topic
            for s_pos, s in enumerate(t.subjects, start=1):
                subject = Subject.objects.create(
                    organization=org,
                    topic=topic,
                    code=s.code,
                    name=s.name,
                    default_case_type=s.case_type,
                    position=s_pos * 10,
                )
                _audit_create(
                    org, subject, ["topic", "code", "name", "default_case_type", "position"], at
                )
                self.subjects[s.code] = subject
        for q in self.spec.queues:
            queue = Queue.objects.create(
                organization=org,
                code=q.code,
                name=q.name,
                level=q.level,
                channel=q.channel,
                segment=self.segments[q.segment] if q.segment else None,
            )
            topic_ids = [self.topics[c].pk for c in q.topics]
            queue.topics.set(topic_ids)
            _audit_create(
                org,
                queue,
                ["code", "name", "level", "channel", "segment"],
                at,
                extra={"topics": [None, topic_ids]} if topic_ids else None,
            )
            self.queues[q.code] = queue

    def _queue_routes(self) -> dict[str, str]:
        """Which L1 queue a new case enters: PEC, a segment's own line, or the default (as the
        routing rules of ``routing.configure_demo_rules`` send them)."""
        routes: dict[str, str] = {}
        for q in self.spec.queues:
            if q.level != "l1":
                continue
            if q.channel:
                routes[q.channel] = q.code
            elif q.segment:
                routes[q.segment] = q.code
            else:
                routes.setdefault("", q.code)
        return routes

    def _customers(self) -> None:
        rng, spec = self.rng, self.spec
        tax_ids: set[str] = set()
        used_names: set[str] = set()
        segs = list(spec.segments)
        italian = spec.country == "IT"
        for _i in range(self.n_customers):
            seg = rng.choices(segs, weights=[s.weight for s in segs])[0]
            if seg.kind == "person":
                make = people.italian_person if italian else people.brazilian_person
                person = make(rng, tax_ids, with_tax_id=rng.random() < 0.82)
            elif italian:
                person = people.italian_company(
                    rng, tax_ids, used_names, association=seg.kind == "association"
                )
            else:
                person = people.brazilian_company(
                    rng, tax_ids, used_names, public=seg.kind == "public"
                )
            customer = create_customer(
                org=self.org,
                actor=SYSTEM,
                name=person.name,
                email=person.email,
                phone=person.phone,
                tax_id=person.tax_id,
                segment_id=self.segments[seg.code].pk,
                language=spec.language,
            )
            if customer.tax_id:
                tax_ids.add(customer.tax_id)
            self.customers.append(customer)
            self.infos.append(
                CustomerInfo(
                    greeting=person.greeting, has_email=bool(person.email), segment=seg.code
                )
            )
        # Customers come from the organisation's existing records: they were registered well
        # before the 90 days of cases (the creation is audited as an import, at load time).
        for customer in self.customers:
            since = self.since - timedelta(
                days=rng.randint(30, 5 * 365), minutes=rng.randint(0, 1440)
            )
            Customer.objects.filter(pk=customer.pk).update(created_at=since, updated_at=since)

    # --- replaying the planned history --------------------------------------------------

    def _replay(self, plans: list[CasePlan], result: TenantResult) -> None:
        steps = sorted(
            (s for p in plans for s in p.steps if s.at <= self.now),
            key=lambda s: (s.at, s.plan, s.seq),
        )
        self.out(
            f"{self.spec.name}: {len(plans)} cases planned over {HISTORY_DAYS} days, "
            f"replaying {len(steps)} steps through the services..."
        )
        self.plans = plans
        self.cases: dict[int, Case] = {}
        self.tasks: dict[tuple[int, int], CaseTask] = {}
        for step in steps:
            self._run(step)
            result.kinds[step.kind] += 1
        result.cases = len(self.cases)
        result.steps = len(steps)

    def _actor(self, step: Step) -> Actor:
        kind, name = step.who
        if kind == "user":
            return self.actors[name]
        if kind == "customer":
            customer_idx = self.plans[step.plan].customer
            assert customer_idx is not None
            return Actor.for_customer(self.customers[customer_idx])
        return Actor.system(name)

    def _fill(self, text: str, plan: CasePlan) -> str:
        def sub(m: re.Match[str]) -> str:
            key = m.group(1)
            if key == "protocol":
                return self.cases[plan.idx].protocol_number
            if key == "ref":
                return self.cases[plan.related].protocol_number if plan.related is not None else ""
            return self.cases[int(key.split(":")[1])].protocol_number

        return _PLACEHOLDER.sub(sub, text)

    def _run(self, step: Step) -> None:
        plan = self.plans[step.plan]
        actor, now, a = self._actor(step), step.at, step.args
        if step.kind == "open":
            requester = self.customers[plan.customer] if plan.customer is not None else None
            related = self.cases[plan.related] if plan.related is not None else None
            assignee = self.users[plan.assignee] if plan.assignee else None
            self.cases[plan.idx] = cases.open_case(
                org=self.org,
                actor=actor,
                channel=plan.channel,
                case_type=plan.case_type,
                title=self._fill(plan.title, plan),
                description=self._fill(plan.description, plan),
                topic_id=self.topics[plan.topic].pk,
                subject_id=self.subjects[plan.subject].pk,
                urgency=plan.urgency,
                severity=plan.severity,
                requester_id=requester.pk if requester else None,
                assignee_id=assignee.pk if assignee else None,
                queue_id=self.queues[plan.queue].pk,
                related_case_id=related.pk if related else None,
                now=now,
            )
            return
        case = self.cases[plan.idx]
        if step.kind == "message":
            cases.add_message(
                case=case,
                actor=actor,
                direction=a["direction"],
                body=self._fill(a["body"], plan),
                channel=a["channel"],
                now=now,
            )
        elif step.kind == "status":
            cases.change_status(case=case, actor=actor, status=a["status"], now=now)
        elif step.kind == "assign":
            cases.assign_case(
                case=case,
                actor=actor,
                assignee_id=self.users[a["assignee"]].pk,
                level=a["level"],
                now=now,
            )
        elif step.kind == "urgency":
            cases.change_urgency(
                case=case, actor=actor, urgency=a["urgency"], severity=a["severity"], now=now
            )
        elif step.kind == "task":
            self.tasks[(plan.idx, a["key"])] = cases.add_task(
                case=case, actor=actor, title=a["title"], done=a["done"], now=now
            )
        elif step.kind == "task_done":
            cases.complete_task(task=self.tasks[(plan.idx, a["key"])], actor=actor, now=now)
        else:  # pragma: no cover - the planner only makes the kinds above
            raise ValueError(step.kind)


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def load_demo(
    *,
    seed: int = DEFAULT_SEED,
    customers: int = DEFAULT_CUSTOMERS,
    cases: int = DEFAULT_CASES,
    now: datetime | None = None,
    out: Callable[[str], None] = print,
) -> list[TenantResult]:
    """Create the demo tenants. ``customers`` and ``cases`` are totals over both tenants.

    One transaction: an interrupted load leaves nothing behind (so ``--if-empty`` never
    skips a half-built demo), and one commit is much faster than one per service call.
    """
    with transaction.atomic():
        return _load(seed=seed, customers=customers, cases=cases, now=now, out=out)


def _load(
    *, seed: int, customers: int, cases: int, now: datetime | None, out: Callable[[str], None]
) -> list[TenantResult]:
    started = time.monotonic()
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    password_hash = make_password(DEMO_PASSWORD)
    _superuser(out)
    results = []
    for spec, n_customers, n_cases in zip(
        TENANTS, _split(customers, len(TENANTS)), _split(cases, len(TENANTS)), strict=True
    ):
        # One generator per tenant, derived from the seed: a tenant's data does not change
        # when the other tenant's content does.
        rng = Random(f"{seed}:{spec.slug}")
        t0 = time.monotonic()
        result = TenantLoader(
            spec,
            rng=rng,
            now=now,
            n_customers=n_customers,
            n_cases=n_cases,
            password_hash=password_hash,
            out=out,
        ).load()
        results.append(result)
        out(
            f"{spec.name} ({spec.slug}): {result.users} users, {result.customers} customers, "
            f"{result.cases} cases, {result.steps} history steps in {time.monotonic() - t0:.1f} s"
        )
    out(f"Demo loaded in {time.monotonic() - started:.1f} s (seed {seed}).")
    return results
