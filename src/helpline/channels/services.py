"""Operators' actions on inbound items (the intake itself is ``intake``)."""

from __future__ import annotations

from django.db import transaction

from helpline.audit import services as audit
from helpline.channels.models import Inbound, InboundState
from helpline.lib.actors import Actor


@transaction.atomic
def requeue_inbound(*, inbound: Inbound, actor: Actor) -> bool:
    """Put a failed item back to be processed (after fixing what made it fail)."""
    changed = Inbound.objects.filter(pk=inbound.pk, state=InboundState.FAILED).update(
        state=InboundState.RECEIVED, error=""
    )
    if changed:
        audit.record_update(
            org_id=inbound.organization_id,
            actor=actor,
            instance=Inbound.objects.defer("raw").get(pk=inbound.pk),
            before={"state": InboundState.FAILED},
        )
    return bool(changed)
