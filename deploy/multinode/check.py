"""The multi-node check: the real deployment on this machine, on loopback only, and a proposal walked through it.

Started by deploy/multinode/run.sh (which makes sure nginx is installed). It

1. creates a fresh PostgreSQL database (``tongxin_multinode``: dropped first if left over, dropped at the end), runs
   ``migrate`` once and seeds the minimum a walk needs (deploy/multinode/seed.py);
2. flushes a Redis database of its own (``--redis-db``, 13 by default) and starts two gunicorn instances
   (deploy/gunicorn.conf.py), nginx over both (a config generated from deploy/nginx/tongxin.conf minus TLS, which
   adds an ``X-Upstream`` response header), two Celery workers and one beat, all with production settings (DEBUG
   off; deploy/multinode/multinode_settings.py only writes e-mail to files and shortens the relay's wait);
3. walks one proposal through nginx over HTTP, as each role would (log in through the form, read the page, post its
   form with the CSRF token): submission, 初审, 审定 立案, 交办, 签收, 沟通记录, 答复函, 分管领导签发, 督查室审核,
   评价, 办结; it SIGKILLs one worker (with its pool) right after 交办, while the notifications it caused wait to be
   sent and one of them is held, unacknowledged, by the worker that dies (the other worker, and the dying one's
   pool, are frozen around 交办 to make sure of that);
4. waits for the outbox to drain and checks that nothing was lost or duplicated: every delivery row sent (or
   skipped by the recipient's preference) exactly once, every e-mail message written once (its Message-ID names its
   delivery), no notification twice, every audit row of the walk present once, the proposal at 办结, and both web
   instances served requests.

It prints one JSON line of figures and exits 1 on any failure (with the reason on stderr). Every process it started
is stopped and the database dropped on the way out, also on Ctrl-C or SIGTERM.
"""

import argparse
import base64
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "Tongxin@2026"


class CheckFailed(Exception):
    pass


def log(message: str) -> None:
    print(f"multinode: {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (a Celery worker's pool processes), read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise CheckFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --- processes -----------------------------------------------------------------------------------------------------


class Processes:
    """Every process started here, each in its own process group, logging to a file in the run's folder."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        out = (self.log_dir / f"{name}.log").open("ab")
        popen = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        self.running[name] = popen
        return popen

    def output(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        popen = self.running[name]
        try:
            os.killpg(popen.pid, sig)
        except ProcessLookupError:
            pass
        popen.wait(timeout=30)

    def check_alive(self, *, except_=()) -> None:
        for name, popen in self.running.items():
            if name not in except_ and popen.poll() is not None:
                tail = "\n".join(self.output(name).splitlines()[-20:])
                raise CheckFailed(f"{name} exited with {popen.returncode}:\n{tail}")

    def stop_all(self) -> None:
        for popen in self.running.values():
            if popen.poll() is None:
                try:
                    os.killpg(popen.pid, signal.SIGTERM)
                    os.killpg(popen.pid, signal.SIGCONT)  # a worker frozen by the walk must wake to stop
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 20
        for popen in self.running.values():
            try:
                popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                popen.wait(timeout=10)


NGINX_CONF = """# Generated by deploy/multinode/check.py from deploy/nginx/tongxin.conf, minus TLS, for a test on loopback.
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    include /etc/nginx/mime.types;

    upstream tongxin_web {{
{servers}
        keepalive 16;
    }}

    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 25m;

        # Production serves collectstatic's output here (alias); the check skips collectstatic, so WhiteNoise
        # behind the upstream serves them.

        location /media/ {{ return 404; }}

        location / {{
            proxy_pass http://tongxin_web;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # The port is kept in Host: the CSRF origin check compares it with the browser's Origin.
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # TLS would end here in production; the test stands in for it so that the production settings
            # (HTTPS redirect, secure cookies) apply unchanged.
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Request-ID $request_id;
            proxy_read_timeout 65s;
            proxy_next_upstream error timeout http_502 http_503;
            # Which web instance answered: the check counts requests per instance.
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


# --- HTTP as a browser would -------------------------------------------------------------------------------------


class Forms(HTMLParser):
    """The forms of a page: action, and the values a browser would send by default (buttons excepted)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": [],
                          "names": set(), "options": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            self._form["names"].add(a["name"])
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form["fields"].append((a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "button" and a.get("name"):
            self._form["names"].add(a["name"])
        elif tag == "select" and a.get("name"):
            self._form["names"].add(a["name"])
            self._select = {"name": a["name"], "first": None, "selected": [], "multiple": "multiple" in a}
            self._form["options"][a["name"]] = []
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._form["options"][self._select["name"]].append(value)
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["selected"].append(value)
        elif tag == "textarea" and a.get("name"):
            self._form["names"].add(a["name"])
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            s = self._select
            chosen = s["selected"] or ([] if s["multiple"] or s["first"] is None else [s["first"]])
            self._form["fields"].extend((s["name"], v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form["fields"].append(tuple(self._textarea))
            self._textarea = None


def find_form(html: str, action_pattern: str) -> dict:
    parser = Forms()
    parser.feed(html)
    for form in parser.forms:
        if form["method"] == "post" and re.search(action_pattern, form["action"]):
            return form
    actions = [f["action"] for f in parser.forms]
    raise CheckFailed(f"no POST form with action matching {action_pattern!r} on the page (forms: {actions})")


MESSAGE_RE = re.compile(r'<(?:li|div)[^>]*class="[^"]*(?:message|alert|error)[^"]*"[^>]*>(.*?)</(?:li|div)>', re.S)


def page_messages(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>|\s+", " ", m).strip() for m in MESSAGE_RE.findall(html)][:5]


# The audit actions on the proposal that the walk causes exactly once each.
ONCE_PER_WALK = ("proposal.submitted", "proposal.accepted", "proposal.assigned", "proposal.in_handling",
                 "assignment.contact_logged", "reply.submitted", "reply.issued", "proposal.replied",
                 "proposal.evaluated", "proposal.concluded")
FIRST_CHOICE = object()  # the first non-empty option of a select, as a user picking the top entry


class Browser:
    """One role's browser: its own cookies, talking to nginx; counts which upstream answered each request."""

    def __init__(self, name: str, host: str, port: int, upstreams: Counter, steps: list, *, scheme: str = "https"):
        self.name, self.host, self.port = name, host, port
        # nginx tells Django the request came over HTTPS (X-Forwarded-Proto), so the browser's origin is https.
        self.origin = f"{scheme}://{host}:{port}"
        self.cookies: dict[str, str] = {}
        self.upstreams, self.steps = upstreams, steps

    def request(self, method: str, path: str, data=None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=90)
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "tongxin-multinode-check",
                   "Accept-Language": "zh-hans"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin,
                            "Referer": self.origin + path})
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()
        self.answered(method, path, response.status, time.perf_counter() - started)
        for raw in response.msg.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(raw)
            for key, morsel in cookie.items():
                if morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"]):
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
        upstream = response.getheader("X-Upstream")
        if upstream:
            self.upstreams[upstream] += 1
        if response.status >= 500:
            raise CheckFailed(f"{self.name}: {method} {path} answered {response.status} from {upstream}")
        return response.status, dict(response.getheaders()), text

    def answered(self, method: str, path: str, status: int, seconds: float) -> None:
        """Called after every response (bench/embedded_load.py times them here)."""

    def get(self, path: str) -> str:
        for _ in range(5):
            status, headers, text = self.request("GET", path)
            if status in (301, 302, 303):
                path = urlsplit(headers["Location"]).path or path
                continue
            if status != 200:
                raise CheckFailed(f"{self.name}: GET {path} answered {status}")
            return text
        raise CheckFailed(f"{self.name}: too many redirects from {path}")

    def post(self, page: str, action_pattern: str, values: dict, *, step: str, expect: str | None = None) -> str:
        """Read ``page``, fill its form whose action matches, post it; the step succeeds on a redirect."""
        html = self.get(page)
        form = find_form(html, action_pattern)
        fields = [(k, v) for k, v in form["fields"] if k not in values]
        for key, value in values.items():
            if key not in form["names"]:
                raise CheckFailed(f"{self.name}: the form {form['action']} has no field {key!r} ({step})")
            if value is FIRST_CHOICE:
                value = next((v for v in form["options"].get(key, []) if v), "")
            fields.extend((key, v) for v in (value if isinstance(value, list) else [value]))
        action = (form["action"] or page).split("#")[0]  # a browser never sends the fragment
        status, headers, text = self.request("POST", action, fields)
        if status not in (302, 303):
            raise CheckFailed(f"{self.name}: {step} was not accepted ({status}): {page_messages(text) or text[:400]}")
        location = urlsplit(headers["Location"]).path
        after = self.get(location)
        if expect and expect not in after:
            raise CheckFailed(f"{self.name}: after {step} the page lacks {expect!r}: {page_messages(after)}")
        self.steps.append(step)
        return location

    def login(self, username: str) -> None:
        html = self.get("/accounts/login/")
        form = find_form(html, r"login|^$")
        fields = [(k, v) for k, v in form["fields"] if k not in ("username", "password")]
        fields += [("username", username), ("password", PASSWORD)]
        status, headers, text = self.request("POST", form["action"] or "/accounts/login/", fields)
        if status != 302:
            raise CheckFailed(f"login of {username} failed ({status}): {page_messages(text)}")
        self.get(urlsplit(headers["Location"]).path)


# --- the run -------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db-name", default="tongxin_multinode")
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--port", type=int, default=0, help="nginx's port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--gunicorn-workers", type=int, default=1,
                        help="per instance (the machine's two cores also carry workers, beat and PostgreSQL)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the run's folder")
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(server_url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("multinode: DATABASE_URL must name a PostgreSQL server on loopback")
    if parts.path.lstrip("/") == args.db_name:
        raise SystemExit(f"multinode: refusing to drop {args.db_name}, the database DATABASE_URL names")
    database_url = parts._replace(path="/" + args.db_name).geturl()
    broker_parts = urlsplit(os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0")
    if not broker_parts.scheme.startswith("redis") or broker_parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        broker_parts = urlsplit("redis://127.0.0.1:6379/0")
    broker_url = broker_parts._replace(path=f"/{args.redis_db}").geturl()

    tmp = Path(tempfile.mkdtemp(prefix="tongxin-multinode-"))
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_"))}
    env.pop("DEBUG", None)
    env.update({
        "DJANGO_SETTINGS_MODULE": "multinode_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "deploy" / "multinode"), str(ROOT)]),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "TONGXIN_HMAC_KEY": secrets.token_urlsafe(32),
        # A Fernet key for the personal data encrypted at rest (workflows.fields).
        "TONGXIN_FIELD_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TONGXIN_SMS_BACKEND": "notifications.sms.LoggingBackend",
        "TONGXIN_VAR_DIR": str(tmp),
        "MEDIA_ROOT": str(tmp / "media"),
        "MULTINODE_MAIL_DIR": str(mail_dir),
        # No collectstatic (it compresses 100 MB of admin and theme files, a minute on this machine): WhiteNoise
        # serves the files from the finders, as in the tests.
        "STATIC_MANIFEST": "0",
        "TONGXIN_SWEEP_INTERVAL": "5",
        "TONGXIN_RELAY_INTERVAL": "2",
        "TONGXIN_BASE_URL": "https://127.0.0.1",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    })
    for name in ("FAST_PASSWORD_HASHER", "SECURE_SSL_REDIRECT", "EMAIL_BACKEND", "TONGXIN_RELAY_AFTER"):
        env.pop(name, None)

    processes = Processes(tmp)
    started = time.monotonic()

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    db_created = False
    failure = None
    try:
        db_created = True
        figures = run(args, env, tmp, mail_dir, processes, started)
    except CheckFailed as error:
        failure = str(error)
    except SystemExit:
        failure = "interrupted"
        raise
    finally:
        processes.stop_all()
        if not args.keep:
            if db_created:
                drop_database(env, args.db_name)
            flush_redis(broker_url)
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"kept the database {args.db_name} and {tmp}")
        if failure and failure != "interrupted":
            log(f"FAILED: {failure}")
            for name in ("web1", "web2", "worker1", "worker2", "beat", "nginx"):
                tail = [line for line in processes.output(name).splitlines() if " ERROR " in line or "Traceback" in line]
                if tail:
                    log(f"{name} log errors: {tail[-5:]}")
    if failure:
        print(json.dumps({"ok": False, "error": failure, "seconds": round(time.monotonic() - started, 1)},
                         ensure_ascii=False), flush=True)
        return 1
    print(json.dumps(figures, ensure_ascii=False), flush=True)
    return 0 if figures["ok"] else 1


def manage(env: dict, *arguments: str, timeout: float = 300) -> str:
    result = subprocess.run([sys.executable, "manage.py", *arguments], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=timeout)
    if result.returncode != 0:
        raise CheckFailed(f"manage.py {' '.join(arguments[:2])} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def psql(env: dict, sql: str) -> None:
    parts = urlsplit(env["DATABASE_URL"])
    server = parts._replace(path="/postgres").geturl()
    subprocess.run(["psql", server, "-v", "ON_ERROR_STOP=1", "-qtAc", sql], check=True, capture_output=True,
                   timeout=60)


def drop_database(env: dict, name: str) -> None:
    try:
        psql(env, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except subprocess.CalledProcessError as error:
        log(f"could not drop {name}: {error.stderr.decode(errors='replace')}")


def flush_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=3).flushdb()
    except redis.RedisError as error:
        log(f"could not flush {url}: {error}")


def run(args, env, tmp: Path, mail_dir: Path, processes: Processes, started: float) -> dict:
    # --- the database and the broker's queue
    drop_database(env, args.db_name)
    psql(env, f'CREATE DATABASE "{args.db_name}"')
    flush_redis(env["CELERY_BROKER_URL"])
    manage(env, "migrate", "--noinput")
    migrated = time.monotonic()
    ids = json.loads(manage(env, "shell", "-c", "exec(open('deploy/multinode/seed.py').read())").strip().splitlines()[-1])
    setup_seconds = time.monotonic() - started
    log(f"database {args.db_name} migrated in {migrated - started:.0f} s, seeded in {setup_seconds - (migrated - started):.0f} s")

    # --- two web instances, two workers, one beat, nginx over both web instances
    web_ports = [free_port(), free_port()]
    nginx_port = args.port or free_port()
    gunicorn = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "config.wsgi"]
    for number, port in enumerate(web_ports, 1):
        processes.start(f"web{number}", gunicorn, {**env, "GUNICORN_BIND": f"127.0.0.1:{port}",
                                                   "GUNICORN_WORKERS": str(args.gunicorn_workers)})
    celery = [str(BIN / "celery"), "-A", "config"]
    # worker1 takes only the default queue (deliveries), worker2 that and the periodic one (sweeps, relay): what
    # worker1 holds when it is killed is then a delivery, not one of beat's triggers.
    for number, queues in ((1, "celery"), (2, "celery,periodic")):
        processes.start(f"worker{number}", [*celery, "worker", "-n", f"multinode{number}@%h", "-l", "info", "-c", "1",
                                            "-Q", queues, "--without-gossip", "--without-mingle"], env)
    processes.start("beat", [*celery, "beat", "-l", "info", "--schedule", str(tmp / "celerybeat-schedule")], env)
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=2 fail_timeout=10s;" for port in web_ports)
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, servers=servers, port=nginx_port))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    tested = subprocess.run([nginx, "-t", "-q", "-c", str(conf), "-e", str(tmp / "nginx-error.log")],
                            capture_output=True, text=True)
    if tested.returncode != 0:
        raise CheckFailed(f"nginx -t refused the generated config: {tested.stderr}")
    processes.start("nginx", [nginx, "-c", str(conf), "-e", str(tmp / "nginx-error.log")], env)

    def web_ready(port):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/health/", headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"})
            return connection.getresponse().status == 200
        except OSError:
            return False

    for port in web_ports:
        wait_until(lambda port=port: (processes.check_alive(), web_ready(port))[1], timeout=60,
                   what=f"gunicorn on {port}")
    for number in (1, 2):
        wait_until(lambda n=number: (processes.check_alive(), " ready." in processes.output(f"worker{n}"))[1],
                   timeout=60, what=f"worker{number}")
    wait_until(lambda: web_ready(nginx_port), timeout=30, what="nginx")
    log(f"nginx on 127.0.0.1:{nginx_port} over gunicorn on {web_ports}; two workers and beat running")

    # --- the walk
    import django

    os.environ.update({k: env[k] for k in env if k != "PATH"})
    sys.path[:0] = [str(ROOT / "deploy" / "multinode"), str(ROOT)]
    django.setup()
    from django.db import connection as db

    from notifications.models import Delivery, Notification

    upstreams: Counter = Counter()
    steps: list[str] = []
    walk_started = time.monotonic()
    title = f"关于多节点部署验证的建议（{secrets.token_hex(3)}）"
    today = date.today().isoformat()

    def browser(username):
        b = Browser(username, "127.0.0.1", nginx_port, upstreams, steps)
        b.login(username)
        return b

    member = browser("member1")
    static_link = re.search(r'href="(/static/[^"]+\.css)"', member.get("/"))
    static_ok = bool(static_link) and member.request("GET", static_link.group(1))[0] == 200
    location = member.post("/proposals/new/", r"^(/proposals/new/)?$", {
        "kind": "member", "title": title, "topic": str(ids["topic"]), "reasons": "两台 Web 实例由 nginx 轮流转发。",
        "suggestions": "一是验证会话共享；二是验证任务不丢不重。", "no_secret_confirmed": "on", "submit": "1",
    }, step="submit", expect=title)
    match = re.fullmatch(r"/proposals/(\d+)/", location)
    if not match:
        raise CheckFailed(f"submission led to {location}, not the proposal's page")
    pk = int(match.group(1))
    detail = f"/proposals/{pk}/"

    staff = browser("staff1")
    staff.post(detail, r"/tasks/\d+/", {"action": "approve", "comment": "建议立案"}, step="review_stage")
    head = browser("stafflead1")
    head.post(detail, rf"/proposals/{pk}/review/", {"decision": "accept", "comment": "同意立案"}, step="accept")
    office = browser("office1")
    # worker2 is frozen whole; worker1's pool process alone, so that worker1 still takes a message from Redis and
    # holds it, unacknowledged, when it dies.
    os.killpg(processes.running["worker2"].pid, signal.SIGSTOP)
    pool = children_of(processes.running["worker1"].pid)
    if not pool:
        raise CheckFailed("worker1 has no pool process")
    for child in pool:
        os.kill(child, signal.SIGSTOP)
    received_before = processes.output("worker1").count(" received")
    office.post(detail, rf"/proposals/{pk}/assign/", {"mode": "sole", "lead_units": str(ids["unit"]),
                                                      "comment": "请认真办理"}, step="assign")
    pending_at_kill = Delivery.objects.filter(status=Delivery.Status.PENDING).count()

    # SIGKILL worker1 with its pool while the notifications of 交办 wait in the outbox, one of them taken by worker1
    # and not acknowledged. Then worker2 carries on; Redis would give worker1's message out again only after its
    # 600 s visibility timeout, so the outbox relay must find that delivery.
    wait_until(lambda: processes.output("worker1").count(" received") > received_before, timeout=30,
               what="worker1 to take a delivery")
    held = re.findall(r"Task ([\w.]+)\[[^]]+\] received", processes.output("worker1"))[received_before:]
    processes.kill("worker1", signal.SIGKILL)
    os.killpg(processes.running["worker2"].pid, signal.SIGCONT)
    db.close()
    log(f"worker1 killed (SIGKILL) with {pending_at_kill} deliveries pending")

    unit = browser("unit1")
    inbox = unit.get("/proposals/units/")
    part = re.search(r'href="/proposals/assignments/(\d+)/"', inbox)
    if not part:
        raise CheckFailed("the unit's 承办待办 lists no assignment")
    assignment = f"/proposals/assignments/{part.group(1)}/"
    unit.post(assignment, r"/receive/(#.*)?$", {}, step="receive")
    unit.post(assignment, r"/contacts/(#.*)?$", {"contact-held_on": today, "contact-form": "phone", "contact-participants": "李明华、赵老师",
                                            "contact-summary": "办前面商：电话听取提案者意见。"}, step="contact_log")
    unit.post(assignment, r"/reply/(#.*)?$", {"reference_number": "教提〔2026〕1号", "category": FIRST_CHOICE, "body": "经研究，已列入明年计划。",
                                        "contact_person": "赵老师", "contact_phone": "0000-1234501", "submit": "1"},
              step="reply_submit")
    lead = browser("unitlead1")
    for page in (detail, assignment):
        try:
            lead.post(page, r"/tasks/\d+/", {"action": "approve", "comment": "同意签发"}, step="reply_stage")
            break
        except CheckFailed:
            if page == assignment:
                raise
    office.post(detail, r"/tasks/\d+/", {"action": "approve", "comment": "审核通过"}, step="reply_stage")
    member.post(detail, rf"/proposals/{pk}/evaluate/", {"work_rating": "satisfied", "result_rating": "satisfied",
                                                        "comment": "满意。"}, step="evaluate")
    staff.post(detail, rf"/proposals/{pk}/conclude/", {"comment": "已办结。"}, step="conclude")
    walk_seconds = time.monotonic() - walk_started
    processes.check_alive(except_=("worker1",))

    # --- nothing lost, nothing twice
    def drained():
        db.close()
        return not Delivery.objects.filter(status=Delivery.Status.PENDING).exists()

    wait_until(drained, timeout=90, what="the outbox to drain (relay and the surviving worker)", interval=1)
    processes.check_alive(except_=("worker1",))
    from django.db.models import Count

    from proposals.models import Proposal, ProposalStatus
    from workflows.models import AuditEvent

    proposal = Proposal.objects.get(pk=pk)
    deliveries = Delivery.objects.all()
    by_status = Counter(deliveries.values_list("status", flat=True))
    email_ids = set(deliveries.filter(channel=Delivery.Channel.EMAIL, status=Delivery.Status.SENT)
                    .values_list("pk", flat=True))
    written = Counter()
    for path in mail_dir.iterdir():
        for found in re.findall(r"^Message-ID: <tongxin-delivery-(\d+)@", path.read_text(errors="replace"), re.M):
            written[int(found)] += 1
    email_duplicates = sum(n - 1 for n in written.values() if n > 1)
    emails_lost = len(email_ids - set(written))
    emails_unknown = len(set(written) - email_ids)
    notification_duplicates = (Notification.objects.values("recipient", "key").annotate(n=Count("id"))
                               .filter(n__gt=1).count())
    not_delivered = by_status.get(Delivery.Status.PENDING, 0) + by_status.get(Delivery.Status.FAILED, 0)
    # The database is fresh and the seed writes no audit rows: every row is the walk's (logins included).
    audit = AuditEvent.objects.all()
    audit_rows = audit.count()
    audit_duplicates = (audit.values("action", "subject_type", "subject_id", "actor", "from_state", "to_state",
                                     "comment").annotate(n=Count("id")).filter(n__gt=1).count())
    walk_actions = Counter(audit.filter(subject_id=str(pk)).values_list("action", flat=True))
    missing_or_twice = {action: walk_actions.get(action, 0) for action in ONCE_PER_WALK if walk_actions.get(action) != 1}
    relayed = sum(int(n) for n in re.findall(r"Outbox relay queued (\d+)", processes.output("worker2")))
    health_status, _h, health_body = member.request("GET", "/health/?strict=1")
    db.close()

    figures = {
        "requests": sum(upstreams.values()),
        "requests_per_upstream": dict(sorted(upstreams.items())),
        "steps": len(steps),
        "step_names": steps,
        "status": proposal.status,
        "notifications": Notification.objects.count(),
        "deliveries": dict(sorted(by_status.items())),
        "pending_at_kill": pending_at_kill,
        "emails_written": sum(written.values()),
        "duplicates": email_duplicates + notification_duplicates + audit_duplicates,
        "lost": not_delivered + emails_lost,
        "emails_unknown": emails_unknown,
        "audit_rows": audit_rows,
        "audit_actions_on_case": sum(walk_actions.values()),
        "held_at_kill": held,
        "relayed": relayed,
        "health_strict": health_status,
        "static_via_nginx": static_ok,
        "walk_seconds": round(walk_seconds, 1),
        "setup_seconds": round(setup_seconds, 1),
        "seconds": round(time.monotonic() - started, 1),
    }
    problems = []
    if proposal.status != ProposalStatus.CONCLUDED:
        problems.append(f"the proposal is at {proposal.status}, not 办结")
    if len(upstreams) < 2:
        problems.append(f"only {list(upstreams)} answered: both web instances must serve requests")
    if figures["duplicates"] or figures["lost"] or emails_unknown:
        problems.append("deliveries lost or duplicated")
    if "notifications.tasks.deliver" in held and not relayed:
        problems.append("the delivery the killed worker held was not re-queued by the relay")
    if missing_or_twice:
        problems.append(f"audit rows of the walk missing or twice: {missing_or_twice}")
    if not email_ids:
        problems.append("no e-mail was delivered: the outbox was not exercised")
    if not static_ok:
        problems.append("nginx did not serve the static files")
    figures["ok"] = not problems
    if problems:
        figures["problems"] = problems
    return figures


if __name__ == "__main__":
    sys.exit(main())
