"""A nomination case through the services, A1–A13: both UFWD gates, the parallel vetting with its skipped stage,
the joint package, the decision, 任前公示 on the holiday calendar, appointment and 试用期."""

import datetime

import pytest
import time_machine

from nomination import chains, process
from nomination.models import CaseStatus, Person, PoolState, UfwdOpinion
from notifications.models import Notification
from tests.factories import UserFactory
from workflows import definitions, selectors, stages, sweeps
from workflows.chains import validate
from workflows.errors import PermissionDeniedError, ServiceError, StaleStateError
from workflows.models import AuditEvent, DefinitionVersion, StageRun, UnitMembership

from . import cases
from .cases import at, reload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def autumn_2025():
    """A Monday in a year whose holidays are entered (国庆 + 中秋 10/1–10/8, make-up days 9/28 and 10/11)."""
    with time_machine.travel(at(2025, 9, 15, 9), tick=False):
        yield


def actions(case):
    return list(AuditEvent.objects.filter(subject_id=str(case.pk), subject_type__model="nominationcase")
                .order_by("pk").values_list("action", flat=True))


def test_a_county_case_runs_from_motion_to_confirmation(cadres):
    w = cadres
    # A1–A2: the motion waits for the UFWD's written opinion
    case = cases.at_motion_gate(w)
    assert case.status == CaseStatus.UFWD_OPINION_ON_MOTION
    assert case.probation_required and not case.elected_post  # 工作部门副职: §4.1 probation, no legal procedure
    with pytest.raises(ServiceError) as error:
        process.motion_approve(actor=w.org1, case=case, approved_on=datetime.date(2025, 9, 15), meeting="部务会")
    assert error.value.code == "ufwd_opinion_missing"
    case = cases.opinion(w, case, UfwdOpinion.Gate.MOTION, stance="suggest", text="同意，建议加强基层历练。")
    signed = case.ufwd_opinions.get(gate="motion")
    assert (signed.signed_by, signed.drafted_by, signed.text) == (w.uflead1, w.uf1, "同意，建议加强基层历练。")
    case = process.motion_approve(actor=w.org1, case=case, approved_on=datetime.date(2025, 9, 15), meeting="部务会")
    # A3–A5
    case = cases.vetting_opinions(w, _to_vetting(w, case))
    assert case.status == CaseStatus.VETTING
    process.vetting_report_submit(actor=w.org1, case=case, report="民主测评优秀。")
    assert reload(case).status == CaseStatus.VETTING  # the UFWD member's opinion is still missing
    case = process.vetting_uf_opinion_submit(actor=w.uf1, case=case, opinion="同意。")
    assert case.status == CaseStatus.UFWD_OPINION_ON_DECISION
    # A6–A7: the second gate, then the package co-signed by both departments
    case = cases.opinion(w, case, UfwdOpinion.Gate.DECISION)
    assert case.status == CaseStatus.PACKAGE_SIGNOFF
    process.package_submit(actor=w.org1, case=case, summary="审批表等材料。")
    stages.approve(actor=w.uflead1, task=cases.task(w.uflead1, case, chains.SIGNOFF, "uf-deputy"))
    run = stages.running_chain(case, chains.SIGNOFF)
    assert set(run.tasks.filter(status="open").values_list("stage__key", flat=True)) == {
        chains.ORG_COSIGN, chains.UF_COSIGN}  # the two heads sign in parallel
    stages.approve(actor=w.orglead1, task=cases.task(w.orglead1, case, chains.SIGNOFF, chains.ORG_COSIGN))
    assert reload(case).status == CaseStatus.PACKAGE_SIGNOFF
    stages.approve(actor=w.uflead1, task=cases.task(w.uflead1, case, chains.SIGNOFF, chains.UF_COSIGN))
    case = reload(case)
    assert case.status == CaseStatus.SUBMITTED_TO_COMMITTEE
    # A8: the recorded decision
    case = process.decision_record(actor=w.org1, case=case, decision="approved",
                                   meeting_date=datetime.date(2025, 9, 15), minutes_ref="县委常委会〔2025〕18次")
    assert case.status == CaseStatus.DECIDED
    # A9–A10: 公示 across 国庆 (9/29, 9/30, 10/9, 10/10, 10/11 make-up Saturday)
    case = process.notice_publish(actor=w.org1, case=case, starts_on=datetime.date(2025, 9, 29),
                                  ends_on=datetime.date(2025, 10, 11), channel="县政府网站")
    assert case.status == CaseStatus.PUBLIC_NOTICE
    objection = process.objection_record(actor=w.org1, case=case, received_on=datetime.date(2025, 10, 9),
                                         source="来信", summary="反映其配偶经商。")
    assert reload(case).status == CaseStatus.NOTICE_OBJECTION
    with pytest.raises(ServiceError) as error:
        process.notice_conclude(actor=w.org1, case=case, proceed=True)
    assert error.value.code == "notice_not_ended"
    process.objection_verify(actor=w.org1, objection=objection, finding="经核查，其配偶经营行为合法，不影响任用。",
                             affects_appointment=False)
    case = cases.notice_over(reload(case))
    assert case.status == CaseStatus.NOTICE_ENDED
    case = process.notice_conclude(actor=w.org1, case=case, proceed=True)
    assert case.status == CaseStatus.TO_APPOINT
    # A12: appointment; the pool record takes the post, linked to the case
    case = process.appointment_record(actor=w.org1, case=case, reference="同组任〔2025〕21号",
                                      notice_on=datetime.date(2025, 10, 16), talk_on=datetime.date(2025, 10, 17),
                                      starts_on=datetime.date(2025, 9, 15))
    assert case.status == CaseStatus.PROBATION
    assert process.probation_due(case).due_at == at(2026, 10, 16, 23, 59, 59)
    nominee = Person.objects.get(pk=case.nominee_id)
    assert (nominee.pool_state, nominee.appointment_case_id, nominee.current_post) == (PoolState.USED, case.pk, "副局长")
    assert nominee.posts.filter(unit="县教育局", post="副局长").exists()
    # A13: the end of the 试用期 (its due item's automatic action) opens the joint assessment
    with pytest.raises(ServiceError) as error:
        process.probation_assess(actor=w.org1, case=case, result="confirm", summary="试用期表现良好。")
    assert error.value.code == "probation_not_ended"
    cases.sweep_at(at(2026, 10, 16, 23, 0))
    assert reload(case).status == CaseStatus.PROBATION  # not before the year is over
    with time_machine.travel(at(2026, 10, 17, 8), tick=False):
        sweeps.sweep()
        assert reload(case).status == CaseStatus.PROBATION_ENDED
        case = process.probation_assess(actor=w.org1, case=reload(case), result="confirm", summary="表现良好。")
        stages.approve(actor=w.orglead1, task=cases.task(w.orglead1, case, chains.PROBATION))
        assert reload(case).status == CaseStatus.PROBATION_ENDED  # one department alone does not conclude it
        stages.approve(actor=w.uflead1, task=cases.task(w.uflead1, case, chains.PROBATION))
    case = reload(case)
    assert case.status == CaseStatus.CONFIRMED
    trail = actions(case)
    for action in ("case.motion_submitted", "ufwd.opinion_signed", "case.motion_approved",
                   "case.recommendation_recorded", "case.candidate_fixed", "case.vetting_started",
                   "case.vetting_done", "case.package_signed", "case.decided", "case.notice_published",
                   "case.objection_verified", "case.notice_ended", "case.notice_passed", "case.appointed",
                   "case.probation_started", "case.probation_ended", "case.probation_concluded"):
        assert action in trail, action
    assert trail.count("ufwd.opinion_signed") == 2


def _to_vetting(w, case):
    votes = {p.pk: 40 - i for i, p in enumerate(case.candidates.order_by("pk"))}
    process.recommendation_record(actor=w.org1, case=case, data=process.RecommendationData(
        form="talk", held_on=datetime.date(2025, 9, 15), categories=("leadership",), participants=45, votes=votes))
    nominee = case.candidates.order_by("pk").first()
    process.candidate_fix(actor=w.org1, case=case, nominee=nominee, party_org_unit=w.party_unit)
    return process.vetting_start(actor=w.org1, case=case, members=[w.org1, w.uf1])


def test_the_party_stage_is_skipped_visibly_when_the_nominee_is_in_no_democratic_party(cadres):
    w = cadres
    case = cases.vetting(w, party="non_party")
    run = stages.running_chain(case, chains.VETTING)
    open_keys = set(run.tasks.filter(status="open").values_list("stage__key", flat=True))
    assert open_keys == {chains.INTEGRITY, "integrity-conclusion", "file-checks"}  # parallel, party one skipped
    skipped = AuditEvent.objects.get(subject_id=str(case.pk), action="chain.stage_skipped")
    assert skipped.comment == "党派组织意见"
    assert not run.tasks.filter(assignee=w.party1).exists()
    # the diagram draws it skipped beside the three current stages of the parallel step
    states = {box["stage"].key: box["state"] for box in selectors.chain_panel(w.org1, run)["boxes"]}
    assert states == {chains.INTEGRITY: "current", "integrity-conclusion": "current", "file-checks": "current",
                      chains.PARTY_OPINION: "skipped"}


def test_a_party_member_nominee_asks_only_their_own_party_organisation(cadres):
    w = cadres
    case = cases.vetting(w)
    run = stages.running_chain(case, chains.VETTING)
    assert list(run.tasks.filter(stage__key=chains.PARTY_OPINION).values_list("assignee__username", flat=True)) == [
        "party1"]
    assert run.tasks.filter(status="open").count() == 4  # 廉政, 结论, 核查, party: all at once


def test_the_vetting_waits_for_every_parallel_opinion(cadres):
    w = cadres
    case = cases.vetting(w)
    stages.approve(actor=w.jiwei1, task=cases.task(w.jiwei1, case, chains.VETTING, chains.INTEGRITY))
    for key in ("integrity-conclusion", "file-checks"):
        stages.approve(actor=w.org1, task=cases.task(w.org1, case, chains.VETTING, key))
    process.vetting_report_submit(actor=w.org1, case=case, report="考察材料。")
    process.vetting_uf_opinion_submit(actor=w.uf1, case=case, opinion="同意。")
    assert reload(case).status == CaseStatus.VETTING  # the party organisation has not answered
    stages.approve(actor=w.party1, task=cases.task(w.party1, case, chains.VETTING, chains.PARTY_OPINION))
    assert reload(case).status == CaseStatus.UFWD_OPINION_ON_DECISION


def test_vetting_restarts_only_after_opinions_that_did_not_pass(cadres):
    w = cadres
    case = cases.vetting(w)
    with pytest.raises(StaleStateError):  # the opinions are still being given
        process.vetting_start(actor=w.org1, case=case, members=[w.org1, w.uf1])
    case = cases.vetting_opinions(w, case)
    assert case.status == CaseStatus.VETTING and not process.vetting_startable(case)
    with pytest.raises(StaleStateError):  # they all passed: starting again would throw them away
        process.vetting_start(actor=w.org1, case=case, members=[w.org1, w.uf1])


def test_the_ufwd_gate_cannot_pass_without_its_written_opinion(cadres):
    w = cadres
    case = cases.at_motion_gate(w)
    with pytest.raises(ServiceError) as error:  # the 拟稿 stage: 同意 without a draft
        stages.approve(actor=w.uf1, task=cases.task(w.uf1, case, chains.UFWD_MOTION))
    assert error.value.code == "draft_required"
    assert error.value.message == "拟稿环节须先拟写统战部意见稿（填写意见内容），不能仅点“同意”。"
    assert cases.task(w.uflead1, case, chains.UFWD_MOTION) is None  # nothing reached the signer
    process.ufwd_opinion_submit(actor=w.uf1, case=case, gate="motion", stance="agree", text="同意。")
    assert reload(case).status == CaseStatus.UFWD_OPINION_ON_MOTION
    with pytest.raises(ServiceError) as error:
        process.ufwd_opinion_submit(actor=w.uflead1, case=case, gate="motion", stance="alternative", text="另行考虑。")
    assert error.value.code == "alternatives_required"
    process.ufwd_opinion_submit(actor=w.uflead1, case=case, gate="motion", stance="alternative", text="另行考虑。",
                                alternatives="李秀兰")
    assert reload(case).ufwd_opinions.get().signed_by == w.uflead1


def test_only_the_holder_of_the_gate_task_writes_the_opinion(cadres):
    w = cadres
    case = cases.at_motion_gate(w)
    for outsider in (w.org1, w.orglead1, w.uflead1):  # the leader signs only after the draft
        with pytest.raises(PermissionDeniedError):
            process.ufwd_opinion_submit(actor=outsider, case=case, gate="motion", stance="agree", text="同意")


def test_a_rejected_gate_draft_goes_round_again_and_stays_mandatory(cadres):
    w = cadres
    case = cases.at_motion_gate(w)
    process.ufwd_opinion_submit(actor=w.uf1, case=case, gate="motion", stance="agree", text="同意")
    stages.reject(actor=w.uflead1, task=cases.task(w.uflead1, case, chains.UFWD_MOTION), comment="请补充理由")
    case = reload(case)
    assert case.status == CaseStatus.UFWD_OPINION_ON_MOTION
    assert cases.task(w.uf1, case, chains.UFWD_MOTION) is not None  # a new round for the draft


def test_the_motion_withdrawn_before_the_ufwd_acts_is_a_draft_again(cadres):
    w = cadres
    case = cases.at_motion_gate(w)
    stages.withdraw(actor=w.org1, run=stages.running_chain(case, chains.UFWD_MOTION))
    case = reload(case)
    assert case.status == CaseStatus.DRAFT


def test_the_recommendation_must_be_competitive(cadres):
    w = cadres
    case = cases.motion_approved(w)
    case.candidates.set(case.candidates.order_by("pk")[:1])
    data = process.RecommendationData(form="meeting", held_on=datetime.date(2025, 9, 15), categories=("staff",),
                                      participants=30, votes={p.pk: 20 for p in case.candidates.all()})
    with pytest.raises(ServiceError) as error:
        process.recommendation_record(actor=w.org1, case=case, data=data)
    assert error.value.code == "not_competitive"
    assert "差额" in error.value.message


def test_body_leadership_recommendation_needs_the_party_acfic_and_non_party_heads(cadres):
    w = cadres
    case = cases.motion_approved(w, is_body_leadership=True)
    votes = {p.pk: 10 for p in case.candidates.all()}
    data = process.RecommendationData(form="meeting", held_on=datetime.date(2025, 9, 15),
                                      categories=("leadership", "party_heads"), participants=30, votes=votes)
    with pytest.raises(ServiceError) as error:
        process.recommendation_record(actor=w.org1, case=case, data=data)
    assert error.value.code == "heads_required"
    assert "工商联主要领导成员" in error.value.message and "无党派代表人士" in error.value.message
    process.recommendation_record(actor=w.org1, case=case, data=process.RecommendationData(
        form="meeting", held_on=datetime.date(2025, 9, 15), participants=30, votes=votes,
        categories=("leadership", "party_heads", "acfic_heads", "non_party")))
    assert reload(case).status == CaseStatus.RECOMMENDATION


def test_a_party_member_nominee_needs_their_party_organisation(cadres):
    w = cadres
    case = cases.recommended(w)
    with pytest.raises(ServiceError) as error:
        process.candidate_fix(actor=w.org1, case=case, nominee=case.candidates.order_by("pk").first())
    assert error.value.code == "party_unit_required"


def test_the_vetting_team_needs_both_departments(cadres):
    w = cadres
    case = cases.candidate_fixed(w)
    for team in ([w.org1, w.orglead1], [w.uf1, w.uflead1]):
        with pytest.raises(ServiceError) as error:
            process.vetting_start(actor=w.org1, case=case, members=team)
        assert error.value.code == "team_needs_both"
    both = UserFactory(username="both1", roles=["org_cadre", "uf_cadre"])
    with pytest.raises(ServiceError) as error:
        process.vetting_start(actor=w.org1, case=case, members=[both, w.uf1])
    assert error.value.code == "team_member_department"


def test_only_a_ufwd_member_of_the_team_gives_its_opinion(cadres):
    w = cadres
    case = cases.vetting(w)
    for actor in (w.org1, w.uflead1):  # an org member, and a UFWD leader outside the team
        with pytest.raises(PermissionDeniedError):
            process.vetting_uf_opinion_submit(actor=actor, case=case, opinion="同意")
    with pytest.raises(ServiceError) as error:
        process.vetting_uf_opinion_submit(actor=w.uf1, case=case, opinion="  ")
    assert error.value.code == "uf_opinion_required"


def test_one_department_alone_cannot_sign_the_package(cadres):
    w = cadres
    both = UserFactory(username="bothlead", roles=["org_leader", "uf_leader"])
    case = cases.at_signoff(w)
    process.package_submit(actor=w.org1, case=case, summary="材料。")
    stages.approve(actor=w.uflead1, task=cases.task(w.uflead1, case, chains.SIGNOFF, "uf-deputy"))
    stages.approve(actor=both, task=cases.task(both, case, chains.SIGNOFF, chains.ORG_COSIGN))
    with pytest.raises(ServiceError) as error:
        stages.approve(actor=both, task=cases.task(both, case, chains.SIGNOFF, chains.UF_COSIGN))
    assert error.value.code == "package_needs_both"
    assert "一个部门不能单独完成会签" in error.value.message
    assert reload(case).status == CaseStatus.PACKAGE_SIGNOFF
    # the 组织部 signature came from an account acting for both departments: even the UFWD head cannot complete it
    uf_task = cases.task(w.uflead1, case, chains.SIGNOFF, chains.UF_COSIGN)
    with pytest.raises(ServiceError):
        stages.approve(actor=w.uflead1, task=uf_task)
    stages.return_to(actor=w.uflead1, task=uf_task, to_order=2, comment="请两部部长分别会签")
    stages.approve(actor=w.uflead1, task=cases.task(w.uflead1, case, chains.SIGNOFF, "uf-deputy"))
    stages.approve(actor=w.orglead1, task=cases.task(w.orglead1, case, chains.SIGNOFF, chains.ORG_COSIGN))
    stages.approve(actor=w.uflead1, task=cases.task(w.uflead1, case, chains.SIGNOFF, chains.UF_COSIGN))
    assert reload(case).status == CaseStatus.SUBMITTED_TO_COMMITTEE


def test_a_package_chain_configured_for_one_department_never_passes(cadres):
    """The editor refuses giving both co-sign stages to the 组织部; a version already stored that way (from before
    the rule) still cannot pass the package: the joint signature is checked in code."""
    w = cadres
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    published = DefinitionVersion.objects.get(slot__code=chains.SIGNOFF, status="published")
    draft = definitions.draft_create(actor=admin, slot=published.slot)
    org_role = draft.stages.get(key=chains.ORG_COSIGN).role
    draft.stages.filter(key=chains.UF_COSIGN).update(role=org_role)
    with pytest.raises(ServiceError) as refused:
        definitions.draft_publish(actor=admin, version=draft)
    assert refused.value.code == "invalid_definition"
    published.stages.filter(key=chains.UF_COSIGN).update(role=org_role)
    case = cases.at_signoff(w)
    process.package_submit(actor=w.org1, case=case, summary="材料。")
    stages.approve(actor=w.uflead1, task=cases.task(w.uflead1, case, chains.SIGNOFF, "uf-deputy"))
    stages.approve(actor=w.orglead1, task=cases.task(w.orglead1, case, chains.SIGNOFF, chains.ORG_COSIGN))
    with pytest.raises(ServiceError) as error:
        stages.approve(actor=w.orglead1, task=cases.task(w.orglead1, case, chains.SIGNOFF, chains.UF_COSIGN))
    assert error.value.code == "package_needs_both"
    assert reload(case).status == CaseStatus.PACKAGE_SIGNOFF


def test_a_deferred_decision_goes_back_to_the_committee_and_a_rejection_ends_the_case(cadres):
    w = cadres
    case = cases.signed(w)
    case = process.decision_record(actor=w.org1, case=case, decision="deferred",
                                   meeting_date=datetime.date(2025, 9, 15), minutes_ref="第18次")
    assert case.status == CaseStatus.DEFERRED
    case = process.case_resubmit(actor=w.org1, case=case)
    assert case.status == CaseStatus.SUBMITTED_TO_COMMITTEE
    with pytest.raises(ServiceError) as error:
        process.decision_record(actor=w.org1, case=case, decision="rejected", meeting_date=None, minutes_ref="x")
    assert error.value.code == "date_required"
    case = process.decision_record(actor=w.org1, case=case, decision="rejected",
                                   meeting_date=datetime.date(2025, 9, 16), minutes_ref="第19次")
    assert case.status == CaseStatus.REJECTED


def test_the_notice_lasts_at_least_five_working_days_on_the_holiday_calendar(cadres):
    w = cadres
    case = cases.decided(w)
    # 9/29 (Mon) – 10/10 (Fri): 9/29, 9/30, 10/9, 10/10 are 4 working days (10/1–10/8 is 国庆 + 中秋)
    with pytest.raises(ServiceError) as error:
        process.notice_publish(actor=w.org1, case=case, starts_on=datetime.date(2025, 9, 29),
                               ends_on=datetime.date(2025, 10, 10), channel="县政府网站")
    assert error.value.code == "notice_too_short"
    assert "4 个工作日" in error.value.message and "2025-10-11" in error.value.message
    # a plain week: Mon 9/15 – Thu 9/18 is 4, refused; Fri 9/19 is the fifth
    with pytest.raises(ServiceError):
        process.notice_publish(actor=w.org1, case=case, starts_on=datetime.date(2025, 9, 15),
                               ends_on=datetime.date(2025, 9, 18), channel="县政府网站")
    assert process.notice_minimum_end(datetime.date(2025, 9, 29)) == datetime.date(2025, 10, 11)  # 调休 Saturday
    case = process.notice_publish(actor=w.org1, case=case, starts_on=datetime.date(2025, 9, 15),
                                  ends_on=datetime.date(2025, 9, 19), channel="县政府网站")
    assert case.status == CaseStatus.PUBLIC_NOTICE
    assert process.notice_due(case).due_at == at(2025, 9, 19, 23, 59, 59)
    cases.sweep_at(at(2025, 9, 19, 23, 0))
    assert reload(case).status == CaseStatus.PUBLIC_NOTICE  # the legal wait is not over
    assert cases.notice_over(case).status == CaseStatus.NOTICE_ENDED
    assert process.notice_ended(reload(case))


def test_a_verified_objection_that_affects_the_appointment_stops_the_case(cadres):
    w = cadres
    case = cases.in_notice(w)
    objection = process.objection_record(actor=w.org1, case=case, received_on=datetime.date(2025, 9, 16),
                                         source="电话", summary="反映问题。")
    case = cases.notice_over(reload(case))
    with pytest.raises(ServiceError) as error:
        process.notice_conclude(actor=w.org1, case=case, proceed=True)
    assert error.value.code == "objections_unverified"
    process.objection_verify(actor=w.org1, objection=objection, finding="经核查属实。", affects_appointment=True)
    with pytest.raises(ServiceError) as error:
        process.notice_conclude(actor=w.org1, case=reload(case), proceed=True)
    assert error.value.code == "objection_blocks"
    case = process.notice_conclude(actor=w.org1, case=reload(case), proceed=False, comment="反映问题属实，终止任用。")
    assert case.status == CaseStatus.CLOSED


def test_an_elected_post_goes_through_the_legal_procedure_and_has_no_probation(cadres):
    w = cadres
    case = cases.in_notice(w, post_unit="县人民政府", post_title="副县长", post_level="deputy_division",
                           post_kind="elected", legal_body="npc")
    assert case.elected_post and not case.probation_required
    case = process.notice_conclude(actor=w.org1, case=cases.notice_over(case), proceed=True)
    assert case.status == CaseStatus.LEGAL_PROCEDURE
    case = process.legal_record(actor=w.org1, case=case, passed=True, held_on=datetime.date(2025, 9, 30),
                                note="县人大常委会第三十次会议任命")
    assert case.status == CaseStatus.TO_APPOINT
    case = process.appointment_record(actor=w.org1, case=case, reference="同人常任〔2025〕5号",
                                      notice_on=datetime.date(2025, 9, 30), talk_on=datetime.date(2025, 9, 30),
                                      starts_on=datetime.date(2025, 9, 30))
    assert case.status == CaseStatus.APPOINTED and process.probation_due(case) is None


def test_a_prefecture_post_ends_in_a_recorded_upward_recommendation(cadres):
    w = cadres
    case = cases.decided(w, managed_by="prefecture", post_level="deputy_division")
    with pytest.raises(StaleStateError):
        process.notice_publish(actor=w.org1, case=case, starts_on=datetime.date(2025, 9, 15),
                               ends_on=datetime.date(2025, 9, 19), channel="网站")
    case = process.upward_recommend(actor=w.org1, case=case, sent_on=datetime.date(2025, 9, 16),
                                    reference="同组呈〔2025〕3号")
    assert case.status == CaseStatus.RECOMMENDED_UPWARD
    case = process.upward_outcome(actor=w.org1, case=case, outcome="州委常委会同意任命")
    assert case.status == CaseStatus.CLOSED


def test_a_failed_probation_ends_the_trial_post(cadres):
    w = cadres
    case = cases.in_notice(w)
    case = process.notice_conclude(actor=w.org1, case=cases.notice_over(case), proceed=True)
    case = process.appointment_record(actor=w.org1, case=case, reference="同组任〔2025〕22号",
                                      notice_on=datetime.date(2025, 9, 26), talk_on=datetime.date(2025, 9, 26),
                                      starts_on=datetime.date(2025, 9, 26))
    with time_machine.travel(at(2026, 9, 28, 8), tick=False):
        sweeps.sweep()
        process.probation_assess(actor=w.org1, case=case, result="remove", summary="不胜任。")
        stages.approve(actor=w.orglead1, task=cases.task(w.orglead1, case, chains.PROBATION))
        stages.approve(actor=w.uflead1, task=cases.task(w.uflead1, case, chains.PROBATION))
    case = reload(case)
    assert case.status == CaseStatus.PROBATION_FAILED
    assert case.nominee.posts.get(post="副局长").ended_on is not None


def test_a_case_is_withdrawn_with_its_chains_and_process(cadres):
    w = cadres
    case = cases.vetting(w)
    with pytest.raises(ServiceError):
        process.case_withdraw(actor=w.org1, case=case, reason=" ")
    case = process.case_withdraw(actor=w.org1, case=case, reason="本人因病申请不再参加。")
    assert case.status == CaseStatus.WITHDRAWN
    assert not StageRun.objects.filter(subject_id=str(case.pk), status="running").exists()
    assert not process.notice_due(case) and reload(case).status == CaseStatus.WITHDRAWN
    assert not case.nominee.__class__.objects.filter(pk=case.nominee_id, pool_state=PoolState.USED).exists()


def test_only_the_organisation_department_runs_the_case(cadres):
    w = cadres
    persons = cases.candidates(w)
    for actor in (w.uf1, w.uflead1, w.party1, w.jiwei1, w.cppcc_staff):
        with pytest.raises(PermissionDeniedError):
            process.case_create(actor=actor, data=cases.case_data(persons))


@pytest.mark.parametrize("slot, key", [
    (chains.UFWD_MOTION, "uf-draft"), (chains.UFWD_MOTION, "uf-sign"),
    (chains.UFWD_DECISION, "uf-draft"), (chains.UFWD_DECISION, "uf-sign"),
    (chains.SIGNOFF, chains.ORG_COSIGN), (chains.SIGNOFF, chains.UF_COSIGN),
    (chains.VETTING, chains.INTEGRITY),
])
def test_validation_refuses_removing_a_fixed_stage(cadres, slot, key):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    draft = definitions.draft_create(actor=admin, slot=DefinitionVersion.objects.get(
        slot__code=slot, status="published").slot)
    draft.stages.filter(key=key).delete()
    errors = validate(draft)
    assert any("法定环节，不能删除" in e for e in errors)
    with pytest.raises(ServiceError):
        definitions.draft_publish(actor=admin, version=draft)


def test_validation_refuses_a_skip_rule_on_a_ufwd_gate(cadres):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    draft = definitions.draft_create(actor=admin, slot=DefinitionVersion.objects.get(
        slot__code=chains.UFWD_DECISION, status="published").slot)
    draft.stages.filter(key="uf-sign").update(skip_field="managed_by", skip_operator="not_empty")
    assert any("不能设置跳过条件" in e for e in validate(draft))


def test_the_default_chains_have_their_parallel_steps(cadres):
    def orders(slot):
        version = DefinitionVersion.objects.get(slot__code=slot, status="published")
        return dict(version.stages.values_list("key", "order"))

    assert set(orders(chains.VETTING).values()) == {1}
    assert orders(chains.SIGNOFF) == {"org-cadre-package": 1, "uf-deputy": 2, chains.ORG_COSIGN: 3,
                                      chains.UF_COSIGN: 3}
    for slot in chains.SLOTS:
        assert validate(DefinitionVersion.objects.get(slot__code=slot, status="published")) == []


def test_a_late_gate_task_escalates_to_the_departments_leader_then_its_head(cadres):
    # given the UFWD's draft of its opinion on the motion (3 working days) and a head of the UFWD on record
    w = cadres
    head = UserFactory(username="ufhead1", first_name="统战部部长", roles=["uf_leader"])
    w.uf_dept.memberships.create(user=head, role=UnitMembership.Role.HEAD)
    case = cases.at_motion_gate(w)

    # when nobody acts until well after the deadline, and the sweep runs
    with time_machine.travel(at(2025, 9, 30, 9), tick=False):
        sweeps.sweep()

    # then 黄 goes to the holder and the department's 分管领导, 红 to the department head; both on the timeline
    told = sorted(Notification.objects.filter(key__startswith="due-").values_list("title", "recipient__username"))
    assert [(title[:6], user) for title, user in told] == [
        ("【红色督办】", "ufhead1"), ("【黄色督办】", "uf1"), ("【黄色督办】", "uflead1")]
    assert {"due.escalated_yellow", "due.escalated_red"} <= set(actions(case))
