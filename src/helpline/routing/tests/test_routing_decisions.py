"""How the engine decides: who gets which item, in which order, and when."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helpline.events.models import ContactEvent, EventKind
from helpline.routing import engine, services
from helpline.routing.models import (
    Agent,
    AgentSkill,
    EscalationStep,
    Offer,
    Queue,
    Skill,
    SkillKind,
    Strategy,
    Task,
)
from helpline.routing.tests.conftest import SYSTEM


def _route(desk, now=None):
    return engine.route_cycle(org_id=desk.tenant.org.pk, now=now)


def test_a_new_case_in_a_queue_becomes_a_waiting_task_with_a_queued_event(desk):
    case = desk.case(urgency="high")
    task = Task.objects.get(case=case)
    assert (task.status, task.queue_id, task.capacity_class) == (
        "waiting",
        desk.queue.pk,
        "written",
    )
    assert ContactEvent.objects.filter(case_id=case.pk, kind=EventKind.QUEUED).exists()


def test_cases_without_a_queue_or_already_assigned_are_not_routed(desk):
    from helpline.cases.services import open_case

    open_case(org=desk.tenant.org, actor=SYSTEM, channel="web", case_type="information", title="x")
    open_case(
        org=desk.tenant.org,
        actor=SYSTEM,
        channel="web",
        case_type="information",
        title="y",
        queue_id=desk.queue.pk,
        assignee_id=desk.tenant.operator.pk,
    )
    assert not Task.objects.exists()


def test_items_go_by_urgency_then_type_then_waiting_time(desk):
    now = timezone.now()
    ann = desk.agent("ann")
    low = desk.case(channel="phone", urgency="low", now=now - timedelta(minutes=10))
    normal_old = desk.case(channel="phone", now=now - timedelta(minutes=5))
    normal_new = desk.case(channel="phone", now=now - timedelta(minutes=1))
    complaint = desk.case(channel="phone", case_type="complaint", now=now)
    emergency = desk.case(channel="phone", urgency="emergency", now=now)
    desk.available(ann)
    order = []
    for _ in range(5):
        (decision,) = _route(desk)
        order.append(decision.case_id)
        offer = Offer.objects.get(pk=decision.offer_id)
        services.accept_offer(org=desk.tenant.org, offer_id=offer.pk, user_id=ann.pk, actor=SYSTEM)
        services.finish_task(
            org=desk.tenant.org, task_id=offer.task_id, user_id=ann.pk, actor=SYSTEM
        )
    assert order == [emergency.pk, complaint.pk, normal_old.pk, normal_new.pk, low.pk]


def test_longest_idle_agent_gets_the_item(desk):
    now = timezone.now()
    ann, bob = desk.agent("ann"), desk.agent("bob")
    desk.available(bob, now=now - timedelta(minutes=5))
    desk.available(ann, now=now - timedelta(minutes=1))
    desk.case(channel="phone")
    (decision,) = _route(desk)
    assert decision.user_id == bob.pk


def test_least_occupied_strategy_spreads_chats(desk):
    Queue.objects.filter(pk=desk.queue.pk).update(strategy=Strategy.LEAST_OCCUPIED)
    engine.clear_config_cache()
    ann, bob = desk.agent("ann"), desk.agent("bob")
    desk.available(ann)
    desk.available(bob)
    for _ in range(4):
        desk.case(channel="chat")
    decisions = _route(desk)
    assert sorted(d.user_id for d in decisions).count(ann.pk) == 2
    assert sorted(d.user_id for d in decisions).count(bob.pk) == 2


def test_round_robin_takes_turns(desk):
    Queue.objects.filter(pk=desk.queue.pk).update(strategy=Strategy.ROUND_ROBIN)
    engine.clear_config_cache()
    users = [desk.agent(n) for n in ("ann", "bob", "cid")]
    for u in users:
        desk.available(u)
    for _ in range(3):
        desk.case(channel="email")
    decisions = _route(desk)
    assert [d.user_id for d in decisions] == sorted(u.pk for u in users)
    assert Queue.objects.get(pk=desk.queue.pk).rr_last_user_id == max(u.pk for u in users)


def test_best_skill_strategy_prefers_the_expert_and_required_skills_exclude(desk):
    org = desk.tenant.org
    Queue.objects.filter(pk=desk.queue.pk).update(strategy=Strategy.BEST_SKILL)
    topic_skill = Skill.objects.create(
        organization=org,
        code="general",
        name="General",
        kind=SkillKind.TOPIC,
        topic=desk.tenant.topic,
    )
    ann, bob, cid = desk.agent("ann"), desk.agent("bob"), desk.agent("cid")
    AgentSkill.objects.create(organization=org, user=ann, skill=topic_skill, level=2)
    AgentSkill.objects.create(organization=org, user=bob, skill=topic_skill, level=5)
    engine.clear_config_cache()
    for u in (cid, ann, bob):
        desk.available(u)
    case = desk.case(topic_id=desk.tenant.topic.pk, channel="phone")
    assert Task.objects.get(case=case).required_skills == [[topic_skill.pk, 1]]
    decisions = _route(desk)
    assert [d.user_id for d in decisions] == [bob.pk]  # cid lacks the skill entirely


def test_member_delay_and_escalation_rings_widen_eligibility_over_time(desk):
    org = desk.tenant.org
    now = timezone.now()
    first = desk.agent("first", priority=1)
    second = desk.agent("second", priority=2)
    late = desk.agent("late", priority=1, delay_seconds=120)
    EscalationStep.objects.create(
        organization=org, queue=desk.queue, after_seconds=30, max_member_priority=2
    )
    engine.clear_config_cache()
    for u in (second, late):
        desk.available(u, now=now - timedelta(hours=1))
    desk.case(channel="phone", now=now)
    assert _route(desk, now=now) == []  # only ring 1 without delay may take it: nobody free
    assert [d.user_id for d in _route(desk, now=now + timedelta(seconds=31))] == [second.pk]
    services.set_agent_state(
        org=org,
        user_id=second.pk,
        actor=SYSTEM,
        state="paused",
        reason="x",
        now=now + timedelta(seconds=32),
    )
    assert Task.objects.get().status == "waiting"
    assert [d.user_id for d in _route(desk, now=now + timedelta(seconds=121))] == [late.pk]
    assert first.pk not in [o.user_id for o in Offer.objects.all()]


def test_skill_relaxation_step_lets_a_less_skilled_agent_in(desk):
    org = desk.tenant.org
    now = timezone.now()
    skill = Skill.objects.create(
        organization=org, code="l1", name="L1", kind=SkillKind.LEVEL, level="l1"
    )
    novice = desk.agent("novice")
    EscalationStep.objects.create(
        organization=org, queue=desk.queue, after_seconds=60, skill_relax=1
    )
    engine.clear_config_cache()
    desk.available(novice, now=now - timedelta(hours=1))
    desk.case(now=now)
    assert Task.objects.get().required_skills == [[skill.pk, 1]]
    assert _route(desk, now=now + timedelta(seconds=10)) == []
    assert [d.user_id for d in _route(desk, now=now + timedelta(seconds=61))] == [novice.pk]


def test_capacity_per_kind_of_work_does_not_mix(desk):
    ann = desk.agent("ann")
    desk.available(ann)
    for _ in range(4):
        desk.case(channel="chat")
    desk.case(channel="phone")
    decisions = _route(desk)
    assert len(decisions) == 3  # 3 chats at once, and no call on top of chats
    agent = Agent.objects.get(user=ann)
    assert (agent.load_chat, agent.load_voice) == (3, 0)
    assert Task.objects.filter(status="waiting").count() == 2


def test_scheduled_items_wait_for_their_time(desk):
    ann = desk.agent("ann")
    desk.available(ann)
    from helpline.routing.services import CallbackInput, request_callback

    now = timezone.now()
    request_callback(
        org=desk.tenant.org,
        actor=SYSTEM,
        request=CallbackInput(
            phone="+39 06 1234 5678", queue_id=desk.queue.pk, at=now + timedelta(hours=1)
        ),
        now=now,
    )
    assert _route(desk, now=now) == []
    assert len(_route(desk, now=now + timedelta(hours=1, seconds=1))) == 1


@pytest.mark.parametrize("state", ["paused", "offline"])
def test_paused_or_offline_agents_get_nothing(desk, state):
    ann = desk.agent("ann")
    desk.available(ann)
    services.set_agent_state(
        org=desk.tenant.org, user_id=ann.pk, actor=SYSTEM, state=state, reason="lunch"
    )
    desk.case()
    assert _route(desk) == []


def test_an_item_nobody_can_take_does_not_block_the_ones_behind_it(desk):
    org = desk.tenant.org
    skill = Skill.objects.create(
        organization=org, code="general", name="G", kind=SkillKind.TOPIC, topic=desk.tenant.topic
    )
    ann = desk.agent("ann")
    engine.clear_config_cache()
    desk.available(ann)
    blocked = desk.case(urgency="emergency", topic_id=desk.tenant.topic.pk)
    plain = desk.case()
    assert Task.objects.get(case=blocked).required_skills == [[skill.pk, 1]]
    assert [d.case_id for d in _route(desk)] == [plain.pk]
    assert Task.objects.get(case=blocked).status == "waiting"


def _second_queue(desk, code="billing"):
    queue = Queue.objects.create(organization=desk.tenant.org, code=code, name=code.title())
    engine.clear_config_cache()
    return queue


def _also_member(desk, user, queue, priority):
    from helpline.routing.models import QueueMember

    QueueMember.objects.create(
        organization=desk.tenant.org, queue=queue, user=user, priority=priority
    )
    engine.clear_config_cache()


def test_an_agent_takes_work_of_their_best_priority_queue_before_older_work_of_another(desk):
    """Agent-side queue priority (Amazon Connect routing profiles): ann ranks billing first
    and front office second; an older front-office call goes to bob, ann takes billing."""
    now = timezone.now()
    billing = _second_queue(desk)
    ann = desk.agent("ann", priority=2)  # front office, second
    _also_member(desk, ann, billing, priority=1)
    bob = desk.agent("bob")  # front office only
    desk.available(ann, now=now - timedelta(hours=1))  # ann has been idle the longest
    desk.available(bob, now=now - timedelta(minutes=1))
    older = desk.case(channel="phone", now=now - timedelta(minutes=5))
    newer = desk.case(channel="phone", queue=billing, now=now)
    decisions = {d.case_id: d.user_id for d in _route(desk, now=now)}
    assert decisions == {older.pk: bob.pk, newer.pk: ann.pk}


def test_without_priorities_the_longest_idle_agent_takes_the_oldest_work(desk):
    now = timezone.now()
    billing = _second_queue(desk)
    ann = desk.agent("ann")
    _also_member(desk, ann, billing, priority=1)
    bob = desk.agent("bob")
    desk.available(ann, now=now - timedelta(hours=1))
    desk.available(bob, now=now - timedelta(minutes=1))
    older = desk.case(channel="phone", now=now - timedelta(minutes=5))
    desk.case(channel="phone", queue=billing, now=now)
    decisions = {d.case_id: d.user_id for d in _route(desk, now=now)}
    assert decisions[older.pk] == ann.pk  # same priority everywhere: global order


def test_an_agent_passed_over_for_work_they_cannot_take_gets_the_rest_in_the_same_cycle(desk):
    """The preferred queue's item needs a skill ann lacks: the second pass gives her the
    front-office item rather than leaving her idle."""
    org = desk.tenant.org
    now = timezone.now()
    billing = _second_queue(desk)
    skill = Skill.objects.create(organization=org, code="sap", name="SAP", kind=SkillKind.OTHER)
    ann = desk.agent("ann", priority=2)
    _also_member(desk, ann, billing, priority=1)
    desk.available(ann, now=now - timedelta(hours=1))
    front = desk.case(channel="phone", now=now - timedelta(minutes=5))
    desk.case(channel="phone", queue=billing, now=now)
    Task.objects.filter(queue=billing).update(required_skills=[[skill.pk, 1]])
    (decision,) = _route(desk, now=now)
    assert (decision.case_id, decision.user_id) == (front.pk, ann.pk)


def test_a_member_delay_keeps_young_work_from_counting_as_preferred(desk):
    """Billing counts for ann only after its item waited 60 s: until then she takes the
    front-office item, as if billing had nothing for her."""
    now = timezone.now()
    billing = _second_queue(desk)
    ann = desk.agent("ann", priority=2)
    from helpline.routing.models import QueueMember

    QueueMember.objects.create(
        organization=desk.tenant.org, queue=billing, user=ann, priority=1, delay_seconds=60
    )
    engine.clear_config_cache()
    desk.available(ann, now=now - timedelta(hours=1))
    front = desk.case(channel="phone", now=now - timedelta(minutes=5))
    desk.case(channel="phone", queue=billing, now=now)
    (decision,) = _route(desk, now=now + timedelta(seconds=10))
    assert decision.case_id == front.pk
