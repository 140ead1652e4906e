"""PostgreSQL only: pg_trgm and trigram (GIN) indexes for "contains" and typo-tolerant search.

- customers_customer.search_name: name fragments (LIKE '%x%') and word similarity (`%>`, typos).
- customers_customer.email: e-mail fragments.
Prefix search on customer_number needs nothing new: its unique constraint already comes with a
varchar_pattern_ops index on PostgreSQL (customers_customer_customer_number_*_like).

On SQLite this migration does nothing and search falls back to plain "contains" on search_name.
The indexes are built CONCURRENTLY (hence atomic = False), so a live table keeps taking writes.
pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
"""

from django.db import migrations

INDEXES = {
    "customer_search_name_trgm": "search_name",
    "customer_email_trgm": "email",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" '
            f'ON "customers_customer" USING gin ("{column}" gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
    # The extension stays: other objects may use it, and it costs nothing unused.


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("customers", "0003_customer_search_name_backfill")]

    operations = [migrations.RunPython(create_trigram_indexes, drop_trigram_indexes)]
