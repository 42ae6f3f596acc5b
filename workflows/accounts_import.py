"""User accounts with their roles and units from Excel (issue #11 items 1 and 4).

A row is the account with the same 账号 (username). For an account on file, 姓名, 邮箱 and 启用 change only where the
sheet says something different, and only after the preview was confirmed; roles and unit posts are only ever added
(taking one away is a deliberate act done on the account's page, audited there). A column the sheet lacks, or an
empty cell, keeps what is on file.
"""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import admin_roles, audit, passwords
from .admin_audit import describe, field_display
from .imports import CellError, Column, Importer, Plan, RowPlan, UploadForm, check_plan, column_for
from .models import Unit, UnitMembership
from .roles import label as role_label

FIELDS = ("first_name", "email", "is_active")


def columns() -> list[Column]:
    user_model = get_user_model()
    return [
        column_for(user_model, "username", _("账号"), required=True, kind="code"),
        column_for(user_model, "first_name", _("姓名")),
        column_for(user_model, "email", _("邮箱"), kind="code"),
        Column("roles", _("角色"), kind="list"),
        Column("unit", _("单位"), max_length=Unit._meta.get_field("name").max_length),
        Column("unit_role", _("单位职务"), kind="choice",
               choices=tuple((v, str(label)) for v, label in UnitMembership.Role.choices)),
        Column("is_active", _("启用"), kind="bool"),
    ]


def _labels() -> dict:
    return {"first_name": _("姓名"), "email": _("邮箱"), "is_active": _("启用")}


class AccountUploadForm(UploadForm):
    initial_password = forms.CharField(
        label=gettext_lazy("新账号初始密码"), required=False, widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("只用于本次新建的账号，已有账号的密码不变；不填则新账号暂不能登录。"))

    def clean_initial_password(self):
        password = self.cleaned_data["initial_password"]
        if password:
            password_validation.validate_password(password)
        return password


def _shown(name: str, value) -> str:
    user_model = get_user_model()
    return field_display(user_model(**{name: value}), user_model._meta.get_field(name))


def plan(rows, options=None) -> tuple[Plan, list]:
    """What the rows would do: (plan, [(row, username, user or None, values, groups to add, membership), ...])."""
    user_model = get_user_model()
    labels = _labels()
    usernames = [r["username"] for _n, r in rows if r.get("username")]
    users = {u.username: u for u in user_model.objects.filter(username__in=usernames).prefetch_related("groups")}
    groups = list(Group.objects.order_by("name"))
    group_by_text = {}
    for group in groups:
        group_by_text[group.name] = group
        group_by_text[str(role_label(group.name))] = group
    units = {}
    for unit in Unit.objects.all():
        units[unit.name] = unit
        if unit.short_name:
            units.setdefault(unit.short_name, unit)
    memberships = set(UnitMembership.objects.filter(user__username__in=usernames)
                      .values_list("user__username", "unit_id", "role"))
    result, actions, seen = Plan(), [], {}
    for number, record in rows:
        username = record.get("username")
        if not username:
            continue  # named in the sheet's errors already
        if username in seen:
            result.errors.append(CellError(number, _("账号"), _("与第 %(row)s 行重复。") % {"row": seen[username]}))
            continue
        seen[username] = number
        user = users.get(username)
        errors = _check(number, record, user, group_by_text, units, groups,
                        may_set_roles=(options or {}).get("may_set_roles", False))
        if errors:
            result.errors.extend(errors)
            continue
        values = {k: record[k] for k in FIELDS if k in record}
        held = {g.pk for g in user.groups.all()} if user else set()
        new_groups = []
        for text in record.get("roles", ()):
            group = group_by_text[text]
            if group.pk not in held and group not in new_groups:
                new_groups.append(group)
        membership = None
        if "unit" in record:
            unit, role = units[record["unit"]], record.get("unit_role", UnitMembership.Role.HANDLER)
            if (username, unit.pk, role) not in memberships:
                membership = (unit.pk, role)
        lines = []
        for name, value in values.items():
            old = field_display(user, user_model._meta.get_field(name)) if user else ""
            if old != _shown(name, value):
                lines.append([labels[name], old, _shown(name, value)])
        for group in new_groups:
            lines.append([_("角色"), "", _("+ %(role)s") % {"role": role_label(group.name)}])
        if membership:
            lines.append([_("单位"), "", _("+ %(unit)s（%(role)s）") % {
                "unit": units[record["unit"]].name, "role": UnitMembership.Role(membership[1]).label}])
        action = "new" if user is None else ("changed" if lines else "unchanged")
        shown_name = values.get("first_name") or (user.first_name if user else "")
        result.rows.append(RowPlan(number, action, f"{username}（{shown_name}）" if shown_name else username, lines))
        actions.append((number, username, user, values, new_groups, membership))
    return result, actions


def _check(number, record, user, group_by_text, units, groups, *, may_set_roles: bool) -> list[CellError]:
    errors = []
    roles = record.get("roles", ())
    # 三员分立: roles are the security administrator's to give, and the three administrator roles are given one by one
    # on the account page (where their exclusions are checked), never by a sheet.
    if roles and not may_set_roles:
        errors.append(CellError(number, _("角色"), _("角色由安全管理员设定：请删去“角色”列的内容，或请安全管理员导入。")))
    elif any(text in group_by_text and group_by_text[text].name in admin_roles.ADMIN_ROLES for text in roles):
        errors.append(CellError(number, _("角色"), _("系统管理员、安全管理员、审计管理员只能在账号页面逐个设定。")))
    if user is None and "first_name" not in record:
        errors.append(CellError(number, _("姓名"), _("新建账号必填。")))
    if "email" in record:
        try:
            validate_email(record["email"])
        except ValidationError:
            errors.append(CellError(number, _("邮箱"), _("不是有效的邮箱地址。")))
    unknown = [text for text in record.get("roles", ()) if text not in group_by_text]
    if unknown:
        allowed = "、".join(str(role_label(g.name)) for g in groups)
        errors.append(CellError(number, _("角色"), _("没有角色“%(roles)s”（可选：%(allowed)s）。") % {
            "roles": "、".join(unknown), "allowed": allowed}))
    if "unit" in record and record["unit"] not in units:
        errors.append(CellError(number, _("单位"), _("没有名为“%(unit)s”的单位，请先在“单位”中添加。") % {
            "unit": record["unit"]}))
    if "unit_role" in record and "unit" not in record:
        errors.append(CellError(number, _("单位职务"), _("填写单位职务时须同时填写单位。")))
    return errors


@transaction.atomic(durable=True)
def apply(rows, options, *, actor, digest=None, source="") -> Plan:
    """Plan again, refuse on errors or on a plan that differs from the preview, then write and audit each account."""
    result, actions = plan(rows, options)
    check_plan(result, digest)
    user_model = get_user_model()
    by_row = {r.row: r for r in result.rows}
    password_hash = (options or {}).get("password", "")
    for number, username, user, values, new_groups, membership in actions:
        row_plan = by_row[number]
        if row_plan.action == "unchanged":
            continue
        if user is None:
            user = user_model(username=username, **values)
            if password_hash:
                user.password = password_hash
            else:
                user.set_unusable_password()
            user.save()
            passwords.require_change(user)
            action = "setup.imported"
        else:
            for name, value in values.items():
                setattr(user, name, value)
            if values:
                user.save(update_fields=list(values))
            action = "setup.import_updated"
        if new_groups:
            user.groups.add(*new_groups)
        if membership:
            UnitMembership.objects.create(user=user, unit_id=membership[0], role=membership[1])
        source_note = _("来源：%(file)s 第 %(row)s 行") % {"file": source, "row": number}
        audit.record(subject=user, action=action, actor=actor, comment=f"{describe(row_plan.changes)}（{source_note}）",
                     changes={"fields": row_plan.changes, "file": source, "row": number})
    audit.record(subject=None, action="setup.import_applied", actor=actor,
                 comment=_("账号导入（%(file)s）：新增 %(new)s 个，更新 %(changed)s 个，未变 %(unchanged)s 个") % {
                     "file": source, **result.counts()},
                 changes=result.counts())
    return result


class AccountImporter(Importer):
    title = gettext_lazy("从 Excel 导入账号")
    form_class = AccountUploadForm
    permissions = ("auth.add_user", "auth.change_user")
    help_lines = (
        gettext_lazy("按账号匹配已有用户；角色填中文名称（如“承办单位经办人”），多个角色用顿号分隔；单位填单位全称或简称，"
                     "单位职务为经办人、分管领导或负责人（默认经办人）。"),
        gettext_lazy("导入只增加角色和单位职务，不会取消已有的；如需取消，请在账号页面修改。"),
    )

    def columns(self):
        return columns()

    def options(self, form):
        password = form.cleaned_data.get("initial_password") or ""
        return {"password": make_password(password) if password else ""}

    def plan(self, rows, options):
        return plan(rows, options)[0]

    def apply(self, rows, options, *, actor, digest, source=""):
        # Who may give roles is decided by who confirms, not by what the preview was staged with.
        options = {**options, "may_set_roles": admin_roles.may_edit_roles(actor)}
        return apply(rows, options, actor=actor, digest=digest, source=source)
