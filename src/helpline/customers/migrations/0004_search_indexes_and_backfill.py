"""Trigram indexes over the search vocabulary, and the backfill of contacts, identifiers and
search keys for customers created before customer 360.

PostgreSQL: the ``pg_trgm`` extension and a GIN ``gin_trgm_ops`` index on
``customers_searchterm.term``. SQLite: an external-content FTS5 table with the ``trigram``
tokenizer over the same column, kept in step by triggers (terms are only ever inserted).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from helpline.lib.phonetic import combined_key, fold, language_for_country, significant_words
from helpline.lib.phonetic import phonetic_key

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE customers_searchterm_fts USING fts5("
    "term, content='customers_searchterm', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER customers_searchterm_fts_ai AFTER INSERT ON customers_searchterm BEGIN "
    "INSERT INTO customers_searchterm_fts(rowid, term) VALUES (new.id, new.term); END",
    "CREATE TRIGGER customers_searchterm_fts_ad AFTER DELETE ON customers_searchterm BEGIN "
    "INSERT INTO customers_searchterm_fts(customers_searchterm_fts, rowid, term) "
    "VALUES ('delete', old.id, old.term); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS customers_searchterm_fts_ad",
    "DROP TRIGGER IF EXISTS customers_searchterm_fts_ai",
    "DROP TABLE IF EXISTS customers_searchterm_fts",
]
PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS searchterm_term_trgm ON customers_searchterm "
    "USING gin (term gin_trgm_ops)",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS searchterm_term_trgm"]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


def backfill(apps: Any, schema_editor: Any) -> None:
    Customer = apps.get_model("customers", "Customer")
    ContactPoint = apps.get_model("customers", "ContactPoint")
    CustomerIdentifier = apps.get_model("customers", "CustomerIdentifier")
    SearchTerm = apps.get_model("customers", "SearchTerm")
    SearchPosting = apps.get_model("customers", "SearchPosting")
    for c in Customer.objects.select_related("organization").iterator():
        lang = language_for_country(c.organization.country)
        c.name_key = combined_key(c.name, lang)
        c.save(update_fields=["name_key"])
        if c.phone:
            ContactPoint.objects.get_or_create(
                organization_id=c.organization_id, customer=c, kind="phone", value=c.phone
            )
        if c.email:
            ContactPoint.objects.get_or_create(
                organization_id=c.organization_id, customer=c, kind="email", value=c.email
            )
        if c.tax_id:
            CustomerIdentifier.objects.get_or_create(
                organization_id=c.organization_id,
                kind=c.tax_id_kind or "other",
                value=c.tax_id,
                defaults={"customer": c},
            )
        for word in significant_words(c.name):
            key = phonetic_key(word, lang)
            if not key:
                continue
            SearchTerm.objects.get_or_create(
                organization_id=c.organization_id, term=fold(word)[:60], defaults={"key": key}
            )
            SearchPosting.objects.create(
                organization_id=c.organization_id, customer=c, key=key[:60], field="name"
            )


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_customer_360")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
