"""Routing rules: every new case of every channel lands in exactly one queue chosen by the
tenant's ordered rules (first match wins, else the default queue); a queue the caller names
wins; reclassification and reopening re-route; reserved lines take only designated persons;
the rule that chose is recorded on the case and in the ``queued`` event; bounded queries."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpline.cases.choices import CaseType, Channel, Status, Urgency
from helpline.cases.models import Case, Topic
from helpline.cases.services import (
    change_case_type,
    change_queue,
    change_status,
    change_topic,
    change_urgency,
    open_case,
)
from helpline.customers.models import Customer, DesignatedPerson, Segment
from helpline.customers.services import create_customer
from helpline.events.models import ContactEvent, EventKind
from helpline.routing import configuration as config
from helpline.routing.models import CaseRoute, Queue, RouteSource, Task, TaskStatus
from helpline.routing.rules import CaseFacts, Rule, RuleSet, choose
from helpline.routing.services import task_priority
from helpline.routing.tests.conftest import SYSTEM


@dataclass
class Setup:
    tenant: Any
    front: Queue
    emergency: Queue
    complaints: Queue
    trade: Queue
    reserved: Queue
    trade_segment: Segment
    vip_segment: Segment
    customers: dict[str, Customer | None]


def _queue(org: Any, code: str) -> Queue:
    return Queue.objects.create(organization=org, code=code, name=code.title())


def _rule(org: Any, name: str, queue: Queue, **conditions: Any) -> Any:
    data = config.RuleData(name=name, queue_id=queue.pk, **conditions)
    return config.create_rule(org=org, actor=SYSTEM, data=data)


@pytest.fixture
def setup(tenant_a: Any) -> Setup:
    org = tenant_a.org
    trade = Segment.objects.create(organization=org, code="trade", name="Trade associations")
    vip = Segment.objects.create(organization=org, code="vip", name="Reserved line")
    s = Setup(
        tenant=tenant_a,
        front=_queue(org, "front"),
        emergency=_queue(org, "emergency"),
        complaints=_queue(org, "complaints"),
        trade=_queue(org, "trade"),
        reserved=_queue(org, "reserved"),
        trade_segment=trade,
        vip_segment=vip,
        customers={},
    )
    _rule(org, "Emergencies", s.emergency, urgencies=["emergency"])
    _rule(org, "Reserved line", s.reserved, segment_ids=[vip.pk], reserved_line=True)
    _rule(
        org,
        "Written complaints",
        s.complaints,
        channels=["email", "pec", "web"],
        case_types=["complaint"],
        priority=-500,
    )
    _rule(org, "Trade associations", s.trade, segment_ids=[trade.pk])
    config.set_default_queue(org=org, actor=SYSTEM, queue_id=s.front.pk)
    company = create_customer(org=org, actor=SYSTEM, name="Ordine", segment_id=vip.pk)
    DesignatedPerson.objects.create(
        organization=org,
        customer=company,
        name="Ada Referente",
        phone="+390612345678",
        may_use_reserved_line=True,
    )
    s.customers = {
        "none": None,
        "trade": create_customer(org=org, actor=SYSTEM, name="Bianchi", segment_id=trade.pk),
        "vip-designated": create_customer(
            org=org, actor=SYSTEM, name="Ada", phone="+39 06 1234 5678", segment_id=vip.pk
        ),
        "vip-other": create_customer(
            org=org, actor=SYSTEM, name="Rossi", phone="+39 06 9999 0000", segment_id=vip.pk
        ),
    }
    return s


def _expected(s: Setup, channel: str, case_type: str, urgency: str, who: str) -> Queue:
    """The rules above, written out by hand."""
    if urgency == "emergency":
        return s.emergency
    if who == "vip-designated":
        return s.reserved
    if case_type == "complaint" and channel in ("email", "pec", "web"):
        return s.complaints
    if who == "trade":
        return s.trade
    return s.front


def _open(s: Setup, **kw: Any) -> Case:
    fields = {"channel": "phone", "case_type": "information", "title": "Help"} | kw
    return open_case(org=s.tenant.org, actor=SYSTEM, **fields)


def _active_tasks(case: Case) -> list[Task]:
    return list(
        Task.objects.filter(
            case=case, status__in=[TaskStatus.WAITING, TaskStatus.OFFERED, TaskStatus.ASSIGNED]
        )
    )


def test_every_channel_type_and_segment_goes_to_the_queue_its_rule_names(setup: Setup) -> None:
    s = setup
    for channel, case_type, who in itertools.product(
        Channel.values, CaseType.values, list(s.customers)
    ):
        customer = s.customers[who]
        related = _open(s) if case_type == CaseType.REMINDER else None
        case = _open(
            s,
            channel=channel,
            case_type=case_type,
            requester_id=customer.pk if customer else None,
            related_case_id=related.pk if related else None,
        )
        want = _expected(s, channel, case_type, "normal", who)
        assert case.queue_id == want.pk, (channel, case_type, who)
        if channel != Channel.CALLBACK:  # call-backs are queued by request_callback
            (task,) = _active_tasks(case)
            assert task.queue_id == want.pk


@pytest.mark.parametrize("channel", Channel.values)
def test_an_emergency_of_any_channel_goes_to_the_emergency_queue(
    setup: Setup, channel: str
) -> None:
    case = _open(setup, channel=channel, urgency="emergency")
    assert case.queue_id == setup.emergency.pk
    assert case.route.rule_name == "Emergencies"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    channel=st.sampled_from([c for c in Channel.values if c != Channel.CALLBACK]),
    case_type=st.sampled_from([t for t in CaseType.values if t != CaseType.REMINDER]),
    urgency=st.sampled_from(Urgency.values),
    who=st.sampled_from(["none", "trade", "vip-designated", "vip-other"]),
    with_topic=st.booleans(),
)
def test_every_new_case_ends_in_exactly_one_queue(
    setup: Setup, channel: str, case_type: str, urgency: str, who: str, with_topic: bool
) -> None:
    customer = setup.customers[who]
    case = _open(
        setup,
        channel=channel,
        case_type=case_type,
        urgency=urgency,
        requester_id=customer.pk if customer else None,
        topic_id=setup.tenant.topic.pk if with_topic else None,
    )
    tasks = _active_tasks(case)
    assert case.queue_id is not None
    assert [t.queue_id for t in tasks] == [case.queue_id]
    assert ContactEvent.objects.filter(case_id=case.pk, kind=EventKind.QUEUED).count() == 1
    assert CaseRoute.objects.filter(case=case).count() == 1


def test_the_first_matching_rule_wins_and_its_priority_places_the_task(setup: Setup) -> None:
    complaint = _open(setup, channel="email", case_type="complaint")
    route = CaseRoute.objects.get(case=complaint)
    assert (route.source, route.rule_name) == (RouteSource.RULE, "Written complaints")
    (task,) = _active_tasks(complaint)
    assert task.priority == -500
    event = ContactEvent.objects.get(case_id=complaint.pk, kind=EventKind.QUEUED)
    assert event.data["rule"] == route.rule_id and event.data["route"] == "rule"
    plain = _open(setup)
    assert CaseRoute.objects.get(case=plain).source == RouteSource.DEFAULT
    (task,) = _active_tasks(plain)
    assert task.priority == task_priority(urgency="normal", case_type="information")


def test_a_queue_named_by_the_caller_wins(setup: Setup) -> None:
    case = _open(setup, urgency="emergency", queue_id=setup.trade.pk)
    assert case.queue_id == setup.trade.pk
    assert not CaseRoute.objects.filter(case=case).exists()


def test_without_rules_or_default_queue_nothing_changes(tenant_b: Any) -> None:
    case = open_case(
        org=tenant_b.org, actor=SYSTEM, channel="web", case_type="complaint", title="x"
    )
    assert case.queue_id is None and not Task.objects.filter(case=case).exists()


def test_inactive_rules_are_skipped(setup: Setup) -> None:
    rule = config.rules_for(org=setup.tenant.org)[0]
    data = config.rule_data(rule)
    data.is_active = False
    config.update_rule(rule=rule, actor=SYSTEM, data=data)
    assert _open(setup, urgency="emergency").queue_id == setup.front.pk


def test_reserved_line_takes_only_designated_persons(setup: Setup) -> None:
    designated = _open(setup, requester_id=setup.customers["vip-designated"].pk)  # type: ignore[union-attr]
    other = _open(setup, requester_id=setup.customers["vip-other"].pk)  # type: ignore[union-attr]
    assert designated.queue_id == setup.reserved.pk
    assert other.queue_id == setup.front.pk  # fell through to the next rules
    # A designated person allowed on the line no longer: falls through too.
    DesignatedPerson.objects.update(may_use_reserved_line=False)
    config.set_default_queue(org=setup.tenant.org, actor=SYSTEM, queue_id=setup.front.pk)
    again = _open(setup, requester_id=setup.customers["vip-designated"].pk)  # type: ignore[union-attr]
    assert again.queue_id == setup.front.pk


def test_reclassification_reroutes_the_waiting_task(setup: Setup) -> None:
    case = _open(setup, channel="email")
    (task,) = _active_tasks(case)
    assert task.queue_id == setup.front.pk
    case = change_case_type(case=case, actor=SYSTEM, case_type="complaint")
    task.refresh_from_db()
    assert case.queue_id == task.queue_id == setup.complaints.pk
    assert task.priority == -500 and task.enqueued_at <= task.queued_at  # keeps its place
    assert CaseRoute.objects.get(case=case).rule_name == "Written complaints"
    case = change_urgency(case=case, actor=SYSTEM, urgency="emergency")
    task.refresh_from_db()
    assert case.queue_id == task.queue_id == setup.emergency.pk
    assert task.priority == task_priority(urgency="emergency", case_type="complaint")
    assert Case.objects.get(pk=case.pk).queue_id == setup.emergency.pk
    moves = ContactEvent.objects.filter(case_id=case.pk, kind=EventKind.QUEUED).count()
    assert moves == 3  # queued, then moved twice


def test_a_new_topic_reroutes(setup: Setup) -> None:
    org = setup.tenant.org
    water = Topic.objects.create(organization=org, code="water", name="Water")
    _rule(org, "Water", setup.trade, topic_ids=[water.pk])
    case = _open(setup)
    assert case.queue_id == setup.front.pk
    case = change_topic(case=case, actor=SYSTEM, topic_id=water.pk)
    assert case.queue_id == setup.trade.pk
    assert [t.queue_id for t in _active_tasks(case)] == [setup.trade.pk]


def test_a_move_by_hand_is_shown_as_such(setup: Setup) -> None:
    case = _open(setup)
    case = change_queue(case=case, actor=SYSTEM, queue_id=setup.trade.pk)
    route = CaseRoute.objects.get(case=case)
    assert (route.source, route.queue_id, route.rule_id) == ("manual", setup.trade.pk, None)


def test_a_case_reopened_outside_the_queues_is_routed(setup: Setup) -> None:
    config.set_default_queue(org=setup.tenant.org, actor=SYSTEM, queue_id=None)
    for rule in config.rules_for(org=setup.tenant.org):
        config.delete_rule(rule=rule, actor=SYSTEM)
    case = _open(setup)
    assert case.queue_id is None
    change_status(case=case, actor=SYSTEM, status=Status.CLOSED)
    config.set_default_queue(org=setup.tenant.org, actor=SYSTEM, queue_id=setup.front.pk)
    case = change_status(case=case, actor=SYSTEM, status=Status.REOPENED)
    assert case.queue_id == setup.front.pk
    assert [t.queue_id for t in _active_tasks(case)] == [setup.front.pk]


def test_routing_a_new_case_takes_a_bounded_number_of_queries(setup: Setup) -> None:
    """With rules cached (as between two cases of one process): the choice itself costs
    nothing; what routing adds to opening a case is the task, the skills it requires, its
    ``queued`` event and the case's route row."""
    _open(setup)  # the counter and the rule cache

    def count(**kw: Any) -> int:
        with CaptureQueriesContext(connection) as ctx:
            _open(setup, **kw)
        sql = [
            q["sql"][:60]
            for q in ctx.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
        ]
        return len(sql)

    routed = count()
    # counter, case, audit, case_opened event, SLA policies (what any case costs), and for
    # routing: the route row, the skills the task requires, the task, its queued event.
    assert routed == 9
    from helpline.routing import rules

    rules.clear_cache()
    assert count() == routed + 2  # a cold cache: the rules and the default queue
    # A requester costs any case its check and the acknowledgement's look-up; a
    # reserved-line rule reached by a customer of its segment reads the requester and asks
    # once who is designated.
    vip = setup.customers["vip-other"]
    assert count(requester_id=vip.pk) == routed + 2 + 2  # type: ignore[union-attr]


def test_the_pure_choice_is_first_match_then_default() -> None:
    rules = RuleSet(
        rules=(
            Rule(id=1, name="a", channels=frozenset({"web"}), queue_id=10),
            Rule(id=2, name="b", segment_ids=frozenset({7}), reserved_line=True, queue_id=20),
            Rule(id=3, name="c", queue_id=30),
        ),
        default_queue_id=99,
    )
    web = CaseFacts(channel="web", case_type="information", urgency="normal")
    assert choose(rules, web).rule_id == 1
    designated = CaseFacts(
        channel="phone",
        case_type="information",
        urgency="normal",
        designated=lambda segments: segments == frozenset({7}),
    )
    assert choose(rules, designated).queue_id == 20
    phone = CaseFacts(channel="phone", case_type="information", urgency="normal")
    assert choose(rules, phone).queue_id == 30
    assert choose(RuleSet(default_queue_id=99), phone).source == RouteSource.DEFAULT


# --- through the real entry points -------------------------------------------------------


def _post_json(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_cases_from_the_api_desk_web_form_and_mail_are_routed(
    setup: Setup, api_a: Client, desk_a: Client
) -> None:
    org = setup.tenant.org
    r = _post_json(api_a, "/api/v1/cases", {"case_type": "complaint", "title": "Hours?"})
    assert r.status_code == 201
    assert Case.objects.get(pk=r.json()["id"]).queue_id == setup.front.pk  # API: not written
    r = _post_json(
        api_a, "/api/v1/cases", {"case_type": "information", "title": "!", "urgency": "emergency"}
    )
    assert Case.objects.get(pk=r.json()["id"]).queue_id == setup.emergency.pk

    desk_a.post(
        reverse("desk:case_new", args=[org.slug]),
        {
            "channel": "counter",
            "case_type": "information",
            "urgency": "emergency",
            "severity": "minor",
            "title": "Gas leak",
        },
    )
    assert Case.objects.get(title="Gas leak").queue_id == setup.emergency.pk

    from django.utils import timezone

    from helpline.portal.models import PrivacyNotice

    PrivacyNotice.objects.create(
        organization=org, version="1", text="x", published_at=timezone.now()
    )
    Client().post(
        f"/{org.slug}/",
        {
            "name": "Giulia Neri",
            "email": "giulia@example.it",
            "topic": setup.tenant.topic.pk,
            "subject": setup.tenant.subject.pk,
            "description": "Il lampione è spento.",
            "privacy": "on",
            "website": "",
        },
    )
    web = Case.objects.get(channel="web")
    assert web.queue_id == setup.front.pk and len(_active_tasks(web)) == 1

    from helpline.channels.email.adapter import ingest
    from helpline.channels.models import Mailbox

    box = Mailbox.objects.create(organization=org, name="URP", address="urp@comune.example")
    raw = (
        b"From: Mario <mario@example.it>\r\nTo: urp@comune.example\r\n"
        b"Subject: Reclamo\r\nMessage-ID: <r1@example.it>\r\n\r\nBody\r\n"
    )
    row, _state = ingest(mailbox=box, raw=raw, source="test")
    row.refresh_from_db()
    assert row.case is not None, (row.state, row.reason, row.error)
    assert row.case.queue_id == setup.front.pk and len(_active_tasks(row.case)) == 1


def test_the_case_page_names_the_rule_that_chose_the_queue(setup: Setup, desk_a: Client) -> None:
    case = _open(setup, urgency="emergency")
    page = desk_a.get(reverse("desk:case_detail", args=[setup.tenant.org.slug, case.pk]))
    assert "Emergencies" in page.content.decode()
    plain = _open(setup)
    page = desk_a.get(reverse("desk:case_detail", args=[setup.tenant.org.slug, plain.pk]))
    assert 'id="case-route"' in page.content.decode()


def test_a_requester_moving_to_another_segment_takes_their_waiting_cases_along(
    setup: Setup,
) -> None:
    from helpline.customers.services import update_customer

    customer = create_customer(org=setup.tenant.org, actor=SYSTEM, name="Verdi")
    waiting = _open(setup, requester_id=customer.pk)
    assigned = _open(setup, requester_id=customer.pk, assignee_id=setup.tenant.operator.pk)
    assert waiting.queue_id == assigned.queue_id == setup.front.pk
    update_customer(customer=customer, actor=SYSTEM, segment_id=setup.trade_segment.pk)
    waiting.refresh_from_db()
    assigned.refresh_from_db()
    assert waiting.queue_id == setup.trade.pk
    assert [t.queue_id for t in _active_tasks(waiting)] == [setup.trade.pk]
    assert assigned.queue_id == setup.front.pk  # someone is working on it: left alone


def test_reclassifying_through_the_api_reroutes(setup: Setup, api_a: Client, tenant_b: Any) -> None:
    org = setup.tenant.org
    water = Topic.objects.create(organization=org, code="water", name="Water")
    _rule(org, "Water", setup.trade, topic_ids=[water.pk])
    case = _open(setup, channel="email")
    url = f"/api/v1/cases/{case.pk}/classification"
    r = _post_json(api_a, url, {"change_topic": True, "topic_id": tenant_b.topic.pk})
    assert r.status_code == 422  # another tenant's topic
    r = _post_json(api_a, url, {"change_topic": True, "topic_id": water.pk})
    assert r.status_code == 200, r.content
    assert r.json()["topic_id"] == water.pk
    assert Case.objects.get(pk=case.pk).queue_id == setup.trade.pk
    r = _post_json(api_a, url, {"case_type": "complaint"})
    assert r.json()["case_type"] == "complaint"
    assert Case.objects.get(pk=case.pk).queue_id == setup.complaints.pk


def test_a_batch_of_mail_is_routed_case_by_case(setup: Setup) -> None:
    """The e-mail intake's batch (rows inserted at its end, lib.deferred): every case gets
    its rule's queue, its task and its route row."""
    from helpline.channels.email.adapter import Received, ingest_batch
    from helpline.channels.models import Mailbox

    org = setup.tenant.org
    box = Mailbox.objects.create(organization=org, name="URP", address="urp@comune.example")
    trade = create_customer(
        org=org, actor=SYSTEM, name="Assoc", email="a@trade.it", segment_id=setup.trade_segment.pk
    )

    def raw(i: int, sender: str) -> bytes:
        return (
            f"From: <{sender}>\r\nTo: urp@comune.example\r\nSubject: N {i}\r\n"
            f"Message-ID: <b{i}@example.it>\r\n\r\nBody {i}\r\n"
        ).encode()

    senders = ["x@example.it", trade.email, "y@example.it", trade.email]
    ingest_batch([Received(box, raw(i, s)) for i, s in enumerate(senders)], source="test")
    cases = list(Case.objects.filter(organization=org, channel="email").order_by("pk"))
    want = [setup.front.pk, setup.trade.pk, setup.front.pk, setup.trade.pk]
    assert [c.queue_id for c in cases] == want
    assert [[t.queue_id for t in _active_tasks(c)] for c in cases] == [[q] for q in want]
    assert CaseRoute.objects.filter(case__in=cases).count() == 4


def test_a_closed_case_reclassified_stays_where_it_was(setup: Setup) -> None:
    case = _open(setup)
    case = change_status(case=case, actor=SYSTEM, status=Status.CLOSED)
    case = change_urgency(case=case, actor=SYSTEM, urgency="emergency")
    assert Case.objects.get(pk=case.pk).queue_id == setup.front.pk
    assert _active_tasks(case) == []
