"""A nomination case (党外干部选拔任用) from 动议 to 任职, through the UI in Chinese, as every role it passes (issue #5).

Only the people, units and pool entries are built by the services (as the other browser tests build their members
and units); every step of the case is a click or a form in the browser: 动议 by 组织部干部科 (org1), the mandatory
统战部 opinion on the motion (drafted by uf1, signed by uflead1), 民主推荐, 确定考察对象, the joint vetting with its
parallel opinions (廉政意见 by jiwei1, 廉洁自律结论 and the file checks by org1, 党派组织意见 by party1), the mandatory
统战部 opinion before the decision, the package co-signed by both department heads, the recorded decision, 任前公示,
任职. Every step is found where its holder works (issue #10): the 组织部干部科's own steps in 待认领 (claimed, then
opened from 待办), the chain stages and the 考察组's steps in 待办. The end of 公示 is a due item with an automatic
action: the test travels past it and runs the minute sweep, as Celery beat would, the same way the service tests
get past the legal wait.

The walk runs at desktop width (1280); at each state the acting role opens the same case page at phone width (375),
which must not scroll sideways. The shorter walk, at phone width, shows the party-opinion stage skipped on the
timeline when the nominee belongs to no democratic party.
"""

import datetime

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from nomination import process
from nomination.models import CaseStatus, NominationCase, PoolState
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM
from tests.browser.roles import assert_in_order, field, timeline, value_of
from tests.browser.test_proposal_walk import message
from tests.nomination import cases
from tests.nomination.conftest import cadres  # noqa: F401
from workflows import sweeps
from workflows.calendar import CHINA, END_OF_DAY

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]

POST_UNIT, POST_TITLE = "县卫生健康局", "副局长"
TITLE = POST_UNIT + POST_TITLE
MOTION = "县卫生健康局副局长缺额一名，拟从党外后备干部中选拔；任职条件：本科以上学历，熟悉卫生健康工作。"
REFERENCE = "同组任〔2026〕12号"


# --- moving around --------------------------------------------------------------------------------------------------


def open_case(walk, username):
    """党外人才库 → 选拔任用 → the case, as a department user."""
    page = walk.login(username)
    page.locator(".mainnav").get_by_role("link", name="党外人才库", exact=True).click()
    page.locator(".subnav").get_by_role("link", name="选拔任用", exact=True).click()
    expect(page.locator("h1")).to_have_text("党外干部选拔任用")
    page.get_by_test_id("cases").get_by_role("link", name=TITLE).click()
    expect(page.locator("h1")).to_contain_text(TITLE)
    return page


def from_inbox(walk, username, title):
    """待办 → the row of the step → its page."""
    page = walk.login(username)
    page.get_by_test_id("nav-inbox").click()
    expect(page.locator("h1")).to_contain_text("待办")
    row = page.get_by_test_id("inbox").locator("tbody tr", has_text=title)
    expect(row).to_have_count(1)
    row.get_by_role("link").first.click()
    return page


def claim(walk, username, title):
    """待认领 → the row of the step → 认领: it moves to the user's 待办, whose row opens the case page."""
    page = walk.login(username)
    page.get_by_test_id("nav-queue").click()  # 待认领, followed by its count
    expect(page.locator("h1")).to_contain_text("待认领")
    row = page.get_by_test_id("queue").locator("tbody tr", has_text=title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(TITLE)
    row.get_by_test_id("claim").click()
    expect(page.get_by_test_id("queue").locator("tbody tr", has_text=title)).to_have_count(0)
    page = from_inbox(walk, username, title)
    expect(page.locator("h1")).to_contain_text(TITLE)
    holdings = page.get_by_test_id("holdings")
    expect(holdings).to_contain_text(title)
    return page


def status(page):
    return page.get_by_test_id("case-status")


def step(page, name):
    """The case page's form of one step, unfolded."""
    section = page.get_by_test_id(f"step-{name}")
    expect(section).to_be_visible()
    if section.locator("details").get_attribute("open") is None:
        section.locator("summary").click()
    return section


def submit(section, title, page, done):
    section.get_by_role("button", name=title, exact=True).click()
    expect(message(page)).to_contain_text(done)


def chain_actions(page, slot, stage):
    actions = page.locator(f"#chain-{slot}").get_by_test_id("chain-actions")
    expect(actions.locator("h3")).to_have_text(f"我的待办：{stage}")
    return actions


def approve(page, slot, stage, phrase):
    """同意 on the role's task in the chain panel, with the comment picked from the 常用语 list."""
    actions = chain_actions(page, slot, stage)
    page.wait_for_load_state("load")  # tongxin.js (deferred) fills the comment from the phrase
    actions.get_by_label("常用语").select_option(phrase)
    expect(actions.locator("textarea[name=comment]")).to_have_value(phrase)
    actions.get_by_role("button", name="同意", exact=True).click()
    expect(message(page)).to_contain_text("已同意。")


def answer_request(walk, username, stage, phrase, nominee):
    """An outside organisation answers from its request page: the minimum identity data and its own task only."""
    page = from_inbox(walk, username, stage)
    expect(page.locator("h1")).to_have_text("考察征求意见")
    identity = page.get_by_test_id("request-identity")
    expect(identity).to_contain_text(nominee)
    expect(identity).to_contain_text(TITLE)
    expect(page.get_by_text("考察材料")).to_have_count(0)
    expect(page.get_by_text("统战部书面意见")).to_have_count(0)
    answer = page.get_by_test_id("request-answer")
    expect(answer.locator("h2")).to_have_text(f"请提出{stage}")
    page.wait_for_load_state("load")  # tongxin.js (deferred) fills the answer from the phrase
    answer.get_by_label("常用语").select_option(phrase)
    walk.fits_on_phone(username, f"征求意见 ({username})")
    walk.shot(page, f"{username}-request")
    answer.get_by_role("button", name="提交意见").click()
    expect(message(page)).to_contain_text("已同意。")
    expect(page.get_by_test_id("request-answer")).to_have_count(0)
    expect(page.locator("section", has_text="本单位的答复")).to_contain_text(f"{stage} · 同意")
    return page


# --- the steps shared by both walks ----------------------------------------------------------------------------


def motion_submitted(walk):
    """org1 drafts the motion with two pool candidates and sends it to the 统战部."""
    page = walk.login("org1")
    page.locator(".mainnav").get_by_role("link", name="党外人才库", exact=True).click()
    page.locator(".subnav").get_by_role("link", name="选拔任用", exact=True).click()
    expect(page.get_by_test_id("cases")).to_contain_text("暂无案件。")
    page.get_by_role("link", name="新建动议").click()
    expect(page.locator("h1")).to_have_text("新建动议")
    page.get_by_label("任职单位").fill(POST_UNIT)
    page.get_by_label("拟任职务").fill(POST_TITLE)
    page.get_by_label("职务层次").select_option(label="副科级")
    page.get_by_label("职务类型").select_option(label="党委、人大常委会、政府、政协工作部门副职")
    page.get_by_label("干部管理权限").select_option(label="县委管理")
    field(page, "动议方案").fill(MOTION)
    # each option reads 姓名（党派，单位职务，职务层次，年龄）: chosen by name as a reader would
    candidates = page.locator("select[name=candidates]")
    candidates.select_option(value=[candidates.locator("option", has_text=name).first.get_attribute("value")
                                    for name in ("马文华", "李秀兰")])
    walk.fits_on_phone("org1", "新建动议")
    walk.shot(page, "org1-motion-form")
    page.get_by_role("button", name="保存").click()
    expect(message(page)).to_contain_text("动议已保存。")
    expect(page.locator("h1")).to_contain_text(TITLE)
    expect(status(page)).to_have_text("动议拟稿")
    fields = page.get_by_test_id("case-fields")
    expect(fields).to_contain_text("试用期一年")
    expect(fields).to_contain_text("马文华")
    expect(fields).to_contain_text("李秀兰")
    page = claim(walk, "org1", "提交动议，征求统战部意见")
    submit(step(page, "submit_motion"), "提交动议，征求统战部意见", page, "已征求统战部意见。")
    expect(status(page)).to_have_text("动议征求统战部意见")
    expect(page.get_by_test_id("chain-nomination-ufwd-motion")).to_contain_text("统战部干部科拟稿")
    walk.fits_on_phone("org1", "案件 (org1, 征求统战部意见)")
    return page


def ufwd_opinion(walk, gate_step, title, stance, text, status_after):
    """统战部干部科 (uf1) drafts the written opinion on the case page; the 部领导 (uflead1) reads it and signs."""
    page = from_inbox(walk, "uf1", "统战部干部科拟稿")
    expect(page.locator("h1")).to_contain_text(TITLE)
    form = step(page, gate_step)
    form.get_by_label(stance, exact=True).check()
    form.get_by_label("意见内容").fill(text)
    walk.fits_on_phone("uf1", f"案件 (uf1, {title})")
    walk.shot(page, f"uf1-{gate_step}")
    submit(form, title, page, "统战部意见已提交。")
    opinions = page.get_by_test_id("ufwd-opinions")
    expect(opinions).to_contain_text(f"{stance} 拟稿")

    page = from_inbox(walk, "uflead1", "统战部分管副部长/部长签发")
    form = step(page, gate_step)
    expect(form.get_by_label(stance, exact=True)).to_be_checked()
    expect(form.get_by_label("意见内容")).to_have_value(text)
    form.get_by_label("审批意见").fill("同意签发")
    walk.fits_on_phone("uflead1", f"案件 (uflead1, {title})")
    submit(form, title, page, "统战部意见已提交。")
    expect(page.get_by_test_id("ufwd-opinions")).to_contain_text(f"{stance} 已签发")
    expect(page.get_by_test_id("ufwd-opinions")).to_contain_text("签发：丁学文")
    expect(status(page)).to_have_text(status_after)
    walk.shot(page, f"uflead1-{gate_step}")
    return page


def selected(walk, today, nominee, party_unit=None):
    """org1 fixes the motion, records the 民主推荐 and fixes the 考察对象, then forms the joint 考察组."""
    page = claim(walk, "org1", "确定动议")
    form = step(page, "motion_approve")
    form.get_by_label("会议日期").fill(today)
    expect(field(form, "会议")).to_have_value("部务会")
    submit(form, "确定动议", page, "动议已确定。")
    expect(status(page)).to_have_text("动议确定")

    page = claim(walk, "org1", "民主推荐")
    form = step(page, "recommendation")
    form.get_by_label("推荐方式").select_option(label="会议推荐")
    form.get_by_label("推荐日期").fill(today)
    for category in ("单位领导班子成员", "中层干部", "干部职工代表"):
        form.get_by_label(category, exact=True).check()
    form.get_by_label("参加人数").fill("45")
    form.get_by_label("马文华 得票").fill("31")
    form.get_by_label("李秀兰 得票").fill("12")
    form.get_by_label("谈话情况").fill("个别谈话 12 人。")
    walk.fits_on_phone("org1", "案件 (org1, 民主推荐)")
    submit(form, "记录民主推荐", page, "民主推荐结果已记录。")
    expect(status(page)).to_have_text("民主推荐")
    expect(page.get_by_test_id("recommendation")).to_contain_text("马文华 31；李秀兰 12")

    page = claim(walk, "org1", "确定考察对象")
    form = step(page, "candidate")
    form.get_by_label("考察对象").select_option(label=nominee)
    if party_unit:
        form.get_by_label("所在党派组织").select_option(label=party_unit)
    submit(form, "确定考察对象", page, "考察对象已确定。")
    expect(status(page)).to_have_text("确定考察对象")
    expect(page.get_by_test_id("nominee")).to_contain_text(nominee)

    page = claim(walk, "org1", "组成考察组")
    form = step(page, "team")
    form.get_by_label("何建平（组织部）").check()
    form.get_by_label("马丽华（统战部）").check()
    form.get_by_label("组长").select_option(label="何建平（组织部）")
    walk.fits_on_phone("org1", "案件 (org1, 组成考察组)")
    walk.shot(page, "org1-team")
    submit(form, "组成考察组，征求考察意见", page, "考察已开始。")
    expect(status(page)).to_have_text("考察")
    expect(page.get_by_test_id("vetting")).to_contain_text("何建平（组织部，组长）、马丽华（统战部）")
    return page


def org_vetting_opinions(walk):
    """org1's two parallel vetting stages, answered in the vetting panel of the case page."""
    page = from_inbox(walk, "org1", "廉洁自律结论性意见")
    approve(page, "nomination-vetting", "廉洁自律结论性意见", "所在单位党委书记、纪委书记已签字，结论：廉洁自律情况良好")
    approve(page, "nomination-vetting", "档案、个人事项、信访核查", "档案审核无问题；个人有关事项报告查核一致；无具体可查的信访举报")
    expect(page.locator("#chain-nomination-vetting").get_by_test_id("chain-actions")).to_have_count(0)
    return page


# --- the walks ---------------------------------------------------------------------------------------------------


def test_a_democratic_party_member_from_motion_to_appointment(desktop, cadres):  # noqa: F811
    walk, w = desktop, cadres
    shot = walk.shot
    nominee, _other = cases.candidates(w, party="minmeng")  # two pool entries: 马文华 (民盟), 李秀兰 (无党派)
    today = timezone.localdate().isoformat()

    # --- A1–A2: the motion and the 统战部's written opinion on it
    motion_submitted(walk)
    ufwd_opinion(walk, "opinion_motion", "统战部对动议的书面意见", "同意，并提出建议",
                 "同意该动议。建议人选范围兼顾民主党派成员和无党派人士。", "动议征求统战部意见")

    # --- A2–A5: the motion fixed, 民主推荐, the 考察对象 with their party organisation, the 考察组
    page = selected(walk, today, "马文华", "民盟同心县委员会")
    expect(page.get_by_test_id("nominee")).to_contain_text("马文华（民盟） · 党派组织：民盟同心县委员会")
    vetting = page.get_by_test_id("chain-nomination-vetting")
    for stage in ("廉政意见", "廉洁自律结论性意见", "档案、个人事项、信访核查", "党派组织意见"):
        expect(vetting).to_contain_text(stage)
    shot(page, "org1-vetting-started")

    # --- the parallel vetting opinions: the discipline organ and the party organisation see only their request
    answer_request(walk, "jiwei1", "廉政意见", "未发现影响使用的问题线索", "马文华")
    answer_request(walk, "party1", "党派组织意见", "同意推荐", "马文华")
    page = org_vetting_opinions(walk)
    expect(page.locator("#chain-nomination-vetting")).to_contain_text("已通过")
    expect(page.get_by_test_id("step-report")).to_be_visible()

    # --- the 考察组's material (org1) and the 统战部 member's opinion (uf1) end the vetting: each in their 待办
    page = from_inbox(walk, "org1", "考察材料")
    form = step(page, "report")
    form.get_by_label("考察材料").fill("民主测评优秀率 90%，个别谈话反映良好，实绩突出。")
    submit(form, "考察材料", page, "考察材料已提交。")
    expect(status(page)).to_have_text("考察")
    page = from_inbox(walk, "uf1", "考察组统战部成员意见")
    form = step(page, "uf_opinion")
    form.get_by_label("统战部成员意见").fill("同意作为拟任人选，建议加强党外干部培养。")
    submit(form, "考察组统战部成员意见", page, "统战部成员意见已提交。")
    expect(status(page)).to_have_text("讨论决定前征求统战部意见")
    expect(page.get_by_test_id("uf-member-opinion")).to_have_text("同意作为拟任人选，建议加强党外干部培养。")

    # --- A6: the 统战部's written opinion before the decision
    ufwd_opinion(walk, "opinion_decision", "统战部讨论决定前的书面意见", "同意",
                 "同意马文华同志作为县卫生健康局副局长拟任人选。", "上会材料两部会签")

    # --- A7: the package, co-signed by both department heads
    page = from_inbox(walk, "org1", "组织部干部科报送")
    expect(status(page)).to_have_text("上会材料两部会签")
    form = step(page, "package")
    expect(form.get_by_label("上会材料说明")).to_have_value("干部任免审批表、考察材料、统战部意见、廉政意见。")
    field(form, "意见").fill("材料齐全，请审核")
    walk.fits_on_phone("org1", "案件 (org1, 报送上会材料)")
    submit(form, "报送上会材料", page, "上会材料已报送。")

    page = from_inbox(walk, "uflead1", "统战部分管副部长审核")
    approve(page, "nomination-signoff", "统战部分管副部长审核", "同意")
    page = from_inbox(walk, "orglead1", "组织部部长会签")
    walk.fits_on_phone("orglead1", "案件 (orglead1, 会签)")
    approve(page, "nomination-signoff", "组织部部长会签", "同意提交常委会")
    expect(status(page)).to_have_text("上会材料两部会签")  # one department alone never passes the package
    page = from_inbox(walk, "uflead1", "统战部部长会签")
    approve(page, "nomination-signoff", "统战部部长会签", "同意提交常委会")
    expect(status(page)).to_have_text("提交常委会")
    signoff = page.get_by_test_id("chain-nomination-signoff")
    expect(signoff).to_contain_text("高志远 · 同意：同意提交常委会")
    expect(signoff).to_contain_text("丁学文 · 同意：同意提交常委会")
    shot(page, "uflead1-cosigned")

    # --- A8: the standing committee's decision, recorded by org1
    page = claim(walk, "org1", "常委会决定")
    form = step(page, "decision")
    form.get_by_label("通过", exact=True).check()
    form.get_by_label("会议日期").fill(today)
    form.get_by_label("会议纪要").fill("县委常委会〔2026〕18次")
    submit(form, "记录常委会决定", page, "常委会决定已记录。")
    expect(status(page)).to_have_text("常委会通过")
    expect(page.get_by_test_id("decision")).to_have_text("通过")

    # --- A9: 任前公示, at least 5 working days (the form proposes the earliest lawful end)
    page = claim(walk, "org1", "发布任前公示")
    form = step(page, "notice")
    expect(form.get_by_label("公示开始日期")).to_have_value(today)
    ends_on = datetime.date.fromisoformat(form.get_by_label("公示截止日期").input_value())
    assert process.notice_working_days(timezone.localdate(), ends_on) == process.NOTICE_MIN_WORKING_DAYS
    form.get_by_label("受理电话及地址").fill("0953-8012345，县委组织部干部科")
    walk.fits_on_phone("org1", "案件 (org1, 任前公示)")
    submit(form, "发布任前公示", page, "公示已发布。")
    expect(status(page)).to_have_text("任前公示")
    expect(page.get_by_test_id("notice")).to_contain_text(f"{today} — {ends_on.isoformat()}")
    expect(page.get_by_test_id("step-conclude")).to_have_count(0)  # the legal wait is not over
    shot(page, "org1-notice")

    expect(page.get_by_test_id("wait-notice")).to_contain_text(ends_on.isoformat())
    # --- A10: the end of 公示 is a due item; the sweep runs its automatic action once the last day is over and the
    # 公示结果 step is in the 组织部干部科's 待认领. A week has passed: org1 logs in again.
    walk.close()
    after_notice = datetime.datetime.combine(ends_on, END_OF_DAY, tzinfo=CHINA) + datetime.timedelta(minutes=1)
    with time_machine.travel(after_notice, tick=True):
        sweeps.sweep()
        page = claim(walk, "org1", "公示结果")
        expect(status(page)).to_have_text("公示期满，待录入结果")
        form = step(page, "conclude")
        form.get_by_label("继续任用").check()
        submit(form, "公示结果", page, "公示结果已记录。")
        expect(status(page)).to_have_text("待任职")
        expect(page.get_by_test_id("notice")).to_contain_text("公示期满，未收到反映。")

        # --- A12: 任职 (文号, 任职谈话, start date); the post has a one-year 试用期
        start = (ends_on + datetime.timedelta(days=3)).isoformat()
        page = claim(walk, "org1", "任职")
        form = step(page, "appoint")
        form.get_by_label("任职通知文号").fill(REFERENCE)
        form.get_by_label("任职通知日期").fill(start)
        form.get_by_label("任职谈话日期").fill(start)
        form.get_by_label("任职时间").fill(start)
        walk.fits_on_phone("org1", "案件 (org1, 任职)")
        submit(form, "任职", page, "任职已记录。")
        expect(status(page)).to_have_text("试用期")
        expect(page.locator("section", has=page.get_by_role("heading", name="任职", exact=True))).to_contain_text(
            f"{REFERENCE}（{start}）")

        # --- the case's timeline lists each step, in order
        actions = timeline(page)
        assert_in_order(actions, [
            "动议拟稿", "动议征求统战部意见", "统战部意见签发", "确定动议", "记录民主推荐", "确定考察对象",
            "组成考察组，开始考察", "考察征求意见完成", "提交考察材料", "考察组统战部成员意见", "考察结束",
            "统战部意见签发", "上会材料报两部会签", "两部会签完成，提交常委会", "记录常委会决定", "发布任前公示",
            "公示期满，待录入公示结果", "公示期满，继续任用", "任职", "开始试用期"])
        assert "按规则跳过环节" not in actions  # the nominee is a 民盟 member: the party was asked
        line = page.get_by_test_id("timeline")
        for said in ("未发现影响使用的问题线索", "同意推荐", "同意提交常委会", REFERENCE):
            expect(line).to_contain_text(said)
        walk.fits_on_phone("org1", "案件 (org1, 试用期)")
        shot(page, "org1-appointed")

        # --- the pool record shows the new post
        page.get_by_test_id("case-fields").get_by_role("link", name="马文华").click()
        expect(page.locator("h1")).to_contain_text("马文华")
        expect(page.get_by_test_id("pool-state")).to_have_text("已使用")
        fields = page.get_by_test_id("person-fields")
        expect(value_of(fields, "工作单位及职务")).to_have_text(TITLE)
        expect(value_of(page, "使用情况")).to_have_text(f"{start} {TITLE}（{REFERENCE}）")
        resume = page.locator("table", has=page.get_by_role("columnheader", name="单位及职务", exact=True))
        expect(resume.locator("tbody tr", has_text=TITLE)).to_contain_text(f"{REFERENCE}（试用期一年）")
        assert_in_order(timeline(page), ["两部确认，入库", "已使用（任职）"])
        walk.fits_on_phone("org1", "人员 (org1, 已使用)")
        shot(page, "org1-person")

    case = NominationCase.objects.get()
    assert case.status == CaseStatus.PROBATION and case.appointment_ref == REFERENCE
    nominee.refresh_from_db()
    assert nominee.pool_state == PoolState.USED and nominee.used_post == TITLE
    assert (nominee.work_unit, nominee.current_post) == (POST_UNIT, POST_TITLE)


def test_the_party_opinion_is_skipped_on_the_timeline_for_a_non_party_nominee(phone, cadres):  # noqa: F811
    """At phone width: the case pages fit, and with a nominee of no democratic party the vetting never asks one."""
    walk, w = phone, cadres
    cases.candidates(w, party="non_party")  # 马文华 and 李秀兰, both 无党派人士
    today = timezone.localdate().isoformat()

    motion_submitted(walk)
    ufwd_opinion(walk, "opinion_motion", "统战部对动议的书面意见", "同意", "同意该动议。", "动议征求统战部意见")
    page = selected(walk, today, "马文华")
    expect(page.get_by_test_id("nominee")).to_have_text("马文华（无党派人士）")

    line = page.get_by_test_id("timeline")
    skipped = line.locator("li", has=page.get_by_text("按规则跳过环节", exact=True))
    expect(skipped).to_have_count(1)
    expect(skipped).to_contain_text("党派组织意见")
    walk.assert_fits(page, "案件 (org1, 考察)")
    walk.shot(page, "org1-skipped")

    # nobody asked party1
    party = walk.login("party1")
    party.get_by_test_id("nav-inbox").click()
    expect(party.get_by_test_id("inbox")).to_contain_text("暂无待办。")

    # once the other opinions are in, the finished chain's diagram shows the stage skipped
    answer_request(walk, "jiwei1", "廉政意见", "未发现影响使用的问题线索", "马文华")
    page = org_vetting_opinions(walk)
    box = page.locator("#chain-nomination-vetting").get_by_test_id("stage-box").filter(has_text="党派组织意见")
    expect(box).to_contain_text("已跳过")
    assert_in_order(timeline(page), ["组成考察组，开始考察", "按规则跳过环节", "考察征求意见完成"])
    walk.assert_fits(page, "案件 (org1, 考察征求意见完成)")
    walk.shot(page, "org1-skipped-done")
