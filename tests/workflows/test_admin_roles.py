"""三员分立 (issue #12 item 2): the system, security and audit administrators each do their own work only, none sees
case contents, every privileged change is audited to the acting user, the superuser is warned off, and 委托 / 加签 /
转交 go only to holders of the stage's role (within the department when so set)."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from nomination import roles as nomination_roles
from proposals.models import Proposal
from tests.factories import UserFactory
from tests.nomination.conftest import cadres, recommended  # noqa: F401  (the cadre personas)
from tests.personas import submitted
from tests.workflows.chain_slot import start, task_of
from workflows import admin_roles, stages
from workflows.errors import PermissionDeniedError, ServiceError
from workflows.models import AccessGrant, AuditEvent, Delegation

pytestmark = pytest.mark.django_db

# Each administrator's own pages (none of them is another's).
OWN_PAGES = {
    admin_roles.SYS_ADMIN: [
        "/admin/auth/user/add/", "/admin/workflows/unit/", "/admin/workflows/unit/add/",
        "/admin/workflows/calendarday/", "/admin/workflows/calendaryear/", "/admin/workflows/deadlinerule/",
        "/admin/proposals/term/", "/admin/proposals/topic/", "/admin/proposals/outcomecategory/",
        "/admin/proposals/proposalsettings/", "/admin/workflows/definitionversion/", "/admin/workflows/flowslot/",
        "/setup/check/",
    ],
    admin_roles.SEC_ADMIN: [
        "/admin/auth/group/", "/admin/auth/group/add/", "/admin/workflows/accessgrant/",
        "/admin/workflows/accessgrant/add/", "/admin/workflows/delegation/", "/admin/workflows/delegation/add/",
        "/admin/axes/accessattempt/",
    ],
    admin_roles.AUDIT_ADMIN: ["/admin/workflows/auditevent/", "/admin/workflows/auditevent/export/"],
}
# Case contents and personal data in admin: nobody of the three.
CASE_ADMIN_PAGES = ["/admin/proposals/proposal/", "/admin/proposals/member/", "/admin/nomination/person/",
                    "/admin/nomination/rosterentry/"]


def administrator(code, username=None):
    return UserFactory(username=username or code.replace("_", "-"), is_staff=True, roles=[code])


@pytest.fixture
def admins(db):
    return {code: administrator(code) for code in admin_roles.ADMIN_ROLES}


def test_the_three_groups_exist_with_chinese_labels_and_only_their_permissions():
    sys_perms = set(Group.objects.get(name="sys_admin").permissions.values_list("codename", flat=True))
    sec_perms = set(Group.objects.get(name="sec_admin").permissions.values_list("codename", flat=True))
    audit_perms = set(Group.objects.get(name="audit_admin").permissions.values_list("codename", flat=True))

    assert "add_user" in sys_perms and "change_group" not in sys_perms and "view_auditevent" not in sys_perms
    assert "change_group" in sec_perms and "add_accessgrant" in sec_perms and "add_user" not in sec_perms
    assert audit_perms == {"view_auditevent"}
    assert not any(p.endswith(("_proposal", "_person", "_member")) for p in sys_perms | sec_perms | audit_perms)
    assert [str(admin_roles.role_label(code)) for code in admin_roles.ADMIN_ROLES] == [
        "系统管理员", "安全管理员", "审计管理员"]
    admin_roles.ensure_roles()  # idempotent
    assert Group.objects.filter(name__in=admin_roles.ADMIN_ROLES).count() == 3


def test_each_administrator_opens_their_own_pages_and_is_denied_the_others(client, admins):
    allowed = denied = 0
    refusals = []
    for code, user in admins.items():
        client.force_login(user)
        for owner, pages in OWN_PAGES.items():
            for url in pages:
                status = client.get(url).status_code
                if owner == code:
                    assert status == 200, (code, url, status)
                    allowed += 1
                else:
                    assert status in (403, 404), (code, url, status)
                    denied += 1
                    refusals.append(status)
    print(f"三员分立: {allowed} own pages opened, {denied} other administrators' pages refused "
          f"({refusals.count(403)}×403, {refusals.count(404)}×404)")
    pages = sum(len(urls) for urls in OWN_PAGES.values())
    assert (allowed, denied) == (pages, pages * 2)  # each page to its owner, refused to the two others


def test_no_administrator_sees_a_case_or_an_unmasked_person(client, admins, world, cadres):  # noqa: F811
    proposal = submitted(world)
    person = recommended(cadres)
    # Even a permission given to their group later (a security administrator edits groups) opens no case admin.
    for code in admin_roles.ADMIN_ROLES:
        Group.objects.get(name=code).permissions.add(*Permission.objects.filter(
            codename__in=["view_proposal", "view_person", "view_member"]))
    pages = [*CASE_ADMIN_PAGES, f"/admin/proposals/proposal/{proposal.pk}/change/",
             f"/admin/nomination/person/{person.pk}/change/", f"/proposals/{proposal.pk}/",
             f"/proposals/{proposal.pk}/print/", f"/nomination/people/{person.pk}/",
             f"/nomination/people/{person.pk}/?reveal=1", "/nomination/people/export/?sensitive=1"]
    statuses = []
    for user in admins.values():
        client.force_login(user)
        for url in pages:
            response = client.get(url)
            statuses.append(response.status_code)
            assert response.status_code in (403, 404), (user.username, url, response.status_code)
            assert person.phone not in response.content.decode()
    print(f"case pages: {len(statuses)} requests by the three administrators, {len(statuses)} refused")
    assert not AuditEvent.objects.filter(action="nomination.sensitive_viewed").exists()


# --- the user form --------------------------------------------------------------------------------------------------


def user_form(user, **changes):
    data = {"username": user.username, "first_name": user.first_name, "email": user.email,
            "is_active": "on" if user.is_active else "",
            "unit_memberships-TOTAL_FORMS": "0", "unit_memberships-INITIAL_FORMS": "0",
            "unit_memberships-MIN_NUM_FORMS": "0", "unit_memberships-MAX_NUM_FORMS": "1000"}
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_the_system_administrator_edits_the_account_but_cannot_grant_a_role_or_privilege(client, admins):
    clerk = UserFactory(username="clerk", first_name="王五")
    client.force_login(admins["sys_admin"])
    url = f"/admin/auth/user/{clerk.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="first_name"' in page
    assert 'name="groups"' not in page and 'name="is_superuser"' not in page and 'name="is_staff"' not in page

    response = client.post(url, user_form(clerk, first_name="王小五",
                                          groups=[Group.objects.get(name="sec_admin").pk], is_superuser="on",
                                          is_staff="on"))

    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.first_name == "王小五"
    assert (clerk.is_superuser, clerk.is_staff, list(clerk.groups.all())) == (False, False, [])
    event = AuditEvent.objects.get(action="admin.changed", subject_id=str(clerk.pk))
    assert event.actor == admins["sys_admin"] and "王五 → 王小五" in event.comment
    assert client.get("/admin/auth/group/").status_code == 403


def test_the_security_administrator_changes_roles_only_and_it_is_audited(client, admins):
    clerk = UserFactory(username="clerk", first_name="王五")
    client.force_login(admins["sec_admin"])
    url = f"/admin/auth/user/{clerk.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="groups"' in page and 'name="first_name"' not in page and 'name="username"' not in page
    assert client.get(f"/admin/auth/user/{clerk.pk}/password/").status_code == 403
    assert client.post(f"/admin/auth/user/{clerk.pk}/password/",
                       {"password1": "Xq7#mBz9!pLw", "password2": "Xq7#mBz9!pLw"}).status_code == 403
    staff_role = Group.objects.get(name="proposal_staff")

    response = client.post(url, {"groups": [staff_role.pk], "first_name": "黑客", "username": "renamed"})

    assert response.status_code == 302
    clerk.refresh_from_db()
    assert (clerk.username, clerk.first_name, list(clerk.groups.all())) == ("clerk", "王五", [staff_role])
    event = AuditEvent.objects.get(action="admin.changed", subject_id=str(clerk.pk))
    assert event.actor == admins["sec_admin"] and "提案委工作人员" in event.comment
    # Taking the role away is a change of its own.
    client.post(url, {})
    assert list(clerk.groups.all()) == []
    assert AuditEvent.objects.filter(action="admin.changed", subject_id=str(clerk.pk)).count() == 2


def test_an_administrator_role_gives_admin_access_but_never_two_roles_nor_ones_own(client, admins):
    clerk = UserFactory(username="clerk")
    sec = admins["sec_admin"]
    client.force_login(sec)
    roles = {code: Group.objects.get(name=code).pk for code in admin_roles.ADMIN_ROLES}

    both = client.post(f"/admin/auth/user/{clerk.pk}/change/", {"groups": [roles["sys_admin"], roles["audit_admin"]]})
    own = client.post(f"/admin/auth/user/{sec.pk}/change/", {"groups": [roles["sec_admin"], roles["audit_admin"]]})
    granted = client.post(f"/admin/auth/user/{clerk.pk}/change/", {"groups": [roles["audit_admin"]]})

    assert "不能兼任" in both.content.decode() and both.status_code == 200
    assert "不能修改自己的角色" in own.content.decode()
    assert set(sec.groups.values_list("name", flat=True)) == {"sec_admin"}
    assert granted.status_code == 302
    clerk.refresh_from_db()
    assert clerk.is_staff and set(clerk.groups.values_list("name", flat=True)) == {"audit_admin"}
    # The administrators' own groups keep the permissions the code gives them.
    assert client.get(f"/admin/auth/group/{roles['audit_admin']}/change/").status_code in (200, 403)
    response = client.post(f"/admin/auth/group/{roles['audit_admin']}/change/",
                           {"name": "audit_admin", "permissions": [Permission.objects.get(codename="add_user").pk]})
    assert response.status_code == 403
    assert not Group.objects.get(name="audit_admin").permissions.filter(codename="add_user").exists()


def test_a_superusers_account_is_not_changed_by_an_administrator(client, admins):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    for code in ("sys_admin", "sec_admin"):
        client.force_login(admins[code])
        assert client.post(f"/admin/auth/user/{root.pk}/change/", user_form(root, first_name="x")).status_code == 403


# --- grants and delegations ------------------------------------------------------------------------------------------


def test_an_access_grant_is_given_by_whoever_saves_it_and_every_change_is_audited(client, admins, world):
    proposal = submitted(world)
    sec = admins["sec_admin"]
    client.force_login(sec)
    proposal_type = ContentType.objects.get_for_model(Proposal)

    response = client.post("/admin/workflows/accessgrant/add/", {
        "user": world.unit2.pk, "subject_type": proposal_type.pk, "subject_id": str(proposal.pk), "kind": "read",
        "granted_by": world.head.pk, "reason": "协办"})

    assert response.status_code == 302
    grant = AccessGrant.objects.get(user=world.unit2)
    assert grant.granted_by == sec  # never the name typed into the form
    added = AuditEvent.objects.get(action="admin.added", subject_id=str(grant.pk))
    assert added.actor == sec and "协办" in added.comment

    client.post(f"/admin/workflows/accessgrant/{grant.pk}/change/", {
        "user": world.unit2.pk, "subject_type": proposal_type.pk, "subject_id": str(proposal.pk), "kind": "cc",
        "reason": "协办"})
    changed = AuditEvent.objects.get(action="admin.changed", subject_id=str(grant.pk))
    assert changed.actor == sec and "查看 → 抄送" in changed.comment

    client.post(f"/admin/workflows/accessgrant/{grant.pk}/delete/", {"post": "yes"})
    assert not AccessGrant.objects.filter(pk=grant.pk).exists()
    assert AuditEvent.objects.get(action="admin.deleted", subject_id=str(grant.pk)).actor == sec

    missing = client.post("/admin/workflows/accessgrant/add/", {
        "user": world.unit2.pk, "subject_type": proposal_type.pk, "subject_id": "999999", "kind": "read"})
    assert missing.status_code == 200 and "没有这个对象" in missing.content.decode()


def test_a_delegation_added_in_admin_goes_through_the_service(client, admins, people):
    sec = admins["sec_admin"]
    deputy = UserFactory(username="deputy", roles=["t_reviewers"])
    client.force_login(sec)
    today = timezone.localdate()
    form = {"principal": people["r1"].pk, "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=3)).isoformat(), "reason": "出差"}

    refused = client.post("/admin/workflows/delegation/add/", {**form, "delegate": people["h1"].pk})
    response = client.post("/admin/workflows/delegation/add/", {**form, "delegate": deputy.pk})

    assert refused.status_code == 200 and "受托人须具有" in refused.content.decode()
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert (delegation.principal, delegation.delegate) == (people["r1"], deputy)
    assert AuditEvent.objects.get(action="user.delegated").actor == sec

    ended = client.post("/admin/workflows/delegation/", {"action": "end_delegations", "_selected_action": [
        delegation.pk]})
    assert ended.status_code == 302
    assert AuditEvent.objects.get(action="user.delegation_ended").actor == sec


# --- the audit administrator ----------------------------------------------------------------------------------------


def test_the_audit_administrator_only_reads_and_exports_and_the_export_is_audited(client, admins):
    auditor = admins["audit_admin"]
    UserFactory(username="someone")
    client.force_login(auditor)
    event = AuditEvent.objects.order_by("pk").first() or AuditEvent.objects.create(action="test.seed")

    assert client.get("/admin/workflows/auditevent/").status_code == 200
    assert client.post(f"/admin/workflows/auditevent/{event.pk}/change/", {"action": "x"}).status_code == 403
    assert client.post(f"/admin/workflows/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    AuditEvent.objects.create(action="auth.login", comment="=cmd|' /C calc'!A0")
    logins = AuditEvent.objects.filter(action="auth.login").count()

    response = client.get("/admin/workflows/auditevent/export/?action=auth.login")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:2] == ["时间", "动作"] and len(rows) == 1 + logins
    assert all(row[-1] == "auth.login" for row in rows[1:])
    assert any(cell.startswith("'=") for row in rows[1:] for cell in row)  # a formula stays text
    exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.actor == auditor and exported.changes["count"] == logins
    print(f"audit export: {logins} rows exported, 1 audit.exported event")
    for url in ("/admin/auth/user/", "/admin/auth/group/", "/admin/workflows/unit/"):
        assert client.get(url).status_code == 403


# --- the superuser --------------------------------------------------------------------------------------------------


def test_a_superuser_login_is_audited_and_warned_about(client, django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.org", "Xq7#mBz9!pLw")

    response = client.post("/accounts/login/", {"username": "root", "password": "Xq7#mBz9!pLw"}, follow=True)

    assert AuditEvent.objects.filter(action="auth.superuser_login", actor__username="root").count() == 1
    assert "超级管理员账号仅用于初始化和应急，请使用三员账号" in response.content.decode()
    page = client.get("/setup/check/").content.decode()
    assert "超级管理员账号" in page and "系统管理员" in page


def test_an_ordinary_login_is_not_a_superuser_login(client):
    UserFactory(username="plain")
    client.post("/accounts/login/", {"username": "plain", "password": "Tongxin@2026"})
    assert AuditEvent.objects.filter(action="auth.login", actor__username="plain").exists()
    assert not AuditEvent.objects.filter(action="auth.superuser_login").exists()


# --- 委托, 加签 and 转交 only to holders of the stage's role ------------------------------------------------------------


def test_delegation_to_someone_without_the_principals_stage_role_is_refused(people):
    today = timezone.localdate()
    with pytest.raises(ServiceError) as error:
        stages.delegation_create(actor=people["r1"], principal=people["r1"], delegate=people["applicant"],
                                 starts_on=today, ends_on=today)
    assert error.value.code == "delegate_without_role" and "受托人须具有" in error.value.message
    with pytest.raises(ServiceError) as nothing:
        stages.delegation_create(actor=people["applicant"], principal=people["applicant"], delegate=people["r1"],
                                 starts_on=today, ends_on=today)
    assert nothing.value.code == "nothing_to_delegate"
    # Nobody but the principal (or a security administrator) sets someone's 委托.
    with pytest.raises(PermissionDeniedError):
        stages.delegation_create(actor=people["r2"], principal=people["r1"], delegate=people["r2"],
                                 starts_on=today, ends_on=today)
    assert not Delegation.objects.exists()


def test_a_delegate_acts_only_on_stages_whose_role_they_hold(people):
    run = start(people)
    deputy = UserFactory(username="deputy", roles=["t_reviewers"])
    today = timezone.localdate()
    stages.delegation_create(actor=people["r1"], principal=people["r1"], delegate=deputy, starts_on=today,
                             ends_on=today)
    deputy.groups.clear()  # left the role after the 委托 was set

    assert stages.open_task_for(deputy, run) is None
    with pytest.raises(PermissionDeniedError):
        stages.approve(actor=deputy, task=task_of(run, "r1"))


def test_a_cross_department_delegation_is_refused_when_set(people, settings):
    # Both hold the test chain's role, so only their departments (统战部 / 组织部) tell them apart.
    uf_head = UserFactory(username="uf-head", roles=[nomination_roles.UF_LEADER, "t_reviewers"])
    org_head = UserFactory(username="org-head", roles=[nomination_roles.ORG_LEADER, "t_reviewers"])
    today = timezone.localdate()

    with pytest.raises(ServiceError) as error:
        stages.delegation_create(actor=uf_head, principal=uf_head, delegate=org_head, starts_on=today, ends_on=today)

    assert error.value.code == "delegate_other_department"
    assert "统战部" in error.value.message and "组织部" in error.value.message
    settings.TONGXIN_DELEGATION_SAME_DEPARTMENT = False
    assert stages.delegation_create(actor=uf_head, principal=uf_head, delegate=org_head, starts_on=today,
                                    ends_on=today).delegate == org_head


def test_the_uf_head_cannot_delegate_to_the_org_head(cadres):  # noqa: F811
    today = timezone.localdate()
    with pytest.raises(ServiceError) as error:
        stages.delegation_create(actor=cadres.uflead1, principal=cadres.uflead1, delegate=cadres.orglead1,
                                 starts_on=today, ends_on=today)
    assert error.value.code in ("delegate_without_role", "delegate_other_department")
    assert not Delegation.objects.exists()


def test_adding_a_signer_or_transferring_to_someone_without_the_role_is_refused(people):
    run = start(people)
    mine = task_of(run, "r1")

    with pytest.raises(ServiceError) as signer:
        stages.add_signer(actor=people["r1"], task=mine, user=people["h1"], position="before")
    with pytest.raises(ServiceError) as transfer:
        stages.transfer(actor=people["r1"], task=mine, to_user=people["applicant"])

    assert signer.value.code == "signer_without_role" and "只能加签" in signer.value.message
    assert transfer.value.code == "bad_transfer"
    assert run.tasks.count() == 2 and not AuditEvent.objects.filter(
        action__in=["chain.add_signer", "chain.transfer"]).exists()
