"""The settings area's entry page: open to supervisors and administrators of the tenant,
403 to operators and referents, 404 across tenants; the desk's menu links it."""

from __future__ import annotations

import pytest
from conftest import Tenant
from django.test import Client
from django.urls import reverse

from helpline.tenancy.models import Role
from helpline.tenancy.permissions import MATRIX, Action, Permissions, may
from helpline.tenancy.selectors import membership_for


def _get(user: object, slug: str) -> int:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client.get(reverse("configuration:index", args=[slug])).status_code


@pytest.mark.django_db
def test_settings_index_opens_for_supervisor_and_admin_only(tenant_a: Tenant) -> None:
    slug = tenant_a.org.slug
    assert _get(tenant_a.admin, slug) == 200
    assert _get(tenant_a.supervisor, slug) == 200
    assert _get(tenant_a.operator, slug) == 403
    assert _get(tenant_a.referent, slug) == 403


@pytest.mark.django_db
def test_settings_index_of_another_tenant_is_404(tenant_a: Tenant, tenant_b: Tenant) -> None:
    assert _get(tenant_a.admin, tenant_b.org.slug) == 404


@pytest.mark.django_db
def test_desk_menu_links_settings_for_those_who_may_open_it(tenant_a: Tenant) -> None:
    url = reverse("configuration:index", args=[tenant_a.org.slug])
    for user, shown in ((tenant_a.admin, True), (tenant_a.operator, False)):
        client = Client()
        client.force_login(user)
        page = client.get(reverse("desk:case_list", args=[tenant_a.org.slug]))
        assert (url in page.content.decode()) is shown


@pytest.mark.django_db
def test_permission_matrix_covers_every_action_and_inactive_members_may_nothing(
    tenant_a: Tenant,
) -> None:
    assert set(MATRIX) == set(Action)
    membership = membership_for(user=tenant_a.admin, org_slug=tenant_a.org.slug)
    assert may(membership, Action.MANAGE_USERS)
    assert Permissions(membership).manage_users is True
    membership.is_active = False
    assert not may(membership, Action.READ_CASES)
    assert not may(None, Action.READ_CASES)
    assert Role.ADMIN in MATRIX[Action.VIEW_SETTINGS]
