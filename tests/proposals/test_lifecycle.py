"""The second half of a proposal's life: handling, the reply chain, evaluation, re-handling, conclusion."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from notifications.models import Notification
from proposals import chains, roles, services
from proposals.models import Assignment, CaseRecord, Evaluation, OutcomeCategory, Proposal, ProposalStatus, Reply
from tests.factories import UnitMembershipFactory, UserFactory
from workflows import definitions, stages, work
from workflows.errors import PermissionDeniedError, ServiceError
from workflows.models import AccessGrant, AuditEvent, DueItem, StageDefinition, UnitMembership

pytestmark = pytest.mark.django_db


@pytest.fixture
def crew(world):
    """The people of the reply chain: the co-unit handler, both units' leaders, 督查室."""
    world.unitlead2 = UnitMembershipFactory(unit=world.transport, user=UserFactory(
        username="unitlead2", roles=[roles.UNIT_LEADER]), role=UnitMembership.Role.LEADER).user
    world.category = {c.code: c for c in OutcomeCategory.objects.all()}
    return world


def content(world, category="B", **kw):
    values = {"body": "经研究，答复如下：已列入明年计划。", "category_id": world.category[category].pk,
              "reference_number": "教提〔2026〕1号", "contact_person": "赵老师", "contact_phone": "0000-1234501"}
    values.update(kw)
    return services.ReplyContent(**values)


def handled(world):
    """A joint proposal with a lead (education) and a co unit (transport), both signed, the co opinion in."""
    proposal = services.proposal_save_draft(actor=world.member1, content=services.ProposalContent(
        kind="joint", title="关于完善农村客运网络的建议", reasons="客运班线少。", suggestions="增加班次。",
        topic_id=world.topic.pk, no_secret_confirmed=True, cosigner_ids=(world.member2.pk,)))
    proposal = services.proposal_submit(actor=world.member1, proposal=proposal)
    services.cosign_respond(actor=world.member2, proposal=proposal, confirm=True)
    run = stages.running_chain(proposal, chains.REVIEW)
    stages.approve(actor=world.staff, task=stages.open_task_for(world.staff, run), comment="建议立案")
    services.proposal_accept(actor=world.head, proposal=proposal)
    services.proposal_assign(actor=world.office, proposal=proposal, mode="lead", lead_unit_ids=[world.education.pk],
                             co_unit_ids=[world.transport.pk])
    lead = proposal.assignments.get(unit=world.education)
    co = proposal.assignments.get(unit=world.transport)
    services.assignment_receive(actor=world.unit1, assignment=lead)
    services.assignment_receive(actor=world.unit2, assignment=co)
    return Proposal.objects.get(pk=proposal.pk), lead, co


def walk_reply_chain(world, reply, *, change_category=None):
    run = stages.running_chain(reply, chains.REPLY)
    for actor in (world.unit2, world.unitlead1, world.office):
        task = stages.open_task_for(actor, run)
        if task is None:
            continue
        if change_category and task.stage.key == "supervisor-review":
            services.reply_change_category(actor=actor, reply=reply, category=world.category[change_category],
                                           comment="落实措施尚未到位")
        stages.approve(actor=actor, task=task, comment="同意")


def test_lead_unit_replies_through_countersign_signoff_and_review(crew):
    world = crew
    proposal, lead, co = handled(world)
    # the lead unit cannot send its reply before the co unit's opinion
    reply = services.reply_save_draft(actor=world.unit1, assignment=lead, content=content(world))
    with pytest.raises(ServiceError) as error:
        services.reply_submit(actor=world.unit1, reply=reply)
    assert error.value.code == "co_opinions_missing" and "县交通运输局" in error.value.message
    services.co_opinion_submit(actor=world.unit2, assignment=co, body="同意，配合落实。")
    services.contact_log_add(actor=world.unit1, assignment=lead, held_on=timezone.localdate(), form="phone",
                             participants="赵老师、李明华", summary="沟通办理思路")
    services.reply_submit(actor=world.unit1, reply=reply)
    run = stages.running_chain(reply, chains.REPLY)
    assert [t.stage.key for t in run.tasks.filter(status="open")] == ["countersign"]
    walk_reply_chain(world, reply, change_category="C")
    reply.refresh_from_db()
    proposal.refresh_from_db()
    assert reply.status == Reply.Status.ISSUED and reply.signed_by == world.unitlead1
    assert (reply.category.code, reply.original_category.code) == ("C", "B")
    assert proposal.status == ProposalStatus.REPLIED
    # every proposer is answered
    for member in (world.member1, world.member2):
        assert Notification.objects.filter(recipient=member, title__contains="已答复").exists()
    assert DueItem.objects.filter(subject_id=str(proposal.pk), purpose="evaluation", state="open").exists()


def test_both_proposers_evaluate_then_staff_conclude(crew):
    world = crew
    proposal, lead, co = handled(world)
    services.co_opinion_submit(actor=world.unit2, assignment=co, body="同意")
    reply = services.reply_save_draft(actor=world.unit1, assignment=lead, content=content(world))
    services.reply_submit(actor=world.unit1, reply=reply)
    walk_reply_chain(world, reply)
    services.evaluation_submit(actor=world.member1, proposal=proposal, work_rating="satisfied",
                               result_rating="basic")
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.REPLIED  # member2 has not answered
    with pytest.raises(PermissionDeniedError):
        services.evaluation_submit(actor=world.member3, proposal=proposal, work_rating="satisfied",
                                   result_rating="satisfied")
    # 代录: staff record member2's paper form
    services.evaluation_submit(actor=world.staff, proposal=proposal, work_rating="satisfied",
                               result_rating="satisfied", evaluator=world.member2)
    assert Evaluation.objects.get(evaluator=world.member2).recorded_by == world.staff
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.EVALUATED
    services.proposal_conclude(actor=world.staff, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONCLUDED and not work.case_items(proposal).exists()


def test_dissatisfied_twice_needs_rehandling_and_a_face_meeting_before_conclusion(crew):
    world = crew
    proposal, lead, co = handled(world)
    services.co_opinion_submit(actor=world.unit2, assignment=co, body="同意")
    reply = services.reply_save_draft(actor=world.unit1, assignment=lead, content=content(world))
    services.reply_submit(actor=world.unit1, reply=reply)
    walk_reply_chain(world, reply)
    with pytest.raises(ServiceError) as error:
        services.evaluation_submit(actor=world.member1, proposal=proposal, work_rating="basic",
                                   result_rating="dissatisfied")
    assert error.value.code == "dissatisfied_needs_reason"
    for member in (world.member1, world.member2):
        services.evaluation_submit(actor=member, proposal=proposal, work_rating="basic",
                                   result_rating="dissatisfied", comment="缺少时间表")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REHANDLING and proposal.handling_round == 2
    lead.refresh_from_db()
    assert lead.state == Assignment.State.RECEIVED
    second = services.reply_save_draft(actor=world.unit1, assignment=lead, content=content(world, category="A"))
    assert second.round == 2
    services.reply_submit(actor=world.unit1, reply=second)
    walk_reply_chain(world, second)
    for member in (world.member1, world.member2):
        services.evaluation_submit(actor=member, proposal=proposal, work_rating="basic",
                                   result_rating="dissatisfied", comment="仍不满意")
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.EVALUATED
    with pytest.raises(ServiceError) as error:
        services.proposal_conclude(actor=world.staff, proposal=proposal)
    assert error.value.code == "face_meeting_required"
    services.record_add(actor=world.staff, proposal=proposal, kind=CaseRecord.Kind.FACE_MEETING,
                        held_on=timezone.localdate(), participants="李明华、教育局", summary="当面说明资金安排")
    services.proposal_conclude(actor=world.staff, proposal=proposal)
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.CONCLUDED


def test_evaluation_window_expiry_follows_the_setting_and_says_so(crew):
    world = crew
    proposal, lead, co = handled(world)
    services.co_opinion_submit(actor=world.unit2, assignment=co, body="同意")
    reply = services.reply_save_draft(actor=world.unit1, assignment=lead, content=content(world))
    services.reply_submit(actor=world.unit1, reply=reply)
    walk_reply_chain(world, reply)
    item = DueItem.objects.get(subject_id=str(proposal.pk), purpose="evaluation", state="open")
    assert services.evaluation_window_expired(proposal=proposal) is False
    with time_machine.travel(item.due_at + datetime.timedelta(seconds=1)):
        assert services.evaluation_window_expired(proposal=proposal) is True
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.EVALUATED
    assert AuditEvent.objects.filter(action="proposal.evaluation_expired", comment="记为未评价，直接办结").exists()


def test_extension_moves_the_deadline_to_a_new_version_and_tells_the_proposer(crew):
    world = crew
    proposal, lead, co = handled(world)
    item = DueItem.objects.get(subject_id=str(lead.pk), purpose="reply", state="open")
    until = timezone.localdate(item.due_at) + datetime.timedelta(days=30)
    with pytest.raises(ServiceError) as error:
        services.extension_request(actor=world.unit1, assignment=lead, until=until + datetime.timedelta(days=400),
                                   reason="x")
    assert error.value.code == "extension_too_long"
    extension = services.extension_request(actor=world.unit1, assignment=lead, until=until, reason="需协调资金")
    services.extension_decide(actor=world.office, extension=extension, approve=True, comment="同意延期一个月")
    item.refresh_from_db()
    assert timezone.localdate(item.due_at) == until and item.due_version == 2
    # the unit's 办理答复 step follows the one stored date
    step = work.case_items(proposal).get(step="proposals.assignment.handle", unit=world.education)
    assert step.due_item == item
    assert Notification.objects.filter(recipient=world.member1, title__contains="延期已同意").exists()


def test_key_proposal_gives_the_supervising_chair_and_the_leading_official_access(crew, client):
    world = crew
    proposal, lead, co = handled(world)
    chair = UserFactory(username="leader1", roles=[roles.CPPCC_LEADER])
    official = UserFactory(username="govlead1", roles=[roles.GOVERNMENT_LEADER])
    services.key_propose(actor=world.staff, proposal=proposal, comment="群众关注")
    services.key_decide(actor=world.staff, proposal=proposal, approved=True, decided_on=timezone.localdate(),
                        decision="主席会议同意", supervisor=chair, lead_official=official)
    assert AccessGrant.objects.filter(user=chair, kind="supervise").exists()
    client.force_login(chair)
    assert client.get(f"/proposals/{proposal.pk}/").status_code == 200
    services.record_add(actor=chair, proposal=proposal, kind=CaseRecord.Kind.VISIT, held_on=timezone.localdate(),
                        participants="郑国华", summary="实地视察")
    with pytest.raises(PermissionDeniedError):
        services.record_add(actor=world.unit1, proposal=proposal, kind=CaseRecord.Kind.VISIT,
                            held_on=timezone.localdate(), participants="x", summary="x")


def test_a_new_reply_chain_version_applies_to_new_replies_while_running_ones_keep_theirs(crew, django_user_model):
    world = crew
    admin = django_user_model.objects.create_superuser("boss", "b@example.org", "x")
    proposal, lead, co = handled(world)
    services.co_opinion_submit(actor=world.unit2, assignment=co, body="同意")
    old_reply = services.reply_save_draft(actor=world.unit1, assignment=lead, content=content(world))
    services.reply_submit(actor=world.unit1, reply=old_reply)
    # the admin adds a stage and publishes
    draft = definitions.draft_create(actor=admin, slot=stages.published_version(chains.REPLY).slot)
    StageDefinition.objects.create(version=draft, order=4, key="archive-check", name="提案委复核",
                                   role=Group.objects.get(name=roles.STAFF), scope="any", mode="any")
    definitions.draft_publish(actor=admin, version=draft)
    old_run = stages.running_chain(old_reply, chains.REPLY)
    assert old_run.version.number == 1
    walk_reply_chain(world, old_reply)
    assert Reply.objects.get(pk=old_reply.pk).status == Reply.Status.ISSUED  # three stages, as when it started
    # a new case runs the new version
    other, lead2, co2 = handled(world)
    services.co_opinion_submit(actor=world.unit2, assignment=co2, body="同意")
    new_reply = services.reply_save_draft(actor=world.unit1, assignment=lead2, content=content(world))
    services.reply_submit(actor=world.unit1, reply=new_reply)
    walk_reply_chain(world, new_reply)
    run = stages.running_chain(new_reply, chains.REPLY)
    assert run.version.number == 2 and stages.open_task_for(world.staff, run).stage.name == "提案委复核"
