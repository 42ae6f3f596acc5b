"""Backup and restore: the database (pg_dump, or SQLite's online backup) and the uploaded files, in one archive
with a manifest of SHA-256 checksums, the migration state and fingerprints of the secrets a restore needs.

A restore checks every checksum before it touches anything, refuses an archive from a newer code base (unknown
migrations) and refuses different secrets unless told to re-key: SECRET_KEY signs sessions and tokens, and
TONGXIN_HMAC_KEY makes the ID-number duplicate index, so a restore under other keys silently breaks both;
TONGXIN_FIELD_KEYS opens the personal data encrypted at rest, which no other key can read.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
# The secrets whose fingerprints a backup records (never their values).
SECRETS = ("SECRET_KEY", "TONGXIN_HMAC_KEY", "TONGXIN_FIELD_KEYS")


class BackupError(Exception):
    """A refused backup or restore, with the reason for the operator."""


@dataclass(frozen=True)
class Report:
    path: Path
    files: int
    database_bytes: int


def fingerprint(name: str, value: str) -> str:
    """A short one-way fingerprint: enough to tell two keys apart, useless to recover either."""
    return hashlib.sha256(f"tongxin-backup:{name}:{value}".encode()).hexdigest()[:16]


def _secret_fingerprints() -> dict[str, str]:
    return {name: fingerprint(name, str(getattr(settings, name, ""))) for name in SECRETS}


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _pg_env(settings_dict: dict) -> tuple[list[str], dict]:
    args = ["--dbname", settings_dict["NAME"]]
    if settings_dict.get("HOST"):
        args += ["--host", settings_dict["HOST"]]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", settings_dict["USER"]]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return args, env


def _dump_database(target: Path) -> str:
    """Write a consistent copy of the database to ``target``; return its file name inside the archive."""
    vendor = connection.vendor
    if vendor == "postgresql":
        args, env = _pg_env(connection.settings_dict)
        # PostgreSQL client tools from PATH, an argument list without a shell (connection values as arguments).
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *args],  # nosec B603 B607
                       check=True, env=env, capture_output=True)
        return "database.pgdump"
    if vendor == "sqlite":
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return "database.sqlite3"
    raise BackupError(f"Unsupported database: {vendor}")


def create(directory: Path) -> Report:
    """Write ``tongxin-backup-<time>.tar`` and its ``.sha256`` into ``directory``; return what was written."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    archive = directory / f"tongxin-backup-{stamp}.tar"
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / "database"
        dump_name = _dump_database(dump)
        database_bytes = dump.stat().st_size
        files = {dump_name: _sha256_file(dump)}
        media = sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []
        for path in media:
            files[MEDIA_PREFIX + path.relative_to(media_root).as_posix()] = _sha256_file(path)
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": {"vendor": connection.vendor, "file": dump_name},
            "migrations": _applied_migrations(),
            "secrets": _secret_fingerprints(),
            "files": files,
        }
        with tarfile.open(archive, "w") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=dump_name)
            for path in media:
                tar.add(path, arcname=MEDIA_PREFIX + path.relative_to(media_root).as_posix())
        archive.chmod(0o600)
    checksum = archive.with_name(archive.name + ".sha256")
    checksum.write_text(f"{_sha256_file(archive)}  {archive.name}\n")
    checksum.chmod(0o600)
    return Report(path=archive, files=len(media), database_bytes=database_bytes)


def _read_verified(archive: Path, scratch: Path) -> dict:
    """Unpack into ``scratch`` and check the archive checksum and every file's; return the manifest."""
    checksum = archive.with_name(archive.name + ".sha256")
    if checksum.exists():
        expected = checksum.read_text().split()[0]
        if _sha256_file(archive) != expected:
            raise BackupError(f"{archive.name}: the archive does not match its .sha256 file.")
    with tarfile.open(archive, "r") as tar:
        tar.extractall(scratch, filter="data")
    manifest_path = scratch / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{archive.name}: no manifest.json in the archive.")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    listed = set(manifest["files"])
    present = {p.relative_to(scratch).as_posix() for p in scratch.rglob("*") if p.is_file()} - {MANIFEST}
    if listed != present:
        raise BackupError("The archive's files differ from its manifest: missing %s, unexpected %s." % (
            sorted(listed - present)[:5], sorted(present - listed)[:5]))
    for name, digest in manifest["files"].items():
        if _sha256_file(scratch / name) != digest:
            raise BackupError(f"Checksum mismatch: {name}.")
    return manifest


def check(manifest: dict, *, rekey: bool) -> list[str]:
    """Reasons to refuse this restore here; warnings are returned, refusals raised."""
    warnings = []
    if manifest["database"]["vendor"] != connection.vendor:
        raise BackupError("The backup is of a %s database; this installation uses %s." % (
            manifest["database"]["vendor"], connection.vendor))
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(f"{app}.{name}" for app, names in manifest["migrations"].items() for name in names
                     if (app, name) not in known)
    if unknown:
        raise BackupError("The backup comes from a newer version (migrations unknown here: %s). Upgrade first." %
                          ", ".join(unknown[:5]))
    current = _secret_fingerprints()
    different = [name for name in SECRETS if manifest["secrets"].get(name) != current[name]]
    if different:
        message = "The backup was made with other %s." % ", ".join(different)
        if not rekey:
            raise BackupError(message + " Set the same keys in the environment, or pass --rekey to restore anyway "
                              "(sessions end; run rehash_id_numbers afterwards for a new TONGXIN_HMAC_KEY; keep the "
                              "backup's TONGXIN_FIELD_KEYS in the list, or its personal data cannot be read).")
        warnings.append(message + " Restoring under the new keys (--rekey).")
    return warnings


def _restore_database(manifest: dict, scratch: Path) -> None:
    dump = scratch / manifest["database"]["file"]
    settings_dict = dict(connection.settings_dict)
    connections.close_all()
    if connection.vendor == "postgresql":
        args, env = _pg_env(settings_dict)
        # As pg_dump above: a client tool from PATH, an argument list, no shell.
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",  # nosec B603 B607
                        "--single-transaction", "--exit-on-error", *args, str(dump)],
                       check=True, env=env, capture_output=True)
    else:
        source = sqlite3.connect(str(dump))
        target = sqlite3.connect(str(settings_dict["NAME"]))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()


def _restore_media(scratch: Path) -> int:
    """Swap the uploaded files for the archive's; the previous ones are kept beside them until the next restore."""
    media_root = Path(settings.MEDIA_ROOT)
    restored = scratch / MEDIA_PREFIX.rstrip("/")
    previous = media_root.with_name(media_root.name + ".before-restore")
    if previous.exists():
        shutil.rmtree(previous)
    if media_root.exists():
        media_root.rename(previous)
    if restored.exists():
        shutil.copytree(restored, media_root)
    else:
        media_root.mkdir(parents=True)
    return sum(1 for p in media_root.rglob("*") if p.is_file())


def restore(archive: Path, *, rekey: bool = False) -> tuple[dict, list[str], int]:
    """Verify, then replace the database and the uploaded files with the archive's. Stop web and workers first."""
    if not archive.exists():
        raise BackupError(f"No such file: {archive}")
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        manifest = _read_verified(archive, scratch)
        warnings = check(manifest, rekey=rekey)
        _restore_database(manifest, scratch)
        files = _restore_media(scratch)
    return manifest, warnings, files
