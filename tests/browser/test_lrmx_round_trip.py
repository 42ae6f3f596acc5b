"""The .lrmx round trip in the browser (issue #13 item 2): 组织部干部科 exports a person's 干部任免审批表, imports the
file back and sees 无变化, changes one cell of the file as another program would, imports it, sees exactly that
field old → new, confirms, and finds the new value on the person's page."""

import datetime
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from nomination.models import Person
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM
from tests.nomination.conftest import cadres, in_pool  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]


def import_file(page, path: Path):
    page.get_by_test_id("lrmx-import").click()
    expect(page.locator("h1")).to_contain_text("导入任免审批表")
    page.get_by_label("任免审批表文件（.lrmx）").set_input_files(str(path))
    page.get_by_role("button", name="预览", exact=True).click()
    expect(page.get_by_test_id("lrmx-preview")).to_be_visible()


def test_export_import_unchanged_then_a_changed_cell_then_confirm(desktop, cadres, tmp_path, settings):  # noqa: F811
    # given a person in the pool
    settings.MEDIA_ROOT = tmp_path
    walk, w = desktop, cadres
    person = in_pool(w, professional_title="中学高级教师", work_started_on=datetime.date(2007, 9, 1))
    page = walk.login("org1")
    page.goto(f"/nomination/people/{person.pk}/")
    expect(page.locator("h1")).to_contain_text(person.name)

    # when the form is exported
    with page.expect_download() as download:
        page.get_by_test_id("lrmx-export").click()
    exported = tmp_path / "exported.lrmx"
    download.value.save_as(exported)
    assert download.value.suggested_filename.endswith(".lrmx")

    # then importing it back shows no differences
    import_file(page, exported)
    expect(page.get_by_test_id("lrmx-unchanged")).to_contain_text("无变化")
    expect(page.get_by_test_id("lrmx-confirm")).to_have_count(0)
    walk.shot(page, "unchanged")

    # when one cell is changed in the file and it is imported
    text = exported.read_text(encoding="utf-8")
    changed = tmp_path / "changed.lrmx"
    changed.write_text(re.sub(r"<ZhuanYeJiShuZhiWu>[^<]*</ZhuanYeJiShuZhiWu>",
                              "<ZhuanYeJiShuZhiWu>中学正高级教师</ZhuanYeJiShuZhiWu>", text), encoding="utf-8")
    page.goto(f"/nomination/people/{person.pk}/")
    import_file(page, changed)

    # then exactly that field shows, old → new
    rows = page.get_by_test_id("lrmx-changes").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("专业技术职务")
    expect(rows.first).to_contain_text("中学高级教师")
    expect(rows.first).to_contain_text("中学正高级教师")
    walk.shot(page, "changed")
    assert Person.objects.get(pk=person.pk).professional_title == "中学高级教师"

    # when confirmed
    page.get_by_test_id("lrmx-confirm").get_by_role("button", name="确认导入").click()

    # then the person's page shows the new value
    expect(page.locator("h1")).to_contain_text(person.name)
    expect(page.get_by_test_id("person-fields")).to_contain_text("中学正高级教师")
    assert Person.objects.get(pk=person.pk).professional_title == "中学正高级教师"
