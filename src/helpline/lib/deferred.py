"""Deferring inserts that nothing in a batch reads back to the end of the batch, in the
same transaction.

The e-mail intake takes a batch of messages in one transaction. Every case it opens and
every message it adds appends an audit entry and a contact event; every customer it creates
adds a contact point and search-index rows (vocabulary, variants, postings). Inside
``deferred(rows)``, ``insert`` appends the row to ``rows`` instead of saving it, and the
batch inserts them all with ``flush`` before it commits: the same rows in the same
transaction, one ``INSERT`` per table instead of one per row. Nothing in a batch reads these
rows back (the intake keeps the customers it created in its own look-ups), and the rows keep
the instant they were recorded at. Outside such a block ``insert`` saves at once.

Rows inserted with ``ignore_conflicts`` (a tenant's search vocabulary, shared by its
customers) go in with ``ON CONFLICT DO NOTHING``; given a ``key`` (their unique columns),
the copies a batch queued twice are sent once.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

from django.db import connection, models

from helpline.lib import bulk

#: A deferred row, whether it is inserted with ``ignore_conflicts``, and its unique key
#: (``None``: none given).
Pending = tuple[models.Model, bool, Hashable | None]

_rows: contextvars.ContextVar[list[Pending] | None] = contextvars.ContextVar(
    "helpline_deferred_rows", default=None
)
_ids: contextvars.ContextVar[_IdPool | None] = contextvars.ContextVar(
    "helpline_deferred_ids", default=None
)


class _IdPool:
    """Primary keys drawn from the tables' sequences ahead of the inserts (PostgreSQL):
    ``size`` at a time, in one query. An id drawn and not used (its row rolled back with a
    savepoint, or the batch smaller than the draw) is a gap, as a rolled-back insert leaves
    in any sequence."""

    def __init__(self, size: int) -> None:
        self.size = max(size, 1)
        self.free: dict[type[models.Model], list[int]] = {}

    def next(self, model: type[models.Model]) -> int:
        free = self.free.setdefault(model, [])
        if not free:
            meta = model._meta
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [meta.db_table, meta.pk.column, self.size],
                )
                free.extend(sorted((pk for (pk,) in cursor.fetchall()), reverse=True))
        return free.pop()


@contextlib.contextmanager
def deferred(rows: list[Pending], *, expected: int = 32) -> Iterator[None]:
    """Within this block, rows are appended to ``rows`` (the caller flushes them).
    ``expected``: about how many rows of a model ``insert_with_id`` will see (the ids drawn
    at a time)."""
    token = _rows.set(rows)
    ids = _ids.set(_IdPool(expected) if connection.vendor == "postgresql" else None)
    try:
        yield
    finally:
        _ids.reset(ids)
        _rows.reset(token)


def is_deferring() -> bool:
    return _rows.get() is not None


def insert(row: models.Model) -> None:
    """Save a new row, or defer it to the enclosing ``deferred`` block."""
    rows = _rows.get()
    if rows is None:
        row.save(force_insert=True)
    else:
        rows.append((row, False, None))


def insert_with_id(row: models.Model) -> None:
    """Save a new row that the caller needs the primary key of, or, in a ``deferred`` block
    on PostgreSQL, give it its key now (drawn from the table's sequence) and insert it with
    the batch. The row object is what is written at the flush: changes made to it after
    this call (a case's update time) go in with it. Foreign keys to it are checked at
    commit (PostgreSQL's are deferred), after the flush."""
    rows, ids = _rows.get(), _ids.get()
    if rows is None or ids is None:
        row.save(force_insert=True)
        return
    row.pk = ids.next(type(row))
    row._state.adding = False
    row._state.db = connection.alias
    rows.append((row, False, None))


def insert_many(
    model_rows: Sequence[models.Model],
    *,
    ignore_conflicts: bool = False,
    key: Callable[[Any], Hashable] | None = None,
) -> None:
    """Insert rows of one model (one statement), or defer them to the enclosing block.
    ``key`` (with ``ignore_conflicts``): the unique columns, so that a batch sends each
    row once however often it was queued."""
    if not model_rows:
        return
    rows = _rows.get()
    if rows is None:
        type(model_rows[0])._default_manager.bulk_create(
            model_rows, ignore_conflicts=ignore_conflicts, batch_size=2000
        )
    else:
        rows.extend(
            (row, ignore_conflicts, key(row) if key and ignore_conflicts else None)
            for row in model_rows
        )


def flush(rows: list[Pending]) -> None:
    """Insert deferred rows: one statement per model (and conflict mode), in the order
    they were first recorded (a customer's contact points after the customer, say); on
    PostgreSQL a ``COPY`` (``lib.bulk``) for all but the ``ignore_conflicts`` ones."""
    groups: dict[tuple[type[models.Model], bool, bool], list[models.Model]] = {}
    seen: set[tuple[type[models.Model], Hashable]] = set()
    for row, ignore, unique in rows:
        if unique is not None:
            if (type(row), unique) in seen:
                continue
            seen.add((type(row), unique))
        groups.setdefault((type(row), ignore, row.pk is not None), []).append(row)
    for (model, ignore, with_pk), model_rows in groups.items():
        bulk.insert(model, model_rows, ignore_conflicts=ignore, with_pk=with_pk)
    rows.clear()
