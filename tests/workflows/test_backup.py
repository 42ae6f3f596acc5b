"""manage.py backup / restore: back up, wipe, restore, and find the same records, timelines and files."""

import hashlib
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import MemberFactory, TermFactory, UnitFactory, UserFactory
from workflows import audit
from workflows.models import AuditEvent, Unit

ROOT = Path(__file__).resolve().parents[2]
# The in-process tests restore over the test database itself, which pg_restore can do; SQLite's test database is
# in memory, so the embedded default is tested end to end on a file database in a subprocess instead.
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_restore over the test database")


def _world():
    user = UserFactory(username="backup-clerk")
    term = TermFactory()
    members = [MemberFactory(term=term) for _ in range(3)]
    unit = UnitFactory(name="县教育局")
    for action in ("unit.created", "unit.renamed", "unit.checked"):
        audit.record(subject=unit, actor=user, action=action, comment="备份测试")
    default_storage.save("proposals/2026/附件一.pdf", ContentFile(b"%PDF-1.4 first"))
    default_storage.save("nomination/photo.png", ContentFile(b"\x89PNG second"))
    return unit, members


def _snapshot(unit):
    return {
        "units": sorted(Unit.objects.values_list("name", flat=True)),
        "timeline": [(e.action, e.comment, e.actor.username) for e in audit.timeline(unit)],
        "audit_rows": AuditEvent.objects.count(),
        "files": {name: hashlib.sha256(default_storage.open(name).read()).hexdigest()
                  for name in ("proposals/2026/附件一.pdf", "nomination/photo.png")},
    }


def _wipe(settings):
    call_command("flush", interactive=False, verbosity=0)
    for path in sorted(settings.MEDIA_ROOT.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_gives_back_the_same_records_timelines_and_files(settings, tmp_path, capsys):
    # given
    unit, _members = _world()
    before = _snapshot(unit)
    call_command("backup", output_dir=str(tmp_path / "backups"))
    archive = next((tmp_path / "backups").glob("tongxin-backup-*.tar"))
    # when
    _wipe(settings)
    assert not Unit.objects.filter(pk=unit.pk).exists()
    call_command("restore", str(archive), yes=True)
    # then
    assert _snapshot(Unit.objects.get(pk=unit.pk)) == before
    assert "Restored the backup" in capsys.readouterr().out


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_backup_manifest_lists_every_file_with_its_checksum_and_the_secret_fingerprints(settings, tmp_path):
    _world()
    call_command("backup", output_dir=str(tmp_path))
    archive = next(tmp_path.glob("tongxin-backup-*.tar"))
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = set(tar.getnames()) - {"manifest.json"}
    assert set(manifest["files"]) == names
    assert {"media/proposals/2026/附件一.pdf", "media/nomination/photo.png"} <= names
    assert set(manifest["secrets"]) == {"SECRET_KEY", "TONGXIN_HMAC_KEY", "TONGXIN_FIELD_KEYS"}
    assert settings.SECRET_KEY not in json.dumps(manifest)
    assert "workflows" in manifest["migrations"]
    assert archive.stat().st_mode & 0o077 == 0


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_other_secrets_unless_told_to_rekey(settings, tmp_path):
    unit, _members = _world()
    call_command("backup", output_dir=str(tmp_path))
    archive = next(tmp_path.glob("tongxin-backup-*.tar"))
    settings.TONGXIN_HMAC_KEY = "another-key"
    with pytest.raises(CommandError, match="TONGXIN_HMAC_KEY"):
        call_command("restore", str(archive), yes=True)
    assert Unit.objects.filter(pk=unit.pk).exists()
    call_command("restore", str(archive), yes=True, rekey=True)
    assert Unit.objects.get(pk=unit.pk).name == "县教育局"


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_tampered_archive_before_touching_anything(tmp_path):
    unit, _members = _world()
    call_command("backup", output_dir=str(tmp_path))
    archive = next(tmp_path.glob("tongxin-backup-*.tar"))
    with archive.open("r+b") as handle:
        handle.seek(-2048, 2)
        handle.write(b"tampered")
    Unit.objects.filter(pk=unit.pk).update(name="恢复前的名称")
    with pytest.raises(CommandError, match="sha256"):
        call_command("restore", str(archive), yes=True)
    assert Unit.objects.get(pk=unit.pk).name == "恢复前的名称"


def _manage(env, *args, stdin=None):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          input=stdin, timeout=300)


def test_embedded_sqlite_backup_survives_losing_the_database_file(tmp_path):
    """The first-run default: back up, delete the SQLite file and the uploads, restore, find the same rows."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(DEBUG="1", TONGXIN_VAR_DIR=str(tmp_path / "var"), MEDIA_ROOT=str(tmp_path / "media"),
               SECRET_KEY="sqlite-backup-test", CELERY_TASK_ALWAYS_EAGER="1")
    (tmp_path / "var").mkdir()  # an operator's TONGXIN_VAR_DIR exists; settings create nothing
    assert _manage(env, "migrate", "--noinput").returncode == 0
    make = (
        "from workflows.models import Unit; from workflows import audit; "
        "from django.core.files.base import ContentFile; from django.core.files.storage import default_storage; "
        "u = Unit.objects.create(name='县教育局'); audit.record(subject=u, action='unit.created', comment='备份'); "
        "default_storage.save('a/附件.pdf', ContentFile(b'%PDF-1.4 x'))"
    )
    assert _manage(env, "shell", "-c", make).returncode == 0
    backup = _manage(env, "backup", "--output-dir", str(tmp_path / "backups"))
    assert backup.returncode == 0, backup.stderr
    archive = next((tmp_path / "backups").glob("tongxin-backup-*.tar"))
    (tmp_path / "var" / "tongxin.sqlite3").unlink()
    for suffix in ("-wal", "-shm"):
        (tmp_path / "var" / f"tongxin.sqlite3{suffix}").unlink(missing_ok=True)
    (tmp_path / "media" / "a" / "附件.pdf").unlink()

    restored = _manage(env, "restore", str(archive), "--yes")

    assert restored.returncode == 0, restored.stderr
    read = ("from workflows.models import Unit, AuditEvent; print(list(Unit.objects.values_list('name', flat=True)), "
            "AuditEvent.objects.filter(action='unit.created').count())")
    assert _manage(env, "shell", "-c", read).stdout.strip().splitlines()[-1] == "['县教育局'] 1"
    assert (tmp_path / "media" / "a" / "附件.pdf").read_bytes() == b"%PDF-1.4 x"
