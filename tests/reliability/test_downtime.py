"""RELIABILITY row 13: workers and beat down for two (simulated) hours in which 200 timers fall due; on restart each
fires once, and none of the timers due after the outage fires early."""

import random
import time
from datetime import timedelta

import pytest
from django.db.models import Count, F
from django.utils import timezone

from workflows.models import AuditEvent, DueAction, DueItem

from . import data
from .conftest import SWEEP_INTERVAL
from .harness import report, wait_until

pytestmark = pytest.mark.reliability

TIMERS = 200
DOWNTIME = timedelta(hours=2)


def test_timers_that_fell_due_during_downtime_fire_once_on_restart_and_none_early(services, record_property):
    # given 200 timers due within the next two hours and 200 due after that, planned by a running sweep
    units = data.units_with_handlers(10, email=False)
    now = timezone.now()
    rng = random.Random(13)
    within = data.due_items(parts=data.assignments(units=units, count=TIMERS),
                            due_at=lambda i: now + timedelta(minutes=rng.uniform(5, 119)))
    later = data.due_items(parts=data.assignments(units=units, count=TIMERS),
                           due_at=lambda i: now + DOWNTIME + timedelta(minutes=rng.uniform(5, 119)))
    beat, worker = services.beat(), services.worker(concurrency=2)
    wait_until(lambda: not DueItem.objects.exclude(planned_version=F("due_version")).exists(), timeout=60,
               what="every timer to be planned")
    assert not DueAction.objects.exists()

    # when everything stops, two hours pass (the clock of every row moves two hours back), and it restarts
    worker.kill()
    beat.kill()
    DueItem.objects.update(due_at=F("due_at") - DOWNTIME, next_action_at=F("next_action_at") - DOWNTIME)
    restarted = time.monotonic()
    services.beat()
    services.worker(concurrency=2)
    wait_until(lambda: DueAction.objects.count() >= TIMERS, timeout=60, what="the missed timers to fire")
    elapsed = time.monotonic() - restarted
    time.sleep(2 * SWEEP_INTERVAL)  # further sweeps fire nothing more

    # then
    fired = DueAction.objects.select_related("due_item")
    early = [a for a in fired if a.done_at < a.scheduled_at or a.scheduled_at < a.due_item.due_at]
    per_item = fired.values("due_item").annotate(n=Count("id"))
    audit_rows = AuditEvent.objects.filter(action="due.escalated_yellow")
    figures = {
        "timers_due_in_downtime": TIMERS,
        "fired": fired.filter(due_item__in=within).count(),
        "fired_once": per_item.filter(n=1).count(),
        "fired_early": len(early) + fired.filter(due_item__in=later).count(),
        "duplicates": audit_rows.count() - audit_rows.values("subject_id").distinct().count(),
        "restart_to_all_fired_s": round(elapsed, 1),
    }
    report(record_property, row=13, name="everything_down", **figures)
    assert figures["fired"] == TIMERS and DueAction.objects.count() == TIMERS
    assert figures["fired_once"] == TIMERS
    assert figures["fired_early"] == 0
    assert figures["duplicates"] == 0
