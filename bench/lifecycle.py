"""Throughput of the proposal services against a plain viewflow flow, on a database of the benchmark's own.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/lifecycle.py --n 200

DATABASE_URL only names the server: the run creates a fresh database (``tongxin_bench`` unless ``--db-name``),
migrates it, drops it at the end (unless ``--keep``) and never touches the database the URL names. It prints one
JSON line on stdout; see bench/README.md for what each figure means.
"""

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Tongxin@2026"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="proposals taken from draft to 办结 (default 200)")
    parser.add_argument(
        "--joint-fraction",
        type=float,
        default=0.25,
        help="share of proposals submitted jointly with one co-signer (default 0.25)",
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="untimed proposals (and as many viewflow steps) run first (default 3)"
    )
    parser.add_argument(
        "--db-name", default="tongxin_bench", help="the database created and dropped (default tongxin_bench)"
    )
    parser.add_argument(
        "--maintenance-db", default="postgres", help="database connected to for CREATE/DROP DATABASE (default postgres)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    parser.add_argument(
        "--show-queries", metavar="STEP", help="print the SQL of one Tongxin step type (e.g. assign) to stderr"
    )
    args = parser.parse_args(argv)
    if args.n < 1 or args.warmup < 0 or not 0 <= args.joint_fraction <= 1:
        parser.error("--n must be at least 1, --warmup at least 0, --joint-fraction between 0 and 1")
    return args


# --- the benchmark's own database ---------------------------------------------------------------------------


def bench_url(server_url: str, db_name: str) -> str:
    parts = urlsplit(server_url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(f"bench/lifecycle.py needs a PostgreSQL DATABASE_URL, got scheme {parts.scheme!r}")
    if parts.path.lstrip("/") == db_name:
        raise SystemExit(f"--db-name {db_name!r} is the database DATABASE_URL names; pick another name")
    return urlunsplit(parts._replace(path=f"/{db_name}"))


def _admin_connection(server_url: str, maintenance_db: str):
    parts = urlsplit(server_url)
    return psycopg.connect(urlunsplit(parts._replace(path=f"/{maintenance_db}")), autocommit=True)


def drop_database(server_url: str, *, db_name: str, maintenance_db: str) -> None:
    with _admin_connection(server_url, maintenance_db) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db_name)))


def create_database(server_url: str, *, db_name: str, maintenance_db: str) -> None:
    """A fresh, empty database: a left-over one from an earlier ``--keep`` run is dropped first."""
    drop_database(server_url, db_name=db_name, maintenance_db=maintenance_db)
    with _admin_connection(server_url, maintenance_db) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db_name)))


# --- Django -----------------------------------------------------------------------------------------------------


def setup_django(database_url: str) -> None:
    """Production-like settings pointed at the benchmark database; delivery is queued, never executed."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "FAST_PASSWORD_HASHER": "1",
            # Outbox rows are written and published after each commit, as in production (which refuses an
            # in-process broker), to a Redis database no worker reads: no delivery is executed.
            "CELERY_TASK_ALWAYS_EAGER": "0",
        }
    )
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    # The keys production requires, bench-only values.
    os.environ.setdefault("TONGXIN_HMAC_KEY", "bench-only-hmac-key")
    os.environ.setdefault("TONGXIN_FIELD_KEYS", "YmVuY2gtb25seS1maWVsZC1rZXktbm90LXNlY3JldDA=")
    os.environ.setdefault("TONGXIN_SMS_BACKEND", "notifications.sms.LoggingBackend")

    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


# --- personas --------------------------------------------------------------------------------------------------


def build_world() -> SimpleNamespace:
    """The tests' personas (tests/personas.py), made directly through the models: no factory_boy needed."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from proposals import roles
    from proposals.models import Member, OutcomeCategory, Term, Topic
    from workflows.models import Unit, UnitMembership

    User = get_user_model()

    def user(username, name, *role_codes, **extra):
        account = User.objects.create_user(
            username=username, first_name=name, email=f"{username}@example.org", password=PASSWORD, **extra
        )
        account.groups.add(*Group.objects.filter(name__in=role_codes))
        return account

    term = Term.objects.create(
        number=10,
        name="政协同心县第十届委员会",
        starts_on=datetime.date(2022, 1, 10),
        ends_on=datetime.date(2027, 1, 9),
        is_current=True,
    )
    w = SimpleNamespace(term=term, topic=Topic.objects.create(name="教科文卫"))
    w.admin = user("admin", "系统管理员", is_staff=True, is_superuser=True)
    w.member1 = user("member1", "李明华", roles.MEMBER)
    w.member2 = user("member2", "王秀英", roles.MEMBER)
    for index, member in enumerate((w.member1, w.member2), start=1):
        Member.objects.create(
            term=term,
            user=member,
            name=member.first_name,
            sector="无党派人士",
            group="第一组",
            affiliation=Member.Affiliation.NON_PARTY,
            phone=f"1380000{index:04d}",
        )
    w.staff = user("staff1", "陈晓静", roles.STAFF)
    w.head = user("stafflead1", "郑主任", roles.STAFF_HEAD)
    w.office = user("office1", "刘振东", roles.SUPERVISION_OFFICE)
    w.education = Unit.objects.create(name="县教育局")
    w.transport = Unit.objects.create(name="县交通运输局")
    w.unit1 = user("unit1", "赵经办", roles.UNIT_HANDLER)
    w.unit2 = user("unit2", "钱经办", roles.UNIT_HANDLER)
    UnitMembership.objects.create(unit=w.education, user=w.unit1)
    UnitMembership.objects.create(unit=w.transport, user=w.unit2)
    w.handler_of = {w.education.pk: w.unit1, w.transport.pk: w.unit2}
    w.unitlead1 = user("unitlead1", "孙局长", roles.UNIT_LEADER)
    UnitMembership.objects.create(unit=w.education, user=w.unitlead1, role=UnitMembership.Role.LEADER)
    w.category_b = OutcomeCategory.objects.get(code="B")
    return w


def as_request_user(user):
    """The actor as a request would load it: no permission cache carried over from the previous step."""
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)
    return user


# --- steps -----------------------------------------------------------------------------------------------------


class Steps:
    """Counts service calls and times each step type; when capturing, records each call's SQL under its type."""

    def __init__(self, *, capture: bool = False):
        self.count = 0
        self.capture = capture
        self.seconds: Counter = Counter()
        self.calls: Counter = Counter()
        self.queries: dict[str, list[list[str]]] = {}

    def __call__(self, name: str, fn, **kwargs):
        self.count += 1
        self.calls[name] += 1
        if not self.capture:
            started = time.perf_counter()
            result = fn(**kwargs)
            self.seconds[name] += time.perf_counter() - started
            return result
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            result = fn(**kwargs)
        self.queries.setdefault(name, []).append([q["sql"] for q in captured.captured_queries])
        return result

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def ms_per_step(self) -> dict[str, float]:
        return {name: round(1000 * self.seconds[name] / self.calls[name], 2) for name in self.calls}


def is_joint(index: int, fraction: float) -> bool:
    """Spread the joint proposals evenly: proposal ``index`` is joint when it crosses the next multiple."""
    return int((index + 1) * fraction) > int(index * fraction)


def review_stage_approve(*, actor, proposal):
    """同意 on the actor's open review-stage task, found as the task inbox finds it (workflows.task_views)."""
    from proposals import chains
    from workflows import stages

    task = stages.open_task_for(actor, stages.running_chain(proposal, chains.REVIEW))
    if task is None:
        raise RuntimeError(f"{actor} has no open review task on proposal {proposal.pk}: has the chain changed?")
    return stages.approve(actor=actor, task=task, comment="建议立案")


def reply_stage_approve(*, actor, reply):
    """同意 on the actor's open task of the reply chain (会签, 签发, 督查室审核)."""
    from proposals import chains
    from workflows import stages

    task = stages.open_task_for(actor, stages.running_chain(reply, chains.REPLY))
    if task is None:
        raise RuntimeError(f"{actor} has no open reply-chain task on reply {reply.pk}: has the chain changed?")
    return stages.approve(actor=actor, task=task, comment="同意")


def proposal_lifecycle(world, steps: Steps, *, index: int, joint: bool) -> None:
    """The whole life cycle, as the views call the services: draft → submit (→ co-signer confirms) → 初审 → 审定 立案
    → 交办 主办 + 会办 → 签收 by each unit → 会办意见 → 沟通记录 → 答复拟稿 → 会签 → 签发 → 督查室审核 → 评价 by each
    evaluator → 办结."""
    from django.utils import timezone

    from proposals import services
    from proposals.models import Assignment, Proposal

    content = services.ProposalContent(
        kind=Proposal.Kind.JOINT if joint else Proposal.Kind.MEMBER,
        title=f"关于推进义务教育优质均衡发展的建议（{index}）",
        reasons="城乡教育资源不均衡，农村学校师资不足。",
        suggestions="一是统筹编制；二是轮岗交流。",
        topic_id=world.topic.pk,
        no_secret_confirmed=True,
        cosigner_ids=(world.member2.pk,) if joint else (),
    )
    proposer = world.member1
    proposal = steps("save_draft", services.proposal_save_draft, actor=as_request_user(proposer), content=content)
    proposal = steps(
        "submit_joint" if joint else "submit",
        services.proposal_submit,
        actor=as_request_user(proposer),
        proposal=proposal,
    )
    if joint:
        proposal = steps(
            "cosign_respond",
            services.cosign_respond,
            actor=as_request_user(world.member2),
            proposal=proposal,
            confirm=True,
        )
    # The review chain's stages before the decision (the default chain has one: 初审 by 提案委 staff).
    while services.decision_task(world.head, proposal) is None:
        steps("review_stage", review_stage_approve, actor=as_request_user(world.staff), proposal=proposal)
    proposal = steps(
        "accept", services.proposal_accept, actor=as_request_user(world.head), proposal=proposal, comment="同意立案"
    )
    proposal = steps(
        "assign",
        services.proposal_assign,
        actor=as_request_user(world.office),
        proposal=proposal,
        mode=Assignment.Role.LEAD,
        lead_unit_ids=[world.education.pk],
        co_unit_ids=[world.transport.pk],
    )
    assignments = list(proposal.assignments.order_by("pk"))
    for position, assignment in enumerate(assignments):
        # The last 签收 also moves the proposal to 办理中: a step type of its own.
        name = "receive_last" if position == len(assignments) - 1 else "receive"
        steps(
            name,
            services.assignment_receive,
            actor=as_request_user(world.handler_of[assignment.unit_id]),
            assignment=assignment,
        )
    lead = next(a for a in assignments if a.role == Assignment.Role.LEAD)
    for co in (a for a in assignments if a.role == Assignment.Role.CO):
        steps("co_opinion", services.co_opinion_submit, actor=as_request_user(world.handler_of[co.unit_id]),
              assignment=co, body="同意，配合落实。")
    steps("contact_log", services.contact_log_add, actor=as_request_user(world.unit1), assignment=lead,
          held_on=timezone.localdate(), form="phone", participants="赵经办、李明华", summary="沟通办理思路")
    reply_content = services.ReplyContent(
        body="经研究，答复如下：已列入明年计划。", category_id=world.category_b.pk, reference_number=f"教提〔2026〕{index}号",
        contact_person="赵经办", contact_phone="0000-1234501",
    )
    reply = steps("reply_draft", services.reply_save_draft, actor=as_request_user(world.unit1), assignment=lead,
                  content=reply_content)
    steps("reply_submit", services.reply_submit, actor=as_request_user(world.unit1), reply=reply)
    for actor in (world.unit2, world.unitlead1, world.office):  # 会签 → 签发 → 督查室审核
        steps("reply_stage", reply_stage_approve, actor=as_request_user(actor), reply=reply)
    for position, evaluator in enumerate(services.evaluators(proposal)):
        steps("evaluate" if position else "evaluate_first", services.evaluation_submit,
              actor=as_request_user(evaluator), proposal=proposal, work_rating="satisfied", result_rating="satisfied")
    steps("conclude", services.proposal_conclude, actor=as_request_user(world.staff), proposal=proposal)


def complete_task(*, process, node, user) -> None:
    """VIEWFLOW.md §5: look the task up (as a task view does), then claim and complete it under the flow lock."""
    from viewflow.workflow.status import STATUS

    task = process.task_set.get(flow_task=node, status=STATUS.NEW)
    with task.activation() as activation:
        if activation.assign.can_proceed():
            activation.assign(user)
        activation.start(None)
        activation.execute()


def viewflow_steps(user, steps: Steps):
    """BenchFlow instances back to back, one step per ``next()``: the start, then each of the four human tasks."""
    from bench.benchflow import BenchFlow

    while True:
        process = steps("start", BenchFlow.start.run)
        yield
        for node in (BenchFlow.task1, BenchFlow.task2, BenchFlow.task3, BenchFlow.task4):
            steps("task", complete_task, process=process, node=node, user=user)
            yield


# --- runs ------------------------------------------------------------------------------------------------------


def run(world, *, n: int, joint_fraction: float, warmup: int) -> tuple[Steps, Steps, Counter]:
    """Interleaved: after each proposal, as many viewflow steps as it took, so load drifts hit both sides alike."""
    warm_tongxin, warm_viewflow = Steps(), Steps()
    warm_flow = viewflow_steps(world.admin, warm_viewflow)
    for index in range(warmup):
        proposal_lifecycle(world, warm_tongxin, index=-1 - index, joint=index % 2 == 1)
        while warm_viewflow.count < warm_tongxin.count:
            next(warm_flow)

    tongxin, viewflow, joints = Steps(), Steps(), Counter()
    flow = viewflow_steps(world.admin, viewflow)
    for index in range(n):
        joint = is_joint(index, joint_fraction)
        joints[joint] += 1
        proposal_lifecycle(world, tongxin, index=index, joint=joint)
        while viewflow.count < tongxin.count:
            next(flow)
    return tongxin, viewflow, joints


def tongxin_queries(world) -> dict[str, list[str]]:
    """The SQL of each step type, over one extra single proposal and one extra joint proposal."""
    steps = Steps(capture=True)
    proposal_lifecycle(world, steps, index=10_000, joint=False)
    proposal_lifecycle(world, steps, index=10_001, joint=True)
    # The steps both proposals take give the same counts twice: keep the first.
    return {name: runs[0] for name, runs in steps.queries.items()}


def viewflow_queries(user) -> dict[str, list[int]]:
    """Statements per step of one extra BenchFlow instance (the last task also ends the process)."""
    steps = Steps(capture=True)
    flow = viewflow_steps(user, steps)
    for _ in range(5):
        next(flow)
    return {name: [len(statements) for statements in runs] for name, runs in steps.queries.items()}


def kinds(sql_list: list[str]) -> dict[str, int]:
    """SELECT/INSERT/UPDATE/... counts of one step's statements."""
    return dict(Counter(statement.split(None, 1)[0].upper() for statement in sql_list))


def benchmark(args) -> dict:
    from django.db import connection
    from django.utils import timezone

    from notifications.models import Delivery
    from proposals.models import Proposal, ProposalStatus

    world = build_world()
    tongxin, viewflow, joints = run(world, n=args.n, joint_fraction=args.joint_fraction, warmup=args.warmup)

    queries = tongxin_queries(world)
    vf_queries = viewflow_queries(world.admin)
    if args.show_queries:
        if args.show_queries not in queries:
            raise SystemExit(f"--show-queries: no step {args.show_queries!r}; steps are {', '.join(queries)}")
        for number, statement in enumerate(queries[args.show_queries], start=1):
            print(f"{number:3d} {statement}", file=sys.stderr)

    tongxin_rate = tongxin.count / tongxin.total_seconds
    viewflow_rate = viewflow.count / viewflow.total_seconds
    single_path = ("save_draft", "submit", "review_stage", "accept", "assign", "receive", "receive_last",
                   "co_opinion", "contact_log", "reply_draft", "reply_submit", "reply_stage", "evaluate_first",
                   "conclude")
    return {
        "n": args.n,
        "db": connection.vendor,
        # Deadlines reaching a year whose holidays are not entered yet cost extra queries (see README).
        "date": timezone.localdate().isoformat(),
        "joint": joints[True],
        "tongxin_steps": tongxin.count,
        "tongxin_seconds": round(tongxin.total_seconds, 3),
        "tongxin_steps_per_s": round(tongxin_rate, 1),
        "viewflow_steps": viewflow.count,
        "viewflow_seconds": round(viewflow.total_seconds, 3),
        "viewflow_steps_per_s": round(viewflow_rate, 1),
        "ratio": round(tongxin_rate / viewflow_rate, 3),
        "queries_per_step": {name: len(statements) for name, statements in queries.items()},
        "tongxin_queries_per_step_mean": round(sum(len(queries[s]) for s in single_path) / len(single_path), 1),
        "viewflow_queries_per_step": round(sum(map(sum, vf_queries.values())) / sum(map(len, vf_queries.values())), 1),
        "viewflow_queries_by_step": vf_queries,
        "ms_per_step": tongxin.ms_per_step(),
        "viewflow_ms_per_step": viewflow.ms_per_step(),
        "statement_kinds": {name: kinds(statements) for name, statements in queries.items()},
        "outbox_rows": Delivery.objects.count(),
        # every timed proposal reached 办结 (the warm-up and query-capture ones too)
        "concluded": Proposal.objects.filter(status=ProposalStatus.CONCLUDED).count(),
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
