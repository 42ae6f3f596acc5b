"""共同培养教育 through the UI (issue #13): the 组织部干部科 (org1) proposes the year's 培养计划 with a course for a
pool member, the 统战部干部科 (uf1) confirms it from the 六个共同 page, and the page then shows the plan under
共同培养教育 as agreed by both departments. The pool entry is built by the services, as the other walks build theirs."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from nomination.models import TrainingPlan
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM
from tests.browser.roles import field
from tests.browser.test_proposal_walk import message
from tests.nomination.conftest import cadres, in_pool, make_id_number  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]


def open_joint(walk, username):
    """党外人才库 → 六个共同."""
    page = walk.login(username)
    page.locator(".mainnav").get_by_role("link", name="党外人才库", exact=True).click()
    page.locator(".subnav").get_by_role("link", name="六个共同", exact=True).click()
    expect(page.locator("h1")).to_contain_text("“六个共同”工作")
    return page


def test_org_proposes_a_training_plan_uf_confirms_it_and_the_page_shows_it_as_joint(desktop, cadres):  # noqa: F811
    walk, w = desktop, cadres
    in_pool(w, name="杨建国", id_number=make_id_number(sequence=71))
    year = timezone.localdate().year
    title = f"{year} 年度党外干部培养计划"

    # 组织部 proposes the plan from the 六个共同 page
    page = open_joint(walk, "org1")
    training = page.get_by_test_id("mechanism-training")
    field(training, "名称").fill(title)
    training.get_by_role("button", name="提出培养计划").click()
    expect(message(page)).to_contain_text("培养计划已提出，待另一部门确认。")
    expect(page.locator("h1")).to_contain_text(title)
    expect(page.get_by_test_id("plan-state")).to_have_text("待统战部确认")
    walk.shot(page, "org-proposed")

    # … and adds a course with a pool member
    form = page.get_by_test_id("plan-item-form")
    field(form, "培训班次或挂职单位及职务").fill("全县党外干部培训班")
    field(form, "地点").fill("县委党校")
    field(form, "起始时间").fill(f"{year}-05-10")
    field(form, "截止时间").fill(f"{year}-05-15")
    form.get_by_label("杨建国").check()
    form.get_by_role("button", name="添加").click()
    expect(message(page)).to_contain_text("已添加")
    expect(page.get_by_test_id("plan-item")).to_contain_text("杨建国")
    # the proposing department cannot make it 已商定 alone
    expect(page.get_by_test_id("plan-confirm")).to_have_count(0)
    expect(page.get_by_test_id("plan-state")).to_have_text("待统战部确认")

    # 统战部 opens the plan from the 六个共同 page and confirms it
    page = open_joint(walk, "uf1")
    expect(page.get_by_test_id("mechanism-training").get_by_test_id("plan-state")).to_have_text("待统战部确认")
    page.get_by_test_id("plan-link").click()
    page.get_by_test_id("plan-confirm").click()
    expect(message(page)).to_contain_text("两部已商定培养计划。")
    expect(page.get_by_test_id("plan-state")).to_have_text("两部已商定")
    walk.shot(page, "uf-confirmed")

    # the 六个共同 page shows it under 共同培养教育 as joint work, for both departments
    for username in ("uf1", "org1"):
        page = open_joint(walk, username)
        section = page.get_by_test_id("mechanism-training")
        expect(section.get_by_test_id("plan-state")).to_have_text("两部已商定")
        expect(section).to_contain_text(title)
        expect(section).to_contain_text("组织部：何建平")
        expect(section).to_contain_text("统战部：马丽华")
        expect(section).to_contain_text("全县党外干部培训班")
        expect(section).to_contain_text("杨建国（未完成）")
    walk.shot(page, "joint-page")
    assert TrainingPlan.objects.get(year=year).is_confirmed is True
