from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Broadcast, Delivery, Notification, Preference, WebhookEndpoint


class ReadFilter(admin.SimpleListFilter):
    title = _("阅读状态")
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("no", _("未读")), ("yes", _("已读"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(read_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(read_at__isnull=False)
        return queryset


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ["channel", "status", "attempts", "sent_at", "last_error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


# Both are written only by notifications.services, so the admin shows them and offers no editing.
@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "created", "read_at"]
    list_filter = [ReadFilter, "created"]
    search_fields = ["title", "key", "recipient__username", "recipient__first_name", "recipient__last_name"]
    list_select_related = ["recipient"]
    date_hierarchy = "created"
    fields = ["recipient", "key", "title", "body", "link", "created", "read_at"]
    readonly_fields = fields
    inlines = [DeliveryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["message", "recipient", "channel", "status", "attempts", "created", "sent_at", "error"]
    list_filter = ["status", "channel"]
    search_fields = ["notification__title", "notification__key", "notification__recipient__username",
                     "broadcast__title", "broadcast__key", "last_error"]
    list_select_related = ["notification__recipient", "broadcast", "endpoint"]
    fields = ["notification", "broadcast", "endpoint", "channel", "status", "attempts", "next_attempt_at", "created",
              "sent_at", "last_error"]
    readonly_fields = fields
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("消息"))
    def message(self, obj):
        return obj.message

    @admin.display(description=_("接收人"), ordering="notification__recipient")
    def recipient(self, obj):
        return obj.notification.recipient if obj.notification_id else obj.endpoint

    @admin.display(description=_("最近错误"))
    def error(self, obj):
        return obj.last_error[:80]

    @admin.action(description=_("重新发送"), permissions=["change"])
    def resend(self, request, queryset):
        count = services.delivery_resend(deliveries=queryset)
        self.message_user(
            request,
            ngettext("已重新排队 %(count)d 条发送失败的投递。", "已重新排队 %(count)d 条发送失败的投递。", count)
            % {"count": count},
        )


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    list_display = ["title", "audience", "created"]
    search_fields = ["title", "key", "audience"]
    date_hierarchy = "created"
    fields = ["audience", "key", "title", "body", "link", "created"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "audience", "channel", "is_active"]
    list_filter = ["channel", "is_active"]
    search_fields = ["name", "audience"]
    fields = ["name", "audience", "channel", "url", "secret", "is_active"]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email", "sms"]
    list_filter = ["email", "sms"]
    search_fields = ["user__username", "user__first_name"]
    raw_id_fields = ["user"]
