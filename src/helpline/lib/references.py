"""Check a write's foreign references against its organisation in one SQL round trip.

A service that takes ids from a client must prove each one names a row of the caller's
organisation (a foreign tenant's row is as unknown as a missing one). Reading each row
through the ORM costs ~1.5 ms of CPU apiece; one ``SELECT (subquery), (subquery), ...``
answers them all for ~0.2 ms (bench/experiments.py, docs/benchmarks.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils.translation import gettext as _

from helpline.lib.errors import FieldValidationError


@dataclass(frozen=True)
class Ref:
    """``pk`` must name a row of ``model`` in the organisation; ``read`` is the column whose
    value comes back (default: the primary key). ``where`` adds column = value conditions."""

    field: str
    model: type[Model]
    pk: int | None
    read: str | None = None
    where: dict[str, Any] = dataclasses.field(default_factory=dict)
    id_column: str = "id"
    message: str | None = None


def resolve_refs(*, org_id: int, refs: Sequence[Ref]) -> dict[str, Any]:
    """The ``read`` value of every ref with a pk, by field name; refs without a pk are left
    out. Raises FieldValidationError naming every field whose row is not in the organisation."""
    wanted = [r for r in refs if r.pk is not None]
    if not wanted:
        return {}
    quote = connection.ops.quote_name
    parts: list[str] = []
    params: list[Any] = []
    for ref in wanted:
        conditions = [f"{quote(ref.id_column)} = %s", f"{quote('organization_id')} = %s"]
        params += [ref.pk, org_id]
        for column, value in ref.where.items():
            if isinstance(value, list | tuple | set | frozenset):
                conditions.append(f"{quote(column)} IN ({', '.join(['%s'] * len(value))})")
                params += list(value)
            else:
                conditions.append(f"{quote(column)} = %s")
                params.append(value)
        parts.append(
            f"(SELECT {quote(ref.read or 'id')} FROM {quote(ref.model._meta.db_table)}"
            f" WHERE {' AND '.join(conditions)})"
        )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        row = cursor.fetchone()
    found = dict(zip((r.field for r in wanted), row, strict=True))
    missing = {
        r.field: r.message or _("Unknown %(field)s: %(id)s") % {"field": r.field, "id": r.pk}
        for r in wanted
        if found[r.field] is None
    }
    if missing:
        raise FieldValidationError(**missing)
    return found
