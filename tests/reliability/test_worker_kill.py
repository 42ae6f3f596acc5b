"""RELIABILITY row 7: a worker killed halfway through an escalation run; the next sweep finishes it, once each."""

import os
import signal
import time
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from notifications.models import Notification
from workflows.models import AuditEvent, DueAction

from . import data, messages
from .conftest import SWEEP_INTERVAL
from .harness import children_of, report, wait_until

pytestmark = pytest.mark.reliability

ITEMS = 1000


def escalated() -> int:
    return DueAction.objects.count()


@pytest.mark.parametrize("victim", ["worker", "child"])
def test_a_killed_worker_leaves_no_item_escalated_twice_or_not_at_all(services, record_property, victim):
    # given 1,000 overdue tasks, each held by a unit handler
    units = data.units_with_handlers(10, email=False)
    data.due_items(parts=data.assignments(units=units, count=ITEMS), due_at=timezone.now() - timedelta(minutes=1))
    services.beat()
    worker = services.worker(concurrency=1)

    # when the worker is SIGKILLed at about half the run (with its pool child, or the child alone)
    wait_until(lambda: escalated() >= ITEMS * 0.4, timeout=90, what="the first half of the escalations")
    if victim == "worker":
        worker.kill()
        at_kill = escalated()
        time.sleep(1)
        assert escalated() == at_kill  # nothing outlived the kill
        services.worker(concurrency=1)
    else:
        os.kill(children_of(worker.pid)[0], signal.SIGKILL)
        at_kill = escalated()
    restarted = time.monotonic()
    wait_until(lambda: escalated() == ITEMS, timeout=90, what="all escalations")
    recovery = time.monotonic() - restarted
    time.sleep(SWEEP_INTERVAL + 1)  # a further sweep finds nothing left to do

    # then
    per_item = DueAction.objects.values("due_item").annotate(n=Count("id"))
    once = per_item.filter(n=1).count()
    audit_rows = AuditEvent.objects.filter(action="due.escalated_yellow")
    duplicates = audit_rows.count() - audit_rows.values("subject_id").distinct().count()
    notifications = Notification.objects.filter(key__startswith="due-")
    unique_notifications = notifications.values("recipient", "key").distinct().count()
    # one message per person and sweep batch, listing their items: each item told once, by a message that exists
    carried = messages.told()
    report(record_property, row=7, name=f"worker_kill[{victim}]", items=ITEMS, killed_at=at_kill,
           escalated_once=once, duplicates=duplicates, unique_notifications=unique_notifications,
           items_told=carried["items_told"], restart_to_done_s=round(recovery, 1), sweep_interval_s=SWEEP_INTERVAL)
    assert once == ITEMS
    assert escalated() == ITEMS
    assert duplicates == 0
    assert notifications.count() == unique_notifications == carried["messages"]
    assert (carried["items_told"], carried["items_told_twice"], carried["messages_missing"]) == (ITEMS, 0, 0)
    # the database sweep, not the broker's redelivery after its 30 s visibility timeout, found the rest
    assert recovery <= 2 * SWEEP_INTERVAL + ITEMS / 100
