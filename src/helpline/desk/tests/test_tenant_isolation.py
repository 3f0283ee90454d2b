"""One tenant can neither see nor change another's cases through the desk, and the client
referent reads without being able to change anything."""

from __future__ import annotations

import pytest
from django.urls import reverse

from helpline.cases.models import Case, Message
from helpline.cases.services import UploadedFile, add_message, add_task
from helpline.desk.tests.helpers import client_for, make_case


def _case_urls(slug: str, case_id: int, task_id: int = 1, attachment_id: int = 1) -> dict[str, str]:
    kw = {"org_slug": slug, "case_id": case_id}
    return {
        "case_detail": reverse("desk:case_detail", kwargs=kw),
        "case_message": reverse("desk:case_message", kwargs=kw),
        "case_status": reverse("desk:case_status", kwargs=kw),
        "case_urgency": reverse("desk:case_urgency", kwargs=kw),
        "case_assign": reverse("desk:case_assign", kwargs=kw),
        "case_task_add": reverse("desk:case_task_add", kwargs=kw),
        "case_task_done": reverse("desk:case_task_done", kwargs={**kw, "task_id": task_id}),
        "attachment": reverse("desk:attachment", kwargs={**kw, "attachment_id": attachment_id}),
    }


POSTS = {
    "case_message": {"direction": "outbound", "body": "Hello"},
    "case_status": {"status": "open"},
    "case_urgency": {"urgency": "high", "severity": "major"},
    "case_assign": {"assignee": "", "level": "l2"},
    "case_task_add": {"title": "Call back"},
    "case_task_done": {},
}


@pytest.fixture
def foreign_case(tenant_b):
    case = make_case(tenant_b, title="Leak in the main street")
    msg = add_message(
        case=case,
        actor=tenant_b.actor,
        direction="inbound",
        body="Water!",
        attachments=[UploadedFile("photo.txt", "text/plain", b"leak")],
    )
    task = add_task(case=case, actor=tenant_b.actor, title="Send a crew")
    return case, task, msg.attachments.get()


def test_org_pages_of_another_tenant_are_404(desk_a, tenant_a, tenant_b):
    for name in ("case_list", "case_new", "customer_search", "org_home"):
        url = reverse(f"desk:{name}", kwargs={"org_slug": tenant_b.org.slug})
        assert desk_a.get(url).status_code == 404, name
    assert (
        desk_a.post(reverse("desk:case_new", args=[tenant_b.org.slug]), {"title": "x"}).status_code
        == 404
    )


def test_a_slug_that_does_not_exist_is_404_too(desk_a):
    assert desk_a.get(reverse("desk:case_list", args=["nope"])).status_code == 404


def test_another_tenants_case_is_404_under_their_slug_and_under_ours(
    desk_a, tenant_a, tenant_b, foreign_case
):
    case, task, attachment = foreign_case
    before = Case.objects.get(pk=case.pk)
    for slug in (tenant_b.org.slug, tenant_a.org.slug):
        urls = _case_urls(slug, case.pk, task.pk, attachment.pk)
        for name, url in urls.items():
            post = name in POSTS
            response = desk_a.post(url, POSTS[name]) if post else desk_a.get(url)
            assert response.status_code == 404, (slug, name)
            assert b"Leak in the main street" not in response.content
    after = Case.objects.get(pk=case.pk)
    assert (after.status, after.urgency, after.level) == (
        before.status,
        before.urgency,
        before.level,
    )
    assert Message.objects.filter(case=case).count() == 1
    task.refresh_from_db()
    assert task.done_at is None


def test_a_task_of_another_tenants_case_cannot_be_completed_through_our_case(
    desk_a, tenant_a, foreign_case
):
    _case, task, _att = foreign_case
    ours = make_case(tenant_a)
    url = reverse("desk:case_task_done", args=[tenant_a.org.slug, ours.pk, task.pk])
    assert desk_a.post(url).status_code == 404
    task.refresh_from_db()
    assert task.done_at is None


def test_customer_lookup_finds_only_our_customers(desk_a, tenant_a, tenant_b):
    from helpline.customers.services import create_customer

    create_customer(org=tenant_b.org, actor=tenant_b.actor, name="Maria Foreign")
    create_customer(org=tenant_a.org, actor=tenant_a.actor, name="Mario Rossi")
    url = reverse("desk:customer_search", args=[tenant_a.org.slug])
    body = desk_a.get(url, {"requester_q": "Mari"}).content.decode()
    assert "Mario Rossi" in body
    assert "Maria Foreign" not in body


def test_referent_sees_the_case_without_forms(tenant_a):
    case = make_case(tenant_a)
    referent = client_for(tenant_a.referent)
    page = referent.get(reverse("desk:case_detail", args=[tenant_a.org.slug, case.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert case.protocol_number in html
    assert '<form method="post" action="/desk/' not in html
    listing = referent.get(reverse("desk:case_list", args=[tenant_a.org.slug]))
    assert listing.status_code == 200
    assert reverse("desk:case_new", args=[tenant_a.org.slug]) not in listing.content.decode()


def test_referent_cannot_post_anything(tenant_a):
    case = make_case(tenant_a)
    task = add_task(case=case, actor=tenant_a.actor, title="Check the register")
    referent = client_for(tenant_a.referent)
    for name, url in _case_urls(tenant_a.org.slug, case.pk, task.pk).items():
        if name in POSTS:
            assert referent.post(url, POSTS[name]).status_code == 403, name
    new_url = reverse("desk:case_new", args=[tenant_a.org.slug])
    assert referent.get(new_url).status_code == 403
    assert referent.post(new_url, {"title": "x", "channel": "counter"}).status_code == 403
    case.refresh_from_db()
    assert case.status == "new"
    assert Case.objects.filter(organization=tenant_a.org).count() == 1
    assert Message.objects.filter(case=case).count() == 0


def test_anonymous_users_are_sent_to_login(client, tenant_a):
    response = client.get(reverse("desk:case_list", args=[tenant_a.org.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
