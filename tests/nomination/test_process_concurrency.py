"""Races on PostgreSQL: both department heads co-signing the package at once pass it exactly once."""

import pytest
from django.db import connection

from nomination import chains
from nomination.models import CaseStatus
from tests.concurrency import race
from workflows import stages
from workflows.errors import StaleStateError
from workflows.models import AuditEvent, WorkItem

from . import cases
from .cases import reload

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

ROUNDS = 10


def at_cosign(w):
    case = cases.at_signoff(w)
    from nomination import process

    process.package_submit(actor=w.org1, case=case, summary="材料。")
    stages.approve(actor=w.uflead1, task=cases.task(w.uflead1, case, chains.SIGNOFF, "uf-deputy"))
    return case


def test_both_heads_co_signing_at_once_pass_the_package_exactly_once(cadres):
    w = cadres
    for round_number in range(ROUNDS):
        case = at_cosign(w)
        org_task = cases.task(w.orglead1, case, chains.SIGNOFF, chains.ORG_COSIGN)
        uf_task = cases.task(w.uflead1, case, chains.SIGNOFF, chains.UF_COSIGN)
        results = race(*[
            lambda task=org_task: stages.approve(actor=w.orglead1, task=task, comment="同意"),
            lambda task=uf_task: stages.approve(actor=w.uflead1, task=task, comment="同意"),
        ])
        assert [r for r in results if isinstance(r, Exception)] == [], round_number
        case = reload(case)
        assert case.status == CaseStatus.SUBMITTED_TO_COMMITTEE
        assert AuditEvent.objects.filter(subject_id=str(case.pk), action="case.package_signed").count() == 1
        # one 常委会决定 step in the queue, never two
        assert WorkItem.objects.filter(case_id=str(case.pk), step="nomination.decision", state="open").count() == 1


def test_the_same_head_signing_twice_at_once_acts_once(cadres):
    w = cadres
    case = at_cosign(w)
    org_task = cases.task(w.orglead1, case, chains.SIGNOFF, chains.ORG_COSIGN)
    results = race(*[lambda: stages.approve(actor=w.orglead1, task=org_task, comment="同意")] * 2)
    assert sum(isinstance(r, StaleStateError) for r in results) == 1
    assert reload(case).status == CaseStatus.PACKAGE_SIGNOFF
