"""Make the audit table append-only in the database itself, so no code path (ORM, admin, raw SQL) can rewrite it.

Row-level only: TRUNCATE stays possible for the database owner (test teardown, a retention job under review),
never for a single row through the application.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION workflows_auditevent_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'workflows_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER workflows_auditevent_no_update BEFORE UPDATE OR DELETE ON workflows_auditevent
    FOR EACH ROW EXECUTE FUNCTION workflows_auditevent_immutable();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS workflows_auditevent_no_update ON workflows_auditevent;
DROP FUNCTION IF EXISTS workflows_auditevent_immutable();
"""
SQLITE_UP = [
    "CREATE TRIGGER workflows_auditevent_no_update BEFORE UPDATE ON workflows_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'workflows_auditevent is append-only'); END;",
    "CREATE TRIGGER workflows_auditevent_no_delete BEFORE DELETE ON workflows_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'workflows_auditevent is append-only'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS workflows_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS workflows_auditevent_no_delete;",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
