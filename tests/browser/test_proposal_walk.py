"""A joint proposal from submission to 交办 and 签收, through the UI in Chinese, as every role it passes.

Every step is found where the role looks for work: its 待办, or its role's 待认领 (claimed there, then in 待办);
承办待办 lists the same items for a unit. The applicant sees who holds the case and by when at each state.

Each role logs in through the real login form in its own browser context; assertions read the visible page.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from proposals.models import Proposal, ProposalStatus
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, PASSWORD, VIEWPORTS
from tests.personas import world  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]

TITLE = "关于推进城乡义务教育一体化发展的建议"
REASONS = "农村学校师资不足，城乡教育资源配置不均衡。"
SUGGESTIONS = "一是统筹城乡教师编制；二是推进校长教师轮岗交流。"

# Lists the elements that stick out past the right edge, innermost first, for a readable failure.
# With mobile emulation the layout viewport grows to fit wide content, so the limit is the device width.
OVERFLOW_JS = """(width) => {
  const limit = width + 1;
  const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > limit);
  const leaves = wide.filter(e => ![...e.children].some(c => wide.includes(c)));
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    culprits: leaves.slice(0, 8).map(e => {
      const r = e.getBoundingClientRect();
      return `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className && typeof e.className === 'string'
        ? '.' + e.className.trim().split(/\\s+/).join('.') : ''} right=${Math.round(r.right)} width=${Math.round(r.width)}`
        + ` "${(e.innerText || e.value || '').trim().slice(0, 30)}"`;
    }),
  };
}"""


class Walk:
    """One browser context per role, at the viewport under test. The browser asks for English: the product
    speaks Chinese whatever the browser sends."""

    def __init__(self, browser, base_url, viewport_name, shot):
        self.browser, self.base_url, self.viewport_name, self.shot = browser, base_url, viewport_name, shot
        self.context = None

    def login(self, username):
        if self.context is not None:
            self.context.close()
        self.context = self.browser.new_context(
            base_url=self.base_url, locale="en-US", timezone_id="Asia/Shanghai", **VIEWPORTS[self.viewport_name]
        )
        self.context.set_default_timeout(15_000)
        page = self.context.new_page()
        page.goto("/accounts/login/")
        expect(page.locator("h1")).to_have_text("同心 · 统一战线工作流程平台")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page.locator(".topbar .who")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        return page

    def nav(self, page, label):
        # 待办 and 待认领 carry the count of their items as a badge in the menu
        links = {"待办": page.get_by_test_id("nav-inbox"), "待认领": page.get_by_test_id("nav-queue")}
        link = links.get(label) or page.locator(".mainnav").get_by_role("link", name=label, exact=True)
        link.click()
        # 待办 and 待认领 follow their heading with the count of items
        expect(page.locator("h1")).to_have_text(re.compile(rf"^{label}(\s|$)"))

    def assert_fits(self, page, what):
        """At phone width the page must not scroll sideways."""
        if self.viewport_name != "phone":
            return
        width = VIEWPORTS["phone"]["viewport"]["width"]
        report = page.evaluate(OVERFLOW_JS, width)
        assert report["scrollWidth"] <= width + 1 and report["innerWidth"] <= width + 1, (
            f"{what} scrolls sideways at {width}px: scrollWidth={report['scrollWidth']} "
            f"innerWidth={report['innerWidth']}; widest elements: {report['culprits']}"
        )

    def close(self):
        if self.context is not None:
            self.context.close()


@pytest.fixture
def walk(chromium, live_site, screenshots, request):
    w = Walk(chromium, live_site, request.node.callspec.params["viewport"], screenshots)
    yield w
    w.close()


def message(page):
    return page.locator(".messages")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_joint_proposal_from_submission_to_signing(walk, world, viewport):  # noqa: F811
    shot = walk.shot

    # --- member1 writes a joint proposal; a first try without 理由 is refused and keeps what was typed
    page = walk.login("member1")
    walk.nav(page, "我的提案")
    expect(page.locator("table.list")).to_contain_text("您还没有提案。")
    page.get_by_role("link", name="撰写新提案").click()
    expect(page.locator("h1")).to_have_text("撰写提案")
    page.select_option("#id_kind", label="联名提案")
    page.fill("#id_title", TITLE)
    page.select_option("#id_topic", label="教科文卫")
    page.fill("#id_suggestions", SUGGESTIONS)
    page.select_option("#id_cosigners", label="王秀英（无党派人士）")
    page.check("#id_no_secret_confirmed")
    shot(page, "member1-form")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.locator(".error-summary")).to_contain_text("提交的内容有误，请按提示修改。您填写的内容已保留。")
    # the reason is shown once, at the field it concerns
    expect(page.locator("#id_reasons")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("请填写完整：理由。")).to_have_count(1)
    expect(page.locator("#id_title")).to_have_value(TITLE)
    expect(page.locator("#id_suggestions")).to_have_value(SUGGESTIONS)
    expect(page.locator("#id_kind")).to_have_value(Proposal.Kind.JOINT)
    expect(page.locator("#id_cosigners option:checked")).to_have_text("王秀英（无党派人士）")
    expect(page.locator("#id_no_secret_confirmed")).to_be_checked()
    shot(page, "member1-error")
    assert not Proposal.objects.exists()

    page.fill("#id_reasons", REASONS)
    page.get_by_role("button", name="提交", exact=True).click()
    expect(message(page)).to_contain_text("提案已提交。")
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.get_by_test_id("proposal-status")).to_have_text("征集联名")
    pk = int(re.search(r"/proposals/(\d+)/", page.url).group(1))
    detail = f"/proposals/{pk}/"
    walk.nav(page, "我的提案")
    row = page.locator("table.list tbody tr", has_text=TITLE)
    expect(row.locator(".status")).to_have_text("征集联名")
    walk.assert_fits(page, "我的提案 (member1)")
    shot(page, "member1-mine")

    # --- member2 sees the invitation and confirms
    page = walk.login("member2")
    walk.nav(page, "我的提案")
    invitations = page.get_by_test_id("invitations")
    expect(invitations).to_contain_text("待确认的联名邀请")
    expect(invitations).to_contain_text(TITLE)
    walk.assert_fits(page, "我的提案 (member2, with an invitation)")
    shot(page, "member2-invitation")
    invitations.get_by_role("link", name=TITLE).click()
    cosign = page.get_by_test_id("cosign-box")
    expect(cosign).to_contain_text("邀请您联名提出本提案")
    walk.assert_fits(page, "提案详情 (member2, co-sign box)")
    cosign.get_by_role("button", name="确认联名").click()
    expect(message(page)).to_contain_text("已确认联名。")
    expect(page.get_by_test_id("proposal-status")).to_have_text("待审查")
    expect(page.get_by_test_id("cosign-box")).to_have_count(0)
    shot(page, "member2-confirmed")

    # --- staff1 finds it in 提案管理 and passes 初审; the review chain then waits for 审定
    page = walk.login("staff1")
    walk.nav(page, "提案管理")
    page.locator("table.list").get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("review-box")).to_have_count(0)  # 立案 is decided at the last stage, not here
    first_review = page.get_by_test_id("chain-actions")
    expect(first_review.locator("h3")).to_have_text("我的待办：初审")
    first_review.locator("textarea[name=comment]").fill("建议立案")
    walk.assert_fits(page, "提案详情 (staff1, 初审)")
    shot(page, "staff1-first-review")
    first_review.get_by_role("button", name="同意", exact=True).click()
    expect(message(page)).to_contain_text("已同意。")
    expect(page.get_by_test_id("proposal-status")).to_have_text("待审查")
    expect(page.get_by_test_id("chain-actions")).to_have_count(0)
    shot(page, "staff1-first-review-done")

    # --- stafflead1 (提案委负责人) takes the decision: 立案, which gives the official number
    page = walk.login("stafflead1")
    walk.nav(page, "提案管理")
    page.locator("table.list").get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("chain-proposal-review")).to_contain_text("建议立案")
    review = page.get_by_test_id("review-box")
    expect(review.locator("h2")).to_have_text("审查立案")
    review.get_by_label("立案", exact=True).check()
    review.get_by_label("审查意见").fill("符合立案标准，同意立案。")
    shot(page, "stafflead1-review")
    review.get_by_role("button", name="确定").click()
    expect(message(page)).to_contain_text("已立案。")
    number = f"{timezone.localdate().year}年第001号"
    expect(page.get_by_test_id("proposal-number")).to_have_text(number)
    expect(page.get_by_test_id("proposal-status")).to_have_text("已立案（待交办）")
    walk.assert_fits(page, "提案详情 (stafflead1, after 立案)")
    shot(page, "stafflead1-accepted")

    # --- member1 sees who holds the case now (督查室's 交办) and by when, with what the date is for
    page = walk.login("member1")
    walk.nav(page, "我的提案")
    row = page.locator("table.list tbody tr", has_text=TITLE)
    expect(row.get_by_test_id("row-step")).to_have_text("交办")
    expect(row.get_by_test_id("row-holder")).to_have_text("督查室")
    expect(row.get_by_test_id("row-due")).to_contain_text("交办：")
    expect(row.get_by_test_id("row-due").locator(".due")).to_have_count(1)

    # --- office1 finds 交办 in the 督查室's 待认领, claims it, and does it from 待办
    page = walk.login("office1")
    walk.nav(page, "待认领")
    item = page.get_by_test_id("queue").locator("tbody tr", has_text=TITLE)
    expect(item).to_contain_text("交办")
    walk.assert_fits(page, "待认领 (office1)")
    shot(page, "office1-queue")
    item.get_by_test_id("claim").click()
    expect(message(page)).to_contain_text("已认领")
    mine = page.get_by_test_id("inbox").locator("tbody tr", has_text=TITLE)
    expect(mine).to_contain_text("交办")
    mine.get_by_role("link", name="交办", exact=True).click()
    assign = page.get_by_test_id("assign-box")
    assign.get_by_label("主办 + 会办", exact=True).check()
    assign.locator("#id_lead_units").get_by_label("县教育局").check()
    assign.locator("#id_co_units").get_by_label("县交通运输局").check()
    shot(page, "office1-assign")
    assign.get_by_role("button", name="交办").click()
    expect(message(page)).to_contain_text("已交办，承办单位已收到通知。")
    expect(page.get_by_test_id("proposal-status")).to_have_text("已交办")
    units = page.get_by_test_id("assignments")
    for unit, role in (("县教育局", "主办"), ("县交通运输局", "会办")):
        row = units.locator("tbody tr", has_text=unit)
        expect(row).to_contain_text(role)
        expect(row.locator(".status")).to_have_text("待签收")
    walk.assert_fits(page, "提案详情 (office1, after 交办)")
    shot(page, "office1-assigned")

    # --- each unit finds its own 签收 in 承办待办 (its 待认领's proposal items) and signs
    for username, unit, role in (("unit1", "县教育局", "主办"), ("unit2", "县交通运输局", "会办")):
        page = walk.login(username)
        walk.nav(page, "承办待办")
        inbox = page.get_by_test_id("unit-inbox")
        expect(inbox.locator("tbody tr")).to_have_count(1)  # only its own unit's part
        row = inbox.locator("tbody tr", has_text=TITLE)
        expect(row).to_contain_text(unit)
        expect(row).to_contain_text(number)
        expect(row).to_contain_text(f"签收或申请调整（{role}）")
        expect(row.locator(".due")).to_have_count(1)
        walk.assert_fits(page, f"承办待办 ({username})")
        shot(page, f"{username}-inbox")
        row.get_by_role("link", name=f"签收或申请调整（{role}）").click()
        expect(page.get_by_test_id("assignment-state")).to_have_text("待签收")
        walk.assert_fits(page, f"承办任务 ({username})")
        page.get_by_test_id("receive-box").get_by_role("button", name="签收", exact=True).click()
        expect(message(page)).to_contain_text("已签收。")
        expect(page.get_by_test_id("assignment-state")).to_have_text("已签收")
        expect(page.get_by_test_id("receive-box")).to_have_count(0)
        shot(page, f"{username}-signed")

    # --- member1 sees the proposal in handling, with the whole history
    page = walk.login("member1")
    walk.nav(page, "我的提案")
    row = page.locator("table.list tbody tr", has_text=TITLE)
    expect(row).to_contain_text(number)
    expect(row.locator(".status")).to_have_text("办理中")
    expect(row.get_by_test_id("row-holder")).to_have_text("县教育局")  # the lead unit holds it now
    expect(row.get_by_test_id("row-due").locator(".due")).to_have_count(1)
    walk.assert_fits(page, "我的提案 (member1, in handling)")
    row.get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("proposal-status")).to_have_text("办理中")
    expect(page.get_by_test_id("proposal-number")).to_have_text(number)
    actions = page.get_by_test_id("timeline").locator("li strong").all_inner_texts()
    expected = ["确认联名", "联名确认结束，提交审查", "立案", "交办", "承办单位签收", "承办单位签收"]
    remaining = iter(actions)
    assert all(label in remaining for label in expected), f"timeline {actions} lacks, in order, {expected}"
    expect(page.get_by_test_id("assignments").locator(".status")).to_have_text(["已签收", "已签收"])
    walk.assert_fits(page, "提案详情 (member1, in handling)")
    shot(page, "member1-in-handling")

    assert Proposal.objects.get(pk=pk).status == ProposalStatus.IN_HANDLING
    assert page.url.endswith(detail)
