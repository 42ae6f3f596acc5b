"""The 委员 roster import: upload → preview (new, changed old → new, unchanged, errors) → confirm; it never destroys."""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from proposals import roster_import
from proposals.models import Member
from tests.factories import MemberFactory, TermFactory, UserFactory
from workflows.imports import ImportInvalid, read_sheet
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "界别", "组别", "政治面貌", "常委", "工作单位", "电话", "在册", "账号"]
URL = reverse("admin:proposals_member_import")


def xlsx(headers, rows, *, name="roster.xlsx", formulas=()) -> SimpleUploadedFile:
    """An .xlsx upload; ``formulas`` are (row, column) cells written as formulas without a stored value."""
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    for row, column in formulas:
        sheet.cell(row=row, column=column, value="=1+1")
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", "Tongxin@2026")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def roster(db):
    term = TermFactory()
    zhang = MemberFactory(term=term, user=UserFactory(username="zhang"), name="张伟", sector="经济界",
                          phone="13800000001", work_unit="县农商银行")
    li = MemberFactory(term=term, user=UserFactory(username="li"), name="李娜", sector="教育界", phone="13800000002")
    return term, zhang, li


def upload(client, term, upload_file, **extra):
    return client.post(URL, {"file": upload_file, "term": term.pk, **extra})


def test_preview_lists_new_changed_and_unchanged_rows_and_writes_nothing(admin_client, roster):
    # given
    term, zhang, li = roster
    rows = [["张伟", "经济界", "第一组", "无党派人士", "否", "县农商银行", "13800000001", "是", ""],
            ["李娜", "教育界", "第二组", "民盟", "是", "", "13800000002", "是", ""],
            ["王芳", "医卫界", "第三组", "九三学社", "否", "县人民医院", "13900000003", "是", ""]]
    # when
    response = upload(admin_client, term, xlsx(HEADERS, rows))
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "新增 1 条，变更 1 条，未变 1 条" in page
    assert "王芳（医卫界）" in page and "新建账号 wy10-0001" in page
    assert "无党派人士" in page and "民盟" in page  # 政治面貌 old → new for 李娜
    assert 'name="token"' in page
    assert Member.objects.filter(name="王芳").exists() is False
    assert Member.objects.get(pk=li.pk).affiliation == Member.Affiliation.NON_PARTY


def test_confirm_applies_the_preview_and_audits_old_and_new(admin_client, roster):
    term, zhang, li = roster
    rows = [["李娜", "教育界", "第二组", "民盟", "是", "", "13800000002", "是", ""],
            ["王芳", "医卫界", "第三组", "九三学社", "否", "县人民医院", "13900000003", "是", ""]]
    response = upload(admin_client, term, xlsx(HEADERS, rows), initial_password="Xin#Start2027")
    token = response.context["token"]
    # when
    response = admin_client.post(URL, {"token": token})
    # then
    assert response.status_code == 302
    li.refresh_from_db()
    assert (li.affiliation, li.is_standing, li.group) == (Member.Affiliation.DEMOCRATIC_LEAGUE, True, "第二组")
    wang = Member.objects.get(term=term, name="王芳")
    assert wang.user.username == "wy10-0001" and wang.user.groups.filter(name="cppcc_member").exists()
    assert wang.user.check_password("Xin#Start2027")
    member_type = ContentType.objects.get_for_model(Member)
    event = AuditEvent.objects.get(action="setup.import_updated", subject_type=member_type, subject_id=str(li.pk))
    assert ["政治面貌", "无党派人士", "民盟"] in event.changes["fields"]
    assert "政治面貌：无党派人士 → 民盟" in event.comment and "第 2 行" in event.comment
    assert AuditEvent.objects.filter(action="setup.imported", subject_type=member_type, subject_id=str(wang.pk)).count() == 1
    assert AuditEvent.objects.filter(action="setup.import_applied").count() == 1
    # the staged upload is used up: posting the token again imports nothing twice
    again = admin_client.post(URL, {"token": token}, follow=True)
    assert "预览已失效" in again.content.decode()
    assert Member.objects.filter(name="王芳").count() == 1


def test_a_missing_optional_column_and_empty_cells_keep_what_is_on_file(admin_client, roster):
    # given: no 电话 and no 工作单位 column; 组别 left empty
    term, zhang, li = roster
    sheet = xlsx(["姓名", "界别", "组别"], [["张伟", "经济界", ""], ["李娜", "教育界", "第九组"]])
    # when
    token = upload(admin_client, term, sheet).context["token"]
    admin_client.post(URL, {"token": token})
    # then
    zhang.refresh_from_db()
    li.refresh_from_db()
    assert (zhang.phone, zhang.work_unit, zhang.group) == ("13800000001", "县农商银行", "第一组")
    assert (li.phone, li.group) == ("13800000002", "第九组")


def test_errors_are_named_by_row_and_column_and_nothing_is_imported(admin_client, roster):
    term, zhang, li = roster
    rows = [["赵强", "", "", "民盟", "", "", "", "", ""],
            ["孙丽", "文艺界", "", "火星党", "", "", "", "", ""],
            ["周杰", "科技界", "", "民进", "也许", "", "", "", ""]]
    response = upload(admin_client, term, xlsx(HEADERS, rows))
    page = response.content.decode()
    assert "第 2 行“界别”：新增委员必填。" in page
    assert "第 3 行“政治面貌”：“火星党”不是可选值" in page
    assert "第 4 行“常委”：请填写“是”或“否”。" in page
    assert 'name="token"' not in page
    assert Member.objects.filter(term=term).count() == 2


def test_an_over_long_value_is_named_not_a_server_error(admin_client, roster):
    term, zhang, li = roster
    response = upload(admin_client, term, xlsx(HEADERS, [["名" * 51, "经济界", "", "民盟", "", "", "", "", ""]]))
    assert response.status_code == 200
    assert "第 2 行“姓名”：超过 50 个字（现为 51 个字）。" in response.content.decode()
    assert Member.objects.filter(term=term).count() == 2


def test_full_width_digits_are_normalised_and_match_the_member_on_file(admin_client, roster):
    term, zhang, li = roster
    rows = [["张伟", "经济界", "", "", "", "县农商银行总行", "１３８０００００００１", "", ""]]
    token = upload(admin_client, term, xlsx(HEADERS, rows)).context["token"]
    admin_client.post(URL, {"token": token})
    assert Member.objects.filter(term=term).count() == 2
    zhang.refresh_from_db()
    assert (zhang.phone, zhang.work_unit) == ("13800000001", "县农商银行总行")


def test_a_formula_without_a_stored_value_is_explained(roster):
    term, zhang, li = roster
    sheet = read_sheet(xlsx(HEADERS, [["张伟", "经济界", "", "", "", "", None, "", ""]], formulas=[(2, 7)]),
                       roster_import.columns())
    assert [str(e) for e in sheet.errors] == [
        "第 2 行“电话”：是公式且没有计算结果，请在 Excel 中另存为数值后再导入"]


def test_a_file_over_the_size_limit_is_refused_with_a_clear_message(admin_client, roster):
    term, zhang, li = roster
    big = SimpleUploadedFile("roster.xlsx", b"PK\x03\x04" + b"0" * (5 * 1024 * 1024 + 10))
    response = upload(admin_client, term, big)
    page = response.content.decode()
    assert response.status_code == 200
    assert "文件过大（5.0 MB），上限为 5.0 MB" in page
    with pytest.raises(ImportInvalid) as error:
        read_sheet(SimpleUploadedFile("roster.xlsx", b"PK\x03\x04" + b"0" * (6 * 1024 * 1024)),
                   roster_import.columns())
    assert error.value.code == "too_big"


def test_not_an_xlsx_and_missing_headers_are_refused(roster):
    with pytest.raises(ImportInvalid) as error:
        read_sheet(SimpleUploadedFile("roster.csv", b"name,phone\n"), roster_import.columns())
    assert error.value.code == "not_xlsx"
    with pytest.raises(ImportInvalid) as error:
        read_sheet(xlsx(["界别"], [["经济界"]]), roster_import.columns())
    assert error.value.code == "headers" and "姓名" in error.value.message


def test_the_row_limit_is_enforced(roster, monkeypatch):
    monkeypatch.setattr("workflows.imports.MAX_ROWS", 2)
    with pytest.raises(ImportInvalid) as error:
        read_sheet(xlsx(["姓名"], [["甲"], ["乙"], ["丙"]]), roster_import.columns())
    assert error.value.code == "too_many_rows"


def test_same_name_without_phone_is_ambiguous(admin_client, roster):
    term, zhang, li = roster
    MemberFactory(term=term, user=UserFactory(username="zhang2"), name="张伟", sector="科技界", phone="13700000000")
    response = upload(admin_client, term, xlsx(["姓名", "组别"], [["张伟", "第五组"]]))
    assert "第 2 行“姓名”：名册中有 2 位同名委员，请填写电话或编号以区分。" in response.content.decode()


def test_a_change_after_the_preview_is_not_applied_blindly(admin_client, roster):
    term, zhang, li = roster
    token = upload(admin_client, term, xlsx(["姓名", "电话", "组别"], [["李娜", "13800000002", "第七组"]])).context["token"]
    Member.objects.filter(pk=li.pk).update(group="第七组")  # someone else made the same change meanwhile
    response = admin_client.post(URL, {"token": token})
    page = response.content.decode()
    assert response.status_code == 200
    assert "预览之后数据已有变化" in page and "未变 1 条" in page
    assert AuditEvent.objects.filter(action="setup.import_updated").count() == 0


def test_import_page_is_refused_to_staff_without_member_permissions(client, roster, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", password="Tongxin@2026", is_staff=True)
    client.force_login(clerk)
    assert client.get(URL).status_code == 403
    client.force_login(UserFactory(username="member9"))
    assert client.get(URL).status_code == 302  # not staff: to the admin login


def test_a_damaged_workbook_and_an_empty_sheet_are_refused_in_chinese(admin_client, roster):
    term, zhang, li = roster
    page = upload(admin_client, term, SimpleUploadedFile("roster.xlsx", b"PK\x03\x04garbage")).content.decode()
    assert "请上传 Excel 工作簿（.xlsx 格式）。" in page
    page = upload(admin_client, term, xlsx(HEADERS, [])).content.decode()
    assert "工作表中没有数据行。" in page
