"""Consent records stay append-only, with one exception: a merge of customers (and its undo) moves the evidence
to the surviving record, changing `customer_id` and nothing else (customers.services.merge).

PostgreSQL: an UPDATE passes only inside a transaction that set `cdm.reparenting` (SET LOCAL, the merge
service) and only when every column but customer_id is unchanged; DELETE stays refused.
SQLite: the trigger fires on an UPDATE of any column but customer_id (UPDATE OF); the model and queryset
refuse every other change as before (cdm.models.AppendOnlyModel).
"""

from django.db import migrations

TABLE = "consent_consentrecord"
FUNCTION, TRIGGER = f"{TABLE}_append_only", f"{TABLE}_no_update"

PG_FORWARD = f"""
    CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND current_setting('cdm.reparenting', true) = 'on'
                AND (to_jsonb(NEW) - 'customer_id') = (to_jsonb(OLD) - 'customer_id') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION USING MESSAGE = '{TABLE} is append-only: ' || TG_OP || ' refused';
    END;
    $$ LANGUAGE plpgsql;
"""
PG_BACKWARD = f"""
    CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION USING MESSAGE = '{TABLE} is append-only: ' || TG_OP || ' refused';
    END;
    $$ LANGUAGE plpgsql;
"""


def _sqlite_trigger(schema_editor, columns: list[str]) -> None:
    of = f" OF {', '.join(columns)}" if columns else ""
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
    schema_editor.execute(f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE{of} ON {TABLE} "
                          f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: UPDATE refused'); END;")


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        model = apps.get_model("consent", "ConsentRecord")
        columns = [f.column for f in model._meta.concrete_fields if f.column != "customer_id"]
        _sqlite_trigger(schema_editor, columns)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        _sqlite_trigger(schema_editor, [])


class Migration(migrations.Migration):
    dependencies = [("consent", "0003_default_purposes")]

    operations = [migrations.RunPython(forward, backward)]
