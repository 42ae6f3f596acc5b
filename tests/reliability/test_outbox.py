"""RELIABILITY rows 9 and 10: messages lost between the database and the broker are sent from the outbox."""

import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from notifications import services as notification_services
from notifications import tasks as notification_tasks
from notifications.models import Delivery
from workflows import sweeps
from workflows.models import AuditEvent

from . import data, messages
from .conftest import RELAY_AFTER, RELAY_INTERVAL
from .harness import message_ids, report, wait_until

SWEEP_ACTIONS = ("due.reminded", "due.escalated_yellow", "due.escalated_red")

pytestmark = pytest.mark.reliability

REMINDERS = 500
ACTIONS = 100

# Notifies 100 times in one transaction and dies right after the commit: the first on-commit callback, ahead of
# every publish, ends the process.
CRASH_AFTER_COMMIT = """
import os
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import transaction
from notifications.services import notify
users = list(get_user_model().objects.filter(username__startswith="unit-handler-").order_by("pk"))
with transaction.atomic():
    transaction.on_commit(lambda: os._exit(17))
    for i in range({actions}):
        notify(recipients=[users[i % len(users)]], key=f"crash-{{i}}", title=f"交办通知 {{i}}")
"""


def sent_count() -> int:
    return Delivery.objects.filter(status=Delivery.Status.SENT).count()


def test_flushall_with_queued_reminders_sends_every_one_from_the_outbox(services, redis, publisher, mail_dir,
                                                                       record_property):
    # given 500 reminders committed by a sweep, their messages waiting in Redis with no worker running (each person
    # gets one message per sweep batch listing their items: the deliveries are the messages, not the items)
    units = data.units_with_handlers(10, email=True)
    data.due_items(parts=data.assignments(units=units, count=REMINDERS), due_at=timezone.now() - timedelta(minutes=1))
    assert sweeps.sweep().total_fired == REMINDERS
    deliveries = Delivery.objects.count()
    queued = redis.queue_length()

    # when Redis loses them all, then the workers start
    redis.flushall()
    lost_at = time.monotonic()
    services.beat()
    services.worker(concurrency=2)
    wait_until(lambda: sent_count() == deliveries, timeout=120, what="every reminder to be sent")

    # then
    mail = Counter(message_ids(mail_dir))
    (action,) = set(AuditEvent.objects.filter(action__in=SWEEP_ACTIONS).values_list("action", flat=True))
    carried = messages.told(action=action)
    figures = {"reminders": REMINDERS, "messages": deliveries, "queued": queued, "resent": sent_count(),
               "lost": deliveries - sent_count(), "duplicated": sum(n - 1 for n in mail.values()),
               "items_told": carried["items_told"], "recovered_s": round(time.monotonic() - lost_at, 1),
               "relay_after_s": RELAY_AFTER, "relay_interval_s": RELAY_INTERVAL}
    report(record_property, row=9, name="flushall", **figures)
    assert queued == deliveries > 0
    assert (figures["resent"], figures["lost"], figures["duplicated"]) == (deliveries, 0, 0)
    assert len(mail) == deliveries
    assert (carried["items_told"], carried["items_told_twice"], carried["messages_missing"]) == (REMINDERS, 0, 0)


@pytest.mark.parametrize("fault", ["exit", "raise"])
def test_a_crash_after_commit_before_publishing_is_delivered_by_the_relay(services, redis, publisher, mail_dir,
                                                                          record_property, monkeypatch, fault):
    # given a running worker and beat
    users = [unit.memberships.get().user for unit in data.units_with_handlers(10, email=True)]
    services.beat()
    services.worker(concurrency=2)

    # when 100 notifications commit and none of their messages is published
    if fault == "exit":
        env = services.env
        crashed = subprocess.run([sys.executable, "-c", CRASH_AFTER_COMMIT.format(actions=ACTIONS)], env=env,
                                 cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60)
        assert crashed.returncode == 17, crashed.stderr[-2000:]
    else:
        def broker_refuses(*args):
            raise notification_tasks.OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

        monkeypatch.setattr(notification_tasks.deliver, "delay", broker_refuses)
        for i in range(ACTIONS):
            notification_services.notify(recipients=[users[i % len(users)]], key=f"crash-{i}", title=f"交办通知 {i}")
    crashed_at = time.monotonic()
    assert redis.queue_length() == 0
    assert Delivery.objects.filter(status=Delivery.Status.PENDING).count() == ACTIONS

    # then the relay finds and sends them all
    wait_until(lambda: sent_count() == ACTIONS, timeout=60, what="the relay to deliver")
    elapsed = time.monotonic() - crashed_at
    mail = Counter(message_ids(mail_dir))
    figures = {"actions": ACTIONS, "delivered_by_relay": sent_count(), "duplicated": sum(n - 1 for n in mail.values()),
               "crash_to_delivered_s": round(elapsed, 1),
               "relay_periods_after_eligible": round(max(0.0, elapsed - RELAY_AFTER) / RELAY_INTERVAL, 2),
               "relay_after_s": RELAY_AFTER, "relay_interval_s": RELAY_INTERVAL}
    report(record_property, row=10, name=f"crash_before_publish[{fault}]", **figures)
    assert figures["delivered_by_relay"] == ACTIONS and figures["duplicated"] == 0
    # rows become the relay's once RELAY_AFTER old; then at most two relay periods
    assert figures["relay_periods_after_eligible"] <= 2
