"""Reminder sweep throughput: N due items on PostgreSQL, swept and delivered by real Celery workers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/sweep.py --n 100000

Like bench/lifecycle.py, DATABASE_URL only names the server: the run creates, migrates and (unless ``--keep``)
drops a database of its own (``tongxin_sweep_bench``). It starts a private redis-server on a free port, one beat and
``--workers`` worker processes, waits until every item has escalated and every e-mail is sent, and prints one JSON
line on stdout: items/s, lateness from due to sent (p50, p99, max) and duplicates (must be 0).
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.lifecycle import bench_url, create_database, drop_database, migrate, setup_django  # noqa: E402


def setup(database_url: str) -> None:
    """lifecycle's production-like settings, with what production now refuses to start without.

    Production refuses the in-memory broker lifecycle.py names; this process publishes nothing (the items are
    bulk-inserted), so it names a loopback Redis it never writes to. The workers get the private one.
    """
    os.environ.setdefault("TONGXIN_HMAC_KEY", "bench-only-hmac-key")
    os.environ.setdefault("TONGXIN_FIELD_KEYS", "YmVuY2gtb25seS1maWVsZC1rZXktbm90LXNlY3JldDA=")
    os.environ.setdefault("TONGXIN_SMS_BACKEND", "notifications.sms.LoggingBackend")
    import django

    real_setup = django.setup

    def setup_with_broker(*args, **kwargs):
        os.environ["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/0"
        return real_setup(*args, **kwargs)

    django.setup = setup_with_broker
    try:
        setup_django(database_url)
    finally:
        django.setup = real_setup


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="due items (default 100000)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes, one pool process each (default 2)")
    parser.add_argument("--units", type=int, default=50, help="units holding the items, one handler each (default 50)")
    parser.add_argument("--spread", type=float, default=0.0,
                        help="seconds over which the items fall due (default 0: all due at the start, a burst)")
    parser.add_argument("--interval", type=float, default=5.0, help="beat interval of sweep and relay (default 5)")
    parser.add_argument("--batch", type=int, default=0,
                        help="items per sweep batch (TONGXIN_SWEEP_BATCH; default: the setting's own default)")
    parser.add_argument("--no-email", action="store_true", help="in-product centre only: no e-mail deliveries")
    parser.add_argument("--timeout", type=float, default=3600, help="give up after this many seconds (default 3600)")
    parser.add_argument("--db-name", default="tongxin_sweep_bench", help="the database created and dropped")
    parser.add_argument("--maintenance-db", default="postgres", help="database used for CREATE/DROP DATABASE")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args(argv)
    if args.n < 1 or args.workers < 1 or args.units < 1 or args.spread < 0:
        parser.error("--n, --workers and --units must be at least 1, --spread at least 0")
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build(*, n: int, units: int, email: bool):
    """N 办理答复 deadlines of real assignments, escalating to 黄 at their due time (and nothing else).

    They are built already planned and due in a month, so nothing happens until :func:`fall_due` moves them.
    """
    from datetime import timedelta

    from django.db.models import F
    from django.utils import timezone

    from tests.reliability import data
    from workflows.models import DueItem

    holders = data.units_with_handlers(units, email=email)
    parts = data.assignments(units=holders, count=n)
    data.due_items(parts=parts, due_at=timezone.now() + timedelta(days=30))
    DueItem.objects.update(planned_version=F("due_version"), next_action_at=F("due_at"))


def fall_due(*, n: int, spread: float) -> None:
    """Make the items due from now on, evenly over ``spread`` seconds, in id order (the clock, moved in the DB)."""
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM workflows_dueitem")
        first = cursor.fetchone()[0]
        cursor.execute(
            "UPDATE workflows_dueitem SET due_at = %s + (id - %s) * %s * interval '1 second', "
            "next_action_at = %s + (id - %s) * %s * interval '1 second'",
            [timezone.now(), first, spread / n] * 2,
        )


# Each item's timeline row names the messages that told of it (``changes.messages``): a person with several items
# due in one sweep batch gets one message listing them, so an item's message is found through its row, not its key.
LATENESS_SQL = """
WITH told AS MATERIALIZED (
    SELECT (e.changes->>'due_item')::bigint AS item, (e.changes->>'due_version')::int AS version, m.key
    FROM workflows_auditevent e
    CROSS JOIN LATERAL jsonb_array_elements_text(e.changes->'messages') AS m(key)
    WHERE e.action LIKE 'due.%'
)
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lateness),
       percentile_cont(0.99) WITHIN GROUP (ORDER BY lateness),
       max(lateness), count(*)
FROM (
    SELECT EXTRACT(EPOCH FROM min({sent}) - a.scheduled_at) AS lateness
    FROM workflows_dueaction a
    JOIN told t ON t.item = a.due_item_id AND t.version = a.due_version
    JOIN notifications_notification n ON n.key = t.key
    {join}
    GROUP BY a.id, a.scheduled_at
) AS x
"""


def lateness(*, email: bool) -> dict:
    """Seconds from each item's due time to the message that told of it: in the centre, and (if any) by e-mail."""
    from django.db import connection

    figures = {}
    queries = {"centre": ("n.created", "")}
    if email:
        queries["email"] = ("d.sent_at", "JOIN notifications_delivery d ON d.notification_id = n.id AND "
                                          "d.channel = 'email' AND d.status = 'sent'")
    with connection.cursor() as cursor:
        # Fresh statistics: the tables grew from nothing during the run, and a planner that believes them empty
        # picks nested loops over 100,000 rows.
        cursor.execute("ANALYZE workflows_auditevent, workflows_dueaction, notifications_notification, "
                       "notifications_delivery")
        for name, (sent, join) in queries.items():
            cursor.execute(LATENESS_SQL.format(sent=sent, join=join))
            p50, p99, worst, count = cursor.fetchone()
            figures[name] = {"p50_s": round(float(p50 or 0), 2), "p99_s": round(float(p99 or 0), 2),
                             "max_s": round(float(worst or 0), 2), "items": count}
    return figures


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssWatch:
    """The resident memory of the worker processes (each main process and its pool child), sampled as it runs."""

    def __init__(self, workers):
        self.workers = workers
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.peak: dict[int, int] = {}

    def sample(self) -> None:
        from tests.reliability.harness import children_of

        for worker in self.workers:
            for pid in (worker.pid, *children_of(worker.pid)):
                kb = rss_kb(pid)
                if kb:
                    self.first.setdefault(pid, kb)
                    self.last[pid] = kb
                    self.peak[pid] = max(self.peak.get(pid, 0), kb)

    def figures(self) -> dict:
        def mb(kb):
            return round(kb / 1024, 1)

        return {"peak_mb": mb(max(self.peak.values(), default=0)),
                "per_process_first_last_peak_mb": [[mb(self.first[pid]), mb(self.last[pid]), mb(self.peak[pid])]
                                                   for pid in sorted(self.peak)]}


def run(args, database_url: str) -> dict:
    from django.db.models import Count, Max, Min

    from notifications.models import Delivery, Notification
    from tests.reliability import messages
    from tests.reliability.harness import PrivateRedis, Services, free_port
    from workflows.models import AuditEvent, DueAction

    email = not args.no_email
    started = time.monotonic()
    build(n=args.n, units=args.units, email=email)
    log(f"built {args.n} due items in {time.monotonic() - started:.1f} s")
    with tempfile.TemporaryDirectory(prefix="tongxin-sweep-bench-") as tmp:
        tmp = Path(tmp)
        redis = PrivateRedis(tmp, port=free_port())
        redis.start()
        env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": redis.url,
               "CELERY_TASK_ALWAYS_EAGER": "0", "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
               "TONGXIN_SWEEP_INTERVAL": str(args.interval), "TONGXIN_RELAY_INTERVAL": str(args.interval),
               "TONGXIN_VAR_DIR": str(tmp / "var"), "PYTHONUNBUFFERED": "1"}
        if args.batch:
            env["TONGXIN_SWEEP_BATCH"] = str(args.batch)
        services = Services(env=env, log_dir=tmp)
        try:
            services.beat()
            rss = RssWatch([services.worker(concurrency=1) for _ in range(args.workers)])
            fall_due(n=args.n, spread=args.spread)
            began = time.monotonic()
            while True:
                fired = DueAction.objects.count()
                pending = Delivery.objects.filter(status=Delivery.Status.PENDING).count()
                rss.sample()
                log(f"{time.monotonic() - began:6.0f} s: {fired} escalated, {pending} deliveries pending, "
                    f"worker RSS {rss.figures()['peak_mb']} MB at most")
                if fired >= args.n and not pending:
                    break
                if time.monotonic() - began > args.timeout:
                    raise SystemExit("bench/sweep.py: timed out")
                time.sleep(1 if fired >= args.n else 5)
            elapsed = time.monotonic() - began
        finally:
            services.stop_all()
            redis.stop()
    span = DueAction.objects.aggregate(first=Min("done_at"), last=Max("done_at"))
    sweep_seconds = (span["last"] - span["first"]).total_seconds()
    audit = AuditEvent.objects.filter(action="due.escalated_yellow")
    twice = DueAction.objects.values("due_item").annotate(n=Count("id")).filter(n__gt=1).count()
    carried = messages.told()
    escalated = DueAction.objects.count()
    return {
        "n": args.n, "workers": args.workers, "batch": args.batch, "spread_s": args.spread, "email": email,
        "escalated": escalated,
        "sweep_seconds": round(sweep_seconds, 1),
        "items_per_s": round(args.n / max(sweep_seconds, 0.001)),
        "end_to_end_seconds": round(elapsed, 1),
        "lateness": lateness(email=email),
        "duplicates": (audit.count() - audit.values("subject_id").distinct().count()) + twice
        + carried["items_told_twice"] + carried["messages_doubled"],
        "lost": args.n - carried["items_told"] + carried["messages_missing"],
        "messages_sent": Notification.objects.filter(key__startswith="due-").count(),
        "items_fired": escalated,
        "emails_sent": Delivery.objects.filter(channel="email", status=Delivery.Status.SENT).count(),
        "worker_rss": rss.figures(),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    database_url = bench_url(server_url, args.db_name)
    create_database(server_url, db_name=args.db_name, maintenance_db=args.maintenance_db)
    try:
        setup(database_url)
        migrate()
        result = run(args, database_url)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(server_url, db_name=args.db_name, maintenance_db=args.maintenance_db)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["duplicates"] == 0 and result["lost"] == 0 and result["escalated"] == args.n else 1


if __name__ == "__main__":
    sys.exit(main())
