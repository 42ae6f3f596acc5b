"""The proposal services from submission to 签收, through their public functions."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from notifications.models import Notification
from proposals import chains, services
from proposals.models import Assignment, Cosigner, Proposal, ProposalStatus
from tests.personas import accepted, assigned, make_content, reviewed, submitted
from workflows import stages, work
from workflows.errors import PermissionDeniedError, ServiceError, StaleStateError
from workflows.models import AuditEvent, DueItem, Unit

pytestmark = pytest.mark.django_db


def actions(proposal):
    return list(AuditEvent.objects.filter(subject_id=str(proposal.pk), subject_type__model="proposal")
                .values_list("action", flat=True))


def open_steps(proposal) -> list[str]:
    """The proposal's open work items (its pending human steps), by step code."""
    return sorted(item.step for item in work.case_items(proposal))


def test_submitted_proposal_waits_for_the_first_review_by_staff(world):
    # when
    proposal = submitted(world)
    # then
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.timing in (Proposal.Timing.PLENARY, Proposal.Timing.INTERIM)
    assert open_steps(proposal) == ["stage:proposal-review:first-review"]  # the 初审 holder's step
    run = stages.running_chain(proposal, chains.REVIEW)
    task = stages.open_task_for(world.staff, run)
    assert task.stage.name == "初审" and work.case_items(proposal).get().due_item is not None
    assert stages.open_task_for(world.member1, run) is None
    assert stages.open_task_for(world.head, run) is None
    assert actions(proposal) == ["proposal.drafted", "proposal.submitted", "chain.started"]
    # 初审 cannot decide; only the 审定 holder can
    with pytest.raises(PermissionDeniedError):
        services.proposal_accept(actor=world.staff, proposal=proposal)


def test_someone_not_on_the_current_roster_cannot_propose(world):
    with pytest.raises(ServiceError) as error:
        services.proposal_save_draft(actor=world.outsider, content=make_content(world))
    assert error.value.code == "not_eligible"
    assert "不是本届政协委员" in error.value.message


def test_incomplete_proposal_cannot_be_submitted_and_names_the_missing_fields(world):
    content = services.ProposalContent(kind="member", title="关于加强停车管理的建议", reasons="", suggestions="")
    draft = services.proposal_save_draft(actor=world.member1, content=content)
    with pytest.raises(ServiceError) as error:
        services.proposal_submit(actor=world.member1, proposal=draft)
    assert error.value.code == "incomplete"
    assert "理由" in error.value.message and "办法" in error.value.message and "类别" in error.value.message
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.DRAFT


def test_submitted_proposal_is_not_editable_by_its_proposer(world):
    proposal = submitted(world)
    with pytest.raises(ServiceError) as error:
        services.proposal_save_draft(actor=world.member1, proposal=proposal, content=make_content(world, title="改"))
    assert error.value.code == "not_editable"


def test_same_submission_key_creates_one_draft(world):
    first = services.proposal_save_draft(actor=world.member1, content=make_content(world), submission_key="k1")
    second = services.proposal_save_draft(actor=world.member1, content=make_content(world), submission_key="k1")
    assert first.pk == second.pk
    assert Proposal.objects.count() == 1


def test_staff_enter_a_paper_proposal_for_a_member(world):
    proposal = services.proposal_save_draft(actor=world.staff, content=make_content(world), on_behalf_of=world.member2)
    assert proposal.first_proposer == world.member2 and proposal.submitted_by == world.staff
    event = AuditEvent.objects.get(action="proposal.drafted", subject_id=str(proposal.pk))
    assert event.on_behalf_of == world.member2


def test_member_cannot_enter_for_another_member(world):
    with pytest.raises(PermissionDeniedError):
        services.proposal_save_draft(actor=world.member1, content=make_content(world), on_behalf_of=world.member2)


def test_joint_proposal_goes_to_review_when_every_cosigner_has_answered(world):
    # given
    proposal = submitted(world, kind="joint", cosigners=[world.member2, world.member3])
    assert proposal.status == ProposalStatus.COSIGNING
    assert Notification.objects.filter(recipient=world.member2, title__contains="请确认联名").count() == 1
    # when
    services.cosign_respond(actor=world.member2, proposal=proposal, confirm=True)
    services.cosign_respond(actor=world.member3, proposal=proposal, confirm=False)
    # then
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.kind == Proposal.Kind.JOINT
    assert dict(proposal.cosigners.values_list("user__username", "status")) == {
        "member2": Cosigner.Status.CONFIRMED, "member3": Cosigner.Status.DECLINED}


def test_unconfirmed_cosigners_are_dropped_at_the_deadline(world):
    proposal = submitted(world, kind="joint", cosigners=[world.member2, world.member3])
    services.cosign_respond(actor=world.member2, proposal=proposal, confirm=True)
    proposal.refresh_from_db()
    # not yet due: nothing happens
    assert services.proposal_close_expired_cosigning(proposal=proposal) is False
    window = services.proposal_due(proposal, "cosign")
    with time_machine.travel(window.due_at + datetime.timedelta(seconds=1)):
        assert services.proposal_close_expired_cosigning(proposal=proposal) is True
        assert services.proposal_close_expired_cosigning(proposal=proposal) is False
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.cosigners.get(user=world.member3).status == Cosigner.Status.DROPPED
    assert "proposal.cosigners_dropped" in actions(proposal)


def test_cosigner_must_be_on_the_roster(world):
    with pytest.raises(ServiceError) as error:
        services.proposal_save_draft(actor=world.member1, content=make_content(world, kind="joint",
                                                                             cosigners=[world.outsider]))
    assert error.value.code == "not_eligible"


def test_acceptance_numbers_are_sequential_per_term_and_year(world):
    first = accepted(world, title="关于一的建议")
    second = accepted(world, title="关于二的建议")
    year = timezone.localdate().year
    assert (first.year, first.serial, second.serial) == (year, 1, 2)
    assert first.number == f"{year}年第001号"
    assert open_steps(first) == ["proposals.assign"]
    item = work.case_items(first).get()
    assert item.role.name == "supervision_office" and item.due_item.purpose == "assign"


def test_accepting_twice_is_refused_as_stale(world):
    proposal = reviewed(world)
    services.proposal_accept(actor=world.head, proposal=proposal)
    with pytest.raises(StaleStateError):
        services.proposal_accept(actor=world.head, proposal=proposal)
    assert Proposal.objects.get(pk=proposal.pk).serial == 1


def test_only_the_decision_stage_holder_accepts(world):
    proposal = reviewed(world)
    for outsider in (world.office, world.staff, world.member1):
        with pytest.raises(PermissionDeniedError):
            services.proposal_accept(actor=outsider, proposal=proposal)


def test_the_decision_stage_takes_a_decision_not_an_agreement(world):
    proposal = reviewed(world)
    run = stages.running_chain(proposal, chains.REVIEW)
    with pytest.raises(ServiceError) as error:
        stages.approve(actor=world.head, task=stages.open_task_for(world.head, run), comment="同意立案")
    assert error.value.code == "decision_required"
    stages.decide(actor=world.head, task=stages.open_task_for(world.head, run), outcome="accept", comment="同意立案")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.serial == 1


def test_the_decision_holder_sends_the_review_back_to_the_first_review(world):
    proposal = reviewed(world)
    run = stages.running_chain(proposal, chains.REVIEW)
    task = stages.open_task_for(world.head, run)
    first = run.version.stages.get(name="初审")
    stages.return_to(actor=world.head, task=task, to_order=first.order, comment="请重新初审")
    assert stages.open_task_for(world.staff, run).stage.name == "初审"
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.SUBMITTED


def test_non_acceptance_needs_a_ground_and_consent_to_forward(world):
    proposal = reviewed(world)
    with pytest.raises(ServiceError) as error:
        services.proposal_reject(actor=world.head, proposal=proposal, ground="", disposition="none",
                                 proposer_consent=None, comment="x")
    assert error.value.code == "ground_required"
    with pytest.raises(ServiceError) as error:
        services.proposal_reject(actor=world.head, proposal=proposal, ground="10", disposition="social",
                                 proposer_consent=None, comment="内容空泛")
    assert error.value.code == "consent_required"
    # when
    services.proposal_reject(actor=world.head, proposal=proposal, ground="10", disposition="social",
                             proposer_consent=True, comment="内容空泛")
    # then
    proposal.refresh_from_db()
    assert (proposal.status, proposal.rejection_ground, proposal.proposer_consent) == ("not_accepted", "10", True)
    assert proposal.serial is None
    assert open_steps(proposal) == []
    assert Notification.objects.filter(recipient=world.member1, title__contains="不予立案").exists()


def test_merged_proposal_points_at_its_master_and_both_timelines_say_so(world):
    master = accepted(world, title="关于主案的建议")
    other = reviewed(world, author=world.member2, title="关于相近内容的建议")
    services.proposal_merge(actor=world.head, proposal=other, master=master, comment="内容相近")
    other.refresh_from_db()
    assert other.status == ProposalStatus.MERGED and other.master == master
    assert "proposal.merged_in" in actions(master)
    with pytest.raises(ServiceError):
        services.proposal_merge(actor=world.head, proposal=reviewed(world), master=other, comment="x")


def test_returned_proposal_is_revised_and_reviewed_again(world):
    proposal = submitted(world)
    services.proposal_return(actor=world.staff, proposal=proposal, comment="请补充数据")  # from 初审 already
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.RETURNED
    assert [(i.step, i.assignee) for i in work.case_items(proposal)] == [("proposals.revise", world.member1)]
    # the proposer edits and resubmits
    services.proposal_save_draft(actor=world.member1, proposal=proposal, content=make_content(world, title="关于修改后的建议"))
    services.proposal_submit(actor=world.member1, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED and proposal.title == "关于修改后的建议"
    assert open_steps(proposal) == ["stage:proposal-review:first-review"]
    assert stages.open_task_for(world.staff, stages.running_chain(proposal, chains.REVIEW)).stage.name == "初审"
    assert "proposal.resubmitted" in actions(proposal)


def test_recall_before_anyone_acted_brings_the_proposal_back_to_draft(world):
    proposal = submitted(world)
    stages.withdraw(actor=world.member1, run=stages.running_chain(proposal, chains.REVIEW))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT and open_steps(proposal) == []
    services.proposal_submit(actor=world.member1, proposal=proposal)
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.SUBMITTED


def test_withdrawal_is_allowed_until_assignment(world):
    proposal = accepted(world)
    services.proposal_withdraw(actor=world.member1, proposal=proposal, reason="已通过其他渠道解决")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    assert open_steps(proposal) == []
    assert not DueItem.objects.filter(subject_id=str(proposal.pk), subject_type__model="proposal",
                                      state="open").exists()
    later = assigned(world, title="关于已交办的建议")
    with pytest.raises(ServiceError) as error:
        services.proposal_withdraw(actor=world.member1, proposal=later, reason="x")
    assert error.value.code == "not_withdrawable"


@pytest.mark.parametrize(
    ("mode", "lead", "co", "code"),
    [
        ("sole", 2, 0, "sole_one_unit"),
        ("lead", 1, 0, "lead_required"),
        ("separate", 1, 0, "separate_required"),
        ("sole", 0, 0, "units_required"),
    ],
)
def test_assignment_plan_is_validated(world, mode, lead, co, code):
    proposal = accepted(world)
    units = [world.education, world.transport, world.health]
    with pytest.raises(ServiceError) as error:
        services.proposal_assign(actor=world.office, proposal=proposal, mode=mode,
                                 lead_unit_ids=[u.pk for u in units[:lead]],
                                 co_unit_ids=[u.pk for u in units[lead:lead + co]])
    assert error.value.code == code


def test_a_unit_id_that_names_no_unit_is_refused_and_nothing_is_assigned(world):
    proposal = accepted(world)
    missing = Unit.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    with pytest.raises(ServiceError) as error:
        services.proposal_assign(actor=world.office, proposal=proposal, mode="lead",
                                 lead_unit_ids=[world.education.pk], co_unit_ids=[missing])
    assert error.value.code == "units_required"
    assert not proposal.assignments.exists()
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.ACCEPTED


def test_each_unit_gets_its_own_assignment_deadline_and_notification(world):
    proposal = assigned(world)
    lead, co = proposal.assignments.order_by("pk")
    assert (lead.unit, lead.role, co.unit, co.role) == (world.education, "lead", world.transport, "co")
    receipt, reply = services.proposal_due(lead, "receipt"), services.proposal_due(lead, "reply")
    assert receipt.due_at < reply.due_at
    assert timezone.localtime(receipt.due_at).time() == datetime.time(23, 59, 59)
    assert Notification.objects.filter(recipient=world.unit1, title__contains="新交办").count() == 1
    assert Notification.objects.filter(recipient=world.unitlead1, title__contains="新交办").count() == 1
    assert not Notification.objects.filter(recipient=world.unit3).exists()
    assert proposal.status == ProposalStatus.ASSIGNED
    # each unit's 签收 is in its 待认领, with the receipt window as its deadline
    items = {i.unit: i for i in work.case_items(proposal)}
    assert set(items) == {world.education, world.transport}
    assert {i.step for i in items.values()} == {"proposals.assignment.receive"}
    assert items[world.education].due_item == receipt
    assert [i.pk for i in work.queue(world.unit1)] == [items[world.education].pk]


def test_proposal_is_in_handling_once_every_unit_has_signed(world):
    proposal = assigned(world)
    lead, co = proposal.assignments.order_by("pk")
    services.assignment_receive(actor=world.unit1, assignment=lead)
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.ASSIGNED
    with pytest.raises(PermissionDeniedError):
        services.assignment_receive(actor=world.unit1, assignment=co)
    services.assignment_receive(actor=world.unit2, assignment=co)
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.IN_HANDLING
    with pytest.raises(StaleStateError):
        services.assignment_receive(actor=world.unit2, assignment=co)


def test_unit_asks_for_adjustment_and_office_moves_it_to_another_unit(world):
    proposal = assigned(world, mode="sole", lead=[world.transport])
    part = proposal.assignments.get()
    services.assignment_request_adjustment(actor=world.unit2, assignment=part, reason="属于教育部门职责")
    part.refresh_from_db()
    assert part.state == Assignment.State.DISPUTED
    with pytest.raises(ServiceError) as error:
        services.assignment_decide_adjustment(actor=world.office, assignment=part, approve=True, comment="同意")
    assert error.value.code == "new_unit_required"
    services.assignment_decide_adjustment(actor=world.office, assignment=part, approve=True, comment="同意改派",
                                          new_unit_id=world.education.pk)
    part.refresh_from_db()
    assert part.state == Assignment.State.REASSIGNED and part.replaced_by.unit == world.education
    services.assignment_receive(actor=world.unit1, assignment=part.replaced_by)
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.IN_HANDLING


def test_refused_adjustment_gives_the_unit_a_new_window(world):
    proposal = assigned(world, mode="sole", lead=[world.transport])
    part = proposal.assignments.get()
    services.assignment_request_adjustment(actor=world.unit2, assignment=part, reason="不属于本单位")
    services.assignment_decide_adjustment(actor=world.office, assignment=part, approve=False, comment="属于本单位职责")
    part.refresh_from_db()
    assert part.state == Assignment.State.PENDING_RECEIPT
    assert DueItem.objects.filter(subject_id=str(part.pk), purpose="receipt", state="open").count() == 1


def test_adjustment_after_the_window_is_refused(world):
    proposal = assigned(world, mode="sole", lead=[world.transport])
    part = proposal.assignments.get()
    with time_machine.travel(services.proposal_due(part, "receipt").due_at + datetime.timedelta(seconds=1)):
        with pytest.raises(ServiceError) as error:
            services.assignment_request_adjustment(actor=world.unit2, assignment=part, reason="不属于本单位")
    assert error.value.code == "adjustment_window_closed"


def test_audit_rows_cannot_be_changed_or_deleted(world):
    from django.db import DatabaseError, transaction

    proposal = submitted(world)
    event = AuditEvent.objects.filter(subject_id=str(proposal.pk)).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(comment="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).comment == event.comment
