"""Demo CPPCC term, roster, handling units, accounts, and proposals in every state the process reaches so far."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from workflows import stages
from workflows.demo import demo_user, plant_due, seeder, unit
from workflows.models import DueItem, Unit, UnitMembership

from . import chains, roles, services
from .models import Assignment, Member, OutcomeCategory, Session, Term, Topic

User = get_user_model()

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
    head = demo_user("stafflead1", "郑秋云", groups=[roles.STAFF_HEAD], unit=cppcc)
    unitlead1 = User.objects.get(username="unitlead1")
    unitlead2 = User.objects.get(username="unitlead2")
    categories = {c.code: c for c in OutcomeCategory.objects.all()}

    def submitted(author, title, topic, confirm=True, **kw):
        proposal = services.proposal_save_draft(actor=author, content=content(
            title, f"{title}涉及群众切身利益，目前存在的主要问题是投入不足、机制不健全。",
            "一是加大投入；二是完善机制；三是加强督查落实。", topics[topic], **kw))
        proposal = services.proposal_submit(actor=author, proposal=proposal)
        if confirm:
            for cosigner in kw.get("cosigners", ()):
                services.cosign_respond(actor=cosigner, proposal=proposal, confirm=True)
        return proposal

    def first_review(proposal, opinion="建议立案。"):
        run = stages.running_chain(proposal, chains.REVIEW)
        stages.approve(actor=staff, task=stages.open_task_for(staff, run), comment=opinion)
        return proposal

    def accepted(author, title, topic, **kw):
        proposal = first_review(submitted(author, title, topic, **kw))
        return services.proposal_accept(actor=head, proposal=proposal, comment="同意立案。")

    def assigned(author, title, topic, *, lead, co=(), **kw):
        proposal = accepted(author, title, topic, **kw)
        mode = Assignment.Role.LEAD if co else Assignment.Role.SOLE
        return services.proposal_assign(actor=office1, proposal=proposal, mode=mode, lead_unit_ids=[lead.pk],
                                        co_unit_ids=[u.pk for u in co], comment="请认真办理。")

    def in_handling(author, title, topic, **kw):
        proposal = assigned(author, title, topic, **kw)
        for part in proposal.assignments.all():
            handler = unit1 if part.unit == education else unit2
            services.assignment_receive(actor=handler, assignment=part)
            if part.role == Assignment.Role.CO:
                services.co_opinion_submit(actor=handler, assignment=part, body="同意主办单位意见，我局将配合落实。")
            else:
                services.contact_log_add(actor=handler, assignment=part, held_on=today, form="phone",
                                         participants=f"{part.unit} 经办人、{author.first_name}",
                                         summary="电话沟通办理思路，提案者表示理解。")
        return proposal

    def replied(author, title, topic, category="A", **kw):
        proposal = in_handling(author, title, topic, **kw)
        for part in proposal.assignments.exclude(role=Assignment.Role.CO):
            answer(part, category)
        return proposal

    def answer(part, category):
        handler, leader = (unit1, unitlead1) if part.unit == education else (unit2, unitlead2)
        reply = services.reply_save_draft(actor=handler, assignment=part, content=services.ReplyContent(
            body="经研究，现答复如下：一、已将相关工作纳入年度计划；二、正在协调资金；三、将定期向您通报进展。",
            category_id=categories[category].pk, reference_number=f"同{part.unit.name[1:3]}提〔{today.year}〕{part.pk}号",
            contact_person=handler.first_name, contact_phone="0000-1234567"))
        services.reply_submit(actor=handler, reply=reply)
        run = stages.running_chain(reply, chains.REPLY)
        for actor in (unit2 if part.unit == education else unit1, leader, office1):
            task = stages.open_task_for(actor, run)
            if task is not None:
                stages.approve(actor=actor, task=task, comment="同意。")

    # 草稿
    services.proposal_save_draft(actor=member1, content=content("关于加强县城停车管理的建议", "", "", topics["城乡建设"]))
    # 征集联名: member2 has an invitation waiting
    submitted(member1, "关于建设县域养老服务中心的建议", "社会保障", confirm=False, kind="joint",
              cosigners=[member2, member3])
    # 初审 waiting for staff1; 审定 waiting for stafflead1
    submitted(member2, "关于加快农村饮水安全巩固提升的建议", "三农")
    first_review(submitted(member3, "关于推进义务教育优质均衡发展的建议", "教科文卫"))
    # 退回修改
    returned = submitted(member4, "关于发展特色产业的建议", "经济发展")
    services.proposal_return(actor=staff, proposal=returned, comment="请补充本县特色产业的具体情况和数据。")
    # 不予立案 (forwarded as a member's letter, with consent)
    rejected = first_review(submitted(member2, "关于解决本人子女就业问题的建议", "社会保障"), "建议不予立案。")
    services.proposal_reject(actor=head, proposal=rejected, ground="7", disposition="letter", proposer_consent=True,
                             comment="属于个人问题，已征得本人同意转为委员来信处理。")
    # 已立案 (待交办), then 并案 into it
    master = accepted(member1, "关于改善城区交通拥堵的建议", "城乡建设")
    merged = first_review(submitted(member3, "关于优化县城公交线路的建议", "城乡建设"), "建议并案。")
    services.proposal_merge(actor=head, proposal=merged, master=master, comment="内容相近，并入主案办理。")
    # 撤案
    withdrawn = submitted(member4, "关于举办文化节的建议", "教科文卫")
    services.proposal_withdraw(actor=member4, proposal=withdrawn, reason="已通过其他渠道反映。")
    # 已交办 (主办 + 会办): one unit signed, the other not yet
    joint = assigned(member1, "关于加强校园周边交通安全的建议", "教科文卫", lead=education, co=[transport],
                     kind="joint", cosigners=[member2])
    services.assignment_receive(actor=unit1, assignment=joint.assignments.get(unit=education))
    # 申请调整 waiting for 督查室
    disputed = assigned(member2, "关于规范校外培训机构的建议", "教科文卫", lead=transport)
    services.assignment_request_adjustment(actor=unit2, assignment=disputed.assignments.get(),
                                           reason="校外培训机构监管属于教育部门职责。")
    # 办理中, one of them overdue
    in_handling(member3, "关于加强乡村学校师资建设的建议", "教科文卫", lead=education)
    overdue = in_handling(member4, "关于改造老旧小区供水管网的建议", "城乡建设", lead=transport)
    part = overdue.assignments.get()
    # Through the due item, the one stored deadline, as an extension would (a new due-date version).
    plant_due(DueItem.objects.get(subject_type=ContentType.objects.get_for_model(Assignment), subject_id=str(part.pk),
                                  purpose="reply", state=DueItem.State.OPEN),
              timezone.now() - datetime.timedelta(days=10))
    # 答复函 in the reply chain: waiting for the leader's 签发
    signing = in_handling(member1, "关于建设智慧农业示范园的建议", "三农", lead=education)
    reply = services.reply_save_draft(actor=unit1, assignment=signing.assignments.get(), content=services.ReplyContent(
        body="经研究，拟答复如下：已列入明年工作计划。", category_id=categories["B"].pk, contact_person="赵雅琴",
        contact_phone="0000-1234501"))
    services.reply_submit(actor=unit1, reply=reply)
    # 已答复, waiting for the evaluation (joint proposal: both proposers evaluate)
    replied(member1, "关于完善农村客运网络的建议", "城乡建设", lead=transport, co=[education], kind="joint",
            cosigners=[member2])
    # 办结 after a satisfied evaluation; a key proposal with its supervision record
    done = replied(member2, "关于加强城乡医疗卫生服务体系建设的建议", "教科文卫", lead=education, category="A")
    services.evaluation_submit(actor=member2, proposal=done, work_rating="satisfied", result_rating="satisfied",
                               comment="办理认真，结果满意。")
    services.proposal_conclude(actor=staff, proposal=done, comment="评价满意，办结。")
    services.key_propose(actor=staff, proposal=master, comment="群众关注度高。")
    services.key_decide(actor=staff, proposal=master, approved=True, decided_on=today, decision="主席会议同意列为重点提案。",
                        supervisor=User.objects.get(username="leader1"),
                        lead_official=User.objects.get(username="govlead1"))
    # 不满意 twice: re-handled, then waiting for the face-to-face meeting before 办结
    twice = replied(member3, "关于加快推进县城污水处理设施建设的建议", "生态环境", lead=transport, category="C")
    services.evaluation_submit(actor=member3, proposal=twice, work_rating="basic", result_rating="dissatisfied",
                               comment="答复未提出具体时间表。")
    answer(twice.assignments.get(), "B")
    services.evaluation_submit(actor=member3, proposal=twice, work_rating="basic", result_rating="dissatisfied",
                               comment="仍缺少资金安排。")
    stdout.write("  proposals: term, roster of %d members, %d units, demo proposals" % (
        len(users), Unit.objects.filter(kind=Unit.Kind.HANDLING).count()))
