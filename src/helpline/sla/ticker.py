"""The SLA ticker: scans the indexed ``warn_at``/``due_at`` columns of running clocks, writes
``sla_warning``/``sla_breached`` contact events and runs the policy's escalation rules.

Run as a background loop (``helpline.sla.ticker.loop`` in ``HELPLINE_LOOPS``: inside the
server for ``make run``, ``python -m helpline run_loops`` in production) or once with
``python -m helpline sla_tick``. Each clock is handled in its own transaction under a row
lock (``SKIP LOCKED`` on PostgreSQL), so several tickers may run side by side and a failing
action never loses the other clocks' events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from helpline.cases.choices import Urgency
from helpline.cases.models import Case
from helpline.events.models import EventKind
from helpline.events.services import record_event
from helpline.lib.actors import Actor
from helpline.sla.models import Clock, ClockState, EscalationAction, EscalationRule, Trigger
from helpline.sla.services import refresh_badge
from helpline.tenancy.models import Membership, Role

log = logging.getLogger(__name__)

#: Seconds between scans.
INTERVAL = 15.0
SLA_ACTOR = Actor.system("sla")
_NEXT_URGENCY = {
    Urgency.LOW: Urgency.NORMAL,
    Urgency.NORMAL: Urgency.HIGH,
    Urgency.HIGH: Urgency.EMERGENCY,
}


@dataclass
class TickResult:
    warnings: int = 0
    breaches: int = 0
    actions: int = 0


def tick(*, now: datetime | None = None, batch: int = 200) -> TickResult:
    """Raise every warning and breach that is due by ``now``."""
    now = now or timezone.now()
    result = TickResult()
    for trigger in (Trigger.WARNING, Trigger.BREACH):
        while True:
            column = "warn_at" if trigger == Trigger.WARNING else "due_at"
            done = "warned_at" if trigger == Trigger.WARNING else "breached_at"
            ids = list(
                Clock.objects.filter(
                    state=ClockState.RUNNING,
                    **{f"{done}__isnull": True, f"{column}__lte": now},
                )
                .order_by(column)
                .values_list("id", flat=True)[:batch]
            )
            if not ids:
                break
            for clock_id in ids:
                try:
                    result.actions += _fire(clock_id=clock_id, trigger=trigger, now=now)
                except Exception:  # one bad rule must not stop the other clocks
                    log.exception("SLA %s of clock %s failed", trigger, clock_id)
                    _mark_fired(clock_id, trigger, now)
                if trigger == Trigger.WARNING:
                    result.warnings += 1
                else:
                    result.breaches += 1
    return result


def _mark_fired(clock_id: int, trigger: str, now: datetime) -> None:
    """After a failed action the event is still recorded once (never an endless retry)."""
    field = "warned_at" if trigger == Trigger.WARNING else "breached_at"
    Clock.objects.filter(pk=clock_id, **{f"{field}__isnull": True}).update(**{field: now})


@transaction.atomic
def _fire(*, clock_id: int, trigger: str, now: datetime) -> int:
    qs = Clock.objects.select_for_update(
        skip_locked=connection.features.has_select_for_update_skip_locked
    ).filter(pk=clock_id, state=ClockState.RUNNING)
    clock = qs.first()
    if clock is None:
        return 0
    if trigger == Trigger.WARNING:
        if clock.warned_at is not None or clock.warn_at is None or clock.warn_at > now:
            return 0
        clock.warned_at = clock.warn_at
        kind = EventKind.SLA_WARNING
    else:
        if clock.breached_at is not None or clock.due_at is None or clock.due_at > now:
            return 0
        clock.breached_at = clock.due_at
        kind = EventKind.SLA_BREACHED
    clock.save(update_fields=["warned_at", "breached_at"])
    case = Case.objects.select_related("organization").get(pk=clock.case_id)
    record_event(
        org_id=clock.organization_id,
        kind=kind,
        actor=SLA_ACTOR,
        channel=case.channel,
        case_id=case.pk,
        data={
            "target": clock.kind,
            "due_at": clock.due_at.isoformat() if clock.due_at else None,
            "policy": clock.policy_id,
        },
        # When it happened, not when the ticker noticed: reports count from the log.
        at=(clock.warned_at if trigger == Trigger.WARNING else clock.breached_at) or now,
    )
    actions = 0
    rules = (
        EscalationRule.objects.filter(policy_id=clock.policy_id, trigger=trigger).select_related(
            "queue", "on_call"
        )
        if clock.policy_id is not None
        else []
    )
    for rule in rules:
        if rule.target_kind and rule.target_kind != clock.kind:
            continue
        if _run_action(rule=rule, case=case, clock=clock, now=now):
            actions += 1
            record_event(
                org_id=clock.organization_id,
                kind=EventKind.SLA_ESCALATED,
                actor=SLA_ACTOR,
                channel=case.channel,
                case_id=case.pk,
                data={"action": rule.action, "trigger": trigger, "target": clock.kind},
                at=now,
            )
    clocks = list(Clock.objects.filter(case_id=case.pk))
    refresh_badge(
        case_id=case.pk, org_id=case.organization_id, clocks=clocks, policy_id=clock.policy_id
    )
    return actions


def _run_action(*, rule: EscalationRule, case: Case, clock: Clock, now: datetime) -> bool:
    """Run one escalation action; False if it had nothing to do."""
    from helpline.cases import services as cases

    if rule.action == EscalationAction.RAISE_URGENCY:
        higher = _NEXT_URGENCY.get(Urgency(case.urgency))
        if higher is None:
            return False
        cases.change_urgency(case=case, actor=SLA_ACTOR, urgency=higher, now=now)
        return True
    if rule.action == EscalationAction.MOVE_TO_LEVEL:
        if not rule.level or case.level == rule.level:
            return False
        cases.assign_case(case=case, actor=SLA_ACTOR, assignee_id=None, level=rule.level, now=now)
        return True
    if rule.action == EscalationAction.MOVE_TO_QUEUE:
        if rule.queue is None or case.queue_id == rule.queue_id:
            return False
        cases.change_queue(case=case, actor=SLA_ACTOR, queue_id=rule.queue_id, now=now)
        return True
    if rule.action == EscalationAction.NOTIFY_SUPERVISOR:
        emails = list(
            Membership.objects.filter(
                organization_id=case.organization_id, role=Role.SUPERVISOR, is_active=True
            )
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
        _mail_on_commit(case=case, clock=clock, to=emails, page=False)
        return bool(emails)
    if rule.action == EscalationAction.PAGE_ON_CALL:
        if rule.on_call is None or not rule.on_call.email:
            return False
        _mail_on_commit(case=case, clock=clock, to=[rule.on_call.email], page=True)
        return True
    return False


def _mail_on_commit(*, case: Case, clock: Clock, to: list[str], page: bool) -> None:
    """Mail after commit, in the tenant's language (a rolled-back tick sends nothing)."""
    if not to:
        return
    with translation.override(case.organization.language):
        what = clock.get_kind_display()
        if page:
            subject = _("PAGE: %(protocol)s %(target)s SLA at risk") % {
                "protocol": case.protocol_number,
                "target": what,
            }
        else:
            subject = _("SLA alert on %(protocol)s: %(target)s") % {
                "protocol": case.protocol_number,
                "target": what,
            }
        body = _(
            "Case %(protocol)s “%(title)s”: the %(target)s target is due at %(due)s (UTC)."
        ) % {
            "protocol": case.protocol_number,
            "title": case.title,
            "target": what,
            "due": f"{clock.due_at:%Y-%m-%d %H:%M}" if clock.due_at else "-",
        }

    def send() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
        except Exception:  # the event is recorded; a mail outage is logged, not fatal
            log.exception("SLA mail to %s failed", to)

    transaction.on_commit(send)


async def loop(stop: asyncio.Event) -> None:
    """The background loop: tick, then sleep ``INTERVAL`` seconds or until stopped."""
    while not stop.is_set():
        result = await sync_to_async(tick, thread_sensitive=True)()
        if result.warnings or result.breaches:
            log.info("SLA tick: %s", result)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), INTERVAL)
