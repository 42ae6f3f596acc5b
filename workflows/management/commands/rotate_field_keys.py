"""Re-encrypt every encrypted column under the current key (the first of TONGXIN_FIELD_KEYS)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.translation import gettext_lazy

from workflows import audit, fields

ACTION = "field_keys.rotated"
audit.ACTION_LABELS[ACTION] = gettext_lazy("个人信息加密密钥轮换")


class Command(BaseCommand):
    help = (
        "Re-encrypt the personal data encrypted at rest under the first key of TONGXIN_FIELD_KEYS. Rotation: put "
        "the new key first in the list (keep the old ones after it), restart, run this command, then drop the old "
        "keys. Batched, each batch committed on its own; a value already under the current key is skipped, so the "
        "command can be stopped and run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        total, columns = 0, {}

        def progress(report: fields.ColumnReport) -> None:
            self.stdout.write(f"  {report.table}.{report.column}: {report.rows} rows read, "
                              f"{report.changed} re-encrypted")

        for model, field in fields.encrypted_columns():
            self.stdout.write(f"{model._meta.label}.{field.name}")
            try:
                report = fields.rewrite_column(connection, model._meta.db_table, field.column, fields.rotate_token,
                                               pk=model._meta.pk.column, batch=batch_size, atomic_batches=True,
                                               progress=progress)
            except fields.UndecryptableValue as error:
                raise CommandError(f"{model._meta.label}.{field.name}: {error}") from None
            total += report.changed
            columns[f"{model._meta.label}.{field.name}"] = report.changed
        with transaction.atomic():
            # Which columns changed and how many values: never a key, nor any value.
            audit.record(subject=None, action=ACTION, changes={"re_encrypted": columns})
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} values under the current key."))
