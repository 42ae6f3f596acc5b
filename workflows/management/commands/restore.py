"""``manage.py restore ARCHIVE``: verify, then replace the database and the uploaded files (workflows.backup)."""

import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workflows import backup


class Command(BaseCommand):
    help = ("Restore a backup archive over this installation's database and uploaded files. Stop the web server, "
            "the workers and the scheduler first.")

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .tar written by manage.py backup.")
        parser.add_argument("--rekey", action="store_true",
                            help="Restore even though SECRET_KEY or TONGXIN_HMAC_KEY differ from the backup's.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, archive, rekey, yes, **options):
        if not yes and input("This replaces the database and all uploaded files. Type 'restore' to go on: ") != "restore":
            raise CommandError("Not restored.")
        try:
            manifest, warnings, files = backup.restore(Path(archive), rekey=rekey)
        except (backup.BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        except subprocess.CalledProcessError as error:
            raise CommandError(error.stderr.decode(errors="replace") if error.stderr else str(error)) from error
        for warning in warnings:
            self.stderr.write(warning)
        self.stdout.write(f"Restored the backup of {manifest['created_at']} ({files} files). "
                          "Run manage.py migrate if this version is newer than the backup's.")
