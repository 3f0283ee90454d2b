"""The Django admin is the platform operator's (superusers only): every model opens, edits
are audited, references across tenants are refused, the append-only logs are read-only, and
staff who are not superusers are turned away."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from helpline.audit.models import AuditEntry
from helpline.cases.models import Topic
from helpline.customers.models import Customer
from helpline.desk.tests.helpers import make_case
from helpline.events.models import ContactEvent
from helpline.routing.models import Queue
from helpline.tenancy.models import ApiToken, Membership, Role, hash_token
from helpline.tenancy.services import create_user


@pytest.fixture
def root(db) -> Client:
    user = create_user(username="root", password="pw-Helpline-1", is_staff=True, is_superuser=True)
    c = Client()
    c.force_login(user)
    return c


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_registered_model_lists_and_opens(root, tenant_a):
    case = make_case(tenant_a)
    for model in admin.site._registry:
        response = root.get(_url(model, "changelist"))
        assert response.status_code == 200, model
    assert root.get(_url(type(case), "change", case.pk)).status_code == 200
    entry = AuditEntry.objects.filter(organization=tenant_a.org).first()
    assert root.get(_url(AuditEntry, "change", entry.pk)).status_code == 200


def test_audit_entries_and_contact_events_are_read_only(root, tenant_a):
    make_case(tenant_a)
    for model in (AuditEntry, ContactEvent):
        obj = model.objects.filter(organization=tenant_a.org).first()
        assert root.get(_url(model, "add")).status_code == 403
        assert root.get(_url(model, "delete", obj.pk)).status_code == 403
        page = root.get(_url(model, "change", obj.pk)).content.decode()
        assert 'name="_save"' not in page
        before = model.objects.count()
        root.post(
            _url(model, "changelist"),
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        assert model.objects.count() == before


def test_cases_cannot_be_added_or_changed_in_the_admin(root, tenant_a):
    case = make_case(tenant_a)
    assert root.get(_url(type(case), "add")).status_code == 403
    root.post(_url(type(case), "change", case.pk), {"status": "closed"})
    case.refresh_from_db()
    assert case.status == "new"


def test_a_topic_with_subjects_created_in_the_admin_is_audited(root, tenant_a):
    response = root.post(
        _url(Topic, "add"),
        {
            "organization": tenant_a.org.pk,
            "code": "lighting",
            "name": "Street lighting",
            "description": "",
            "position": 1,
            "is_active": "on",
            "subjects-TOTAL_FORMS": 1,
            "subjects-INITIAL_FORMS": 0,
            "subjects-0-code": "pole",
            "subjects-0-name": "Pole out of order",
            "subjects-0-default_case_type": "fault_report",
            "subjects-0-position": 0,
            "subjects-0-is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    topic = Topic.objects.get(code="lighting")
    subject = topic.subjects.get()
    assert subject.organization_id == tenant_a.org.pk
    types = set(
        AuditEntry.objects.filter(organization=tenant_a.org, action="create").values_list(
            "object_type", flat=True
        )
    )
    assert {"cases.topic", "cases.subject"} <= types
    root.post(
        _url(Topic, "change", topic.pk),
        {
            "organization": tenant_a.org.pk,
            "code": "lighting",
            "name": "Public lighting",
            "description": "",
            "position": 1,
            "is_active": "on",
            "subjects-TOTAL_FORMS": 1,
            "subjects-INITIAL_FORMS": 1,
            "subjects-0-id": subject.pk,
            "subjects-0-topic": topic.pk,
            "subjects-0-code": "pole",
            "subjects-0-name": "Pole out of order",
            "subjects-0-default_case_type": "fault_report",
            "subjects-0-position": 0,
            "subjects-0-is_active": "on",
        },
    )
    change = AuditEntry.objects.get(object_type="cases.topic", action="update")
    assert change.changes == {"name": ["Street lighting", "Public lighting"]}


def test_a_queue_may_not_take_another_organisations_topic(root, tenant_a, tenant_b):
    response = root.post(
        _url(Queue, "add"),
        {
            "organization": tenant_a.org.pk,
            "code": "front",
            "name": "Front office",
            "level": "l1",
            "channel": "",
            "topics": [tenant_b.topic.pk],
        },
    )
    assert response.status_code == 200
    assert "another organisation" in response.content.decode()
    assert not Queue.objects.exists()


def test_customers_are_validated_for_the_country(root, tenant_a):
    response = root.post(
        _url(Customer, "add"),
        {
            "organization": tenant_a.org.pk,
            "name": "Mario Rossi",
            "email": "",
            "phone": "12",
            "tax_id": "nope",
            "language": "",
        },
    )
    assert response.status_code == 200
    assert not Customer.objects.exists()
    response = root.post(
        _url(Customer, "add"),
        {
            "organization": tenant_a.org.pk,
            "name": "Mario Rossi",
            "email": "",
            "phone": "06 6988 4321",
            "tax_id": "",
            "language": "",
        },
    )
    assert response.status_code == 302
    assert Customer.objects.get().phone == "+390669884321"


def test_a_token_created_in_the_admin_is_shown_once_and_stored_hashed(root, tenant_a):
    membership = Membership.objects.get(organization=tenant_a.org, user=tenant_a.operator)
    response = root.post(
        _url(ApiToken, "add"), {"membership": membership.pk, "name": "integration"}, follow=True
    )
    html = response.content.decode()
    token = ApiToken.objects.get(name="integration")
    raw = html.split("The new token is ", 1)[1].split(".", 1)[0]
    assert hash_token(raw) == token.key_hash
    assert raw not in root.get(_url(ApiToken, "change", token.pk)).content.decode()


def test_staff_who_are_not_superusers_get_no_admin_and_no_admin_link(tenant_a, tenant_b):
    """A tenant's administrator made staff would see every tenant's rows in the admin's
    dropdowns and every user of every tenant: the admin turns them away."""
    boss = tenant_a.admin
    boss.is_staff = True
    boss.save()
    from django.contrib.auth.models import Permission

    boss.user_permissions.set(Permission.objects.all())
    c = Client()
    c.force_login(boss)
    index = c.get(reverse("admin:index"))
    assert index.status_code == 302 and "/admin/login/" in index["Location"]
    for model in (Topic, Queue, Membership):
        assert c.get(_url(model, "changelist")).status_code == 302
    assert c.get(_url(Topic, "change", tenant_b.topic.pk)).status_code == 302
    response = c.post(
        _url(Topic, "add"),
        {"organization": tenant_b.org.pk, "code": "x", "name": "X", "position": 0},
    )
    assert response.status_code == 302
    assert not Topic.objects.filter(code="x").exists()
    desk = c.get(reverse("desk:case_list", args=[tenant_a.org.slug])).content.decode()
    assert reverse("admin:index") not in desk


def test_superusers_see_the_admin_link(root, tenant_a):
    from django.contrib.auth import get_user_model

    from helpline.lib.actors import Actor
    from helpline.tenancy.services import add_member

    user = get_user_model().objects.get(username="root")
    add_member(actor=Actor.system("tests"), org=tenant_a.org, user=user, role=Role.ADMIN)
    desk = root.get(reverse("desk:case_list", args=[tenant_a.org.slug])).content.decode()
    assert reverse("admin:index") in desk
