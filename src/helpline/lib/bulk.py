"""Inserting many rows on PostgreSQL faster than ``bulk_create`` can, where it cannot use
its own fast path.

``copy_rows`` uses ``COPY ... FROM STDIN`` for rows whose primary keys nobody reads back
(the intake's deferred audit entries, contact events, acknowledgements). ``insert_rows``
is one ``INSERT ... SELECT * FROM unnest(...) RETURNING id`` with an array per column, the
way ``bulk_create`` itself inserts on PostgreSQL except for models with a binary column
(the raw received messages): a handful of parameters, instead of one per value for the ORM
to prepare and psycopg to place into a long statement. The values are what the ORM sends
(``pre_save``, ``get_db_prep_save``); the statements are logged as the ORM's are, so
statement counts in tests see them. PostgreSQL only: elsewhere callers use ``bulk_create``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from django.db import connection, models


def _fields(model: type[models.Model]) -> list[Any]:
    return [f for f in model._meta.concrete_fields if not (f.primary_key and f.auto_created)]


#: Columns whose attribute is already what the database takes (``get_db_prep_save`` is the
#: identity for them on PostgreSQL): read directly, a third of the cost of a row.
_AS_IS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


def _reader(field: Any) -> Callable[[models.Model], Any]:
    """How to read the value the ORM would send for ``field`` from a row."""
    kind = field.get_internal_type()
    if kind in _AS_IS and not field.choices:
        return attrgetter(field.attname)
    if kind == "DateTimeField" and not (field.auto_now or field.auto_now_add):
        return attrgetter(field.attname)  # aware datetimes go as they are
    if kind == "BinaryField":
        return lambda row: None if (v := getattr(row, field.attname)) is None else bytes(v)
    return lambda row: field.get_db_prep_save(field.pre_save(row, True), connection)


def _readers(fields: Sequence[Any]) -> list[Callable[[models.Model], Any]]:
    return [_reader(f) for f in fields]


def _log(sql: str, started: float) -> None:
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def copy_rows(
    model: type[models.Model], rows: Sequence[models.Model], *, with_pk: bool = False
) -> None:
    """Insert rows with ``COPY ... FROM STDIN``: with the primary keys they were given
    (``with_pk``), else they get none back."""
    fields = [model._meta.pk, *_fields(model)] if with_pk else _fields(model)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    started = time.monotonic()
    readers = _readers(fields)
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row([read(row) for read in readers])
    _log(f"{sql} -- {len(rows)} rows", started)


def insert_rows(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """Insert rows with one ``INSERT ... SELECT * FROM unnest(...)`` and set their primary
    keys, in order (as ``bulk_create`` does). A constraint violation raises
    ``IntegrityError`` and inserts nothing."""
    if not rows:
        return
    meta = model._meta
    fields = _fields(model)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    # Array types without their length (varchar[], not varchar(255)[]), as bulk_create does.
    arrays = ", ".join(f"%s::{f.db_type(connection).split('(')[0]}[]" for f in fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT * FROM unnest({arrays}) "
        f"RETURNING {quote(meta.pk.column)}"
    )
    params = [[read(row) for row in rows] for read in _readers(fields)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pks = [pk for (pk,) in cursor.fetchall()]
    for row, pk in zip(rows, pks, strict=True):
        row.pk = pk
        row._state.adding = False
        row._state.db = connection.alias
