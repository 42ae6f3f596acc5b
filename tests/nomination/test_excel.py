"""Excel import and export over HTTP: templates, whole-file validation, idempotent re-import, formula-safe export."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from nomination import services
from nomination.models import Person, PoolState, RosterEntry, RosterTerm
from workflows.models import AuditEvent

from .conftest import make_id_number, person_data

pytestmark = pytest.mark.django_db

HEADERS = ["姓名*", "身份证号*", "民族*", "党派*", "学历*", "工作单位*", "现任职务", "职务层次", "是否实职",
           "参加工作时间", "联系电话", "推荐单位", "推荐理由"]


def xlsx(rows, headers=HEADERS, name="pool.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def good_rows():
    return [
        ["马文华", make_id_number(sequence=11), "回族", "民盟", "本科", "县教育局", "副局长", "副科级", "是",
         "2008-07-01", "13912345678", "民盟同心县委员会", "业务骨干"],
        ["李秀兰", make_id_number(sequence=12), "汉族", "无党派人士", "硕士研究生", "县人民医院", "副院长", "", "否",
         datetime.datetime(2010, 7, 1), "13912340000", "", ""],
        ["王建国", make_id_number(sequence=13), "汉族", "中国民主建国会", "博士", "县科学技术局", "", "正科级", "",
         "2012.07", "", "", ""],
    ]


def post_import(client, upload):
    return client.post(reverse("nomination:person_import"), {"file": upload})


def test_the_template_has_the_headers_drop_downs_and_instructions(client, cadres):
    client.force_login(cadres.uf1)
    response = client.get(reverse("nomination:person_template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    header = [c.value for c in book.worksheets[0][1]]
    assert header[:3] == ["姓名*", "身份证号*", "民族*"] and "推荐单位" in header
    assert book.worksheets[0].data_validations.dataValidation
    assert book.sheetnames[1] == "填写说明"


def test_a_good_file_imports_every_row_and_recommends_those_with_a_unit(client, cadres):
    client.force_login(cadres.uf1)
    response = post_import(client, xlsx(good_rows()))
    assert response.status_code == 302
    assert Person.objects.count() == 3
    first = Person.objects.get(name="马文华")
    assert (first.pool_state, first.recommending_unit, first.work_started_on) == (
        PoolState.PROPOSED, cadres.party_unit, datetime.date(2008, 7, 1))
    third = Person.objects.get(name="王建国")
    assert (third.party, third.education, third.work_started_on) == ("minjian", "doctor", datetime.date(2012, 7, 1))
    assert AuditEvent.objects.filter(action="person.imported").count() == 3
    page = client.get(response["Location"]).content.decode()
    assert "导入完成：新增 3 人，更新 0 人，无变化 0 人。" in page


def test_re_importing_the_same_file_creates_no_duplicates(client, cadres):
    client.force_login(cadres.uf1)
    post_import(client, xlsx(good_rows()))
    events = AuditEvent.objects.count()
    page = client.get(post_import(client, xlsx(good_rows()))["Location"]).content.decode()
    assert "新增 0 人，更新 0 人，无变化 3 人" in page
    assert Person.objects.count() == 3
    assert AuditEvent.objects.count() == events


def test_a_changed_row_updates_the_record_it_matches_by_id_number(client, cadres):
    client.force_login(cadres.uf1)
    post_import(client, xlsx(good_rows()))
    rows = good_rows()
    rows[1][6] = "院长"
    post_import(client, xlsx(rows))
    assert Person.objects.get(name="李秀兰").current_post == "院长"
    assert AuditEvent.objects.get(action="person.import_updated").changes == {"current_post": ["副院长", "院长"]}


def test_a_file_with_bad_rows_imports_nothing_and_names_each_bad_cell(client, cadres):
    rows = good_rows()
    rows.append(["赵六", "640324198503150000", "汉族", "民盟", "本科", "县统计局", "", "", "", "", "", "", ""])
    rows.append(["", make_id_number(sequence=14), "汉族", "共青团", "本科", "县统计局", "", "", "可能", "1985-13-40", "",
                 "", ""])
    rows.append(["钱七", make_id_number(sequence=11), "汉族", "中共", "本科", "县统计局", "", "", "", "", "", "县某协会",
                 "x"])
    client.force_login(cadres.uf1)
    response = post_import(client, xlsx(rows))
    page = response.content.decode()
    assert response.status_code == 200
    assert not Person.objects.exists()
    assert "文件中有 8 处错误，未导入任何数据" in page
    errors = [(e.row, e.column, e.message) for e in response.context["errors"]]
    assert errors == [
        (5, "身份证号", "身份证号校验码不正确，请核对。"),
        (6, "姓名", "必填，不能为空。"),
        (6, "党派", "“共青团”不是可选值（可选：民革、民盟、民建、民进、农工党、致公党、九三学社、台盟、无党派人士、群众）。"),
        (6, "是否实职", "请填写“是”或“否”。"),
        (6, "参加工作时间", "日期格式不正确，请按 1985-03-15 填写。"),
        (7, "身份证号", "与第 2 行的身份证号重复。"),
        (7, "党派", "中共党员不列入党外人士信息库。"),
        (7, "推荐单位", "单位“县某协会”不在单位名录中，请先由管理员添加或改用名录中的名称。"),
    ]
    assert "第 6 行" in page and "出于安全原因，文件需要重新选择。" in page


def test_files_that_are_not_the_template_are_refused_in_chinese(client, cadres):
    client.force_login(cadres.uf1)
    fake = SimpleUploadedFile("pool.xlsx", b"%PDF-1.4 not a workbook")
    assert "请上传 Excel 文件（.xlsx）。" in post_import(client, fake).content.decode()
    missing = xlsx([["马文华"]], headers=["姓名", "民族", "党派", "学历", "工作单位"])
    assert "表头与模板不一致，缺少列：身份证号。" in post_import(client, missing).content.decode()
    assert "文件中没有数据行。" in post_import(client, xlsx([])).content.decode()


def test_only_the_cadre_sections_import(client, cadres):
    for user in (cadres.uflead1, cadres.party1, cadres.jiwei1):
        client.force_login(user)
        assert post_import(client, xlsx(good_rows())).status_code == 404
    assert not Person.objects.exists()


def test_export_neutralises_formulas_and_an_unmasked_export_imports_back_unchanged(client, cadres):
    services.person_create(actor=cadres.uf1, data=person_data(name="=1+1", work_unit="+SUM(A1)", current_post="@x",
                                                              address="-2+3"))
    client.force_login(cadres.uf1)
    response = client.get(reverse("nomination:person_export"), {"sensitive": "1"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    row = {h.value.rstrip("*"): c for h, c in zip(sheet[1], sheet[2], strict=True)}
    assert [row[k].value for k in ("姓名", "工作单位", "现任职务", "家庭住址")] == ["'=1+1", "'+SUM(A1)", "'@x", "'-2+3"]
    assert all(row[k].data_type == "s" for k in ("姓名", "工作单位"))
    # the export is itself a valid import file: nothing new, nothing changed
    again = SimpleUploadedFile("export.xlsx", response.content)
    page = client.get(post_import(client, again)["Location"]).content.decode()
    assert "新增 0 人，更新 0 人，无变化 1 人" in page


# --- rosters ---------------------------------------------------------------------------------------------------------

ROSTER_HEADERS = ["姓名*", "性别*", "民族", "出生年月*", "政治面貌*", "界别（政协委员）", "选区（人大代表）",
                  "工作单位及职务", "常委", "副主席（副主任）"]


@pytest.fixture
def cppcc_term(cadres):
    return services.roster_term_open(actor=cadres.uf1, body="county_cppcc", number=10, name="政协同心县第十届委员会",
                                     starts_on=datetime.date(2022, 1, 10))


def roster_file(rows):
    return xlsx(rows, headers=ROSTER_HEADERS, name="roster.xlsx")


ROSTER = [["李明华", "男", "汉族", "1970-05", "民盟", "民盟", "", "县第一中学校长", "是", "否"],
          ["王秀英", "女", "回族", "1975.3", "中共党员", "中共", "", "县委办公室", "是", "是"],
          ["张建国", "男", "", datetime.datetime(1980, 1, 1), "无党派", "无党派人士", "", "", "", ""]]


def test_a_roster_imports_once_and_a_repeat_changes_nothing(client, cadres, cppcc_term):
    client.force_login(cadres.uf1)
    url = reverse("nomination:roster_import")
    first = client.post(url, {"term": cppcc_term.pk, "file": roster_file(ROSTER)})
    assert first.status_code == 302
    second = client.post(url, {"term": cppcc_term.pk, "file": roster_file(ROSTER)}, follow=True).content.decode()
    assert "新增 0 人，更新 0 人，无变化 3 人" in second
    assert RosterEntry.objects.count() == 3
    wang = RosterEntry.objects.get(name="王秀英")
    assert (wang.affiliation, wang.birth_month, wang.is_vice_chair) == ("cpc", datetime.date(1975, 3, 1), True)
    assert RosterEntry.objects.get(name="张建国").ethnicity == "汉族"


def test_a_roster_with_bad_rows_imports_nothing(client, cadres, cppcc_term):
    rows = [*ROSTER, ["李明华", "男", "汉族", "1970-05", "民盟", "民盟", "", "", "", ""],
            ["赵六", "未知", "汉族", "七十年代", "民盟", "", "", "", "", ""]]
    client.force_login(cadres.uf1)
    response = client.post(reverse("nomination:roster_import"), {"term": cppcc_term.pk, "file": roster_file(rows)})
    assert response.status_code == 200 and not RosterEntry.objects.exists()
    assert [(e.row, e.column) for e in response.context["upload_errors"]] == [
        (5, "姓名"), (6, "性别"), (6, "出生年月"), (6, "界别（政协委员）")]


def test_the_roster_export_of_a_history_term_is_still_available(client, cadres, cppcc_term):
    client.force_login(cadres.uf1)
    client.post(reverse("nomination:roster_import"), {"term": cppcc_term.pk, "file": roster_file(ROSTER)})
    services.roster_term_open(actor=cadres.uf1, body="county_cppcc", number=11, name="政协同心县第十一届委员会",
                              starts_on=datetime.date(2027, 1, 10))
    assert RosterTerm.objects.get(pk=cppcc_term.pk).is_current is False
    client.force_login(cadres.org1)
    sheet = load_workbook(io.BytesIO(client.get(reverse("nomination:roster_export", args=[cppcc_term.pk])).content))
    names = [row[0] for row in sheet.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["张建国", "李明华", "王秀英"]
