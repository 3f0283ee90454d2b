"""Append-only models: rows are inserted, never updated or deleted.

Enforced twice: in Python (save on an existing row, delete and queryset update/delete raise)
and in the database by triggers installed in the migrations (see ``trigger_sql``), so raw
SQL cannot rewrite history either.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models


class AppendOnlyError(RuntimeError):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")

    def delete(self) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


def trigger_sql(table: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Forward and reverse SQL, per vendor, for a trigger that refuses UPDATE on ``table``.

    DELETE is refused in Python only: test databases are emptied with DELETE/TRUNCATE
    between tests, and a tenant's data must stay removable by an operator with shell access
    (GDPR erasure is pseudonymisation, which is an insert of new facts, not an update).
    """
    pg_fn = f"{table}_no_update"
    forward = [
        (
            "postgresql",
            f"""
            CREATE OR REPLACE FUNCTION {pg_fn}() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql;
            CREATE TRIGGER {pg_fn} BEFORE UPDATE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {pg_fn}();
            """,
        ),
        (
            "sqlite",
            f"""
            CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
            """,
        ),
    ]
    reverse = [
        (
            "postgresql",
            f"DROP TRIGGER IF EXISTS {pg_fn} ON {table}; DROP FUNCTION IF EXISTS {pg_fn}();",
        ),
        ("sqlite", f"DROP TRIGGER IF EXISTS {table}_no_update;"),
    ]
    return forward, reverse


def refuse_updates_operation(table: str) -> Any:
    """A migration operation installing (or, reversed, removing) the trigger for ``table``."""
    from django.db import migrations

    forward_sql, reverse_sql = trigger_sql(table)

    def run(sqls: list[tuple[str, str]]) -> Any:
        def apply(apps: Any, schema_editor: Any) -> None:
            for vendor, sql in sqls:
                if schema_editor.connection.vendor == vendor:
                    schema_editor.execute(sql)

        return apply

    return migrations.RunPython(run(forward_sql), run(reverse_sql))
