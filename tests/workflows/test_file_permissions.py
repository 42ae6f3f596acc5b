"""Owner-only files (issue #12 item 4): the SQLite database and its side files, uploaded files and their folders."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_is_owner_only_even_under_a_permissive_umask(tmp_path):
    # given: a development process (no DATABASE_URL: SQLite in TONGXIN_VAR_DIR) whose umask lets others read
    var = tmp_path / "var"
    var.mkdir()
    env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1",
           "SECRET_KEY": "x", "TONGXIN_VAR_DIR": str(var),
           **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {})}
    code = ("import os; os.umask(0o022); import django; django.setup(); from django.db import connection; "
            "c = connection.cursor(); c.execute('CREATE TABLE t (x int)'); c.execute('INSERT INTO t VALUES (1)')")

    # when
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)

    # then
    assert result.returncode == 0, result.stderr
    files = sorted(var.glob("tongxin.sqlite3*"))
    assert var / "tongxin.sqlite3" in files
    assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}


def test_uploaded_files_are_owner_only_and_so_are_the_folders_made_for_them(media_root):
    old = os.umask(0o022)
    try:
        name = default_storage.save("proposals/2026/附件.pdf", ContentFile(b"%PDF-1.4\n"))
    finally:
        os.umask(old)

    assert mode(Path(default_storage.path(name))) == 0o600
    assert mode(media_root / "proposals" / "2026") == 0o700
    assert mode(media_root / "proposals") == 0o700


@pytest.mark.parametrize("name", ["FILE_UPLOAD_PERMISSIONS", "FILE_UPLOAD_DIRECTORY_PERMISSIONS"])
def test_the_upload_permissions_are_set(settings, name):
    assert getattr(settings, name) & 0o077 == 0
