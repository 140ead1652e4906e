"""Migration operations shared by apps. Keep these stable: migrations import them."""

from django.db import migrations


def append_only(table: str) -> migrations.RunPython:
    """Database triggers that refuse UPDATE and DELETE on `table`.

    PostgreSQL: both refused (TRUNCATE, an operator's maintenance tool, stays possible).
    SQLite: UPDATE refused; DELETE is refused by the model and queryset (AppendOnlyModel), because
    SQLite has no TRUNCATE and Django's test flush must be able to empty the table.
    """
    function, trigger = f"{table}_append_only", f"{table}_no_update"
    pg_forward = f"""
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION USING MESSAGE = '{table} is append-only: ' || TG_OP || ' refused';
        END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {function}();
    """
    pg_backward = f"DROP TRIGGER IF EXISTS {trigger} ON {table}; DROP FUNCTION IF EXISTS {function}();"
    sqlite_forward = f"""
        CREATE TRIGGER {trigger} BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END;
    """
    sqlite_backward = f"DROP TRIGGER IF EXISTS {trigger};"
    sql = {"postgresql": (pg_forward, pg_backward), "sqlite": (sqlite_forward, sqlite_backward)}

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor in sql:
            schema_editor.execute(sql[schema_editor.connection.vendor][0])

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor in sql:
            schema_editor.execute(sql[schema_editor.connection.vendor][1])

    return migrations.RunPython(forward, backward)
