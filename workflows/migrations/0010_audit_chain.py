"""The audit log's hash chain (workflows/audit_chain.py): seq, hash and the database's own time on every row,
sealed by the database at commit on PostgreSQL; archive anchors; the one UPDATE (sealing) and the one DELETE
(archiving rows an anchor covers, by the table owner) the append-only triggers let through.

Existing rows are sealed here in (at, id) order. On SQLite, adding the columns rebuilds the table, which drops its
triggers: they are created again with the sealing and archiving exceptions.
"""

import django.db.models.functions.datetime
from django.db import migrations, models

CONTENT_COLUMNS = ("id", "subject_type_id", "subject_id", "subject_label", "actor_id", "on_behalf_of_id", "at",
                   "action", "from_state", "to_state", "comment", "changes", "ip_address")
SEAL_LOCK = 0x746F6E6778696E  # workflows.audit_chain.SEAL_LOCK

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION workflows_auditevent_immutable() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, {schema}, pg_temp AS $$
BEGIN
    -- The sealing step (workflows_auditevent_seal, a trigger itself) may set seq, hash and recorded_at once.
    IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1
       AND current_setting('tongxin.audit_seal', true) = OLD.id::text
       AND OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
       AND ({new}) IS NOT DISTINCT FROM ({old}) THEN
        RETURN NEW;
    END IF;
    -- manage.py audit_archive, run as the table owner, deletes rows an archive anchor covers.
    IF TG_OP = 'DELETE' AND current_setting('tongxin.audit_archive', true) = 'on'
       AND OLD.chain_seq IS NOT NULL
       AND OLD.chain_seq <= (SELECT max(through_seq) FROM workflows_auditanchor)
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'workflows_auditevent is append-only';
END;
$$;

CREATE OR REPLACE FUNCTION workflows_auditevent_unsealed() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, {schema}, pg_temp AS $$
BEGIN
    -- An INSERT cannot bring its own seal or its own recorded_at.
    NEW.chain_seq := NULL;
    NEW.chain_hash := '';
    NEW.recorded_at := statement_timestamp();
    RETURN NEW;
END;
$$;
CREATE TRIGGER workflows_auditevent_unsealed BEFORE INSERT ON workflows_auditevent
    FOR EACH ROW EXECUTE FUNCTION workflows_auditevent_unsealed();

-- At COMMIT, after every lock the transaction takes: serialises only the sealing of committing audit rows.
CREATE OR REPLACE FUNCTION workflows_auditevent_seal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, {schema}, pg_temp AS $$
DECLARE
    last_seq bigint;
    last_hash text;
    sealed_at timestamptz;
    canon text;
BEGIN
    PERFORM pg_advisory_xact_lock({lock});
    SELECT chain_seq, chain_hash INTO last_seq, last_hash FROM workflows_auditevent
        WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
    IF last_seq IS NULL THEN
        SELECT through_seq, through_hash INTO last_seq, last_hash FROM workflows_auditanchor
            ORDER BY through_seq DESC LIMIT 1;
    END IF;
    IF last_seq IS NULL THEN
        last_seq := 0;
        last_hash := '';
    END IF;
    sealed_at := clock_timestamp();
    canon := jsonb_build_array(
        1, last_seq + 1, last_hash, NEW.id, NEW.subject_type_id, NEW.subject_id, NEW.subject_label, NEW.actor_id,
        NEW.on_behalf_of_id,
        to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        to_char(sealed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        NEW.action, NEW.from_state, NEW.to_state, NEW.comment, NEW.changes, abbrev(NEW.ip_address)
    )::text;
    PERFORM set_config('tongxin.audit_seal', NEW.id::text, true);
    UPDATE workflows_auditevent
        SET chain_seq = last_seq + 1, chain_hash = encode(sha256(convert_to(canon, 'UTF8')), 'hex'),
            recorded_at = sealed_at
        WHERE id = NEW.id;
    PERFORM set_config('tongxin.audit_seal', '', true);
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION workflows_auditevent_seal() FROM PUBLIC;
CREATE CONSTRAINT TRIGGER workflows_auditevent_seal AFTER INSERT ON workflows_auditevent
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION workflows_auditevent_seal();

CREATE OR REPLACE FUNCTION workflows_auditanchor_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'workflows_auditanchor is append-only';
END;
$$;
CREATE TRIGGER workflows_auditanchor_no_update BEFORE UPDATE OR DELETE ON workflows_auditanchor
    FOR EACH ROW EXECUTE FUNCTION workflows_auditanchor_immutable();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS workflows_auditanchor_no_update ON workflows_auditanchor;
DROP FUNCTION IF EXISTS workflows_auditanchor_immutable();
DROP TRIGGER IF EXISTS workflows_auditevent_seal ON workflows_auditevent;
DROP FUNCTION IF EXISTS workflows_auditevent_seal();
DROP TRIGGER IF EXISTS workflows_auditevent_unsealed ON workflows_auditevent;
DROP FUNCTION IF EXISTS workflows_auditevent_unsealed();
CREATE OR REPLACE FUNCTION workflows_auditevent_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'workflows_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
"""
_RAISE = "BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
SQLITE_UP = [
    "DROP TRIGGER IF EXISTS workflows_auditevent_no_update",
    "DROP TRIGGER IF EXISTS workflows_auditevent_no_delete",
    "CREATE TRIGGER workflows_auditevent_no_update BEFORE UPDATE ON workflows_auditevent "
    "WHEN NOT (OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL AND {same}) "
    + _RAISE.format(table="workflows_auditevent"),
    "CREATE TRIGGER workflows_auditevent_no_delete BEFORE DELETE ON workflows_auditevent "
    "WHEN NOT (OLD.chain_seq IS NOT NULL AND "
    "OLD.chain_seq <= (SELECT COALESCE(MAX(through_seq), 0) FROM workflows_auditanchor)) "
    + _RAISE.format(table="workflows_auditevent"),
    "CREATE TRIGGER workflows_auditanchor_no_update BEFORE UPDATE ON workflows_auditanchor "
    + _RAISE.format(table="workflows_auditanchor"),
    "CREATE TRIGGER workflows_auditanchor_no_delete BEFORE DELETE ON workflows_auditanchor "
    + _RAISE.format(table="workflows_auditanchor"),
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS workflows_auditanchor_no_update",
    "DROP TRIGGER IF EXISTS workflows_auditanchor_no_delete",
]


def _seal_existing(schema_editor):
    """Chain the rows written before this migration, oldest first (their recorded_at is the migration's time)."""
    from workflows.audit_chain import CONTENT, row_hash

    connection = schema_editor.connection
    seq, prev = 0, ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s FROM workflows_auditevent WHERE chain_seq IS NULL ORDER BY at, id"
                       % ", ".join(CONTENT))
        rows = [dict(zip(CONTENT, values, strict=True)) for values in cursor.fetchall()]
        for row in rows:
            seq += 1
            prev = row_hash(row, seq=seq, prev_hash=prev)
            cursor.execute("UPDATE workflows_auditevent SET chain_seq = %s, chain_hash = %s WHERE id = %s",
                           [seq, prev, row["id"]])


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE workflows_auditevent DISABLE TRIGGER workflows_auditevent_no_update")
        _seal_existing(schema_editor)
        schema_editor.execute("ALTER TABLE workflows_auditevent ENABLE TRIGGER workflows_auditevent_no_update")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            schema = connection.ops.quote_name(cursor.fetchone()[0])
        sql = POSTGRES_UP.format(schema=schema, lock=SEAL_LOCK,
                                 new=", ".join(f"NEW.{c}" for c in CONTENT_COLUMNS),
                                 old=", ".join(f"OLD.{c}" for c in CONTENT_COLUMNS))
        schema_editor.execute(sql)
    elif connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS workflows_auditevent_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS workflows_auditevent_no_delete")
        _seal_existing(schema_editor)
        same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in CONTENT_COLUMNS)
        for statement in SQLITE_UP:
            schema_editor.execute(statement.format(same=same) if "{same}" in statement else statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0009_password_history'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditAnchor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('through_seq', models.BigIntegerField(unique=True, verbose_name='归档至链序号')),
                ('through_hash', models.CharField(max_length=64, verbose_name='归档末行哈希')),
                ('rows', models.PositiveIntegerField(verbose_name='归档行数')),
                ('file_name', models.CharField(max_length=255, verbose_name='归档文件')),
                ('file_sha256', models.CharField(max_length=64, verbose_name='归档文件 SHA-256')),
                ('before', models.DateField(verbose_name='归档截止日期')),
                ('created_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), verbose_name='归档时间')),
            ],
            options={
                'verbose_name': '审计归档锚点',
                'verbose_name_plural': '审计归档锚点',
                'ordering': ['through_seq'],
            },
        ),
        migrations.AddField(
            model_name='auditevent',
            name='chain_hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=64, verbose_name='链哈希'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='chain_seq',
            field=models.BigIntegerField(blank=True, editable=False, null=True, unique=True, verbose_name='链序号'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='recorded_at',
            field=models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), editable=False, verbose_name='入库时间'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
