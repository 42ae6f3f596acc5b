"""The nomination case over HTTP: each role's pages, the step forms, and what the outside organisations see."""

import re

import pytest
import time_machine
from django.urls import reverse

from nomination import chains
from nomination.models import CaseStatus, NominationCase, UfwdOpinion
from workflows.models import AuditEvent

from . import cases
from .cases import at, reload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def autumn_2025():
    with time_machine.travel(at(2025, 9, 15, 9), tick=False):
        yield


def post_step(client, case, step, **fields):
    data = {"step": step, **{f"{step}-{k}": v for k, v in fields.items()}}
    return client.post(f"/nomination/cases/{case.pk}/step/", data)


def denied(client, url, method="get"):
    before = AuditEvent.objects.filter(action="access_denied").count()
    response = getattr(client, method)(url)
    return response.status_code in (403, 404) and AuditEvent.objects.filter(
        action="access_denied").count() == before + 1


def test_org_cadre_drafts_and_submits_a_motion_through_the_pages(client, cadres):
    w = cadres
    first, second = cases.candidates(w)
    client.force_login(w.org1)
    page = client.get("/nomination/cases/new/")
    assert page.status_code == 200 and "动议方案" in page.content.decode()
    response = client.post("/nomination/cases/new/", {
        "post_unit": "县卫生健康局", "post_title": "副局长", "post_level": "deputy_section",
        "post_kind": "dept_deputy", "posts_count": "1", "managed_by": "county", "elected_post": "",
        "legal_body": "", "probation_required": "", "motion_text": "副局长缺一名。",
        "candidates": [first.pk, second.pk]})
    case = NominationCase.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/nomination/cases/{case.pk}/"
    assert case.probation_required
    response = post_step(client, case, "submit_motion")
    assert response.status_code == 302
    assert reload(case).status == CaseStatus.UFWD_OPINION_ON_MOTION
    page = client.get(f"/nomination/cases/{case.pk}/").content.decode()
    assert 'data-testid="chain-nomination-ufwd-motion"' in page
    assert "统战部干部科拟稿" in page


def test_a_bad_motion_keeps_the_input_and_says_why_in_chinese(client, cadres):
    client.force_login(cadres.org1)
    response = client.post("/nomination/cases/new/", {
        "post_unit": "县人民政府", "post_title": "副县长", "post_level": "deputy_division", "post_kind": "elected",
        "posts_count": "1", "managed_by": "prefecture", "legal_body": "", "motion_text": "副县长人选。"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "须经依法选举或任命的职务，请选择任命/选举机关。" in body
    assert 'value="副县长"' in body


def test_the_ufwd_writes_and_signs_its_opinion_on_the_case_page(client, cadres):
    w = cadres
    case = cases.at_motion_gate(w)
    client.force_login(w.uf1)
    page = client.get(f"/nomination/cases/{case.pk}/").content.decode()
    assert 'data-testid="step-opinion_motion"' in page
    response = post_step(client, case, "opinion_motion", gate="motion", stance="agree", text="")
    assert "请填写统战部书面意见" in response.content.decode()  # nothing lost, nothing passed
    post_step(client, case, "opinion_motion", gate="motion", stance="suggest", text="同意，建议加强培养。")
    client.force_login(w.uflead1)
    page = client.get(f"/nomination/cases/{case.pk}/").content.decode()
    assert "同意，建议加强培养。" in page
    post_step(client, case, "opinion_motion", gate="motion", stance="suggest", text="同意，建议加强培养。",
              comment="同意签发")
    opinion = reload(case).ufwd_opinions.get(gate=UfwdOpinion.Gate.MOTION)
    assert opinion.signed_by == w.uflead1
    client.force_login(w.org1)
    response = post_step(client, case, "motion_approve", approved_on="2025-09-15", meeting="部务会")
    assert reload(case).status == CaseStatus.MOTION_APPROVED


def test_the_recommendation_form_refuses_a_non_competitive_list(client, cadres):
    w = cadres
    case = cases.motion_approved(w)
    case.candidates.set(case.candidates.order_by("pk")[:1])
    client.force_login(w.org1)
    person = case.candidates.get()
    response = post_step(client, case, "recommendation", form="meeting", held_on="2025-09-15",
                         categories=["staff"], participants="40", **{f"votes_{person.pk}": "30"})
    assert "民主推荐须差额进行" in response.content.decode()
    assert reload(case).status == CaseStatus.MOTION_APPROVED


def test_the_notice_form_refuses_four_working_days(client, cadres):
    w = cadres
    case = cases.decided(w)
    client.force_login(w.org1)
    response = post_step(client, case, "notice", starts_on="2025-09-29", ends_on="2025-10-10", channel="县政府网站")
    assert "任前公示不少于 5 个工作日" in response.content.decode()
    post_step(client, case, "notice", starts_on="2025-09-29", ends_on="2025-10-11", channel="县政府网站")
    assert reload(case).status == CaseStatus.PUBLIC_NOTICE
    notice = client.get(f"/nomination/cases/{case.pk}/print/notice/").content.decode()
    assert "干部任前公示" in notice and "2025年9月29日至2025年10月11日" in notice


def test_jiwei1_sees_only_the_request_letter_and_the_minimum_identity_data(client, cadres):
    w = cadres
    case = cases.vetting(w)
    client.force_login(w.jiwei1)
    # the case page, the approval form, the notice and the edit page are refused with an audit row
    for url in (f"/nomination/cases/{case.pk}/", f"/nomination/cases/{case.pk}/print/approval-form/",
                f"/nomination/cases/{case.pk}/edit/", f"/nomination/people/{case.nominee_id}/"):
        assert denied(client, url), url
    assert client.get("/nomination/cases/")["Location"] == "/nomination/requests/"
    assert denied(client, f"/nomination/cases/{case.pk}/step/", "post")
    page = client.get(f"/nomination/cases/{case.pk}/request/").content.decode()
    nominee = case.nominee
    for shown in (nominee.name, nominee.work_unit, nominee.current_post, "廉政意见"):
        assert shown in page
    for hidden in (nominee.id_number, nominee.phone, "民主测评", "考察组", "统战部书面意见", "办理过程",
                   "党派组织意见", "李秀兰"):
        assert hidden not in page, hidden
    letter = client.get(f"/nomination/cases/{case.pk}/print/request-letter/").content.decode()
    assert "党风廉政情况" in letter and nominee.name in letter and nominee.id_number not in letter
    inbox = client.get("/nomination/requests/").content.decode()
    assert nominee.name in inbox and "廉政意见" in inbox
    # answering through the engine's task action, from the request page
    task = cases.task(w.jiwei1, case, chains.VETTING, chains.INTEGRITY)
    response = client.post(f"/chains/tasks/{task.pk}/", {
        "action": "approve", "comment": "未发现影响使用的问题线索", "next": f"/nomination/cases/{case.pk}/request/"})
    assert response.status_code == 302
    page = client.get(f"/nomination/cases/{case.pk}/request/").content.decode()
    assert "未发现影响使用的问题线索" in page and "请提出" not in page


def test_party1_sees_only_its_own_requests_never_the_vetting_material(client, cadres):
    w = cadres
    case = cases.vetting(w)
    process_report = "民主测评优秀率 90%"
    from nomination import process

    process.vetting_report_submit(actor=w.org1, case=case, report=process_report)
    cases.task(w.jiwei1, case, chains.VETTING, chains.INTEGRITY)
    client.force_login(w.party1)
    page = client.get(f"/nomination/cases/{case.pk}/request/").content.decode()
    assert "党派组织意见" in page and case.nominee.name in page
    for hidden in (process_report, "廉政意见", "档案", "统战部书面意见", case.nominee.id_number):
        assert hidden not in page, hidden
    letter = client.get(f"/nomination/cases/{case.pk}/print/request-letter/").content.decode()
    assert "贵组织" in letter and "党风廉政" not in letter
    assert denied(client, f"/nomination/cases/{case.pk}/")
    # another party organisation was not asked: nothing at all
    client.force_login(w.party2)
    assert denied(client, f"/nomination/cases/{case.pk}/request/")
    assert case.nominee.name not in client.get("/nomination/requests/").content.decode()
    # the discipline organ's task is not party1's to act on
    task = cases.task(w.jiwei1, case, chains.VETTING, chains.INTEGRITY)
    client.force_login(w.party1)
    assert denied(client, f"/chains/tasks/{task.pk}/", "post")


def test_a_case_without_a_request_for_the_party_is_refused_to_it(client, cadres):
    w = cadres
    case = cases.vetting(w, party="non_party")  # the party stage was skipped: nobody asked party1
    client.force_login(w.party1)
    assert denied(client, f"/nomination/cases/{case.pk}/request/")
    client.force_login(w.org1)
    page = client.get(f"/nomination/cases/{case.pk}/").content.decode()
    assert "按规则跳过环节" in page  # on the timeline, with the stage's name
    cases.vetting_opinions(w, case)
    page = client.get(f"/nomination/cases/{case.pk}/").content.decode()
    assert "已跳过" in page  # and in the diagram of the finished chain


def test_the_cppcc_side_and_outsiders_see_nothing_of_the_cases(client, cadres):
    w = cadres
    case = cases.vetting(w)
    for user in (w.cppcc_staff, w.outsider):
        client.force_login(user)
        for url in ("/nomination/cases/", f"/nomination/cases/{case.pk}/", f"/nomination/cases/{case.pk}/request/",
                    f"/nomination/cases/{case.pk}/print/request-letter/"):
            assert denied(client, url), (user, url)


def test_both_departments_read_the_case_but_only_the_organisation_department_records_steps(client, cadres):
    w = cadres
    case = cases.signed(w)
    for user in (w.uf1, w.uflead1, w.orglead1):
        client.force_login(user)
        page = client.get(f"/nomination/cases/{case.pk}/").content.decode()
        assert "上会材料两部会签" in page and 'data-testid="step-decision"' not in page
        assert post_step(client, case, "decision", decision="approved", meeting_date="2025-09-15",
                         minutes_ref="x").status_code == 403
    client.force_login(w.org1)
    post_step(client, case, "decision", decision="approved", meeting_date="2025-09-15", minutes_ref="第18次")
    assert reload(case).status == CaseStatus.DECIDED


def test_the_approval_form_prints_with_the_family_logged(client, cadres):
    w = cadres
    case = cases.decided(w)
    client.force_login(w.uf1)
    page = client.get(f"/nomination/cases/{case.pk}/print/approval-form/").content.decode()
    assert "干部任免审批表" in page and case.nominee.name in page and "统战部意见" in page
    assert AuditEvent.objects.filter(action="person.sensitive_viewed", subject_id=str(case.nominee_id)).exists()


def test_the_case_page_fits_a_phone_and_lists_every_state_label(client, cadres):
    w = cadres
    case = cases.at_signoff(w)
    client.force_login(w.org1)
    page = client.get(f"/nomination/cases/{case.pk}/").content.decode()
    assert 'name="viewport"' in page
    assert re.search(r'data-testid="chain-nomination-signoff"', page)
    listing = client.get("/nomination/cases/?status=package_signoff").content.decode()
    assert str(case) in listing


# --- issue #13 item 6: the motion until 确定动议, candidates with their particulars, the 拟稿 draft ----------------------


def _motion_post(case, candidate_ids, **overrides):
    data = {"post_unit": case.post_unit, "post_title": case.post_title, "post_level": case.post_level,
            "post_kind": case.post_kind, "posts_count": str(case.posts_count), "managed_by": case.managed_by,
            "elected_post": "", "legal_body": "", "probation_required": "", "motion_text": case.motion_text,
            "candidates": list(candidate_ids)}
    data.update(overrides)
    return data


def test_the_motion_stays_editable_while_the_ufwd_gives_its_opinion(client, cadres):
    # given: a motion with one candidate, already sent to the UFWD
    w = cadres
    case = cases.at_motion_gate(w)
    first, second = case.candidates.order_by("pk")
    case.candidates.set([first])
    third = cases.in_pool(w, name="周建军", party="jiusan", id_number=cases.make_id_number(sequence=77))
    client.force_login(w.org1)
    page = client.get(f"/nomination/cases/{case.pk}/").content.decode()
    assert "修改动议" in page
    # when: the 组织部 adds two candidates
    response = client.post(f"/nomination/cases/{case.pk}/edit/", _motion_post(case, [first.pk, second.pk, third.pk]))
    # then
    assert response.status_code == 302
    case = reload(case)
    assert set(case.candidates.values_list("pk", flat=True)) == {first.pk, second.pk, third.pk}
    assert case.status == CaseStatus.UFWD_OPINION_ON_MOTION
    event = AuditEvent.objects.filter(action="case.edited").latest("pk")
    assert event.changes == {"candidates": ["马文华", "周建军、李秀兰、马文华"]}


def test_a_motion_short_of_candidates_is_refused_at_the_confirmation_and_can_still_be_fixed(client, cadres):
    # given: the UFWD signed its opinion on a motion with a single candidate for one post
    w = cadres
    case = cases.at_motion_gate(w)
    first, second = case.candidates.order_by("pk")
    case.candidates.set([first])
    case = cases.opinion(w, case, UfwdOpinion.Gate.MOTION)
    client.force_login(w.org1)
    # when: 确定动议
    response = post_step(client, case, "motion_approve", approved_on="2025-09-15", meeting="部务会")
    # then: refused with the way out, which is open
    assert "请在动议方案中增加参考人选" in response.content.decode()
    assert reload(case).status == CaseStatus.UFWD_OPINION_ON_MOTION
    assert client.get(f"/nomination/cases/{case.pk}/edit/").status_code == 200
    client.post(f"/nomination/cases/{case.pk}/edit/", _motion_post(case, [first.pk, second.pk]))
    post_step(client, case, "motion_approve", approved_on="2025-09-15", meeting="部务会")
    assert reload(case).status == CaseStatus.MOTION_APPROVED
    # and after 确定动议 the motion is fixed
    assert denied(client, f"/nomination/cases/{case.pk}/edit/")


def test_candidates_show_party_unit_level_and_age_and_can_be_searched(client, cadres):
    w = cadres
    case = cases.drafted(w)
    client.force_login(w.org1)
    page = client.get(f"/nomination/cases/{case.pk}/").content.decode()
    # 马文华: 民盟, 县教育局副局长, 副科级, born 1985-03-15 -> 40 on 2025-09-15
    assert "马文华（民盟，县教育局副局长，副科级，40 岁）" in page
    cases.in_pool(w, name="周建军", party="jiusan", work_unit="县卫生健康局",
                  id_number=cases.make_id_number(sequence=77))
    form = client.get(f"/nomination/cases/{case.pk}/edit/", {"q": "卫生"}).content.decode()
    assert "周建军（九三学社，县卫生健康局" in form
    assert "李秀兰（" in form  # a chosen candidate stays in the list whatever the search
    other = client.get("/nomination/cases/new/", {"q": "卫生"}).content.decode()
    assert "周建军（" in other and "马文华（" not in other


def test_the_drafting_stage_refuses_a_bare_approval_on_the_task_page(client, cadres):
    w = cadres
    case = cases.at_motion_gate(w)
    task = cases.task(w.uf1, case, chains.UFWD_MOTION, "uf-draft")
    client.force_login(w.uf1)
    response = client.post(reverse("chains:task_action", args=[task.pk]), {"action": "approve", "comment": "同意"},
                           follow=True)
    assert "拟稿环节须先拟写统战部意见稿" in response.content.decode()
    task.refresh_from_db()
    assert task.status == "open"
