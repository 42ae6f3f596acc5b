"""A joint proposal from 办理中 to 办结, through the UI in Chinese, as every role it passes.

The proposal starts signed by both units (the services build that part: the walk from submission to 签收 is
tests/browser/test_proposal_walk.py). From there everything happens in the browser: 会办意见, 沟通记录, 答复函 拟稿,
会签 / 签发 / 督查室审核 (with a category change), two rounds of 不满意, the face-to-face meeting and 办结.
"""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from proposals.models import ProposalStatus, Reply
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM
from tests.browser.test_proposal_walk import Walk, message
from tests.proposals.test_lifecycle import crew, handled  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]

CATEGORY_B = "B 正在解决或列入规划逐步解决"
CATEGORY_C = "C 因目前条件限制或其他原因需待以后解决"


class Sessions(Walk):
    """Each role logs in through the login form once and keeps its session: a role that comes back later in the
    walk carries on in its own browser context (a dozen fewer logins keep the module within its time)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.pages = {}

    def login(self, username):
        if username not in self.pages:
            self.pages[username] = super().login(username)
            self.context = None  # kept open for the role's return
        return self.pages[username]

    def close(self):
        for page in self.pages.values():
            page.context.close()


@pytest.fixture
def walk(chromium, live_site, screenshots, request):
    w = Sessions(chromium, live_site, request.node.callspec.params["viewport"], screenshots)
    yield w
    w.close()


def timeline(page):
    return page.get_by_test_id("timeline").locator("li strong").all_inner_texts()


def assert_in_order(actions, expected):
    remaining = iter(actions)
    assert all(label in remaining for label in expected), f"timeline {actions} lacks, in order, {expected}"


def open_from_unit_inbox(walk, page, unit, step, title):
    """承办待办 lists the unit's open steps of the proposal (the same work items as 待办 and 待认领)."""
    walk.nav(page, "承办待办")
    row = page.get_by_test_id("unit-inbox").locator("tbody tr", has_text=title).filter(has_text=step).first
    expect(row).to_contain_text(unit)
    expect(row.locator(".due")).to_have_count(1)
    row.get_by_role("link", name=step).click()
    expect(page.locator("h1")).to_have_text(title)


def open_my_proposal(walk, page, title):
    walk.nav(page, "我的提案")
    page.locator("table.list tbody tr", has_text=title).get_by_role("link", name=title).click()
    expect(page.locator("h1")).to_have_text(title)


def open_chain_task(walk, username, stage, title):
    """Log in, find the task in 待办 and open it: the case page, with the reply chain and the role's actions."""
    page = walk.login(username)
    walk.nav(page, "待办")
    row = page.get_by_test_id("inbox").locator("tbody tr", has_text=stage)
    expect(row).to_contain_text(title)
    row.locator("a", has_text=title).click()
    expect(page.locator("h1")).to_have_text(title)
    actions = page.get_by_test_id("chain-actions")
    expect(actions.locator("h3")).to_have_text(f"我的待办：{stage}")
    return page, actions


def reply_status(page, round_number):
    """The status of one round's reply on the case page (the chain panel below it has statuses of its own)."""
    reply = page.get_by_test_id("replies").locator(".reply", has_text=f"第 {round_number} 轮")
    return reply.locator(":scope > p > .status")


def approve(actions, phrase):
    """同意, with the comment picked from the 常用语 list."""
    # tongxin.js (deferred) copies the phrase into the comment: the page must have loaded it first.
    actions.page.wait_for_load_state("load")
    actions.get_by_label("常用语").select_option(phrase)
    expect(actions.locator("textarea[name=comment]")).to_have_value(phrase)
    actions.get_by_role("button", name="同意", exact=True).click()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_joint_proposal_from_handling_to_conclusion(walk, crew, viewport):  # noqa: F811
    world, shot = crew, walk.shot
    proposal, lead, _co = handled(world)
    title, number = proposal.title, proposal.number
    today = timezone.localdate().isoformat()

    # --- unit2 (会办, 县交通运输局) sends its opinion to the lead unit
    page = walk.login("unit2")
    open_from_unit_inbox(walk, page, "县交通运输局", "会办意见", title)
    expect(page.get_by_test_id("assignment-state")).to_have_text("已签收")
    walk.assert_fits(page, "承办任务 (unit2, 会办)")
    box = page.get_by_test_id("co-opinion-box")
    box.get_by_label("会办意见").fill("同意主办单位意见，我局配合增开农村客运班线。")
    shot(page, "unit2-co-opinion")
    box.get_by_role("button", name="送主办单位").click()
    expect(message(page)).to_contain_text("会办意见已送主办单位。")
    expect(page.get_by_test_id("co-opinion-box")).to_have_count(0)
    expect(page.get_by_test_id("assignment-state")).to_have_text("已答复")

    # --- unit1 (主办, 县教育局) records 办前面商, reads the co opinion, drafts the reply and sends it into the chain
    page = walk.login("unit1")
    open_from_unit_inbox(walk, page, "县教育局", "办理答复", title)
    expect(page.get_by_text("同意主办单位意见，我局配合增开农村客运班线。")).to_be_visible()
    contacts = page.locator("#contacts")
    expect(contacts).to_contain_text("尚未与提案者沟通（办前面商）。")
    contacts.get_by_text("添加沟通记录").click()
    form = contacts.locator("form")
    form.locator("[name=contact-held_on]").fill(today)
    form.locator("[name=contact-form]").select_option(label="面商")
    form.locator("[name=contact-participants]").fill("赵老师、李明华、王秀英")
    form.locator("[name=contact-summary]").fill("办前面商：听取提案者对增开班次的具体意见。")
    form.get_by_role("button", name="保存").click()
    expect(message(page)).to_contain_text("沟通记录已保存。")
    expect(page.locator("#contacts li")).to_contain_text(["面商 · 赵老师、李明华、王秀英：办前面商"])
    draft = page.get_by_test_id("reply-box").locator("form")
    draft.locator("[name=reference_number]").fill("教提〔2026〕7号")
    draft.locator("[name=category]").select_option(label=CATEGORY_B)
    draft.locator("[name=body]").fill("经研究，已将增开农村客运班线列入明年计划。")
    draft.locator("[name=contact_person]").fill("赵老师")
    draft.locator("[name=contact_phone]").fill("0000-1234501")
    walk.assert_fits(page, "承办任务 (unit1, 答复函拟稿)")
    shot(page, "unit1-draft")
    draft.get_by_role("button", name="送会签签发").click()
    expect(message(page)).to_contain_text("答复函已送会签审核。")
    expect(page.get_by_test_id("reply-status")).to_have_text("会签审核中")
    expect(page.get_by_test_id("stage-box").first).to_have_attribute("aria-current", "step")
    walk.assert_fits(page, "承办任务 (unit1, 答复函会签审核中)")
    shot(page, "unit1-sent")

    def reply_chain(round_number, change_category):
        # 会签 by the co unit, 签发 by the lead unit's 分管领导, 审核 by 督查室 (who may re-mark the category)
        page, actions = open_chain_task(walk, "unit2", "会办单位会签", title)
        expect(reply_status(page, round_number)).to_have_text("会签审核中")
        walk.assert_fits(page, f"提案详情 (unit2, 第 {round_number} 轮会签)")
        approve(actions, "同意")
        expect(message(page)).to_contain_text("已同意。")
        shot(page, f"unit2-countersigned-{round_number}")

        page, actions = open_chain_task(walk, "unitlead1", "分管领导签发", title)
        approve(actions, "同意签发")
        expect(message(page)).to_contain_text("已同意。")
        expect(reply_status(page, round_number)).to_have_text("会签审核中")
        shot(page, f"unitlead1-signed-{round_number}")

        page, actions = open_chain_task(walk, "office1", "督查室审核", title)
        walk.assert_fits(page, f"提案详情 (office1, 第 {round_number} 轮审核)")
        if change_category:
            # the category is re-marked on the lead unit's part, which carries the same chain panel
            page.get_by_test_id("assignments").get_by_role("link", name="县教育局").click()
            category = page.get_by_test_id("reply-box").locator("form", has_text="督办部门审核：调整答复分类")
            category.get_by_label("审核后分类").select_option(label=CATEGORY_C)
            category.get_by_label("调整理由").fill("落实措施尚未到位")
            walk.assert_fits(page, f"承办任务 (office1, 第 {round_number} 轮调整分类)")
            shot(page, f"office1-category-{round_number}")
            category.get_by_role("button", name="调整分类").click()
            expect(message(page)).to_contain_text("答复分类已调整。")
            expect(page.get_by_test_id("reply-box")).to_contain_text(f"分类 {CATEGORY_C}")
            approve(page.get_by_test_id("chain-actions"), "审核通过")
            expect(message(page)).to_contain_text("已同意。")
            expect(page.get_by_test_id("reply-status")).to_have_text("已答复")
            page.get_by_role("link", name="查看提案").click()
        else:
            approve(actions, "审核通过")
            expect(message(page)).to_contain_text("已同意。")
        expect(page.get_by_test_id("proposal-status")).to_have_text("已答复")
        expect(reply_status(page, round_number)).to_have_text("已答复")
        expect(page.get_by_test_id("chain-actions")).to_have_count(0)
        walk.assert_fits(page, f"提案详情 (office1, 第 {round_number} 轮已答复)")
        shot(page, f"office1-replied-{round_number}")
        return page

    page = reply_chain(1, change_category=True)
    replies = page.get_by_test_id("replies")
    expect(replies).to_contain_text("第 1 轮")
    expect(replies).to_contain_text("教提〔2026〕7号")
    expect(replies).to_contain_text(f"分类 {CATEGORY_C}（承办单位原标 {CATEGORY_B}）")
    assert_in_order(timeline(page), ["会办单位提交会办意见", "与提案者沟通", "答复函送会签签发", "督办部门调整答复分类",
                                     "答复函发出", "全部答复完毕，待评价"])

    def evaluate_dissatisfied(username, reason, status_after):
        page = walk.login(username)
        open_my_proposal(walk, page, title)
        expect(page.get_by_test_id("proposal-status")).to_have_text("已答复")
        # the evaluation is the member's own step: the header says so, with its date
        expect(page.get_by_test_id("case-step")).to_contain_text("请评价")
        expect(page.get_by_test_id("case-due")).to_contain_text("评价：")
        expect(page.get_by_test_id("case-due").locator(".due")).to_have_count(1)
        box = page.get_by_test_id("evaluation-box")
        box.locator("#id_work_rating").get_by_label("基本满意", exact=True).check()
        box.locator("#id_result_rating").get_by_label("不满意", exact=True).check()
        box.get_by_label("意见和建议").fill(reason)
        walk.assert_fits(page, f"提案详情 ({username}, 评价)")
        shot(page, f"{username}-evaluation")
        box.get_by_role("button", name="提交评价").click()
        expect(message(page)).to_contain_text("评价已提交。")
        expect(page.get_by_test_id("evaluation-box")).to_have_count(0)
        expect(page.get_by_test_id("proposal-status")).to_have_text(status_after)
        return page

    # --- both proposers are dissatisfied: the units handle it again
    evaluate_dissatisfied("member1", "缺少具体时间表。", "已答复")
    page = evaluate_dissatisfied("member2", "班次安排未征求沿线群众意见。", "重新办理")
    assert_in_order(timeline(page), ["答复函发出", "提案者评价", "提案者评价", "不满意，重新办理"])
    # the applicant sees who re-handles it and by when, never a dash
    expect(page.get_by_test_id("case-step")).to_contain_text("重新办理 · 县教育局")
    expect(page.get_by_test_id("case-due")).to_contain_text("重新办理：")
    shot(page, "member2-rehandling")

    # --- unit1 drafts the second-round reply: first saved as a draft, then sent
    page = walk.login("unit1")
    open_from_unit_inbox(walk, page, "县教育局", "重新办理", title)
    expect(page.get_by_test_id("assignment-state")).to_have_text("已签收")
    draft = page.get_by_test_id("reply-box").locator("form")
    draft.locator("[name=reference_number]").fill("教提〔2026〕12号")
    draft.locator("[name=category]").select_option(label=CATEGORY_B)
    draft.locator("[name=body]").fill("经再次研究，明年一季度起增开两条农村客运班线，时间表附后。")
    draft.locator("[name=contact_person]").fill("赵老师")
    draft.locator("[name=contact_phone]").fill("0000-1234501")
    draft.get_by_role("button", name="保存草稿").click()
    expect(message(page)).to_contain_text("答复函草稿已保存。")
    expect(page.get_by_test_id("reply-status")).to_have_text("拟稿")
    draft = page.get_by_test_id("reply-box").locator("form")
    expect(draft.locator("[name=reference_number]")).to_have_value("教提〔2026〕12号")
    walk.assert_fits(page, "承办任务 (unit1, 第二轮拟稿)")
    draft.get_by_role("button", name="送会签签发").click()
    expect(message(page)).to_contain_text("答复函已送会签审核。")
    expect(page.get_by_test_id("reply-status")).to_have_text("会签审核中")
    shot(page, "unit1-second-sent")

    page = reply_chain(2, change_category=False)
    expect(page.get_by_test_id("replies")).to_contain_text("第 2 轮")
    expect(page.get_by_test_id("replies")).to_contain_text("教提〔2026〕12号")

    # --- dissatisfied again: evaluation closes, the case now waits for a face-to-face meeting and 办结
    evaluate_dissatisfied("member1", "仍未明确资金来源。", "已答复")
    page = evaluate_dissatisfied("member2", "仍不满意。", "已评价")
    expect(page.get_by_test_id("case-step")).to_contain_text("提案委工作人员")
    expect(page.get_by_test_id("case-due").locator(".due")).to_have_count(1)

    page = walk.login("staff1")
    walk.nav(page, "提案管理")
    page.locator("table.list").get_by_role("link", name=title).click()
    expect(page.get_by_test_id("proposal-status")).to_have_text("已评价")
    conclude = page.locator("form", has=page.get_by_role("heading", name="办结"))
    conclude.get_by_label("意见").fill("已按程序办理两轮。")
    conclude.get_by_role("button", name="办结").click()
    expect(message(page)).to_contain_text("第二次评价不满意，须先记录面对面沟通情况再办结。")
    expect(page.get_by_test_id("proposal-status")).to_have_text("已评价")
    shot(page, "staff1-refused")

    record = page.locator("#record")
    record.get_by_text("添加记录（面对面沟通、督办、回头看）").click()
    record.locator("[name=kind]").select_option(label="面对面沟通")
    record.locator("[name=held_on]").fill(today)
    record.locator("[name=participants]").fill("李明华、王秀英、县教育局、县交通运输局")
    record.locator("[name=summary]").fill("当面说明资金安排和班线开通时间。")
    walk.assert_fits(page, "提案详情 (staff1, 面对面沟通)")
    record.get_by_role("button", name="保存记录").click()
    expect(message(page)).to_contain_text("记录已保存。")
    expect(page.get_by_text("面对面沟通 · 李明华、王秀英、县教育局、县交通运输局：当面说明资金安排和班线开通时间。")).to_be_visible()

    conclude = page.locator("form", has=page.get_by_role("heading", name="办结"))
    conclude.get_by_role("button", name="办结").click()
    expect(message(page)).to_contain_text("提案已办结。")
    expect(page.get_by_test_id("proposal-status")).to_have_text("已办结")
    expect(page.locator("form", has=page.get_by_role("heading", name="办结"))).to_have_count(0)
    assert_in_order(timeline(page), ["督办部门调整答复分类", "答复函发出", "不满意，重新办理", "答复函发出", "评价结束",
                                     "面对面沟通", "办结"])
    walk.assert_fits(page, "提案详情 (staff1, 已办结)")
    shot(page, "staff1-concluded")

    # --- the proposer sees the outcome
    page = walk.login("member1")
    walk.nav(page, "我的提案")
    row = page.locator("table.list tbody tr", has_text=title)
    expect(row).to_contain_text(number)
    expect(row.locator(".status")).to_have_text("已办结")
    row.get_by_role("link", name=title).click()
    expect(page.get_by_test_id("proposal-status")).to_have_text("已办结")
    assert_in_order(timeline(page), ["督办部门调整答复分类", "答复函发出", "不满意，重新办理", "答复函发出", "面对面沟通", "办结"])
    walk.assert_fits(page, "提案详情 (member1, 已办结)")
    shot(page, "member1-concluded")

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONCLUDED and proposal.handling_round == 2
    assert list(Reply.objects.filter(assignment=lead).values_list("round", "status", "category__code")) == [
        (1, Reply.Status.ISSUED, "C"), (2, Reply.Status.ISSUED, "B")]
    assert proposal.evaluations.filter(result_rating="dissatisfied").count() == 4
