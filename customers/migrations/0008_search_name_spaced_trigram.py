"""PostgreSQL only: the trigram index for name search moves to ' ' || search_name || ' '.

With the name between spaces one LIKE answers a word's start ('% he%': Thomas Hendriks for
"thomas he"), a whole word ('% elis %': a typo correction, not every Elisabeth) or a fragment, each
from the word-boundary trigrams, so the search reads a few posting lists rather than thousands of
rows. customers.selectors._SpacedName writes exactly this expression. Built CONCURRENTLY.

Statistics on the expression let the planner judge how common a fragment is ("% ga%": 2 % of names,
"%baxter%": a few hundred); without them it guesses 100 rows for every LIKE and may read a short
word's long posting list alone.
"""

from django.db import migrations

NEW = "customer_search_name_spaced_trgm"
STATISTICS = "customer_search_name_spaced"
OLD = "customer_search_name_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{NEW}" ON "customers_customer" '
                          f"USING gin ((' ' || \"search_name\" || ' ') gin_trgm_ops)")
    schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{OLD}"')
    schema_editor.execute(f'CREATE STATISTICS IF NOT EXISTS "{STATISTICS}" '
                          f"ON ((' ' || \"search_name\" || ' ')) FROM \"customers_customer\"")
    schema_editor.execute(f'ALTER STATISTICS "{STATISTICS}" SET STATISTICS 1000')
    schema_editor.execute('ANALYZE "customers_customer"')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{OLD}" ON "customers_customer" '
                          f'USING gin ("search_name" gin_trgm_ops)')
    schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{NEW}"')
    schema_editor.execute(f'DROP STATISTICS IF EXISTS "{STATISTICS}"')


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("customers", "0007_search_words")]

    operations = [migrations.RunPython(forwards, backwards)]
