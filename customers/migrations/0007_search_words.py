"""The search lexicon (customers.SearchWord) and, on PostgreSQL, what keeps it current.

- a trigram (GIN) index on the words, for "which known words look like what was typed";
- statement-level triggers on customers_customer (after INSERT and after UPDATE, with transition
  tables: one INSERT ... SELECT per statement, so a 1,000-row COPY costs one statement, not 1,000);
  words are inserted in sorted order so two writers adding the same new words never deadlock;
- a backfill from the customers already there.
On SQLite the table stays empty: typo tolerance is PostgreSQL's (pg_trgm).
"""

from django.db import migrations, models

FUNCTION = """
CREATE OR REPLACE FUNCTION customers_searchword_collect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customers_searchword (word)
    SELECT DISTINCT w FROM new_rows, unnest(string_to_array(new_rows.search_name, ' ')) AS w
    WHERE length(w) >= 3
    ORDER BY w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
"""

TRIGGERS = {
    "customers_searchword_on_insert": "INSERT",
    "customers_searchword_on_update": "UPDATE",
}

BACKFILL = """
INSERT INTO customers_searchword (word)
SELECT DISTINCT w FROM customers_customer, unnest(string_to_array(search_name, ' ')) AS w
WHERE length(w) >= 3 ORDER BY w ON CONFLICT DO NOTHING
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute('CREATE INDEX IF NOT EXISTS "customer_searchword_trgm" '
                          'ON "customers_searchword" USING gin ("word" gin_trgm_ops)')
    schema_editor.execute(FUNCTION)
    for name, event in TRIGGERS.items():
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "customers_customer"')
        schema_editor.execute(
            f'CREATE TRIGGER "{name}" AFTER {event} ON "customers_customer" REFERENCING NEW TABLE AS new_rows '
            f"FOR EACH STATEMENT EXECUTE FUNCTION customers_searchword_collect()")
    schema_editor.execute(BACKFILL)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGGERS:
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "customers_customer"')
    schema_editor.execute("DROP FUNCTION IF EXISTS customers_searchword_collect()")


class Migration(migrations.Migration):

    dependencies = [("customers", "0006_customer_email_prefix_index")]

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[("word", models.CharField(max_length=100, primary_key=True, serialize=False))],
        ),
        migrations.RunPython(create, drop),
    ]
