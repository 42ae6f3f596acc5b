"""The due-item sweep: each step once per due-date version, crash recovery from the database, automatic actions."""

import datetime
import re
import threading

import pytest
import time_machine
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Delivery, Notification
from proposals.models import ProposalStatus
from tests.clock import at
from tests.concurrency import race
from tests.personas import assigned, submitted
from tests.reliability import data
from workflows import due, reminders, sweeps
from workflows.calendar import CHINA
from workflows.models import AuditEvent, DueAction, DueItem

Level, Kind = DueItem.Level, DueAction.Kind


@pytest.fixture
def receipt(world, travel):
    """An assignment of the education bureau, assigned on Monday 2026-06-01: 签收 due Monday 2026-06-08."""
    travel(2026, 6, 1, 10)
    proposal = assigned(world, mode="sole")
    item = DueItem.objects.get(subject_id=str(proposal.assignments.get().pk), purpose="receipt")
    assert timezone.localtime(item.due_at, CHINA).date() == datetime.date(2026, 6, 8)
    return item


def fired(item):
    return sorted(DueAction.objects.filter(due_item=item).values_list("due_version", "kind", "level", "offset_days"))


@pytest.mark.django_db
def test_a_new_item_is_planned_with_its_unit_and_next_step_and_tells_nobody_yet(receipt, world):
    sweeps.sweep()

    receipt.refresh_from_db()
    assert (receipt.level, receipt.unit, receipt.planned_version) == ("", world.education, 1)
    assert receipt.next_action_at == at(2026, 6, 4)  # 2 working days before Monday the 8th
    assert fired(receipt) == []


@pytest.mark.django_db
def test_each_level_fires_once_to_its_people_and_lands_on_the_timeline(receipt, world, travel):
    # when the sweep runs on every day of the fortnight, several times a day
    for day in range(4, 16):
        for hour in (0, 9, 17):
            travel(2026, 6, day, hour, 1)
            sweeps.sweep()

    # then
    assert fired(receipt) == [
        (1, Kind.ESCALATION, Level.RED, 0),
        (1, Kind.ESCALATION, Level.YELLOW, 0),
        (1, Kind.REMINDER, Level.BLUE, 0),
        (1, Kind.REMINDER, Level.BLUE, 2),
    ]
    titles = sorted(Notification.objects.filter(key__startswith=f"due-{receipt.pk}-").values_list(
        "recipient__username", "title"))
    assert [(user, title[:6]) for user, title in titles] == [
        ("office1", "【红色督办】"),
        ("unit1", "【到期提醒】"), ("unit1", "【到期提醒】"), ("unit1", "【黄色督办】"),
        ("unitlead1", "【黄色督办】"),
    ]
    actions = list(AuditEvent.objects.filter(action__startswith="due.").order_by("at").values_list("action", "at"))
    assert [action for action, _at in actions] == ["due.reminded", "due.reminded", "due.escalated_yellow",
                                                   "due.escalated_red"]
    # none early: 2 working days before, on the day, the working day after, three more working days later
    assert [timezone.localtime(when, CHINA).date().day for _action, when in actions] == [4, 8, 9, 12]
    receipt.refresh_from_db()
    assert (receipt.level, receipt.next_action_at) == (Level.RED, None)


@pytest.mark.django_db
def test_an_extension_starts_a_new_version_reminded_for_the_new_date_and_silent_for_the_old(receipt, travel):
    travel(2026, 6, 9, 9)
    sweeps.sweep()
    assert fired(receipt)[-1][:3] == (1, Kind.ESCALATION, Level.YELLOW)

    # 延期 to Friday the 12th
    due.move_due_item(subject=receipt.subject, purpose="receipt", due_at=at(2026, 6, 12, 23, 59, 59))
    sweeps.sweep()
    receipt.refresh_from_db()
    assert receipt.level == Level.NONE  # the colour follows the new date, three working days away

    for day in (10, 11, 12):
        travel(2026, 6, day, 9)
        sweeps.sweep()
        sweeps.sweep()

    assert [row for row in fired(receipt) if row[0] == 2] == [(2, Kind.REMINDER, Level.BLUE, 0),
                                                              (2, Kind.REMINDER, Level.BLUE, 2)]
    assert [row for row in fired(receipt) if row[0] == 1] == [(1, Kind.ESCALATION, Level.YELLOW, 0)]  # no more


@pytest.mark.django_db
def test_an_expired_co_signing_is_closed_by_the_sweep_without_overdue_notices(world, travel):
    travel(2026, 6, 1, 10)
    proposal = submitted(world, kind="joint", cosigners=[world.member2])
    item = DueItem.objects.get(subject_id=str(proposal.pk), purpose="cosign")

    travel(2026, 6, 9, 0, 1)  # the day after the co-signing deadline
    sweeps.sweep()

    proposal.refresh_from_db()
    item.refresh_from_db()
    assert proposal.status != ProposalStatus.COSIGNING
    assert item.state == DueItem.State.DONE
    assert fired(item) == [(1, Kind.ACTION, Level.YELLOW, 0)]
    assert AuditEvent.objects.filter(action="due.auto_action", subject_id=str(proposal.pk)).count() == 1
    assert not Notification.objects.filter(key__startswith=f"due-{item.pk}-", title__contains="督办").exists()


class Crash(BaseException):
    """A worker killed mid-batch: not an error the sweep may catch."""


@pytest.mark.django_db
def test_a_crash_mid_batch_loses_the_open_transaction_only_and_the_next_sweep_fires_each_once(
    world, travel, monkeypatch
):
    travel(2026, 6, 1, 10)
    for unit in (world.education, world.transport, world.health):
        assigned(world, mode="sole", lead=[unit], title=f"关于{unit.name}工作的建议")
    travel(2026, 6, 9, 9)
    real_notify_many = sweeps.notify_many

    def dying_notify_many(messages, **kwargs):
        real_notify_many(messages, **kwargs)
        assert Notification.objects.filter(key__startswith="due-").exists()  # inserted, not yet committed
        raise Crash

    monkeypatch.setattr(sweeps, "notify_many", dying_notify_many)
    with pytest.raises(Crash):
        sweeps.sweep()
    assert not DueAction.objects.exists()
    assert not Notification.objects.filter(key__startswith="due-").exists()

    monkeypatch.setattr(sweeps, "notify_many", real_notify_many)
    sweeps.sweep()
    sweeps.sweep()

    assert DueAction.objects.filter(kind=Kind.ESCALATION, level=Level.YELLOW).count() == 3
    assert AuditEvent.objects.filter(action="due.escalated_yellow").count() == 3


@pytest.mark.django_db
def test_a_broken_subject_does_not_hold_up_the_batch_and_is_retried_later(world, travel, monkeypatch):
    travel(2026, 6, 1, 10)
    broken = assigned(world, mode="sole", lead=[world.education], title="关于甲的建议").assignments.get()
    assigned(world, mode="sole", lead=[world.transport], title="关于乙的建议")
    travel(2026, 6, 9, 9)
    real_resolve = sweeps.subjects.resolve

    def resolve(item):
        if item.subject_id == str(broken.pk):
            raise RuntimeError("resolver bug")
        return real_resolve(item)

    monkeypatch.setattr(sweeps.subjects, "resolve", resolve)
    result = sweeps.sweep()

    # every open deadline of the broken subject (its receipt and its reply) fails; the other unit's receipt fires
    broken_items = DueItem.objects.filter(subject_id=str(broken.pk), state=DueItem.State.OPEN).count()
    assert (result.errors, result.total_fired) == (broken_items, 1)
    assert broken_items == 2
    item = DueItem.objects.get(subject_id=str(broken.pk), purpose="receipt")
    assert item.next_action_at == timezone.now() + sweeps.RETRY_AFTER
    assert sweeps.sweep().total_fired == 0  # not retried on every sweep

    monkeypatch.setattr(sweeps.subjects, "resolve", real_resolve)
    travel(2026, 6, 9, 9, 6)
    assert sweeps.sweep().total_fired == 1


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="counted on PostgreSQL; SQLite seals each audit row in its own statements")
@pytest.mark.django_db
def test_sweep_queries_grow_with_the_items_not_with_their_history(receipt, travel, django_assert_max_num_queries):
    travel(2026, 6, 9, 9)
    with django_assert_max_num_queries(BATCH_QUERIES):
        sweeps.sweep()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweepers_split_the_items_and_fire_each_once(world):
    with time_machine.travel(at(2026, 6, 1, 10), tick=False):
        for i in range(12):
            assigned(world, mode="sole", lead=[(world.education, world.transport, world.health)[i % 3]],
                     title=f"关于第{i}项工作的建议")
    barrier = threading.Barrier(2, timeout=120)
    fired = []

    def sweeper():
        # A sweep stops at a short batch (the other sweeper holds the rest) and the next beat goes on: each thread
        # sweeps like successive beats until it finds nothing to claim.
        try:
            barrier.wait()
            while (result := sweeps.sweep(batch_size=3)).items:
                fired.append(result.total_fired)
        finally:
            connections.close_all()

    # One clock for both threads (time-machine patches the process, not a thread).
    with time_machine.travel(at(2026, 6, 9, 9), tick=False):
        threads = [threading.Thread(target=sweeper, daemon=True) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a sweeper is still running: a deadlock"

    assert sum(fired) == 12
    assert DueAction.objects.count() == 12
    assert AuditEvent.objects.filter(action="due.escalated_yellow").count() == 12


@pytest.mark.django_db
def test_the_celery_task_sweeps(receipt, travel):
    from workflows import tasks

    travel(2026, 6, 9, 9)

    assert tasks.sweep_due_items.delay().get() == 1
    assert reminders.level_at(reminders.schedule(due_at=receipt.due_at, policy=reminders.policy_for(receipt)),
                              timezone.now()) == Level.YELLOW


# --- batches: one message per person, a fixed number of statements per batch ---------------------------------------

# The statements of one sweep that fires one batch of escalations, whatever its size: the security alert check (1);
# in the batch's savepoint (2): the claim, the subjects (one query per subject type) and the done steps (3); in a
# savepoint (2): the unit memberships and 督查室 (2); the new notifications (one INSERT … ON CONFLICT DO
# NOTHING, which on PostgreSQL returns the recipients' preferences too) and the deliveries (2); the group robots (1);
# the timeline rows, the markers and the items (3); then the next claim finding nothing (1, in a savepoint: 2). The
# savepoints are the sweep's transactions inside the test's.
BATCH_QUERIES = 19


def overdue(count: int, *, units: int = 1, email: bool = True, prefix: str = "unit"):
    """``count`` 办理答复 deadlines overdue since a minute, of assignments to ``units`` units with one handler each."""
    holders = data.units_with_handlers(units, email=email, prefix=prefix)
    items = data.due_items(parts=data.assignments(units=holders, count=count),
                           due_at=timezone.now() - datetime.timedelta(minutes=1))
    return [unit.memberships.get().user for unit in holders], items


def listed(notification) -> int:
    return len(re.findall(r"^\d+\. 【黄色督办】", notification.body, flags=re.MULTILINE))


@pytest.mark.django_db
def test_a_person_with_40_items_due_at_once_gets_one_message_listing_them_and_40_timeline_rows():
    (handler,), items = overdue(40)

    result = sweeps.sweep(batch_size=100)

    message = Notification.objects.get(recipient=handler)
    assert message.key.startswith("due-batch-")
    assert message.title == "【督办汇总】40 件事项已逾期"
    assert listed(message) == 40
    assert all(f"关于第{i}项民生工作的建议" in message.body for i in range(40))
    assert list(message.deliveries.values_list("channel", flat=True)) == ["email"]
    # each item: its own row on its own case's timeline, naming the message, and its own marker
    rows = AuditEvent.objects.filter(action="due.escalated_yellow")
    assert rows.count() == 40
    assert rows.values("subject_id").distinct().count() == 40
    assert {row.changes["due_item"] for row in rows} == {item.pk for item in items}
    assert all(row.changes["messages"] == [message.key] for row in rows)
    assert sorted(DueAction.objects.values_list("due_item", flat=True)) == sorted(item.pk for item in items)
    assert (result.total_fired, result.messages) == (40, 1)

    # a rerun of the same sweep sends nothing
    again = sweeps.sweep(batch_size=100)
    assert (again.total_fired, again.messages) == (0, 0)
    assert Notification.objects.count() == 1
    assert AuditEvent.objects.filter(action="due.escalated_yellow").count() == 40
    assert DueAction.objects.count() == 40


@pytest.mark.django_db
def test_one_item_keeps_its_own_message_and_key():
    (handler,), (item,) = overdue(1)

    sweeps.sweep()

    message = Notification.objects.get(recipient=handler)
    assert message.key == f"due-{item.pk}-v1-escalation-yellow-0"
    assert message.title.startswith("【黄色督办】办理答复已逾期：")


@pytest.mark.django_db
def test_a_crash_between_the_message_insert_and_the_commit_leaves_nothing_and_the_rerun_sends_exactly_one(
    monkeypatch
):
    (handler,), _items = overdue(40)
    real_notify_many = sweeps.notify_many

    def dying_notify_many(messages, **kwargs):
        created = real_notify_many(messages, **kwargs)
        assert len(created) == 1 and Delivery.objects.count() == 1
        raise Crash

    monkeypatch.setattr(sweeps, "notify_many", dying_notify_many)
    with pytest.raises(Crash):
        sweeps.sweep(batch_size=100)
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()
    assert not DueAction.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="due.").exists()

    monkeypatch.setattr(sweeps, "notify_many", real_notify_many)
    sweeps.sweep(batch_size=100)
    sweeps.sweep(batch_size=100)

    assert listed(Notification.objects.get(recipient=handler)) == 40
    assert Delivery.objects.count() == 1
    assert DueAction.objects.count() == 40
    assert AuditEvent.objects.filter(action="due.escalated_yellow").count() == 40


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_tell_each_person_of_each_item_once():
    (handler,), items = overdue(40)

    results = race(lambda: sweeps.sweep(batch_size=100), lambda: sweeps.sweep(batch_size=100))

    assert not [result for result in results if isinstance(result, BaseException)]
    assert sum(result.total_fired for result in results) == 40
    # Claims skip rows the other sweeper has locked; they may interleave (12 and 28 were seen), so each
    # sweeper that fired sends one message for its own items: every item exactly once overall.
    messages = Notification.objects.filter(recipient=handler)
    assert messages.count() == sum(1 for result in results if result.total_fired)
    assert sum(listed(message) if message.key.startswith("due-batch-") else 1 for message in messages) == 40
    assert DueAction.objects.count() == 40
    assert AuditEvent.objects.filter(action="due.escalated_yellow").count() == 40


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="counted on PostgreSQL; SQLite seals each audit row in its own statements")
@pytest.mark.django_db
def test_a_batch_costs_the_same_statements_whatever_its_size():
    overdue(1, prefix="warm-up")
    sweeps.sweep()  # content types and the calendar are read once per process, not per batch
    DueItem.objects.update(state=DueItem.State.DONE)
    counts = {}
    for size in (10, 100):
        overdue(size, units=5, prefix=f"size{size}")
        with CaptureQueriesContext(connection) as queries:
            result = sweeps.sweep(batch_size=size)
        assert (result.items, result.total_fired) == (size, size)
        assert result.messages == 5  # one per handler
        counts[size] = len(queries)
        DueItem.objects.update(state=DueItem.State.DONE)
    assert counts == {10: BATCH_QUERIES, 100: BATCH_QUERIES}
