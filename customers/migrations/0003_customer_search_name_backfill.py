"""Fill Customer.search_name for customers stored before it existed.

Reversible: going back is a no-op, because reversing 0002 drops the column. History rows keep ""
(search reads the live table only). Batches are keyed by id, so memory stays flat on a million rows.
"""

from django.db import migrations

BATCH_SIZE = 2000


def backfill_search_name(apps, schema_editor):
    # The derived value must equal what the running code writes, so this uses the same function
    # (a pure function of two strings: no models, no services).
    from customers.normalize import search_name_for

    Customer = apps.get_model("customers", "Customer")  # historical model: plain manager, no update guard
    rows = Customer.objects.using(schema_editor.connection.alias).filter(search_name="").order_by("pk")
    last_pk = 0
    while True:
        batch = list(rows.filter(pk__gt=last_pk).values_list("pk", "given_name", "family_name")[:BATCH_SIZE])
        if not batch:
            break
        names = [(pk, search_name_for(given, family)) for pk, given, family in batch]
        _write(schema_editor, Customer, [(pk, name) for pk, name in names if name])
        last_pk = batch[-1][0]


def _write(schema_editor, Customer, names):
    if not names:
        return
    if schema_editor.connection.vendor == "postgresql":
        # One UPDATE ... FROM (VALUES ...) per batch: bulk_update's CASE is quadratic in the batch size.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{Customer._meta.db_table}" AS c SET "search_name" = v.name '
                f"FROM (VALUES {', '.join(['(%s::bigint, %s)'] * len(names))}) AS v(id, name) WHERE c.id = v.id",
                [value for row in names for value in row],
            )
        return
    Customer.objects.using(schema_editor.connection.alias).bulk_update(
        [Customer(pk=pk, search_name=name) for pk, name in names], ["search_name"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_customer_search_name")]

    operations = [migrations.RunPython(backfill_search_name, migrations.RunPython.noop, elidable=True)]
