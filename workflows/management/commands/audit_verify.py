"""manage.py audit_verify: walk the audit log's hash chain and report every row that does not fit."""

import json
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from workflows import audit_chain


class Command(BaseCommand):
    help = ("Verify the audit log's hash chain from the archive anchor: rows changed, deleted (seq gaps), or slipped "
            "in out of order or outside the chain. Each finding is a JSON line on stderr, then one JSON summary line "
            "on stdout; the exit status is 1 when anything is found.")

    def add_arguments(self, parser):
        parser.add_argument("--since-seq", type=int, help="Start after this chain seq (a quick check of new rows).")
        parser.add_argument("--max-backdate-minutes", type=int,
                            help="Also report rows whose business time 'at' is this much older than recorded_at.")

    def handle(self, *args, since_seq=None, max_backdate_minutes=None, **options):
        def report(finding):
            self.stderr.write(json.dumps(finding.as_dict(), ensure_ascii=False))

        result = audit_chain.verify(
            since_seq=since_seq, on_finding=report, keep=0,
            max_backdate=timedelta(minutes=max_backdate_minutes) if max_backdate_minutes is not None else None,
        )
        self.stdout.write(json.dumps(result.summary(), ensure_ascii=False))
        if not result.ok:
            raise CommandError("The audit chain has %s findings." % result.summary()["findings"], returncode=1)
