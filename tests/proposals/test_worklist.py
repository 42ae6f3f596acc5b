"""One worklist: every pending human step of a proposal is one open work item, opened and closed by the services
that make it actionable and do it; each role finds its step in 待办 or 待认领, and the applicant sees who holds the
case and by when at every state."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Notification
from proposals import chains, services
from proposals.models import OutcomeCategory, Proposal, ProposalStatus
from tests.personas import accepted, assigned, submitted
from workflows import stages, work
from workflows.models import AuditEvent, StageTask

pytestmark = pytest.mark.django_db


def holders(proposal) -> list[tuple[str, str]]:
    """(step, holder) of every open item of the proposal."""
    return sorted((h.item.step, h.holder) for h in work.case_holdings(proposal))


def finds(user, step: str) -> bool:
    """The user finds the step in their 待办 or their 待认领."""
    return any(i.step == step for i in [*work.inbox(user), *work.queue(user)])


def claim_and_find(user, step: str):
    item = next(i for i in work.queue(user) if i.step == step)
    work.claim(actor=user, item=item)
    assert any(i.pk == item.pk for i in work.inbox(user))
    return item


def my_row(client, user, proposal) -> tuple[str, str, str]:
    """What 我的提案 shows for the proposal: the step, who holds it and the labelled date."""
    client.force_login(user)
    rows = client.get(reverse("proposals:mine")).context["rows"]
    step = next(step for p, step in rows if p.pk == proposal.pk)
    return step.label, step.holder, step.due_label if step.due_at else ""


def test_every_step_of_a_joint_proposal_is_in_someones_worklist_from_submission_to_conclusion(world, client):
    category = {c.code: c for c in OutcomeCategory.objects.all()}
    # 联名确认: each co-signer's own item, with the co-signing window
    proposal = submitted(world, kind="joint", cosigners=[world.member2])
    assert holders(proposal) == [("proposals.cosign", "王秀英")]
    assert finds(world.member2, "proposals.cosign") and not finds(world.member3, "proposals.cosign")
    assert my_row(client, world.member2, proposal)[2].startswith("联名确认")
    services.cosign_respond(actor=world.member2, proposal=proposal, confirm=True)
    # 初审 then 审定: the stage runner's items
    assert [s for s, _h in holders(proposal)] == ["stage:proposal-review:first-review"]
    assert finds(world.staff, "stage:proposal-review:first-review")
    run = stages.running_chain(proposal, chains.REVIEW)
    stages.approve(actor=world.staff, task=stages.open_task_for(world.staff, run), comment="建议立案")
    label, holder, due = my_row(client, world.member1, proposal)
    assert holder == "郑主任" and due  # the applicant sees who decides and by when
    services.proposal_accept(actor=world.head, proposal=proposal)
    # 交办: 督查室's claimable item, with the 交办 deadline
    assert holders(proposal) == [("proposals.assign", "督查室")]
    claim_and_find(world.office, "proposals.assign")
    services.proposal_assign(actor=world.office, proposal=Proposal.objects.get(pk=proposal.pk), mode="sole",
                             lead_unit_ids=[world.education.pk])
    # 签收: the unit's claimable item; 承办待办 is the same item
    part = proposal.assignments.get()
    assert holders(proposal) == [("proposals.assignment.receive", "县教育局")]
    assert [i.step for i in services_unit_inbox(client, world.unit1)] == ["proposals.assignment.receive"]
    assert my_row(client, world.member1, proposal)[1] == "县教育局"
    services.assignment_receive(actor=world.unit1, assignment=part)
    # 办理答复 and 办前面商: the unit's items
    assert [s for s, _h in holders(proposal)] == ["proposals.assignment.contact", "proposals.assignment.handle"]
    services.contact_log_add(actor=world.unit1, assignment=part, held_on=part.assigned_at.date(), form="phone",
                             participants="李明华", summary="沟通")
    reply = services.reply_save_draft(actor=world.unit1, assignment=part, content=services.ReplyContent(
        body="经研究，答复如下。", category_id=category["B"].pk, contact_person="赵老师", contact_phone="0000-1"))
    services.reply_submit(actor=world.unit1, reply=reply)
    # 签发 and 审核: the chain's holders hold the step now, not the drafting unit
    assert [s for s, _h in holders(proposal)] == ["stage:proposal-reply:signoff"]
    assert my_row(client, world.member1, proposal)[1] == world.unitlead1.get_full_name()
    reply_run = stages.running_chain(reply, chains.REPLY)
    stages.approve(actor=world.unitlead1, task=stages.open_task_for(world.unitlead1, reply_run), comment="同意签发")
    assert [s for s, _h in holders(proposal)] == ["stage:proposal-reply:supervisor-review"]
    stages.approve(actor=world.office, task=stages.open_task_for(world.office, reply_run), comment="审核通过")
    # 评价: each evaluator's own item; the member sees "请评价" with its date
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REPLIED
    assert sorted(h for s, h in holders(proposal)) == ["李明华", "王秀英"]
    label, holder, due = my_row(client, world.member2, proposal)
    assert (label, holder) == ("请评价", "王秀英") and due.startswith("评价")
    for member in (world.member1, world.member2):
        services.evaluation_submit(actor=member, proposal=proposal, work_rating="basic",
                                   result_rating="dissatisfied", comment="缺少时间表")
    # 重新办理: the unit holds it again, with the re-handling deadline, and the applicant sees so
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REHANDLING
    label, holder, due = my_row(client, world.member1, proposal)
    assert (label, holder) == ("重新办理", "县教育局") and due.startswith("重新办理")
    second = services.reply_save_draft(actor=world.unit1, assignment=part, content=services.ReplyContent(
        body="再次答复。", category_id=category["A"].pk, contact_person="赵老师", contact_phone="0000-1"))
    services.reply_submit(actor=world.unit1, reply=second)
    second_run = stages.running_chain(second, chains.REPLY)
    for actor in (world.unitlead1, world.office):
        stages.approve(actor=actor, task=stages.open_task_for(actor, second_run), comment="同意")
    for member in (world.member1, world.member2):
        services.evaluation_submit(actor=member, proposal=proposal, work_rating="satisfied",
                                   result_rating="satisfied")
    # 办结: 提案委 staff's claimable item, with its deadline
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EVALUATED
    assert holders(proposal) == [("proposals.conclude", "提案委工作人员")]
    label, holder, due = my_row(client, world.member1, proposal)
    assert holder == "提案委工作人员" and due.startswith("办结")
    claim_and_find(world.staff, "proposals.conclude")
    services.proposal_conclude(actor=world.staff, proposal=proposal)
    assert holders(proposal) == []


def services_unit_inbox(client, user):
    client.force_login(user)
    return client.get(reverse("proposals:unit_inbox")).context["items"]


def test_the_decision_is_recorded_as_made(world):
    from tests.personas import reviewed

    proposal = reviewed(world)
    services.proposal_reject(actor=world.head, proposal=proposal, ground="10", disposition="none",
                             proposer_consent=None, comment="内容空泛")
    task = StageTask.objects.get(run__subject_id=str(proposal.pk), stage__name="审定")
    assert (task.status, task.outcome) == ("decided", "reject")
    decided = AuditEvent.objects.get(subject_id=str(proposal.pk), subject_type__model="proposal",
                                     action="chain.decided")
    assert (decided.from_state, decided.to_state) == ("审定", "不予立案")
    assert not AuditEvent.objects.filter(subject_id=str(proposal.pk), action="chain.approve", from_state="审定").exists()
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.NOT_ACCEPTED


def test_a_units_second_adjustment_request_reaches_the_office_again(world):
    proposal = assigned(world, mode="sole", lead=[world.transport])
    part = proposal.assignments.get()
    services.assignment_request_adjustment(actor=world.unit2, assignment=part, reason="不属于本单位")
    assert finds(world.office, "proposals.adjustment.decide")
    services.assignment_decide_adjustment(actor=world.office, assignment=part, approve=False, comment="属于本单位")
    assert not finds(world.office, "proposals.adjustment.decide") and finds(world.unit2, "proposals.assignment.receive")
    # when
    services.assignment_request_adjustment(actor=world.unit2, assignment=part, reason="确实不属于本单位")
    # then
    assert Notification.objects.filter(recipient=world.office, title__contains="申请调整").count() == 2
    assert finds(world.office, "proposals.adjustment.decide")


def test_withdrawal_cancels_every_open_step(world):
    proposal = accepted(world)
    assert holders(proposal) == [("proposals.assign", "督查室")]
    services.proposal_withdraw(actor=world.member1, proposal=proposal, reason="已解决")
    assert holders(proposal) == [] and not finds(world.office, "proposals.assign")


def test_my_proposals_and_the_staff_list_cost_a_fixed_number_of_queries(world, client):
    def cost(user, url):
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    submitted(world, title="关于一的建议")
    assigned(world, title="关于二的建议", mode="sole")
    small = cost(world.member1, reverse("proposals:mine")), cost(world.office, reverse("proposals:list"))
    for i in range(4):
        assigned(world, title=f"关于第{i}件的建议", mode="sole")
        submitted(world, title=f"关于第{i}个的建议", kind="joint", cosigners=[world.member2])
    large = cost(world.member1, reverse("proposals:mine")), cost(world.office, reverse("proposals:list"))
    assert large == small
