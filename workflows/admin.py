from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import passwords
from .accounts_import import AccountImporter
from .admin_audit import AuditedAdminMixin, audited_register, record_change
from .imports import ImportAdminMixin
from .models import (
    AccessGrant,
    AuditEvent,
    CalendarDay,
    CalendarYear,
    DeadlineRule,
    DueAction,
    DueItem,
    DueUrge,
    Unit,
    UnitMembership,
)
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
    """User accounts with their roles (Chinese labels) and units, one by one or imported from Excel; audited."""

    importer = AccountImporter()
    list_display = ["username", "first_name", "roles", "unit_names", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    search_fields = ["username", "first_name", "last_name", "email"]
    inlines = [UserUnitInline]
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
        return self.inlines if obj is not None else []

    @admin.display(description=_("角色"))
    def roles(self, obj):
        return "、".join(str(role_label(g.name)) for g in obj.groups.all())

    @admin.display(description=_("单位"))
    def unit_names(self, obj):
        return "、".join(f"{m.unit.name}（{m.get_role_display()}）" for m in obj.unit_memberships.all())

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # The password chosen in "add user" is the administrator's: the owner replaces it at first login.
            passwords.require_change(obj)

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, id)
                passwords.require_change(user)
                record_change(request=request, obj=user, action="admin.password_changed",
                              lines=[[str(_("密码")), "", str(_("已修改"))]])
        return response


class RoleAdmin(AuditedAdminMixin, GroupAdmin):
    """The role groups: created by the apps (``ensure_roles``); a permission granted here is audited."""

    list_display = ["name", "label"]

    @admin.display(description=_("角色"))
    def label(self, obj):
        return role_label(obj.name)


audited_register(get_user_model(), AccountAdmin)
audited_register(Group, RoleAdmin)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "subject_label", "actor", "on_behalf_of", "from_state", "to_state"]
    list_filter = ["action"]
    list_select_related = ["actor", "on_behalf_of"]
    date_hierarchy = "at"
    search_fields = ["subject_label", "action", "comment"]
    # Counting a large append-only table on every page view is slow and tells the reader nothing.
    show_full_result_count = False


@admin.register(AccessGrant)
class AccessGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "subject_type", "subject_id", "granted_by", "valid_from", "valid_until", "created"]
    list_filter = ["kind", "subject_type"]
    list_select_related = ["user", "granted_by", "subject_type"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "subject_id", "reason"]
    autocomplete_fields = ["user", "granted_by"]


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
