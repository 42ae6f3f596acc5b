"""Cross-path races on PostgreSQL, 100 rounds each: 统战部 submitting its motion opinion (the UFWD motion chain's
stage action) while 组织部 recalls the motion. Both lock the case first (``workflows.locks``), so they queue on the
case row: 0 deadlocks, 0 server errors, exactly one outcome per round."""

import pytest
from django.db import connection
from django.db.utils import OperationalError

from nomination import chains, process
from nomination.models import CaseStatus, UfwdOpinion
from tests.concurrency import race
from workflows import stages
from workflows.errors import ServiceError
from workflows.models import AuditEvent

from . import cases
from .cases import reload

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

ROUNDS = 100


def _count(case, action):
    return AuditEvent.objects.filter(subject_id=str(case.pk), subject_type__model="nominationcase",
                                     action=action).count()


def _check_round(case, results, recalls_before, round_number):
    errors = [r for r in results if isinstance(r, Exception)]
    assert not [e for e in errors if isinstance(e, OperationalError)], (round_number, errors)  # no deadlock
    # the loser is told "someone acted first" (stale state) or "already acted": a ServiceError, never a 500
    assert all(isinstance(e, ServiceError) for e in errors), (round_number, errors)
    assert len(errors) == 1, (round_number, results)
    case = reload(case)
    recalled = _count(case, "case.motion_recalled") - recalls_before
    acted = case.ufwd_opinions.filter(gate="motion").exists() and case.status == CaseStatus.UFWD_OPINION_ON_MOTION
    assert recalled + acted == 1, round_number  # exactly one outcome
    if recalled:
        assert case.status == CaseStatus.DRAFT and stages.running_chain(case, chains.UFWD_MOTION) is None
    else:
        run = stages.running_chain(case, chains.UFWD_MOTION)
        assert run.tasks.filter(status="open", stage__key="uf-sign").exists()  # the draft went on to signing
    return case


def _race(w, make_actions):
    case = cases.drafted(w)
    for round_number in range(ROUNDS):
        case = process.motion_submit(actor=w.org1, case=reload(case))
        recalls_before = _count(case, "case.motion_recalled")
        results = race(*make_actions(case))
        case = _check_round(case, results, recalls_before, round_number)
        if case.status == CaseStatus.DRAFT:
            case.ufwd_opinions.all().delete()
        else:  # the opinion won: the next round starts from a fresh draft
            case = cases.drafted(w)


def test_the_ufwd_opinion_and_the_motion_recall_at_once_have_exactly_one_outcome(cadres):
    w = cadres
    _race(w, lambda case: [
        lambda: process.ufwd_opinion_submit(actor=w.uf1, case=case, gate=UfwdOpinion.Gate.MOTION, stance="agree",
                                            text="同意。"),
        lambda: process.motion_recall(actor=w.org1, case=case, comment="补充材料"),
    ])


def test_the_chain_stage_action_and_the_motion_recall_at_once_have_exactly_one_outcome(cadres):
    """The same race through the stage runner's own 同意 (the chain panel's task action) on a written draft."""
    w = cadres

    def actions(case):
        UfwdOpinion.objects.update_or_create(case=case, gate="motion", defaults={
            "stance": "agree", "text": "同意。", "drafted_by": w.uf1})
        task = cases.task(w.uf1, case, chains.UFWD_MOTION)
        return [lambda: stages.approve(actor=w.uf1, task=task, comment="同意"),
                lambda: process.motion_recall(actor=w.org1, case=case)]

    _race(w, actions)
