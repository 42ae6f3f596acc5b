"""Worklist pages at a million open steps: Tongxin's /inbox/ and /queue/ against viewflow's stock inbox and queue.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/inbox.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/inbox.py --n 50000 --users 2000

DATABASE_URL only names the server: the run creates a fresh database (``tongxin_inbox_bench`` unless ``--db-name``),
migrates it, loads the same open work twice with COPY (Tongxin work items with their due items, and viewflow tasks of
``BenchFlow``), requests the pages through Django's test client for a sample of users, drops the database at the end
(unless ``--keep``) and never touches the database the URL names. It prints one JSON line on stdout; see
bench/README.md.
"""

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
import types
import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.lifecycle import bench_url, create_database, drop_database, migrate, setup_django  # noqa: E402

PAGES = {
    "tongxin_inbox": "/inbox/",
    "tongxin_queue": "/queue/",
    "viewflow_inbox": "/workflow/inbox/",
    "viewflow_queue": "/workflow/queue/",
}
# The cases the work items belong to (their rows are not needed: a list reads the item's own label and link).
CASE_MODELS = (("proposals", "proposal"), ("nomination", "nominationcase"))
# Step codes and titles, as the services open them, in turn.
STEPS = (
    ("stage:proposal-review:first", "初审"),
    ("proposals.assignment.receive", "签收"),
    ("proposals.assignment.reply", "办理答复"),
    ("proposals.evaluate", "评价"),
    ("nomination.motion.confirm", "确定动议"),
    ("nomination.vetting.form", "组成考察组"),
)
RARE_TASKS = 3  # claimable tasks of each of the two rare groups: the oldest three and the newest three
TIERS = ("heavy", "medium", "light", "rare")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tasks",
        "--n",
        dest="tasks",
        type=int,
        default=1_000_000,
        help="open work items, each one viewflow task and one Tongxin work item (default 1,000,000)",
    )
    parser.add_argument("--users", type=int, default=10_000, help="users (default 10,000)")
    parser.add_argument("--groups", type=int, default=200, help="reviewer groups, two of them rare (default 200)")
    parser.add_argument(
        "--group-size",
        type=int,
        default=5,
        help="members per group, each of whom sees the group's claimable items (default 5)",
    )
    parser.add_argument(
        "--claimable",
        type=float,
        default=0.1,
        help="share of items claimable by a group rather than assigned to a person (default 0.1)",
    )
    parser.add_argument(
        "--zipf", type=float, default=0.7, help="exponent of the skew of items over users and over groups (default 0.7)"
    )
    parser.add_argument("--sample", type=int, default=50, help="users whose pages are requested (default 50)")
    parser.add_argument("--rounds", type=int, default=4, help="timed requests per user and page (default 4)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the data and the request order")
    parser.add_argument(
        "--db-name",
        default="tongxin_inbox_bench",
        help="the database created and dropped (default tongxin_inbox_bench)",
    )
    parser.add_argument(
        "--maintenance-db", default="postgres", help="database connected to for CREATE/DROP DATABASE (default postgres)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    parser.add_argument(
        "--http",
        action="store_true",
        help="also measure over HTTP: gunicorn (deploy/gunicorn.conf.py) on loopback, a concurrent load generator",
    )
    parser.add_argument("--http-workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--http-clients", type=int, default=4, help="concurrent HTTP clients (default 4)")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of each page's SELECTs for the heaviest and a rare user to stderr",
    )
    args = parser.parse_args(argv)
    if args.groups < 3 or args.group_size < 1 or args.users < args.groups * args.group_size + 10:
        parser.error("need at least 3 groups, 1 member per group and 10 users more than the group members")
    if args.tasks < 100 or not 0 < args.claimable < 1 or args.sample < 10 or args.rounds < 1:
        parser.error("--tasks at least 100, --claimable between 0 and 1, --sample at least 10, --rounds at least 1")
    if args.http_workers < 1 or args.http_clients < 1:
        parser.error("--http-workers and --http-clients at least 1")
    return args


def log(message: str) -> None:
    print(f"[inbox-bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the work -----------------------------------------------------------------------------------------------------


class Plan:
    """Who holds what, decided before anything is written, so both engines get the same work item for item.

    Users ``0 .. groups * group_size - 1`` are reviewers, ``group_size`` per group. Groups 0 and 1 are rare: three
    claimable items each, the oldest three and the newest three of the whole load, and their members hold nothing
    else. Assigned items fall on the other users with a Zipf skew over a shuffled order (a tenth of them hold none);
    claimable items fall on the other groups with the same skew.
    """

    def __init__(self, args):
        rng = random.Random(args.seed)
        self.args = args
        self.members = {g: list(range(g * args.group_size, (g + 1) * args.group_size)) for g in range(args.groups)}
        rare_members = {u for g in (0, 1) for u in self.members[g]}
        eligible = [u for u in range(args.users) if u not in rare_members]
        rng.shuffle(eligible)
        eligible = eligible[: int(len(eligible) * 0.9)]
        n_claim = max(int(args.tasks * args.claimable), 2 * RARE_TASKS + 1)
        n_assigned = args.tasks - n_claim
        owners = rng.choices(eligible, cum_weights=_zipf_cumulative(len(eligible), args.zipf), k=n_assigned)
        normal_groups = list(range(2, args.groups))
        groups = rng.choices(
            normal_groups, cum_weights=_zipf_cumulative(len(normal_groups), args.zipf), k=n_claim - 2 * RARE_TASKS
        )
        # An item is a user index (assigned) or ~group (claimable); creation order is this list's order.
        middle = owners + [~g for g in groups]
        rng.shuffle(middle)
        self.items = [~0] * RARE_TASKS + middle + [~1] * RARE_TASKS
        self.assigned = Counter(owners)
        self.claimable = Counter(groups)
        self.claimable.update({0: RARE_TASKS, 1: RARE_TASKS})
        self.group_of = {u: g for g, users in self.members.items() for u in users}
        self.rng = rng

    def queue_of(self, user: int) -> int:
        group = self.group_of.get(user)
        return 0 if group is None else self.claimable[group]

    def total_of(self, user: int) -> int:
        return self.assigned[user] + self.queue_of(user)

    def sample(self) -> dict[int, str]:
        """The users whose pages are requested, each with a tier: the heaviest, the lightest, both rare groups' members
        and a random middle."""
        size = self.args.sample
        rare = [u for g in (0, 1) for u in self.members[g]][: max(1, size // 5)]
        others = sorted(
            (u for u in range(self.args.users) if self.total_of(u) and u not in rare),
            key=lambda u: (-self.total_of(u), u),
        )
        n_heavy = n_light = (size - len(rare)) * 3 // 10
        heavy, light = others[:n_heavy], others[-n_light:]
        rest = others[n_heavy:-n_light]
        medium = self.rng.sample(rest, min(len(rest), size - len(rare) - n_heavy - n_light))
        tiers = {u: "heavy" for u in heavy} | {u: "light" for u in light} | {u: "medium" for u in medium}
        return tiers | {u: "rare" for u in rare}


def _zipf_cumulative(n: int, s: float) -> list[float]:
    total, cumulative = 0.0, []
    for rank in range(1, n + 1):
        total += rank**-s
        cumulative.append(total)
    return cumulative


# --- loading ------------------------------------------------------------------------------------------------------


class Loader:
    """COPY in text format, with the tables' secondary indexes dropped during the load and rebuilt after it."""

    CHUNK = 1 << 20

    def __init__(self, raw):
        self.raw = raw  # the psycopg connection under Django's

    def copy(self, table: str, columns: list[str], lines) -> int:
        count, buffer = 0, io.StringIO()
        with self.raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for line in lines:
                buffer.write(line)
                count += 1
                if buffer.tell() > self.CHUNK:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        return count

    def secondary_indexes(self, table: str) -> list[tuple[str, str]]:
        with self.raw.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = %s::regclass "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                [table],
            )
            return cursor.fetchall()

    def execute(self, statement: str, params=None) -> None:
        with self.raw.cursor() as cursor:
            cursor.execute(statement, params)


def load(plan: Plan) -> dict:
    """Users, groups and permissions, then every item as a viewflow process + task and as a Tongxin run + task(s)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from viewflow.workflow.models import Process, Task

    from bench.benchflow import BenchFlow
    from workflows.calendar import is_known_year
    from workflows.models import DueItem, WorkItem

    args, rng = plan.args, plan.rng
    User = get_user_model()
    connection.ensure_connection()
    loader = Loader(connection.connection)
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)

    # Referential integrity holds by construction: skip the per-row foreign-key triggers while loading.
    loader.execute("SET session_replication_role = replica")
    loader.execute("SET maintenance_work_mem = '512MB'")
    tables = [
        User._meta.db_table,
        Process._meta.db_table,
        Task._meta.db_table,
        DueItem._meta.db_table,
        WorkItem._meta.db_table,
    ]
    indexes = [index for table in tables for index in loader.secondary_indexes(table)]
    for name, _definition in indexes:
        loader.execute(f"DROP INDEX {name}")

    user_base = (User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    user_id = [user_base + u for u in range(args.users)]
    joined = (now - timedelta(days=400)).isoformat()
    loader.copy(
        User._meta.db_table,
        [
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
        ],
        (
            f"{user_id[u]}\t!\tf\tbench{u:05d}\t用户{u:05d}\t\tbench{u:05d}@example.org\tf\tt\t{joined}\n"
            for u in range(args.users)
        ),
    )
    process_type = ContentType.objects.get_for_model(Process)
    view_process = Permission.objects.get(content_type=process_type, codename="view_process")
    loader.copy(
        User.user_permissions.through._meta.db_table,
        ["user_id", "permission_id"],
        (f"{uid}\t{view_process.pk}\n" for uid in user_id),
    )
    claim_perms = Permission.objects.bulk_create(
        Permission(content_type=process_type, codename=f"bench_claim_{g:03d}", name=f"Bench claim {g:03d}")
        for g in range(args.groups)
    )
    groups = Group.objects.bulk_create(Group(name=f"bench-group-{g:03d}") for g in range(args.groups))
    Group.permissions.through.objects.bulk_create(
        Group.permissions.through(group_id=group.pk, permission_id=perm.pk)
        for group, perm in zip(groups, claim_perms, strict=True)
    )
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=user_id[u], group_id=groups[g].pk)
        for g, members in plan.members.items()
        for u in members
    )
    claim_perm = [f"{process_type.app_label}.{perm.codename}" for perm in claim_perms]

    # Each item is one step of a case, spread over both apps' step families as the services open them.
    case_types = [ContentType.objects.get(app_label=app, model=model) for app, model in CASE_MODELS]
    item_type = ContentType.objects.get_for_model(WorkItem)
    flow_class = Process._meta.get_field("flow_class").get_prep_value(BenchFlow)
    nodes = [
        Task._meta.get_field("flow_task").get_prep_value(node)
        for node in (BenchFlow.task1, BenchFlow.task2, BenchFlow.task3, BenchFlow.task4)
    ]

    n = len(plan.items)
    span = timedelta(days=180).total_seconds()
    first = now - timedelta(days=180)
    created = [(first + timedelta(seconds=span * k / n)).isoformat() for k in range(n)]
    # Deadlines spread from 20 days overdue to 70 days ahead; a year without its holidays entered is provisional.
    due = [now + timedelta(seconds=rng.uniform(-20, 70) * 86400) for _ in range(n)]
    known = {year: is_known_year(year) for year in {d.year for d in due}}
    due_text = [d.isoformat() for d in due]
    provisional = ["f" if known[d.year] else "t" for d in due]
    # Ids follow the plan's item order; migrate leaves these tables empty.
    if any(model.objects.exists() for model in (Process, Task, WorkItem, DueItem)):
        raise RuntimeError("the benchmark database already holds processes or work items")
    base = 1

    loader.copy(
        Process._meta.db_table,
        ["id", "flow_class", "status", "created", "data"],
        (f"{base + k}\t{flow_class}\tNEW\t{created[k]}\t{{}}\n" for k in range(n)),
    )

    def vf_task(k: int, item: int) -> str:
        owner, perm, status, assigned = (
            (user_id[item], "\\N", "ASSIGNED", created[k]) if item >= 0 else ("\\N", claim_perm[~item], "NEW", "\\N")
        )
        return (
            f"{base + k}\t{nodes[k % 4]}\tHUMAN\t{status}\t{created[k]}\t{assigned}\tstart\t{owner}\t{perm}\t"
            f"{base + k}\t{{}}\n"
        )

    loader.copy(
        Task._meta.db_table,
        [
            "id",
            "flow_task",
            "flow_task_type",
            "status",
            "created",
            "assigned",
            "token",
            "owner_id",
            "owner_permission",
            "process_id",
            "data",
        ],
        (vf_task(k, item) for k, item in enumerate(plan.items)),
    )

    # Each work item has its due item, as the services open them (the lists show its date, label and level): overdue
    # ones at 黄, the rest not yet coloured.
    def due_line(k: int) -> str:
        level = "yellow" if due[k] < now else ""
        return (
            f"{base + k}\t{item_type.pk}\t{base + k}\tbench\t{STEPS[k % len(STEPS)][1]}期限\t\t{created[k]}\t"
            f"{due_text[k]}\t1\t{provisional[k]}\topen\t{created[k]}\t{level}\t\t1\n"
        )

    due_items = loader.copy(
        DueItem._meta.db_table,
        ["id", "subject_type_id", "subject_id", "purpose", "title", "deadline_kind", "anchor_at", "due_at",
         "due_version", "provisional", "state", "created", "level", "board", "planned_version"],
        (due_line(k) for k in range(n)),
    )

    def item_line(k: int, item: int) -> str:
        step, title = STEPS[k % len(STEPS)]
        case_type = case_types[0 if step.startswith(("proposals.", "stage:proposal")) else 1]
        assignee, role = (user_id[item], "\\N") if item >= 0 else ("\\N", groups[~item].pk)
        return (
            f"{base + k}\t{case_type.pk}\t{base + k}\t{case_type.pk}\t{base + k}\t{step}\t{title}\t"
            f"关于第 {base + k} 号事项的建议\t/cases/{base + k}/\t{assignee}\t{role}\t{base + k}\topen\t{created[k]}\n"
        )

    work_items = loader.copy(
        WorkItem._meta.db_table,
        ["id", "case_type_id", "case_id", "target_type_id", "target_id", "step", "title", "case_label", "link",
         "assignee_id", "role_id", "due_item_id", "state", "opened_at"],
        (item_line(k, item) for k, item in enumerate(plan.items)),
    )
    loaded = time.perf_counter()
    log(f"copied {n:,} items ({work_items:,} work items, {due_items:,} due items) in {loaded - started:.0f} s; "
        "rebuilding indexes")
    for _name, definition in indexes:
        loader.execute(definition)
    loader.execute("SET session_replication_role = DEFAULT")
    for table in tables:
        loader.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    indexed = time.perf_counter()
    # A settled table, as autovacuum leaves it: statistics for the planner and a visibility map for index-only scans.
    for table in (*tables, User.user_permissions.through._meta.db_table, User.groups.through._meta.db_table):
        loader.execute(f"VACUUM (ANALYZE) {table}")
    finished = time.perf_counter()
    log(f"indexes rebuilt in {indexed - loaded:.0f} s, vacuumed in {finished - indexed:.0f} s")
    return {
        "user_id": user_id,
        "items": n,
        "viewflow_tasks": n,
        "work_items": work_items,
        "due_items": due_items,
        "overdue": sum(d < now for d in due),
        "provisional": provisional.count("t"),
        "copy_s": round(loaded - started, 1),
        "index_s": round(indexed - loaded, 1),
        "vacuum_s": round(finished - indexed, 1),
    }


# --- the pages ----------------------------------------------------------------------------------------------------


def mount_bench_site() -> None:
    """The project's URLs plus viewflow's stock workflow app serving BenchFlow at /workflow/ (the project itself
    mounts no viewflow workflow pages): /workflow/inbox/ and /workflow/queue/ are viewflow's stock views over
    BenchFlow's tasks, everything else (Tongxin's /inbox/ and /queue/ included) is the project's.
    """
    from django.conf import settings
    from django.urls import clear_url_caches, path
    from viewflow.urls import Site
    from viewflow.workflow.flow import FlowViewset, WorkflowAppViewset

    import config.urls as project_urls
    from bench.benchflow import BenchFlow

    site = Site(title="bench", viewsets=[WorkflowAppViewset(flow_viewsets=[FlowViewset(BenchFlow)])])
    urls = types.ModuleType("bench_inbox_urls")
    urls.urlpatterns = [path("", site.urls), *project_urls.urlpatterns]
    sys.modules[urls.__name__] = urls
    settings.ROOT_URLCONF = urls.__name__
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    clear_url_caches()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _summary(ms: list[float]) -> dict:
    return {
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(_percentile(ms, 0.95), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "req_per_s": round(1000 / statistics.fmean(ms), 1),
    }


def get(client, path: str):
    response = client.get(path, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code} for {response.wsgi_request.user}")
    return response


def measure(plan: Plan, user_id: list[int], args) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    tiers = plan.sample()
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=[user_id[u] for u in tiers])}
    clients = {}
    for u in tiers:
        client = Client()
        client.force_login(users[user_id[u]])
        clients[u] = client
    checked = check_counts(plan, tiers, user_id, users)

    # Warm-up: one user's pages compile the templates and fill the URL and calendar caches, untimed.
    first = next(iter(clients.values()))
    for path in PAGES.values():
        get(first, path)

    # Statements per page, from one untimed request per user and page that also brings the user's rows into the
    # server's cache. DEBUG stays off; the context forces the capture. The calendar re-reads a year once its
    # 60-second cache entry expires (workflows/calendar.py): those statements are counted apart.
    queries: dict[str, dict[int, int]] = {page: {} for page in PAGES}
    sql: dict[str, dict[int, list[str]]] = {page: {} for page in PAGES}
    size: dict[str, dict[int, int]] = {page: {} for page in PAGES}
    refills = Counter()
    for u, client in clients.items():
        for page, path in PAGES.items():
            with CaptureQueriesContext(connection) as captured:
                response = get(client, path)
            statements = [q["sql"] for q in captured.captured_queries]
            calendar = [s for s in statements if '"workflows_calendar' in s]
            refills[page] += len(calendar)
            queries[page][u] = len(statements) - len(calendar)
            sql[page][u] = statements
            size[page][u] = len(response.content)

    # Timed: every round visits the users in a fresh order and rotates the page order, so drift hits all pages alike.
    ms: dict[str, list[float]] = {page: [] for page in PAGES}
    by_tier: dict[str, dict[str, list[float]]] = {page: {tier: [] for tier in TIERS} for page in PAGES}
    order = list(clients)
    started = time.perf_counter()
    for round_ in range(args.rounds):
        plan.rng.shuffle(order)
        for position, u in enumerate(order):
            pages = list(PAGES.items())
            shift = (round_ + position) % len(pages)
            for page, path in pages[shift:] + pages[:shift]:
                t0 = time.perf_counter()
                get(clients[u], path)
                elapsed = 1000 * (time.perf_counter() - t0)
                ms[page].append(elapsed)
                by_tier[page][tiers[u]].append(elapsed)
    log(f"{sum(map(len, ms.values()))} timed requests in {time.perf_counter() - started:.0f} s")

    lightest = min((u for u in tiers if tiers[u] == "light"), key=lambda u: (plan.total_of(u), u))
    heaviest = max(tiers, key=lambda u: (plan.total_of(u), -u))
    rare = next(u for u in tiers if tiers[u] == "rare")
    if args.explain:
        explain(sql, {"heaviest": heaviest, "rare": rare})

    pages = {}
    for page in PAGES:
        counts = queries[page]
        pages[page] = _summary(ms[page]) | {
            "p50_ms_by_tier": {tier: round(statistics.median(v), 2) for tier, v in by_tier[page].items() if v},
            "queries": {
                "min": min(counts.values()),
                "max": max(counts.values()),
                "lightest_user": counts[lightest],
                "heaviest_user": counts[heaviest],
                "rare_user": counts[rare],
                "calendar_refills": refills[page],
            },
            "bytes": {
                "median": int(statistics.median(size[page].values())),
                "max": max(size[page].values()),
                "lightest_user": size[page][lightest],
                "heaviest_user": size[page][heaviest],
            },
        }
    return {
        "sample": {tier: sum(t == tier for t in tiers.values()) for tier in TIERS},
        "sample_tasks": {
            "heaviest": {"inbox": plan.assigned[heaviest], "queue": plan.queue_of(heaviest)},
            "lightest": {"inbox": plan.assigned[lightest], "queue": plan.queue_of(lightest)},
            "rare": {"inbox": plan.assigned[rare], "queue": plan.queue_of(rare)},
        },
        "requests_per_page": len(ms["tongxin_inbox"]),
        "pages": pages,
        # Like for like: Tongxin's 待办 against viewflow's inbox, its 待认领 against viewflow's queue.
        "ratio_inbox": round(pages["tongxin_inbox"]["req_per_s"] / pages["viewflow_inbox"]["req_per_s"], 1),
        "ratio_queue": round(pages["tongxin_queue"]["req_per_s"] / pages["viewflow_queue"]["req_per_s"], 1),
        "ratio_p50_inbox": round(pages["viewflow_inbox"]["p50_ms"] / pages["tongxin_inbox"]["p50_ms"], 1),
        "ratio_p50_queue": round(pages["viewflow_queue"]["p50_ms"] / pages["tongxin_queue"]["p50_ms"], 1),
        "checked_users": checked,
    }


def measure_http(plan: Plan, user_id: list[int], args) -> dict:
    """Each page under concurrent load over HTTP: gunicorn with the production configuration (``--http-workers``
    processes of 4 threads) on a free loopback port, ``--http-clients`` threads sending the sampled users' requests,
    ``--rounds`` per user, one page at a time. Throughput is requests over the wall time of the page's run."""
    import socket
    import subprocess  # nosec B404: starts the project's own gunicorn on loopback
    import urllib.error
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    tiers = plan.sample()
    users = get_user_model().objects.in_bulk([user_id[u] for u in tiers])
    cookies = {}
    for u in tiers:  # a session per sampled user, in the database the server reads
        client = Client()
        client.force_login(users[user_id[u]])
        cookies[u] = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = os.environ | {
        "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(args.http_workers), "PYTHONPATH": str(ROOT)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(  # nosec B603: fixed arguments, the project's own executable
        [str(gunicorn), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "bench.inbox_wsgi:application"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    # The settings redirect plain HTTP: the requests say they came through the TLS proxy, as nginx's do.
    headers = {"X-Forwarded-Proto": "https", "Host": "localhost"}

    def fetch(u: int, path: str) -> float:
        request = urllib.request.Request(base + path, headers=headers | {"Cookie": cookies[u]})
        t0 = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:  # nosec B310: loopback http only
            response.read()
            if response.status != 200 or response.url != base + path:
                raise RuntimeError(f"{path} answered {response.status} at {response.url} for user {u}")
        return 1000 * (time.perf_counter() - t0)

    try:
        for _attempt in range(300):
            try:
                fetch(next(iter(cookies)), PAGES["tongxin_inbox"])
                break
            except (OSError, urllib.error.URLError, RuntimeError):
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer within a minute")
        pages = {}
        with ThreadPoolExecutor(args.http_clients) as pool:
            for path in PAGES.values():  # warm each worker's templates and caches, untimed
                list(pool.map(lambda u, path=path: fetch(u, path), list(cookies)[: 2 * args.http_workers]))
            for page, path in PAGES.items():
                jobs = [u for u in cookies for _ in range(args.rounds)]
                plan.rng.shuffle(jobs)
                started = time.perf_counter()
                ms = list(pool.map(lambda u, path=path: fetch(u, path), jobs))
                wall = time.perf_counter() - started
                pages[page] = _summary(ms) | {"req_per_s": round(len(jobs) / wall, 1), "requests": len(jobs)}
    finally:
        server.terminate()
        server.wait(timeout=60)
    return {
        "workers": args.http_workers,
        "clients": args.http_clients,
        "pages": pages,
        "ratio_inbox": round(pages["tongxin_inbox"]["req_per_s"] / pages["viewflow_inbox"]["req_per_s"], 1),
        "ratio_queue": round(pages["tongxin_queue"]["req_per_s"] / pages["viewflow_queue"]["req_per_s"], 1),
    }


def check_counts(plan: Plan, tiers: dict[int, str], user_id: list[int], users: dict) -> int:
    """Each engine lists what the plan gave each sampled user, in its inbox and in its queue."""
    from viewflow.workflow.models import Task

    from bench.benchflow import BenchFlow
    from workflows import work

    for u in tiers:
        user = users[user_id[u]]
        found = (
            work.inbox(user).count(),
            work.queue(user).count(),
            Task.objects.inbox([BenchFlow], user).count(),
            Task.objects.queue([BenchFlow], user).count(),
        )
        expected = (plan.assigned[u], plan.queue_of(u)) * 2
        if found != expected:
            raise RuntimeError(f"user {u}: Tongxin inbox/queue, viewflow inbox/queue list {found}, the load gave {expected}")
    return len(tiers)


def explain(sql: dict[str, dict[int, list[str]]], users: dict[str, int]) -> None:
    """EXPLAIN ANALYZE of every SELECT a page ran for the given users, slowest plan first."""
    from django.db import connection

    for label, u in users.items():
        for page, per_user in sql.items():
            plans = []
            with connection.cursor() as cursor:
                for statement in per_user[u]:
                    if not statement.lstrip().upper().startswith("SELECT"):
                        continue
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}")
                    lines = [row[0] for row in cursor.fetchall()]
                    total = float(lines[-1].split()[-2]) if lines[-1].startswith("Execution Time") else 0.0
                    plans.append((total, statement, lines))
            plans.sort(key=lambda p: -p[0])
            print(
                f"\n===== {page} · {label} user: {len(plans)} SELECTs, "
                f"{sum(p[0] for p in plans):.2f} ms in the server =====",
                file=sys.stderr,
            )
            for total, statement, lines in plans:
                print(f"--- {total:.2f} ms: {statement[:600]}", file=sys.stderr)
                print("\n".join(lines), file=sys.stderr)


# --- run ------------------------------------------------------------------------------------------------------------


def benchmark(args) -> dict:
    from django.db import connection

    started = time.perf_counter()
    plan = Plan(args)
    log(f"plan: {len(plan.items):,} items, {sum(plan.claimable.values()):,} claimable")
    loaded = load(plan)
    mount_bench_site()
    user_id = loaded.pop("user_id")
    result = measure(plan, user_id, args)
    if args.http:
        result["http"] = measure_http(plan, user_id, args)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        db_bytes = cursor.fetchone()[0]
    return {
        "tasks": args.tasks,
        "users": args.users,
        "groups": args.groups,
        "group_size": args.group_size,
        "db": connection.vendor,
        "date": datetime.now(UTC).date().isoformat(),
        "load": loaded,
        "db_mb": round(db_bytes / 2**20),
        **result,
        "seconds": round(time.perf_counter() - started),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test")
    database_url = bench_url(server_url, args.db_name)
    try:
        create_database(server_url, db_name=args.db_name, maintenance_db=args.maintenance_db)
    except psycopg.OperationalError as error:
        raise SystemExit(f"Cannot create the benchmark database {args.db_name!r}: {error}") from error
    try:
        # Pages render {% static %}: serve from the finders, as no collectstatic manifest exists here.
        os.environ["STATIC_MANIFEST"] = "0"
        warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: STATIC_ROOT is never collected
        setup_django(database_url)
        migrate()
        result = benchmark(args)
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if not args.keep:
            drop_database(server_url, db_name=args.db_name, maintenance_db=args.maintenance_db)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
