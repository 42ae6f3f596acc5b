"""Demo CPPCC term, roster, handling units, accounts, and proposals in every state the process reaches so far."""

import datetime

from django.utils import timezone

from workflows.demo import demo_user, seeder, unit
from workflows.models import Unit, UnitMembership

from . import roles, services
from .models import Assignment, Member, Session, Term, Topic

TOPICS = ["经济发展", "城乡建设", "三农", "教科文卫", "社会保障", "生态环境", "民族宗教", "其他"]
SECTORS = [
    ("中共", "第一组", Member.Affiliation.CPC), ("民革", "第一组", Member.Affiliation.REVOLUTIONARY),
    ("民盟", "第二组", Member.Affiliation.DEMOCRATIC_LEAGUE), ("民建", "第二组", Member.Affiliation.NATIONAL_CONSTRUCTION),
    ("无党派人士", "第三组", Member.Affiliation.NON_PARTY), ("工商联", "第三组", Member.Affiliation.MASSES),
    ("教育界", "第四组", Member.Affiliation.PROMOTION), ("医药卫生界", "第四组", Member.Affiliation.PEASANTS_WORKERS),
    ("农业界", "第五组", Member.Affiliation.MASSES), ("少数民族界", "第五组", Member.Affiliation.NON_PARTY),
]
NAMES = ["李明华", "王秀英", "张建国", "刘海燕", "陈志强", "杨丽娟", "赵文博", "黄晓梅", "周国平", "吴静怡",
         "徐卫东", "孙红霞", "马俊杰", "朱玉兰", "胡德胜", "郭美玲", "何振华", "林淑芬", "高永刚", "罗春燕"]


def content(title, reasons, suggestions, topic, kind="member", cosigners=()):
    return services.ProposalContent(
        kind=kind, title=title, reasons=reasons, suggestions=suggestions, topic_id=topic.pk,
        no_secret_confirmed=True, cosigner_ids=tuple(u.pk for u in cosigners),
    )


@seeder(order=10)
def seed_proposals(stdout):
    today = timezone.localdate()
    term = Term.objects.create(number=10, name="政协同心县第十届委员会", starts_on=datetime.date(2022, 1, 10),
                               ends_on=datetime.date(2027, 1, 9), is_current=True)
    Session.objects.create(term=term, number=5, opens_on=datetime.date(today.year, 1, 12),
                           closes_on=datetime.date(today.year, 1, 15),
                           submission_opens_on=datetime.date(today.year - 1, 10, 12),
                           submission_closes_on=datetime.date(today.year, 1, 14))
    topics = {name: Topic.objects.create(name=name, order=i) for i, name in enumerate(TOPICS)}

    cppcc = unit("政协提案委员会", Unit.Kind.CPPCC_OFFICE)
    office = unit("县政府督查室", Unit.Kind.SUPERVISION)
    education = unit("县教育局", Unit.Kind.HANDLING, phone="0000-1234501", address="同心县人民路 1 号")
    transport = unit("县交通运输局", Unit.Kind.HANDLING, phone="0000-1234502", address="同心县建设路 8 号")
    for name in ("县卫生健康局", "县农业农村局", "县住房和城乡建设局", "县生态环境局", "县人力资源和社会保障局"):
        unit(name, Unit.Kind.HANDLING)

    member1 = demo_user("member1", "李明华", groups=[roles.MEMBER])
    member2 = demo_user("member2", "王秀英", groups=[roles.MEMBER])
    staff = demo_user("staff1", "陈晓静", groups=[roles.STAFF], unit=cppcc)
    office1 = demo_user("office1", "刘振东", groups=[roles.SUPERVISION_OFFICE], unit=office)
    unit1 = demo_user("unit1", "赵雅琴", groups=[roles.UNIT_HANDLER], unit=education)
    unit2 = demo_user("unit2", "孙立军", groups=[roles.UNIT_HANDLER], unit=transport)
    demo_user("unitlead1", "周永康", groups=[roles.UNIT_LEADER], unit=education, unit_role=UnitMembership.Role.LEADER)
    demo_user("unitlead2", "吴海涛", groups=[roles.UNIT_LEADER], unit=transport, unit_role=UnitMembership.Role.LEADER)
    demo_user("leader1", "郑国华", groups=[roles.CPPCC_LEADER])
    demo_user("govlead1", "冯建军", groups=[roles.GOVERNMENT_LEADER])

    users = [member1, member2]
    for i, name in enumerate(NAMES[2:], start=3):
        users.append(demo_user(f"member{i}", name, groups=[roles.MEMBER]))
    for i, user in enumerate(users):
        sector, group, affiliation = SECTORS[i % len(SECTORS)]
        Member.objects.create(term=term, user=user, name=user.first_name, sector=sector, group=group,
                              affiliation=affiliation, is_standing=i < 4, work_unit=f"同心县第{i + 1}中学" if i % 3 == 0
                              else "同心县人民医院", address=f"同心县民主路 {i + 10} 号", postcode="751300",
                              phone=f"1390000{i:04d}")
    member3, member4 = users[2], users[3]

    def submitted(author, title, topic, **kw):
        proposal = services.proposal_save_draft(actor=author, content=content(
            title, f"{title}涉及群众切身利益，目前存在的主要问题是投入不足、机制不健全。",
            "一是加大投入；二是完善机制；三是加强督查落实。", topics[topic], **kw))
        return services.proposal_submit(actor=author, proposal=proposal)

    # 草稿
    services.proposal_save_draft(actor=member1, content=content("关于加强县城停车管理的建议", "", "", topics["城乡建设"]))
    # 征集联名: member2 has an invitation waiting
    submitted(member1, "关于建设县域养老服务中心的建议", "社会保障", kind="joint", cosigners=[member2, member3])
    # 待审查
    submitted(member2, "关于加快农村饮水安全巩固提升的建议", "三农")
    submitted(member3, "关于推进义务教育优质均衡发展的建议", "教科文卫")
    # 退回修改
    returned = submitted(member4, "关于发展特色产业的建议", "经济发展")
    services.proposal_return(actor=staff, proposal=returned, comment="请补充本县特色产业的具体情况和数据。")
    # 不予立案 (transferred as a 社情民意 report, with consent)
    rejected = submitted(member2, "关于解决本人子女就业问题的建议", "社会保障")
    services.proposal_reject(actor=staff, proposal=rejected, ground="7", disposition="letter", proposer_consent=True,
                             comment="属于个人问题，已征得本人同意转为委员来信处理。")
    # 已立案, then 并案
    master = submitted(member1, "关于改善城区交通拥堵的建议", "城乡建设")
    services.proposal_accept(actor=staff, proposal=master, comment="同意立案。", suggested_unit_ids=[transport.pk])
    merged = submitted(member3, "关于优化县城公交线路的建议", "城乡建设")
    services.proposal_merge(actor=staff, proposal=merged, master=master, comment="内容相近，并入主案办理。")
    # 撤案
    withdrawn = submitted(member4, "关于举办文化节的建议", "教科文卫")
    services.proposal_withdraw(actor=member4, proposal=withdrawn, reason="已通过其他渠道反映。")
    # 已交办: 主办 + 会办, one pending, one signed
    assigned = submitted(member1, "关于加强校园周边交通安全的建议", "教科文卫", kind="joint", cosigners=[member2])
    services.cosign_respond(actor=member2, proposal=assigned, confirm=True)
    services.proposal_accept(actor=staff, proposal=assigned, comment="同意立案。")
    services.proposal_assign(actor=office1, proposal=assigned, mode=Assignment.Role.LEAD,
                             lead_unit_ids=[education.pk], co_unit_ids=[transport.pk], comment="请认真办理。")
    services.assignment_receive(actor=unit1, assignment=assigned.assignments.get(unit=education))
    # 申请调整 waiting for 督查室
    disputed = submitted(member2, "关于规范校外培训机构的建议", "教科文卫")
    services.proposal_accept(actor=staff, proposal=disputed)
    services.proposal_assign(actor=office1, proposal=disputed, mode=Assignment.Role.SOLE, lead_unit_ids=[transport.pk])
    services.assignment_request_adjustment(actor=unit2, assignment=disputed.assignments.get(),
                                           reason="校外培训机构监管属于教育部门职责。")
    # 办理中: every unit has signed
    handling = submitted(member3, "关于加强乡村学校师资建设的建议", "教科文卫")
    services.proposal_accept(actor=staff, proposal=handling)
    services.proposal_assign(actor=office1, proposal=handling, mode=Assignment.Role.SOLE, lead_unit_ids=[education.pk])
    services.assignment_receive(actor=unit1, assignment=handling.assignments.get())
    stdout.write("  proposals: term, roster of %d members, %d units, demo proposals" % (
        len(users), Unit.objects.filter(kind=Unit.Kind.HANDLING).count()))
