"""Routing fixtures: a tenant with queues, skills and agents ready to take work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from helpline.cases.services import open_case
from helpline.lib.actors import Actor
from helpline.routing import engine
from helpline.routing.models import Queue, QueueMember
from helpline.routing.services import set_agent_state
from helpline.tenancy.models import Role
from helpline.tenancy.services import add_member, create_user

SYSTEM = Actor.system("tests")


@dataclass
class Desk:
    tenant: Any
    queue: Queue
    agents: list[Any]

    def agent(self, name: str, *, queue: Queue | None = None, **member: Any) -> Any:
        user = create_user(username=f"{self.tenant.org.slug}-{name}", password="pw-Helpline-1")
        add_member(actor=SYSTEM, org=self.tenant.org, user=user, role=Role.OPERATOR)
        QueueMember.objects.create(
            organization=self.tenant.org, queue=queue or self.queue, user=user, **member
        )
        self.agents.append(user)
        engine.clear_config_cache()
        return user

    def available(self, user: Any, now: datetime | None = None) -> None:
        set_agent_state(
            org=self.tenant.org, user_id=user.pk, actor=SYSTEM, state="available", now=now
        )

    def case(self, *, queue: Queue | None = None, **kw: Any) -> Any:
        fields = {"channel": "email", "case_type": "information", "title": "Help"} | kw
        return open_case(
            org=self.tenant.org,
            actor=SYSTEM,
            queue_id=(queue or self.queue).pk,
            **fields,
        )


def make_desk(tenant: Any) -> Desk:
    queue = Queue.objects.create(organization=tenant.org, code="front", name="Front office")
    engine.clear_config_cache()
    return Desk(tenant=tenant, queue=queue, agents=[])


@pytest.fixture
def desk(tenant_a: Any) -> Desk:
    return make_desk(tenant_a)


@pytest.fixture
def desk_b(tenant_b: Any) -> Desk:
    return make_desk(tenant_b)


@pytest.fixture(autouse=True)
def _fresh_routing_rules() -> Any:
    """Rule snapshots are cached per process and organisation ids come back after a
    rolled-back test on SQLite: no test may see another's rules."""
    from helpline.routing import rules

    rules.clear_cache()
    yield
    rules.clear_cache()
