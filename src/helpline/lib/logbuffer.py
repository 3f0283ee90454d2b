"""Deferring the inserts of append-only log rows (audit entries, contact events) to the end
of a batch, in the same transaction.

The e-mail intake takes a batch of messages in one transaction; every case it opens and
every message it adds appends an audit entry and a contact event. Inside ``deferred(rows)``
``insert`` appends the row to ``rows`` instead of saving it, and the batch inserts them all
with ``flush`` before it commits: the same rows in the same transaction, one ``INSERT`` per
table instead of one per row. Nothing in a batch reads the log back, and the rows keep the
instant they were recorded at (``at``). Outside such a block ``insert`` saves at once.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from django.db import models

_rows: contextvars.ContextVar[list[models.Model] | None] = contextvars.ContextVar(
    "helpline_deferred_log_rows", default=None
)


@contextlib.contextmanager
def deferred(rows: list[models.Model]) -> Iterator[None]:
    """Within this block, log rows are appended to ``rows`` (the caller flushes them)."""
    token = _rows.set(rows)
    try:
        yield
    finally:
        _rows.reset(token)


def insert(row: models.Model) -> None:
    """Save a new log row, or defer it to the enclosing ``deferred`` block."""
    rows = _rows.get()
    if rows is None:
        row.save(force_insert=True)
    else:
        rows.append(row)


def flush(rows: list[models.Model]) -> None:
    """Insert deferred rows: one ``INSERT`` per model, in the order they were recorded."""
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for row in rows:
        by_model.setdefault(type(row), []).append(row)
    for model, model_rows in by_model.items():
        model._default_manager.bulk_create(model_rows)
    rows.clear()
