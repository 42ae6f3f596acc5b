"""Operations: settings that only read the environment, production refusals, structured logs, the health endpoint,
optional error reporting, and the embedded broker that never shows a consumer half a message."""

import base64
import json
import logging
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone
from kombu import Connection

from workflows import health
from workflows.models import Heartbeat

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def production_env(tmp_path):
    return {
        "PATH": os.environ["PATH"], "LANG": "C.UTF-8", "DJANGO_SETTINGS_MODULE": "config.settings",
        "TONGXIN_VAR_DIR": str(tmp_path / "var"), "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.org", "TONGXIN_HMAC_KEY": secrets.token_urlsafe(32),
        "TONGXIN_FIELD_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0", "TONGXIN_SMS_BACKEND": "notifications.sms.LoggingBackend",
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
    }


SETUP = "import django; django.setup(); from django.conf import settings; "


@pytest.mark.parametrize("missing", ["TONGXIN_HMAC_KEY", "TONGXIN_FIELD_KEYS", "CELERY_BROKER_URL", "TONGXIN_SMS_BACKEND"])
def test_production_refuses_to_start_without_a_separate_hmac_key_a_broker_or_an_sms_choice(production_env, missing):
    del production_env[missing]

    result = _python(SETUP, production_env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and missing in result.stderr


@pytest.mark.parametrize("url", ["localfs://", "filesystem://", "memory://"])
def test_production_refuses_the_embedded_brokers(production_env, url):
    production_env["CELERY_BROKER_URL"] = url

    result = _python(SETUP, production_env)

    assert result.returncode != 0
    assert "real broker" in result.stderr


def test_importing_the_settings_writes_nothing(production_env, tmp_path):
    """Settings read the environment only: no folder, no key file, not even in development."""
    for env in (production_env, {**production_env, "DEBUG": "1", "SECRET_KEY": ""}):
        result = _python(SETUP + "print(settings.SECRET_KEY != '')", env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "True"
    assert not (tmp_path / "var").exists()


def test_database_connections_are_health_checked_before_reuse(production_env):
    production_env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/test"
    result = _python(SETUP + "d = settings.DATABASES['default']; print(d['CONN_HEALTH_CHECKS'], d['CONN_MAX_AGE'])",
                     production_env)
    assert result.stdout.split() == ["True", "60"]


def test_sentry_reports_only_when_a_dsn_is_set(production_env):
    code = SETUP + "import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    assert _python(code, production_env).stdout.strip() == "False"
    production_env["SENTRY_DSN"] = "http://public@127.0.0.1:9/1"
    assert _python(code, production_env).stdout.strip() == "True"


@pytest.mark.django_db
def test_log_lines_carry_time_level_logger_request_id_and_user(client, django_user_model, caplog_handler):
    user = django_user_model.objects.create_user("log-clerk", password="x")
    client.force_login(user)

    response = client.get("/health/", HTTP_X_REQUEST_ID="req-12345678")
    logging.getLogger("tongxin.test").warning("after the request")

    assert response["X-Request-ID"] == "req-12345678"
    line = caplog_handler.lines[-1]
    assert " WARNING tongxin.test request=- user=- after the request" in line
    assert line[:4].isdigit() and "+08:00" in line.split(" ")[0]


@pytest.mark.django_db
def test_a_request_id_and_the_user_reach_the_log_lines_written_while_serving(rf, django_user_model, caplog_handler):
    from config.request_context import RequestContextMiddleware

    user = django_user_model.objects.create_user("log-reviewer", password="x")

    def view(request):
        request.user = user
        logging.getLogger("tongxin.test").info("多行\n消息")
        from django.http import HttpResponse
        return HttpResponse("ok")

    response = RequestContextMiddleware(view)(rf.get("/", HTTP_X_REQUEST_ID="bad id with spaces"))

    line = caplog_handler.lines[-1]
    rid = response["X-Request-ID"]
    assert rid != "bad id with spaces" and len(rid) == 16
    assert f"request={rid} user=log-reviewer 多行\\n消息" in line


@pytest.fixture
def caplog_handler():
    """A handler with the project's filter and formatter, as LOGGING configures the console."""
    from config.logging import RequestContextFilter, StructuredFormatter

    class Lines(logging.Handler):
        def __init__(self):
            super().__init__(level=logging.INFO)
            self.lines = []

        def emit(self, record):
            self.lines.append(self.format(record))

    handler = Lines()
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(StructuredFormatter())
    logger = logging.getLogger("tongxin.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_health_answers_200_with_every_check_and_503_in_strict_mode_when_beat_is_stale(client):
    health.beat(health.BEAT)
    health.beat(health.SWEEP)

    body = client.get("/health/").json()

    assert body["status"] == "ok", body
    assert set(body["checks"]) == {"database", "broker", "beat", "sweep", "outbox"}
    Heartbeat.objects.filter(name=health.BEAT).update(at=timezone.now() - timezone.timedelta(hours=1))
    assert client.get("/health/").status_code == 200
    strict = client.get("/health/?strict=1")
    assert strict.status_code == 503
    assert strict.json()["status"] == "degraded" and strict.json()["checks"]["beat"]["ok"] is False


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_health_reports_a_broker_that_does_not_answer(client):
    body = client.get("/health/?strict=1")

    assert body.status_code == 503
    assert body.json()["checks"]["broker"]["ok"] is False


def test_embedded_broker_never_hands_a_consumer_half_a_message(tmp_path):
    """Many producers write large messages while consumers drain the queue: every message arrives whole, once."""
    from config import broker

    broker.register()
    options = {"data_folder_in": str(tmp_path / "q"), "data_folder_out": str(tmp_path / "q"),
               "processed_folder": str(tmp_path / "p"), "control_folder": str(tmp_path / "c")}
    payload = "同" * 200_000
    sent, received, errors = 400, [], []
    deadline = time.monotonic() + 120

    def produce(offset):
        try:
            with Connection("localfs://", transport_options=options) as conn:
                queue = conn.SimpleQueue("work")
                for n in range(offset, sent, 4):
                    queue.put({"n": n, "body": payload})
        except Exception as error:  # noqa: BLE001 - a producer that fails must fail the test, not hang it
            errors.append(f"producer {offset}: {error!r}")

    def consume():
        with Connection("localfs://", transport_options=options) as conn:
            queue = conn.SimpleQueue("work")
            while len(received) < sent and not errors and time.monotonic() < deadline:
                try:
                    message = queue.get(timeout=0.05)
                except queue.Empty:
                    continue
                except Exception as error:  # noqa: BLE001 - a torn message would show here
                    errors.append(repr(error))
                    return
                body = message.payload
                if body["body"] != payload:
                    errors.append(f"torn message {body['n']}")
                received.append(body["n"])
                message.ack()

    # Daemon threads with a deadline: a failure ends the test instead of keeping the interpreter alive at exit.
    threads = [threading.Thread(target=produce, args=(i,), daemon=True) for i in range(4)]
    threads += [threading.Thread(target=consume, daemon=True) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0, deadline - time.monotonic()) + 5)

    assert errors == []
    assert sorted(received) == list(range(sent))
    assert json.dumps(sorted(set(received))) == json.dumps(sorted(received))


def test_env_example_lists_every_variable_the_code_reads():
    import re

    pattern = re.compile(r'os\.environ(?:\.get)?[\(\[]"([A-Z_]+)"|env_(?:bool|list)\("([A-Z_]+)"')
    read = set()
    for package in ("config", "workflows", "notifications", "proposals", "nomination"):
        for path in (ROOT / package).rglob("*.py"):
            read |= {a or b for a, b in pattern.findall(path.read_text())}
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read - {"DJANGO_SETTINGS_MODULE"} <= listed, sorted(read - listed)
