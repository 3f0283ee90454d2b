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

``insert`` chooses between ``COPY`` and ``bulk_create``; ``update_rows`` gives many rows each
their own values in one ``UPDATE`` on either backend.
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


#: From how many rows of a table a ``COPY`` beats an ``INSERT`` (its protocol costs a few
#: more messages; a batch of one message has a row or two per table).
COPY_FROM = 8


def insert(
    model: type[models.Model],
    rows: Sequence[models.Model],
    *,
    ignore_conflicts: bool = False,
    with_pk: bool = False,
) -> None:
    """Insert rows nobody reads the primary keys of (or that were given theirs:
    ``with_pk``) in one statement: ``COPY`` on PostgreSQL from ``COPY_FROM`` rows without
    ``ignore_conflicts``, else ``bulk_create``."""
    if connection.vendor == "postgresql" and not ignore_conflicts and len(rows) >= COPY_FROM:
        copy_rows(model, rows, with_pk=with_pk)
    else:
        model._default_manager.bulk_create(rows, ignore_conflicts=ignore_conflicts, batch_size=2000)


def update_rows(
    model: type[models.Model], fields: Sequence[str], rows: dict[int, dict[str, Any]]
) -> None:
    """One ``UPDATE`` for many rows by primary key, each with its own ``fields`` values
    (what ``bulk_update`` does, without building an expression per value: that cost more
    than the statements it saves). On PostgreSQL the values go as one array per column
    (``unnest``): a handful of parameters, not one per value, for psycopg to place into the
    statement."""
    meta = model._meta
    quote = connection.ops.quote_name
    table, pk_column = quote(meta.db_table), quote(meta.pk.column)
    model_fields: list[Any] = [meta.get_field(name) for name in fields]
    values = [
        [f.get_db_prep_save(row[name], connection) for row in rows.values()]
        for name, f in zip(fields, model_fields, strict=True)
    ]
    if connection.vendor == "postgresql":
        columns = [quote(f.column) for f in model_fields]
        arrays = ", ".join(f"%s::{f.cast_db_type(connection)}[]" for f in [meta.pk, *model_fields])
        sets = ", ".join(f"{c} = v.{c}" for c in columns)
        sql = (
            f"UPDATE {table} SET {sets} FROM unnest({arrays}) "
            f"AS v({pk_column}, {', '.join(columns)}) WHERE {table}.{pk_column} = v.{pk_column}"
        )
        params: list[Any] = [list(rows), *values]
    else:
        sets_sql: list[str] = []
        params = []
        for model_field, column_values in zip(model_fields, values, strict=True):
            branches = []
            for pk, value in zip(rows, column_values, strict=True):
                branches.append("WHEN %s THEN %s")
                params += [pk, value]
            expr = f"CASE {pk_column} {' '.join(branches)} END"
            sets_sql.append(f"{quote(model_field.column)} = {expr}")
        marks = ", ".join(["%s"] * len(rows))
        params += list(rows)
        sql = f"UPDATE {table} SET {', '.join(sets_sql)} WHERE {pk_column} IN ({marks})"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
