"""The pool lifecycle, person records, rosters and staffing targets through their service functions."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from nomination import joint_selectors, roles, services
from nomination.models import Person, PoolReview, PoolState, PostRecord, RosterEntry, RosterTerm
from nomination.services import joint
from notifications.models import Notification
from workflows.errors import PermissionDeniedError, ServiceError, StaleStateError
from workflows.models import AuditEvent

from .conftest import awaiting_confirmation, in_pool, make_id_number, person_data, recommended

pytestmark = pytest.mark.django_db


def actions(subject):
    return list(AuditEvent.objects.filter(subject_id=str(subject.pk), subject_type__model=subject._meta.model_name)
                .values_list("action", flat=True))


# --- person records ---------------------------------------------------------------------------------------------


def test_a_department_records_a_person_with_birth_date_gender_and_hash_from_the_id_number(cadres):
    person = services.person_create(actor=cadres.uf1, data=person_data(id_number=make_id_number(sequence=22)))
    person.refresh_from_db()
    assert person.birth_date == datetime.date(1985, 3, 15)
    assert person.gender == "f"
    assert len(person.id_number_hmac) == 64
    assert person.pool_state == PoolState.NONE
    assert actions(person) == ["person.created"]


def test_the_same_id_number_typed_differently_is_a_duplicate(cadres):
    services.person_create(actor=cadres.uf1, data=person_data())
    with pytest.raises(ServiceError) as error:
        services.person_create(actor=cadres.org1, data=person_data(id_number=" " + make_id_number().lower()))
    assert error.value.code == "duplicate_id_number"
    assert error.value.message == "身份证号与已有人员“马文华”重复，请勿重复录入。"
    assert Person.objects.count() == 1


def test_a_party_organisation_learns_of_a_duplicate_without_seeing_whose_record_it_is(cadres):
    services.person_create(actor=cadres.uf1, data=person_data(name="某甲"))
    with pytest.raises(ServiceError) as error:
        recommended(cadres, actor=cadres.party1, name="某乙")
    assert error.value.code == "duplicate_id_number_hidden"
    assert "某甲" not in error.value.message


def test_invalid_id_number_and_missing_fields_are_refused_in_chinese(cadres):
    with pytest.raises(ServiceError) as error:
        services.person_create(actor=cadres.uf1, data=person_data(id_number="640324198503150000"))
    assert error.value.message == "身份证号有误：身份证号校验码不正确，请核对。"
    with pytest.raises(ServiceError) as error:
        services.person_create(actor=cadres.uf1, data=person_data(name="", work_unit=""))
    assert error.value.message == "请填写完整：姓名、工作单位。"


def test_a_cpc_member_is_not_recorded_as_a_non_party_person(cadres):
    with pytest.raises(ServiceError) as error:
        services.person_create(actor=cadres.uf1, data=person_data(party="cpc"))
    assert error.value.message == "中共党员不列入党外人士信息库。"


def test_an_edit_with_blank_sensitive_fields_keeps_them_and_audits_masked_values(cadres):
    person = services.person_create(actor=cadres.uf1, data=person_data())
    services.person_update(actor=cadres.org1, person=person, data=person_data(
        id_number="", phone="", address="", keep_contacts=True, current_post="局长"))
    person.refresh_from_db()
    assert (person.phone, person.current_post) == ("13912345678", "局长")
    services.person_update(actor=cadres.org1, person=person, data=person_data(
        id_number="", phone="13800001111", keep_contacts=True))
    changes = AuditEvent.objects.filter(action="person.edited").last().changes
    assert changes["phone"] == ["139****5678", "138****1111"]


def test_leaders_and_party_organisations_cannot_edit_records(cadres):
    person = services.person_create(actor=cadres.uf1, data=person_data())
    for user in (cadres.uflead1, cadres.party1, cadres.jiwei1):
        with pytest.raises(PermissionDeniedError):
            services.person_update(actor=user, person=person, data=person_data(id_number=""))


# --- recommendation ---------------------------------------------------------------------------------------------


def test_a_party_organisation_recommends_in_its_own_name_and_the_departments_are_told(cadres):
    person = recommended(cadres, actor=cadres.party1)
    assert person.pool_state == PoolState.PROPOSED
    assert person.recommending_unit == cadres.party_unit
    assert actions(person) == ["person.created", "pool.recommended"]
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"org1", "uf1"}


def test_a_party_organisation_cannot_recommend_in_another_units_name(cadres):
    with pytest.raises(PermissionDeniedError) as error:
        recommended(cadres, actor=cadres.party1, unit=cadres.other_party)
    assert error.value.code == "unit_not_yours"
    assert not Person.objects.exists()


def test_the_discipline_organ_and_the_cppcc_side_cannot_recommend(cadres):
    for user in (cadres.jiwei1, cadres.cppcc_staff):
        with pytest.raises(PermissionDeniedError):
            recommended(cadres, actor=user)


def test_a_recommendation_needs_a_reason(cadres):
    with pytest.raises(ServiceError) as error:
        services.person_recommend(actor=cadres.uf1, data=person_data(), reason="  ",
                                  recommending_unit=cadres.party_unit)
    assert error.value.message == "请填写理由。"
    assert not Person.objects.exists()


def test_a_person_already_on_the_way_cannot_be_recommended_again(cadres):
    person = recommended(cadres)
    with pytest.raises(StaleStateError) as error:
        services.pool_recommend(actor=cadres.org1, person=person, recommending_unit=cadres.org_dept, reason="再推荐")
    assert error.value.code == "not_recommendable"


# --- joint confirmation (四个同步: both departments) ----------------------------------------------------------------


def test_one_department_alone_cannot_put_an_entry_in_the_pool(cadres):
    # given an entry assessed as suitable
    person = awaiting_confirmation(cadres)
    # when the Organization Department confirms, through its cadre section and then its leader
    services.pool_confirm(actor=cadres.org1, person=person)
    with pytest.raises(StaleStateError) as error:
        services.pool_confirm(actor=cadres.orglead1, person=person)
    # then the entry still waits for the UFWD
    assert error.value.message == "组织部已确认，需等待另一部门确认。"
    person.refresh_from_db()
    assert person.pool_state == PoolState.CONFIRMING and person.uf_confirmed_at is None
    # when the UFWD confirms, the entry is in the pool
    services.pool_confirm(actor=cadres.uf1, person=person)
    person.refresh_from_db()
    assert person.pool_state == PoolState.IN_POOL and person.entered_pool_at is not None
    assert actions(person)[-3:] == ["pool.confirmed", "pool.confirmed", "pool.entered"]


def test_an_account_acting_for_both_departments_cannot_confirm(cadres):
    person = awaiting_confirmation(cadres)
    cadres.org1.groups.add(Group.objects.get(name=roles.UF_CADRE))
    both = get_user_model().objects.get(pk=cadres.org1.pk)  # a fresh object: roles are read once per user object
    with pytest.raises(PermissionDeniedError) as error:
        services.pool_confirm(actor=both, person=person)
    assert error.value.code == "two_departments"
    assert Person.objects.get(pk=person.pk).org_confirmed_at is None


@pytest.mark.parametrize("username", ["party1", "jiwei1", "cppcc_staff", "outsider"])
def test_no_one_outside_the_two_departments_can_confirm(cadres, username):
    person = awaiting_confirmation(cadres)
    with pytest.raises(PermissionDeniedError) as error:
        services.pool_confirm(actor=getattr(cadres, username), person=person)
    assert error.value.code == "no_department"


def test_entering_the_pool_tells_the_recommending_organisation(cadres):
    person = recommended(cadres, actor=cadres.party1)
    Notification.objects.all().delete()
    services.pool_start_assessment(actor=cadres.org1, person=person)
    services.pool_assess(actor=cadres.uf1, person=person, suitable=True, comment="适宜。")
    services.pool_confirm(actor=cadres.orglead1, person=person)
    services.pool_confirm(actor=cadres.uflead1, person=person)
    assert Notification.objects.filter(recipient=cadres.party1, title="马文华已进入党外后备干部人才库").exists()


def test_an_unsuitable_assessment_ends_the_round_not_admitted_once_the_other_department_confirms(cadres):
    person = recommended(cadres)
    services.pool_start_assessment(actor=cadres.org1, person=person)
    services.pool_assess(actor=cadres.uf1, person=person, suitable=False, comment="群众基础较弱。")
    person.refresh_from_db()
    assert person.pool_state == PoolState.ASSESSING
    assert person.assessments.get().result == "暂不宜入库"
    joint.decision_confirm(actor=cadres.org1, decision=person.joint_decisions.get())
    person.refresh_from_db()
    assert person.pool_state == PoolState.NOT_ADMITTED


def test_either_department_may_decline_before_the_pool_with_a_reason(cadres):
    person = awaiting_confirmation(cadres)
    with pytest.raises(ServiceError):
        services.pool_decline(actor=cadres.uflead1, person=person, reason="")
    services.pool_decline(actor=cadres.uflead1, person=person, reason="暂缓。")
    assert Person.objects.get(pk=person.pk).pool_state == PoolState.CONFIRMING
    joint.decision_confirm(actor=cadres.orglead1, decision=person.joint_decisions.get())
    assert Person.objects.get(pk=person.pk).pool_state == PoolState.NOT_ADMITTED
    with pytest.raises(PermissionDeniedError):
        services.pool_decline(actor=cadres.party1, person=recommended(cadres, id_number=make_id_number(sequence=33)),
                              reason="x")


def test_a_second_click_on_a_finished_step_gets_a_stale_state_error(cadres):
    person = recommended(cadres)
    services.pool_start_assessment(actor=cadres.org1, person=person)
    with pytest.raises(StaleStateError) as error:
        services.pool_start_assessment(actor=cadres.uf1, person=person)
    assert "已被他人处理" in error.value.message


# --- in the pool -----------------------------------------------------------------------------------------------------


def test_using_a_reserve_cadre_records_the_new_post(cadres):
    person = in_pool(cadres)
    services.pool_use(actor=cadres.org1, person=person, unit="县科学技术局", post="局长",
                      used_on=datetime.date(2026, 3, 2), appointment_ref="同组任〔2026〕12号")
    person.refresh_from_db()
    assert person.pool_state == PoolState.USED
    assert (person.work_unit, person.current_post, person.used_post) == ("县科学技术局", "局长", "县科学技术局局长")
    assert PostRecord.objects.get(person=person).note == "同组任〔2026〕12号"


def test_removal_needs_a_listed_reason_and_a_note_for_other(cadres):
    person = in_pool(cadres)
    with pytest.raises(ServiceError) as error:
        services.pool_remove(actor=cadres.uf1, person=person, reason="other")
    assert error.value.message == "出库原因为“其他”时请填写说明。"
    services.pool_remove(actor=cadres.uf1, person=person, reason="age")
    joint.decision_confirm(actor=cadres.org1, decision=person.joint_decisions.get())
    person.refresh_from_db()
    assert (person.pool_state, person.get_removal_reason_display()) == (PoolState.REMOVED, "年龄超限")


def test_the_annual_review_is_once_a_year_and_may_remove_the_entry(cadres):
    person = in_pool(cadres)
    services.pool_review(actor=cadres.uf1, person=person, year=2025, result=PoolReview.Result.KEEP, comment="良好")
    with pytest.raises(ServiceError) as error:
        services.pool_review(actor=cadres.uf1, person=person, year=2025, result=PoolReview.Result.KEEP)
    assert error.value.message == "2025 年度的复核已经记录。"
    services.pool_review(actor=cadres.uf1, person=person, year=2026, result=PoolReview.Result.REMOVE,
                         removal_reason="joined_cpc")
    joint.decision_confirm(actor=cadres.orglead1, decision=person.joint_decisions.get())
    person.refresh_from_db()
    assert person.pool_state == PoolState.REMOVED and person.removal_reason == "joined_cpc"
    assert actions(person)[-5:] == ["pool.reviewed", "pool.reviewed", "pool.decision_proposed",
                                    "pool.decision_confirmed", "pool.removed"]


def test_a_new_round_after_removal_starts_without_the_old_confirmations(cadres):
    person = in_pool(cadres)
    services.pool_remove(actor=cadres.uf1, person=person, reason="transferred")
    joint.decision_confirm(actor=cadres.org1, decision=person.joint_decisions.get())
    services.pool_recommend(actor=cadres.org1, person=person, recommending_unit=cadres.org_dept, reason="调回本县。")
    person.refresh_from_db()
    assert person.pool_state == PoolState.PROPOSED
    assert (person.org_confirmed_at, person.uf_confirmed_at, person.removal_reason) == (None, None, "")


def test_records_are_added_with_an_audit_row_and_family_details_stay_out_of_it(cadres):
    person = in_pool(cadres)
    services.person_add_family_member(actor=cadres.uf1, person=person, relation="配偶", name="李某某")
    services.person_add_training(actor=cadres.org1, person=person, kind="secondment", title="豫海镇挂职副镇长",
                                 started_on=datetime.date(2025, 3, 1))
    with pytest.raises(ServiceError) as error:
        services.person_add_post(actor=cadres.uf1, person=person, unit="县教育局", post="科员",
                                 started_on=datetime.date(2020, 1, 1), ended_on=datetime.date(2019, 1, 1))
    assert error.value.message == "截止时间不能早于起始时间。"
    rows = AuditEvent.objects.filter(action="person.record_added").order_by("pk")
    assert [r.changes["summary"] for r in rows] == ["家庭成员", "挂职锻炼 豫海镇挂职副镇长"]
    assert "李某某" not in str(list(rows.values_list("changes", "comment")))


# --- rosters ---------------------------------------------------------------------------------------------------------


def entry(name="李明华", **extra):
    row = {"name": name, "gender": "m", "ethnicity": "汉族", "birth_month": datetime.date(1970, 5, 1),
           "affiliation": "minmeng", "sector": "民盟", "constituency": "", "work_post": "县第一中学教师",
           "is_standing": False, "is_vice_chair": False}
    row.update(extra)
    return row


def test_a_change_of_term_keeps_the_old_term_and_its_entries_as_history(cadres):
    old = services.roster_term_open(actor=cadres.uf1, body="county_cppcc", number=9, name="第九届",
                                    starts_on=datetime.date(2017, 1, 8))
    services.roster_import(actor=cadres.uf1, term=old, rows=[(2, entry())])
    new = services.roster_term_open(actor=cadres.uf1, body="county_cppcc", number=10, name="第十届",
                                    starts_on=datetime.date(2022, 1, 10))
    old.refresh_from_db()
    assert (old.is_current, old.ends_on, new.is_current) == (False, datetime.date(2022, 1, 9), True)
    assert old.entries.count() == 1 and new.entries.count() == 0
    with pytest.raises(ServiceError) as error:
        services.roster_term_open(actor=cadres.uf1, body="county_cppcc", number=8, name="第八届",
                                  starts_on=datetime.date(2012, 1, 1))
    assert error.value.message == "新一届的届次须大于本届（第 10 届）。"


def test_re_importing_a_roster_updates_instead_of_duplicating(cadres):
    term = services.roster_term_open(actor=cadres.uf1, body="county_npc", number=18, name="第十八届",
                                     starts_on=datetime.date(2021, 12, 28))
    rows = [(2, entry(constituency="第3选区")), (3, entry("王秀英", gender="f", constituency="第3选区"))]
    first = services.roster_import(actor=cadres.uf1, term=term, rows=rows).counts()
    again = services.roster_import(actor=cadres.uf1, term=term, rows=rows).counts()
    changed = services.roster_import(actor=cadres.uf1, term=term,
                                     rows=[(2, entry(is_standing=True, constituency="第3选区"))]).counts()
    assert (first["new"], again["new"], again["unchanged"], changed["changed"]) == (2, 0, 2, 1)
    assert RosterEntry.objects.count() == 2


def test_a_roster_entry_is_linked_to_the_person_of_the_same_name_and_birth_month(cadres):
    person = services.person_create(actor=cadres.uf1, data=person_data(name="李明华", id_number=make_id_number(
        birth=datetime.date(1970, 5, 20))))
    term = services.roster_term_open(actor=cadres.uf1, body="county_cppcc", number=10, name="第十届",
                                     starts_on=datetime.date(2022, 1, 10))
    services.roster_import(actor=cadres.uf1, term=term, rows=[(2, entry())])
    assert RosterEntry.objects.get().person == person


def test_only_the_ufwd_cadre_section_maintains_rosters(cadres):
    for user in (cadres.org1, cadres.uflead1, cadres.party1):
        with pytest.raises(PermissionDeniedError):
            services.roster_term_open(actor=user, body="county_npc", number=1, name="x",
                                      starts_on=datetime.date(2021, 1, 1))
    assert not RosterTerm.objects.exists()


# --- staffing targets (共同制定规划) ------------------------------------------------------------------------------------


def test_a_staffing_target_counts_only_once_both_departments_confirmed_it(cadres):
    target = services.staffing_target_save(actor=cadres.org1, year=2026, team="县教育局领导班子", required=2)
    services.staffing_target_confirm(actor=cadres.org1, target=target)
    with pytest.raises(StaleStateError):
        services.staffing_target_confirm(actor=cadres.orglead1, target=target)
    target.refresh_from_db()
    assert target.is_confirmed is False
    services.staffing_target_confirm(actor=cadres.uflead1, target=target)
    target = joint_selectors.staffing_targets(2026)[0]
    assert target.is_confirmed is True and target.gap == 2


def test_changing_the_numbers_clears_both_confirmations_but_a_note_does_not(cadres):
    target = services.staffing_target_save(actor=cadres.uf1, year=2026, team="县政协领导班子", required=3)
    services.staffing_target_confirm(actor=cadres.org1, target=target)
    services.staffing_target_confirm(actor=cadres.uf1, target=target)
    target = services.staffing_target_save(actor=cadres.uf1, target=target, year=2026, team="县政协领导班子",
                                           required=3, note="含一名无党派")
    assert target.is_confirmed is True
    target = services.staffing_target_save(actor=cadres.org1, target=target, year=2026, team="县政协领导班子",
                                           required=4)
    assert target.is_confirmed is False and target.org_confirmed_at is None


def test_staffing_rows_are_unique_per_team_and_year_and_numbers_not_negative(cadres):
    services.staffing_target_save(actor=cadres.uf1, year=2026, team="县法院领导班子", required=1)
    with pytest.raises(ServiceError) as error:
        services.staffing_target_save(actor=cadres.org1, year=2026, team="县法院领导班子", required=1)
    assert error.value.message == "2026 年度已有“县法院领导班子”的配备表。"
    with pytest.raises(ServiceError):
        services.staffing_target_save(actor=cadres.org1, year=2026, team="县检察院领导班子", required=-1)
