"""Demo cadre data: about 200 people in every pool state, county and prefecture rosters (shares near the §5.1
targets, a previous county CPPCC term as history), a staffing sheet, the cadre-side accounts, and nomination cases
in every state of §4.3 (one at each UFWD gate, one whose party-opinion stage was skipped by rule).

Everything goes through the services, so every record has its timeline. A fixed seed keeps the numbers stable.
"""

import datetime
import random
from unittest import mock

from django.contrib.auth import get_user_model
from django.utils import timezone

from notifications.services import mark_read
from workflows import stages
from workflows.demo import demo_user, seeder, unit
from workflows.models import Unit, UnitMembership

from . import chains, identity, process, representatives, roles, services
from .models import (
    CPPCC_BODIES,
    DEMOCRATIC_PARTIES,
    Affiliation,
    Assessment,
    CaseStatus,
    Education,
    NominationCase,
    Person,
    PoolReview,
    PoolState,
    PostKind,
    PostLevel,
    RemovalReason,
    RosterBody,
    TrainingRecord,
    UnitedFrontCategory,
)
from .services import cases as case_services
from .services import joint

SEED = 2026
REGION = "640324"  # 同心县
SURNAMES = "马李王张杨刘丁金海白田何周赵陈吴罗冯黄苏哈撒余孙胡郭林高".replace("", " ").split()
GIVEN = "文建国秀兰志强海燕明华淑芬振东晓梅玉珍学军红霞德胜丽娟永刚春燕俊杰静怡卫东国平丽萍成林慧敏自成宏伟"
PARTIES = [(Affiliation.MINMENG, 16), (Affiliation.MINGE, 8), (Affiliation.MINJIAN, 10), (Affiliation.MINJIN, 9),
           (Affiliation.NONGGONG, 7), (Affiliation.ZHIGONG, 4), (Affiliation.JIUSAN, 8), (Affiliation.TAIMENG, 1),
           (Affiliation.NON_PARTY, 27), (Affiliation.MASSES, 10)]
EDUCATION = [(Education.SECONDARY, 2), (Education.COLLEGE, 15), (Education.BACHELOR, 60), (Education.MASTER, 20),
             (Education.DOCTOR, 3)]
ETHNICITIES = [("汉族", 50), ("回族", 44), ("蒙古族", 2), ("满族", 2), ("东乡族", 2)]
LEVELS = [(PostLevel.DEPUTY_DIVISION, 5), (PostLevel.SECTION, 25), (PostLevel.DEPUTY_SECTION, 40),
          (PostLevel.STAFF, 20), ("", 10)]
UNITS = ["县教育局", "县卫生健康局", "县人民医院", "县中医医院", "县第一中学", "县职业技术学校", "县农业农村局",
         "县科学技术局", "县自然资源局", "县市场监督管理局", "县文化旅游广电局", "县人民法院", "县人民检察院",
         "县住房和城乡建设局", "县统计局", "县审计局", "县民族宗教事务局", "豫海镇人民政府", "河西镇人民政府"]
# Posts by kind of unit (head, deputy, staff); representative figures hold no public post.
POSTS = [("法院", ("院长", "副院长", "法官")), ("检察院", ("检察长", "副检察长", "检察官")),
         ("医院", ("院长", "副院长", "主治医师")), ("学校", ("校长", "副校长", "教师")),
         ("中学", ("校长", "副校长", "教师")), ("政府", ("镇长", "副镇长", "科员")), ("", ("局长", "副局长", "科员"))]
LEVEL_POST = {PostLevel.DEPUTY_DIVISION: 0, PostLevel.SECTION: 0, PostLevel.DEPUTY_SECTION: 1, PostLevel.STAFF: 2}


def post_for(unit_name: str, level: str) -> str:
    if level not in LEVEL_POST:
        return ""
    return next(posts for suffix, posts in POSTS if unit_name.endswith(suffix))[LEVEL_POST[level]]


# How many people end in each pool state (200 in all).
STATES = [(PoolState.NONE, 70), (PoolState.PROPOSED, 15), (PoolState.ASSESSING, 12), (PoolState.CONFIRMING, 10),
          (PoolState.IN_POOL, 60), (PoolState.USED, 10), (PoolState.REMOVED, 13), (PoolState.NOT_ADMITTED, 10)]


def weighted(rng, pairs):
    return rng.choices([value for value, _weight in pairs], weights=[weight for _value, weight in pairs])[0]


def id_number(rng, birth: datetime.date, gender: str, used: set) -> str:
    while True:
        sequence = rng.randrange(0, 100) * 10 + rng.randrange(0, 5) * 2 + (1 if gender == "m" else 0)
        first17 = f"{REGION}{birth:%Y%m%d}{sequence:03d}"
        number = first17 + identity.check_character(first17)
        if number not in used:
            used.add(number)
            return number


def person_data(rng, used) -> services.PersonData:
    gender = rng.choice("mf")
    today = timezone.localdate()
    birth = today - datetime.timedelta(days=rng.randrange(27 * 365, 58 * 365))
    level = weighted(rng, LEVELS)
    ethnicity = weighted(rng, ETHNICITIES)
    party = weighted(rng, PARTIES)
    return services.PersonData(
        name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
        id_number=id_number(rng, birth, gender, used),
        ethnicity=ethnicity,
        party=party,
        party_joined_on=birth.replace(year=birth.year + rng.randrange(25, 35), day=1)
        if party not in (Affiliation.NON_PARTY, Affiliation.MASSES) else None,
        uf_category=UnitedFrontCategory.ETHNIC if ethnicity != "汉族" and rng.random() < .4
        else UnitedFrontCategory.INTELLECTUAL,
        education=weighted(rng, EDUCATION),
        work_unit=(work_unit := rng.choice(UNITS)),
        current_post=post_for(work_unit, level),
        post_level=level,
        is_leadership_post=level in (PostLevel.DEPUTY_DIVISION, PostLevel.SECTION, PostLevel.DEPUTY_SECTION)
        and rng.random() < .7,
        native_place="宁夏同心",
        work_started_on=birth.replace(year=birth.year + 22, month=7, day=1),
        phone=f"139{rng.randrange(10**8):08d}",
        address=f"同心县豫海镇{rng.choice(['民主', '团结', '清真', '文化'])}路 {rng.randrange(1, 300)} 号",
    )


def seed_people(rng, *, org1, uf1, orglead1, uflead1, party1, party_unit, units):
    used = set()
    plan = [state for state, count in STATES for _ in range(count)]
    rng.shuffle(plan)
    today = timezone.localdate()
    for index, target in enumerate(plan):
        data = person_data(rng, used)
        by_party = target != PoolState.NONE and index % 8 == 0
        if by_party:
            person = services.person_recommend(actor=party1, data=data, recommending_unit=party_unit,
                                               reason="政治素质好，业务能力强，在群众中有较高威望。")
        else:
            person = services.person_create(actor=uf1, data=data)
            if target != PoolState.NONE:
                services.pool_recommend(actor=rng.choice((uf1, org1)), person=person,
                                        recommending_unit=rng.choice(units), reason="年度党外后备干部推荐。")
        if rng.random() < .5:
            services.person_add_post(actor=uf1, person=person, started_on=data.work_started_on,
                                     ended_on=data.work_started_on.replace(year=data.work_started_on.year + 6),
                                     unit=rng.choice(UNITS), post="科员")
        if rng.random() < .3:
            services.person_add_family_member(actor=uf1, person=person, relation="配偶", name=rng.choice(SURNAMES) + "某",
                                              political_status="群众", work_and_post="同心县某单位职工")
        if target in (PoolState.NONE, PoolState.PROPOSED):
            continue
        services.pool_start_assessment(actor=org1, person=person)
        if target == PoolState.ASSESSING:
            continue
        suitable = target != PoolState.NOT_ADMITTED or rng.random() < .5
        services.pool_assess(actor=uf1, person=person, suitable=suitable, issued_by="县委组织部、县委统战部",
                             comment="综合评价：政治立场坚定，履职能力较强。" if suitable else "综合评价：群众基础较弱，暂不宜入库。")
        if target == PoolState.NOT_ADMITTED:
            # negative decisions need both departments: the other one confirms (services.joint)
            if suitable:
                services.pool_decline(actor=orglead1, person=person, reason="两部会商，暂缓入库，继续培养观察。")
            joint.decision_confirm(actor=orglead1 if not suitable else uflead1, decision=joint.open_decision(person),
                                   comment="同意。")
            continue
        if target == PoolState.CONFIRMING:
            if index % 2:
                services.pool_confirm(actor=rng.choice((org1, orglead1)), person=person, comment="同意入库。")
            continue
        services.pool_confirm(actor=orglead1, person=person, comment="同意入库。")
        services.pool_confirm(actor=uflead1, person=person, comment="同意入库。")
        if rng.random() < .4:
            services.person_add_training(actor=uf1, person=person, kind=TrainingRecord.Kind.TRAINING,
                                         title="全县党外干部培训班", organiser="县委统战部",
                                         started_on=today - datetime.timedelta(days=200),
                                         ended_on=today - datetime.timedelta(days=195))
        if rng.random() < .2:
            services.person_add_training(actor=org1, person=person, kind=TrainingRecord.Kind.SECONDMENT,
                                         title="豫海镇人民政府挂职副镇长", organiser="县委组织部",
                                         started_on=today - datetime.timedelta(days=365))
        services.person_add_assessment(actor=org1, person=person, kind=Assessment.Kind.ANNUAL,
                                       year=today.year - 1, result=rng.choice(["优秀", "称职", "称职"]),
                                       issued_by=data.work_unit)
        if target == PoolState.USED:
            new_unit = rng.choice([u for u in UNITS if u.endswith("局")])
            services.pool_use(actor=org1, person=person, unit=new_unit, post="副局长",
                              used_on=today - datetime.timedelta(days=rng.randrange(10, 300)),
                              appointment_ref=f"同组任〔{today.year}〕{rng.randrange(1, 60)}号")
        elif target == PoolState.REMOVED:
            if index % 3:
                services.pool_remove(actor=uf1, person=person, reason=rng.choice(
                    [RemovalReason.AGE, RemovalReason.TRANSFERRED, RemovalReason.OWN_WISH]))
            else:
                services.pool_review(actor=uf1, person=person, year=today.year - 1, result=PoolReview.Result.REMOVE,
                                     comment="年度动态调整。", removal_reason=RemovalReason.JOINED_CPC)
            joint.decision_confirm(actor=org1, decision=joint.open_decision(person), comment="同意出库。")
        elif rng.random() < .3:
            services.pool_review(actor=uf1, person=person, year=today.year - 1, result=PoolReview.Result.KEEP,
                                 comment="表现良好，继续保留。")


def roster_rows(rng, *, counts, is_cppcc, people=()):
    """Entries with exactly the given counts; ``people`` (non-Party person records) are put on the list first.

    counts: (members, non-CPC, standing, non-CPC standing, vice-chairs, non-CPC vice-chairs); vice-chairs are
    standing members too.
    """
    members, non_cpc, standing, standing_nc, vice, vice_nc = counts
    sectors = ["民革", "民盟", "民建", "无党派人士", "工商联", "教育界", "医药卫生界", "农业界", "少数民族界", "宗教界",
               "经济界"]
    parties = [Affiliation.MINMENG, Affiliation.MINGE, Affiliation.MINJIAN, Affiliation.NON_PARTY, Affiliation.MASSES,
               Affiliation.JIUSAN]
    groups = [(True, non_cpc, standing_nc, vice_nc), (False, members - non_cpc, standing - standing_nc, vice - vice_nc)]
    rows, used, people = [], set(), list(people)
    for is_non_cpc, size, standing_n, vice_n in groups:
        for position in range(size):
            person = people.pop() if is_non_cpc and people else None
            name = person.name if person else rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
            birth = person.birth_date.replace(day=1) if person else datetime.date(
                rng.randrange(1960, 1995), rng.randrange(1, 13), 1)
            while (name, birth) in used:
                name, birth = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)), birth.replace(month=birth.month % 12 + 1)
            used.add((name, birth))
            rows.append({
                "name": name, "gender": rng.choice("mf"), "ethnicity": weighted(rng, ETHNICITIES),
                "birth_month": birth,
                "affiliation": (person.party if person else rng.choice(parties)) if is_non_cpc else Affiliation.CPC,
                "sector": (rng.choice(sectors) if is_non_cpc else "中共") if is_cppcc else "",
                "constituency": "" if is_cppcc else f"第{rng.randrange(1, 40)}选区",
                "work_post": f"{rng.choice(UNITS)}{rng.choice(['干部', '教师', '医生'])}",
                "is_standing": position < standing_n, "is_vice_chair": position < vice_n,
            })
    return rows


# body, number, name, start, (members, non-CPC, standing, non-CPC standing, vice-chairs, non-CPC vice-chairs)
ROSTERS = [
    (RosterBody.COUNTY_CPPCC, 9, "政协同心县第九届委员会", datetime.date(2017, 1, 8), (120, 70, 25, 15, 5, 2)),
    (RosterBody.COUNTY_CPPCC, 10, "政协同心县第十届委员会", datetime.date(2022, 1, 10), (140, 86, 30, 20, 6, 3)),
    (RosterBody.COUNTY_NPC, 18, "同心县第十八届人民代表大会", datetime.date(2021, 12, 28), (150, 42, 25, 7, 5, 1)),
    (RosterBody.PREFECTURE_CPPCC, 7, "政协吴忠市第七届委员会（同心县）", datetime.date(2022, 1, 6), (20, 11, 5, 3, 1, 1)),
    (RosterBody.PREFECTURE_NPC, 6, "吴忠市第六届人民代表大会（同心县代表）", datetime.date(2021, 12, 30), (24, 7, 3, 1, 0, 0)),
]


def seed_rosters(rng, uf1):
    """The county CPPCC's ninth term is opened first, so the tenth's 换届 leaves it as history."""
    figures = list(Person.objects.filter(pool_state=PoolState.NONE).order_by("pk")[:20])
    for body, number, name, starts, counts in ROSTERS:
        term = services.roster_term_open(actor=uf1, body=body, number=number, name=name, starts_on=starts)
        linked = figures if (body, number) == (RosterBody.COUNTY_CPPCC, 10) else ()
        rows = roster_rows(rng, counts=counts, is_cppcc=body in CPPCC_BODIES, people=linked)
        services.roster_import(actor=uf1, term=term, rows=list(enumerate(rows, start=2)))


def seed_staffing(org1, uf1, orglead1, uflead1):
    year = timezone.localdate().year
    # 已配 is computed from the posts held (nomination.joint_selectors), never typed.
    teams = [("县人民政府领导班子", 2), ("县人大常委会领导班子", 1), ("县政协领导班子", 3),
             ("县人民法院领导班子", 1), ("县人民检察院领导班子", 1), ("县教育局领导班子", 1),
             ("县卫生健康局领导班子", 1), ("县科学技术局领导班子", 1), ("县市场监督管理局领导班子", 1)]
    for index, (team, required) in enumerate(teams):
        target = services.staffing_target_save(actor=org1 if index % 2 else uf1, year=year, team=team,
                                               required=required)
        if index < 7:
            services.staffing_target_confirm(actor=orglead1, target=target)
            services.staffing_target_confirm(actor=uflead1, target=target)
        elif index == 7:
            services.staffing_target_confirm(actor=org1, target=target)


@seeder(order=20)
def seed_nomination(stdout):
    rng = random.Random(SEED)  # nosec B311  # repeatable demo data, not a secret
    org_dept = unit("县委组织部", Unit.Kind.ORG_DEPT)
    uf_dept = unit("县委统战部", Unit.Kind.UF_DEPT)
    party_unit = unit("民盟同心县委员会", Unit.Kind.PARTY, short_name="民盟县委")
    others = [unit(name, Unit.Kind.PARTY) for name in ("民革同心县支部", "民建同心县委员会", "九三学社同心县支社")]
    others += [unit("同心县工商业联合会", Unit.Kind.OTHER, short_name="县工商联"),
               unit("同心县知识分子联谊会", Unit.Kind.OTHER, short_name="县知联会")]
    discipline = unit("县纪委监委", Unit.Kind.DISCIPLINE)

    org1 = demo_user("org1", "何建平", groups=[roles.ORG_CADRE], unit=org_dept)
    orglead1 = demo_user("orglead1", "高志远", groups=[roles.ORG_LEADER], unit=org_dept,
                         unit_role=UnitMembership.Role.LEADER)
    uf1 = demo_user("uf1", "马丽华", groups=[roles.UF_CADRE], unit=uf_dept)
    uflead1 = demo_user("uflead1", "丁学文", groups=[roles.UF_LEADER], unit=uf_dept,
                        unit_role=UnitMembership.Role.LEADER)
    party1 = demo_user("party1", "金淑芬", groups=[roles.PARTY_ORG], unit=party_unit)
    demo_user("jiwei1", "白振东", groups=[roles.DISCIPLINE], unit=discipline)

    recommending = [org_dept, uf_dept, party_unit, *others]
    seed_people(rng, org1=org1, uf1=uf1, orglead1=orglead1, uflead1=uflead1, party1=party1, party_unit=party_unit,
                units=recommending)
    seed_rosters(rng, uf1)
    seed_staffing(org1, uf1, orglead1, uflead1)
    for user in (org1, orglead1, uf1, uflead1, party1):
        mark_read(user=user)
    counts = {state.label: Person.objects.filter(pool_state=state).count() for state in PoolState}
    stdout.write("  nomination: %d people (%s), rosters, staffing sheet" % (
        Person.objects.count(), "，".join(f"{label} {n}" for label, n in counts.items())))


# --- nomination cases in every state (DOMAIN §4.3) ------------------------------------------------------------------


class CaseWalker:
    """Walks one demo case step by step through the services and chains, as the users would."""

    def __init__(self, users, party_unit):
        self.u, self.party_unit = users, party_unit

    def _task(self, user, case, slot, key=None):
        run = stages.running_chain(case, slot)
        tasks = run.tasks.filter(status="open", assignee=user) if run else None
        if tasks is not None and key:
            tasks = tasks.filter(stage__key=key)
        return tasks.first() if tasks is not None else None

    def _approve(self, user, case, slot, key=None, comment="同意"):
        task = self._task(user, case, slot, key)
        if task is not None:
            stages.approve(actor=user, task=task, comment=comment)

    def _reload(self, case):
        return NominationCase.objects.get(pk=case.pk)

    def run(self, case, steps, *, today, nominee):
        u = self.u
        for step in steps:
            case = self._reload(case)
            match step:
                case "submit":
                    process.motion_submit(actor=u["org1"], case=case)
                case "draft_motion" | "draft_decision":
                    gate = step.removeprefix("draft_")
                    process.ufwd_opinion_submit(actor=u["uf1"], case=case, gate=gate, stance="suggest",
                                                text="同意。建议注重其在基层一线的历练，加强党外干部培养。")
                case "sign_motion" | "sign_decision":
                    opinion = case.ufwd_opinions.get(gate=step.removeprefix("sign_"))
                    process.ufwd_opinion_submit(actor=u["uflead1"], case=case, gate=opinion.gate,
                                                stance=opinion.stance, text=opinion.text, comment="同意签发")
                case "approve_motion":
                    process.motion_approve(actor=u["org1"], case=case, approved_on=today, meeting="部务会")
                case "recommend":
                    votes = {p.pk: 40 if p.pk == nominee.pk else 23 for p in case.candidates.all()}
                    categories = ("leadership", "middle_cadres", "staff")
                    if case.is_body_leadership:
                        categories += ("party_heads", "acfic_heads", "non_party")
                    process.recommendation_record(actor=u["org1"], case=case, data=process.RecommendationData(
                        form="meeting", held_on=today, categories=categories, participants=46, votes=votes,
                        talk_summary="会议推荐后个别谈话 15 人。"))
                case "fix":
                    process.candidate_fix(actor=u["org1"], case=case, nominee=nominee,
                                          party_org_unit=self.party_unit if nominee.party in DEMOCRATIC_PARTIES
                                          else None, comment="部务会研究，会同统战部确定。")
                case "vet":
                    process.vetting_start(actor=u["org1"], case=case, members=[u["org1"], u["uf1"]], leader=u["org1"])
                case "opinions":
                    self._approve(u["jiwei1"], case, chains.VETTING, chains.INTEGRITY, "未发现影响使用的问题线索")
                    self._approve(u["org1"], case, chains.VETTING, "integrity-conclusion",
                                  "所在单位党委书记、纪委书记已签字，结论：廉洁自律情况良好")
                    self._approve(u["org1"], case, chains.VETTING, "file-checks",
                                  "档案审核无问题；个人有关事项报告查核一致；无具体可查的信访举报")
                    self._approve(u["party1"], case, chains.VETTING, chains.PARTY_OPINION, "同意推荐")
                case "report":
                    process.vetting_report_submit(actor=u["org1"], case=case,
                                                  report="民主测评优秀率 88%，个别谈话 15 人，反映良好。")
                    process.vetting_uf_opinion_submit(actor=u["uf1"], case=case,
                                                      opinion="该同志政治立场坚定，参政议政能力强，同意作为拟任人选。")
                case "package":
                    process.package_submit(actor=u["org1"], case=case, summary="干部任免审批表、考察材料、统战部意见、廉政意见。")
                    self._approve(u["uflead1"], case, chains.SIGNOFF, "uf-deputy")
                case "cosign_org":
                    self._approve(u["orglead1"], case, chains.SIGNOFF, chains.ORG_COSIGN, "同意提交常委会")
                case "cosign_uf":
                    self._approve(u["uflead1"], case, chains.SIGNOFF, chains.UF_COSIGN, "同意提交常委会")
                case "approved" | "rejected" | "deferred":
                    process.decision_record(actor=u["org1"], case=case, decision=step,
                                            meeting_date=today - datetime.timedelta(days=30),
                                            minutes_ref=f"县委常委会〔{today.year}〕{case.pk + 10}次")
                case "notice_past" | "notice_now":
                    start = today - datetime.timedelta(days=25) if step == "notice_past" else today
                    # A past notice is seeded as entered on its first day (a notice never starts before that).
                    with mock.patch.object(case_services, "_today", return_value=start):
                        process.notice_publish(actor=u["org1"], case=case, starts_on=start,
                                               ends_on=process.notice_minimum_end(start), channel="同心县人民政府网站",
                                               contact="县委组织部干部监督室 0953-8012345")
                case "objection":
                    process.objection_record(actor=u["org1"], case=case, received_on=case.notice_starts_on,
                                             source="来电", summary="反映其在原单位工作作风问题。")
                case "verify":
                    for objection in case.objections.filter(verified_at__isnull=True):
                        process.objection_verify(actor=u["org1"], objection=objection,
                                                 finding="经核查，反映问题不属实。", affects_appointment=False)
                case "fire":
                    # What the sweep does at the due time of the legal waits (their due items' automatic actions).
                    process.notice_period_end(case=case)
                    process.probation_period_end(case=case)
                case "conclude":
                    process.notice_conclude(actor=u["org1"], case=case, proceed=True)
                case "legal":
                    process.legal_record(actor=u["org1"], case=case, passed=True, held_on=today,
                                         note="县人大常委会会议表决通过")
                case "appoint" | "appoint_past":
                    notice_on = today if step == "appoint" else today - datetime.timedelta(days=380)
                    process.appointment_record(actor=u["org1"], case=case,
                                               reference=f"同组任〔{notice_on.year}〕{case.pk + 20}号",
                                               notice_on=notice_on, talk_on=notice_on, starts_on=notice_on)
                case "assess_confirm" | "assess_remove":
                    process.probation_assess(actor=u["org1"], case=case, result=step.removeprefix("assess_"),
                                             summary="试用期满，经两部共同考核。")
                case "probation_signed":
                    self._approve(u["orglead1"], case, chains.PROBATION)
                    self._approve(u["uflead1"], case, chains.PROBATION)
                case "upward":
                    process.upward_recommend(actor=u["org1"], case=case, sent_on=today,
                                             reference=f"同组呈〔{today.year}〕{case.pk}号")
                case "upward_outcome":
                    process.upward_outcome(actor=u["org1"], case=case, outcome="州委常委会研究同意任命")
                case "withdraw":
                    process.case_withdraw(actor=u["org1"], case=case, reason="本人因家庭原因申请不再参加此次选拔。")
        return self._reload(case)


GATE1 = ["submit"]
MOTION = GATE1 + ["draft_motion", "sign_motion", "approve_motion"]
TO_VETTING = MOTION + ["recommend", "fix", "vet"]
VETTED = TO_VETTING + ["opinions", "report"]
SIGNED = VETTED + ["draft_decision", "sign_decision", "package", "cosign_org", "cosign_uf"]
NOTICE_DONE = SIGNED + ["approved", "notice_past", "fire"]
# (unit, post, level, kind, managed by, nominee's party, steps): one case in every state of §4.3.
DEMO_CASES = [
    ("县统计局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.MINMENG, []),
    ("县审计局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.MINMENG, GATE1),
    ("县民族宗教事务局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.NON_PARTY,
     GATE1 + ["draft_motion"]),
    ("县科学技术局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.MINMENG, MOTION),
    ("县文化旅游广电局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.MINMENG,
     MOTION + ["recommend"]),
    ("县市场监督管理局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.MINMENG,
     MOTION + ["recommend", "fix"]),
    ("县卫生健康局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.MINMENG, TO_VETTING),
    ("县农业农村局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.NON_PARTY,
     TO_VETTING),
    ("县自然资源局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.MINMENG, VETTED),
    ("县住房和城乡建设局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.MINMENG,
     VETTED + ["draft_decision", "sign_decision", "package"]),
    ("县人民医院", "副院长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.MINMENG, SIGNED),
    ("县教育局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.MINMENG,
     SIGNED + ["approved"]),
    ("县中医医院", "副院长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.NON_PARTY,
     SIGNED + ["rejected"]),
    ("县职业技术学校", "副校长", PostLevel.DEPUTY_SECTION, PostKind.INTERNAL_HEAD, "county", Affiliation.MINMENG,
     SIGNED + ["deferred"]),
    ("县第一中学", "副校长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.MINMENG,
     SIGNED + ["approved", "notice_now"]),
    ("县人民法院", "副院长", PostLevel.SECTION, PostKind.NPC_APPOINTED, "county", Affiliation.MINMENG,
     SIGNED + ["approved", "notice_now", "objection"]),
    ("县人民检察院", "副检察长", PostLevel.SECTION, PostKind.NPC_APPOINTED, "county", Affiliation.NON_PARTY,
     NOTICE_DONE + ["conclude"]),
    ("县发展和改革局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.MINMENG,
     NOTICE_DONE + ["conclude"]),
    ("县人民政府", "副县长", PostLevel.DEPUTY_DIVISION, PostKind.ELECTED, "county", Affiliation.MINMENG,
     NOTICE_DONE + ["conclude", "legal", "appoint"]),
    ("县财政局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.NON_PARTY,
     NOTICE_DONE + ["conclude", "appoint"]),
    ("县交通运输局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.MINMENG,
     NOTICE_DONE + ["conclude", "appoint_past", "fire"]),
    ("县水务局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.MINMENG,
     NOTICE_DONE + ["conclude", "appoint_past", "fire", "assess_confirm", "probation_signed"]),
    ("县林业和草原局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.NON_PARTY,
     NOTICE_DONE + ["conclude", "appoint_past", "fire", "assess_remove", "probation_signed"]),
    ("县人大常委会", "副主任", PostLevel.DEPUTY_DIVISION, PostKind.ELECTED, "prefecture", Affiliation.MINMENG,
     SIGNED + ["approved", "upward"]),
    ("县政协", "副主席", PostLevel.DEPUTY_DIVISION, PostKind.ELECTED, "prefecture", Affiliation.NON_PARTY,
     SIGNED + ["approved", "upward", "upward_outcome"]),
    ("县应急管理局", "副局长", PostLevel.DEPUTY_SECTION, PostKind.DEPT_DEPUTY, "county", Affiliation.MINMENG,
     TO_VETTING + ["withdraw"]),
]


def seed_cases(rng, users, party_unit):
    today = timezone.localdate()
    pool = list(Person.objects.filter(pool_state=PoolState.IN_POOL).order_by("pk"))
    party_members = [p for p in pool if p.party == Affiliation.MINMENG]
    others = [p for p in pool if p.party in (Affiliation.NON_PARTY, Affiliation.MASSES)]
    walker = CaseWalker(users, party_unit)
    for index, (post_unit, title, level, kind, managed_by, party, steps) in enumerate(DEMO_CASES):
        nominees = party_members if party == Affiliation.MINMENG else others
        nominee = nominees[index % len(nominees)]
        second = rng.choice([p for p in pool if p.pk != nominee.pk])
        # The nominee takes a post when appointed: later cases pick among those still in the pool.
        case = process.case_create(actor=users["org1"], data=process.CaseData(
            post_unit=post_unit, post_title=title, post_level=level, post_kind=kind, managed_by=managed_by,
            is_body_leadership=kind == PostKind.ELECTED,
            legal_body=("npc" if title == "副县长" else "npc_standing" if kind == PostKind.NPC_APPOINTED
                        else "cppcc" if title == "副主席" else "npc_standing" if kind == PostKind.ELECTED else ""),
            motion_text=f"{post_unit}{title}缺额一名。经组织部、统战部共同分析研判，拟从党外后备干部中选拔，"
                        "任职条件：政治立场坚定，大学本科以上学历，熟悉相关业务，具有5年以上工作经历。",
            candidate_ids=(nominee.pk, second.pk)))
        walker.run(case, steps, today=today, nominee=nominee)
        pool = [p for p in Person.objects.filter(pool_state=PoolState.IN_POOL).order_by("pk")]
        party_members = [p for p in pool if p.party == Affiliation.MINMENG] or party_members
        others = [p for p in pool if p.party in (Affiliation.NON_PARTY, Affiliation.MASSES)] or others
    counts = {label: NominationCase.objects.filter(status=value).count() for value, label in CaseStatus.choices}
    return "，".join(f"{label} {n}" for label, n in counts.items() if n)


def seed_representatives(users, party_unit):
    """A county CPPCC round announced, and a county NPC round waiting for the 廉政意见."""
    today = timezone.localdate()
    u = users
    pool = list(Person.objects.filter(pool_state=PoolState.IN_POOL).order_by("-pk"))
    party_people = [p for p in pool if p.recommending_unit_id == party_unit.pk and p.party in DEMOCRATIC_PARTIES]
    non_party = [p for p in pool if p.party == Affiliation.NON_PARTY]
    rounds = [(RosterBody.COUNTY_CPPCC, "政协同心县第十一届委员会", True), (RosterBody.COUNTY_NPC, "同心县第十九届人民代表大会", False)]
    for index, (body, term_name, finish) in enumerate(rounds):
        batch = representatives.batch_create(
            actor=u["uf1"], body=body, term_name=term_name, seats=3,
            quota_plan="民盟 1 名，无党派人士 1 名，非公有制经济人士 1 名；女性不少于 1 名。",
            election_date=None if body in CPPCC_BODIES else today + datetime.timedelta(days=60))
        if party_people:
            representatives.nominee_add(actor=u["party1"], batch=batch, person=party_people[index], nominated_by="",
                                        sector="民盟" if body in CPPCC_BODIES else "第3选区",
                                        reason="参政议政能力强，在界别群众中有较高威望。")
        for offset, person in enumerate(non_party[index * 2:index * 2 + 2]):
            representatives.nominee_add(actor=u["uf1"], batch=batch, person=person, nominated_by="ufwd",
                                        sector="无党派人士" if body in CPPCC_BODIES else f"第{offset + 5}选区",
                                        reason="无党派代表人士，履职积极。", is_renomination=finish and offset == 0)
        representatives.consultation_record(actor=u["uf1"], batch=batch, held_on=today, consulted=["parties", "acfic"],
                                            summary="与各民主党派县委、县工商联协商，意见一致。")
        representatives.vetting_start(actor=u["uf1"], batch=batch)
        if not finish:
            continue
        for user, key in ((u["jiwei1"], chains.REP_INTEGRITY), (u["partygroup1"], chains.REP_PARTY_GROUP)):
            run = stages.running_chain(batch, chains.REP_VETTING)
            task = run.tasks.filter(status="open", assignee=user, stage__key=key).first() if run else None
            if task:
                stages.approve(actor=user, task=task, comment="同意")
        for nominee in batch.nominees.all():
            representatives.nominee_check(actor=u["uf1"], nominee=nominee, political=True, integrity=True, image=True)
        representatives.opinions_record(actor=u["uf1"], batch=batch, summary="征求县人大常委会党组、县政协党组意见，无不同意见。")
        for user in (u["uflead1"], u["orglead1"]):
            run = stages.running_chain(batch, chains.REP_LIST)
            stages.approve(actor=user, task=run.tasks.get(status="open", assignee=user), comment="同意")
        batch = representatives.committee_record(actor=u["org1"], batch=batch, approved=True, held_on=today,
                                                 minutes_ref=f"县委常委会〔{today.year}〕30次")
        batch = representatives.cppcc_adopt(actor=u["uf1"], batch=batch, held_on=today, standing_members=30,
                                            votes_for=27)
        representatives.cppcc_announce(actor=u["uf1"], batch=batch, announced_on=today)


@seeder(order=21)
def seed_nomination_cases(stdout):
    demo_user("partygroup1", "杨政协", groups=[roles.CPPCC_PARTY_GROUP])
    users = {name: get_user_model().objects.get(username=name)
             for name in ("org1", "orglead1", "uf1", "uflead1", "party1", "jiwei1", "partygroup1")}
    party_unit = Unit.objects.get(name="民盟同心县委员会")
    summary = seed_cases(random.Random(SEED + 1), users, party_unit)  # nosec B311  # repeatable demo data
    seed_representatives(users, party_unit)
    for user in users.values():
        mark_read(user=user)
    stdout.write("  nomination cases: " + summary)
