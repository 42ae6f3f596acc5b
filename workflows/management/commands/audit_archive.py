"""manage.py audit_archive: move audit rows older than the retention period to a checksummed archive file."""

import json
import os
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from workflows import audit_chain
from workflows.models import AuditEvent


class Command(BaseCommand):
    help = ("Archive the audit rows that happened before --before (at least TONGXIN_AUDIT_RETENTION_DAYS ago) to a "
            "gzip JSON-lines file with a SHA-256 manifest, record the chain's anchor and delete them. Run it as the "
            "database owner; audit_verify goes on from the anchor.")

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="YYYY-MM-DD: archive rows from before this day.")
        parser.add_argument("--output-dir", help="Where to write the archive (default: $TONGXIN_VAR_DIR/audit-archive).")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be archived; change nothing.")

    def handle(self, *args, before, output_dir=None, dry_run=False, **options):
        try:
            day = date.fromisoformat(before)
        except ValueError as error:
            raise CommandError("--before must be a date, YYYY-MM-DD.") from error
        retention = settings.TONGXIN_AUDIT_RETENTION_DAYS
        latest = timezone.localdate() - timedelta(days=retention)
        if day > latest:
            raise CommandError("Refused: audit rows are kept %s days; --before can be %s at the latest." % (
                retention, latest.isoformat()))
        self._check_owner()
        cutoff = timezone.make_aware(datetime.combine(day, time.min))
        start, _hash = audit_chain.anchor()
        through = audit_chain.archivable_through(cutoff)
        summary = {"before": day.isoformat(), "anchor_seq": start, "through_seq": through,
                   "rows": max(0, through - start)}
        if through <= start or dry_run:
            summary["archived"] = 0
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        directory = Path(output_dir) if output_dir else Path(settings.VAR_DIR) / "audit-archive"
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = "tongxin-audit-%010d-%010d.jsonl.gz" % (start + 1, through)
        path = directory / name
        if path.exists():
            raise CommandError(f"{path} exists already: move it away first.")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        try:
            result = audit_chain.write_archive(through_seq=through, path=path)
        except ValueError as error:
            path.unlink()
            raise CommandError(str(error)) from error
        manifest = {
            "format": audit_chain.FORMAT, "file": name, "sha256": result.sha256, "rows": result.rows,
            "first_seq": result.first_seq, "last_seq": result.last_seq, "last_hash": result.last_hash,
            "previous_hash": _hash, "before": day.isoformat(), "created_at": timezone.now().isoformat(),
            "database": connection.vendor,
        }
        manifest_path = directory / (name + ".manifest.json")
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        manifest_path.chmod(0o600)
        audit_chain.remove_archived(result, before=day, file_name=name)
        summary.update(archived=result.rows, file=str(path), sha256=result.sha256,
                       remaining=AuditEvent.objects.count())
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    def _check_owner(self):
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_has_role(current_user, relowner, 'MEMBER') FROM pg_class WHERE oid = %s::regclass",
                           [AuditEvent._meta.db_table])
            (owner,) = cursor.fetchone()
        if not owner:
            raise CommandError("Run audit_archive as the database owner (the migrations' DATABASE_URL), not as the "
                               "application's role.")
