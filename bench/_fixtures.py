"""A benchmark tenant built through the services, like a real one (needs Django set up)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PASSWORD = "bench-Helpline-1"


@dataclass
class BenchTenant:
    org: Any
    operator: Any
    token: str
    topic_id: int
    subject_id: int
    customer_id: int


def make_tenant(*, slug: str = "bench", prefix: str = "BEN") -> BenchTenant:
    from helpline.cases.models import Subject, Topic
    from helpline.customers.services import create_customer
    from helpline.lib.actors import Actor
    from helpline.tenancy.models import Role
    from helpline.tenancy.services import (
        add_member,
        create_api_token,
        create_organization,
        create_user,
    )

    system = Actor.system("bench")
    org = create_organization(
        actor=system,
        name=f"Bench {slug}",
        slug=slug,
        country="BR",
        language="pt-br",
        time_zone="America/Sao_Paulo",
        protocol_prefix=prefix,
    )
    operator = create_user(username=f"{slug}-operator", password=PASSWORD)
    membership = add_member(actor=system, org=org, user=operator, role=Role.OPERATOR)
    _t, token = create_api_token(actor=system, membership=membership, name="bench")
    topic = Topic.objects.create(organization=org, code="water", name="Water supply")
    subject = Subject.objects.create(
        organization=org, topic=topic, code="no-water", name="No water"
    )
    customer = create_customer(
        org=org,
        actor=system,
        name="Maria da Silva",
        email="maria@example.com",
        phone="+55 11 98765-4321",
    )
    return BenchTenant(org, operator, token, topic.pk, subject.pk, customer.pk)


def session_cookie(user: Any) -> str:
    """A ``Cookie`` header value for a logged-in session of ``user`` (stored in the DB, so
    the server's workers accept it)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
