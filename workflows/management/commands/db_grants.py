"""manage.py db_grants: give the application's database role what it needs, and on the audit log no more than
reading and appending. Run it as the tables' owner, after ``migrate``."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from workflows.models import AuditAnchor, AuditEvent

TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


class Command(BaseCommand):
    help = ("Grant the application role SELECT/INSERT/UPDATE/DELETE on every table (also on tables created later), "
            "USAGE/SELECT on sequences, and on the audit log only SELECT and INSERT (its archive anchors: SELECT). "
            "PostgreSQL only; run as the owner that ran migrate.")

    def add_arguments(self, parser):
        parser.add_argument("--app-role", required=True, help="The role the application connects as.")

    def handle(self, *args, app_role, **options):
        if connection.vendor != "postgresql":
            raise CommandError("db_grants is for PostgreSQL; SQLite has no database roles (see README, Security).")
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [app_role])
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"No role {app_role}: create it first (createuser {app_role}).")
            if found[0]:
                raise CommandError(f"{app_role} is a superuser: the application must connect as an ordinary role.")
            cursor.execute("SELECT current_user, current_schema(), pg_get_userbyid(relowner) FROM pg_class "
                           "WHERE oid = %s::regclass", [AuditEvent._meta.db_table])
            me, schema_name, owner = cursor.fetchone()
        if app_role in (me, owner):
            raise CommandError(f"{app_role} owns the tables: migrate as another role and let {app_role} only use them.")
        role, schema = connection.ops.quote_name(app_role), connection.ops.quote_name(schema_name)
        protected = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (AuditEvent, AuditAnchor))
        statements = [
            f"GRANT CONNECT ON DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])} TO {role}",
            f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
            f"REVOKE CREATE ON SCHEMA {schema} FROM {role}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
            f"REVOKE ALL ON {protected} FROM {role}",
            f"GRANT SELECT, INSERT ON {connection.ops.quote_name(AuditEvent._meta.db_table)} TO {role}",
            f"GRANT SELECT ON {connection.ops.quote_name(AuditAnchor._meta.db_table)} TO {role}",
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            audit = {}
            for privilege in TABLE_PRIVILEGES:
                cursor.execute("SELECT has_table_privilege(%s, %s, %s)",
                               [app_role, AuditEvent._meta.db_table, privilege])
                audit[privilege] = cursor.fetchone()[0]
        self.stdout.write(json.dumps({"app_role": app_role, "owner": owner, "schema": schema_name,
                                      "audit_table": audit}, ensure_ascii=False))
