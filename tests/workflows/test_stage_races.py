"""Races on PostgreSQL, 100 rounds each: one outcome every time (RELIABILITY §e rows 3 and 4, issue 4's races)."""

import threading

import pytest
from django.db import connection, connections

from tests.workflows.chain_slot import OUTCOMES, start, task_of
from workflows import stages
from workflows.errors import ServiceError
from workflows.models import AuditEvent, StageRun, StageTask

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]
ROUNDS = 100


def race(*functions):
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:  # noqa: BLE001 - the loser's refusal is part of the outcome
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


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
    for _ in range(ROUNDS):
        OUTCOMES.clear()
        run = start(people)
        stages.approve(actor=people["r1"], task=task_of(run, "r1"))
        stages.approve(actor=people["h1"], task=task_of(run, "h1"))
        h2, h3 = task_of(run, "h2"), task_of(run, "h3")
        results = race(lambda: stages.add_signer(actor=people["h2"], task=h2, user=people["r2"], position="parallel"),
                       lambda: stages.approve(actor=people["h3"], task=h3))
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
