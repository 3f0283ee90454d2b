"""The routing API and desk screens: behaviour, tenant isolation (another tenant's ids are
404) and bounded query counts."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from helpline.routing import engine
from helpline.routing.models import Agent, CallbackRequest, Offer, Task
from helpline.routing.services import accept_offer
from helpline.routing.tests.conftest import SYSTEM


def _post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def _offer_for_operator(desk):
    """The tenant's API operator is a queue member with a pending offer."""
    from helpline.routing.models import QueueMember

    op = desk.tenant.operator
    QueueMember.objects.create(organization=desk.tenant.org, queue=desk.queue, user=op)
    engine.clear_config_cache()
    desk.available(op)
    desk.case(channel="phone")
    (decision,) = engine.route_cycle(org_id=desk.tenant.org.pk)
    return Offer.objects.get(pk=decision.offer_id)


def test_api_queues_show_waiting_counts_and_only_the_callers_tenant(desk, desk_b, api_a):
    desk.case()
    desk_b.case()
    body = api_a.get("/api/v1/routing/queues").json()
    assert [(q["id"], q["waiting"]) for q in body["items"]] == [(desk.queue.pk, 1)]


def test_api_state_offer_accept_and_finish(desk, api_a):
    offer = _offer_for_operator(desk)
    me = api_a.get("/api/v1/routing/me").json()
    assert me["state"] == "available" and me["offers"][0]["id"] == offer.pk
    r = _post(api_a, f"/api/v1/routing/offers/{offer.pk}/accept")
    assert r.status_code == 200 and r.json()["status"] == "assigned"
    assert _post(api_a, f"/api/v1/routing/offers/{offer.pk}/accept").status_code == 409
    r = _post(api_a, f"/api/v1/routing/tasks/{offer.task_id}/finish")
    assert r.status_code == 200 and r.json()["status"] == "done"
    r = _post(api_a, "/api/v1/routing/me/state", {"state": "paused"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "reason"
    r = _post(api_a, "/api/v1/routing/me/state", {"state": "paused", "reason": "Training"})
    assert r.json()["state"] == "paused"


def test_api_reject_returns_the_item(desk, api_a):
    offer = _offer_for_operator(desk)
    assert _post(api_a, f"/api/v1/routing/offers/{offer.pk}/reject").json()["status"] == "waiting"


def test_api_callback_request_now_and_at_a_time(desk, api_a):
    r = _post(
        api_a, "/api/v1/routing/callbacks", {"phone": "+39 06 1234 5678", "queue_id": desk.queue.pk}
    )
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "scheduled"
    r = _post(
        api_a,
        "/api/v1/routing/callbacks",
        {"phone": "+39 06 1234 5678", "queue_id": desk.queue.pk, "at": "2099-01-01T10:00:00Z"},
    )
    assert r.json()["due_at"].startswith("2099-01-01T10:00:00")
    r = _post(api_a, "/api/v1/routing/callbacks", {"phone": "x", "queue_id": desk.queue.pk})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "phone"
    assert CallbackRequest.objects.count() == 2


def test_referent_tokens_cannot_change_routing(desk, tenant_a):
    referent = Client(headers={"Authorization": f"Bearer {tenant_a.referent_token}"})
    r = _post(
        referent, "/api/v1/routing/callbacks", {"phone": "+39 06 1", "queue_id": desk.queue.pk}
    )
    assert r.status_code == 403


def test_tenant_b_cannot_touch_tenant_a_routing(desk, desk_b, api_b):
    offer = _offer_for_operator(desk)
    a_queue = desk.queue.pk
    assert _post(api_b, f"/api/v1/routing/offers/{offer.pk}/accept").status_code == 404
    assert _post(api_b, f"/api/v1/routing/offers/{offer.pk}/reject").status_code == 404
    assert _post(api_b, f"/api/v1/routing/tasks/{offer.task_id}/finish").status_code == 404
    assert _post(api_b, f"/api/v1/routing/tasks/{offer.task_id}/abandon").status_code == 404
    assert (
        _post(
            api_b, f"/api/v1/routing/tasks/{offer.task_id}/callback-attempt", {"reached": True}
        ).status_code
        == 404
    )
    r = _post(
        api_b, "/api/v1/routing/callbacks", {"phone": "+55 11 5555 0000", "queue_id": a_queue}
    )
    assert r.status_code == 422
    assert Offer.objects.get(pk=offer.pk).outcome == "pending"
    assert api_b.get("/api/v1/routing/me").json()["offers"] == []


def _desk_client(user):
    c = Client()
    c.force_login(user)
    return c


def test_desk_pages_carry_the_presence_widget_and_it_switches_state(desk):
    op = desk.tenant.operator
    slug = desk.tenant.org.slug
    c = _desk_client(op)
    page = c.get(reverse("desk:case_list", args=[slug]))
    assert b'id="presence-slot"' in page.content
    assert f"/ws/routing/{slug}/".encode() in page.content
    r = c.post(reverse("routing:set_state", args=[slug]), {"state": "available"})
    assert r.status_code == 200 and b"state-available" in r.content
    assert Agent.objects.get(user=op).state == "available"
    r = c.post(reverse("routing:set_state", args=[slug]), {"state": "paused"})
    assert r.status_code == 422 and b'role="alert"' in r.content


def test_desk_offer_popup_accept_and_finish(desk):
    offer = _offer_for_operator(desk)
    slug = desk.tenant.org.slug
    c = _desk_client(desk.tenant.operator)
    widget = c.get(reverse("routing:presence", args=[slug]))
    assert (
        b"offer-popup" in widget.content
        and offer.task.case.protocol_number.encode() in widget.content
    )
    r = c.post(reverse("routing:offer_accept", args=[slug, offer.pk]))
    assert r.status_code == 200 and b"offer-popup" not in r.content
    r = c.post(reverse("routing:task_finish", args=[slug, offer.task_id]))
    assert Task.objects.get(pk=offer.task_id).status == "done"


def test_desk_routing_views_are_404_for_another_tenant(desk, desk_b):
    offer = _offer_for_operator(desk)
    c = _desk_client(desk_b.tenant.operator)
    slug_a, slug_b = desk.tenant.org.slug, desk_b.tenant.org.slug
    assert c.get(reverse("routing:presence", args=[slug_a])).status_code == 404
    assert c.post(reverse("routing:offer_accept", args=[slug_b, offer.pk])).status_code == 404
    assert Offer.objects.get(pk=offer.pk).outcome == "pending"
    sup_b = _desk_client(desk_b.tenant.supervisor)
    assert sup_b.get(reverse("routing:wallboard", args=[slug_a])).status_code == 404
    r = sup_b.post(
        reverse("routing:task_move", args=[slug_b, offer.task_id]), {"queue": desk_b.queue.pk}
    )
    assert r.status_code == 404
    r = sup_b.post(
        reverse("routing:agent_state", args=[slug_b, desk.tenant.operator.pk]), {"state": "offline"}
    )
    assert r.status_code == 404
    assert Agent.objects.get(user=desk.tenant.operator).state == "available"


def test_the_wallboard_is_for_supervisors(desk):
    slug = desk.tenant.org.slug
    assert (
        _desk_client(desk.tenant.operator)
        .get(reverse("routing:wallboard", args=[slug]))
        .status_code
        == 403
    )


def test_wallboard_shows_queues_and_its_queries_do_not_grow(desk):
    slug = desk.tenant.org.slug
    sup = _desk_client(desk.tenant.supervisor)
    ann = desk.agent("ann")
    desk.available(ann)
    desk.case(channel="phone")
    (decision,) = engine.route_cycle(org_id=desk.tenant.org.pk)
    accept_offer(org=desk.tenant.org, offer_id=decision.offer_id, user_id=ann.pk, actor=SYSTEM)
    r = sup.get(reverse("routing:wallboard", args=[slug]))
    assert r.status_code == 200 and b"Front office" in r.content and b"100.0 %" in r.content
    with CaptureQueriesContext(connection) as small:
        sup.get(reverse("routing:wallboard", args=[slug]), headers={"HX-Request": "true"})
    for i in range(5):
        desk.agent(f"more{i}")
        desk.available(desk.agents[-1])
        desk.case(channel="phone")
    with CaptureQueriesContext(connection) as big:
        sup.get(reverse("routing:wallboard", args=[slug]), headers={"HX-Request": "true"})
    assert len(big.captured_queries) == len(small.captured_queries)


def test_supervisor_changes_an_agents_state_and_moves_an_item(desk):
    from helpline.routing.models import Queue

    org, slug = desk.tenant.org, desk.tenant.org.slug
    other = Queue.objects.create(organization=org, code="l2", name="Specialists")
    ann = desk.agent("ann")
    desk.available(ann)
    sup = _desk_client(desk.tenant.supervisor)
    r = sup.post(reverse("routing:agent_state", args=[slug, ann.pk]), {"state": "paused"})
    assert r.status_code == 200
    agent = Agent.objects.get(user=ann)
    assert (agent.state, agent.pause_reason) == ("paused", "Set by a supervisor")
    case = desk.case()
    task = Task.objects.get(case=case)
    r = sup.post(reverse("routing:task_move", args=[slug, task.pk]), {"queue": other.pk})
    assert r.status_code == 200
    assert Task.objects.get(pk=task.pk).queue_id == other.pk
    r = sup.post(reverse("routing:task_move", args=[slug, task.pk]), {"queue": ""})
    assert r.status_code == 422


@pytest.mark.parametrize("path", ["me/", "wallboard/"])
def test_anonymous_users_go_to_login(desk, path):
    r = Client().get(f"/desk/{desk.tenant.org.slug}/routing/{path}")
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_api_case_with_a_queue_is_routed_and_another_tenants_queue_is_refused(desk, desk_b, api_a):
    body = {"case_type": "information", "title": "Meter", "queue_id": desk.queue.pk}
    r = _post(api_a, "/api/v1/cases", body)
    assert r.status_code == 201
    assert Task.objects.get(case_id=r.json()["id"]).queue_id == desk.queue.pk
    r = _post(api_a, "/api/v1/cases", body | {"queue_id": desk_b.queue.pk})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "queue_id"
