"""Database triggers that refuse UPDATE and DELETE on the audit log.

PostgreSQL: both refused (TRUNCATE, an operator's maintenance tool, stays possible).
SQLite: UPDATE refused; DELETE is refused by the model and queryset, because SQLite has no
TRUNCATE and Django's test flush must be able to empty the table.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION cdm_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'cdm_auditevent is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cdm_auditevent_no_update BEFORE UPDATE OR DELETE ON cdm_auditevent
    FOR EACH ROW EXECUTE FUNCTION cdm_auditevent_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS cdm_auditevent_no_update ON cdm_auditevent;
DROP FUNCTION IF EXISTS cdm_auditevent_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER cdm_auditevent_no_update BEFORE UPDATE ON cdm_auditevent
BEGIN SELECT RAISE(ABORT, 'cdm_auditevent is append-only: UPDATE refused'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS cdm_auditevent_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("cdm", "0002_create_role_groups")]

    operations = [migrations.RunPython(forward, backward)]
