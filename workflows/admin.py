from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import admin_roles, audit, passwords, stages, two_factor_views
from .accounts_import import AccountImporter
from .admin_audit import AuditedAdminMixin, AuditExportMixin, audited_register, record_change
from .errors import ServiceError
from .imports import ImportAdminMixin
from .models import (
    AccessGrant,
    AuditEvent,
    CalendarDay,
    CalendarYear,
    DeadlineRule,
    Delegation,
    DueAction,
    DueItem,
    DueUrge,
    Unit,
    UnitMembership,
)
from .roles import ROLE_LABELS
from .roles import label as role_label

WEEKDAYS = (_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日"))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown to those with the view permission; written only by the services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "region", "source", "entered_at"]
    list_filter = ["region"]
    search_fields = ["year", "source"]
    fieldsets = [
        (
            None,
            {
                "fields": ["year", "region", "source"],
                "description": _(
                    "先录入该年全部节假日与调休工作日，最后添加年份：全国年份记录存在后，该年的节假日安排才生效，"
                    "此前涉及该年的期限按周一至周五暂定计算，保存年份后自动重算。地区留空表示全国。"
                ),
            },
        )
    ]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "region", "source"]
    list_filter = ["kind", "region"]
    date_hierarchy = "date"
    search_fields = ["name", "source", "region"]
    fieldsets = [
        (
            None,
            {
                "fields": ["date", "kind", "name", "region", "source"],
                "description": _(
                    "只需录入周一至周五的例外：工作日放假记为“节假日”，周末上班记为“调休工作日”。"
                    "地区记录优先于同一天的全国记录。由 chinese-calendar 导入的记录不会被重新导入覆盖。"
                ),
            },
        )
    ]

    @admin.display(description=_("星期"), ordering="date")
    def weekday(self, obj):
        return WEEKDAYS[obj.date.weekday()]


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "amount", "anchor", "source"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "anchor", "source"]
    fieldsets = [
        (
            None,
            {
                "fields": ["code", "name", "kind", "amount", "anchor", "source"],
                "description": _(
                    "起算当日不计入。按工作日计算时从次日起数工作日；按自然日或月计算时，期满日遇休息日顺延至下一个工作日。"
                    "期限截止于最后一日 24 时（北京时间）。修改规则只影响此后新开始的期限。"
                ),
            },
        )
    ]


class UnitMembershipInline(admin.TabularInline):
    """A unit's 经办人, 分管领导 and 负责人 (one row per person and post)."""

    model = UnitMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]
    inlines = [UnitMembershipInline]


class UserUnitInline(admin.TabularInline):
    """The account's posts in units, edited from the account's page."""

    model = UnitMembership
    extra = 0
    autocomplete_fields = ["unit"]
    verbose_name = _("所在单位")
    verbose_name_plural = _("所在单位")


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return role_label(obj.name)


class AccountAdmin(AuditedAdminMixin, ImportAdminMixin, UserAdmin):
    """User accounts with their roles (Chinese labels) and units, one by one or imported from Excel; audited.

    三员分立 on the form: the system administrator edits the account (names, password, activity, units) and sees its
    roles read-only; the security administrator changes only its roles; only the superuser sets the privilege flags.
    Holding an administrator role makes the account staff (admin access), losing the last one takes it away.
    """

    importer = AccountImporter()
    list_display = ["username", "first_name", "roles", "unit_names", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    search_fields = ["username", "first_name", "last_name", "email"]
    inlines = [UserUnitInline]
    # 重置两步验证: the security administrator's audited reset (workflows.two_factor.reset).
    actions = [two_factor_views.reset_action]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("个人信息"), {"fields": ["first_name", "email"]}),
        (_("角色与权限"), {"fields": ["is_active", "groups", "is_staff", "is_superuser", "user_permissions"]}),
        (_("登录记录"), {"fields": ["last_login", "date_joined"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups", "unit_memberships__unit")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["form_class"] = RoleChoiceField
            kwargs.setdefault("label", _("角色"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None and admin_roles.may_edit_account(request.user) else []

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        if admin_roles.may_edit_account(request.user):
            return [
                (None, {"fields": ["username", "password"]}),
                (_("个人信息"), {"fields": ["first_name", "email"]}),
                (_("角色与权限"), {"fields": ["is_active", "roles", "is_staff", "is_superuser"]}),
                (_("登录记录"), {"fields": ["last_login", "date_joined"]}),
            ]
        return [
            (None, {"fields": ["username", "first_name"]}),
            (_("角色与权限"), {"fields": ["groups", "is_active", "is_staff", "is_superuser"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["last_login", "date_joined"]
        if obj is None or request.user.is_superuser:
            return fixed
        if admin_roles.may_edit_account(request.user):
            return [*fixed, "roles", "is_staff", "is_superuser"]
        return [*fixed, "username", "first_name", "is_active", "is_staff", "is_superuser"]

    def has_change_permission(self, request, obj=None):
        # A superuser's account is changed by a superuser only (no administrator raises or takes over one).
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def may_import(self, request) -> bool:
        # The system administrator imports accounts and units; a sheet's roles are refused unless the importer may
        # also set roles (accounts_import checks each row).
        return admin_roles.may_edit_account(request.user) and super().may_import(request)

    def import_options(self, request) -> dict:
        return {"may_set_roles": admin_roles.may_edit_roles(request.user)}

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "groups" not in form.base_fields:
            return form
        actor = request.user

        class RoleCheckedForm(form):
            def clean(self):
                cleaned = super().clean()
                if "groups" in self.changed_data and "groups" in cleaned:
                    try:
                        admin_roles.check_role_change(actor=actor, user=self.instance, groups=cleaned["groups"])
                    except ServiceError as error:
                        self.add_error("groups", error.message)
                return cleaned

        return RoleCheckedForm

    @admin.display(description=_("角色"))
    def roles(self, obj):
        return "、".join(str(role_label(g.name)) for g in obj.groups.all())

    @admin.display(description=_("单位"))
    def unit_names(self, obj):
        return "、".join(f"{m.unit.name}（{m.get_role_display()}）" for m in obj.unit_memberships.all())

    def save_model(self, request, obj, form, change):
        if "groups" in form.changed_data and not obj.is_superuser:
            before = set(obj.groups.values_list("name", flat=True)) if obj.pk else set()
            after = {group.name for group in form.cleaned_data["groups"]}
            if after & admin_roles.ADMIN_PAGE_ROLES:
                obj.is_staff = True
            elif before & admin_roles.ADMIN_PAGE_ROLES:
                obj.is_staff = False
        super().save_model(request, obj, form, change)
        if not change:
            # The password chosen in "add user" is the administrator's: the owner replaces it at first login.
            passwords.require_change(obj)

    def user_change_password(self, request, id, form_url=""):
        target = self.get_object(request, id)
        if not admin_roles.may_edit_account(request.user) or (
                target is not None and admin_roles.is_administrator(target) and not request.user.is_superuser):
            # The security administrator does not set passwords; another administrator's is reset by a superuser.
            raise PermissionDenied
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, id)
                passwords.require_change(user)
                record_change(request=request, obj=user, action="admin.password_changed",
                              lines=[[str(_("密码")), "", str(_("已修改"))]])
        return response


class RoleAdmin(AuditedAdminMixin, GroupAdmin):
    """The role groups: created by the apps (``ensure_roles``); a permission granted here is audited.

    A role's code is fixed (the apps look it up by name) and it is never deleted here; the three administrators'
    permissions are fixed by ``workflows.admin_roles`` and changed by a superuser only.
    """

    list_display = ["name", "label"]

    @admin.display(description=_("角色"))
    def label(self, obj):
        return role_label(obj.name)

    def get_readonly_fields(self, request, obj=None):
        return ["name"] if obj is not None and obj.name in ROLE_LABELS else []

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.name in admin_roles.ADMIN_ROLES and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.name in ROLE_LABELS:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset.exclude(name__in=list(ROLE_LABELS)))


audited_register(get_user_model(), AccountAdmin)
audited_register(Group, RoleAdmin)


@admin.register(AuditEvent)
class AuditEventAdmin(AuditExportMixin, ReadOnlyAdmin):
    """Read by the audit administrator; the filtered list is exported as CSV (the export is audited itself)."""

    list_display = ["chain_seq", "at", "action", "action_label", "subject_label", "actor", "on_behalf_of",
                    "from_state", "to_state", "ip_address"]
    list_filter = ["action"]
    list_select_related = ["actor", "on_behalf_of"]
    date_hierarchy = "at"
    search_fields = ["subject_label", "action", "comment"]
    # Counting a large append-only table on every page view is slow and tells the reader nothing.
    show_full_result_count = False

    @admin.display(description=_("动作名称"))
    def action_label(self, event):
        return audit.label(event.action)


class AccessGrantForm(forms.ModelForm):
    class Meta:
        model = AccessGrant
        fields = ["user", "subject_type", "subject_id", "kind", "valid_from", "valid_until", "reason"]

    def clean(self):
        cleaned = super().clean()
        subject_type, subject_id = cleaned.get("subject_type"), cleaned.get("subject_id")
        if subject_type and subject_id:
            model = subject_type.model_class()
            try:
                exists = model is not None and model._default_manager.filter(pk=subject_id).exists()
            except (ValueError, TypeError):
                exists = False
            if not exists:
                self.add_error("subject_id", gettext("没有这个对象。"))
        return cleaned


@admin.register(AccessGrant)
class AccessGrantAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Grants by the security administrator: the grantor is whoever saves it, every add, change and delete audited."""

    form = AccessGrantForm
    list_display = ["user", "kind", "subject_type", "subject_id", "granted_by", "valid_from", "valid_until", "created"]
    list_filter = ["kind", "subject_type"]
    list_select_related = ["user", "granted_by", "subject_type"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "subject_id", "reason"]
    autocomplete_fields = ["user"]
    readonly_fields = ["granted_by", "created"]

    def save_model(self, request, obj, form, change):
        obj.granted_by = request.user
        super().save_model(request, obj, form, change)


class DelegationForm(forms.ModelForm):
    class Meta:
        model = Delegation
        fields = ["principal", "delegate", "starts_on", "ends_on", "reason"]

    def clean(self):
        cleaned = super().clean()
        principal, delegate = cleaned.get("principal"), cleaned.get("delegate")
        if principal and delegate:
            try:
                stages.check_delegation(principal=principal, delegate=delegate)
            except ServiceError as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        if cleaned.get("starts_on") and cleaned.get("ends_on") and cleaned["ends_on"] < cleaned["starts_on"]:
            self.add_error("ends_on", gettext("结束日期不能早于开始日期。"))
        return cleaned


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    """委托 set by the security administrator for someone away; written and ended by the 委托 services (audited)."""

    form = DelegationForm
    list_display = ["principal", "delegate", "starts_on", "ends_on", "reason", "created"]
    list_select_related = ["principal", "delegate"]
    search_fields = ["principal__username", "principal__first_name", "delegate__username", "delegate__first_name"]
    date_hierarchy = "starts_on"
    autocomplete_fields = ["principal", "delegate"]
    actions = ["end_delegations"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_end_permission(self, request):
        return request.user.has_perm("workflows.change_delegation")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        created = stages.delegation_create(actor=request.user, principal=data["principal"], delegate=data["delegate"],
                                           starts_on=data["starts_on"], ends_on=data["ends_on"],
                                           reason=data.get("reason", ""))
        obj.pk, obj.created = created.pk, created.created

    def save_related(self, request, form, formsets, change):
        pass  # no related rows; the service wrote everything

    @admin.action(description=_("结束所选委托"), permissions=["end"])
    def end_delegations(self, request, queryset):
        for delegation in queryset:
            stages.delegation_end(actor=request.user, delegation=delegation)
        messages.success(request, gettext("已结束 %(count)s 项委托。") % {"count": len(queryset)})


@admin.register(DueItem)
class DueItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "purpose", "due_at", "provisional", "due_version", "state", "subject_type", "subject_id"]
    list_filter = ["state", "provisional", "purpose"]
    list_select_related = ["subject_type"]
    date_hierarchy = "due_at"
    search_fields = ["title", "subject_id"]


@admin.register(DueAction)
class DueActionAdmin(ReadOnlyAdmin):
    """What the sweep did, per due-date version: written with its notifications, never edited."""

    list_display = ["due_item", "kind", "level", "offset_days", "due_version", "scheduled_at", "done_at", "recipients"]
    list_filter = ["kind", "level"]
    list_select_related = ["due_item"]
    date_hierarchy = "done_at"
    search_fields = ["due_item__title"]
    show_full_result_count = False


@admin.register(DueUrge)
class DueUrgeAdmin(ReadOnlyAdmin):
    list_display = ["due_item", "actor", "at", "recipients", "comment"]
    list_filter = ["due_item__level"]
    list_select_related = ["due_item", "actor"]
    date_hierarchy = "at"
    search_fields = ["due_item__title", "actor__username", "actor__first_name"]
    show_full_result_count = False


from . import admin_definitions  # noqa: E402, F401  (the chain editor registers itself)

# 2FA devices change only through workflows.two_factor (enrolment, the reset action above, both audited), never
# as rows a superuser could add with a key of their choosing.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)
