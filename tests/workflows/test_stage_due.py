"""Stage tasks are swept like every deadline: 蓝/黄/红 from their stage definition, and its automatic action.

Includes issue 4's last race: the automatic action firing as the holder completes the task (one outcome each time,
100 rounds on PostgreSQL).
"""

import datetime
import random
import time

import pytest
from django.db import connection
from django.utils import timezone

from notifications.models import Notification
from tests.factories import UnitMembershipFactory, UserFactory
from tests.workflows.chain_slot import OUTCOMES, SLOT, start, task_of
from tests.workflows.test_stage_races import race, timed
from workflows import stages, sweeps
from workflows.calendar import CHINA
from workflows.errors import StaleStateError
from workflows.models import AuditEvent, DueAction, DueItem, StageDefinition, StageRun, StageTask, UnitMembership

Level, Kind, AutoAction = DueItem.Level, DueAction.Kind, StageDefinition.AutoAction


def first_stage(auto_action: str, **fields) -> None:
    """Set the published test chain's first stage (初审) as an admin would have published it."""
    StageDefinition.objects.filter(version__slot__code=SLOT, version__status="published", key="first").update(
        auto_action=auto_action, **fields)


@pytest.fixture
def lone_reviewer(people):
    """Only r1 reviews; r1 works in a bureau whose 分管领导 is ``lead``."""
    people["r2"].is_active = False
    people["r2"].save(update_fields=["is_active"])
    membership = UnitMembershipFactory(user=people["r1"])
    people["lead"] = UserFactory(username="lead")
    UnitMembershipFactory(unit=membership.unit, user=people["lead"], role=UnitMembership.Role.LEADER)
    return people


def item_of(task: StageTask) -> DueItem:
    return DueItem.objects.get(subject_id=str(task.pk), purpose=stages.TASK_DUE)


def told(item: DueItem) -> list[tuple[str, str]]:
    return sorted((user, title[:6]) for user, title in Notification.objects.filter(
        key__startswith=f"due-{item.pk}-").values_list("recipient__username", "title"))


@pytest.mark.django_db
def test_a_late_stage_task_is_reminded_and_escalated_by_its_stage_settings(lone_reviewer, travel):
    # given a stage reminding 3 working days before and on the day, 黄 at once, 红 2 working days later
    first_stage(AutoAction.ESCALATE, reminder_offsets="3,0", yellow_after_days=0, red_after_days=2)
    travel(2026, 6, 1, 10)  # Monday; the stage's 5 working days end on Monday the 8th
    run = start(lone_reviewer)
    item = item_of(task_of(run, "r1"))
    assert timezone.localtime(item.due_at, CHINA).date() == datetime.date(2026, 6, 8)

    # when the sweep runs through the fortnight
    for day in range(2, 13):
        for hour in (0, 9, 23):
            travel(2026, 6, day, hour, 59)
            sweeps.sweep()

    # then each step fired once, to the holder, the unit's leader, then the slot's supervisor
    assert sorted(DueAction.objects.filter(due_item=item).values_list("kind", "level", "offset_days")) == [
        (Kind.ESCALATION, Level.RED, 0), (Kind.ESCALATION, Level.YELLOW, 0),
        (Kind.REMINDER, Level.BLUE, 0), (Kind.REMINDER, Level.BLUE, 3),
    ]
    assert told(item) == [("boss", "【红色督办】"), ("lead", "【黄色督办】"),
                          ("r1", "【到期提醒】"), ("r1", "【到期提醒】"), ("r1", "【黄色督办】")]
    on_case = AuditEvent.objects.filter(subject_id=str(run.subject_id), action__startswith="due.")
    assert [timezone.localtime(e.at, CHINA).date().day for e in on_case.order_by("at")] == [3, 8, 9, 10]
    item.refresh_from_db()
    assert item.level == Level.RED and item.unit_id is not None


@pytest.mark.django_db
def test_a_seriously_overdue_task_with_auto_return_goes_back_to_the_applicant_on_the_timeline(lone_reviewer, travel):
    first_stage(AutoAction.RETURN)
    travel(2026, 6, 1, 10)
    run = start(lone_reviewer)
    task = task_of(run, "r1")

    travel(2026, 6, 15, 9)  # red (4 working days after Monday the 8th) has come
    sweeps.sweep()
    sweeps.sweep()

    run.refresh_from_db()
    task.refresh_from_db()
    assert (run.status, task.status, OUTCOMES) == (StageRun.Status.RETURNED, StageTask.Status.RETURNED, ["returned"])
    assert DueAction.objects.filter(due_item=item_of(task), kind=Kind.ACTION).count() == 1
    actions = list(AuditEvent.objects.filter(subject_id=str(run.subject_id)).values_list("action", "comment"))
    assert ("chain.auto_return", "逾期未办理，系统自动处理") in actions
    assert ("due.auto_action", "初审：已自动退回申请人") in actions


@pytest.mark.django_db
def test_auto_approval_never_passes_a_stage_fixed_by_regulation(people, travel):
    # a definition row forced to auto-approve the fixed 法定审核 stage (validation refuses to publish it)
    StageDefinition.objects.filter(version__slot__code=SLOT, key="legal").update(auto_action=AutoAction.APPROVE)
    travel(2026, 6, 1, 10)
    run = start(people)
    stages.approve(actor=people["r1"], task=task_of(run, "r1"))
    legal = task_of(run, "h1")

    travel(2026, 7, 1, 9)
    sweeps.sweep()

    legal.refresh_from_db()
    assert legal.status == StageTask.Status.OPEN
    # not even offered: no automatic action recorded or shown on the timeline, only the escalations
    assert not DueAction.objects.filter(due_item=item_of(legal), kind=Kind.ACTION).exists()
    assert not AuditEvent.objects.filter(action__in=["chain.auto_approve", "due.auto_action"]).exists()
    assert AuditEvent.objects.filter(action="due.escalated_red").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_the_automatic_action_racing_the_holders_approval_has_one_outcome(lone_reviewer, travel):
    rounds, outcomes = 100, {"approved": 0, "auto-returned": 0}
    first_stage(AutoAction.RETURN)
    sweep_took = [0.05]
    for _ in range(rounds):
        travel(2026, 6, 1, 10)
        run = start(lone_reviewer)
        task = task_of(run, "r1")
        travel(2026, 6, 15, 9)
        # the holder clicks a moment after the sweep starts, up to twice as long as the last sweep took (the sweep
        # plans its batch before it acts, slower on a busy machine), so both orders happen
        delay = random.uniform(0, 2 * sweep_took[0])
        results = race(lambda d=delay, t=task: time.sleep(d) or stages.approve(actor=lone_reviewer["r1"], task=t),
                       lambda: timed(sweeps.sweep, sweep_took))

        run.refresh_from_db()
        task.refresh_from_db()
        auto = DueAction.objects.filter(due_item=item_of(task), kind=Kind.ACTION).count()
        if isinstance(results[0], StaleStateError):
            outcomes["auto-returned"] += 1
            assert (run.status, task.status, auto) == (StageRun.Status.RETURNED, StageTask.Status.RETURNED, 1)
        else:
            outcomes["approved"] += 1
            assert isinstance(results[0], StageTask)
            assert (task.status, auto) == (StageTask.Status.APPROVED, 0)
            assert run.status == StageRun.Status.RUNNING and run.current_order == 2
        assert not isinstance(results[1], Exception)
        events = AuditEvent.objects.filter(subject_id=str(run.subject_id), action__in=[
            "chain.approve", "chain.auto_return"])
        assert events.count() == 1
    print(f"\nauto-return vs approve: {outcomes}, double outcomes: 0")
    assert sum(outcomes.values()) == rounds and min(outcomes.values()) > 0, "the race never went both ways"
