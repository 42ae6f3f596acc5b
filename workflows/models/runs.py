"""A chain running on one case: the pinned version, and one task per person who must act."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .definitions import DefinitionVersion, FlowSlot, StageDefinition


class StageRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("进行中")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")
        RETURNED = "returned", _("已退回申请人")
        WITHDRAWN = "withdrawn", _("已撤回")
        CANCELED = "canceled", _("已取消")
        DECIDED = "decided", _("已决定")

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    subject_id = models.CharField(max_length=64)
    subject = GenericForeignKey("subject_type", "subject_id")
    slot = models.ForeignKey(FlowSlot, on_delete=models.PROTECT, related_name="runs")
    version = models.ForeignKey(DefinitionVersion, on_delete=models.PROTECT, related_name="runs",
                                verbose_name=_("定义版本"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    current_order = models.PositiveSmallIntegerField(_("当前环节"), null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("申请人"))
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    case_label = models.CharField(_("案件"), max_length=200, blank=True)
    case_link = models.CharField(_("链接"), max_length=300, blank=True)
    # A decision stage's outcome code (``StageSpec.outcomes``) when the chain ended "decided"; the domain reads it.
    outcome = models.CharField(_("决定结果"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("审批流转")
        verbose_name_plural = _("审批流转")
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="run_subject_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "slot"], condition=models.Q(status="running"),
                name="one_running_chain_per_subject_slot",
            )
        ]

    def __str__(self):
        return f"{self.case_label} · {self.slot}"


class StageTask(models.Model):
    """One person's turn in a stage. An open task has one open due item (its deadline, the only stored date) and one
    open work item (its row in the holder's 待办)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("等待前序")
        OPEN = "open", _("待办")
        APPROVED = "approved", _("同意")
        REJECTED = "rejected", _("不同意")
        RETURNED = "returned", _("退回")
        TRANSFERRED = "transferred", _("已转交")
        REMOVED = "removed", _("已减签")
        SKIPPED = "skipped", _("已跳过")
        CANCELED = "canceled", _("已取消")
        DECIDED = "decided", _("已决定")

    class Added(models.TextChoices):
        NO = "", _("原定")
        BEFORE = "before", _("前加签")
        AFTER = "after", _("后加签")
        PARALLEL = "parallel", _("会签加签")
        TRANSFER = "transfer", _("转交")

    run = models.ForeignKey(StageRun, on_delete=models.CASCADE, related_name="tasks")
    stage = models.ForeignKey(StageDefinition, on_delete=models.PROTECT, related_name="+", verbose_name=_("环节"))
    stage_order = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField(default=0, help_text="position inside a sequential stage")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stage_tasks",
                                 verbose_name=_("办理人"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    added = models.CharField(_("来源"), max_length=10, choices=Added.choices, default=Added.NO, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    waits_for = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                  help_text="前加签: this task reopens when that one is approved")
    acted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("实际办理人"))
    comment = models.TextField(_("意见"), blank=True)
    # The outcome code chosen on a decision stage (status "decided"); its label comes from the slot's StageSpec.
    outcome = models.CharField(_("决定结果"), max_length=30, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("审批任务")
        verbose_name_plural = _("审批任务")
        ordering = ["stage_order", "seq", "pk"]
        indexes = [
            models.Index(fields=["assignee"], name="stagetask_open_idx", condition=models.Q(status="open")),
            models.Index(fields=["run", "stage_order", "status"], name="stagetask_run_idx"),
        ]

    def __str__(self):
        return f"{self.stage} · {self.assignee} · {self.get_status_display()}"


class Delegation(models.Model):
    """委托: an out-of-office delegate who may act on the principal's tasks inside a date range."""

    principal = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_given",
                                  verbose_name=_("委托人"))
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="delegations_received", verbose_name=_("受托人"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("委托")
        verbose_name_plural = _("委托")
        indexes = [models.Index(fields=["delegate", "starts_on", "ends_on"], name="delegation_delegate_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="delegation_dates"),
            models.CheckConstraint(condition=~models.Q(principal=models.F("delegate")), name="delegation_not_self"),
        ]

    def __str__(self):
        return f"{self.principal} → {self.delegate} {self.starts_on}–{self.ends_on}"


class UserPhrase(models.Model):
    """A user's own 常用语, optionally for one stage key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phrases")
    stage_key = models.SlugField(max_length=40, blank=True)
    text = models.CharField(_("常用语"), max_length=200)

    class Meta:
        verbose_name = _("个人常用语")
        verbose_name_plural = _("个人常用语")
        ordering = ["pk"]

    def __str__(self):
        return self.text
