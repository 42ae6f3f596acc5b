"""At session time 督查室 fills the 交办方案 table for several proposals and submits once; the 提案委 head files
several proposals at once (批量立案). Through the UI in Chinese, at desktop and phone width."""

import pytest
from playwright.sync_api import expect

from proposals import services
from proposals.models import Assignment, Proposal, ProposalStatus
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, VIEWPORTS
from tests.browser.test_proposal_walk import OVERFLOW_JS, Walk
from tests.personas import reviewed, world  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]


@pytest.fixture
def walk(chromium, live_site, screenshots, request):
    w = Walk(chromium, live_site, request.node.callspec.params["viewport"], screenshots)
    yield w
    w.close()


def fits(page, viewport):
    width = VIEWPORTS[viewport]["viewport"]["width"]
    report = page.evaluate(OVERFLOW_JS, width)
    assert report["scrollWidth"] <= width + 1, report["culprits"]


def row(page, proposal):
    return page.get_by_test_id(f"row-{proposal.pk}")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_office_fills_three_rows_one_invalid_sees_each_result_fixes_it_and_submits(walk, world, viewport):  # noqa: F811
    # given three proposals filed and waiting for 交办, one with a unit the review suggested
    sole = services.proposal_accept(actor=world.head, proposal=reviewed(world, title="关于改善农村饮水的建议"),
                                    suggested_unit_ids=[world.health.pk])
    lead = services.proposal_accept(actor=world.head, proposal=reviewed(world, title="关于加快县乡公路建设的建议"))
    split = services.proposal_accept(actor=world.head, proposal=reviewed(world, title="关于校园周边交通安全的建议"))

    # when 督查室 opens the 交办方案 from 提案管理
    page = walk.login("office1")
    walk.nav(page, "提案管理")
    page.get_by_test_id("bulk-links").get_by_role("link", name="交办方案").click()
    expect(page.locator("h1")).to_have_text("交办方案")
    table = page.get_by_test_id("bulk-assign")
    expect(table.locator("tbody tr")).to_have_count(3)
    # the review's suggestion is prefilled
    expect(row(page, sole).locator(f"select[name='p{sole.pk}-lead_units']")).to_have_values([str(world.health.pk)])
    fits(page, viewport)

    # three rows: one 独办, one 主办 + 会办 with the same unit twice (invalid), one 分办
    page.select_option(f"select[name='p{sole.pk}-mode']", label="独办")
    page.select_option(f"select[name='p{lead.pk}-mode']", label="主办 + 会办")
    page.select_option(f"select[name='p{lead.pk}-lead_units']", label=["县交通运输局"])
    page.select_option(f"select[name='p{lead.pk}-co_units']", label=["县交通运输局"])
    page.select_option(f"select[name='p{split.pk}-mode']", label="分办")
    page.select_option(f"select[name='p{split.pk}-lead_units']", label=["县教育局", "县交通运输局"])
    page.fill("#bulk-comment", "请按期办理")
    walk.shot(page, "office-plan")
    page.get_by_role("button", name="提交交办方案").click()

    # then each row has its result; the invalid one stays in the table with its message and its input
    results = page.get_by_test_id("bulk-results")
    expect(page.locator(".messages")).to_contain_text("成功 2 件。")
    expect(page.locator(".messages")).to_contain_text("失败 1 件，原因见下表。")
    expect(results.get_by_test_id(f"result-{sole.pk}")).to_contain_text("成功")
    expect(results.get_by_test_id(f"result-{split.pk}")).to_contain_text("成功")
    expect(results.get_by_test_id(f"result-{lead.pk}")).to_contain_text("失败")
    expect(results.get_by_test_id(f"result-{lead.pk}")).to_contain_text("同一单位不能重复指定。")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(row(page, lead).get_by_test_id("row-error")).to_have_text("同一单位不能重复指定。")
    expect(page.locator(f"select[name='p{lead.pk}-mode']")).to_have_value(Assignment.Role.LEAD)
    expect(page.locator(f"select[name='p{lead.pk}-co_units']")).to_have_values([str(world.transport.pk)])
    expect(page.locator("#bulk-comment")).to_have_value("请按期办理")
    walk.shot(page, "office-results")
    fits(page, viewport)

    # when the office fixes the row and submits again
    page.select_option(f"select[name='p{lead.pk}-co_units']", label=["县卫生健康局"])
    page.get_by_role("button", name="提交交办方案").click()

    # then the table is empty and the last proposal is assigned to its two units
    expect(page.get_by_test_id("bulk-results").get_by_test_id(f"result-{lead.pk}")).to_contain_text("成功")
    expect(table).to_contain_text("没有等待交办的提案。")
    assert set(Proposal.objects.filter(pk__in=[sole.pk, lead.pk, split.pk]).values_list("status", flat=True)) == {
        ProposalStatus.ASSIGNED}
    assert sorted(Assignment.objects.filter(proposal=lead).values_list("unit__name", "role")) == [
        ("县交通运输局", Assignment.Role.LEAD), ("县卫生健康局", Assignment.Role.CO)]
    assert Assignment.objects.filter(proposal=split, role=Assignment.Role.SEPARATE).count() == 2


@pytest.mark.parametrize("viewport", ["desktop"])
def test_head_selects_all_and_files_them_at_once(walk, world, viewport):  # noqa: F811
    # given two proposals waiting for the head's 审定
    one, two = reviewed(world, title="关于甲的建议"), reviewed(world, title="关于乙的建议")

    # when
    page = walk.login("stafflead1")
    walk.nav(page, "提案管理")
    page.get_by_test_id("bulk-links").get_by_role("link", name="批量立案").click()
    expect(page.locator("h1")).to_have_text("批量立案")
    page.get_by_label("全选").check()
    expect(page.locator("input[name=proposals]:checked")).to_have_count(2)
    page.get_by_role("button", name="立案", exact=True).click()

    # then
    expect(page.locator(".messages")).to_contain_text("成功 2 件。")
    expect(page.get_by_test_id("bulk-results").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("bulk-accept")).to_contain_text("没有等待您审定的提案。")
    assert set(Proposal.objects.filter(pk__in=[one.pk, two.pk]).values_list("status", flat=True)) == {
        ProposalStatus.ACCEPTED}
