"""Fixtures shared by every test: two tenants, each with operators, a referent, a topic
catalogue and API tokens, so every test can check isolation as well as behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from helpline.cases.models import Subject, Topic
from helpline.lib.actors import Actor
from helpline.tenancy.models import Membership, Organization, Role
from helpline.tenancy.services import add_member, create_api_token, create_organization, create_user

SYSTEM = Actor.system("tests")


@dataclass
class Tenant:
    org: Organization
    operator: Any
    supervisor: Any
    admin: Any
    referent: Any
    topic: Topic
    subject: Subject
    token: str
    referent_token: str

    @property
    def actor(self) -> Actor:
        return Actor.for_user(self.operator)


def _tenant(*, slug: str, name: str, country: str, language: str, tz: str, prefix: str) -> Tenant:
    org = create_organization(
        actor=SYSTEM,
        name=name,
        slug=slug,
        country=country,
        language=language,
        time_zone=tz,
        protocol_prefix=prefix,
    )
    users = {}
    for role in (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN, Role.CLIENT_REFERENT):
        user = create_user(username=f"{slug}-{role}", password="pw-Helpline-1")
        add_member(actor=SYSTEM, org=org, user=user, role=role)
        users[role] = user
    topic = Topic.objects.create(organization=org, code="general", name=f"General {slug}")
    subject = Subject.objects.create(organization=org, topic=topic, code="other", name="Other")
    op_m = Membership.objects.get(organization=org, user=users[Role.OPERATOR])
    ref_m = Membership.objects.get(organization=org, user=users[Role.CLIENT_REFERENT])
    _t, token = create_api_token(actor=SYSTEM, membership=op_m, name="tests")
    _t2, ref_token = create_api_token(actor=SYSTEM, membership=ref_m, name="tests")
    return Tenant(
        org=org,
        operator=users[Role.OPERATOR],
        supervisor=users[Role.SUPERVISOR],
        admin=users[Role.ADMIN],
        referent=users[Role.CLIENT_REFERENT],
        topic=topic,
        subject=subject,
        token=token,
        referent_token=ref_token,
    )


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> None:
    """PBKDF2 at production strength costs ~0.3 s per user; tests create dozens."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tenant_a(db: None) -> Tenant:
    """An Italian municipal help desk."""
    return _tenant(
        slug="comune",
        name="Comune di Esempio",
        country="IT",
        language="it",
        tz="Europe/Rome",
        prefix="CMN",
    )


@pytest.fixture
def tenant_b(db: None) -> Tenant:
    """A Brazilian water utility."""
    return _tenant(
        slug="aguas",
        name="Águas do Vale",
        country="BR",
        language="pt-br",
        tz="America/Sao_Paulo",
        prefix="AGV",
    )


def api_client(tenant: Tenant, user: Any) -> Client:
    """An API client with a new token of ``user``'s membership of ``tenant``."""
    membership = Membership.objects.get(organization=tenant.org, user=user)
    _t, token = create_api_token(actor=SYSTEM, membership=membership, name="tests")
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def admin_api_a(tenant_a: Tenant) -> Client:
    """Tenant A's administrator through the API (retention, erasure, SLA settings...)."""
    return api_client(tenant_a, tenant_a.admin)


@pytest.fixture
def api_a(tenant_a: Tenant) -> Client:
    return Client(headers={"Authorization": f"Bearer {tenant_a.token}"})


@pytest.fixture
def api_b(tenant_b: Tenant) -> Client:
    return Client(headers={"Authorization": f"Bearer {tenant_b.token}"})


@pytest.fixture
def desk_a(tenant_a: Tenant) -> Client:
    c = Client()
    c.force_login(tenant_a.operator)
    return c


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
