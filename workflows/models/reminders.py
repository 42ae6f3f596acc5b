from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .due import DueItem


class DueAction(models.Model):
    """One reminder, escalation or automatic action done for one due-date version of a due item.

    The sweep writes it in the same transaction as the notifications and the timeline row, so a crash keeps all
    of them or none; the unique constraint is the last guard against doing the same step twice. Reminders are
    told apart by how many working days before the due date they fall (``offset_days``).
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("到期提醒")
        ESCALATION = "escalation", _("逾期督办")
        ACTION = "action", _("自动处理")

    due_item = models.ForeignKey(DueItem, on_delete=models.CASCADE, related_name="actions", verbose_name=_("期限事项"))
    due_version = models.PositiveIntegerField(_("期限版本"))
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    level = models.CharField(_("级别"), max_length=10, choices=DueItem.Level.choices)
    offset_days = models.PositiveSmallIntegerField(_("提前工作日"), default=0)
    scheduled_at = models.DateTimeField(_("应处理时间"))
    done_at = models.DateTimeField(_("处理时间"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("通知人数"), default=0)

    class Meta:
        verbose_name = _("提醒与督办记录")
        verbose_name_plural = _("提醒与督办记录")
        ordering = ["due_item", "done_at", "pk"]
        permissions = [("view_due_board", _("查看督办看板"))]
        constraints = [
            models.UniqueConstraint(
                fields=["due_item", "due_version", "kind", "level", "offset_days"], name="unique_due_action"
            )
        ]

    def __str__(self):
        return f"{self.due_item} · {self.get_kind_display()} · {self.get_level_display()}"


class DueUrge(models.Model):
    """A 催办 sent by a person on a due item; rate-limited per item and person."""

    due_item = models.ForeignKey(DueItem, on_delete=models.CASCADE, related_name="urges", verbose_name=_("期限事项"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("催办人")
    )
    comment = models.TextField(_("催办意见"), blank=True)
    at = models.DateTimeField(_("催办时间"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("通知人数"), default=0)

    class Meta:
        verbose_name = _("催办记录")
        verbose_name_plural = _("催办记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["due_item", "actor", "at"], name="due_urge_rate_idx")]

    def __str__(self):
        return f"{self.due_item} · {self.actor}"
