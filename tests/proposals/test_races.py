"""Cross-path races on PostgreSQL, 100 rounds each: different services on one proposal at the same instant.

Every service locks the proposal first, then its chain run, then its child rows (``workflows.locks``), so two
actions queue on the proposal row: no deadlock reaches the user, nothing but a service's own refusal is raised, and
each round ends in exactly one of the legal outcomes, with the work items of that outcome and no other.
"""


import pytest
from django.db import connection

from proposals import chains, roles, services
from proposals.models import Assignment, OutcomeCategory, Proposal, ProposalStatus, Reply
from tests.concurrency import race
from tests.factories import UnitMembershipFactory, UserFactory
from tests.personas import accepted, assigned, submitted
from workflows import stages, work
from workflows.errors import ServiceError, StaleStateError
from workflows.models import AuditEvent, StageRun, StageTask

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]
ROUNDS = 100




def refusals(results) -> list:
    """The exceptions of a round; anything but a service's refusal (a deadlock, a 500) fails the test."""
    errors = [r for r in results if isinstance(r, Exception)]
    unexpected = [e for e in errors if not isinstance(e, ServiceError)]
    assert unexpected == [], unexpected
    return errors


def steps(proposal) -> list[str]:
    return sorted(item.step for item in work.case_items(proposal))


def actions(proposal) -> list[str]:
    return list(AuditEvent.objects.filter(subject_type__model="proposal", subject_id=str(proposal.pk))
                .order_by("pk").values_list("action", flat=True))


def test_assignment_races_withdrawal(world):
    outcomes = {"assigned": 0, "withdrawn": 0}
    for i in range(ROUNDS):
        proposal = accepted(world, title=f"关于第{i}件事的建议")
        results = race(
            lambda proposal=proposal: services.proposal_assign(actor=world.office, proposal=proposal, mode="sole",
                                             lead_unit_ids=[world.education.pk]),
            lambda proposal=proposal: services.proposal_withdraw(actor=world.member1, proposal=proposal,
                                                                 reason="已解决"),
        )
        errors = refusals(results)
        assert len(errors) == 1
        proposal.refresh_from_db()
        if proposal.status == ProposalStatus.ASSIGNED:
            outcomes["assigned"] += 1
            assert errors[0].code == "not_withdrawable"
            assert steps(proposal) == ["proposals.assignment.receive"]
            assert "proposal.withdrawn" not in actions(proposal)
        else:
            outcomes["withdrawn"] += 1
            assert proposal.status == ProposalStatus.WITHDRAWN
            assert isinstance(errors[0], StaleStateError)
            assert not proposal.assignments.exists() and steps(proposal) == []
            assert "proposal.assigned" not in actions(proposal)
    print(f"\n交办 vs 撤案: {outcomes}, deadlocks: 0")
    assert sum(outcomes.values()) == ROUNDS


def test_adjustment_request_races_receipt(world):
    colleague = UnitMembershipFactory(unit=world.education, user=UserFactory(
        username="unit1b", roles=[roles.UNIT_HANDLER])).user
    outcomes = {"received": 0, "disputed": 0}
    for i in range(ROUNDS):
        proposal = assigned(world, mode="sole", title=f"关于第{i}件事的建议")
        part = proposal.assignments.get()
        results = race(
            lambda part=part: services.assignment_request_adjustment(actor=world.unit1, assignment=part,
                                                                     reason="不属于本单位"),
            lambda part=part: services.assignment_receive(actor=colleague, assignment=part),
        )
        errors = refusals(results)
        assert len(errors) == 1 and isinstance(errors[0], StaleStateError)
        part.refresh_from_db()
        if part.state == Assignment.State.RECEIVED:
            outcomes["received"] += 1
            assert steps(proposal) == ["proposals.assignment.contact", "proposals.assignment.handle"]
            assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.IN_HANDLING
        else:
            outcomes["disputed"] += 1
            assert part.state == Assignment.State.DISPUTED
            assert steps(proposal) == ["proposals.adjustment.decide"]
            assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.ASSIGNED
    print(f"\n申请调整 vs 签收: {outcomes}, deadlocks: 0")
    assert sum(outcomes.values()) == ROUNDS


def test_recall_races_the_first_review_approval(world):
    outcomes = {"recalled": 0, "approved": 0}
    for i in range(ROUNDS):
        proposal = submitted(world, title=f"关于第{i}件事的建议")
        run = stages.running_chain(proposal, chains.REVIEW)
        task = stages.open_task_for(world.staff, run)
        results = race(
            lambda run=run: stages.withdraw(actor=world.member1, run=run),
            lambda task=task: stages.approve(actor=world.staff, task=task, comment="建议立案"),
        )
        errors = refusals(results)
        assert len(errors) == 1
        proposal.refresh_from_db()
        run.refresh_from_db()
        if proposal.status == ProposalStatus.DRAFT:
            outcomes["recalled"] += 1
            assert run.status == StageRun.Status.WITHDRAWN and steps(proposal) == []
            assert "chain.approve" not in actions(proposal)
        else:
            outcomes["approved"] += 1
            assert proposal.status == ProposalStatus.SUBMITTED and run.status == StageRun.Status.RUNNING
            assert steps(proposal) == ["stage:proposal-review:decision"]
            assert "proposal.recalled" not in actions(proposal)
    print(f"\n撤回 vs 同意: {outcomes}, deadlocks: 0")
    assert sum(outcomes.values()) == ROUNDS


def test_issuing_the_reply_races_the_category_change(world):
    """督查室审核通过 (the last 签发 of the reply) by one 督查室 member while another changes its category."""
    second_office = UserFactory(username="office2", first_name="周敏", roles=[roles.SUPERVISION_OFFICE])
    category = {c.code: c for c in OutcomeCategory.objects.all()}
    outcomes = {"changed_then_issued": 0, "issued_unchanged": 0}
    for i in range(ROUNDS):
        proposal = assigned(world, mode="sole", title=f"关于第{i}件事的建议")
        part = proposal.assignments.get()
        services.assignment_receive(actor=world.unit1, assignment=part)
        reply = services.reply_save_draft(actor=world.unit1, assignment=part, content=services.ReplyContent(
            body="经研究，答复如下。", category_id=category["B"].pk, contact_person="赵老师",
            contact_phone="0000-1234501"))
        services.reply_submit(actor=world.unit1, reply=reply)
        run = stages.running_chain(reply, chains.REPLY)
        stages.approve(actor=world.unitlead1, task=stages.open_task_for(world.unitlead1, run), comment="同意签发")
        review = stages.open_task_for(world.office, run)
        assert review.stage.key == "supervisor-review"
        results = race(
            lambda review=review: stages.approve(actor=world.office, task=review, comment="审核通过"),
            lambda reply=reply: services.reply_change_category(actor=second_office, reply=reply,
                                                               category=category["C"], comment="落实措施尚未到位"),
        )
        errors = refusals(results)
        reply.refresh_from_db()
        assert reply.status == Reply.Status.ISSUED
        assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.REPLIED
        assert steps(proposal) == ["proposals.evaluate"]
        if reply.category.code == "C":
            outcomes["changed_then_issued"] += 1
            assert errors == [] and reply.original_category.code == "B"
            done = actions(proposal)
            assert done.index("reply.category_changed") < done.index("reply.issued")
        else:
            outcomes["issued_unchanged"] += 1
            assert len(errors) == 1 and isinstance(errors[0], StaleStateError)
            assert reply.category.code == "B" and "reply.category_changed" not in actions(proposal)
        assert StageTask.objects.filter(run=run, status="open").count() == 0
    print(f"\n签发 vs 分类调整: {outcomes}, deadlocks: 0")
    assert sum(outcomes.values()) == ROUNDS
