"""Runs in a separate process: routes, and plays agents who accept, reject, ignore, finish
and change state, against the test database named by the parent, until every item is
finished. Expected refusals (an offer that is no longer open...) are counted, not raised."""

from __future__ import annotations

import os
import random
import time
from typing import Any


def work(db_name: str, org_id: int, seed: int, nproc: int, deadline: float) -> dict[str, int]:
    """Every process routes for all agents; each plays its own share of the agents (as
    each agent has their own browser), so agents' actions race with other processes'
    routing decisions, expiries and abandonments."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    import django

    django.setup()
    from django.db import DatabaseError, IntegrityError, connections

    connections["default"].settings_dict["NAME"] = db_name
    from helpline.lib.actors import Actor
    from helpline.lib.errors import DomainError
    from helpline.routing import engine, services
    from helpline.routing.models import ACTIVE_TASK_STATUSES, Offer, Task
    from helpline.tenancy.models import Organization

    rng = random.Random(seed)
    org = Organization.objects.get(pk=org_id)
    actor = Actor.system(f"worker-{seed}")
    counts = {"offers": 0, "refused": 0, "integrity": 0, "db_errors": 0, "rounds": 0}
    agent_ids = [
        pk
        for pk in org.memberships.filter(role="operator").values_list("user_id", flat=True)
        if pk % nproc == seed
    ]

    def attempt(fn: Any, **kw: Any) -> None:
        try:
            fn(**kw)
        except DomainError:
            counts["refused"] += 1
        except IntegrityError:
            counts["integrity"] += 1
        except DatabaseError:  # deadlock or serialisation failure: retried next round
            counts["db_errors"] += 1

    while time.time() < deadline:
        counts["rounds"] += 1
        if not Task.objects.filter(
            organization_id=org_id, status__in=ACTIVE_TASK_STATUSES
        ).exists():
            break
        try:
            counts["offers"] += len(engine.route_cycle(org_id=org_id, max_decisions=60))
        except IntegrityError:
            counts["integrity"] += 1
        except DatabaseError:
            counts["db_errors"] += 1
        pending = list(
            Offer.objects.filter(
                organization_id=org_id, outcome="pending", user_id__in=agent_ids
            ).values_list("pk", "user_id")
        )
        for offer_id, user_id in pending:
            roll = rng.random()
            if roll < 0.90:
                attempt(
                    services.accept_offer, org=org, offer_id=offer_id, user_id=user_id, actor=actor
                )
            elif roll < 0.97:
                attempt(
                    services.reject_offer, org=org, offer_id=offer_id, user_id=user_id, actor=actor
                )
            # else: ignored, it will time out
        assigned = list(
            Task.objects.filter(
                organization_id=org_id, status="assigned", agent_id__in=agent_ids
            ).values_list("pk", "agent_id")
        )
        for task_id, user_id in assigned:
            attempt(services.finish_task, org=org, task_id=task_id, user_id=user_id, actor=actor)
        waiting = list(
            Task.objects.filter(organization_id=org_id, status="waiting").values_list(
                "pk", flat=True
            )[:500]
        )
        if waiting and rng.random() < 0.3:
            attempt(
                services.abandon_task, task=Task.objects.get(pk=rng.choice(waiting)), actor=actor
            )
        for user_id in rng.sample(agent_ids, 2):
            state = rng.choice(["available", "available", "available", "paused", "offline"])
            attempt(
                services.set_agent_state,
                org=org,
                user_id=user_id,
                actor=actor,
                state=state,
                reason="break" if state == "paused" else "",
            )
        attempt(services.expire_offers)
        attempt(services.end_wrapups)
    connections.close_all()
    return counts
