"""Tenancy: creating organisations, memberships with roles, API tokens and the selectors
that decide which organisation a user or a token acts for."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from helpline.audit.models import AuditEntry
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError, NotFound
from helpline.tenancy import selectors, services
from helpline.tenancy.models import (
    ApiToken,
    Membership,
    Organization,
    Role,
    hash_token,
)
from helpline.tenancy.permissions import Action, may

SYSTEM = Actor.system("tests")
ORG = {
    "name": "Comune di Prova",
    "slug": "prova",
    "country": "IT",
    "language": "it",
    "time_zone": "Europe/Rome",
    "protocol_prefix": "PRV",
}


def _user(name: str) -> Any:
    return services.create_user(username=name, password="pw-Helpline-1")


# --- organisations -------------------------------------------------------------------


def test_creating_an_organisation_validates_it_and_audits_the_creation(db: None) -> None:
    org = services.create_organization(actor=SYSTEM, **ORG)
    assert org.protocol_format == "{prefix}-{year}-{seq:07d}"  # the default
    entry = AuditEntry.objects.get(organization=org, object_type__icontains="organization")
    assert entry.action == "create" and entry.actor_label == SYSTEM.label
    assert entry.changes["name"] in ("Comune di Prova", [None, "Comune di Prova"])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("country", "it"),  # two upper-case letters
        ("country", "ITA"),
        ("protocol_prefix", "prv-1"),  # upper-case letters and digits
        ("brand_color", "blue"),
        ("language", "xx"),
        ("slug", "not a slug"),
    ],
)
def test_an_organisation_with_an_invalid_field_is_refused_and_nothing_is_written(
    db: None, field: str, value: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_organization(actor=SYSTEM, **(ORG | {field: value}))
    assert field in exc.value.message_dict
    assert not Organization.objects.exists()
    assert not AuditEntry.objects.exists()


def test_two_organisations_cannot_share_a_slug(db: None) -> None:
    services.create_organization(actor=SYSTEM, **ORG)
    with pytest.raises(ValidationError) as exc:
        services.create_organization(actor=SYSTEM, **(ORG | {"name": "Other"}))
    assert "slug" in exc.value.message_dict
    assert Organization.objects.count() == 1


# --- memberships and roles -----------------------------------------------------------


def test_a_user_may_serve_several_organisations_once_each(db: None) -> None:
    a = services.create_organization(actor=SYSTEM, **ORG)
    b = services.create_organization(actor=SYSTEM, **(ORG | {"slug": "altro", "name": "Altro"}))
    ann = _user("ann")
    services.add_member(actor=SYSTEM, org=a, user=ann, role=Role.OPERATOR)
    services.add_member(actor=SYSTEM, org=b, user=ann, role=Role.SUPERVISOR)
    assert [m.organization.name for m in selectors.memberships_for_user(user=ann)] == [
        "Altro",
        "Comune di Prova",
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        services.add_member(actor=SYSTEM, org=a, user=ann, role=Role.ADMIN)
    assert AuditEntry.objects.filter(organization=a, object_type__icontains="membership").count()


@pytest.mark.parametrize("role", list(Role))
def test_each_role_writes_and_configures_as_the_matrix_says(db: None, role: Role) -> None:
    org = services.create_organization(actor=SYSTEM, **ORG)
    m = services.add_member(actor=SYSTEM, org=org, user=_user("u"), role=role)
    assert m.can_write == may(m, Action.WRITE_CASES)
    # The client referent only reads; only supervisors and administrators open settings.
    assert (role == Role.CLIENT_REFERENT) == (not m.can_write)
    assert may(m, Action.VIEW_SETTINGS) == (role in (Role.SUPERVISOR, Role.ADMIN))


def test_membership_for_answers_not_found_for_strangers_and_inactive_members(
    tenant_a: Any, tenant_b: Any
) -> None:
    op = tenant_a.operator
    assert selectors.membership_for(user=op, org_slug=tenant_a.org.slug).organization == (
        tenant_a.org
    )
    # Another tenant, an unknown slug and an inactive membership look the same.
    for slug in (tenant_b.org.slug, "no-such-org"):
        with pytest.raises(NotFound):
            selectors.membership_for(user=op, org_slug=slug)
    Membership.objects.filter(user=op).update(is_active=False)
    with pytest.raises(NotFound):
        selectors.membership_for(user=op, org_slug=tenant_a.org.slug)
    assert not selectors.memberships_for_user(user=op).exists()


def test_operators_are_the_active_members_who_may_write(tenant_a: Any) -> None:
    names = [m.user.username for m in selectors.operators_for(org=tenant_a.org)]
    assert tenant_a.operator.username in names and tenant_a.supervisor.username in names
    assert tenant_a.referent.username not in names  # reads only
    Membership.objects.filter(user=tenant_a.supervisor).update(is_active=False)
    names = [m.user.username for m in selectors.operators_for(org=tenant_a.org)]
    assert tenant_a.supervisor.username not in names


# --- API tokens ----------------------------------------------------------------------


def test_a_token_is_stored_as_its_hash_only_and_acts_for_its_membership(tenant_a: Any) -> None:
    m = Membership.objects.get(user=tenant_a.operator, organization=tenant_a.org)
    token, raw = services.create_api_token(actor=SYSTEM, membership=m, name="CRM sync")
    assert raw.startswith("hl_") and len(raw) > 40
    token.refresh_from_db()
    assert token.key_hash == hash_token(raw) and raw not in (token.key_hash, token.key_prefix)
    assert token.key_prefix == raw[:8] and str(token) == f"CRM sync ({raw[:8]}…)"
    assert selectors.membership_for_token(raw) == m
    assert selectors.membership_for_token(raw + "x") is None
    entry = AuditEntry.objects.filter(object_type__icontains="token").latest("pk")
    assert raw not in str(entry.changes)


def test_two_tokens_of_one_member_are_different(tenant_a: Any) -> None:
    m = Membership.objects.get(user=tenant_a.operator, organization=tenant_a.org)
    _t1, one = services.create_api_token(actor=SYSTEM, membership=m, name="a")
    _t2, two = services.create_api_token(actor=SYSTEM, membership=m, name="a")
    assert one != two


def test_a_revoked_token_acts_for_nobody_and_the_revocation_is_audited(tenant_a: Any) -> None:
    m = Membership.objects.get(user=tenant_a.operator, organization=tenant_a.org)
    token, raw = services.create_api_token(actor=SYSTEM, membership=m, name="x")
    services.revoke_api_token(actor=SYSTEM, token=token)
    assert selectors.membership_for_token(raw) is None
    assert AuditEntry.objects.filter(
        object_type__icontains="token", object_id=str(token.pk), action="update"
    ).exists()


def test_a_token_of_an_inactive_user_or_membership_acts_for_nobody(tenant_a: Any) -> None:
    m = Membership.objects.get(user=tenant_a.operator, organization=tenant_a.org)
    _t, raw = services.create_api_token(actor=SYSTEM, membership=m, name="x")
    tenant_a.operator.is_active = False
    tenant_a.operator.save()
    assert selectors.membership_for_token(raw) is None
    tenant_a.operator.is_active = True
    tenant_a.operator.save()
    assert selectors.membership_for_token(raw) == m
    Membership.objects.filter(pk=m.pk).update(is_active=False)
    assert selectors.membership_for_token(raw) is None


def test_last_use_is_written_at_most_once_a_minute(
    tenant_a: Any, django_assert_num_queries: Any
) -> None:
    m = Membership.objects.get(user=tenant_a.operator, organization=tenant_a.org)
    token, raw = services.create_api_token(actor=SYSTEM, membership=m, name="x")
    with django_assert_num_queries(2):  # the lookup, and the first use written
        selectors.membership_for_token(raw)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # the lookup only: used less than a minute ago
        selectors.membership_for_token(raw)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    selectors.membership_for_token(raw)
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at > first - timedelta(minutes=1)
    assert token.last_used_at <= timezone.now()


def test_a_token_reaches_only_its_own_organisations_data(tenant_a: Any, tenant_b: Any) -> None:
    from helpline.customers.services import create_customer

    create_customer(org=tenant_b.org, actor=tenant_b.actor, name="Only In B")
    client = Client(headers={"Authorization": f"Bearer {tenant_a.token}"})
    r = client.get("/api/v1/customers/search", {"q": "Only In B"})
    assert r.status_code == 200
    assert "Only In B" not in r.content.decode()


# --- user language -------------------------------------------------------------------


def test_a_user_language_must_be_one_the_product_speaks(db: None) -> None:
    ann = _user("ann")
    assert services.set_user_language(user=ann, language="cs").language == "cs"
    assert services.set_user_language(user=ann, language="").language == ""
    with pytest.raises(FieldValidationError):
        services.set_user_language(user=ann, language="klingon")
    ann.profile.refresh_from_db()
    assert ann.profile.language == ""


def test_the_desk_speaks_the_users_chosen_language_over_the_browsers(tenant_a: Any) -> None:
    services.set_user_language(user=tenant_a.operator, language="cs")
    client = Client(headers={"Accept-Language": "it"})
    client.force_login(tenant_a.operator)
    r = client.get(f"/desk/{tenant_a.org.slug}/cases/")
    assert r.status_code == 200
    assert r.headers.get("Content-Language") == "cs"
