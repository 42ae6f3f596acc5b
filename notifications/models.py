from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """A message to one user, shown in the in-product centre; channels deliver copies of it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    key = models.CharField(_("幂等键"), max_length=200)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created", "-pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="unique_notification_key")]
        indexes = [
            models.Index(fields=["recipient", "-created"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"], name="notification_unread_idx", condition=models.Q(read_at__isnull=True)
            ),
        ]

    def __str__(self):
        return self.title


class Broadcast(models.Model):
    """A message to a group audience (e.g. a unit's work group), posted once per key by that audience's robots.

    The audience is an opaque string chosen by the sender; this app only matches it against webhook endpoints.
    """

    audience = models.CharField(_("接收范围"), max_length=100)
    key = models.CharField(_("幂等键"), max_length=200)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("群消息")
        verbose_name_plural = _("群消息")
        ordering = ["-created", "-pk"]
        constraints = [models.UniqueConstraint(fields=["audience", "key"], name="unique_broadcast_key")]

    def __str__(self):
        return self.title


class Delivery(models.Model):
    """The transactional outbox: one row per notification and channel (or per group message and robot).

    Written in the same transaction as the notification, so a message is never lost once its cause commits.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("电子邮件")
        WECOM = "wecom", _("企业微信")
        DINGTALK = "dingtalk", _("钉钉")
        SMS = "sms", _("短信")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        SKIPPED = "skipped", _("无需发送")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries",
        verbose_name=_("通知"),
    )
    broadcast = models.ForeignKey(
        Broadcast, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries", verbose_name=_("群消息")
    )
    endpoint = models.ForeignKey(
        "notifications.WebhookEndpoint", on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries",
        verbose_name=_("群机器人"),
    )
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    # Set when a failed send waits for its backed-off retry, and when the relay re-queues a row, so the
    # relay leaves the row alone until then and does not undo the backoff.
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="unique_delivery_channel"),
            models.UniqueConstraint(fields=["broadcast", "endpoint"], name="unique_delivery_endpoint"),
            models.CheckConstraint(
                condition=models.Q(notification__isnull=False, broadcast__isnull=True, endpoint__isnull=True)
                | models.Q(notification__isnull=True, broadcast__isnull=False, endpoint__isnull=False),
                name="delivery_one_target",
            ),
        ]
        indexes = [
            models.Index(fields=["created"], name="delivery_pending_idx", condition=models.Q(status="pending")),
        ]

    def __str__(self):
        return f"{self.message} → {self.get_channel_display()}"

    @property
    def message(self) -> Notification | Broadcast:
        """What is sent: the notification, or the group message (both have title, body, link and key)."""
        return self.notification if self.notification_id else self.broadcast


class WebhookEndpoint(models.Model):
    """A group robot of 企业微信 or 钉钉 that posts the group messages of one audience (e.g. a unit's work group)."""

    ROBOT_CHANNELS = (Delivery.Channel.WECOM, Delivery.Channel.DINGTALK)

    name = models.CharField(_("名称"), max_length=100, help_text=_("例如：县教育局工作群。"))
    audience = models.CharField(
        _("接收范围"), max_length=100, db_index=True,
        help_text=_("发送方约定的标识：单位工作群填写 unit:单位编号（单位编号见单位管理页的地址）。"),
    )
    channel = models.CharField(_("平台"), max_length=20, choices=[(c.value, c.label) for c in ROBOT_CHANNELS])
    url = models.URLField(_("Webhook 地址"), max_length=500)
    secret = models.CharField(
        _("加签密钥"), max_length=200, blank=True, help_text=_("钉钉机器人“加签”安全设置中的密钥（SEC 开头）；企业微信无需填写。")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        ordering = ["audience", "name"]

    def __str__(self):
        return self.name


class Preference(models.Model):
    """A user's channels: the in-product centre always; e-mail unless switched off; SMS only when asked for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference",
        verbose_name=_("用户"),
    )
    email = models.BooleanField(_("接收邮件"), default=True)
    sms = models.BooleanField(_("接收短信"), default=False)
    mobile = models.CharField(_("手机号码"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self):
        return str(self.user)
