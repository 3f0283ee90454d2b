"""The case page's Classification form: changing type, topic and subject re-routes the case
by the tenant's rules (audited, one ``reclassified`` event in the timeline); read-only roles
get 403, other tenants' cases 404, and another tenant's topic or subject is a field error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from helpline.audit.models import AuditEntry
from helpline.cases.models import Case, Subject, Topic
from helpline.desk.tests.helpers import HTMX, client_for, make_case
from helpline.events.models import ContactEvent, EventKind
from helpline.lib.actors import Actor
from helpline.routing import configuration as routing_config
from helpline.routing import rules
from helpline.routing.models import Queue

SYSTEM = Actor.system("tests")


@pytest.fixture(autouse=True)
def _fresh_routing_rules() -> Iterator[None]:
    """Rule snapshots are cached per process; ids come back after a rolled-back test."""
    rules.clear_cache()
    yield
    rules.clear_cache()


def _url(tenant: Any, case: Case, name: str = "case_classification") -> str:
    return reverse(f"desk:{name}", args=[tenant.org.slug, case.pk])


def _roads(tenant: Any) -> tuple[Topic, Subject]:
    topic = Topic.objects.create(organization=tenant.org, code="roads", name="Roads")
    subject = Subject.objects.create(
        organization=tenant.org, topic=topic, code="potholes", name="Potholes"
    )
    return topic, subject


def test_reclassifying_in_the_desk_routes_the_case_to_the_queue_the_rules_choose(
    desk_a: Any, tenant_a: Any
) -> None:
    org = tenant_a.org
    roads, potholes = _roads(tenant_a)
    front = Queue.objects.create(organization=org, code="front", name="Front office")
    works = Queue.objects.create(organization=org, code="works", name="Public works")
    routing_config.create_rule(
        org=org,
        actor=SYSTEM,
        data=routing_config.RuleData(
            name="Road complaints",
            queue_id=works.pk,
            case_types=["complaint"],
            topic_ids=[roads.pk],
        ),
    )
    routing_config.create_rule(
        org=org, actor=SYSTEM, data=routing_config.RuleData(name="Everything", queue_id=front.pk)
    )
    case = make_case(tenant_a, topic_id=tenant_a.topic.pk)
    assert case.queue_id == front.pk

    response = desk_a.post(
        _url(tenant_a, case),
        {"case_type": "complaint", "topic": roads.pk, "subject": potholes.pk},
        headers=HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Classification changed." in html
    case.refresh_from_db()
    assert (case.case_type, case.topic_id, case.subject_id) == ("complaint", roads.pk, potholes.pk)
    assert case.queue_id == works.pk
    changes = AuditEntry.objects.filter(object_id=str(case.pk), action="update")
    changed = {name for e in changes for name in e.changes}
    assert {"case_type", "topic", "subject", "queue"} <= changed
    event = ContactEvent.objects.get(case_id=case.pk, kind=EventKind.RECLASSIFIED)
    assert event.data["to"] == {"type": "complaint", "topic": roads.pk, "subject": potholes.pk}
    # The timeline names the change in words.
    assert "Reclassified" in html
    assert "Information → Complaint" in html
    assert "Roads › Potholes" in html
    # The queue change the rules made is shown by name, and no template comment leaks.
    assert '<td class="after">Public works</td>' in html
    assert "{#" not in html


def test_saving_the_same_classification_changes_nothing(desk_a: Any, tenant_a: Any) -> None:
    case = make_case(tenant_a, topic_id=tenant_a.topic.pk, subject_id=tenant_a.subject.pk)
    audits = AuditEntry.objects.count()
    response = desk_a.post(
        _url(tenant_a, case),
        {"case_type": "information", "topic": tenant_a.topic.pk, "subject": tenant_a.subject.pk},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.count() == audits
    assert not ContactEvent.objects.filter(case_id=case.pk, kind=EventKind.RECLASSIFIED).exists()


def test_the_referent_may_not_reclassify(tenant_a: Any) -> None:
    case = make_case(tenant_a)
    client = client_for(tenant_a.referent)
    response = client.post(_url(tenant_a, case), {"case_type": "complaint"})
    assert response.status_code == 403
    page = client.get(_url(tenant_a, case, "case_detail")).content.decode()
    assert 'id="classification"' not in page
    case.refresh_from_db()
    assert case.case_type == "information"


def test_another_tenants_case_is_404(desk_a: Any, tenant_a: Any, tenant_b: Any) -> None:
    foreign = make_case(tenant_b)
    response = desk_a.post(_url(tenant_a, foreign), {"case_type": "complaint"})
    assert response.status_code == 404
    assert desk_a.get(_url(tenant_a, foreign), {"topic": tenant_a.topic.pk}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.case_type == "information"


def test_a_foreign_topic_or_subject_is_a_field_error_and_changes_nothing(
    desk_a: Any, tenant_a: Any, tenant_b: Any
) -> None:
    case = make_case(tenant_a, topic_id=tenant_a.topic.pk)
    response = desk_a.post(
        _url(tenant_a, case),
        {"case_type": "complaint", "topic": tenant_b.topic.pk, "subject": tenant_b.subject.pk},
        headers=HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-field="topic">Choose one of the topics offered.' in html
    assert 'data-field="subject">Choose one of the subjects offered.' in html
    case.refresh_from_db()
    assert (case.case_type, case.topic_id) == ("information", tenant_a.topic.pk)

    response = desk_a.post(
        _url(tenant_a, case),
        {"case_type": "information", "topic": tenant_a.topic.pk, "subject": tenant_b.subject.pk},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert 'data-field="subject">Choose one of the subjects offered.' in response.content.decode()


def test_a_subject_of_another_topic_and_a_bad_type_are_field_errors(
    desk_a: Any, tenant_a: Any
) -> None:
    case = make_case(tenant_a, topic_id=tenant_a.topic.pk)
    _roads_topic, potholes = _roads(tenant_a)
    response = desk_a.post(
        _url(tenant_a, case),
        {"case_type": "gossip", "topic": tenant_a.topic.pk, "subject": potholes.pk},
        headers=HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-field="case_type">' in html
    assert 'data-field="subject">This subject does not belong to the topic.' in html


def test_the_subject_list_follows_the_chosen_topic_of_the_tenant(
    desk_a: Any, tenant_a: Any, tenant_b: Any
) -> None:
    roads, potholes = _roads(tenant_a)
    case = make_case(tenant_a, topic_id=tenant_a.topic.pk)
    page = desk_a.get(_url(tenant_a, case, "case_detail")).content.decode()
    form = page.split('id="classification"', 1)[1].split("</form>", 1)[0]
    assert "Potholes" not in form  # only the case's topic's subjects at first
    assert "Other" in form
    html = desk_a.get(_url(tenant_a, case), {"topic": roads.pk}, headers=HTMX).content.decode()
    assert f'value="{potholes.pk}"' in html and "Other" not in html
    html = desk_a.get(_url(tenant_a, case), {"topic": tenant_b.topic.pk}).content.decode()
    assert f'value="{tenant_b.subject.pk}"' not in html


def test_a_reclassification_through_the_api_shows_in_the_timeline_too(
    desk_a: Any, api_a: Any, tenant_a: Any
) -> None:
    roads, _potholes = _roads(tenant_a)
    case = make_case(tenant_a, topic_id=tenant_a.topic.pk)
    response = api_a.post(
        f"/api/v1/cases/{case.pk}/classification",
        {"case_type": "complaint", "topic_id": roads.pk, "change_topic": True},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    kinds = list(
        ContactEvent.objects.filter(case_id=case.pk, kind=EventKind.RECLASSIFIED).values_list(
            "data", flat=True
        )
    )
    assert [d["to"]["topic"] for d in kinds] == [roads.pk, roads.pk]
    assert [d["to"]["type"] for d in kinds] == ["information", "complaint"]
    html = desk_a.get(_url(tenant_a, case, "case_detail")).content.decode()
    assert f"General {tenant_a.org.slug} → Roads" in html
    assert "Information → Complaint" in html


def test_the_sla_targets_follow_a_reclassification_in_the_desk(desk_a: Any, tenant_a: Any) -> None:
    from helpline.sla.models import CaseSla, Clock, Policy, PolicyTarget, TargetKind, TargetUnit

    org = tenant_a.org
    general = Policy.objects.create(organization=org, name="general", position=2)
    PolicyTarget.objects.create(
        policy=general, kind=TargetKind.RESOLUTION, amount=5, unit=TargetUnit.CALENDAR_DAYS
    )
    complaints = Policy.objects.create(
        organization=org, name="complaints", case_type="complaint", position=1
    )
    PolicyTarget.objects.create(
        policy=complaints, kind=TargetKind.RESOLUTION, amount=30, unit=TargetUnit.CALENDAR_DAYS
    )
    case = make_case(tenant_a, topic_id=tenant_a.topic.pk)
    before = Clock.objects.get(case=case, kind=TargetKind.RESOLUTION).due_at
    assert CaseSla.objects.get(case=case).policy_id == general.pk

    desk_a.post(_url(tenant_a, case), {"case_type": "complaint", "topic": tenant_a.topic.pk})

    assert CaseSla.objects.get(case=case).policy_id == complaints.pk
    after = Clock.objects.get(case=case, kind=TargetKind.RESOLUTION).due_at
    assert before is not None and after is not None
    assert timedelta(days=24) < after - before < timedelta(days=26)
