"""The embedded default under 20 concurrent users: SQLite, the file-system broker, web, worker and beat under supervisord.

    .venv/bin/python bench/embedded_load.py                 # 20 users for 10 minutes
    .venv/bin/python bench/embedded_load.py --minutes 1     # a quick look

It starts the product the way ``make run`` does, in a temporary folder instead of var/: ``migrate``, ``seed_demo``
(DEBUG=1, as ``make run``), then supervisord with deploy/supervisord-embedded.conf (its paths pointed at the
temporary folder, its log written there so that exits can be counted). Then ``--users`` simulated users (20) log in
through the login form and work for ``--minutes``, each with a think time between clicks, along the real service
paths over HTTP:

- 委员 (member1, member2) read their pages and submit proposals through the form;
- 提案委 staff (staff1) pass 初审 tasks from their 待办, the head (stafflead1) decides 立案;
- 督查室 (office1) reads 待认领 and the 督办看板 and assigns accepted proposals (交办) to a unit;
- the units' clerks (unit1, unit2) sign for their assignments (签收) and add contact logs (沟通记录).

Several users share each account (each with its own session), so they also race for the same tasks, as colleagues
do; a refused step is a Chinese message on the page (counted as ``refused``), never a 5xx.

It prints one JSON line: requests, errors (5xx and connection failures), POST p50/p95/p99, GET p50/p95, login p50,
restarts and deaths of supervisord's processes, and whether any process died. Log lines go to stderr.
"""

import argparse
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy" / "multinode"))

from check import FIRST_CHOICE, Browser, CheckFailed  # noqa: E402

# (account, how many simulated users use it)
CAST = [("member1", 4), ("member2", 4), ("staff1", 3), ("stafflead1", 2), ("office1", 3), ("unit1", 2), ("unit2", 2)]


def log(message: str) -> None:
    print(f"embedded_load: {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[index] * 1000, 1)


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.gets: list[float] = []
        self.posts: list[float] = []
        self.logins: list[float] = []
        self.statuses: Counter = Counter()
        self.errors: Counter = Counter()
        self.actions: Counter = Counter()
        self.refused = 0

    def add(self, method, path, status, seconds):
        with self.lock:
            self.statuses[status] += 1
            if path.startswith("/accounts/login/") and method == "POST":
                self.logins.append(seconds)
            elif method == "POST":
                self.posts.append(seconds)
            else:
                self.gets.append(seconds)


class LoadBrowser(Browser):
    """The multi-node check's browser over plain HTTP to runserver, timing every response and not failing on 5xx."""

    def __init__(self, name, port, recorder):
        super().__init__(name, "127.0.0.1", port, Counter(), [], scheme="http")
        self.recorder = recorder

    def answered(self, method, path, status, seconds):
        self.recorder.add(method, path, status, seconds)


class User(threading.Thread):
    def __init__(self, account, number, port, recorder, deadline, think, stop):
        super().__init__(name=f"{account}-{number}", daemon=True)
        self.account, self.port, self.recorder = account, port, recorder
        self.deadline, self.think, self.stop = deadline, think, stop
        self.random = random.Random(f"{account}-{number}")

    def run(self):
        try:
            self.browser = LoadBrowser(self.name, self.port, self.recorder)
            self.browser.login(self.account)
        except (CheckFailed, OSError) as error:
            with self.recorder.lock:
                self.recorder.errors[f"login: {str(error)[:160]}"] += 1
            return
        kind = self.account.rstrip("0123456789")
        while time.monotonic() < self.deadline and not self.stop.is_set():
            time.sleep(self.random.uniform(*self.think))
            action = getattr(self, kind)
            try:
                action()
            except CheckFailed as error:
                self.failed(error, kind)
            except OSError as error:
                self.failed(error, kind)

    def failed(self, error, what):
        text = str(error)
        with self.recorder.lock:
            if "answered 5" in text or isinstance(error, OSError):
                self.recorder.errors[f"{what}: {text[:160]}"] += 1
            else:
                self.recorder.refused += 1

    def did(self, what):
        with self.recorder.lock:
            self.recorder.actions[what] += 1

    def proposals_in(self, page):
        return list(dict.fromkeys(re.findall(r'href="/proposals/(\d+)/"', self.browser.get(page))))

    # --- the roles

    def member(self):
        if self.random.random() < 0.5:
            self.browser.get(self.random.choice(["/", "/proposals/mine/", "/notifications/", "/public/replies/"]))
            return
        title = f"关于改进社区服务的建议（{secrets.token_hex(3)}）"
        self.browser.post("/proposals/new/", r"^(/proposals/new/)?$", {
            "kind": "member", "title": title, "topic": FIRST_CHOICE, "reasons": "社区服务站点少，群众办事不便。",
            "suggestions": "一是增设服务站点；二是推行延时服务。", "no_secret_confirmed": "on", "submit": "1",
        }, step="submit")
        self.did("submit")

    def staff(self):
        pks = self.proposals_in("/inbox/")
        if not pks:
            return
        page = f"/proposals/{self.random.choice(pks[:10])}/"
        html = self.browser.get(page)
        if not re.search(r'action="[^"]*/tasks/\d+/', html):
            return
        self.browser.post(page, r"/tasks/\d+/", {"action": "approve", "comment": "建议立案"}, step="review")
        self.did("review")

    def stafflead(self):
        pks = self.proposals_in("/inbox/")
        if not pks:
            return
        page = f"/proposals/{self.random.choice(pks[:10])}/"
        html = self.browser.get(page)
        if f'action="{page}review/' not in html:
            return
        self.browser.post(page, r"/review/", {"decision": "accept", "comment": "同意立案"}, step="accept")
        self.did("accept")

    def office(self):
        if self.random.random() < 0.4:
            self.browser.get(self.random.choice(["/due/board/", "/proposals/", "/"]))
            return
        pks = self.proposals_in("/queue/") + self.proposals_in("/inbox/")
        if not pks:
            return
        page = f"/proposals/{self.random.choice(pks[:10])}/"
        html = self.browser.get(page)
        units = re.findall(r'name="lead_units" value="(\d+)"', html)
        if f'action="{page}assign/' not in html or not units:
            return
        self.browser.post(page, r"/assign/", {"mode": "sole", "lead_units": self.random.choice(units[:2]),
                                              "comment": "请办理"}, step="assign")
        self.did("assign")

    def unit(self):
        inbox = self.browser.get("/proposals/units/")
        parts = list(dict.fromkeys(re.findall(r'href="/proposals/assignments/(\d+)/"', inbox)))
        if not parts:
            return
        page = f"/proposals/assignments/{self.random.choice(parts[:10])}/"
        html = self.browser.get(page)
        if re.search(r'action="[^"]*/receive/', html):
            self.browser.post(page, r"/receive/", {}, step="receive")
            self.did("receive")
        elif re.search(r'action="[^"]*/contacts/', html):
            self.browser.post(page, r"/contacts/(#.*)?$", {
                "contact-held_on": date.today().isoformat(), "contact-form": "phone",
                "contact-participants": "提案者、经办人", "contact-summary": "电话沟通办理进展。"}, step="contact")
            self.did("contact")


# --- the product, started as `make run` starts it -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def supervisor_conf(tmp: Path, source: Path) -> Path:
    """deploy/supervisord-embedded.conf with its var/ paths in ``tmp`` and a log supervisord writes there."""
    text = source.read_text()
    text = text.replace("%(here)s/../var", str(tmp)).replace("%(here)s/..", str(ROOT))
    text = text.replace("logfile=/dev/null", f"logfile={tmp / 'supervisord.log'}")
    text = re.sub(r"stdout_logfile=/dev/stdout", lambda _m: "stdout_logfile=%(here)s/%(program_name)s.log", text)
    conf = tmp / "supervisord.conf"
    conf.write_text(text)
    return conf


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"),
                        help="seconds a user waits between clicks (default 1 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, logs)")
    parser.add_argument("--supervisor-conf", type=Path, default=ROOT / "deploy" / "supervisord-embedded.conf",
                        help="another supervisord config to compare with (its %%(here)s/.. is taken as the checkout)")
    parser.add_argument("--seeded", type=Path,
                        help="start from a copy of this already migrated and seeded SQLite file (quick iterations)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="tongxin-embedded-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "TONGXIN_VAR_DIR")}
    env.update({"DEBUG": "1", "HOST": "127.0.0.1", "PORT": str(port), "TONGXIN_VAR_DIR": str(tmp),
                "SECRET_KEY": secrets.token_urlsafe(50), "TONGXIN_BASE_URL": f"http://127.0.0.1:{port}",
                "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"})
    python = str(ROOT / ".venv" / "bin" / "python")
    supervisord = None
    started = time.monotonic()
    def on_sigterm(_signum, _frame):
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        if args.seeded:
            shutil.copy(args.seeded, tmp / "tongxin.sqlite3")
        for command in ([["migrate", "--noinput"]] if args.seeded else [["migrate", "--noinput"], ["seed_demo"]]):
            subprocess.run([python, "manage.py", *command], env=env, cwd=ROOT, check=True, capture_output=True)
        log(f"migrated and seeded in {time.monotonic() - started:.0f} s")
        conf = supervisor_conf(tmp, args.supervisor_conf)
        supervisord = subprocess.Popen([str(ROOT / ".venv" / "bin" / "supervisord"), "-c", str(conf)], env=env,
                                       cwd=ROOT, stdout=(tmp / "supervisord.out").open("wb"),
                                       stderr=subprocess.STDOUT, start_new_session=True)
        figures = load(args, tmp, port)
    finally:
        if supervisord is not None and supervisord.poll() is None:
            supervisord.send_signal(signal.SIGTERM)
            try:
                supervisord.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(supervisord.pid, signal.SIGKILL)
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(figures, ensure_ascii=False), flush=True)
    return 0 if figures["errors"] == 0 and not figures["process_died"] else 1


def supervisor_proxy(tmp: Path):
    from supervisor.xmlrpc import SupervisorTransport

    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=SupervisorTransport(
        None, None, f"unix://{tmp / 'supervisor.sock'}"))


def load(args, tmp: Path, port: int) -> dict:
    # --- wait for web, worker and beat
    deadline = time.monotonic() + 120
    while True:
        try:
            states = {p["name"]: p for p in supervisor_proxy(tmp).supervisor.getAllProcessInfo()}
            probe = LoadBrowser("probe", port, Recorder())
            if all(p["statename"] == "RUNNING" for p in states.values()) and \
                    probe.request("GET", "/accounts/login/")[0] == 200:
                break
        except (OSError, xmlrpc.client.Fault, CheckFailed):
            pass
        if time.monotonic() > deadline:
            raise SystemExit("embedded_load: web, worker and beat did not start within 120 s")
        time.sleep(1)
    first_pids = {name: p["pid"] for name, p in states.items()}
    log(f"running: {first_pids} on port {port}; {args.users} users for {args.minutes} min")

    # --- watch supervisord's processes while the users work
    recorder = Recorder()
    stop = threading.Event()
    pids: dict[str, set] = {name: {pid} for name, pid in first_pids.items()}

    def watch():
        proxy = supervisor_proxy(tmp)
        while not stop.is_set():
            try:
                for info in proxy.supervisor.getAllProcessInfo():
                    if info["pid"]:
                        pids[info["name"]].add(info["pid"])
            except (OSError, xmlrpc.client.Fault):
                pass
            stop.wait(1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    load_before = os.getloadavg()[0]
    load_started = time.monotonic()
    deadline = load_started + args.minutes * 60
    accounts = [account for account, count in CAST for _ in range(count)]
    accounts = (accounts * (args.users // len(accounts) + 1))[: args.users]
    users = [User(account, n, port, recorder, deadline, tuple(args.think), stop) for n, account in enumerate(accounts)]
    for user in users:
        user.start()
    for user in users:
        user.join(timeout=max(1, deadline - time.monotonic() + 120))
    stop.set()
    watcher.join(timeout=5)
    seconds = time.monotonic() - load_started

    supervisor_log = (tmp / "supervisord.log").read_text(errors="replace") if (tmp / "supervisord.log").exists() else ""
    exits = Counter(re.findall(r"exited: (\w+)", supervisor_log))
    restarts = {name: len(found) - 1 for name, found in pids.items()}
    worker_log = (tmp / "worker.log").read_text(errors="replace") if (tmp / "worker.log").exists() else ""
    requests = sum(recorder.statuses.values())
    # 5xx answers, plus requests that got no answer at all and failed logins
    errors = sum(n for status, n in recorder.statuses.items() if status >= 500) + sum(
        n for what, n in recorder.errors.items() if "answered 5" not in what)
    return {
        "users": args.users,
        "minutes": args.minutes,
        "seconds": round(seconds, 1),
        "requests": requests,
        "requests_per_s": round(requests / seconds, 2) if seconds else None,
        "errors": errors,
        "error_samples": dict(recorder.errors.most_common(5)),
        "statuses": {str(k): v for k, v in sorted(recorder.statuses.items())},
        "actions": dict(recorder.actions),
        "refused": recorder.refused,
        "post_p50_ms": percentile(recorder.posts, 50),
        "post_p95_ms": percentile(recorder.posts, 95),
        "post_p99_ms": percentile(recorder.posts, 99),
        "get_p50_ms": percentile(recorder.gets, 50),
        "get_p95_ms": percentile(recorder.gets, 95),
        "login_p50_ms": percentile(recorder.logins, 50),
        "login_p95_ms": percentile(recorder.logins, 95),
        "posts": len(recorder.posts),
        "restarts": restarts,
        "exits": dict(exits),
        "worker_tracebacks": worker_log.count("Traceback"),
        "process_died": bool(exits) or any(restarts.values()),
        "mean_post_ms": round(statistics.fmean(recorder.posts) * 1000, 1) if recorder.posts else None,
        # Other work on the machine moves every figure: the 1-minute load average at the start and at the end.
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "date": date.today().isoformat(),
    }


if __name__ == "__main__":
    sys.exit(main())
