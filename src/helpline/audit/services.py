"""Writing audit entries. Called by other services inside their transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from helpline.audit.models import AuditAction, AuditEntry
from helpline.lib import deferred
from helpline.lib.actors import Actor


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value, so before/after can be compared and stored."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The audited values of ``instance``; foreign keys are read by id, never fetched."""
    out: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = _plain(getattr(instance, attname))
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def record(
    *,
    org_id: int | None,
    actor: Actor,
    action: str,
    instance: models.Model,
    changes: dict[str, list[Any]],
    at: datetime | None = None,
) -> AuditEntry:
    """Append one audit entry for ``instance``, dated ``at`` (default: now).

    Services pass the ``now`` they act at, so the audit log and the contact event log
    agree on when a change happened (also when a loader or an import places it in the past).
    """
    entry = AuditEntry(
        at=at or timezone.now(),
        organization_id=org_id,
        actor_kind=actor.kind,
        actor_user_id=actor.user_id,
        actor_customer_id=actor.customer_id,
        actor_label=actor.label[:200],
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
    )
    deferred.insert(entry)  # at once, or at the end of the intake's batch
    return entry


def record_create(
    *,
    org_id: int | None,
    actor: Actor,
    instance: models.Model,
    fields: Iterable[str],
    at: datetime | None = None,
) -> AuditEntry:
    values = snapshot(instance, fields)
    return record(
        org_id=org_id,
        actor=actor,
        action=AuditAction.CREATE,
        instance=instance,
        changes={k: [None, v] for k, v in values.items() if v not in (None, "")},
        at=at,
    )


def record_update(
    *,
    org_id: int | None,
    actor: Actor,
    instance: models.Model,
    before: dict[str, Any],
    at: datetime | None = None,
) -> AuditEntry | None:
    """Record what changed since ``before`` (a snapshot); nothing if nothing changed."""
    changes = diff(before, snapshot(instance, before.keys()))
    if not changes:
        return None
    return record(
        org_id=org_id,
        actor=actor,
        action=AuditAction.UPDATE,
        instance=instance,
        changes=changes,
        at=at,
    )


def record_delete(
    *,
    org_id: int | None,
    actor: Actor,
    instance: models.Model,
    fields: Iterable[str],
    at: datetime | None = None,
) -> AuditEntry:
    values = snapshot(instance, fields)
    return record(
        org_id=org_id,
        actor=actor,
        action=AuditAction.DELETE,
        instance=instance,
        changes={k: [v, None] for k, v in values.items()},
        at=at,
    )
