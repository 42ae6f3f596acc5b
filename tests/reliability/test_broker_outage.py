"""RELIABILITY row 8: the private Redis is down for a minute (hung, or crashed and restarted from its AOF) while
20 people act in the web and 500 deadlines fall due. Nothing fails, nothing is lost, nothing is sent twice.
"""

import http.client
import os
import secrets
import threading
import time
from collections import Counter
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections
from django.db.models import F
from django.utils import timezone

from notifications.models import Delivery, Notification
from proposals.models import Assignment
from workflows.models import AuditEvent, DueAction, DueItem

from . import data, messages
from .conftest import RELAY_AFTER, RELAY_INTERVAL, SWEEP_INTERVAL
from .harness import free_port, message_ids, report, wait_until

pytestmark = pytest.mark.reliability

OUTAGE = float(os.environ.get("RELIABILITY_OUTAGE_SECONDS", 60))
CLIENTS, ACTIONS_PER_CLIENT = 20, 10
REMINDERS = 500


def session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "workflows.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


class Client(threading.Thread):
    """A unit handler asking 督查室 to adjust each of its assignments, one every few seconds, through the web."""

    def __init__(self, *, port: int, user, assignment_ids: list[int], spacing: float, start_at: float):
        super().__init__(daemon=True)
        self.port, self.ids, self.spacing, self.start_at = port, assignment_ids, spacing, start_at
        csrf = secrets.token_hex(16)
        self.headers = {
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session_cookie(user)}; {settings.CSRF_COOKIE_NAME}={csrf}",
            "X-CSRFToken": csrf,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        self.results: list[tuple[int, int, float]] = []  # (assignment id, status, seconds)

    def run(self):
        for i, assignment_id in enumerate(self.ids):
            time.sleep(max(0.0, self.start_at + i * self.spacing - time.monotonic()))
            started = time.monotonic()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=90)
                conn.request("POST", f"/proposals/assignments/{assignment_id}/adjust/",
                             body=urlencode({"reason": "不属于本单位职责，申请调整。"}), headers=self.headers)
                status = conn.getresponse().status
                conn.close()
            except OSError:
                status = 599  # no answer at all counts as a server error
            self.results.append((assignment_id, status, time.monotonic() - started))


def move_due(batches: list[list[int]], *, every: float, start_at: float, moved: dict) -> None:
    """Let the deadlines fall due during the outage, a batch at a time (moving ``due_at`` to now)."""
    try:
        for i, batch in enumerate(batches):
            time.sleep(max(0.0, start_at + i * every - time.monotonic()))
            now = timezone.now()
            DueItem.objects.filter(pk__in=batch).update(due_at=now, due_version=F("due_version") + 1)
            moved.update(dict.fromkeys(batch, now))
    finally:
        connections.close_all()


@pytest.mark.parametrize("fault", ["hang", "crash"])
def test_a_broker_outage_fails_no_request_and_loses_or_doubles_nothing(services, redis, mail_dir, record_property,
                                                                       fault):
    # given 20 unit handlers with 10 assignments each, 500 deadlines not yet due, web, worker and beat
    office = data.supervision_office(email=True)
    client_units = data.units_with_handlers(CLIENTS, email=False, prefix="client")
    parts = data.assignments(units=client_units, count=CLIENTS * ACTIONS_PER_CLIENT,
                             state=Assignment.State.PENDING_RECEIPT)
    holder_units = data.units_with_handlers(10, email=True, prefix="holder")
    items = data.due_items(parts=data.assignments(units=holder_units, count=REMINDERS),
                           due_at=timezone.now() + timedelta(days=60))
    port = free_port()
    services.web(port=port)
    services.beat()
    services.worker(concurrency=2)
    wait_until(lambda: not DueItem.objects.exclude(planned_version=F("due_version")).exists(), timeout=60,
               what="the deadlines to be planned")

    # when
    start = time.monotonic() + 1
    outage_from, outage_to = start + 3, start + 3 + OUTAGE
    clients = [
        Client(port=port, user=unit.memberships.get().user, spacing=(OUTAGE + 10) / ACTIONS_PER_CLIENT,
               assignment_ids=[p.pk for p in parts if p.unit_id == unit.pk], start_at=start + i * 0.3)
        for i, unit in enumerate(client_units)
    ]
    for client in clients:
        client.start()
    ids = [item.pk for item in items]
    moved: dict[int, object] = {}
    mover = threading.Thread(target=move_due, daemon=True, kwargs={
        "batches": [ids[i:i + 50] for i in range(0, REMINDERS, 50)], "every": (OUTAGE - 10) / 10,
        "start_at": outage_from + 2, "moved": moved})
    mover.start()
    time.sleep(max(0.0, outage_from - time.monotonic()))
    if fault == "hang":
        redis.pause()
    else:
        redis.crash()
    time.sleep(max(0.0, outage_to - time.monotonic()))
    if fault == "hang":
        redis.resume()
    else:
        redis.start()  # the same directory: it reloads its append-only file
    recovered = timezone.now()
    for thread in [*clients, mover]:
        thread.join(timeout=OUTAGE + 120)
    wait_until(lambda: Delivery.objects.exclude(status=Delivery.Status.SENT).count() == 0
               and DueAction.objects.count() == REMINDERS, timeout=120, what="every delivery to be sent")

    # then
    results = [result for client in clients for result in client.results]
    statuses = Counter(status for _id, status, _seconds in results)
    accepted = {assignment_id for assignment_id, status, _seconds in results if status == 302}
    disputed = set(Assignment.objects.filter(state=Assignment.State.DISPUTED).values_list("pk", flat=True))
    # each request's message to 督查室 is keyed by its audit event: event-<id>-adjustment
    requests_to_office = Notification.objects.filter(recipient=office, key__startswith="event-",
                                                      key__endswith="-adjustment").count()
    escalations = AuditEvent.objects.filter(action="due.escalated_yellow")
    # each item's timeline row names the message that told its holder (one per person and sweep batch)
    sent = messages.sent_at_by_item(channel="email")
    lateness = []
    for item_id, sent_at in sent.items():
        lateness.append((sent_at - max(moved[item_id], recovered)).total_seconds())
    mail = Counter(message_ids(mail_dir))
    figures = {
        "outage_s": OUTAGE,
        "requests": len(results),
        "web_5xx": sum(count for status, count in statuses.items() if status >= 500),
        "slowest_request_s": round(max(seconds for *_rest, seconds in results), 1),
        "committed_actions_lost": len(accepted - disputed) + (len(accepted) - requests_to_office),
        "reminders_due": len(moved),
        "reminders_lost": REMINDERS - len(sent),
        "duplicated": (escalations.count() - escalations.values("subject_id").distinct().count())
        + sum(count - 1 for count in mail.values()),
        "max_lateness_after_recovery_s": round(max(lateness), 1),
        "sweep_interval_s": SWEEP_INTERVAL, "relay_interval_s": RELAY_INTERVAL, "relay_after_s": RELAY_AFTER,
    }
    report(record_property, row=8, name=f"broker_outage[{fault}]", **figures)
    assert statuses.keys() == {302}
    assert len(accepted) == CLIENTS * ACTIONS_PER_CLIENT
    assert figures["web_5xx"] == 0
    assert figures["committed_actions_lost"] == 0
    assert len(moved) == REMINDERS and figures["reminders_lost"] == 0
    assert figures["duplicated"] == 0
    assert len(mail) == Delivery.objects.filter(channel="email").count()
    assert figures["max_lateness_after_recovery_s"] <= 90
