"""Keyset (cursor) pagination: stable, index-friendly paging at any depth.

An offset page 20,000 deep makes the database count past 1,000,000 rows; a keyset page
asks for "rows after this one in this order", which an index answers directly.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet

M = TypeVar("M", bound=Model)


class BadCursor(ValueError):
    pass


@dataclass
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None


def _encode(values: list[Any]) -> str:
    plain = [{"dt": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, width: int) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values = [datetime.fromisoformat(v["dt"]) if isinstance(v, dict) else v for v in raw]
    except (ValueError, TypeError, KeyError) as exc:
        raise BadCursor(str(exc)) from exc
    if not isinstance(values, list) or len(values) != width:
        raise BadCursor("cursor does not match the ordering")
    for v in values:
        # A cursor comes from the client: refuse what no ordering column holds (and integers
        # the database would overflow on) instead of failing inside the query.
        if isinstance(v, bool) or not isinstance(v, int | str | datetime):
            raise BadCursor("cursor holds a value of an unexpected type")
        if isinstance(v, int) and not -(2**63) <= v < 2**63:
            raise BadCursor("cursor holds an integer out of range")
    return values


def paginate(qs: QuerySet[M], *, ordering: list[str], cursor: str | None, limit: int) -> Page[M]:
    """Return ``limit`` rows of ``qs`` in ``ordering`` (field names, ``-`` for descending,
    the last one unique) after ``cursor``. Annotated fields may be used in ``ordering``."""
    keys = [(f.lstrip("-"), f.startswith("-")) for f in ordering]
    if cursor:
        values = _decode(cursor, len(keys))
        condition = Q()
        for i, (name, desc) in enumerate(keys):
            step = Q(**{f"{name}__{'lt' if desc else 'gt'}": values[i]})
            for j in range(i):
                step &= Q(**{keys[j][0]: values[j]})
            condition |= step
        # Redundant with the OR above, but it is what lets the database walk an index range
        # from the cursor instead of reading and discarding every row before it (a page
        # 100,000 rows deep: 58 ms -> 0.1 ms on PostgreSQL, docs/benchmarks.md).
        first, first_desc = keys[0]
        condition = Q(**{f"{first}__{'lte' if first_desc else 'gte'}": values[0]}) & condition
        try:
            qs = qs.filter(condition)
        except (ValueError, TypeError, ValidationError) as exc:  # e.g. a string for a date
            raise BadCursor(str(exc)) from exc
    rows = list(qs.order_by(*ordering)[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = _encode([getattr(last, name) for name, _d in keys])
    return Page(items=rows, next_cursor=next_cursor)
