"""Offers, presence, wrap-up, abandonment, overflow, moves and call-backs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helpline.audit.models import AuditEntry
from helpline.cases.models import Case
from helpline.events.models import ContactEvent, EventKind
from helpline.lib.errors import FieldValidationError, IllegalTransition, NotFound
from helpline.routing import engine, services
from helpline.routing.models import (
    Agent,
    CallbackRequest,
    NoAgentPolicy,
    Offer,
    OverflowAction,
    PresenceChange,
    Queue,
    Task,
)
from helpline.routing.services import CallbackInput
from helpline.routing.tests.conftest import SYSTEM


def _offer(desk, now=None):
    (decision,) = engine.route_cycle(org_id=desk.tenant.org.pk, now=now)
    return Offer.objects.get(pk=decision.offer_id)


def _kinds(case):
    return list(
        ContactEvent.objects.filter(case_id=case.pk).order_by("id").values_list("kind", flat=True)
    )


def test_accepting_assigns_the_case_and_puts_the_agent_on_a_contact(desk):
    ann = desk.agent("ann")
    desk.available(ann)
    case = desk.case(channel="phone")
    offer = _offer(desk)
    task = services.accept_offer(
        org=desk.tenant.org, offer_id=offer.pk, user_id=ann.pk, actor=SYSTEM
    )
    case.refresh_from_db()
    assert case.assignee_id == ann.pk
    assert task.status == "assigned"
    assert Agent.objects.get(user=ann).state == "on_contact"
    assert _kinds(case) == ["case_opened", "queued", "offered", "offer_accepted", "assigned"]


def test_rejecting_puts_the_item_back_in_its_place(desk):
    org = desk.tenant.org
    now = timezone.now()
    ann, bob = desk.agent("ann"), desk.agent("bob")
    desk.available(ann, now=now - timedelta(minutes=2))
    first = desk.case(channel="phone", now=now - timedelta(minutes=1))
    offer = _offer(desk)
    desk.case(channel="phone", now=now)  # arrives while the first is offered
    services.reject_offer(org=org, offer_id=offer.pk, user_id=ann.pk, actor=SYSTEM)
    task = Task.objects.get(case=first)
    assert (task.status, task.enqueued_at) == ("waiting", now - timedelta(minutes=1))
    desk.available(bob)
    decisions = engine.route_cycle(org_id=org.pk)
    assert decisions[0].case_id == first.pk  # still ahead of the newer item
    assert Agent.objects.get(user=ann).missed_in_row == 1


def test_an_expired_offer_times_out_and_n_misses_in_a_row_pause_the_agent(desk):
    org = desk.tenant.org
    Queue.objects.filter(pk=desk.queue.pk).update(max_missed_offers=2, offer_timeout_seconds=10)
    engine.clear_config_cache()
    ann = desk.agent("ann")
    now = timezone.now()
    desk.available(ann, now=now)
    desk.case(channel="phone", now=now)
    _offer(desk, now=now)
    assert services.expire_offers(now=now + timedelta(seconds=5)) == 0
    assert services.expire_offers(now=now + timedelta(seconds=11)) == 1
    assert Agent.objects.get(user=ann).state == "available"
    offer = _offer(desk, now=now + timedelta(seconds=12))
    with pytest.raises(IllegalTransition):
        services.accept_offer(
            org=org,
            offer_id=offer.pk,
            user_id=ann.pk,
            actor=SYSTEM,
            now=now + timedelta(seconds=30),
        )
    services.expire_offers(now=now + timedelta(seconds=30))
    agent = Agent.objects.get(user=ann)
    assert (agent.state, agent.pause_reason, agent.load_voice) == ("paused", "Missed offers", 0)
    assert Task.objects.get().status == "waiting"
    missed = ContactEvent.objects.filter(kind=EventKind.OFFER_MISSED).values_list("data", flat=True)
    assert [d["reason"] for d in missed] == ["timed_out", "timed_out"]


def test_finishing_starts_the_queues_timed_wrap_up_then_available(desk):
    org = desk.tenant.org
    Queue.objects.filter(pk=desk.queue.pk).update(wrapup_seconds=30)
    ann = desk.agent("ann")
    now = timezone.now()
    desk.available(ann, now=now)
    desk.case(channel="phone", now=now)
    offer = _offer(desk, now=now)
    services.accept_offer(org=org, offer_id=offer.pk, user_id=ann.pk, actor=SYSTEM, now=now)
    services.finish_task(
        org=org,
        task_id=offer.task_id,
        user_id=ann.pk,
        actor=SYSTEM,
        now=now + timedelta(seconds=60),
    )
    agent = Agent.objects.get(user=ann)
    assert (agent.state, agent.load_voice) == ("wrap_up", 0)
    desk.case(channel="phone", now=now)
    assert engine.route_cycle(org_id=org.pk, now=now + timedelta(seconds=70)) == []
    services.end_wrapups(now=now + timedelta(seconds=91))
    assert Agent.objects.get(user=ann).state == "available"
    history = list(
        PresenceChange.objects.filter(user=ann)
        .order_by("at", "id")
        .values_list("state", "queue_id")
    )
    assert history == [
        ("available", None),
        ("on_contact", None),
        ("wrap_up", desk.queue.pk),
        ("available", None),
    ]


def test_an_agent_cannot_accept_or_finish_someone_elses_work(desk):
    org = desk.tenant.org
    ann, bob = desk.agent("ann"), desk.agent("bob")
    desk.available(ann)
    desk.case(channel="phone")
    offer = _offer(desk)
    with pytest.raises(NotFound):
        services.accept_offer(org=org, offer_id=offer.pk, user_id=bob.pk, actor=SYSTEM)
    services.accept_offer(org=org, offer_id=offer.pk, user_id=ann.pk, actor=SYSTEM)
    with pytest.raises(NotFound):
        services.finish_task(org=org, task_id=offer.task_id, user_id=bob.pk, actor=SYSTEM)


def test_pausing_withdraws_pending_offers_and_requires_a_reason(desk):
    org = desk.tenant.org
    ann = desk.agent("ann")
    desk.available(ann)
    desk.case()
    _offer(desk)
    with pytest.raises(FieldValidationError) as exc:
        services.set_agent_state(org=org, user_id=ann.pk, actor=SYSTEM, state="paused")
    assert "reason" in exc.value.errors
    services.set_agent_state(org=org, user_id=ann.pk, actor=SYSTEM, state="paused", reason="Break")
    assert Task.objects.get().status == "waiting"
    assert Offer.objects.get().outcome == "withdrawn"
    assert Agent.objects.get(user=ann).load_written == 0
    with pytest.raises(FieldValidationError):
        services.set_agent_state(org=org, user_id=ann.pk, actor=SYSTEM, state="on_contact")


def test_a_customer_who_leaves_is_abandoned_and_frees_the_offer(desk):
    ann = desk.agent("ann")
    desk.available(ann)
    case = desk.case(channel="chat")
    _offer(desk)
    services.abandon_task(task=Task.objects.get(case=case), actor=SYSTEM)
    assert Task.objects.get(case=case).status == "abandoned"
    assert Agent.objects.get(user=ann).load_chat == 0
    assert _kinds(case)[-2:] == ["offer_missed", "abandoned"]


def test_overflow_after_a_timeout_moves_to_the_overflow_queue_keeping_its_place(desk):
    org = desk.tenant.org
    other = Queue.objects.create(organization=org, code="backup", name="Backup")
    Queue.objects.filter(pk=desk.queue.pk).update(
        overflow_after_seconds=60, overflow_action=OverflowAction.QUEUE, overflow_queue=other
    )
    now = timezone.now()
    case = desk.case(now=now)
    assert services.overflow_tasks(now=now + timedelta(seconds=30)) == 0
    assert services.overflow_tasks(now=now + timedelta(seconds=61)) == 1
    task = Task.objects.get(case=case)
    assert (task.queue_id, task.enqueued_at, task.status) == (other.pk, now, "waiting")
    assert Case.objects.get(pk=case.pk).queue_id == other.pk


def test_overflow_moves_the_case_through_its_service_with_an_audit_entry(desk):
    org = desk.tenant.org
    other = Queue.objects.create(organization=org, code="backup", name="Backup")
    Queue.objects.filter(pk=desk.queue.pk).update(
        overflow_after_seconds=60, overflow_action=OverflowAction.QUEUE, overflow_queue=other
    )
    now = timezone.now()
    case = desk.case(now=now)
    assert services.overflow_tasks(now=now + timedelta(seconds=61)) == 1
    entry = AuditEntry.objects.get(
        object_type="cases.case", object_id=str(case.pk), action="update"
    )
    assert entry.changes["queue"] == [desk.queue.pk, other.pk]
    assert entry.actor_kind == "system"
    # The task was already moved: no second "queued" event, one "overflowed".
    assert _kinds(case).count("overflowed") == 1
    assert _kinds(case).count("queued") == 1


def test_no_agent_logged_in_sends_callers_to_voicemail_when_configured(desk):
    Queue.objects.filter(pk=desk.queue.pk).update(
        no_agent_policy=NoAgentPolicy.OVERFLOW, overflow_action=OverflowAction.VOICEMAIL
    )
    case = desk.case(channel="phone")
    assert services.overflow_tasks() == 1
    assert Task.objects.get(case=case).status == "deflected"
    event = ContactEvent.objects.get(case_id=case.pk, kind=EventKind.OVERFLOWED)
    assert event.data["to"] == "voicemail" and event.data["why"] == "no_agent"


def test_assigning_or_closing_a_waiting_case_by_hand_cancels_its_task(desk):
    from helpline.cases.services import assign_case, change_status

    a, b = desk.case(), desk.case()
    assign_case(case=a, actor=SYSTEM, assignee_id=desk.tenant.operator.pk)
    change_status(case=b, actor=SYSTEM, status="closed")
    assert set(Task.objects.values_list("status", flat=True)) == {"cancelled"}


def test_moving_an_item_keeps_its_waiting_time_and_moves_the_case(desk):
    org = desk.tenant.org
    other = Queue.objects.create(organization=org, code="l2", name="Specialists")
    now = timezone.now()
    case = desk.case(now=now - timedelta(minutes=3))
    task = services.move_task(
        task=Task.objects.get(case=case), queue_id=other.pk, actor=SYSTEM, now=now
    )
    task.refresh_from_db()
    assert (task.queue_id, task.enqueued_at) == (other.pk, now - timedelta(minutes=3))
    assert Case.objects.get(pk=case.pk).queue_id == other.pk


def test_moving_to_another_tenants_queue_is_refused(desk, desk_b):
    case = desk.case()
    with pytest.raises(FieldValidationError) as exc:
        services.move_task(task=Task.objects.get(case=case), queue_id=desk_b.queue.pk, actor=SYSTEM)
    assert "queue" in exc.value.errors


def test_a_callback_not_answered_is_retried_later_then_fails(desk):
    org = desk.tenant.org
    ann = desk.agent("ann")
    now = timezone.now()
    desk.available(ann, now=now)
    callback = services.request_callback(
        org=org,
        actor=SYSTEM,
        request=CallbackInput(
            phone="+39 06 1234 5678",
            queue_id=desk.queue.pk,
            name="Mario",
            max_attempts=2,
            retry_delay_seconds=300,
        ),
        now=now,
    )
    assert callback.case.channel == "callback" and callback.case.queue_id == desk.queue.pk
    offer = _offer(desk, now=now)
    services.accept_offer(org=org, offer_id=offer.pk, user_id=ann.pk, actor=SYSTEM, now=now)
    services.record_callback_attempt(
        org=org, task_id=offer.task_id, user_id=ann.pk, actor=SYSTEM, reached=False, now=now
    )
    retry = Task.objects.get(status="waiting")
    assert retry.not_before == now + timedelta(seconds=300)
    assert retry.enqueued_at == now  # keeps its place
    assert engine.route_cycle(org_id=org.pk, now=now + timedelta(seconds=10)) == []
    offer = _offer(desk, now=now + timedelta(seconds=301))
    services.accept_offer(
        org=org, offer_id=offer.pk, user_id=ann.pk, actor=SYSTEM, now=now + timedelta(seconds=301)
    )
    done = services.record_callback_attempt(
        org=org,
        task_id=offer.task_id,
        user_id=ann.pk,
        actor=SYSTEM,
        reached=False,
        now=now + timedelta(seconds=320),
    )
    assert (done.attempts, done.status) == (2, "failed")
    kinds = _kinds(callback.case)
    assert kinds.count("callback_attempted") == 2 and kinds.count("callback_requested") == 1


def test_a_callback_request_with_bad_input_names_every_field_and_writes_nothing(desk, desk_b):
    with pytest.raises(FieldValidationError) as exc:
        services.request_callback(
            org=desk.tenant.org,
            actor=SYSTEM,
            request=CallbackInput(
                phone="", queue_id=desk_b.queue.pk, at=timezone.now() - timedelta(days=1)
            ),
        )
    assert set(exc.value.errors) == {"phone", "queue_id", "at"}
    assert not Case.objects.exists() and not CallbackRequest.objects.exists()
