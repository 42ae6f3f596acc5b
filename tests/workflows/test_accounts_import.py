"""Accounts with roles and units from Excel: matched by 账号, previewed field by field, only added to, all or nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from tests.factories import UnitFactory, UnitMembershipFactory, UserFactory
from tests.proposals.test_roster_import import xlsx
from workflows import accounts_import
from workflows.imports import ImportInvalid
from workflows.models import AuditEvent, UnitMembership

pytestmark = pytest.mark.django_db

URL = reverse("admin:auth_user_import")
HEADERS = ["账号", "姓名", "邮箱", "角色", "单位", "单位职务", "启用"]


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.org", "Tongxin@2026"))
    return client


@pytest.fixture
def education(db):
    return UnitFactory(name="县教育局", short_name="教育局")


def rows_of(*rows):
    return [[n, dict(r)] for n, r in enumerate(rows, start=2)]


def test_preview_shows_new_accounts_and_changed_fields_then_confirm_applies(admin_client, education):
    # given
    clerk = UserFactory(username="unit1", first_name="周经办", email="old@example.org", roles=["unit_handler"])
    sheet = xlsx(HEADERS, [["unit1", "周经办", "new@example.org", "承办单位经办人", "县教育局", "经办人", "是"],
                           ["unitlead1", "吴分管", "", "承办单位分管领导", "教育局", "分管领导", ""]])
    # when
    response = admin_client.post(URL, {"file": sheet, "initial_password": "Xin#Start2027"})
    # then: a preview, nothing written yet
    page = response.content.decode()
    assert "新增 1 条，变更 1 条，未变 0 条" in page
    assert "old@example.org" in page and "new@example.org" in page
    assert "+ 县教育局（经办人）" in page and "+ 承办单位分管领导" in page
    assert not get_user_model().objects.filter(username="unitlead1").exists()
    # when: confirmed
    assert admin_client.post(URL, {"token": response.context["token"]}).status_code == 302
    # then
    clerk.refresh_from_db()
    assert clerk.email == "new@example.org"
    assert UnitMembership.objects.filter(user=clerk, unit=education, role="handler").exists()
    lead = get_user_model().objects.get(username="unitlead1")
    assert lead.first_name == "吴分管" and lead.check_password("Xin#Start2027")
    assert list(lead.groups.values_list("name", flat=True)) == ["unit_leader"]
    assert UnitMembership.objects.filter(user=lead, unit=education, role="leader").exists()
    event = AuditEvent.objects.get(action="setup.import_updated", subject_type=ContentType.objects.get_for_model(clerk),
                                   subject_id=str(clerk.pk))
    assert ["邮箱", "old@example.org", "new@example.org"] in event.changes["fields"]
    assert "邮箱：old@example.org → new@example.org" in event.comment


def test_missing_columns_and_empty_cells_never_blank_and_roles_are_only_added(education):
    # given
    user = UserFactory(username="office1", first_name="刘振东", email="liu@example.org",
                       roles=["supervision_office", "proposal_staff"])
    UnitMembershipFactory(unit=education, user=user, role="head")
    rows = rows_of({"username": "office1", "roles": ["督查室"]})
    # when
    result = accounts_import.apply(rows, {"may_set_roles": True}, actor=None)
    # then
    user.refresh_from_db()
    assert (user.first_name, user.email, user.is_active) == ("刘振东", "liu@example.org", True)
    assert set(user.groups.values_list("name", flat=True)) == {"supervision_office", "proposal_staff"}
    assert user.unit_memberships.count() == 1
    assert result.counts() == {"new": 0, "changed": 0, "unchanged": 1}


def test_errors_are_named_by_row_and_column_and_nothing_is_imported(admin_client, education):
    sheet = xlsx(HEADERS, [["a1", "甲", "不是邮箱", "", "", "", ""],
                           ["a2", "", "", "", "", "", ""],
                           ["a3", "丙", "", "宇航员", "县火星局", "", ""],
                           ["a1", "甲", "", "", "", "", ""]])
    page = admin_client.post(URL, {"file": sheet}).content.decode()
    assert "第 2 行“邮箱”：不是有效的邮箱地址。" in page
    assert "第 3 行“姓名”：新建账号必填。" in page
    assert "第 4 行“角色”：没有角色“宇航员”" in page
    assert "第 4 行“单位”：没有名为“县火星局”的单位" in page
    assert "第 5 行“账号”：与第 2 行重复。" in page
    assert 'name="token"' not in page
    assert not get_user_model().objects.filter(username__in=["a1", "a2", "a3"]).exists()


def test_apply_refuses_rows_with_errors_with_the_exact_code(education):
    with pytest.raises(ImportInvalid) as error:
        accounts_import.apply(rows_of({"username": "x1"}), {}, actor=None)
    assert error.value.code == "has_errors"
    assert [str(e) for e in error.value.errors] == ["第 2 行“姓名”：新建账号必填。"]


def test_an_over_long_name_is_named_not_a_server_error(admin_client):
    page = admin_client.post(URL, {"file": xlsx(["账号", "姓名"], [["long1", "名" * 151]])})
    assert page.status_code == 200
    assert "第 2 行“姓名”：超过 150 个字（现为 151 个字）。" in page.content.decode()


def test_full_width_account_names_are_normalised(admin_client):
    sheet = xlsx(["账号", "姓名"], [["ｕｎｉｔ１２", "全角"]])
    token = admin_client.post(URL, {"file": sheet}).context["token"]
    admin_client.post(URL, {"token": token})
    assert get_user_model().objects.get(username="unit12").first_name == "全角"


def test_a_too_big_file_is_refused(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("accounts.xlsx", b"PK\x03\x04" + b"0" * (6 * 1024 * 1024))
    page = admin_client.post(URL, {"file": big}).content.decode()
    assert "文件过大（6.0 MB），上限为 5.0 MB" in page


def test_the_account_import_is_refused_to_staff_without_user_rights(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("clerk", password="Tongxin@2026", is_staff=True))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"token": "anything"}).status_code == 403


def test_the_system_administrator_imports_accounts_but_not_roles(client, education):
    # given: 三员分立 — the system administrator creates accounts, the security administrator gives roles
    sysadmin = UserFactory(username="sys1", roles=["sys_admin"], is_staff=True)
    client.force_login(sysadmin)
    with_roles = xlsx(HEADERS, [["n1", "新人", "", "承办单位经办人", "县教育局", "经办人", ""]])
    without_roles = xlsx(HEADERS, [["n1", "新人", "", "", "县教育局", "经办人", ""]])
    # when / then: a sheet giving roles is refused on its row, nothing is written
    page = client.post(URL, {"file": with_roles}).content.decode()
    assert "第 2 行“角色”：角色由安全管理员设定" in page
    assert 'name="token"' not in page
    # when / then: the same accounts without roles are imported, with no role
    token = client.post(URL, {"file": without_roles}).context["token"]
    assert client.post(URL, {"token": token}).status_code == 302
    user = get_user_model().objects.get(username="n1")
    assert not user.groups.exists()
    assert UnitMembership.objects.filter(user=user, unit=education).exists()


def test_the_three_administrator_roles_are_never_given_by_a_sheet(admin_client):
    page = admin_client.post(URL, {"file": xlsx(HEADERS, [["n2", "新人", "", "安全管理员", "", "", ""]])})
    assert "第 2 行“角色”：系统管理员、安全管理员、审计管理员只能在账号页面逐个设定。" in page.content.decode()
    assert not get_user_model().objects.filter(username="n2").exists()
