"""Fixtures of the fault-injection tests: real PostgreSQL, a private Redis, real Celery workers and beats.

The workers run ``tests.reliability.worker_settings`` against the test database, which these tests fill and
commit (``transactional_db``), with beat intervals of a few seconds instead of a minute.
"""

import os
import shutil

import pytest
from django.db import connection
from kombu import pools as kombu_pools

from config.celery import app as celery_app
from notifications import tasks as notification_tasks

from .harness import PrivateRedis, Services, free_port

SWEEP_INTERVAL = 5  # seconds between beat triggers of the sweep (production: 60)
RELAY_INTERVAL = 5  # seconds between outbox relay runs (production: 60)
RELAY_AFTER = 10  # seconds before the relay re-queues an unsent row (production: 60)
MAX_ATTEMPTS = 5  # tries of one delivery before it is FAILED (production: 8)
BACKOFF_BASE, BACKOFF_MAX = 0.5, 2  # seconds between tries (production: 2 s growing to 480 s)


@pytest.fixture(scope="session")
def private_redis(tmp_path_factory):
    if shutil.which("redis-server") is None:  # fail, not skip: CI must not pass without running these
        pytest.fail("the fault-injection tests start their own redis-server: apt-get install redis-server")
    redis = PrivateRedis(tmp_path_factory.mktemp("redis"))
    if redis.ping():  # another test run on this machine has it: take any free port, never its server
        redis = PrivateRedis(redis.directory, port=free_port())
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def redis(private_redis):
    """The private Redis, running and empty (a fault test may have left it stopped)."""
    private_redis.resume_if_paused()
    if not private_redis.ping():
        private_redis.start()
    private_redis.flushall()
    yield private_redis
    private_redis.resume_if_paused()
    if not private_redis.ping():
        private_redis.start()


@pytest.fixture
def live_db(transactional_db):
    """The test database's URL for the worker processes; the data a test commits is visible to them."""
    if connection.vendor != "postgresql":
        pytest.skip("the fault-injection tests need PostgreSQL")
    conf = connection.settings_dict
    return (f"postgres://{conf['USER']}:{conf['PASSWORD'] or ''}@{conf['HOST'] or '127.0.0.1'}:"
            f"{conf['PORT'] or 5432}/{conf['NAME']}")


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def services(live_db, redis, tmp_path, mail_dir):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.reliability.worker_settings",
        "DATABASE_URL": live_db,
        "CELERY_BROKER_URL": redis.url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "TONGXIN_SWEEP_INTERVAL": str(SWEEP_INTERVAL),
        "TONGXIN_RELAY_INTERVAL": str(RELAY_INTERVAL),
        "TONGXIN_RELAY_AFTER": str(RELAY_AFTER),
        "TONGXIN_DELIVERY_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "TONGXIN_DELIVERY_BACKOFF_BASE": str(BACKOFF_BASE),
        "TONGXIN_DELIVERY_BACKOFF_MAX": str(BACKOFF_MAX),
        "RELIABILITY_MAIL_DIR": str(mail_dir),
        "TONGXIN_VAR_DIR": str(tmp_path / "var"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DEBUG", None)
    group = Services(env=env, log_dir=tmp_path)
    yield group
    group.stop_all()


def _reset_broker_pools():
    """Forget every broker connection, so the next publish connects with the current configuration."""
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def publisher(redis, monkeypatch):
    """Make this test process publish to the private Redis, as the web does, instead of running tasks eagerly."""
    # Celery reads CELERY_BROKER_URL from the environment ahead of its configuration (`make test` sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", redis.url)
    names = ("broker_url", "task_always_eager", "broker_transport_options")
    saved = {name: celery_app.conf[name] for name in names}
    celery_app.conf.update(broker_url=redis.url, task_always_eager=False, broker_transport_options={
        "visibility_timeout": 30, "socket_timeout": 5, "socket_connect_timeout": 2})
    _reset_broker_pools()
    notification_tasks._publish_paused_until = 0.0
    yield
    celery_app.conf.update(saved)
    _reset_broker_pools()
    notification_tasks._publish_paused_until = 0.0
