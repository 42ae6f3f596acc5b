"""Real processes for the fault-injection tests: a private Redis, Celery workers and beats, a web server.

Each process runs in its own session (process group), so a test can kill a worker with its pool children as a
crash would, or one child alone. Nothing here touches the shared Redis on 6379.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from django.conf import settings

BIN = Path(sys.executable).parent
RESULTS = Path(settings.BASE_DIR) / "reliability-results.jsonl"
PRIVATE_REDIS_PORT = 6390


def wait_until(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def report(record_property, *, row: int, name: str, **figures) -> None:
    """Record a test's figures: as a pytest property, a printed line and a JSON line in reliability-results.jsonl."""
    line = {"row": row, "test": name, **figures, "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    for key, value in figures.items():
        record_property(key, value)
    print(f"RELIABILITY {json.dumps(line, ensure_ascii=False)}")
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid``, read from /proc (the pool processes of a Celery worker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may contain spaces, so split after the closing parenthesis.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


class Proc:
    """A subprocess in its own process group, logging to a file."""

    def __init__(self, name: str, args: list[str], *, env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.log = self.log_path.open("ab")
        self.popen = subprocess.Popen(args, env=env, cwd=settings.BASE_DIR, stdout=self.log,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, pattern: str, *, timeout: float = 30) -> None:
        wait_until(lambda: re.search(pattern, self.output()) or self._died(), timeout=timeout,
                   what=f"{self.name} to log {pattern!r}")
        if self.popen.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.popen.returncode}:\n{self.output()[-3000:]}")

    def _died(self) -> bool:
        return self.popen.poll() is not None

    def kill(self) -> None:
        """SIGKILL the whole process group: the main process and its children die at once, like a power cut."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(timeout=10)

    def stop(self, *, timeout: float = 15) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
            except ProcessLookupError:
                pass
        try:  # children left behind by a killed parent
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()


class PrivateRedis:
    """``redis-server --port 6390 --appendonly yes`` in a directory of the test run: ours to stop and kill."""

    def __init__(self, directory: Path, *, port: int = PRIVATE_REDIS_PORT):
        self.directory, self.port = directory, port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: Proc | None = None

    def start(self) -> None:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--appendonly", "yes",
                "--appendfsync", "everysec", "--dir", str(self.directory), "--save", "",
                "--maxmemory-policy", "noeviction", "--daemonize", "no"]
        self.proc = Proc("redis", args, env=dict(os.environ), log_dir=self.directory)
        wait_until(self.ping, timeout=10, what="the private redis-server to answer")

    def command(self, *parts: str, timeout: float = 2) -> str:
        payload = f"*{len(parts)}\r\n" + "".join(f"${len(part.encode())}\r\n{part}\r\n" for part in parts)
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as conn:
            conn.sendall(payload.encode())
            return conn.recv(65536).decode(errors="replace")

    def ping(self) -> bool:
        try:
            return self.command("PING").startswith("+PONG")
        except OSError:
            return False

    def flushall(self) -> None:
        assert self.command("FLUSHALL").startswith("+OK")

    def queue_length(self, queue: str = "celery") -> int:
        return int(self.command("LLEN", queue).strip().lstrip(":"))

    def pause(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def resume_if_paused(self) -> None:
        if self.proc is not None and self.proc.popen.poll() is None:
            self.resume()

    def crash(self) -> None:
        self.proc.kill()

    def stop(self) -> None:
        if self.proc is not None:
            self.resume_if_paused()
            self.proc.stop()


class Services:
    """Workers, beats and web servers of one test, all stopped at its end."""

    def __init__(self, *, env: dict, log_dir: Path):
        self.env, self.log_dir = env, log_dir
        self.procs: list[Proc] = []
        self.count = 0

    def _name(self, kind: str) -> str:
        self.count += 1
        return f"{kind}{self.count}"

    def worker(self, *, concurrency: int = 1, **env) -> Proc:
        name = self._name("worker")
        args = [str(BIN / "celery"), "-A", "config", "worker", "-l", "info", "-c", str(concurrency), "-P", "prefork",
                "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        proc = Proc(name, args, env={**self.env, **env}, log_dir=self.log_dir)
        self.procs.append(proc)
        proc.wait_for(r"ready\.", timeout=40)
        return proc

    def beat(self, **env) -> Proc:
        name = self._name("beat")
        args = [str(BIN / "celery"), "-A", "config", "beat", "-l", "info", "-s", str(self.log_dir / f"{name}.db"),
                "--pidfile="]
        proc = Proc(name, args, env={**self.env, **env}, log_dir=self.log_dir)
        self.procs.append(proc)
        proc.wait_for(r"beat: Starting", timeout=30)
        return proc

    def web(self, *, port: int) -> Proc:
        args = [str(BIN / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--threads", "12",
                "--timeout", "120", "--graceful-timeout", "5"]
        proc = Proc(self._name("web"), args, env=self.env, log_dir=self.log_dir)
        self.procs.append(proc)
        proc.wait_for(r"Booting worker", timeout=30)
        wait_until(lambda: _port_open(port), timeout=20, what="the web server")
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def message_ids(mail_dir: Path) -> list[str]:
    """The Message-IDs of every e-mail the workers wrote (the file backend keeps each send)."""
    found = []
    for path in mail_dir.glob("*.log"):
        found += re.findall(r"^Message-ID: <(tongxin-delivery-\d+)@", path.read_text(errors="replace"), re.M)
    return found


class WebhookServer:
    """A local robot endpoint with scripted behaviour per path, recording every request it gets.

    ``/flaky`` answers 500 to the first ``flaky_failures`` tries of each delivery, then succeeds; ``/poison``
    always answers 502; anything else succeeds. A request carrying a DingTalk signature must carry the right one.
    """

    def __init__(self, *, flaky_failures: int = 3, dingtalk_secret: str = ""):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.flaky_failures, self.secret = flaky_failures, dingtalk_secret
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                status, reply = server.answer(self.path, self.headers.get("X-Tongxin-Delivery", ""))
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, path: str, delivery_id: str) -> tuple[int, dict]:
        from urllib.parse import parse_qs, urlsplit

        route, query = urlsplit(path).path, parse_qs(urlsplit(path).query)
        with self.lock:
            tries = sum(1 for r in self.requests if r["delivery"] == delivery_id and r["route"] == route)
            if "sign" in query and query["sign"] != [self.expected_sign(query["timestamp"][0])]:
                status, reply = 200, {"errcode": 310000, "errmsg": "sign not match"}
            elif route == "/poison":
                status, reply = 502, {"errmsg": "bad gateway"}
            elif route == "/flaky" and tries < self.flaky_failures:
                status, reply = 500, {"errmsg": "internal error"}
            else:
                status, reply = 200, {"errcode": 0, "errmsg": "ok"}
            self.requests.append({"route": route, "delivery": delivery_id, "status": status,
                                  "ok": reply.get("errcode") == 0, "at": time.monotonic()})
        return status, reply

    def expected_sign(self, timestamp: str) -> str:
        import base64
        import hashlib
        import hmac

        digest = hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def close(self) -> None:
        self.httpd.shutdown()
