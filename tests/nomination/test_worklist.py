"""Issue #10 on the cadre side: every nomination step A1–A13 and every representative-round step R1–R7 is a work item
in someone's 待办 or 待认领; the two legal waits are due items whose automatic actions open the next step; the
decision is recorded as made; 任前公示 never starts in the past; notification keys come from the events."""

import datetime

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from nomination import process
from nomination import representatives as reps
from nomination.lifecycle import NominationLifecycle
from nomination.models import CaseStatus, NominationCase, RepresentativeBatch, RepStatus, UfwdOpinion
from notifications.models import Notification
from workflows import due, work
from workflows.errors import ServiceError, StaleStateError
from workflows.models import AuditEvent, CalendarDay, DueItem, WorkItem

from . import cases
from .cases import at, reload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def autumn_2025():
    with time_machine.travel(at(2025, 9, 15, 9), tick=False):
        yield


def queued(user, step):
    """The user's 待认领 items of one step."""
    return list(work.queue(user).filter(step=step))


def in_inbox(user, step):
    return list(work.inbox(user).filter(step=step))


def open_steps(case):
    return sorted(WorkItem.objects.filter(case_type=ContentType.objects.get_for_model(case), case_id=str(case.pk),
                                          state=WorkItem.State.OPEN).exclude(step__startswith="stage:")
                  .values_list("step", flat=True))


def claim_and_do(user, step, case, action):
    """What the 组织部干部科 does from 待认领: claim the item, find it in 待办, take the step."""
    [item] = queued(user, step)
    assert item.case_id == str(case.pk) and item.link == reverse("nomination:case", args=[case.pk])
    work.claim(actor=user, item=item)
    assert [i.pk for i in in_inbox(user, step)] == [item.pk]
    result = action()
    assert not in_inbox(user, step)
    assert WorkItem.objects.get(pk=item.pk).state == WorkItem.State.DONE
    return result


def test_every_step_of_the_organisation_department_is_in_its_queue_from_motion_to_confirmation(cadres):
    w = cadres
    case = cases.drafted(w)
    assert open_steps(case) == ["nomination.motion.submit"]
    case = claim_and_do(w.org1, "nomination.motion.submit", case,
                        lambda: process.motion_submit(actor=w.org1, case=case))
    assert open_steps(case) == []  # the 统战部's gate chain holds the case now (its stages are the runner's items)
    case = cases.opinion(w, case, UfwdOpinion.Gate.MOTION)
    assert open_steps(case) == ["nomination.motion.confirm"]
    case = claim_and_do(w.org1, "nomination.motion.confirm", case, lambda: process.motion_approve(
        actor=w.org1, case=case, approved_on=datetime.date(2025, 9, 15), meeting="部务会"))
    votes = {p.pk: 30 - i * 10 for i, p in enumerate(case.candidates.order_by("pk"))}
    claim_and_do(w.org1, "nomination.recommendation", case, lambda: process.recommendation_record(
        actor=w.org1, case=case, data=process.RecommendationData(
            form="meeting", held_on=datetime.date(2025, 9, 15), categories=("leadership", "staff"), participants=40,
            votes=votes)))
    nominee = case.candidates.order_by("pk").first()
    claim_and_do(w.org1, "nomination.candidate", case, lambda: process.candidate_fix(
        actor=w.org1, case=reload(case), nominee=nominee, party_org_unit=w.party_unit))
    claim_and_do(w.org1, "nomination.vetting.team", case, lambda: process.vetting_start(
        actor=w.org1, case=reload(case), members=[w.org1, w.uf1], leader=w.org1))
    # the 考察组's own steps are in each member's 待办 (the 统战部 member also holds its opinion)
    assert len(in_inbox(w.org1, "nomination.vetting.report")) == 1
    assert len(in_inbox(w.uf1, "nomination.vetting.report")) == 1
    assert len(in_inbox(w.uf1, "nomination.vetting.uf_opinion")) == 1
    assert not in_inbox(w.org1, "nomination.vetting.uf_opinion")
    case = cases.vetting_opinions(w, reload(case))
    process.vetting_report_submit(actor=w.org1, case=case, report="民主测评优秀。")
    assert not in_inbox(w.uf1, "nomination.vetting.report")  # done by a colleague of the team: gone for all
    process.vetting_uf_opinion_submit(actor=w.uf1, case=case, opinion="同意。")
    assert not in_inbox(w.uf1, "nomination.vetting.uf_opinion")
    case = cases.opinion(w, reload(case), UfwdOpinion.Gate.DECISION)
    assert case.status == CaseStatus.PACKAGE_SIGNOFF and open_steps(case) == []
    process.package_submit(actor=w.org1, case=case, summary="材料。")
    for user, key in ((w.uflead1, "uf-deputy"), (w.orglead1, "org-head-cosign"), (w.uflead1, "uf-head-cosign")):
        from workflows import stages

        stages.approve(actor=user, task=cases.task(user, case, "nomination-signoff", key), comment="同意")
    case = claim_and_do(w.org1, "nomination.decision", case, lambda: process.decision_record(
        actor=w.org1, case=reload(case), decision="approved", meeting_date=datetime.date(2025, 9, 15),
        minutes_ref="第18次"))
    case = claim_and_do(w.org1, "nomination.notice", case, lambda: process.notice_publish(
        actor=w.org1, case=case, starts_on=datetime.date(2025, 9, 15), ends_on=datetime.date(2025, 9, 19),
        channel="县政府网站"))
    objection = process.objection_record(actor=w.org1, case=case, received_on=datetime.date(2025, 9, 16),
                                         source="来电", summary="反映问题。")
    [verify] = queued(w.org1, "nomination.objection.verify")
    assert verify.target_id == str(objection.pk)
    process.objection_verify(actor=w.org1, objection=objection, finding="不属实。", affects_appointment=False)
    assert not queued(w.org1, "nomination.objection.verify")
    assert open_steps(reload(case)) == []  # the 公示期 runs: a legal wait, nobody's step
    case = cases.notice_over(reload(case))
    case = claim_and_do(w.org1, "nomination.notice.result", case,
                        lambda: process.notice_conclude(actor=w.org1, case=case, proceed=True))
    case = claim_and_do(w.org1, "nomination.appoint", case, lambda: process.appointment_record(
        actor=w.org1, case=case, reference="同组任〔2025〕21号", notice_on=datetime.date(2025, 9, 22),
        talk_on=datetime.date(2025, 9, 22), starts_on=datetime.date(2025, 9, 22)))
    assert case.status == CaseStatus.PROBATION and open_steps(case) == []
    with time_machine.travel(at(2026, 9, 23, 9), tick=False):
        case = cases.probation_over(case)
        claim_and_do(w.org1, "nomination.probation.assess", case, lambda: process.probation_assess(
            actor=w.org1, case=case, result="confirm", summary="表现良好。"))
    assert open_steps(reload(case)) == []


def test_a_deferred_and_a_prefecture_case_keep_their_steps_in_the_queue(cadres):
    w = cadres
    case = cases.signed(w)
    process.decision_record(actor=w.org1, case=case, decision="deferred", meeting_date=datetime.date(2025, 9, 15),
                            minutes_ref="第18次")
    assert open_steps(case) == ["nomination.resubmit"]
    process.case_resubmit(actor=w.org1, case=reload(case))
    assert open_steps(case) == ["nomination.decision"]
    upward = cases.decided(w, managed_by="prefecture", post_level="deputy_division")
    assert open_steps(upward) == ["nomination.upward"]
    process.upward_recommend(actor=w.org1, case=upward, sent_on=datetime.date(2025, 9, 16), reference="呈3号")
    assert open_steps(upward) == ["nomination.upward.outcome"]
    process.upward_outcome(actor=w.org1, case=reload(upward), outcome="州委同意")
    assert open_steps(upward) == []


def test_a_withdrawn_case_leaves_every_list_and_its_wait_ends(cadres):
    w = cadres
    case = cases.in_notice(w)
    process.objection_record(actor=w.org1, case=case, received_on=datetime.date(2025, 9, 16), source="来电",
                             summary="反映问题。")
    assert open_steps(case) == ["nomination.objection.verify"]
    process.case_withdraw(actor=w.org1, case=reload(case), reason="本人申请。")
    assert open_steps(case) == [] and process.notice_due(case) is None
    assert not work.queue(w.org1).exists()


def test_the_decision_is_recorded_as_made_and_a_refusal_never_reads_agreed(cadres):
    w = cadres
    case = cases.signed(w)
    case = process.decision_record(actor=w.org1, case=case, decision="rejected",
                                   meeting_date=datetime.date(2025, 9, 15), minutes_ref="第18次", note="人选不合适")
    assert (case.status, case.decision) == (CaseStatus.REJECTED, NominationCase.Decision.REJECTED)
    event = AuditEvent.objects.get(subject_id=str(case.pk), action="case.decided")
    assert event.comment == "不通过：人选不合适"
    assert event.changes["decision"] == "不通过" and event.to_state == CaseStatus.REJECTED
    assert "同意" not in event.comment
    assert open_steps(case) == []


def test_the_notice_cannot_start_before_the_day_it_is_entered(cadres):
    w = cadres
    case = cases.decided(w)
    with pytest.raises(ServiceError) as error:
        process.notice_publish(actor=w.org1, case=case, starts_on=datetime.date(2025, 9, 12),
                               ends_on=datetime.date(2025, 9, 22), channel="县政府网站")
    assert error.value.code == "notice_in_past"
    assert error.value.message == "任前公示不能早于录入当天（2025-09-15）开始，请重新选择开始日期。"
    with pytest.raises(ServiceError) as error:  # and lasts at least 5 working days
        process.notice_publish(actor=w.org1, case=case, starts_on=datetime.date(2025, 9, 16),
                               ends_on=datetime.date(2025, 9, 19), channel="县政府网站")
    assert error.value.code == "notice_too_short"
    assert reload(case).status == CaseStatus.DECIDED and process.notice_due(case) is None


def test_the_notice_form_shows_the_refusal_in_chinese(client, cadres):
    w = cadres
    case = cases.decided(w)
    client.force_login(w.org1)
    response = client.post(reverse("nomination:case_step", args=[case.pk]), {
        "step": "notice", "notice-starts_on": "2025-09-01", "notice-ends_on": "2025-09-30",
        "notice-channel": "县政府网站", "notice-contact": ""})
    assert response.status_code == 200
    assert "任前公示不能早于录入当天（2025-09-15）开始" in response.content.decode()
    assert reload(case).status == CaseStatus.DECIDED


def test_the_notice_end_is_its_due_item_only_and_the_sweep_ends_it(cadres, client):
    w = cadres
    case = cases.in_notice(w)  # 9/15 – 9/19
    item = process.notice_due(case)
    assert item.due_at == at(2025, 9, 19, 23, 59, 59) and item.title == "任前公示期满"
    assert not hasattr(case, "notice_ends_at") and not hasattr(case, "probation_ends_at")
    # A make-up working day entered later does not move what the notice published.
    CalendarDay.objects.create(date=datetime.date(2025, 9, 20), kind=CalendarDay.Kind.WORKDAY, name="调休")
    due.recompute_open()
    assert process.notice_due(case).due_at == at(2025, 9, 19, 23, 59, 59)
    client.force_login(w.org1)
    page = client.get(reverse("nomination:case", args=[case.pk])).content.decode()
    assert 'data-testid="wait-notice"' in page and "2025-09-19" in page
    with pytest.raises(ServiceError) as error:
        process.notice_conclude(actor=w.org1, case=case, proceed=True)
    assert error.value.code == "notice_not_ended"
    assert "2025-09-19" in error.value.message
    assert not work.queue(w.org1).filter(step="nomination.notice.result").exists()
    case = cases.notice_over(case)
    assert DueItem.objects.get(pk=item.pk).state == DueItem.State.DONE
    assert AuditEvent.objects.filter(subject_id=str(case.pk), action="due.auto_action").exists()
    assert queued(w.org1, "nomination.notice.result")
    # the sweep running again changes nothing
    cases.sweep_at(at(2025, 9, 22, 9))
    assert WorkItem.objects.filter(step="nomination.notice.result", case_id=str(case.pk)).count() == 1


def test_an_extended_probation_moves_the_automatic_action(cadres):
    w = cadres
    case = cases.in_notice(w)
    case = process.notice_conclude(actor=w.org1, case=cases.notice_over(case), proceed=True)
    case = process.appointment_record(actor=w.org1, case=case, reference="任1号", notice_on=datetime.date(2025, 9, 22),
                                      talk_on=datetime.date(2025, 9, 22), starts_on=datetime.date(2025, 9, 22))
    assert process.probation_due(case).due_at == at(2026, 9, 22, 23, 59, 59)
    due.move_due_item(subject=case, purpose="probation", due_at=at(2026, 10, 9, 23, 59, 59))
    cases.sweep_at(at(2026, 9, 23, 9))
    assert reload(case).status == CaseStatus.PROBATION  # the old date no longer acts
    cases.sweep_at(at(2026, 10, 10, 9))
    assert reload(case).status == CaseStatus.PROBATION_ENDED


def test_notification_keys_come_from_the_events_so_each_deferral_tells_again(cadres):
    w = cadres
    case = cases.signed(w)
    for _round in range(2):
        process.decision_record(actor=w.org1, case=reload(case), decision="deferred",
                                meeting_date=datetime.date(2025, 9, 15), minutes_ref="第18次")
        process.case_resubmit(actor=w.org1, case=reload(case))
    events = list(AuditEvent.objects.filter(subject_id=str(case.pk), action="case.decided").order_by("pk"))
    assert len(events) == 2
    for event in events:
        assert Notification.objects.filter(key__startswith=f"event-{event.pk}-", recipient=w.uf1).count() == 1


def test_the_lifecycle_is_the_only_way_between_states(cadres):
    w = cadres
    case = cases.drafted(w)
    assert NominationLifecycle.may(case, "submit_motion") and not NominationLifecycle.may(case, "appoint")
    with pytest.raises(StaleStateError):
        process.appointment_record(actor=w.org1, case=case, reference="x", notice_on=datetime.date(2025, 9, 15),
                                   talk_on=datetime.date(2025, 9, 15), starts_on=datetime.date(2025, 9, 15))


def test_the_motion_recall_goes_back_to_a_draft_with_its_step(cadres):
    w = cadres
    case = cases.at_motion_gate(w)
    case = process.motion_recall(actor=w.org1, case=case, comment="补充材料")
    assert case.status == CaseStatus.DRAFT
    assert open_steps(case) == ["nomination.motion.submit"]
    with pytest.raises(StaleStateError):
        process.motion_recall(actor=w.org1, case=case)


def test_the_case_list_and_page_show_who_holds_each_case_and_by_when(client, cadres, django_assert_max_num_queries):
    w = cadres
    drafted = cases.drafted(w)
    in_notice = cases.in_notice(w)
    process.objection_record(actor=w.org1, case=in_notice, received_on=datetime.date(2025, 9, 16), source="来电",
                             summary="反映问题。")
    client.force_login(w.org1)
    page = client.get(reverse("nomination:cases")).content.decode()
    assert "提交动议，征求统战部意见" in page and "核查公示反映问题" in page and "组织部干部科" in page
    detail = client.get(reverse("nomination:case", args=[drafted.pk])).content.decode()
    assert 'data-testid="holdings"' in detail and "提交动议，征求统战部意见" in detail
    # the list's holder column is one query, whatever the number of cases
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("nomination:cases"))
    for _n in range(5):
        cases.drafted(w)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("nomination:cases"))


# --- representative rounds ---------------------------------------------------------------------------------------


def round_steps(batch):
    return sorted(WorkItem.objects.filter(case_type=ContentType.objects.get_for_model(RepresentativeBatch),
                                          case_id=str(batch.pk), state=WorkItem.State.OPEN)
                  .exclude(step__startswith="stage:").values_list("step", flat=True))


def test_every_step_of_a_representative_round_is_someones(cadres, client):
    from .test_representatives import nominated, task

    w = cadres
    batch = nominated(w, body="county_npc", renomination=False)
    assert round_steps(batch) == ["nomination.rep.consult"]
    assert queued(w.uf1, "nomination.rep.consult") and not queued(w.org1, "nomination.rep.consult")
    batch = reps.consultation_record(actor=w.uf1, batch=batch, held_on=datetime.date(2025, 9, 15),
                                     consulted=["parties"], summary="协商一致。")
    assert round_steps(batch) == ["nomination.rep.vet"]
    batch = reps.vetting_start(actor=w.uf1, batch=batch)
    assert round_steps(batch) == ["nomination.rep.check"] * batch.nominees.count()
    from workflows import stages

    stages.approve(actor=w.jiwei1, task=task(w.jiwei1, batch, "representative-vetting"), comment="无问题")
    for nominee in batch.nominees.all():
        reps.nominee_check(actor=w.uf1, nominee=nominee, political=True, integrity=True, image=True)
    batch = RepresentativeBatch.objects.get(pk=batch.pk)
    assert batch.status == RepStatus.LIST_COMPILED and round_steps(batch) == ["nomination.rep.opinions"]
    reps.opinions_record(actor=w.uf1, batch=batch, summary="已征求意见。")
    assert round_steps(batch) == []
    stages.approve(actor=w.uflead1, task=task(w.uflead1, batch, "representative-list"), comment="同意")
    stages.approve(actor=w.orglead1, task=task(w.orglead1, batch, "representative-list"), comment="同意")
    assert round_steps(batch) == ["nomination.rep.committee"] and queued(w.org1, "nomination.rep.committee")
    reps.committee_record(actor=w.org1, batch=batch, approved=True, held_on=datetime.date(2025, 9, 15),
                          minutes_ref="第20次")
    assert round_steps(batch) == ["nomination.rep.npc_nominate"]
    reps.npc_nominate(actor=w.uf1, batch=batch, election_date=datetime.date(2025, 11, 20))
    [item] = queued(w.uf1, "nomination.rep.npc_list")
    assert item.due_item.due_at == at(2025, 11, 5, 23, 59, 59)  # 15 calendar days before the vote
    reps.npc_publish_list(actor=w.uf1, batch=batch, published_on=datetime.date(2025, 11, 1))
    [item] = queued(w.uf1, "nomination.rep.npc_formal")
    assert item.due_item.due_at == at(2025, 11, 13, 23, 59, 59)
    client.force_login(w.uf1)
    page = client.get(reverse("nomination:rep", args=[batch.pk])).content.decode()
    assert 'data-testid="holdings"' in page and "公布正式候选人名单" in page and "统战部干部科" in page
    assert "公布正式候选人名单" in client.get(reverse("nomination:reps")).content.decode()
    reps.npc_publish_formal_list(actor=w.uf1, batch=batch, published_on=datetime.date(2025, 11, 10))
    reps.npc_results(actor=w.uf1, batch=batch, elected_ids=list(batch.nominees.values_list("pk", flat=True)))
    assert round_steps(batch) == []
