"""Reading the audit log, always scoped by organisation."""

from __future__ import annotations

from django.db.models import QuerySet

from helpline.audit.models import AuditEntry


def audit_for_object(
    *, org_id: int, object_type: str, object_id: int | str
) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        organization_id=org_id, object_type=object_type, object_id=str(object_id)
    ).order_by("at", "id")
