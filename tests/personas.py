"""Named personas for the proposal tests (like Zulip's example_user): one per role, with their units."""

from types import SimpleNamespace

import pytest

from proposals import chains, roles, services
from tests.factories import MemberFactory, TermFactory, TopicFactory, UnitFactory, UnitMembershipFactory, UserFactory
from workflows import stages
from workflows.models import UnitMembership


@pytest.fixture
def world(db):
    term = TermFactory()
    education, transport, health = UnitFactory(name="县教育局"), UnitFactory(name="县交通运输局"), UnitFactory(name="县卫生健康局")
    w = SimpleNamespace(term=term, topic=TopicFactory(), education=education, transport=transport, health=health)
    w.member1 = MemberFactory(term=term, user=UserFactory(username="member1", first_name="李明华", roles=[roles.MEMBER])).user
    w.member2 = MemberFactory(term=term, user=UserFactory(username="member2", first_name="王秀英", roles=[roles.MEMBER])).user
    w.member3 = MemberFactory(term=term, user=UserFactory(username="member3", first_name="张建国", roles=[roles.MEMBER])).user
    w.outsider = UserFactory(username="outsider", first_name="非委员")
    w.staff = UserFactory(username="staff1", first_name="陈晓静", roles=[roles.STAFF])
    w.head = UserFactory(username="stafflead1", first_name="郑主任", roles=[roles.STAFF_HEAD])
    w.office = UserFactory(username="office1", first_name="刘振东", roles=[roles.SUPERVISION_OFFICE])
    w.unit1 = UnitMembershipFactory(unit=education, user=UserFactory(username="unit1", roles=[roles.UNIT_HANDLER])).user
    w.unit2 = UnitMembershipFactory(unit=transport, user=UserFactory(username="unit2", roles=[roles.UNIT_HANDLER])).user
    w.unit3 = UnitMembershipFactory(unit=health, user=UserFactory(username="unit3", roles=[roles.UNIT_HANDLER])).user
    w.unitlead1 = UnitMembershipFactory(unit=education, user=UserFactory(username="unitlead1", roles=[roles.UNIT_LEADER]),
                                        role=UnitMembership.Role.LEADER).user
    return w


def make_content(world, *, title="关于推进义务教育优质均衡发展的建议", kind="member", cosigners=()):
    return services.ProposalContent(
        kind=kind, title=title, reasons="城乡教育资源不均衡，农村学校师资不足。", suggestions="一是统筹编制；二是轮岗交流。",
        topic_id=world.topic.pk, no_secret_confirmed=True, cosigner_ids=tuple(u.pk for u in cosigners),
    )


def submitted(world, author=None, **kw):
    author = author or world.member1
    proposal = services.proposal_save_draft(actor=author, content=make_content(world, **kw))
    return services.proposal_submit(actor=author, proposal=proposal)


def first_review_passed(world, proposal, comment="建议立案"):
    """初审 by 提案委 staff: the proposal now waits for the 审定 decision of the committee head."""
    run = stages.running_chain(proposal, chains.REVIEW)
    stages.approve(actor=world.staff, task=stages.open_task_for(world.staff, run), comment=comment)
    return proposal


def reviewed(world, **kw):
    return first_review_passed(world, submitted(world, **kw))


def accepted(world, **kw):
    proposal = reviewed(world, **kw)
    return services.proposal_accept(actor=world.head, proposal=proposal, comment="同意立案")


def assigned(world, *, mode="lead", lead=None, co=None, **kw):
    proposal = accepted(world, **kw)
    lead = lead if lead is not None else [world.education]
    co = co if co is not None else ([world.transport] if mode == "lead" else [])
    return services.proposal_assign(actor=world.office, proposal=proposal, mode=mode,
                                    lead_unit_ids=[u.pk for u in lead], co_unit_ids=[u.pk for u in co])
