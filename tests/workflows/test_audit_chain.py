"""The tamper-evident audit log: hash chain, audit_verify, database roles, source addresses, export, archive, alerts.

On PostgreSQL the database seals rows when the inserting transaction commits, so the chain tests are transactional;
on SQLite ``audit.record`` seals at once. Figures (rows verified, findings) are printed for CI.
"""

import datetime
import gzip
import hashlib
import json
import logging
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from config.logging import AuditFileHandler, AuditLineFormatter, audit_export
from notifications.models import Notification
from tests.factories import UnitFactory, UserFactory
from tests.personas import reviewed
from workflows import audit, audit_alerts, audit_chain
from workflows.models import AuditAnchor, AuditEvent

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL seals at commit")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite seals in audit.record")
TABLE = "workflows_auditevent"
APP_ROLE = "tongxin_app_test"
ROOT = Path(__file__).resolve().parents[2]

TRICKY_CHANGES = {
    "标题": ["旧的\n\"标题\"", "新的\t标题\\"],
    "b": None,
    "aa": {"zz": [1, 1.5, Decimal("1.10"), True, False, None, {}, []], "a": "\u0001\u001f\u007f"},
    "big": 12345678901234567890,
    "small": 1e-7,
    "": "empty key",
}


def _record_tricky():
    unit = UnitFactory(name="县教育局（测试）")
    user = UserFactory(username="审计测试员")
    with time_machine.travel(datetime.datetime(2026, 3, 1, 1, 2, 3, 456789, tzinfo=datetime.UTC), tick=False):
        event = audit.record(subject=unit, actor=user, action="unit.renamed", from_state="甲", to_state="乙",
                             comment="意见：同意。\r\n“引号” \\ 反斜杠", changes=TRICKY_CHANGES,
                             ip_address="2001:0db8:0000::0001")
    plain = audit.record(subject=None, action="auth.login_failed", comment="", ip_address=None)
    return event, plain


def _sealed():
    return list(AuditEvent.objects.order_by("chain_seq").values_list("chain_seq", "chain_hash"))


def _run_verify(*args):
    """audit_verify's summary (stdout) and exit status."""
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", *args, stdout=out, stderr=err)
        status = 0
    except CommandError as error:
        status = error.returncode
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    findings = [json.loads(line) for line in err.getvalue().splitlines() if line.startswith("{")]
    print("audit_verify", json.dumps(summary, ensure_ascii=False))
    return summary, findings, status


def _owner_sql(*statements):
    """Out-of-band SQL as the table owner (the test connection), around the append-only trigger."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER" if connection.vendor == "postgresql" else "SELECT 1")
        for statement in statements:
            cursor.execute(statement)
        cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER" if connection.vendor == "postgresql" else "SELECT 1")


# --- canonical form: Python and PostgreSQL agree ----------------------------------------------------------------

@on_postgresql
@pytest.mark.django_db
@pytest.mark.parametrize("text", [
    json.dumps(TRICKY_CHANGES, cls=DjangoJSONEncoder),
    json.dumps({"b": 1, "a": 2, "ab": 3, "中": 4, "aaa": {"x": [{"é": "ü"}]}, "é": 5, "z": 6}, ensure_ascii=False),
    "[]", "{}", '""', '"中文"', "null", "true",
    "[0.0, -0, -0.0, 1.50e1, 1E+20, 1e-7, -3, 2.5, 1.10, 100, 0.1000000000000000055511151231257827]",
    '{"a": "\\u001fx\\u007f"}', '"\\ud83d\\ude00 \\u00e9 \\n"',
])
def test_python_writes_json_exactly_as_postgresql_prints_a_jsonb(text):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::jsonb::text", [text])
        printed = cursor.fetchone()[0]
    assert audit_chain.jsonb_text(json.loads(text, parse_float=Decimal)) == printed


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_database_seal_equals_the_hash_python_recomputes_on_tricky_values():
    # given rows with Chinese text, control characters, NULLs, nested JSON, microseconds and an IPv6 address
    with transaction.atomic():
        event, plain = _record_tricky()
        # not sealed before the commit
        assert AuditEvent.objects.get(pk=event.pk).chain_seq is None
    # then the database sealed them at commit, and Python recomputes the same hashes
    rows = {row["id"]: (seq, digest, row) for seq, digest, row in audit_chain._stream(
        audit_chain._select("chain_seq IS NOT NULL ORDER BY chain_seq"), [])}
    (seq1, hash1, row1), (seq2, hash2, row2) = rows[event.pk], rows[plain.pk]
    assert (seq1, seq2) == (1, 2)
    assert row1["ip_address"] == "2001:db8::1"
    assert audit_chain.utc_text(row1["at"]) == "2026-03-01T01:02:03.456789"
    assert audit_chain.row_hash(row1, seq=1, prev_hash="") == hash1
    assert audit_chain.row_hash(row2, seq=2, prev_hash=hash1) == hash2


@on_sqlite
@pytest.mark.django_db
def test_sqlite_seals_each_row_as_it_is_written():
    event, plain = _record_tricky()
    assert [seq for seq, _hash in _sealed()] == [1, 2]
    result = audit_chain.verify()
    assert result.ok, result.findings
    assert AuditEvent.objects.get(pk=plain.pk).recorded_at is not None


# --- the chain and audit_verify -----------------------------------------------------------------------------------

@on_sqlite
@pytest.mark.django_db
def test_sqlite_verify_finds_a_changed_a_deleted_and_an_unsealed_row():
    for n in range(4):
        audit.record(subject=None, action="test.row", comment=f"第{n}行")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f"DROP TRIGGER {name}")
        cursor.execute(f"UPDATE {TABLE} SET comment = '改过的' WHERE chain_seq = 2")
        cursor.execute(f"DELETE FROM {TABLE} WHERE chain_seq = 3")
        cursor.execute(f"INSERT INTO {TABLE} (subject_id, subject_label, at, recorded_at, action, from_state, "
                       "to_state, comment, changes, chain_hash) VALUES ('', '', '2026-01-01 00:00:00', "
                       "'2026-01-01 00:00:00', 'forged', '', '', '', '{}', '')")
        for _name, sql in triggers:
            cursor.execute(sql)

    result = audit_chain.verify()

    assert result.counts == {"changed": 1, "missing": 1, "unsealed": 1}

@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_rows_are_chained_gap_free_in_commit_order_and_verify_clean():
    for n in range(5):
        with transaction.atomic():
            audit.record(subject=None, action="test.one", comment=f"第{n}批")
            audit.record(subject=None, action="test.two", comment=f"第{n}批")
    # a rolled-back transaction leaves no seq behind
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(subject=None, action="test.rolled_back")
        raise RuntimeError
    seqs = [seq for seq, _hash in _sealed()]
    assert seqs == list(range(1, 11))

    summary, findings, status = _run_verify()

    assert (status, summary["rows_verified"], summary["findings"], findings) == (0, 10, 0, [])


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_one_gap_free_chain():
    # given four writers committing two audit rows per transaction at the same time
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def writer(n):
        try:
            for i in range(25):
                with transaction.atomic():
                    audit.record(subject=None, action="test.concurrent", comment=f"{n}-{i}-a")
                    audit.record(subject=None, action="test.concurrent", comment=f"{n}-{i}-b")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(writer, range(4)))

    # then 200 rows, seq 1..200, each transaction's two rows next to each other, and the chain verifies
    rows = list(AuditEvent.objects.order_by("chain_seq").values_list("chain_seq", "comment"))
    assert [seq for seq, _comment in rows] == list(range(1, 201))
    assert all(rows[k][1][:-1] == rows[k + 1][1][:-1] for k in range(0, 200, 2))
    summary, _findings, status = _run_verify()
    assert (status, summary["rows_verified"]) == (0, 200)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_audit_verify_finds_an_owner_update_a_delete_and_an_unsealed_insert():
    # given a sealed chain of 6 rows
    for n in range(6):
        audit.record(subject=None, action="test.row", comment=f"第{n}行")
    rows = dict(AuditEvent.objects.values_list("chain_seq", "pk"))
    # when the owner rewrites row 2, deletes row 4 and slips a row in with the triggers off
    _owner_sql(
        f"UPDATE {TABLE} SET comment = '改过的' WHERE id = {rows[2]}",
        f"DELETE FROM {TABLE} WHERE id = {rows[4]}",
        f"INSERT INTO {TABLE} (subject_id, subject_label, at, recorded_at, action, from_state, to_state, comment, "
        f"changes, chain_hash) VALUES ('', '', now() - interval '1 hour', now() - interval '1 hour', 'forged', '', '', "
        f"'', '{{}}', '')",
    )

    summary, findings, status = _run_verify()

    # then
    assert status == 1
    assert {f["finding"]: f["seq"] for f in findings if f["finding"] != "unsealed"} == {"changed": 2, "missing": 4}
    assert (summary["changed"], summary["missing"], summary["unsealed"], summary["rows_verified"]) == (1, 1, 1, 6)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_audit_verify_finds_a_row_rewritten_with_a_recomputed_hash_at_the_next_link():
    for n in range(3):
        audit.record(subject=None, action="test.row", comment=f"第{n}行")
    seq, _digest, row = next(audit_chain._stream(audit_chain._select("chain_seq = 2"), []))
    prev = AuditEvent.objects.get(chain_seq=1).chain_hash
    row["comment"] = "改过的"
    forged = audit_chain.row_hash(row, seq=2, prev_hash=prev)
    _owner_sql(f"UPDATE {TABLE} SET comment = '改过的', chain_hash = '{forged}' WHERE chain_seq = 2")

    summary, findings, status = _run_verify()

    assert status == 1 and [(f["finding"], f["seq"]) for f in findings] == [("changed", 3)]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_audit_verify_finds_a_row_slipped_in_with_a_valid_hash_but_an_earlier_recorded_at():
    # given a sealed chain, and the owner appending a row with the right seq and hash, recorded an hour "ago"
    for n in range(3):
        audit.record(subject=None, action="test.row", comment=f"第{n}行")
    last = AuditEvent.objects.get(chain_seq=3)
    forged = {"id": last.pk + 1000, "subject_type_id": None, "subject_id": "", "subject_label": "", "actor_id": None,
              "on_behalf_of_id": None, "at": timezone.now() - datetime.timedelta(hours=1),
              "recorded_at": timezone.now() - datetime.timedelta(hours=1), "action": "test.forged", "from_state": "",
              "to_state": "", "comment": "事后补记", "changes": "{}", "ip_address": None}
    digest = audit_chain.row_hash(forged, seq=4, prev_hash=last.chain_hash)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        cursor.execute(f"INSERT INTO {TABLE} (id, subject_id, subject_label, at, recorded_at, action, from_state, "
                       "to_state, comment, changes, chain_seq, chain_hash) VALUES (%s, '', '', %s, %s, 'test.forged', "
                       "'', '', '事后补记', '{}', 4, %s)", [forged["id"], forged["at"], forged["recorded_at"], digest])
        cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")

    summary, findings, status = _run_verify()

    # then its hash fits, but its place in time does not
    assert status == 1
    assert [(f["finding"], f["seq"]) for f in findings] == [("out_of_order", 4)]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_app_role_cannot_tamper_with_the_audit_log_and_owner_tampering_is_found(capsys):
    """The application's role (db_grants) may read and append only; the owner's out-of-band edits are found."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {APP_ROLE}")
        cursor.execute(f"CREATE ROLE {APP_ROLE} LOGIN")
    try:
        audit.record(subject=None, action="test.before", comment="迁移后第一行")
        call_command("db_grants", app_role=APP_ROLE)
        grants = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert grants["audit_table"] == {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False,
                                         "TRUNCATE": False, "REFERENCES": False, "TRIGGER": False}
        settings_dict = connection.settings_dict
        refused, accepted = {}, {}
        attempts = {
            "truncate": f"TRUNCATE {TABLE}",
            "update": f"UPDATE {TABLE} SET comment = 'x'",
            "delete": f"DELETE FROM {TABLE}",
            "drop_table": f"DROP TABLE {TABLE}",
            "disable_trigger": f"ALTER TABLE {TABLE} DISABLE TRIGGER workflows_auditevent_no_update",
            "drop_trigger": f"DROP TRIGGER workflows_auditevent_seal ON {TABLE}",
            "replace_function": "CREATE OR REPLACE FUNCTION workflows_auditevent_immutable() RETURNS trigger "
                                "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
            "replication_role": "SET session_replication_role = replica",
            "anchor_insert": "INSERT INTO workflows_auditanchor (through_seq, through_hash, rows, file_name, "
                             "file_sha256, before) VALUES (99, 'x', 1, 'x', 'x', '2020-01-01')",
        }
        insert = (f"INSERT INTO {TABLE} (subject_id, subject_label, at, recorded_at, action, from_state, to_state, "
                  f"comment, changes, chain_seq, chain_hash) VALUES ('', '', '2020-01-01', '2020-01-01', "
                  f"'test.app_insert', '', '', '应用角色写入', '{{\"k\": 1}}', 999, 'forged')")
        with psycopg.connect(dbname=settings_dict["NAME"], host=settings_dict["HOST"] or None,
                             port=settings_dict["PORT"] or None, user=APP_ROLE, autocommit=True) as app:
            for name, statement in attempts.items():
                try:
                    app.execute(statement)
                    accepted[name] = statement
                except psycopg.Error as error:
                    refused[name] = error.sqlstate
            app.execute(insert)  # a back-dated INSERT with a forged seal: accepted, but sealed by the database
            app_row = app.execute(f"SELECT chain_seq, chain_hash, recorded_at, at FROM {TABLE} "
                                  "WHERE action = 'test.app_insert'").fetchone()
        print("app role refused", json.dumps(refused), "accepted", json.dumps(accepted))
        assert accepted == {}
        # and the application itself runs as that role: it writes a case row and an audit row
        host = settings_dict["HOST"] or "127.0.0.1"
        env = {**os.environ, "DATABASE_URL": f"postgres://{APP_ROLE}@{host}:{settings_dict['PORT'] or 5432}/"
                                              f"{settings_dict['NAME']}"}
        app_run = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c",
             "from django.db import transaction; from workflows import audit; from workflows.models import Unit\n"
             "with transaction.atomic():\n"
             "    unit = Unit.objects.create(name='应用角色单位')\n"
             "    audit.record(subject=unit, action='unit.created')\n"
             "print('ok')"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert app_run.stdout.strip().endswith("ok"), app_run.stderr[-2000:]
        assert set(refused) == set(attempts)
        assert app_row[0] == 2 and app_row[1] != "forged" and app_row[2] > timezone.now() - datetime.timedelta(hours=1)
        summary, _findings, status = _run_verify()
        assert (status, summary["rows_verified"]) == (0, 3)
        backdated, _f, status = _run_verify("--max-backdate-minutes", "60")
        assert (status, backdated["backdated"]) == (1, 1)

        # when the owner changes a row out of band and deletes another
        audit.record(subject=None, action="test.after", comment="第三行")
        _owner_sql(f"UPDATE {TABLE} SET comment = '篡改' WHERE chain_seq = 1", f"DELETE FROM {TABLE} WHERE chain_seq = 2")
        summary, findings, status = _run_verify()

        # then both are found
        assert status == 1
        assert (summary["changed"], summary["missing"], summary["findings"]) == (1, 1, 2)
        print("figures: rows verified", summary["rows_verified"], "findings", summary["findings"])
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {APP_ROLE}")
            cursor.execute(f"DROP ROLE {APP_ROLE}")


@on_postgresql
@pytest.mark.django_db
def test_db_grants_refuses_a_superuser_role():
    with pytest.raises(CommandError, match="superuser"):
        call_command("db_grants", app_role="postgres")


@pytest.mark.django_db
def test_the_audit_table_refuses_update_and_delete_through_the_orm():
    event = audit.record(subject=None, action="test.row")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(comment="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


# --- source address ------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_business_actions_in_a_request_carry_the_address_the_trusted_proxy_saw(client, world, settings):
    # given one trusted proxy that appends the client's address to what the client sent
    settings.TONGXIN_TRUSTED_PROXIES = 1
    proposal = reviewed(world, title="关于来源地址的建议")
    client.force_login(world.head)

    # when
    response = client.post(reverse("proposals:bulk_accept"), {"proposals": [proposal.pk], "comment": "同意立案"},
                           HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.7", REMOTE_ADDR="127.0.0.1")

    # then the service's rows carry the proxy's view of the client, not the forged hop nor the proxy
    assert response.status_code == 302
    rows = AuditEvent.objects.filter(subject_id=str(proposal.pk), actor=world.head)
    assert rows.exists()
    assert set(rows.values_list("ip_address", flat=True)) == {"203.0.113.7"}


@pytest.mark.django_db
def test_rows_written_outside_a_request_have_no_address():
    assert audit.record(subject=None, action="due.reminded").ip_address is None


# --- export ----------------------------------------------------------------------------------------------------------

@pytest.fixture
def audit_file(tmp_path):
    path = tmp_path / "audit.log"
    handler = AuditFileHandler(str(path), delay=True)
    handler.setFormatter(AuditLineFormatter())
    logger = logging.getLogger("tongxin.audit")
    logger.addHandler(handler)
    old_level, logger.level = logger.level, logging.INFO
    yield path
    logger.removeHandler(handler)
    handler.close()
    logger.level = old_level


@pytest.fixture
def sqlite_flushable():
    """On SQLite a transactional test ends with DELETE on every table, which the audit triggers refuse: empty the
    audit tables first, with the triggers off, then put the same triggers back."""
    yield
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                       "('workflows_auditevent', 'workflows_auditanchor')")
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f"DROP TRIGGER {name}")
        cursor.execute("DELETE FROM workflows_auditevent")
        cursor.execute("DELETE FROM workflows_auditanchor")
        for _name, sql in triggers:
            cursor.execute(sql)


@pytest.mark.django_db(transaction=True)
def test_committed_rows_are_exported_once_as_json_lines_and_rolled_back_ones_never(audit_file, sqlite_flushable):
    # given
    with transaction.atomic():
        audit.record(subject=None, action="test.one", comment="导出")
        with pytest.raises(RuntimeError), transaction.atomic():
            audit.record(subject=None, action="test.undone")
            raise RuntimeError
        audit.record(subject=None, action="test.two", changes={"字段": ["旧", "新"]})
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(subject=None, action="test.rolled_back")
        raise RuntimeError
    audit.record(subject=None, action="test.three")
    # then
    lines = [json.loads(line) for line in audit_file.read_text().splitlines()]
    assert [line["action"] for line in lines] == ["test.one", "test.two", "test.three"]
    assert lines[1]["changes"] == {"字段": ["旧", "新"]}
    stored = dict(AuditEvent.objects.values_list("pk", "chain_hash"))
    assert all(line["hash"] == stored[line["id"]] and line["seq"] for line in lines)
    assert audit_file.stat().st_mode & 0o077 == 0


def test_audit_export_target_is_chosen_by_the_environment_value(tmp_path):
    assert audit_export("") == ({}, {}, {"tongxin.audit": {"handlers": [], "level": "INFO", "propagate": False}})
    _f, handlers, loggers = audit_export(str(tmp_path / "a.log"))
    assert handlers["audit_export"]["()"] == "config.logging.AuditFileHandler"
    assert loggers["tongxin.audit"]["propagate"] is False
    _f, handlers, _l = audit_export("syslog://127.0.0.1:5514")
    assert handlers["audit_export"]["address"] == ("127.0.0.1", 5514)
    with pytest.raises(ValueError):
        audit_export("relative/audit.log")


# --- retention and archive ---------------------------------------------------------------------------------------

def test_archive_refuses_a_date_inside_the_retention_period(settings):
    too_recent = timezone.localdate() - datetime.timedelta(days=settings.TONGXIN_AUDIT_RETENTION_DAYS - 1)
    with pytest.raises(CommandError, match="kept 180 days"):
        call_command("audit_archive", before=too_recent.isoformat())


@pytest.mark.django_db(transaction=connection.vendor == "postgresql")
def test_archive_moves_old_rows_to_a_checksummed_file_and_verify_continues_from_the_anchor(tmp_path, capsys):
    # given four rows from 400 days ago and two from today
    long_ago = timezone.now() - datetime.timedelta(days=400)
    with time_machine.travel(long_ago, tick=False):
        for n in range(4):
            audit.record(subject=None, action="test.old", comment=f"旧{n}")
    for n in range(2):
        audit.record(subject=None, action="test.new", comment=f"新{n}")
    before = (timezone.localdate() - datetime.timedelta(days=300)).isoformat()

    # when
    call_command("audit_archive", before=before, output_dir=str(tmp_path))
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    # then the old rows are in the file, with seq, hash and the exact text hashed
    assert (summary["archived"], summary["through_seq"], summary["remaining"]) == (4, 4, 2)
    archive = tmp_path / "tongxin-audit-0000000001-0000000004.jsonl.gz"
    manifest = json.loads((tmp_path / (archive.name + ".manifest.json")).read_text())
    assert manifest["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    lines = [json.loads(line) for line in gzip.open(archive, "rt", encoding="utf-8")]
    assert [line["chain_seq"] for line in lines] == [1, 2, 3, 4]
    assert all(hashlib.sha256(line["canonical"].encode()).hexdigest() == line["chain_hash"] for line in lines)
    assert archive.stat().st_mode & 0o077 == 0
    # the anchor carries the chain on: the rest verifies, and a new row links to it
    assert AuditAnchor.objects.get().through_hash == lines[-1]["chain_hash"]
    assert not AuditEvent.objects.filter(action="test.old").exists()
    audit.record(subject=None, action="test.after_archive")
    result = audit_chain.verify()
    assert result.ok, result.findings
    assert (result.anchor_seq, result.first_seq, result.rows) == (4, 5, 3)
    # and nothing more to archive
    call_command("audit_archive", before=before, output_dir=str(tmp_path))
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["archived"] == 0


@pytest.mark.django_db
def test_rows_no_anchor_covers_cannot_be_deleted_even_by_the_archive_path():
    audit.record(subject=None, action="test.row")
    with pytest.raises(DatabaseError), transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL tongxin.audit_archive = 'on'")
        AuditEvent.objects.all().delete()


# --- alerts --------------------------------------------------------------------------------------------------------

def _denials(count, ip, *, action="access_denied"):
    for _ in range(count):
        audit.record(subject=None, action=action, comment="GET /proposals/999/", ip_address=ip)


@pytest.mark.django_db
def test_a_burst_of_denials_from_one_address_alerts_security_admins_once_per_window(settings):
    # given a security administrator and 20 refusals from one address within the minute
    settings.TONGXIN_ALERT_THRESHOLD, settings.TONGXIN_ALERT_WINDOW_MINUTES = 20, 1
    security = UserFactory(username="sec1")
    security.groups.add(Group.objects.get_or_create(name="sec_admin")[0])
    UserFactory(username="root", is_superuser=True)
    _denials(19, "203.0.113.9")
    assert audit_alerts.check() is None  # 19: below the threshold
    _denials(1, "203.0.113.9")

    # when the sweep checks twice
    event = audit_alerts.check()
    again = audit_alerts.check()

    # then one alert, to the security administrator only, audited with the address
    assert event.action == "security_alert" and again is None
    assert event.changes["addresses"] == {"203.0.113.9": 20}
    assert list(Notification.objects.filter(key=event.comment).values_list("recipient__username", flat=True)) == [
        "sec1"]
    assert AuditEvent.objects.filter(action="security_alert").count() == 1


@pytest.mark.django_db
def test_failed_logins_spread_over_addresses_alert_on_the_total_and_fall_back_to_superusers(settings):
    settings.TONGXIN_ALERT_THRESHOLD = 20
    UserFactory(username="root", is_superuser=True)
    for n in range(20):
        _denials(1, f"198.51.100.{n}", action="auth.login_failed")

    event = audit_alerts.check()

    assert event.changes["total"] == 20 and event.changes["addresses"] == {}
    assert event.changes["notified"] == ["root"]


@pytest.mark.django_db
def test_old_denials_outside_the_window_do_not_alert(settings):
    settings.TONGXIN_ALERT_THRESHOLD = 20
    _denials(25, "203.0.113.9")
    assert audit_alerts.check(now=timezone.now() + datetime.timedelta(minutes=2)) is None


# --- backup and restore keep the chain ------------------------------------------------------------------------------

@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_restore_gives_back_the_chain_verbatim_and_it_verifies(settings, tmp_path):
    for n in range(3):
        audit.record(subject=None, action="test.row", comment=f"备份{n}")
    before = _sealed()
    call_command("backup", output_dir=str(tmp_path))
    archive = next(tmp_path.glob("tongxin-backup-*.tar"))
    call_command("flush", interactive=False, verbosity=0)
    assert _sealed() == []

    call_command("restore", str(archive), yes=True)

    assert _sealed() == before
    summary, _findings, status = _run_verify()
    assert (status, summary["rows_verified"]) == (0, 3)
    # and the restored database goes on sealing after the restored rows
    audit.record(subject=None, action="test.after_restore")
    assert _sealed()[-1][0] == 4 and audit_chain.verify().ok
