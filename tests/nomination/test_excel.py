"""Excel import and export over HTTP: templates, upload → preview → confirm, imports that never destroy, row and
column errors (over-long values included), size limit, full-width digits, formulas, formula-safe export."""

import dataclasses
import datetime
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from nomination import services
from nomination.models import Person, PoolState, RosterEntry, RosterTerm
from workflows.models import AuditEvent

from .conftest import make_id_number, person_data, recommended

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


def preview(client, upload, url=None, **data):
    return client.post(url or reverse("nomination:person_import"), {"file": upload, **data})


def confirm(client, response, url=None):
    token = response.context["token"]
    assert token, "the preview offers no confirm"
    return client.post(url or reverse("nomination:person_import"), {"token": token})


def imported(client, upload):
    """Upload and confirm; the page the confirm leads to."""
    done = confirm(client, preview(client, upload))
    assert done.status_code == 302
    return client.get(done["Location"]).content.decode()


def test_the_template_has_the_headers_drop_downs_and_instructions(client, cadres):
    client.force_login(cadres.uf1)
    response = client.get(reverse("nomination:person_template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    header = [c.value for c in book.worksheets[0][1]]
    assert header[:3] == ["姓名*", "身份证号*", "民族*"] and "推荐单位" in header and "联系电话" in header
    assert book.worksheets[0].data_validations.dataValidation
    assert book.sheetnames[1] == "填写说明"


def test_an_upload_shows_a_preview_and_writes_nothing_until_confirmed(client, cadres):
    # given
    client.force_login(cadres.uf1)
    # when
    response = preview(client, xlsx(good_rows()))
    # then
    assert response.status_code == 200 and not Person.objects.exists()
    assert response.context["counts"] == {"new": 3, "changed": 0, "unchanged": 0}
    page = response.content.decode()
    assert "新增 3 人，变更 0 人，无变化 0 人" in page and "确认导入" in page
    assert "13912345678" not in page and "139****5678" in page  # contacts masked in the preview too
    # when confirmed
    page = client.get(confirm(client, response)["Location"]).content.decode()
    # then
    assert "导入完成：新增 3 人，更新 0 人，无变化 0 人。" in page
    first = Person.objects.get(name="马文华")
    assert (first.pool_state, first.recommending_unit, first.work_started_on, first.phone) == (
        PoolState.PROPOSED, cadres.party_unit, datetime.date(2008, 7, 1), "13912345678")
    third = Person.objects.get(name="王建国")
    assert (third.party, third.education, third.work_started_on) == ("minjian", "doctor", datetime.date(2012, 7, 1))
    created = AuditEvent.objects.filter(action="person.imported")
    assert created.count() == 3
    assert "党派：民盟" in created.get(subject_id=str(first.pk)).comment


def test_re_importing_the_same_file_creates_no_duplicates_and_no_events(client, cadres):
    client.force_login(cadres.uf1)
    imported(client, xlsx(good_rows()))
    events = AuditEvent.objects.count()
    again = preview(client, xlsx(good_rows()))
    assert again.context["counts"] == {"new": 0, "changed": 0, "unchanged": 3}
    page = client.get(confirm(client, again)["Location"]).content.decode()
    assert "新增 0 人，更新 0 人，无变化 3 人" in page
    assert Person.objects.count() == 3
    assert AuditEvent.objects.count() == events


def test_a_changed_party_shows_old_and_new_and_changes_only_on_confirm(client, cadres):
    # given
    person = services.person_create(actor=cadres.uf1, data=person_data(id_number=make_id_number(sequence=11)))
    rows = good_rows()[:1]
    rows[0][3] = "民建"
    client.force_login(cadres.uf1)
    # when
    response = preview(client, xlsx(rows))
    # then: shown, not written
    changed = response.context["plan"].changed
    assert [line for line in changed[0].changes if line[0] == "党派"] == [["党派", "民盟", "民建"]]
    assert "民盟" in response.content.decode() and "民建" in response.content.decode()
    person.refresh_from_db()
    assert person.party == "minmeng"
    # when confirmed
    confirm(client, response)
    # then
    person.refresh_from_db()
    assert person.party == "minjian"
    event = AuditEvent.objects.get(action="person.import_updated", subject_id=str(person.pk))
    assert "党派：民盟 → 民建" in event.comment and "pool.xlsx 第 2 行" in event.comment
    assert ["党派", "民盟", "民建"] in event.changes["fields"]
    page = client.get(reverse("nomination:person", args=[person.pk])).content.decode()
    assert "党派：民盟 → 民建" in page


def test_a_sheet_without_the_phone_column_keeps_twenty_phone_numbers(client, cadres):
    # given 20 people on file, each with a phone number
    people = [services.person_create(actor=cadres.uf1, data=person_data(
        name=f"人员{i}", id_number=make_id_number(sequence=100 + i), phone=f"1391234{i:04d}")) for i in range(20)]
    headers = ["姓名", "身份证号", "现任职务"]
    rows = [[p.name, p.id_number, "主任"] for p in people]
    client.force_login(cadres.uf1)
    # when
    response = preview(client, xlsx(rows, headers=headers))
    assert response.context["counts"] == {"new": 0, "changed": 20, "unchanged": 0}
    confirm(client, response)
    # then every phone, address, party and unit is kept; only the post changed
    for person in people:
        fresh = Person.objects.get(pk=person.pk)
        assert (fresh.phone, fresh.address, fresh.party, fresh.work_unit, fresh.current_post) == (
            person.phone, person.address, "minmeng", "县教育局", "主任")


def test_an_empty_cell_in_a_present_column_keeps_the_value_on_file(client, cadres):
    person = services.person_create(actor=cadres.uf1, data=person_data(id_number=make_id_number(sequence=11)))
    rows = [["马文华", person.id_number, "", "", "", "", "", "", "", "", "", "", ""]]
    client.force_login(cadres.uf1)
    response = preview(client, xlsx(rows))
    assert response.context["counts"] == {"new": 0, "changed": 0, "unchanged": 1}
    confirm(client, response)
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.phone, fresh.ethnicity, fresh.current_post, fresh.post_level, fresh.is_leadership_post) == (
        "13912345678", "回族", "副局长", "deputy_section", True)


def test_the_approval_form_columns_are_optional_import_and_an_absent_one_keeps_its_value(client, cadres):
    # given a person on file with 健康状况 and 奖惩情况
    person = services.person_create(actor=cadres.uf1, data=person_data(
        id_number=make_id_number(sequence=11), health="健康", rewards="2019年获评县优秀教师"))
    headers = ["姓名", "身份证号", "出生地", "在职教育学历", "在职教育学位", "在职教育毕业院校系及专业", "奖惩情况"]
    rows = [["马文华", person.id_number, "宁夏同心县豫海镇", "中央党校研究生", "法学硕士", "中央党校经济学专业",
             "2019年获评县优秀教师；2022年获评市劳动模范"]]
    client.force_login(cadres.uf1)

    # when a sheet with those columns (and without 健康状况) is imported
    response = preview(client, xlsx(rows, headers=headers))
    lines = response.context["plan"].changed[0].changes
    confirm(client, response)

    # then the filled columns changed, old → new in the preview, and 健康状况 kept its value
    assert ["出生地", "", "宁夏同心县豫海镇"] in lines and ["在职教育学位", "", "法学硕士"] in lines
    assert ["奖惩情况", "2019年获评县优秀教师", "2019年获评县优秀教师；2022年获评市劳动模范"] in lines
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.birth_place, fresh.inservice_education, fresh.inservice_degree, fresh.inservice_school_major,
            fresh.rewards, fresh.health) == ("宁夏同心县豫海镇", "中央党校研究生", "法学硕士", "中央党校经济学专业",
                                             "2019年获评县优秀教师；2022年获评市劳动模范", "健康")


def test_the_template_offers_the_approval_form_columns_unstarred(client, cadres):
    client.force_login(cadres.uf1)
    book = load_workbook(io.BytesIO(client.get(reverse("nomination:person_template")).content))
    header = [c.value for c in book.worksheets[0][1]]
    for name in ("出生地", "健康状况", "在职教育学历", "在职教育学位", "在职教育毕业院校系及专业", "奖惩情况"):
        assert name in header, name


def test_a_stale_preview_is_refused_and_shown_again_as_it_now_stands(client, cadres):
    # given a preview changing the post
    person = services.person_create(actor=cadres.uf1, data=person_data(id_number=make_id_number(sequence=11)))
    rows = [["马文华", person.id_number, "县教育局局长"]]
    client.force_login(cadres.uf1)
    response = preview(client, xlsx(rows, headers=["姓名", "身份证号", "工作单位"]))
    # when someone edits the person before the confirm
    services.person_update(actor=cadres.org1, person=person, data=dataclasses.replace(
        person_data(id_number=""), work_unit="县文化旅游局", keep_contacts=True))
    stale = confirm(client, response)
    # then nothing from the sheet is written, and the new preview says what would happen now
    assert stale.status_code == 200
    assert "预览之后数据已有变化，未导入任何数据" in stale.content.decode()
    assert Person.objects.get(pk=person.pk).work_unit == "县文化旅游局"
    assert stale.context["plan"].changed[0].changes == [["工作单位", "县文化旅游局", "县教育局局长"]]
    # and the fresh preview can be confirmed
    confirm(client, stale)
    assert Person.objects.get(pk=person.pk).work_unit == "县教育局局长"


def test_a_phone_changed_after_the_preview_is_noticed_though_the_preview_masks_it(client, cadres):
    person = services.person_create(actor=cadres.uf1, data=person_data(id_number=make_id_number(sequence=11)))
    client.force_login(cadres.uf1)
    response = preview(client, xlsx([["马文华", person.id_number, "13900000000"]], headers=["姓名", "身份证号", "联系电话"]))
    # the same masked form (139****5678), another number
    services.person_update(actor=cadres.uf1, person=person, data=person_data(id_number="", phone="13911115678"))
    assert "预览之后数据已有变化" in confirm(client, response).content.decode()
    assert Person.objects.get(pk=person.pk).phone == "13911115678"


def test_masked_fields_change_on_the_timeline_masked_never_in_clear(client, cadres):
    # given
    person = services.person_create(actor=cadres.uf1, data=person_data(id_number=make_id_number(sequence=11)))
    headers = ["姓名", "身份证号", "联系电话", "家庭住址"]
    client.force_login(cadres.uf1)
    # when
    response = preview(client, xlsx([["马文华", person.id_number, "13800001111", "银川市金凤区正源街 8 号"]],
                                    headers=headers))
    page = response.content.decode()
    confirm(client, response)
    # then the phone and the address changed, and nothing shows or stores them in clear
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.phone, fresh.address) == ("13800001111", "银川市金凤区正源街 8 号")
    event = AuditEvent.objects.get(action="person.import_updated")
    assert event.changes["fields"] == [["联系电话", "139****5678", "138****1111"], ["家庭住址", "同心县****", "银川市****"]]
    stored = event.comment + json.dumps(event.changes, ensure_ascii=False)
    for clear in ("13912345678", "13800001111", "正源街", "民主路", person.id_number):
        assert clear not in stored and clear not in page
    assert "联系电话：139****5678 → 138****1111" in event.comment


def test_a_person_already_in_a_pool_round_is_not_recommended_again_by_an_import(client, cadres):
    # given a person the UFWD recommended for the party organisation
    person = recommended(cadres, id_number=make_id_number(sequence=11))
    row = [*good_rows()[0][:11], "民建同心县委员会", "再推荐"]
    client.force_login(cadres.uf1)
    # when
    response = preview(client, xlsx([row]))
    confirm(client, response)
    # then the preview said so and nothing changed the round
    assert response.context["plan"].rows[0].notes == ["该人员当前为“已推荐”，本行的推荐单位和推荐理由不导入。"]
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.pool_state, fresh.recommending_unit) == (PoolState.PROPOSED, cadres.party_unit)
    assert AuditEvent.objects.filter(action="pool.recommended", subject_id=str(person.pk)).count() == 1


def test_over_long_values_are_row_and_column_errors_not_a_server_error(client, cadres):
    # given a 51-character name and a 10,000-character speciality (PostgreSQL refuses both; SQLite would store them)
    headers = [*HEADERS, "熟悉专业有何专长"]
    rows = [[*good_rows()[0], ""], [*good_rows()[1], "专" * 10_000]]
    rows[0][0] = "马" * 51
    client.force_login(cadres.uf1)
    # when
    response = preview(client, xlsx(rows, headers=headers))
    # then
    assert response.status_code == 200 and not Person.objects.exists()
    errors = [(e.row, e.column, e.message) for e in response.context["errors"]]
    assert errors == [(2, "姓名", "超过 50 个字（现为 51 个字）。"),
                      (3, "熟悉专业有何专长", "超过 200 个字（现为 10000 个字）。")]
    assert not response.context["token"] and "确认导入" not in response.content.decode()


def test_a_file_with_bad_rows_imports_nothing_and_names_each_bad_cell(client, cadres):
    rows = good_rows()
    rows.append(["赵六", "640324198503150000", "汉族", "民盟", "本科", "县统计局", "", "", "", "", "", "", ""])
    rows.append(["", make_id_number(sequence=14), "汉族", "共青团", "本科", "县统计局", "", "", "可能", "1985-13-40", "",
                 "", ""])
    rows.append(["钱七", make_id_number(sequence=11), "汉族", "中共", "本科", "县统计局", "", "", "", "", "", "县某协会",
                 "x"])
    rows.append(["孙八", make_id_number(sequence=15), "", "民盟", "", "县统计局", "", "", "", "", "", "", ""])
    client.force_login(cadres.uf1)
    response = preview(client, xlsx(rows))
    page = response.content.decode()
    assert response.status_code == 200
    assert not Person.objects.exists()
    assert "文件中有 10 处错误，未导入任何数据" in page
    errors = [(e.row, e.column, e.message) for e in response.context["errors"]]
    assert errors == [
        (5, "身份证号", "身份证号校验码不正确，请核对。"),
        (6, "姓名", "必填，不能为空。"),
        (6, "党派", "“共青团”不是可选值（可选：民革、民盟、民建、民进、农工党、致公党、九三学社、台盟、无党派人士、群众）。"),
        (6, "是否实职", "请填写“是”或“否”。"),
        (6, "参加工作时间", "日期格式不正确，请按 1985-03-15 或 1985-03 填写。"),
        (7, "身份证号", "与第 2 行的身份证号重复。"),
        (7, "党派", "中共党员不列入党外人士信息库。"),
        (7, "推荐单位", "单位“县某协会”不在单位名录中，请先由管理员添加或改用名录中的名称。"),
        (8, "民族", "新增人员必填。"),
        (8, "学历", "新增人员必填。"),
    ]
    assert "第 6 行" in page and "确认导入" not in page


def test_full_width_digits_are_normalised(client, cadres):
    number = make_id_number(sequence=11)
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    rows = [["马文华", wide, "回族", "民盟", "本科", "县教育局", "", "", "", "２００８－０７－０１", "１３９１２３４５６７８", "", ""]]
    client.force_login(cadres.uf1)
    imported(client, xlsx(rows))
    person = Person.objects.get()
    assert (person.id_number, person.phone, person.work_started_on) == (
        number, "13912345678", datetime.date(2008, 7, 1))


def test_a_formula_without_a_stored_value_is_explained(client, cadres):
    rows = good_rows()[:1]
    rows[0][6] = "=F2&\"副局长\""
    client.force_login(cadres.uf1)
    response = preview(client, xlsx(rows))
    assert [(e.row, e.column, e.message) for e in response.context["errors"]] == [
        (2, "现任职务", "是公式且没有计算结果，请在 Excel 中另存为数值后再导入")]
    assert not Person.objects.exists()


def test_files_that_are_too_big_or_not_the_template_are_refused_in_chinese(client, cadres):
    client.force_login(cadres.uf1)
    big = SimpleUploadedFile("pool.xlsx", b"PK\x03\x04" + b"\0" * (25 * 1024 * 1024))
    assert "文件过大（25.0 MB），上限为 5.0 MB" in preview(client, big).content.decode()
    fake = SimpleUploadedFile("pool.xlsx", b"%PDF-1.4 not a workbook")
    assert "请上传 Excel 工作簿（.xlsx 格式）。" in preview(client, fake).content.decode()
    missing = xlsx([["马文华"]], headers=["姓名", "民族", "党派", "学历", "工作单位"])
    assert "第 1 行缺少必填列：身份证号。请使用导入模板的表头。" in preview(client, missing).content.decode()
    assert "工作表中没有数据行。" in preview(client, xlsx([])).content.decode()
    assert not Person.objects.exists()


def test_an_expired_preview_sends_the_user_back_to_upload(client, cadres):
    client.force_login(cadres.uf1)
    response = client.post(reverse("nomination:person_import"), {"token": "no-such-token"}, follow=True)
    assert "这次上传的预览已失效，请重新上传文件。" in response.content.decode()


def test_only_the_cadre_sections_import(client, cadres):
    client.force_login(cadres.uf1)
    token = preview(client, xlsx(good_rows())).context["token"]
    for user in (cadres.uflead1, cadres.party1, cadres.jiwei1):
        client.force_login(user)
        assert preview(client, xlsx(good_rows())).status_code == 404
        assert client.post(reverse("nomination:person_import"), {"token": token}).status_code == 404
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
    again = preview(client, SimpleUploadedFile("export.xlsx", response.content))
    assert again.context["counts"] == {"new": 0, "changed": 0, "unchanged": 1}


# --- rosters ---------------------------------------------------------------------------------------------------------

ROSTER_HEADERS = ["姓名*", "性别*", "民族", "出生年月*", "政治面貌*", "界别（政协委员）", "选区（人大代表）",
                  "工作单位及职务", "常委", "副主席（副主任）"]


@pytest.fixture
def cppcc_term(cadres):
    return services.roster_term_open(actor=cadres.uf1, body="county_cppcc", number=10, name="政协同心县第十届委员会",
                                     starts_on=datetime.date(2022, 1, 10))


def roster_file(rows, headers=ROSTER_HEADERS):
    return xlsx(rows, headers=headers, name="roster.xlsx")


ROSTER = [["李明华", "男", "汉族", "1970-05", "民盟", "民盟", "", "县第一中学校长", "是", "否"],
          ["王秀英", "女", "回族", "1975.3", "中共党员", "中共", "", "县委办公室", "是", "是"],
          ["张建国", "男", "", datetime.datetime(1980, 1, 1), "无党派", "无党派人士", "", "", "", ""]]


def roster_import(client, term, upload):
    url = reverse("nomination:roster_import")
    response = client.post(url, {"term": term.pk, "file": upload})
    assert response.status_code == 200
    return response


def test_a_roster_imports_after_its_preview_and_a_repeat_changes_nothing(client, cadres, cppcc_term):
    client.force_login(cadres.uf1)
    url = reverse("nomination:roster_import")
    first = roster_import(client, cppcc_term, roster_file(ROSTER))
    assert first.context["counts"] == {"new": 3, "changed": 0, "unchanged": 0} and not RosterEntry.objects.exists()
    assert confirm(client, first, url)["Location"] == reverse("nomination:roster_term", args=[cppcc_term.pk])
    second = roster_import(client, cppcc_term, roster_file(ROSTER))
    assert second.context["counts"] == {"new": 0, "changed": 0, "unchanged": 3}
    page = client.post(url, {"token": second.context["token"]}, follow=True).content.decode()
    assert "新增 0 人，更新 0 人，无变化 3 人" in page
    assert RosterEntry.objects.count() == 3
    wang = RosterEntry.objects.get(name="王秀英")
    assert (wang.affiliation, wang.birth_month, wang.is_vice_chair) == ("cpc", datetime.date(1975, 3, 1), True)
    assert RosterEntry.objects.get(name="张建国").ethnicity == "汉族"


def test_a_roster_sheet_without_a_column_keeps_it_and_the_term_records_what_changed(client, cadres, cppcc_term):
    client.force_login(cadres.uf1)
    url = reverse("nomination:roster_import")
    confirm(client, roster_import(client, cppcc_term, roster_file(ROSTER)), url)
    # a sheet of names, birth months and posts only
    rows = [["李明华", "1970-05", "县第一中学党委书记"], ["王秀英", "1975-03", "县委办公室"]]
    response = roster_import(client, cppcc_term, roster_file(rows, headers=["姓名", "出生年月", "工作单位及职务"]))
    assert response.context["plan"].changed[0].changes == [["工作单位及职务", "县第一中学校长", "县第一中学党委书记"]]
    confirm(client, response, url)
    li = RosterEntry.objects.get(name="李明华")
    assert (li.work_post, li.is_standing, li.sector, li.affiliation) == ("县第一中学党委书记", True, "民盟", "minmeng")
    assert RosterEntry.objects.get(name="王秀英").is_vice_chair is True
    event = AuditEvent.objects.filter(action="roster.imported").latest("pk")
    assert "工作单位及职务：县第一中学校长 → 县第一中学党委书记" in event.comment


def test_a_roster_with_bad_rows_imports_nothing(client, cadres, cppcc_term):
    rows = [*ROSTER, ["李明华", "男", "汉族", "1970-05", "民盟", "民盟", "", "", "", ""],
            ["赵六", "未知", "汉族", "七十年代", "民盟", "", "", "", "", ""],
            ["钱七", "", "汉族", "1980-01", "民盟", "", "", "", "", ""],
            ["孙八", "男", "汉族", "1981-01", "民盟", "民盟", "", "长" * 201, "", ""]]
    client.force_login(cadres.uf1)
    response = roster_import(client, cppcc_term, roster_file(rows))
    assert not RosterEntry.objects.exists() and not response.context["token"]
    assert [(e.row, e.column) for e in response.context["errors"]] == [
        (5, "姓名"), (6, "性别"), (6, "出生年月"), (7, "性别"), (7, "界别（政协委员）"), (8, "工作单位及职务")]


def test_the_roster_export_of_a_history_term_is_still_available(client, cadres, cppcc_term):
    client.force_login(cadres.uf1)
    confirm(client, roster_import(client, cppcc_term, roster_file(ROSTER)), reverse("nomination:roster_import"))
    services.roster_term_open(actor=cadres.uf1, body="county_cppcc", number=11, name="政协同心县第十一届委员会",
                              starts_on=datetime.date(2027, 1, 10))
    assert RosterTerm.objects.get(pk=cppcc_term.pk).is_current is False
    client.force_login(cadres.org1)
    sheet = load_workbook(io.BytesIO(client.get(reverse("nomination:roster_export", args=[cppcc_term.pk])).content))
    names = [row[0] for row in sheet.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["张建国", "李明华", "王秀英"]
