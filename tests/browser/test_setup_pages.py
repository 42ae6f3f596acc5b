"""An administrator sets up a county in Django admin, as a non-programmer would: a term with its first session, the
member roster imported from Excel (preview with old → new, then confirm), and a handling unit with its clerk.

Desktop width only: Django admin is a desktop tool.
"""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from openpyxl import Workbook
from playwright.sync_api import expect

from proposals.models import Member, Session, Term
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, PASSWORD, VIEWPORTS
from tests.factories import MemberFactory, UserFactory
from workflows.models import AuditEvent, Unit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]


@pytest.fixture
def admin_page(chromium, live_site, django_user_model):
    django_user_model.objects.create_superuser("admin", "admin@example.org", PASSWORD, first_name="系统管理员")
    context = chromium.new_context(base_url=live_site, locale="zh-CN", timezone_id="Asia/Shanghai",
                                   **VIEWPORTS["desktop"])
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/admin/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.locator("#content form [type=submit]").click()
    expect(page.locator("input[name=password]")).to_have_count(0)
    yield page
    context.close()


def roster_file(path):
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "界别", "组别", "政治面貌", "电话"])
    sheet.append(["李明华", "教育界", "第二组", "民盟", "13800000001"])
    sheet.append(["王秀英", "医卫界", "第三组", "九三学社", "１３９０００００００２"])
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def test_admin_sets_up_a_term_imports_the_roster_and_adds_a_unit_with_its_clerk(admin_page, tmp_path, screenshots):
    page = admin_page
    # 届次 with its first 会次
    page.goto("/admin/proposals/term/add/")
    page.fill("#id_number", "11")
    page.fill("#id_name", "政协同心县第十一届委员会")
    page.fill("#id_starts_on", "2027-01-10")
    page.fill("#id_ends_on", "2032-01-09")
    page.check("#id_is_current")
    page.locator(".add-row a").first.click()
    page.fill("#id_sessions-0-number", "1")
    page.fill("#id_sessions-0-opens_on", "2027-01-12")
    page.fill("#id_sessions-0-closes_on", "2027-01-15")
    page.fill("#id_sessions-0-submission_opens_on", "2026-12-20")
    page.fill("#id_sessions-0-submission_closes_on", "2027-01-14")
    screenshots(page, "term-form")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("政协同心县第十一届委员会")
    term = Term.objects.get(number=11)
    assert term.is_current and Session.objects.filter(term=term, number=1).exists()

    # the roster: one member already on file, changed by the sheet; one new
    MemberFactory(term=term, user=UserFactory(username="m1"), name="李明华", sector="教育界", group="第一组",
                  phone="13800000001")
    page.goto("/admin/proposals/member/")
    page.get_by_test_id("import-link").click()
    page.set_input_files("input[name=file]", str(roster_file(tmp_path / "名册.xlsx")))
    page.get_by_role("button", name="上传并预览").click()
    preview = page.get_by_test_id("import-preview")
    expect(preview).to_contain_text("新增 1 条，变更 1 条，未变 0 条")
    changed = page.get_by_test_id("import-changed")
    expect(changed.locator("tr", has_text="组别")).to_contain_text("第一组")
    expect(changed.locator("tr", has_text="组别")).to_contain_text("第二组")
    expect(page.get_by_test_id("import-new")).to_contain_text("13900000002")  # full-width digits read as digits
    screenshots(page, "roster-preview")
    assert Member.objects.filter(term=term).count() == 1
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".messagelist")).to_contain_text("导入完成：新增 1 条，更新 1 条，未变 0 条。")
    assert Member.objects.get(term=term, name="李明华").group == "第二组"
    assert Member.objects.get(term=term, name="王秀英").phone == "13900000002"
    screenshots(page, "roster-imported")

    # a handling unit with its clerk (经办人), picked with the account search
    UserFactory(username="jyj1", first_name="周经办")
    page.goto("/admin/workflows/unit/add/")
    page.fill("#id_name", "县教育局")
    page.select_option("#id_kind", "handling")
    page.locator(".add-row a").first.click()
    page.locator("#memberships-0 .select2-selection, tr#memberships-0 .select2-selection").first.click()
    page.locator(".select2-search__field").fill("jyj1")
    page.locator(".select2-results__option", has_text="jyj1").click()
    page.select_option("#id_memberships-0-role", "handler")
    screenshots(page, "unit-form")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("县教育局")
    unit = Unit.objects.get(name="县教育局")
    assert list(unit.memberships.values_list("user__username", "role")) == [("jyj1", "handler")]
    added = AuditEvent.objects.get(action="admin.added", subject_type=ContentType.objects.get_for_model(Unit),
                                   subject_id=str(unit.pk), actor__username="admin")
    assert "经办人" in added.comment
