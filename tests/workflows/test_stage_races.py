"""Races on PostgreSQL, 100 rounds each: one outcome every time (RELIABILITY §e rows 3 and 4, issue 4's races), and
across code paths (issue 10): the sweep's automatic action against a case-page service, 撤回 against the 同意 that
ends the chain; 0 deadlocks, 0 server errors."""

import random
import time

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction

from tests.concurrency import race
from tests.factories import UnitFactory
from tests.workflows.chain_slot import OUTCOMES, start, task_of
from workflows import chains, locks, stages, sweeps
from workflows.errors import ServiceError
from workflows.models import AuditEvent, StageDefinition, StageRun, StageTask, Unit, WorkItem

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]
ROUNDS = 100




def timed(function, took: list):
    """Run ``function``, keeping how long it took in ``took[0]`` (the next round's delays adapt to it)."""
    started = time.perf_counter()
    try:
        return function()
    finally:
        took[0] = time.perf_counter() - started


def test_two_or_sign_approvers_at_once_make_one_approval(people):
    winners = 0
    for _ in range(ROUNDS):
        run = start(people)
        r1, r2 = task_of(run, "r1"), task_of(run, "r2")
        results = race(lambda: stages.approve(actor=people["r1"], task=r1),
                       lambda: stages.approve(actor=people["r2"], task=r2))
        winners += sum(isinstance(r, StageTask) for r in results)
        assert sum(isinstance(r, ServiceError) for r in results) == 1
        assert run.tasks.filter(stage_order=1, status="approved").count() == 1
        assert run.tasks.filter(stage_order=2, status="open").count() == 3  # the next stage opened once
        assert AuditEvent.objects.filter(action="chain.stage_passed", subject_id=str(run.subject_id)).count() == 1
    print(f"\nor-sign rounds: {ROUNDS}, winning approvals: {winners}")
    assert winners == ROUNDS


def test_withdraw_races_the_next_approval_and_exactly_one_wins(people):
    outcomes = {"withdrawn": 0, "approved": 0}
    for _ in range(ROUNDS):
        run = start(people)
        r1 = task_of(run, "r1")
        results = race(lambda: stages.withdraw(actor=people["applicant"], run=run),
                       lambda: stages.approve(actor=people["r1"], task=r1))
        assert sum(isinstance(r, ServiceError) for r in results) == 1
        run.refresh_from_db()
        if run.status == StageRun.Status.WITHDRAWN:
            outcomes["withdrawn"] += 1
            assert not run.tasks.filter(status__in=["open", "waiting"]).exists()
            assert not AuditEvent.objects.filter(action="chain.approve", subject_id=str(run.subject_id)).exists()
        else:
            outcomes["approved"] += 1
            assert run.status == StageRun.Status.RUNNING and run.current_order == 2
            assert not AuditEvent.objects.filter(action="chain.withdrawn", subject_id=str(run.subject_id)).exists()
    print(f"\nwithdraw vs approve: {outcomes}, mismatches: 0")
    assert sum(outcomes.values()) == ROUNDS


def test_adding_a_signer_into_a_running_countersign_races_its_last_approval(people):
    added_in_time = completed_first = 0
    heads = Group.objects.get(name="t_heads")
    for _ in range(ROUNDS):
        OUTCOMES.clear()
        run = start(people)
        stages.approve(actor=people["r1"], task=task_of(run, "r1"))
        stages.approve(actor=people["h1"], task=task_of(run, "h1"))
        h2, h3 = task_of(run, "h2"), task_of(run, "h3")
        people["r2"].groups.add(heads)  # 加签 goes only to a holder of the stage's role
        results = race(lambda: stages.add_signer(actor=people["h2"], task=h2, user=people["r2"], position="parallel"),
                       lambda: stages.approve(actor=people["h3"], task=h3))
        people["r2"].groups.remove(heads)  # the next round's stage opens without them
        run.refresh_from_db()
        if isinstance(results[0], StageTask):
            added_in_time += 1
            # the added co-signer holds the stage open: the chain cannot have ended without them
            assert run.status == StageRun.Status.RUNNING
            assert run.tasks.filter(assignee=people["r2"], stage_order=2, status="open").count() == 1
        else:
            completed_first += 1
            assert isinstance(results[0], ServiceError)
        assert OUTCOMES.count("approved") == (1 if run.status == StageRun.Status.APPROVED else 0)
    print(f"\nadd-signer races: added in time {added_in_time}, refused after completion {completed_first}")
    assert added_in_time + completed_first == ROUNDS


# --- across code paths: the stage runner and the case's own services lock the case first ------------------------

LOCKING = "test-locking"


def _moved_on_the_case(run, outcome, actor):
    """Like a domain app: the case moves when its chain ends, under the case's own lock."""
    unit = locks.case_row(run.subject)
    Unit.objects.filter(pk=unit.pk).update(phone=outcome)


chains.register(chains.SlotSpec(
    code=LOCKING, name="加锁测试链",
    stages=(chains.StageSpec(key="only", name="审核", role="t_reviewers", mode="any",
                             auto_action=StageDefinition.AutoAction.RETURN),),
    resolve_assignees=lambda unit, stage: list(stage.role.user_set.filter(is_active=True).order_by("username")),
    on_finish=_moved_on_the_case,
    describe=lambda unit: (f"加锁测试 {unit.name}", f"/units/{unit.pk}/"),
))


@transaction.atomic
def stop_case(*, actor, unit, run):
    """A case-page service: lock the case, change it, then end its chain (case → run, the one order)."""
    locks.case_row(unit)
    Unit.objects.filter(pk=unit.pk).update(name=f"{unit.name}（已终止）")
    return stages.cancel(actor=actor, run=run, comment="案件终止")


def start_locking(people) -> StageRun:
    return stages.start_chain(slot_code=LOCKING, subject=UnitFactory(), actor=people["applicant"])


def _no_server_error(results):
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, ServiceError)]
    assert unexpected == [], f"deadlock or server error: {unexpected!r}"


def test_the_sweeps_automatic_action_races_a_case_page_action_on_the_same_case(people, travel):
    outcomes = {StageRun.Status.RETURNED: 0, StageRun.Status.CANCELED: 0}
    sweep_took = [0.05]
    for _ in range(ROUNDS):
        travel(2026, 6, 1, 10)
        run = start_locking(people)
        unit = run.subject
        travel(2026, 6, 15, 9)  # 红 has come: the automatic 退回 is due
        # the case page acts up to twice as long after the sweep starts as the last sweep took: both orders happen
        delay = random.uniform(0, 2 * sweep_took[0])
        results = race(lambda: timed(sweeps.sweep, sweep_took),
                       lambda d=delay, u=unit, r=run: time.sleep(d) or stop_case(actor=people["admin"], unit=u, run=r))
        _no_server_error(results)
        run.refresh_from_db()
        unit.refresh_from_db()
        outcomes[run.status] += 1
        # exactly one outcome, and the case moved with it
        assert unit.phone == run.status
        ended = AuditEvent.objects.filter(subject_id=str(unit.pk), action__in=["chain.returned", "chain.canceled"])
        assert [e.action for e in ended] == [f"chain.{run.status}"]
        assert not run.tasks.filter(status__in=["open", "waiting"]).exists()
        assert not WorkItem.objects.filter(case_id=str(unit.pk), state=WorkItem.State.OPEN).exists()
        if run.status == StageRun.Status.CANCELED:
            assert isinstance(results[1], StageRun) and "已终止" in unit.name
        else:
            assert isinstance(results[1], ServiceError) and "已终止" not in unit.name
    print(f"\nsweep auto-return vs case-page stop: {outcomes}, deadlocks: 0, server errors: 0")
    assert sum(outcomes.values()) == ROUNDS and min(outcomes.values()) > 0, "the race never went both ways"


def test_withdraw_races_the_approval_that_ends_the_chain_on_the_case(people):
    outcomes = {StageRun.Status.WITHDRAWN: 0, StageRun.Status.APPROVED: 0}
    for _ in range(ROUNDS):
        run = start_locking(people)
        r1 = task_of(run, "r1")
        results = race(lambda r=run: stages.withdraw(actor=people["applicant"], run=r),
                       lambda t=r1: stages.approve(actor=people["r1"], task=t))
        _no_server_error(results)
        assert sum(isinstance(r, ServiceError) for r in results) == 1
        run.refresh_from_db()
        outcomes[run.status] += 1
        assert run.subject.__class__.objects.get(pk=run.subject_id).phone == run.status
        assert AuditEvent.objects.filter(subject_id=str(run.subject_id), action__in=[
            "chain.withdrawn", "chain.approved"]).count() == 1
        assert not WorkItem.objects.filter(case_id=str(run.subject_id), state=WorkItem.State.OPEN).exists()
    print(f"\nwithdraw vs approve (chain ends on the case): {outcomes}, deadlocks: 0, server errors: 0")
    assert sum(outcomes.values()) == ROUNDS
