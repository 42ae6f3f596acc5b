"""The 六个共同 as joint work (issue #13 items 1 and 4): a year of joint work read back by both departments, 已配
computed from appointments, negative decisions needing both departments, and the alerts of the 工作台 and digest."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from nomination import alerts, joint_selectors, process, services
from nomination.models import (
    Assessment,
    CaseStatus,
    JointDecision,
    Person,
    PoolState,
    PostRecord,
    TrainingRecord,
)
from nomination.services import joint
from notifications.models import Notification
from workflows import reminders
from workflows.errors import PermissionDeniedError, ServiceError, StaleStateError
from workflows.models import AuditEvent, WorkItem

from . import cases
from .conftest import awaiting_confirmation, in_pool, make_id_number, person_data, recommended

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 7)  # a Monday


def open_items(target, step):
    return WorkItem.objects.filter(target_id=str(target.pk), step=step, state=WorkItem.State.OPEN)


# --- negative decisions need both departments ------------------------------------------------------------------------


def test_removal_proposed_by_one_department_changes_nothing_until_the_other_confirms(cadres):
    # given a pool entry
    person = in_pool(cadres)

    # when the 统战部 proposes 出库
    services.pool_remove(actor=cadres.uf1, person=person, reason="transferred")

    # then the person is still in the pool, shown as waiting for the 组织部, with a work item for the 组织部干部科
    person.refresh_from_db()
    assert person.pool_state == PoolState.IN_POOL
    decision = person.joint_decisions.get()
    assert (decision.kind, decision.state, decision.proposed_department) == ("remove", "open", "uf")
    item = open_items(decision, joint.DECISION_STEP).get()
    assert (item.role.name, item.title) == ("org_cadre", "出库待组织部确认")

    # and no 统战部 account can complete it alone, positively or negatively
    for actor in (cadres.uf1, cadres.uflead1):
        with pytest.raises(PermissionDeniedError) as error:
            joint.decision_confirm(actor=actor, decision=decision)
        assert error.value.message == "统战部提出的决定须由另一部门确认，本部门不能自行确认。"
        with pytest.raises(PermissionDeniedError):
            joint.decision_decline(actor=actor, decision=decision, comment="撤回")
    person.refresh_from_db()
    assert person.pool_state == PoolState.IN_POOL

    # when the 组织部 confirms, the entry leaves the pool and the work item closes
    joint.decision_confirm(actor=cadres.orglead1, decision=decision, comment="同意出库。")
    person.refresh_from_db()
    assert (person.pool_state, person.removal_reason) == (PoolState.REMOVED, "transferred")
    assert not open_items(decision, joint.DECISION_STEP).exists()
    actions = list(AuditEvent.objects.filter(subject_id=str(person.pk), action__startswith="pool.decision")
                   .values_list("action", flat=True).order_by("pk"))
    assert actions == ["pool.decision_proposed", "pool.decision_confirmed"]


def test_the_other_department_may_decline_a_removal_and_the_person_stays_in_the_pool(cadres):
    person = in_pool(cadres)
    services.pool_remove(actor=cadres.org1, person=person, reason="own_wish")
    decision = person.joint_decisions.get()
    with pytest.raises(ServiceError) as error:
        joint.decision_decline(actor=cadres.uf1, decision=decision, comment=" ")
    assert error.value.message == "请填写理由。"

    joint.decision_decline(actor=cadres.uf1, decision=decision, comment="本人仍愿意继续培养，建议保留。")

    person.refresh_from_db()
    decision.refresh_from_db()
    assert (person.pool_state, decision.state) == (PoolState.IN_POOL, JointDecision.State.DECLINED)
    with pytest.raises(StaleStateError):
        joint.decision_confirm(actor=cadres.uf1, decision=decision)
    # a new proposal may follow
    services.pool_remove(actor=cadres.org1, person=person, reason="own_wish")
    assert person.joint_decisions.filter(state="open").count() == 1


def test_not_admitted_and_not_recommended_need_both_departments(cadres):
    # 不予入库 at the joint confirmation, proposed by the 组织部
    confirming = awaiting_confirmation(cadres)
    services.pool_decline(actor=cadres.orglead1, person=confirming, reason="两部会商，暂缓入库。")
    decision = confirming.joint_decisions.get()
    assert decision.kind == JointDecision.Kind.NOT_ADMIT
    # nothing else moves while it waits: neither a positive confirmation nor a second negative proposal
    with pytest.raises(StaleStateError) as error:
        services.pool_confirm(actor=cadres.uflead1, person=confirming)
    assert "不予入库" in error.value.message
    with pytest.raises(StaleStateError):
        services.pool_decline(actor=cadres.uf1, person=confirming, reason="再议")
    assert Person.objects.get(pk=confirming.pk).pool_state == PoolState.CONFIRMING
    joint.decision_confirm(actor=cadres.uf1, decision=decision)
    assert Person.objects.get(pk=confirming.pk).pool_state == PoolState.NOT_ADMITTED

    # 不予推荐 before the 综合评价, proposed by the 统战部, confirmed by the 组织部
    proposed = recommended(cadres, id_number=make_id_number(sequence=41))
    services.pool_decline(actor=cadres.uf1, person=proposed, reason="不符合推荐条件。")
    decision = proposed.joint_decisions.get()
    assert decision.kind == JointDecision.Kind.NOT_RECOMMEND
    assert Person.objects.get(pk=proposed.pk).pool_state == PoolState.PROPOSED
    joint.decision_confirm(actor=cadres.org1, decision=decision)
    assert Person.objects.get(pk=proposed.pk).pool_state == PoolState.NOT_ADMITTED


def test_an_annual_review_concluding_removal_waits_for_the_other_department(cadres):
    person = in_pool(cadres)
    services.pool_review(actor=cadres.org1, person=person, year=2026, result="remove", comment="年度动态调整。",
                         removal_reason="age")
    decision = person.joint_decisions.get()
    assert decision.review.year == 2026
    assert Person.objects.get(pk=person.pk).pool_state == PoolState.IN_POOL
    joint.decision_confirm(actor=cadres.uflead1, decision=decision)
    assert Person.objects.get(pk=person.pk).pool_state == PoolState.REMOVED


def test_one_department_alone_cannot_admit_a_person_either(cadres):
    person = awaiting_confirmation(cadres)
    services.pool_confirm(actor=cadres.org1, person=person)
    with pytest.raises(StaleStateError):
        services.pool_confirm(actor=cadres.orglead1, person=person)
    assert Person.objects.get(pk=person.pk).pool_state == PoolState.CONFIRMING


def test_the_person_page_shows_the_pending_decision_and_only_the_other_department_answers(client, cadres):
    person = in_pool(cadres)
    services.pool_remove(actor=cadres.uf1, person=person, reason="transferred")
    decision = person.joint_decisions.get()
    url = reverse("nomination:person", args=[person.pk])

    client.force_login(cadres.uflead1)
    page = client.get(url).content.decode()
    assert "出库：待组织部确认" in page and 'data-testid="decision-confirm"' not in page

    client.force_login(cadres.org1)
    page = client.get(url).content.decode()
    assert 'data-testid="decision-confirm"' in page
    response = client.post(reverse("nomination:joint_decision", args=[decision.pk]),
                           {"step": "confirm", "comment": "同意。"})
    assert response.status_code == 302
    assert Person.objects.get(pk=person.pk).pool_state == PoolState.REMOVED


# --- 共同培养教育: the yearly plan -----------------------------------------------------------------------------------


def test_a_training_plan_is_agreed_only_with_the_other_departments_confirmation(cadres):
    people = [in_pool(cadres, name=name, id_number=make_id_number(sequence=n))
              for name, n in (("马文华", 51), ("李秀兰", 52))]
    plan = joint.training_plan_propose(actor=cadres.org1, year=2026, title="2026 年度党外干部培养计划")
    assert (plan.org_confirmed_by, plan.is_confirmed) == (cadres.org1, False)
    assert open_items(plan, joint.PLAN_STEP).get().role.name == "uf_cadre"
    with pytest.raises(StaleStateError) as error:
        joint.training_plan_confirm(actor=cadres.orglead1, plan=plan)
    assert error.value.message == "组织部已同意该培养计划，需另一部门确认后才算两部商定。"

    item = joint.training_plan_add_item(actor=cadres.org1, plan=plan, kind="training", title="全县党外干部培训班",
                                        place="县委党校", organiser="县委统战部", starts_on=datetime.date(2026, 5, 10),
                                        ends_on=datetime.date(2026, 5, 15), participants=people)
    plan = joint.training_plan_confirm(actor=cadres.uf1, plan=plan)
    assert plan.is_confirmed is True
    assert not open_items(plan, joint.PLAN_STEP).exists()

    # a change by the 统战部 is its own agreement and needs the 组织部 again
    joint.training_plan_add_item(actor=cadres.uf1, plan=plan, kind="secondment", title="豫海镇人民政府挂职副镇长",
                                 starts_on=datetime.date(2026, 7, 1), ends_on=datetime.date(2026, 12, 31),
                                 participants=people[:1])
    plan.refresh_from_db()
    assert (plan.is_confirmed, plan.uf_confirmed_by, plan.org_confirmed_at) == (False, cadres.uf1, None)
    with pytest.raises(ServiceError) as error:
        joint.training_complete(actor=cadres.uf1, participation=item.participations.first(),
                                completed_on=datetime.date(2026, 5, 15))
    assert error.value.message == "培养计划尚未经两部商定，不能记录完成情况。"
    joint.training_plan_confirm(actor=cadres.orglead1, plan=plan)

    # completion writes the person's 培训和挂职 record, linked from the participation
    participation = joint.training_complete(actor=cadres.uf1, participation=item.participations.get(person=people[0]),
                                            completed_on=datetime.date(2026, 5, 15))
    record = TrainingRecord.objects.get(person=people[0])
    assert participation.record == record
    assert (record.kind, record.title, record.started_on, record.ended_on) == (
        "training", "全县党外干部培训班", datetime.date(2026, 5, 10), datetime.date(2026, 5, 15))
    with pytest.raises(StaleStateError):
        joint.training_complete(actor=cadres.org1, participation=participation, completed_on=datetime.date(2026, 5, 16))


def test_plan_items_take_only_pool_members_and_dates_in_order(cadres):
    outsider = recommended(cadres)
    plan = joint.training_plan_propose(actor=cadres.uf1, year=2026, title="计划")
    with pytest.raises(ServiceError) as error:
        joint.training_plan_add_item(actor=cadres.uf1, plan=plan, kind="training", title="培训班",
                                     starts_on=datetime.date(2026, 5, 10), ends_on=datetime.date(2026, 5, 9),
                                     participants=[outsider])
    assert error.value.message == "请填写起止时间，截止时间不能早于起始时间。"
    with pytest.raises(ServiceError) as error:
        joint.training_plan_add_item(actor=cadres.uf1, plan=plan, kind="training", title="培训班",
                                     starts_on=datetime.date(2026, 5, 10), ends_on=datetime.date(2026, 5, 11),
                                     participants=[outsider])
    assert error.value.message == "马文华不在党外后备干部人才库中，不能列入培养计划。"
    with pytest.raises(ServiceError) as error:
        joint.training_plan_propose(actor=cadres.org1, year=2026, title="另一个")
    assert error.value.message == "2026 年度已有培养计划。"
    with pytest.raises(PermissionDeniedError):
        joint.training_plan_propose(actor=cadres.party1, year=2027, title="计划")


# --- 共同督促考核: the annual follow-up -------------------------------------------------------------------------------


def test_an_annual_follow_up_counts_once_both_departments_confirmed_it(cadres):
    person = in_pool(cadres)
    services.pool_use(actor=cadres.org1, person=person, unit="县教育局", post="副局长",
                      used_on=datetime.date(2025, 3, 1))
    follow_up = joint.follow_up_propose(actor=cadres.uf1, person=person, year=2026, result="称职",
                                        comment="履职尽责，群众评价较好。")
    with pytest.raises(StaleStateError):
        joint.follow_up_confirm(actor=cadres.uflead1, follow_up=follow_up)
    assert not Assessment.objects.filter(person=person, kind="annual").exists()
    follow_up = joint.follow_up_confirm(actor=cadres.orglead1, follow_up=follow_up)
    assert follow_up.is_confirmed is True
    assessment = Assessment.objects.get(person=person, kind="annual", year=2026)
    assert (assessment.result, assessment.issued_by, follow_up.assessment) == ("称职", "组织部、统战部", assessment)
    with pytest.raises(ServiceError) as error:
        joint.follow_up_propose(actor=cadres.org1, person=person, year=2026, result="优秀", comment="x")
    assert error.value.message == "马文华 2026 年度的跟踪考核已经提出。"


# --- 共同制定规划: 已配 computed -------------------------------------------------------------------------------------


def appointed(w, notice_on=None):
    """A case from the motion to 任职 (through the services and chains), appointed on ``notice_on``."""
    case = cases.in_notice(w)
    case = process.notice_conclude(actor=w.org1, case=cases.notice_over(case), proceed=True)
    notice_on = notice_on or timezone.localdate()
    return process.appointment_record(actor=w.org1, case=case, reference="同组任〔2026〕21号", notice_on=notice_on,
                                      talk_on=notice_on, starts_on=notice_on)


def test_filled_follows_an_appointment_at_the_targets_level_and_ends_with_the_post(cadres):
    year = timezone.localdate().year
    target = services.staffing_target_save(actor=cadres.org1, year=year, team="县教育局领导班子", required=1,
                                           post_level="deputy_section")
    other_level = services.staffing_target_save(actor=cadres.org1, year=year, team="县教育局领导班子", required=1,
                                                post_level="section")
    assert [t.filled for t in joint_selectors.staffing_targets(year)] == [0, 0]

    case = appointed(cadres)

    assert case.status == CaseStatus.PROBATION
    rows = {t.pk: t for t in joint_selectors.staffing_targets(year)}
    assert (rows[target.pk].filled, rows[target.pk].gap) == (1, 0)
    assert rows[other_level.pk].filled == 0  # the case's level is 副科级
    # the post ends: no longer counted
    PostRecord.objects.filter(person=case.nominee).update(ended_on=timezone.localdate() - datetime.timedelta(days=1))
    assert joint_selectors.staffing_targets(year)[0].filled == 0


def test_filled_counts_posts_held_on_the_years_last_day(cadres):
    person = in_pool(cadres)
    services.person_add_post(actor=cadres.org1, person=person, started_on=datetime.date(2024, 3, 1), unit="县法院",
                             post="副院长", ended_on=datetime.date(2025, 6, 30))
    for year in (2024, 2025):
        services.staffing_target_save(actor=cadres.uf1, year=year, team="县法院领导班子", required=1)
    assert joint_selectors.staffing_targets(2024)[0].filled == 1
    assert joint_selectors.staffing_targets(2025)[0].filled == 0


# --- the 六个共同 page ------------------------------------------------------------------------------------------------


@pytest.fixture
def joint_year(cadres):
    """A year of joint work: a plan with a completion, a pool entry, a removal waiting for the 组织部, a case
    vetted by a mixed team and co-signed by both heads, then appointed, and an annual follow-up."""
    w = cadres
    year = timezone.localdate().year
    target = services.staffing_target_save(actor=w.uf1, year=year, team="县教育局领导班子", required=2)
    services.staffing_target_confirm(actor=w.uflead1, target=target)
    services.staffing_target_confirm(actor=w.orglead1, target=target)
    case = appointed(w)
    trainee = in_pool(w, name="杨建国", id_number=make_id_number(sequence=71))
    leaving = in_pool(w, name="周海燕", id_number=make_id_number(sequence=72))
    services.pool_remove(actor=w.uf1, person=leaving, reason="transferred")
    plan = joint.training_plan_propose(actor=w.org1, year=year, title="本年度党外干部培养计划")
    item = joint.training_plan_add_item(actor=w.org1, plan=plan, kind="training", title="全县党外干部培训班",
                                        place="县委党校", starts_on=datetime.date(year, 5, 10),
                                        ends_on=datetime.date(year, 5, 15), participants=[trainee])
    joint.training_plan_confirm(actor=w.uf1, plan=plan)
    joint.training_complete(actor=w.uf1, participation=item.participations.get(), completed_on=datetime.date(year, 5, 15))
    follow_up = joint.follow_up_propose(actor=w.org1, person=case.nominee, year=year, result="优秀", comment="实绩突出。")
    joint.follow_up_confirm(actor=w.uflead1, follow_up=follow_up)
    return w, year, case


@pytest.mark.parametrize("username", ["org1", "orglead1", "uf1", "uflead1"])
def test_both_departments_read_back_the_years_joint_work_on_the_six_mechanisms_page(client, joint_year, username):
    w, year, case = joint_year
    client.force_login(getattr(w, username))

    page = client.get(reverse("nomination:joint"), {"year": year}).content.decode()

    # 共同制定规划: the confirmed target with 已配 from the appointment
    assert "县教育局领导班子" in page and '<td data-testid="filled">1</td>' in page
    # 共同物色选拔: the pool confirmations and the removal waiting for the 组织部
    assert "杨建国" in page and "周海燕</a> · 出库" in page and "待组织部确认" in page
    # 共同培养教育: the agreed plan, with the completion
    assert "本年度党外干部培养计划" in page and "两部已商定" in page and "杨建国（已完成" in page
    # 共同考察人选: the mixed team and the UFWD member's opinion
    assert "同意作为拟任人选，建议加强党外干部培养。" in page and "马丽华" in page and "何建平" in page
    # 共同向党委推荐: both heads' co-signatures
    assert "两部共同会签" in page and "高志远" in page and "丁学文" in page
    # 共同督促考核: the follow-up confirmed by both, and the case on probation
    assert "实绩突出。" in page and "两部共同确认" in page and "试用期" in page
    assert str(case) in page


@pytest.mark.parametrize("username", ["party1", "jiwei1", "cppcc_staff", "outsider"])
def test_other_roles_are_refused_the_joint_pages_with_an_audit_row(client, cadres, username):
    plan = joint.training_plan_propose(actor=cadres.org1, year=2026, title="计划")
    person = in_pool(cadres)
    services.pool_remove(actor=cadres.uf1, person=person, reason="transferred")
    decision = person.joint_decisions.get()
    client.force_login(getattr(cadres, username))
    for method, url in (("get", reverse("nomination:joint")), ("post", reverse("nomination:joint")),
                        ("get", reverse("nomination:joint_plan", args=[plan.pk])),
                        ("post", reverse("nomination:joint_decision", args=[decision.pk]))):
        before = AuditEvent.objects.filter(action="access_denied").count()
        assert getattr(client, method)(url, {"step": "confirm"}).status_code == 404, (method, url)
        assert AuditEvent.objects.filter(action="access_denied").count() == before + 1
    assert Person.objects.get(pk=person.pk).pool_state == PoolState.IN_POOL


def test_the_page_runs_a_fixed_number_of_queries_whatever_the_number_of_rows(client, cadres,
                                                                           django_assert_max_num_queries):
    year = timezone.localdate().year
    plan = joint.training_plan_propose(actor=cadres.org1, year=year, title="计划")
    people = [in_pool(cadres, name=f"人员{n}", id_number=make_id_number(sequence=80 + n)) for n in range(2)]
    joint.training_plan_add_item(actor=cadres.org1, plan=plan, kind="training", title="培训一",
                                 starts_on=datetime.date(year, 3, 1), ends_on=datetime.date(year, 3, 2),
                                 participants=people[:1])
    services.staffing_target_save(actor=cadres.uf1, year=year, team="甲班子", required=1)
    services.pool_remove(actor=cadres.uf1, person=people[0], reason="transferred")
    client.force_login(cadres.uf1)
    url = reverse("nomination:joint") + f"?year={year}"
    with django_assert_max_num_queries(30) as few:
        client.get(url)

    # more of every kind of row
    more = [in_pool(cadres, name=f"人员{n}", id_number=make_id_number(sequence=90 + n)) for n in range(3)]
    joint.training_plan_add_item(actor=cadres.org1, plan=plan, kind="secondment", title="挂职二",
                                 starts_on=datetime.date(year, 4, 1), ends_on=datetime.date(year, 6, 1),
                                 participants=more)
    for name in ("乙班子", "丙班子"):
        services.staffing_target_save(actor=cadres.uf1, year=year, team=name, required=1)
    for person in more[:2]:
        services.pool_remove(actor=cadres.org1, person=person, reason="own_wish")
    follow = joint.follow_up_propose
    services.pool_use(actor=cadres.org1, person=people[1], unit="甲", post="副局长", used_on=datetime.date(year, 1, 2))
    follow(actor=cadres.org1, person=people[1], year=year, result="称职", comment="良好")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


# --- alerts -------------------------------------------------------------------------------------------------------


def person_born(w, name, birth, level, sequence, **extra):
    return services.person_create(actor=w.org1, data=person_data(
        name=name, id_number=make_id_number(birth=birth, sequence=sequence), post_level=level, **extra))


def test_age_limit_alerts_list_people_reaching_their_levels_limit_within_twelve_months(cadres):
    # given (副科级 and 正科级: 55; 正处级: 58), today 2026-12-07, horizon 2027-12-07
    person_born(cadres, "甲", datetime.date(1972, 3, 1), "deputy_section", 1)  # 55 on 2027-03-01: yes
    person_born(cadres, "乙", datetime.date(1972, 12, 7), "section", 3)  # 55 on 2027-12-07: yes (last day)
    person_born(cadres, "丙", datetime.date(1972, 12, 8), "section", 5)  # 55 on 2027-12-08: no
    person_born(cadres, "丁", datetime.date(1971, 12, 6), "section", 7)  # 55 already: no
    person_born(cadres, "戊", datetime.date(1969, 6, 1), "division", 9)  # 58 on 2027-06-01: yes
    person_born(cadres, "己", datetime.date(1972, 6, 1), "division", 11)  # 55 but 正处 is 58: no
    person_born(cadres, "庚", datetime.date(1972, 6, 1), "deputy_section", 13, is_leadership_post=False)  # no post

    found = alerts.age_limit(TODAY)

    assert [(a.person, a.on) for a in found] == [
        ("戊", datetime.date(2027, 6, 1)), ("甲", datetime.date(2027, 3, 1)), ("乙", datetime.date(2027, 12, 7))]


def test_pool_term_alerts_list_entries_whose_term_ends_within_ninety_days_or_has_ended(cadres):
    tz = timezone.get_current_timezone()
    entries = {"甲": datetime.date(2021, 12, 20), "乙": datetime.date(2022, 6, 1), "丙": datetime.date(2021, 1, 1),
               "丁": datetime.date(2022, 3, 7)}  # 丁 ends 2027-03-07, day 90: yes
    for n, (name, day) in enumerate(entries.items()):
        person = in_pool(cadres, name=name, id_number=make_id_number(sequence=101 + 2 * n))
        Person.objects.filter(pk=person.pk).update(entered_pool_at=datetime.datetime.combine(day, datetime.time(10),
                                                                                             tzinfo=tz))
    found = alerts.pool_term(TODAY)
    assert [(a.person, a.what, a.on) for a in found] == [
        ("丙", "入库期满", datetime.date(2026, 1, 1)), ("甲", "入库期即将届满", datetime.date(2026, 12, 20)),
        ("丁", "入库期即将届满", datetime.date(2027, 3, 7))]


def test_probation_and_training_alerts(cadres):
    today = timezone.localdate()
    # a 试用期 ending in 45 days (a year from the appointment notice), and one ending in a year
    soon = appointed(cadres, notice_on=today - datetime.timedelta(days=320))
    appointed(cadres)
    found = alerts.probation(today)
    assert [a.person for a in found] == ["马文华（县教育局副局长）"]
    assert found[0].link == reverse("nomination:case", args=[soon.pk])

    # an agreed plan with an item ended yesterday: the participant without a completion is behind
    year = today.year
    plan = joint.training_plan_propose(actor=cadres.org1, year=year, title="计划")
    people = [in_pool(cadres, name=name, id_number=make_id_number(sequence=n)) for name, n in (("甲", 121), ("乙", 123))]
    item = joint.training_plan_add_item(actor=cadres.org1, plan=plan, kind="training", title="培训班",
                                        starts_on=datetime.date(year, 1, 5), ends_on=today - datetime.timedelta(days=1),
                                        participants=people)
    assert alerts.training_behind(today) == []  # not agreed yet
    joint.training_plan_confirm(actor=cadres.uf1, plan=plan)
    joint.training_complete(actor=cadres.uf1, participation=item.participations.get(person=people[0]),
                            completed_on=datetime.date(year, 1, 6))
    assert [a.person for a in alerts.training_behind(today)] == ["乙 · 培训班"]


def test_alerts_show_on_both_departments_home_and_in_their_digest_only(client, cadres):
    person_born(cadres, "甲", datetime.date(1972, 3, 1), "deputy_section", 1)
    with time_machine.travel(cases.at(2026, 12, 7, 10), tick=False):
        for username in ("org1", "uflead1"):
            client.force_login(getattr(cadres, username))
            page = client.get("/").content.decode()
            assert 'data-testid="home-panel-nomination.age_limit"' in page and "甲" in page
        client.force_login(cadres.party1)
        assert "home-panel-nomination" not in client.get("/").content.decode()

    reminders.send_digest(today=TODAY)

    for user in (cadres.org1, cadres.orglead1, cadres.uf1, cadres.uflead1):
        note = Notification.objects.get(recipient=user, key="digest-20261207")
        assert "党外干部工作提醒" in note.body and "【副科级55 岁到龄】甲（2027-03-01）" in note.body
    assert not Notification.objects.filter(recipient=cadres.party1, key="digest-20261207").exists()


def test_each_alert_selector_is_one_or_two_queries(cadres, django_assert_max_num_queries):
    for n in range(3):
        person_born(cadres, f"人{n}", datetime.date(1972, 3, 1 + n), "deputy_section", 1 + 2 * n)
    with django_assert_max_num_queries(1):
        assert len(alerts.age_limit(TODAY)) == 3
    with django_assert_max_num_queries(1):
        alerts.pool_term(TODAY)
    with django_assert_max_num_queries(2):
        alerts.probation(TODAY)
    with django_assert_max_num_queries(1):
        alerts.training_behind(TODAY)

