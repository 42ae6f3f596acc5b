"""An admin edits the proposal reply chain in Django admin, as a non-programmer would: adds 办公室核稿, reorders,
validates, previews and publishes; a draft that drops or weakens a fixed stage is refused in Chinese when saved, and
one weakened outside the editor at 校验. A reply started before publication keeps version 1 while a later one runs
version 2, and each assignment page draws its pinned version with the current stage highlighted.

Desktop width only: Django admin is a desktop tool.
"""

import pytest
from playwright.sync_api import expect

from proposals import chains, services
from proposals.models import Reply
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, PASSWORD, VIEWPORTS
from tests.proposals.test_lifecycle import content, crew, handled  # noqa: F401
from workflows import stages
from workflows.models import DefinitionVersion, FlowSlot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]

SLOT_NAME = "答复函会签签发"
V1 = ["会办单位会签", "分管领导签发", "督查室审核"]
V2 = ["会办单位会签", "分管领导签发", "办公室核稿", "督查室审核"]


@pytest.fixture
def browse(chromium, live_site):
    """``browse(username, login_url)``: a fresh desktop context, logged in through the real form at ``login_url``."""
    contexts = []

    def login(username, login_url="/accounts/login/"):
        context = chromium.new_context(base_url=live_site, locale="en-US", timezone_id="Asia/Shanghai",
                                       **VIEWPORTS["desktop"])
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(login_url)
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("#content form [type=submit], main form [type=submit]").click()
        expect(page.locator("input[name=password]")).to_have_count(0)
        return page

    yield login
    for context in contexts:
        context.close()


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", PASSWORD, first_name="系统管理员")


def started_reply(world):
    """A joint proposal handled by education with transport co-handling; the reply is submitted into the chain."""
    proposal, lead, co = handled(world)
    services.co_opinion_submit(actor=world.unit2, assignment=co, body="同意，配合落实。")
    reply = services.reply_save_draft(actor=world.unit1, assignment=lead, content=content(world))
    services.reply_submit(actor=world.unit1, reply=reply)
    return lead, Reply.objects.get(pk=reply.pk)


def approve_as(actor, reply, stage_name):
    run = stages.running_chain(reply, chains.REPLY)
    task = stages.open_task_for(actor, run)
    assert task is not None and task.stage.name == stage_name, (actor, stage_name, task and task.stage.name)
    stages.approve(actor=actor, task=task, comment="同意")


def open_slot_draft(page):
    """Admin index → 可配置环节 → the reply slot's 编辑流程 button."""
    page.goto("/admin/")
    page.get_by_role("link", name="可配置环节", exact=True).first.click()
    row = page.locator("#result_list tbody tr", has_text=SLOT_NAME)
    row.get_by_role("link", name="编辑流程（新建或继续草稿）").click()
    expect(page.locator("#content h2").first).to_contain_text(f"{SLOT_NAME} 第")
    expect(page.locator("#content h2").first).to_contain_text("（草稿）")


def boxes(scope):
    return scope.get_by_test_id("stage-box")


def test_admin_adds_reorders_validates_and_publishes_a_reply_stage(crew, admin_user, browse, screenshots):  # noqa: F811
    world, shot = crew, screenshots
    old_lead, old_reply = started_reply(world)  # before any edit: pinned to version 1
    assert stages.running_chain(old_reply, chains.REPLY).version.number == 1

    # --- admin opens the reply chain's draft and adds 办公室核稿 between 签发 and 督查室审核
    page = browse("admin", "/admin/login/?next=/admin/")
    expect(page.locator("#user-tools")).to_contain_text("系统管理员")
    open_slot_draft(page)
    draft = DefinitionVersion.objects.get(slot__code=chains.REPLY, status="draft")
    assert page.url.endswith(f"/admin/workflows/definitionversion/{draft.pk}/change/")
    expect(page.locator(".inline-related:not(.empty-form) h3")).to_have_count(3)
    shot(page, "draft-opened")
    page.fill("#id_note", "签发后增加办公室核稿")
    page.locator("#stages-group .add-row a").click()
    new = "#id_stages-3-"
    page.fill(new + "order", "3")
    page.fill(new + "key", "office-check")
    page.fill(new + "name", "办公室核稿")
    page.select_option(new + "role", label="承办单位分管领导")
    page.select_option(new + "scope", label="本案承办单位")
    page.select_option(new + "mode", label="或签（一人同意）")
    page.select_option(new + "deadline_kind", label="工作日")
    page.fill(new + "deadline_amount", "5")
    page.fill(new + "phrases", "核稿无误")
    page.fill("#id_stages-2-order", "4")  # 督查室审核 moves after the new stage
    shot(page, "stage-added")
    page.get_by_role("button", name="保存并继续编辑").click()
    expect(page.locator(".messagelist")).to_contain_text("成功")
    shot(page, "saved")

    # --- validate, preview, compare
    page.get_by_role("link", name="校验、预览与对比").click()
    expect(page.get_by_test_id("definition-valid")).to_have_text("校验通过。")
    diagram = page.get_by_test_id("diagram")
    expect(boxes(diagram)).to_have_count(4)
    expect(boxes(diagram).locator("strong")).to_have_text([f"{i}. {n}" for i, n in enumerate(V2, start=1)])
    expect(boxes(diagram).nth(2)).to_contain_text("承办单位分管领导")
    diff = page.get_by_test_id("definition-diff")
    added = diff.locator("tbody tr", has_text="办公室核稿")
    expect(added).to_contain_text("新增")
    expect(diff.locator("tbody tr", has_text="督查室审核")).to_contain_text("顺序")
    shot(page, "preview-valid")
    page.get_by_test_id("publish").click()
    expect(page.locator(".messagelist")).to_contain_text("已发布。新案件将使用此版本，进行中的案件仍按原版本办理。")
    # moving running cases is a separate, explicit step: the old reply is listed on version 1, and left there
    expect(page.locator("#content h1")).to_have_text("迁移进行中的案件")
    landing = page.locator("#content tbody tr", has_text=old_lead.proposal.title)
    expect(landing).to_have_count(1)
    expect(landing.locator("td").nth(2)).to_have_text("1")
    expect(landing.locator("input[name=runs]")).not_to_be_checked()
    shot(page, "published")
    versions = {v.number: v.status for v in DefinitionVersion.objects.filter(slot__code=chains.REPLY)}
    assert versions == {1: "retired", 2: "published"}

    # --- a second draft that deletes the fixed 分管领导签发 stage and shortens 督查室审核 is refused in Chinese when
    # saved: the form comes back with both reasons and nothing is saved
    open_slot_draft(page)
    second = DefinitionVersion.objects.get(slot__code=chains.REPLY, status="draft")
    assert second.number == 3 and second.stages.count() == 4
    signoff = page.locator(".inline-related", has=page.locator("input[value=signoff]"))
    signoff.locator("input[name$=DELETE]").check()
    review = page.locator(".inline-related", has=page.locator("input[value=supervisor-review]"))
    review.locator("input[name$=deadline_amount]").fill("1")
    shot(page, "delete-signoff")
    page.get_by_role("button", name="保存并继续编辑").click()
    refused = page.locator("#stages-group .errorlist.nonform")
    expect(refused).to_contain_text("“分管领导签发”是法定环节，不能删除。")
    expect(refused).to_contain_text("“督查室审核”的期限不得少于法定的 5 个工作日，不能改为 1 个工作日。")
    expect(page.locator(".messagelist")).to_have_count(0)
    shot(page, "save-refused")
    assert second.stages.count() == 4
    assert second.stages.get(key="supervisor-review").deadline_amount == 5

    # a draft row weakened outside the editor (e.g. written before these rules) is caught at 校验: no 发布 offered
    second.stages.filter(key="signoff").update(auto_action="return")
    page.get_by_role("link", name="校验、预览与对比").click()
    errors = page.get_by_test_id("definition-errors")
    expect(errors).to_contain_text("“分管领导签发”是法定环节，逾期自动处理须为“逾期升级督办”，不能改为“逾期自动退回”。")
    expect(page.get_by_test_id("definition-valid")).to_have_count(0)
    expect(boxes(page.get_by_test_id("diagram"))).to_have_count(4)
    expect(page.get_by_test_id("publish")).to_have_count(0)  # an invalid draft offers no 发布 at all
    shot(page, "publish-refused")
    assert DefinitionVersion.objects.get(pk=second.pk).status == "draft"
    assert stages.published_version(chains.REPLY).number == 2

    # --- the old reply keeps version 1; a reply started now runs version 2
    new_lead, new_reply = started_reply(world)
    old_run, new_run = (stages.running_chain(r, chains.REPLY) for r in (old_reply, new_reply))
    assert (old_run.version.number, new_run.version.number) == (1, 2)
    approve_as(world.unit2, old_reply, "会办单位会签")
    approve_as(world.unit2, new_reply, "会办单位会签")
    approve_as(world.unitlead1, new_reply, "分管领导签发")

    # --- each assignment page draws its pinned version, the current stage highlighted
    page = browse("unitlead1")
    for lead, names, current, number in ((old_lead, V1, "分管领导签发", 1), (new_lead, V2, "办公室核稿", 2)):
        page.goto(f"/proposals/assignments/{lead.pk}/")
        chain = page.get_by_test_id(f"chain-{chains.REPLY}")
        expect(chain).to_contain_text(f"第 {number} 版")
        expect(boxes(chain).locator("strong")).to_have_text(names)
        expect(chain.locator(".chain-current")).to_have_count(1)
        expect(chain.locator(".chain-current strong")).to_have_text(current)
        expect(chain.locator(".chain-current")).to_have_attribute("aria-current", "step")
        expect(chain.locator(".chain-done strong")).to_have_text(names[:names.index(current)])
        expect(chain.get_by_test_id("chain-actions").locator("h3")).to_have_text(f"我的待办：{current}")
        shot(page, f"assignment-v{number}")

    # the new stage is worked in the UI like any other
    page.goto(f"/proposals/assignments/{new_lead.pk}/")
    actions = page.get_by_test_id("chain-actions")
    actions.locator("select[aria-label=常用语]").select_option("核稿无误")
    actions.get_by_role("button", name="同意", exact=True).click()
    chain = page.get_by_test_id(f"chain-{chains.REPLY}")
    expect(chain.locator(".chain-current strong")).to_have_text("督查室审核")
    expect(chain.locator(".chain-done", has_text="办公室核稿")).to_contain_text("核稿无误")
    shot(page, "office-check-done")

    # --- both finish: the old one after three stages, the new one after four
    approve_as(world.unitlead1, old_reply, "分管领导签发")
    approve_as(world.office, old_reply, "督查室审核")
    approve_as(world.office, new_reply, "督查室审核")
    for reply, count in ((old_reply, 3), (new_reply, 4)):
        reply.refresh_from_db()
        assert reply.status == Reply.Status.ISSUED
        assert reply.chain.version.stages.count() == count
    assert FlowSlot.objects.get(code=chains.REPLY).versions.get(number=1).stages.count() == 3
