"""Appending contact events. Called by other services inside their transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from helpline.events.models import ContactEvent
from helpline.lib import deferred
from helpline.lib.actors import Actor


def record_event(
    *,
    org_id: int,
    kind: str,
    actor: Actor,
    channel: str = "",
    case_id: int | None = None,
    customer_id: int | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> ContactEvent:
    event = ContactEvent(
        organization_id=org_id,
        kind=kind,
        channel=channel,
        case_id=case_id,
        customer_id=customer_id,
        actor_kind=actor.kind,
        actor_user_id=actor.user_id,
        actor_label=actor.label[:200],
        data=data or {},
        at=at or timezone.now(),
    )
    deferred.insert(event)  # at once, or at the end of the intake's batch
    return event
