"""三员分立: the system, security and audit administrators as role groups (等保 2.0 level 3, issue #12 item 2).

- 系统管理员 (``sys_admin``): accounts (create, edit, deactivate; never their roles or privileges), units and their
  members, the calendar, deadline rules, the proposal set-up pages, the chain editor and the set-up check page.
- 安全管理员 (``sec_admin``): roles (who holds which group, and a group's permissions), access grants, 委托,
  login lockouts, 2FA devices.
- 审计管理员 (``audit_admin``): reads and exports the audit log, nothing else.

None of them sees case contents or unmasked personal data: the case admins refuse them whatever permissions their
group is later given (:class:`NoCaseContentsMixin`), and the domain pages check roles they do not hold. One person
holds at most one of the three roles, and a security administrator cannot change their own roles
(:func:`check_role_change`). The Django superuser is for installation and emergencies only: its logins are audited
and warned about (:func:`superuser_logged_in`, and a finding on the set-up check page).
"""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db.models import Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit, setup_checks
from .access import client_ip
from .errors import PermissionDeniedError, ServiceError
from .roles import ROLE_LABELS
from .roles import label as role_label

SYS_ADMIN = "sys_admin"
SEC_ADMIN = "sec_admin"
AUDIT_ADMIN = "audit_admin"
ADMIN_ROLES = (SYS_ADMIN, SEC_ADMIN, AUDIT_ADMIN)
# Roles whose work includes a page of Django admin (holding one makes the account staff). Besides the three
# administrators, the apps add the business roles that keep registers there (the 提案委's 委员 roster).
ADMIN_PAGE_ROLES: set[str] = set(ADMIN_ROLES)


def register_admin_page_roles(*codes: str) -> None:
    ADMIN_PAGE_ROLES.update(codes)


def _crud(app_label: str, *models: str, actions=("add", "change", "delete", "view")) -> list[str]:
    return [f"{app_label}.{action}_{model}" for model in models for action in actions]


ROLES = {
    SYS_ADMIN: (
        gettext_lazy("系统管理员"),
        [
            # Accounts: no delete (deactivate instead, the history stays attributed); the roles are not theirs.
            *_crud("auth", "user", actions=("add", "change", "view")),
            *_crud("workflows", "unit", "unitmembership", "calendaryear", "calendarday", "deadlinerule"),
            # The chain editor.
            *_crud("workflows", "flowslot", actions=("change", "view")),
            *_crud("workflows", "definitionversion", "stagedefinition"),
            # The proposal set-up pages (not the 委员 roster: its contact details are personal data).
            *_crud("proposals", "term", "session", "topic", "outcomecategory", "proposalsettings"),
        ],
    ),
    SEC_ADMIN: (
        gettext_lazy("安全管理员"),
        [
            # The account list to find a person; on the form only their roles can be changed.
            *_crud("auth", "user", actions=("change", "view")),
            *_crud("auth", "group"),
            "auth.view_permission",
            *_crud("workflows", "accessgrant", "delegation"),
            # Lockouts: unlocking deletes the failed attempts.
            *_crud("axes", "accessattempt", actions=("delete", "view")),
            *_crud("axes", "accesslog", "accessfailurelog", actions=("view",)),
            # 2FA devices (reset); present once django-otp's apps are installed.
            *_crud("otp_totp", "totpdevice", actions=("delete", "view")),
            *_crud("otp_static", "staticdevice", actions=("delete", "view")),
        ],
    ),
    AUDIT_ADMIN: (gettext_lazy("审计管理员"), ["workflows.view_auditevent"]),
}

ROLE_LABELS.update({code: label for code, (label, _perms) in ROLES.items()})


def ensure_roles(**kwargs):
    """Create the three groups and add their permissions after migrations (idempotent; run after every app's
    migrate, so the permissions of apps migrated later are added too)."""
    from django.contrib.auth.models import Group, Permission

    for code, (_label, perms) in ROLES.items():
        group, _created = Group.objects.get_or_create(name=code)
        wanted = Q(pk__in=[])
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(wanted))


def admin_roles_of(user) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_admin_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ADMIN_ROLES).values_list("name", flat=True))
        user._admin_roles = cached
    return cached


def is_administrator(user) -> bool:
    """One of the three administrators (the superuser is not: it is for installation and emergencies)."""
    return bool(admin_roles_of(user)) and not user.is_superuser


def may_use_setup(user) -> bool:
    """系统配置检查 and the set-up pages: the system administrator (or the superuser)."""
    return user.is_active and (user.is_superuser or SYS_ADMIN in admin_roles_of(user))


def may_edit_account(user) -> bool:
    """Names, passwords, e-mail, activity and units of accounts (not roles)."""
    return user.is_superuser or SYS_ADMIN in admin_roles_of(user)


def may_edit_roles(user) -> bool:
    """Group membership and the privileges of accounts."""
    return user.is_superuser or SEC_ADMIN in admin_roles_of(user)


def check_role_change(*, actor, user, groups) -> None:
    """Refuse a change of ``user``'s roles to ``groups`` that breaks the separation (raises :class:`ServiceError`).

    Only a security administrator (or the superuser) changes roles; not their own; and one person holds at most one
    of the three administrator roles.
    """
    if not may_edit_roles(actor):
        raise PermissionDeniedError("permission_denied")
    codes = {group.name for group in groups}
    if not actor.is_superuser and user.pk == actor.pk and codes != set(
            user.groups.values_list("name", flat=True)):
        raise ServiceError("own_roles", _("不能修改自己的角色，请由另一名安全管理员办理。"), field="groups")
    held = sorted(codes & set(ADMIN_ROLES))
    if len(held) > 1:
        raise ServiceError("admin_roles_separated", _("系统管理员、安全管理员、审计管理员须由不同人员担任，不能兼任：%(roles)s。")
                           % {"roles": "、".join(role_label(code) for code in held)}, field="groups")


# --- the case admins refuse the administrators -----------------------------------------------------------------------


class NoCaseContentsMixin:
    """Put first in the bases of an admin of case contents or personal data: the three administrators never see it,
    whatever permissions their group is given later (a security administrator edits groups' permissions)."""

    def has_module_permission(self, request):
        return not is_administrator(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return not is_administrator(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return not is_administrator(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return not is_administrator(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not is_administrator(request.user) and super().has_delete_permission(request, obj)


# --- the superuser is for installation and emergencies --------------------------------------------------------------

SUPERUSER_WARNING = gettext_lazy("超级管理员账号仅用于初始化和应急，请使用三员账号")

audit.ACTION_LABELS.update({
    "auth.superuser_login": gettext_lazy("超级管理员登录"),
    "audit.exported": gettext_lazy("导出审计日志"),
})


@receiver(user_logged_in, dispatch_uid="workflows.admin_roles.superuser_logged_in")
def superuser_logged_in(sender, request, user, **kwargs):
    """A superuser's login is its own audit event and the page shows a warning."""
    if not user.is_superuser:
        return
    audit.record(subject=None, actor=user, action="auth.superuser_login",
                 comment=str(SUPERUSER_WARNING), ip_address=client_ip(request) if request else None)
    if request is not None and hasattr(request, "_messages"):
        messages.warning(request, SUPERUSER_WARNING)


@setup_checks.register
def day_to_day_superusers() -> list[setup_checks.Finding]:
    """系统配置检查: superusers are for installation and emergencies; the three administrators do the daily work."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    superusers = get_user_model().objects.filter(is_superuser=True, is_active=True).count()
    missing = [code for code in ADMIN_ROLES if not Group.objects.filter(name=code, user__is_active=True).exists()]
    if not superusers or not (missing or superusers > 1):
        return []
    detail = str(SUPERUSER_WARNING)
    if missing:
        detail = _("尚未为以下角色指定人员：%(roles)s。%(warning)s") % {
            "roles": "、".join(role_label(code) for code in missing), "warning": detail}
    return [setup_checks.Finding(
        title=_("有 %(count)s 个在用的超级管理员账号") % {"count": superusers}, detail=detail,
        link=reverse("admin:auth_user_changelist") + "?is_superuser__exact=1", blocking=False)]
