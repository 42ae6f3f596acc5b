"""The set-up pages in Django admin: reachable by administrators, refused to others, each change audited old → new."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from proposals.models import Member, OutcomeCategory, ProposalSettings, Session, Term, Topic
from tests.factories import MemberFactory, TermFactory, UnitFactory, UserFactory
from workflows.models import AuditEvent, Unit, UnitMembership

pytestmark = pytest.mark.django_db

PAGES = [
    "admin:proposals_term_changelist", "admin:proposals_term_add", "admin:proposals_session_changelist",
    "admin:proposals_member_changelist", "admin:proposals_member_add", "admin:proposals_member_import",
    "admin:proposals_topic_changelist", "admin:proposals_outcomecategory_changelist",
    "admin:proposals_proposalsettings_changelist", "admin:proposals_proposal_changelist",
    "admin:proposals_proposal_import", "admin:workflows_unit_changelist", "admin:workflows_unit_add",
    "admin:auth_user_changelist", "admin:auth_user_add", "admin:auth_user_import", "admin:auth_group_changelist",
]


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", "Tongxin@2026",
                                                      first_name="系统管理员")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def events(action, obj):
    return AuditEvent.objects.filter(action=action, subject_type=ContentType.objects.get_for_model(obj),
                                     subject_id=str(obj.pk), actor__username="admin")


@pytest.mark.parametrize("name", PAGES)
def test_every_setup_page_is_reachable_by_an_administrator(admin_client, name):
    TermFactory()
    response = admin_client.get(reverse(name))
    assert response.status_code == 200, name


@pytest.mark.parametrize("name", PAGES)
def test_setup_pages_are_refused_to_others(client, django_user_model, name):
    TermFactory()
    staff_without_rights = django_user_model.objects.create_user("clerk", password="Tongxin@2026", is_staff=True)
    client.force_login(staff_without_rights)
    assert client.get(reverse(name)).status_code == 403, name
    client.force_login(UserFactory(username="member1", roles=["cppcc_member"]))
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), name


def test_admin_index_lists_the_setup_models_in_chinese(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    for label in ("届次", "会议", "委员名册", "提案类别", "答复分类", "提案办理设置", "单位", "用户"):
        assert label in page, label


def term_data(**overrides):
    data = {"number": 11, "name": "政协同心县第十一届委员会", "starts_on": "2027-01-10", "ends_on": "2032-01-09",
            "is_current": "on", "sessions-TOTAL_FORMS": 1, "sessions-INITIAL_FORMS": 0, "sessions-MIN_NUM_FORMS": 0,
            "sessions-MAX_NUM_FORMS": 1000, "sessions-0-number": 1, "sessions-0-opens_on": "2027-01-12",
            "sessions-0-closes_on": "2027-01-15", "sessions-0-submission_opens_on": "2026-12-20",
            "sessions-0-submission_closes_on": "2027-01-14"}
    data.update(overrides)
    return data


def test_a_new_current_term_takes_over_and_both_changes_are_audited(admin_client):
    # given
    old = TermFactory()
    # when
    response = admin_client.post(reverse("admin:proposals_term_add"), term_data())
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    new = Term.objects.get(number=11)
    old.refresh_from_db()
    assert (new.is_current, old.is_current) == (True, False)
    assert Session.objects.get(term=new).opens_on == datetime.date(2027, 1, 12)
    added = events("admin.added", new).get()
    assert ["名称", "", "政协同心县第十一届委员会"] in added.changes["fields"]
    assert "新增“政协同心县第十一届委员会第1次会议”" in added.comment
    handed = events("admin.changed", old).get()
    assert handed.changes["fields"] == [["本届", "是", "否"]]


def test_the_only_current_term_cannot_be_unticked_or_deleted(admin_client):
    term = TermFactory()
    data = term_data(number=term.number, name=term.name, starts_on="2022-01-10", ends_on="2027-01-09",
                     **{"sessions-TOTAL_FORMS": 0})
    data.pop("is_current")
    response = admin_client.post(reverse("admin:proposals_term_change", args=[term.pk]), data)
    assert response.status_code == 200
    assert "必须有一届为本届" in response.content.decode()
    term.refresh_from_db()
    assert term.is_current is True
    assert admin_client.post(reverse("admin:proposals_term_delete", args=[term.pk]), {"post": "yes"}).status_code == 403


def test_the_first_term_must_be_current_and_dates_are_checked(admin_client):
    data = term_data(ends_on="2026-01-01", **{"sessions-TOTAL_FORMS": 0})
    data.pop("is_current")
    page = admin_client.post(reverse("admin:proposals_term_add"), data).content.decode()
    assert "尚未设置本届：请勾选“本届”。" in page and "结束日期须晚于开始日期。" in page
    assert Term.objects.count() == 0


def test_a_session_outside_its_term_is_refused(admin_client):
    page = admin_client.post(reverse("admin:proposals_term_add"),
                             term_data(**{"sessions-0-opens_on": "2040-01-01", "sessions-0-closes_on": "2040-01-05"}))
    assert "开幕日期须在该届的起止日期之内" in page.content.decode()


def test_a_member_edit_is_audited_field_by_field(admin_client):
    # given
    member = MemberFactory(phone="13800000001", sector="经济界")
    data = {f: getattr(member, f) for f in ("name", "sector", "group", "affiliation", "work_unit", "address",
                                             "postcode")}
    data.update(term=member.term_id, user=member.user_id, phone="13900000009", is_active="on")
    # when
    response = admin_client.post(reverse("admin:proposals_member_change", args=[member.pk]), data)
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    event = events("admin.changed", member).get()
    # the phone is stored encrypted: the audit log says it changed and never holds it in clear
    assert event.changes["fields"] == [["电话", "", "已修改"]]
    assert "13800000001" not in str(event.changes) + event.comment
    assert "13900000009" not in str(event.changes) + event.comment


def test_deleting_a_topic_is_audited_with_what_it_was(admin_client):
    topic = Topic.objects.create(name="城乡建设", order=3)
    response = admin_client.post(reverse("admin:proposals_topic_delete", args=[topic.pk]), {"post": "yes"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin.deleted", subject_label="城乡建设")
    assert ["名称", "城乡建设", ""] in event.changes["fields"]


def test_an_outcome_category_added_in_admin_is_audited(admin_client):
    response = admin_client.post(reverse("admin:proposals_outcomecategory_add"),
                                 {"code": "E", "name": "留作参考", "description": "", "order": 5, "is_active": "on"})
    assert response.status_code == 302
    category = OutcomeCategory.objects.get(code="E")
    assert ["代码", "", "E"] in events("admin.added", category).get().changes["fields"]


def test_proposal_settings_are_one_row_never_added_twice_nor_deleted(admin_client):
    settings = ProposalSettings.current()
    assert admin_client.get(reverse("admin:proposals_proposalsettings_add")).status_code == 403
    assert admin_client.post(reverse("admin:proposals_proposalsettings_delete", args=[settings.pk]),
                             {"post": "yes"}).status_code == 403
    response = admin_client.post(reverse("admin:proposals_proposalsettings_change", args=[settings.pk]), {
        "evaluators": "first", "no_answer": "not_evaluated", "max_extension_months": 6, "publication_delay_days": 20})
    assert response.status_code == 302
    assert events("admin.changed", settings).get().changes["fields"] == [["评价人", "全体联名人", "第一提案人"]]


def test_a_unit_with_its_clerk_and_leader_is_audited_in_one_row(admin_client):
    clerk, leader = UserFactory(username="jyj1", first_name="周经办"), UserFactory(username="jyj2", first_name="吴分管")
    data = {"name": "县教育局", "short_name": "教育局", "kind": "handling", "address": "", "phone": "",
            "is_active": "on", "memberships-TOTAL_FORMS": 2, "memberships-INITIAL_FORMS": 0,
            "memberships-MIN_NUM_FORMS": 0, "memberships-MAX_NUM_FORMS": 1000,
            "memberships-0-user": clerk.pk, "memberships-0-role": "handler",
            "memberships-1-user": leader.pk, "memberships-1-role": "leader"}
    response = admin_client.post(reverse("admin:workflows_unit_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(name="县教育局")
    assert set(unit.memberships.values_list("user__username", "role")) == {("jyj1", "handler"), ("jyj2", "leader")}
    event = events("admin.added", unit).get()
    assert "单位成员" in event.comment and "经办人" in event.comment and "分管领导" in event.comment


def test_a_unit_member_removed_in_admin_is_audited(admin_client):
    unit = UnitFactory(name="县交通运输局")
    membership = UnitMembership.objects.create(unit=unit, user=UserFactory(username="jt1"), role="handler")
    data = {"name": unit.name, "short_name": "", "kind": "handling", "address": "", "phone": "", "is_active": "on",
            "memberships-TOTAL_FORMS": 1, "memberships-INITIAL_FORMS": 1, "memberships-MIN_NUM_FORMS": 0,
            "memberships-MAX_NUM_FORMS": 1000, "memberships-0-id": membership.pk, "memberships-0-unit": unit.pk,
            "memberships-0-user": membership.user_id, "memberships-0-role": "handler",
            "memberships-0-DELETE": "on"}
    response = admin_client.post(reverse("admin:workflows_unit_change", args=[unit.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert unit.memberships.count() == 0
    assert "已删除" in events("admin.changed", unit).get().comment


def test_account_roles_are_shown_in_chinese_and_role_changes_audited(admin_client):
    user = UserFactory(username="office9", first_name="刘振东")
    page = admin_client.get(reverse("admin:auth_user_change", args=[user.pk])).content.decode()
    assert "督查室" in page and "承办单位经办人" in page
    office = Group.objects.get(name="supervision_office")
    data = {"username": "office9", "first_name": "刘振东", "email": user.email, "is_active": "on", "groups": [office.pk],
            "unit_memberships-TOTAL_FORMS": 0, "unit_memberships-INITIAL_FORMS": 0,
            "unit_memberships-MIN_NUM_FORMS": 0, "unit_memberships-MAX_NUM_FORMS": 1000}
    response = admin_client.post(reverse("admin:auth_user_change", args=[user.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = events("admin.changed", user).get()
    assert event.changes["fields"] == [["角色", "", "督查室"]]
    assert event.comment == "角色：督查室"
    listing = admin_client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "督查室" in listing


def test_a_password_set_in_admin_is_audited_without_the_password(admin_client):
    user = UserFactory(username="unit9")
    response = admin_client.post(reverse("admin:auth_user_password_change", args=[user.pk]),
                                 {"password1": "Xin#Start2027", "password2": "Xin#Start2027"})
    assert response.status_code == 302
    event = events("admin.password_changed", user).get()
    assert "Xin#Start2027" not in event.comment and "Xin#Start2027" not in str(event.changes)


def test_a_member_roster_page_filters_by_term(admin_client):
    member = MemberFactory(name="陈静", sector="妇联")
    page = admin_client.get(reverse("admin:proposals_member_changelist"), {"term__id__exact": member.term_id})
    assert "陈静" in page.content.decode()
    assert Member.objects.count() == 1


def test_an_account_added_in_admin_is_audited_without_its_password_hash(admin_client, django_user_model):
    response = admin_client.post(reverse("admin:auth_user_add"), {
        "username": "unit7", "password1": "Xin#Start2027", "password2": "Xin#Start2027", "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    user = django_user_model.objects.get(username="unit7")
    event = events("admin.added", user).get()
    assert ["密码", "", "已设置"] in event.changes["fields"]
    assert user.password not in str(event.changes) and "Xin#Start2027" not in event.comment
