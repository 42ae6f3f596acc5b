from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class DueItem(models.Model):
    """A deadline the sweeps watch: one per open stage task or assignment window.

    An extension or a calendar change bumps ``due_version`` so that reminders for the new date still fire
    and none repeat for the old one.
    """

    class State(models.TextChoices):
        OPEN = "open", _("进行中")
        DONE = "done", _("已完成")
        CANCELED = "canceled", _("已取消")

    class Level(models.TextChoices):
        """The escalation colours of DOMAIN §2.7: 蓝 near the deadline, 黄 overdue, 红 seriously overdue."""

        NONE = "", _("正常")
        BLUE = "blue", _("蓝色提醒")
        YELLOW = "yellow", _("黄色督办")
        RED = "red", _("红色督办")

    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    subject_id = models.CharField(max_length=64)
    subject = GenericForeignKey("subject_type", "subject_id")
    purpose = models.CharField(_("事项"), max_length=60)
    title = models.CharField(_("标题"), max_length=200)
    rule = models.ForeignKey("workflows.DeadlineRule", on_delete=models.PROTECT, null=True, blank=True)
    # The rule as applied (copied from a DeadlineRule or a stage definition), so a later edit of either does not
    # silently move a running deadline; only an explicit recompute does.
    deadline_kind = models.CharField(_("计算方式"), max_length=20, blank=True)
    deadline_amount = models.PositiveSmallIntegerField(_("数量"), null=True, blank=True)
    anchor_at = models.DateTimeField(_("起算时间"))
    due_at = models.DateTimeField(_("截止时间"))
    due_version = models.PositiveIntegerField(_("期限版本"), default=1)
    provisional = models.BooleanField(
        _("暂定"), default=False, help_text=_("截止日落在尚未录入节假日的年份，按周一至周五估算。")
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    # The stage's reminder and escalation settings; empty means the policy registered for the subject type
    # (workflows.subjects), and failing that the defaults in settings.
    reminder_offsets = models.JSONField(
        _("提前提醒（工作日）"), null=True, blank=True, help_text=_("到期前几个工作日提醒，0 表示到期当天。")
    )
    yellow_after_days = models.PositiveSmallIntegerField(_("黄色督办（逾期后工作日）"), null=True, blank=True)
    red_after_days = models.PositiveSmallIntegerField(_("红色督办（逾期后工作日）"), null=True, blank=True)
    # Kept by the sweep (workflows.sweeps): the colour reached, the unit answerable for the item, when to look at
    # it again, and the due-date version those were worked out for (a new version is swept again at once).
    level = models.CharField(_("督办级别"), max_length=10, choices=Level.choices, blank=True, default="")
    unit = models.ForeignKey(
        "workflows.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("责任单位"),
    )
    # Whose 督办看板 shows the item (e.g. "proposals": 督查室; "nomination": the departments' leaders).
    board = models.CharField(_("督办范围"), max_length=30, blank=True, default="")
    next_action_at = models.DateTimeField(_("下次处理时间"), null=True, blank=True)
    planned_version = models.PositiveIntegerField(_("已排期版本"), default=0)

    class Meta:
        verbose_name = _("期限事项")
        verbose_name_plural = _("期限事项")
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="due_subject_idx"),
            # The worklists sort by due date: each row's date read from this index alone (index-only scans).
            models.Index(fields=["id"], include=["due_at"], name="due_key_idx"),
            models.Index(
                fields=["due_at"], name="due_open_idx", condition=models.Q(state="open")
            ),
            models.Index(fields=["next_action_at"], name="due_sweep_idx", condition=models.Q(state="open")),
            models.Index(
                fields=["id"], name="due_replan_idx",
                condition=models.Q(state="open") & ~models.Q(planned_version=models.F("due_version")),
            ),
            models.Index(fields=["board", "unit", "level"], name="due_board_idx", condition=models.Q(state="open")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "purpose"],
                condition=models.Q(state="open"),
                name="unique_open_due_item",
            )
        ]

    def __str__(self):
        return f"{self.title} {self.due_at:%Y-%m-%d}"
