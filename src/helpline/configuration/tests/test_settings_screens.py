"""The catalogue, routing and service-level screens of the settings area: every screen is
scoped to its tenant (another tenant's row is a 404), opens per the permission matrix,
offers only the tenant's rows in its choices, and writes through audited services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.urls import reverse

from helpline.audit.models import AuditEntry
from helpline.cases import configuration as cases_conf
from helpline.cases.models import Subject, Topic
from helpline.configuration import screens
from helpline.configuration.crud import REGISTRY
from helpline.customers import configuration as customers_conf
from helpline.customers.models import Customer, Segment
from helpline.lib.actors import Actor
from helpline.routing import queue_configuration as routing_conf
from helpline.routing.models import AgentSkill, Queue, QueueMember, Skill
from helpline.sla import configuration as sla_conf
from helpline.sla.models import Calendar, OpeningSlot, PenaltyRule, Policy
from helpline.tenancy.models import Role
from helpline.tenancy.permissions import MATRIX

if TYPE_CHECKING:
    from conftest import Tenant

SYSTEM = Actor.system("tests")
assert screens  # registers the screens (urls.py does it for the site)


def _queue(t: Tenant, code: str = "front") -> Queue:
    return routing_conf.create_queue(
        org=t.org, actor=SYSTEM, values={"code": code, "name": code.title()}
    )


def _skill(t: Tenant) -> Skill:
    return routing_conf.create_skill(
        org=t.org, actor=SYSTEM, values={"code": "it", "name": "Italian", "kind": "other"}
    )


def _calendar(t: Tenant) -> Calendar:
    return sla_conf.create_calendar(
        org=t.org,
        actor=SYSTEM,
        data=sla_conf.CalendarData(
            name="Office",
            time_zone="Europe/Rome",
            slots=[sla_conf.SlotData(0, time(9), time(17))],
        ),
    )


#: A row of each screen, made in the given tenant through the services.
ROWS: dict[str, Callable[[Tenant], Any]] = {
    "topics": lambda t: t.topic,
    "subjects": lambda t: t.subject,
    "segments": lambda t: customers_conf.create_segment(
        org=t.org, actor=SYSTEM, values={"code": "assoc", "name": "Associations"}
    ),
    "queues": _queue,
    "queue-members": lambda t: routing_conf.create_member(
        org=t.org, actor=SYSTEM, values={"queue": _queue(t), "user": t.operator}
    ),
    "escalation-steps": lambda t: routing_conf.create_step(
        org=t.org, actor=SYSTEM, values={"queue": _queue(t), "after_seconds": 60}
    ),
    "skills": _skill,
    "agent-skills": lambda t: routing_conf.create_agent_skill(
        org=t.org, actor=SYSTEM, values={"user": t.operator, "skill": _skill(t), "level": 4}
    ),
    "calendars": _calendar,
    "sla-policies": lambda t: sla_conf.create_policy(
        org=t.org, actor=SYSTEM, data=sla_conf.PolicyData(name="Standard")
    ),
    "penalty-rules": lambda t: sla_conf.create_penalty_rule(
        org=t.org,
        actor=SYSTEM,
        values={"name": "Late", "kind": "per_breach", "amount": "10.00", "currency": "eur"},
    ),
}


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _url(key: str, t: Tenant, suffix: str = "", *args: Any) -> str:
    return reverse(f"configuration:{key}{suffix}", args=[t.org.slug, *args])


def test_every_registered_screen_has_a_tenant_row_factory() -> None:
    assert set(ROWS) == set(REGISTRY)


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(ROWS))
def test_another_tenants_row_is_a_404_on_every_screen(
    key: str, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    theirs = ROWS[key](tenant_b)
    mine = ROWS[key](tenant_a)
    c = _client(tenant_a.admin)
    assert c.get(_url(key, tenant_a, "_edit", mine.pk)).status_code == 200
    assert c.get(_url(key, tenant_a, "_edit", theirs.pk)).status_code == 404
    assert c.get(_url(key, tenant_a, "_delete", theirs.pk)).status_code == 404
    assert c.post(_url(key, tenant_a, "_delete", theirs.pk)).status_code == 404
    assert c.post(_url(key, tenant_a, "_edit", theirs.pk), {"name": "x"}).status_code == 404
    listing = c.get(_url(key, tenant_a)).content.decode()
    assert _url(key, tenant_a, "_edit", theirs.pk) not in listing
    assert _url(key, tenant_a, "_edit", mine.pk) in listing
    assert _url(key, tenant_a, "_delete", mine.pk) in listing
    # ...and the other tenant's own admin cannot reach tenant A's settings at all.
    assert _client(tenant_b.admin).get(_url(key, tenant_a)).status_code == 404
    type(theirs).objects.get(pk=theirs.pk)  # untouched


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(ROWS))
def test_each_screen_opens_per_the_permission_matrix(key: str, tenant_a: Tenant) -> None:
    allowed = MATRIX[REGISTRY[key].action]
    users = {
        Role.OPERATOR: tenant_a.operator,
        Role.SUPERVISOR: tenant_a.supervisor,
        Role.ADMIN: tenant_a.admin,
        Role.CLIENT_REFERENT: tenant_a.referent,
    }
    row = ROWS[key](tenant_a)
    for role, user in users.items():
        c = _client(user)
        want = 200 if role in allowed else 403
        assert c.get(_url(key, tenant_a)).status_code == want, (role, key)
        assert c.get(_url(key, tenant_a, "_new")).status_code == want, (role, key)
        assert c.get(_url(key, tenant_a, "_edit", row.pk)).status_code == want, (role, key)
    assert Role.OPERATOR not in allowed
    assert c.post(_url(key, tenant_a, "_delete", row.pk)).status_code == 403  # referent


@pytest.mark.django_db
def test_supervisors_manage_catalogue_and_routing_but_not_service_levels(
    tenant_a: Tenant,
) -> None:
    c = _client(tenant_a.supervisor)
    index = c.get(reverse("configuration:index", args=[tenant_a.org.slug])).content.decode()
    assert _url("topics", tenant_a) in index and _url("queues", tenant_a) in index
    assert _url("calendars", tenant_a) not in index
    assert c.get(_url("penalty-rules", tenant_a)).status_code == 403


@pytest.mark.django_db
def test_a_topic_created_changed_and_deleted_on_screen_is_audited(tenant_a: Tenant) -> None:
    c = _client(tenant_a.supervisor)
    form = {"code": "lighting", "name": "Street lighting", "description": "", "position": 1}
    response = c.post(_url("topics", tenant_a, "_new"), {**form, "is_active": "on"})
    assert response.status_code == 302
    topic = Topic.objects.get(organization=tenant_a.org, code="lighting")
    created = AuditEntry.objects.get(object_type="cases.topic", object_id=str(topic.pk))
    assert created.action == "create" and created.actor_user_id == tenant_a.supervisor.pk
    assert created.changes["name"] == [None, "Street lighting"]

    c.post(
        _url("topics", tenant_a, "_edit", topic.pk),
        {**form, "name": "Public lighting", "is_active": "on"},
    )
    change = AuditEntry.objects.get(object_id=str(topic.pk), action="update")
    assert change.changes == {"name": ["Street lighting", "Public lighting"]}

    response = c.post(_url("topics", tenant_a, "_delete", topic.pk), follow=True)
    assert "was deleted" in response.content.decode()
    assert not Topic.objects.filter(pk=topic.pk).exists()
    assert AuditEntry.objects.filter(object_id=str(topic.pk), action="delete").exists()


@pytest.mark.django_db
def test_a_topic_that_cases_use_is_deactivated_not_deleted(tenant_a: Tenant) -> None:
    from helpline.desk.tests.helpers import make_case

    case = make_case(tenant_a, topic_id=tenant_a.topic.pk)
    assert case.topic_id == tenant_a.topic.pk
    c = _client(tenant_a.admin)
    response = c.post(_url("topics", tenant_a, "_delete", tenant_a.topic.pk), follow=True)
    assert "deactivated" in response.content.decode()
    tenant_a.topic.refresh_from_db()
    assert tenant_a.topic.is_active is False
    entry = AuditEntry.objects.get(object_id=str(tenant_a.topic.pk), action="update")
    assert entry.changes == {"is_active": [True, False]}


@pytest.mark.django_db
def test_a_duplicate_code_is_a_field_error_and_nothing_is_written(tenant_a: Tenant) -> None:
    c = _client(tenant_a.admin)
    before = AuditEntry.objects.count()
    response = c.post(
        _url("topics", tenant_a, "_new"), {"code": "general", "name": "Again", "position": 0}
    )
    assert response.status_code == 422
    assert 'data-field="code"' in response.content.decode()
    assert Topic.objects.filter(organization=tenant_a.org).count() == 1
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_a_segment_in_use_cannot_be_deleted_and_says_what_uses_it(tenant_a: Tenant) -> None:
    segment = ROWS["segments"](tenant_a)
    Customer.objects.create(organization=tenant_a.org, name="Ada", segment=segment)
    c = _client(tenant_a.admin)
    response = c.post(_url("segments", tenant_a, "_delete", segment.pk), follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert "customers" in response.content.decode()
    assert Segment.objects.filter(pk=segment.pk).exists()


@pytest.mark.django_db
def test_queue_choices_hold_only_the_tenants_rows(tenant_a: Tenant, tenant_b: Tenant) -> None:
    ROWS["segments"](tenant_b)
    _queue(tenant_b, "theirs")
    mine = _queue(tenant_a, "mine")
    page = _client(tenant_a.admin).get(_url("queues", tenant_a, "_new")).content.decode()
    assert tenant_a.topic.name in page and tenant_b.topic.name not in page
    assert "Associations" not in page and "Theirs" not in page
    assert f'value="{mine.pk}"' in page
    # the queue being edited is no overflow choice of its own
    edit = _client(tenant_a.admin).get(_url("queues", tenant_a, "_edit", mine.pk)).content
    assert f'<option value="{mine.pk}"' not in edit.decode()


@pytest.mark.django_db
def test_a_queue_refuses_another_tenants_topic_and_queue_by_field(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    theirs = _queue(tenant_b, "theirs")
    c = _client(tenant_a.supervisor)
    response = c.post(
        _url("queues", tenant_a, "_new"),
        {
            "code": "front",
            "name": "Front",
            "level": "l1",
            "strategy": "longest_idle",
            "offer_timeout_seconds": 20,
            "max_missed_offers": 3,
            "wrapup_seconds": 0,
            "service_level_seconds": 60,
            "overflow_action": "queue",
            "overflow_queue": theirs.pk,
            "no_agent_policy": "wait",
            "topics": [tenant_b.topic.pk],
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-field="topics"' in html and 'data-field="overflow_queue"' in html
    assert not Queue.objects.filter(organization=tenant_a.org).exists()


@pytest.mark.django_db
def test_a_queue_round_trip_with_members_and_a_refused_delete(tenant_a: Tenant) -> None:
    c = _client(tenant_a.supervisor)
    fields = {
        "code": "front",
        "name": "Front",
        "level": "l1",
        "strategy": "round_robin",
        "offer_timeout_seconds": 20,
        "max_missed_offers": 3,
        "wrapup_seconds": 30,
        "service_level_seconds": 60,
        "overflow_action": "none",
        "no_agent_policy": "wait",
        "topics": [tenant_a.topic.pk],
    }
    assert c.post(_url("queues", tenant_a, "_new"), fields).status_code == 302
    queue = Queue.objects.get(organization=tenant_a.org)
    assert list(queue.topics.all()) == [tenant_a.topic]
    created = AuditEntry.objects.get(object_type="routing.queue", action="create")
    assert created.changes["topics"] == [None, [tenant_a.topic.pk]]

    response = c.post(
        _url("queue-members", tenant_a, "_new"),
        {"queue": queue.pk, "user": tenant_a.operator.pk, "priority": 1, "delay_seconds": 0},
    )
    assert response.status_code == 302
    member = QueueMember.objects.get(queue=queue)
    assert AuditEntry.objects.filter(object_type="routing.queuemember", action="create").exists()
    listing = c.get(_url("queue-members", tenant_a) + f"?queue={queue.pk}").content.decode()
    assert tenant_a.operator.username in listing

    c.post(_url("queues", tenant_a, "_edit", queue.pk), {**fields, "strategy": "best_skill"})
    change = AuditEntry.objects.get(object_type="routing.queue", action="update")
    assert change.changes == {"strategy": ["round_robin", "best_skill"]}

    # a calendar names the queue: the queue stays, the message says why
    cal = _calendar(tenant_a)
    Calendar.objects.filter(pk=cal.pk).update(queue=queue)
    response = c.post(_url("queues", tenant_a, "_delete", queue.pk), follow=True)
    assert "business calendars" in response.content.decode()
    assert Queue.objects.filter(pk=queue.pk).exists()
    # once nothing refers to it, it goes with its members
    Calendar.objects.filter(pk=cal.pk).update(queue=None)
    response = c.post(_url("queues", tenant_a, "_delete", queue.pk), follow=True)
    assert "was deleted" in response.content.decode()
    assert not Queue.objects.filter(pk=queue.pk).exists()
    assert not QueueMember.objects.filter(pk=member.pk).exists()


@pytest.mark.django_db
def test_a_queue_member_must_be_a_member_of_the_tenant(tenant_a: Tenant, tenant_b: Tenant) -> None:
    queue = _queue(tenant_a)
    c = _client(tenant_a.admin)
    page = c.get(_url("queue-members", tenant_a, "_new")).content.decode()
    assert tenant_a.operator.username in page and tenant_b.operator.username not in page
    response = c.post(
        _url("queue-members", tenant_a, "_new"),
        {"queue": queue.pk, "user": tenant_b.operator.pk, "priority": 1, "delay_seconds": 0},
    )
    assert response.status_code == 422 and 'data-field="user"' in response.content.decode()
    assert not QueueMember.objects.exists()


@pytest.mark.django_db
def test_a_topic_skill_must_name_its_topic_and_agent_levels_are_1_to_5(
    tenant_a: Tenant,
) -> None:
    c = _client(tenant_a.admin)
    response = c.post(
        _url("skills", tenant_a, "_new"), {"code": "lighting", "name": "Lighting", "kind": "topic"}
    )
    assert response.status_code == 422 and 'data-field="topic"' in response.content.decode()
    response = c.post(
        _url("skills", tenant_a, "_new"),
        {"code": "lighting", "name": "Lighting", "kind": "topic", "topic": tenant_a.topic.pk},
    )
    assert response.status_code == 302
    skill = Skill.objects.get(organization=tenant_a.org)
    response = c.post(
        _url("agent-skills", tenant_a, "_new"),
        {"user": tenant_a.operator.pk, "skill": skill.pk, "level": 9},
    )
    assert response.status_code == 422
    assert not AgentSkill.objects.exists()


def _calendar_post(**extra: Any) -> dict[str, Any]:
    data = {
        "name": "Front office",
        "time_zone": "Europe/Rome",
        "holiday_country": "IT",
        "holiday_subdivision": "",
        "channel": "",
        "queue": "",
        "slots-TOTAL_FORMS": 2,
        "slots-INITIAL_FORMS": 0,
        "slots-0-weekday": 0,
        "slots-0-start": "09:00",
        "slots-0-end": "13:00",
        "slots-1-weekday": 0,
        "slots-1-start": "14:00",
        "slots-1-end": "18:00",
        "exceptions-TOTAL_FORMS": 1,
        "exceptions-INITIAL_FORMS": 0,
        "exceptions-0-kind": "closure",
        "exceptions-0-starts_on": "2026-08-14",
        "exceptions-0-ends_on": "2026-08-14",
        "exceptions-0-note": "Patron saint",
    }
    return {**data, **extra}


#: On an edit page the stored rows are the formsets' initial forms.
_EDITING = {"slots-INITIAL_FORMS": 2, "exceptions-INITIAL_FORMS": 1}


@pytest.mark.django_db
def test_a_calendar_with_slots_and_a_closure_is_saved_through_the_sla_services(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    c = _client(tenant_a.admin)
    response = c.post(_url("calendars", tenant_a, "_new"), _calendar_post())
    assert response.status_code == 302, response.content.decode()[-3000:]
    cal = Calendar.objects.get(organization=tenant_a.org)
    assert [(s.start, s.end) for s in cal.slots.all()] == [
        (time(9), time(13)),
        (time(14), time(18)),
    ]
    assert cal.exceptions.get().note == "Patron saint"
    assert AuditEntry.objects.filter(object_type="sla.calendar", action="create").exists()

    # another tenant's queue is refused on its field, nothing changes
    theirs = _queue(tenant_b)
    response = c.post(
        _url("calendars", tenant_a, "_edit", cal.pk),
        _calendar_post(name="Changed", queue=theirs.pk, **_EDITING),
    )
    assert response.status_code == 422 and 'data-field="queue"' in response.content.decode()
    cal.refresh_from_db()
    assert cal.name == "Front office"

    # dropping a slot (DELETE) and renaming: audited, version bumped
    response = c.post(
        _url("calendars", tenant_a, "_edit", cal.pk),
        _calendar_post(name="Office", **{"slots-1-DELETE": "on"}, **_EDITING),
    )
    assert response.status_code == 302
    cal.refresh_from_db()
    assert cal.name == "Office" and cal.version == 2
    assert OpeningSlot.objects.filter(calendar=cal).count() == 1
    change = AuditEntry.objects.get(object_type="sla.calendar", action="update")
    assert change.changes["name"] == ["Front office", "Office"]


@pytest.mark.django_db
def test_a_calendar_with_no_open_time_is_refused(tenant_a: Tenant) -> None:
    c = _client(tenant_a.admin)
    response = c.post(
        _url("calendars", tenant_a, "_new"),
        _calendar_post(**{"slots-TOTAL_FORMS": 0}),
    )
    assert response.status_code == 422
    assert not Calendar.objects.exists()


@pytest.mark.django_db
def test_a_policy_with_targets_and_an_escalation_round_trips(tenant_a: Tenant) -> None:
    queue = _queue(tenant_a)
    c = _client(tenant_a.admin)
    data = {
        "name": "Faults",
        "position": 10,
        "is_active": "on",
        "calendar": "",
        "channel": "",
        "case_type": "fault_report",
        "urgency": "",
        "severity": "",
        "topic": tenant_a.topic.pk,
        "segment": "",
        "pause_statuses": ["waiting_customer"],
        "targets-TOTAL_FORMS": 1,
        "targets-INITIAL_FORMS": 0,
        "targets-0-kind": "resolution",
        "targets-0-amount": 5,
        "targets-0-unit": "working_days",
        "targets-0-business_time": "on",
        "targets-0-warning_percent": 80,
        "escalations-TOTAL_FORMS": 1,
        "escalations-INITIAL_FORMS": 0,
        "escalations-0-trigger": "breach",
        "escalations-0-action": "move_to_queue",
        "escalations-0-queue": queue.pk,
    }
    response = c.post(_url("sla-policies", tenant_a, "_new"), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    policy = Policy.objects.get(organization=tenant_a.org)
    assert policy.pause_statuses == ["waiting_customer"]
    assert policy.targets.get().amount == 5
    assert policy.escalations.get().queue_id == queue.pk
    assert AuditEntry.objects.filter(object_type="sla.policy", action="create").exists()

    # a penalty rule names it: deleting the policy deactivates it
    rule = sla_conf.create_penalty_rule(
        org=tenant_a.org,
        actor=SYSTEM,
        values={"name": "Late", "kind": "per_breach", "amount": "5", "policy": policy},
    )
    c.post(_url("sla-policies", tenant_a, "_delete", policy.pk))
    policy.refresh_from_db()
    assert policy.is_active is False
    assert PenaltyRule.objects.filter(pk=rule.pk).exists()


@pytest.mark.django_db
def test_a_penalty_rule_round_trips_and_refuses_another_tenants_policy(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    theirs = ROWS["sla-policies"](tenant_b)
    c = _client(tenant_a.admin)
    data = {
        "name": "Late resolution",
        "kind": "per_working_day",
        "target_kind": "resolution",
        "case_type": "",
        "amount": "25.00",
        "currency": "eur",
        "monthly_cap": "",
        "is_active": "on",
    }
    response = c.post(_url("penalty-rules", tenant_a, "_new"), {**data, "policy": theirs.pk})
    assert response.status_code == 422 and 'data-field="policy"' in response.content.decode()
    assert c.post(_url("penalty-rules", tenant_a, "_new"), data).status_code == 302
    rule = PenaltyRule.objects.get(organization=tenant_a.org)
    assert rule.currency == "EUR"
    response = c.post(_url("penalty-rules", tenant_a, "_new"), {**data, "currency": "euro"})
    assert response.status_code == 422 and 'data-field="currency"' in response.content.decode()
    c.post(_url("penalty-rules", tenant_a, "_delete", rule.pk))
    assert not PenaltyRule.objects.exists()
    assert AuditEntry.objects.filter(object_type="sla.penaltyrule", action="delete").exists()


@pytest.mark.django_db
def test_a_subject_under_another_tenants_topic_is_refused(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    c = _client(tenant_a.admin)
    response = c.post(
        _url("subjects", tenant_a, "_new"),
        {"topic": tenant_b.topic.pk, "code": "x", "name": "X", "position": 0},
    )
    assert response.status_code == 422 and 'data-field="topic"' in response.content.decode()
    assert not Subject.objects.filter(code="x").exists()
    # the service refuses it too (the API's path)
    from helpline.lib.errors import FieldValidationError

    with pytest.raises(FieldValidationError) as exc:
        cases_conf.create_subject(
            org=tenant_a.org,
            actor=SYSTEM,
            values={"topic": tenant_b.topic, "code": "x", "name": "X"},
        )
    assert set(exc.value.errors) == {"topic"}


@pytest.mark.django_db
def test_the_sla_calendar_page_links_the_settings_for_administrators(tenant_a: Tenant) -> None:
    settings_url = _url("calendars", tenant_a)
    page = reverse("sla:calendars", args=[tenant_a.org.slug])
    assert settings_url in _client(tenant_a.admin).get(page).content.decode()
    assert settings_url not in _client(tenant_a.supervisor).get(page).content.decode()


@pytest.mark.django_db
def test_a_list_costs_the_same_queries_for_one_row_or_many(tenant_a: Tenant) -> None:
    """Columns across relations (segment, overflow queue, topics) are read with the rows."""
    c = _client(tenant_a.admin)
    url = _url("queues", tenant_a)
    segment = ROWS["segments"](tenant_a)
    first = _queue(tenant_a, "q0")
    first.topics.add(tenant_a.topic)
    c.get(url)  # warm the session and the language
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        c.get(url)
    for i in range(1, 6):
        q = routing_conf.create_queue(
            org=tenant_a.org,
            actor=SYSTEM,
            values={
                "code": f"q{i}",
                "name": f"Q{i}",
                "segment": segment,
                "overflow_action": "queue",
                "overflow_queue": first,
                "topics": [tenant_a.topic],
            },
        )
        assert q.topics.count() == 1
    with CaptureQueriesContext(connection) as many:
        page = c.get(url).content.decode()
    assert "Q5" in page and "Associations" in page
    assert len(many) == len(one)


@pytest.mark.django_db
def test_ids_beyond_any_row_are_404_and_ignored_filters(tenant_a: Tenant) -> None:
    c = _client(tenant_a.admin)
    huge = 10**30
    assert c.get(_url("topics", tenant_a, "_edit", huge)).status_code == 404
    assert c.get(_url("subjects", tenant_a) + f"?topic={huge}").status_code == 200
