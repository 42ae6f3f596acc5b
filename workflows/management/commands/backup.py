"""``manage.py backup``: one archive of the database and the uploaded files, with checksums (workflows.backup)."""

import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workflows import backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one archive with a manifest and checksums."

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", default="backups", help="Folder for the archive (created if missing).")

    def handle(self, *args, output_dir, **options):
        try:
            report = backup.create(Path(output_dir))
        except (backup.BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        except subprocess.CalledProcessError as error:
            raise CommandError(error.stderr.decode(errors="replace") if error.stderr else str(error)) from error
        self.stdout.write(f"{report.path} ({report.database_bytes} bytes of database, {report.files} files); "
                          f"checksum in {report.path.name}.sha256")
