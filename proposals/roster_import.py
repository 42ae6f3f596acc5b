"""The 委员 roster of a term from Excel: new members are added, members on file are changed only where the sheet says
something different, and only after the preview was confirmed (issue #11 item 4).

A row is the member on file with the same 编号 (the roster's id), else the same 账号, else the same 姓名 and 电话, else
the only member of that name when the row gives no phone. A column the sheet lacks, or an empty cell, keeps what is
on file. A new member needs 界别 and 政治面貌; their account is the 账号 given (created if new) or one made up as
``wy<届次>-<序号>``, with the role 政协委员.
"""

from collections import defaultdict

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows import audit, passwords
from workflows.admin_audit import describe, field_display
from workflows.imports import CellError, Column, Importer, Plan, RowPlan, UploadForm, check_plan, column_for
from workflows.roles import label as role_label

from . import roles
from .models import Member, Term

AFFILIATION_ALIASES = {
    "中国共产党党员": Member.Affiliation.CPC, "中共": Member.Affiliation.CPC, "共产党员": Member.Affiliation.CPC,
    "中共预备党员": Member.Affiliation.CPC, "中国国民党革命委员会": Member.Affiliation.REVOLUTIONARY,
    "中国民主同盟": Member.Affiliation.DEMOCRATIC_LEAGUE, "中国民主建国会": Member.Affiliation.NATIONAL_CONSTRUCTION,
    "中国民主促进会": Member.Affiliation.PROMOTION, "中国农工民主党": Member.Affiliation.PEASANTS_WORKERS,
    "中国致公党": Member.Affiliation.ZHIGONG, "台湾民主自治同盟": Member.Affiliation.TAIMENG,
    "无党派": Member.Affiliation.NON_PARTY,
}
# The member fields an import may set, in the order the preview lists them.
FIELDS = ("name", "sector", "group", "affiliation", "is_standing", "work_unit", "address", "postcode", "phone",
          "is_active")


def columns() -> list[Column]:
    user_model = get_user_model()
    return [
        Column("id", _("编号"), kind="int"),
        column_for(Member, "name", _("姓名"), required=True),
        column_for(Member, "sector", _("界别")),
        column_for(Member, "group", _("组别")),
        Column("affiliation", _("政治面貌"), kind="choice",
               choices=tuple((v, str(label)) for v, label in Member.Affiliation.choices), aliases=AFFILIATION_ALIASES),
        Column("is_standing", _("常委"), kind="bool"),
        column_for(Member, "work_unit", _("工作单位")),
        column_for(Member, "address", _("通讯地址")),
        column_for(Member, "postcode", _("邮编"), kind="code"),
        column_for(Member, "phone", _("电话"), kind="code"),
        Column("is_active", _("在册"), kind="bool"),
        Column("username", _("账号"), kind="code", max_length=user_model._meta.get_field("username").max_length),
    ]


def _labels() -> dict:
    return {name: str(Member._meta.get_field(name).verbose_name) for name in FIELDS}


def _shown(name: str, value) -> str:
    model_field = Member._meta.get_field(name)
    probe = Member(**{name: value})
    return field_display(probe, model_field)


class RosterUploadForm(UploadForm):
    term = forms.ModelChoiceField(label=gettext_lazy("届次"), queryset=Term.objects.all(), empty_label=None)
    initial_password = forms.CharField(
        label=gettext_lazy("新账号初始密码"), required=False, widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("只用于本次新建的账号；不填则新账号暂不能登录，可在账号页面逐个设置密码。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = Term.objects.filter(is_current=True).first()
        if current is not None:
            self.fields["term"].initial = current.pk

    def clean_initial_password(self):
        password = self.cleaned_data["initial_password"]
        if password:
            password_validation.validate_password(password)
        return password


class _Generator:
    """Made-up account names ``wy<届次>-0001``..., skipping names already taken or claimed by this file."""

    def __init__(self, term: Term, taken: set[str]):
        self.prefix = f"wy{term.number}-"
        self.taken = taken
        self.next = 1

    def __call__(self) -> str:
        while True:
            name = f"{self.prefix}{self.next:04d}"
            self.next += 1
            if name not in self.taken:
                self.taken.add(name)
                return name


def plan(rows, options) -> tuple[Plan, list]:
    """What the rows would do to the term's roster: (plan, [(row, member or None, values, account), ...])."""
    user_model = get_user_model()
    term = Term.objects.get(pk=options["term"])
    labels = _labels()
    members = list(Member.objects.filter(term=term).select_related("user").order_by("pk"))
    by_id = {m.pk: m for m in members}
    by_username = {m.user.username: m for m in members}
    by_name = defaultdict(list)
    for m in members:
        by_name[m.name].append(m)
    usernames = {r.get("username") for _n, r in rows if r.get("username")}
    users = {u.username: u for u in user_model.objects.filter(username__in=usernames)}
    prefix = f"wy{term.number}-"
    generate = _Generator(term, set(user_model.objects.filter(username__startswith=prefix)
                                    .values_list("username", flat=True)) | usernames)
    result, actions, seen = Plan(), [], {}
    for number, record in rows:
        name = record.get("name")
        if not name:
            continue  # named in the sheet's errors already
        member, error = _match(record, by_id=by_id, by_username=by_username, by_name=by_name)
        if error:
            result.errors.append(CellError(number, *error))
            continue
        key = member.pk if member else ("new", name, record.get("phone", ""), record.get("username", ""))
        if key in seen:
            result.errors.append(CellError(number, "", _("与第 %(row)s 行是同一位委员。") % {"row": seen[key]}))
            continue
        seen[key] = number
        values = {k: record[k] for k in FIELDS if k in record}
        if member is None:
            row_plan, account = _plan_new(number, record, values, labels, users, generate, by_name, result.errors)
        else:
            row_plan, account = _plan_change(number, member, record, values, labels, result.errors)
        if row_plan is not None:
            result.rows.append(row_plan)
            actions.append((number, member, values, account))
    return result, actions


def _match(record, *, by_id, by_username, by_name):
    """(member or None, None) or (None, (column, message))."""
    if "id" in record:
        member = by_id.get(record["id"])
        if member is None:
            return None, (_("编号"), _("不是该届名册中的编号。"))
        return member, None
    if record.get("username") in by_username:
        return by_username[record["username"]], None
    same_name = by_name.get(record["name"], [])
    if "phone" in record:
        same_phone = [m for m in same_name if m.phone == record["phone"]]
        return (same_phone[0] if len(same_phone) == 1 else None), None
    if len(same_name) > 1:
        return None, (_("姓名"), _("名册中有 %(count)s 位同名委员，请填写电话或编号以区分。") % {"count": len(same_name)})
    return (same_name[0] if same_name else None), None


def _plan_new(number, record, values, labels, users, generate, by_name, errors):
    missing = [str(labels[k]) for k in ("sector", "affiliation") if k not in values]
    if missing:
        for label in missing:
            errors.append(CellError(number, label, _("新增委员必填。")))
        return None, None
    notes = []
    username = record.get("username")
    if username and username in users:
        notes.append(_("关联已有账号 %(username)s") % {"username": username})
        account = {"username": username, "existing": True}
    else:
        username = username or generate()
        notes.append(_("新建账号 %(username)s") % {"username": username})
        account = {"username": username, "existing": False}
    if by_name.get(record["name"]):
        notes.append(_("名册中已有同名委员（电话不同）；如为同一人，请填写编号后重新上传。"))
    lines = [[labels[k], "", _shown(k, v)] for k, v in values.items()]
    return RowPlan(number, "new", _label(values["name"], values["sector"]), lines, notes), account


def _plan_change(number, member, record, values, labels, errors):
    username = record.get("username")
    if username and username != member.user.username:
        errors.append(CellError(number, _("账号"), _("与名册中该委员的账号 %(username)s 不一致。") % {
            "username": member.user.username}))
        return None, None
    lines = []
    for name, value in values.items():
        old, new = field_display(member, Member._meta.get_field(name)), _shown(name, value)
        if old != new:
            lines.append([labels[name], old, new])
    action = "changed" if lines else "unchanged"
    return RowPlan(number, action, _label(member.name, member.sector), lines), None


def _label(name, sector) -> str:
    return f"{name}（{sector}）"


@transaction.atomic(durable=True)
def apply(rows, options, *, actor, digest=None, source="") -> Plan:
    """Plan again, refuse on errors or on a plan that differs from the preview, then write and audit each row."""
    result, actions = plan(rows, options)
    check_plan(result, digest)
    user_model = get_user_model()
    term = Term.objects.get(pk=options["term"])
    member_group = Group.objects.get(name=roles.MEMBER)
    by_row = {r.row: r for r in result.rows}
    for number, member, values, account in actions:
        row_plan = by_row[number]
        if row_plan.action == "unchanged":
            continue
        comment_source = _("来源：%(file)s 第 %(row)s 行") % {"file": source, "row": number}
        if member is None:
            user = _account(user_model, account, values["name"], options.get("password", ""))
            if not user.groups.filter(pk=member_group.pk).exists():
                user.groups.add(member_group)
                # A new account is recorded as imported (created), one on file as updated.
                audit.record(subject=user, action="setup.import_updated" if account["existing"] else "setup.imported",
                             actor=actor, comment=_("角色：+ %(role)s") % {"role": role_label(roles.MEMBER)},
                             changes={"fields": [[str(_("角色")), "", str(role_label(roles.MEMBER))]]})
            member = Member(term=term, user=user, **values)
            member.save()
            action = "setup.imported"
        else:
            for name, value in values.items():
                setattr(member, name, value)
            member.save(update_fields=list(values))
            action = "setup.import_updated"
        audit.record(subject=member, action=action, actor=actor,
                     comment=f"{describe(row_plan.changes)}（{comment_source}）",
                     changes={"fields": row_plan.changes, "file": source, "row": number})
    audit.record(subject=term, action="setup.import_applied", actor=actor,
                 comment=_("委员名册导入（%(file)s）：新增 %(new)s 人，更新 %(changed)s 人，未变 %(unchanged)s 人") % {
                     "file": source, **result.counts()},
                 changes=result.counts())
    return result


def _account(user_model, account: dict, name: str, password_hash: str):
    if account["existing"]:
        return user_model.objects.get(username=account["username"])
    user = user_model(username=account["username"], first_name=name)
    if password_hash:
        user.password = password_hash
    else:
        user.set_unusable_password()
    user.save()
    passwords.require_change(user)
    return user


class RosterImporter(Importer):
    title = gettext_lazy("从 Excel 导入委员名册")
    form_class = RosterUploadForm
    permissions = ("proposals.add_member", "proposals.change_member")
    help_lines = (
        gettext_lazy("按 编号、账号、姓名+电话 的顺序匹配名册中已有的委员；没有电话时按姓名匹配（同名时须填编号或电话）。"),
        gettext_lazy("新增委员须填写界别和政治面貌；未填账号的，系统按“wy届次-序号”新建账号并授予“政协委员”角色。"),
    )

    def columns(self):
        return columns()

    def options(self, form):
        password = form.cleaned_data.get("initial_password") or ""
        return {"term": form.cleaned_data["term"].pk, "password": make_password(password) if password else ""}

    def plan(self, rows, options):
        return plan(rows, options)[0]

    def apply(self, rows, options, *, actor, digest, source=""):
        return apply(rows, options, actor=actor, digest=digest, source=source)
