"""Admin-editable review and sign-off chains: slots (declared in code), versions, and their ordered stages.

viewflow flows stay Python classes (the legal skeleton); only the chains inside a slot are data.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _

from .calendar import DeadlineRule


class FlowSlot(models.Model):
    """A place in a process where admins may edit the chain (e.g. the reply chain inside a unit)."""

    code = models.SlugField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("可配置环节")
        verbose_name_plural = _("可配置环节")
        ordering = ["code"]

    def __str__(self):
        return self.name


class DefinitionVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用")

    slot = models.ForeignKey(FlowSlot, on_delete=models.PROTECT, related_name="versions", verbose_name=_("环节"))
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("创建人"),
    )
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("发布人"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("流程定义版本")
        verbose_name_plural = _("流程定义版本")
        ordering = ["slot", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "number"], name="unique_definition_version"),
            models.UniqueConstraint(
                fields=["slot"], condition=models.Q(status="published"), name="one_published_version_per_slot"
            ),
            models.UniqueConstraint(fields=["slot"], condition=models.Q(status="draft"), name="one_draft_per_slot"),
        ]

    def __str__(self):
        return _("%(slot)s 第 %(number)s 版（%(status)s）") % {
            "slot": self.slot.name, "number": self.number, "status": self.get_status_display()}


class StageDefinition(models.Model):
    """One stage of a chain: who acts, how many must agree, by when, and what happens if nobody does."""

    class Mode(models.TextChoices):
        SEQUENTIAL = "sequential", _("依次审批")
        ALL = "all", _("会签（全部同意）")
        ANY = "any", _("或签（一人同意）")
        RATIO = "ratio", _("比例签（按比例同意）")

    class Scope(models.TextChoices):
        CASE_UNIT = "case_unit", _("本案承办单位")
        CO_UNITS = "co_units", _("本案会办单位")
        ANY = "any", _("具有该角色的所有人")

    class AutoAction(models.TextChoices):
        NONE = "none", _("仅提醒")
        ESCALATE = "escalate", _("逾期升级督办")
        RETURN = "return", _("逾期自动退回")
        APPROVE = "approve", _("逾期自动同意")

    class SkipOperator(models.TextChoices):
        EMPTY = "empty", _("为空时跳过")
        NOT_EMPTY = "not_empty", _("不为空时跳过")
        EQUALS = "equals", _("等于某值时跳过")
        NOT_EQUALS = "not_equals", _("不等于某值时跳过")

    version = models.ForeignKey(DefinitionVersion, on_delete=models.CASCADE, related_name="stages",
                                verbose_name=_("版本"))
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    key = models.SlugField(_("环节标识"), max_length=40, help_text=_("英文标识，跨版本保持不变，用于对比和迁移。"))
    name = models.CharField(_("环节名称"), max_length=60)
    role = models.ForeignKey(Group, on_delete=models.PROTECT, verbose_name=_("办理角色"))
    scope = models.CharField(_("办理范围"), max_length=20, choices=Scope.choices, default=Scope.CASE_UNIT)
    mode = models.CharField(_("审批方式"), max_length=20, choices=Mode.choices, default=Mode.ANY)
    ratio = models.PositiveSmallIntegerField(_("同意比例（%）"), default=100, help_text=_("仅比例签使用，1–100。"))
    deadline_kind = models.CharField(_("期限计算方式"), max_length=20, choices=DeadlineRule.Kind.choices,
                                     default=DeadlineRule.Kind.WORKING_DAYS)
    deadline_amount = models.PositiveSmallIntegerField(_("期限"), default=5)
    reminder_offsets = models.CharField(
        _("提前提醒（工作日）"), max_length=40, default="2,0", blank=True,
        help_text=_("到期前几个工作日提醒，逗号分隔；0 表示到期当天。"),
    )
    yellow_after_days = models.PositiveSmallIntegerField(
        _("黄色督办（逾期后工作日）"), default=1, help_text=_("逾期几个工作日后通知分管领导。")
    )
    red_after_days = models.PositiveSmallIntegerField(
        _("红色督办（逾期后工作日）"), default=4, help_text=_("逾期几个工作日后通知督查室或部门负责人。")
    )
    auto_action = models.CharField(_("逾期自动处理"), max_length=10, choices=AutoAction.choices,
                                   default=AutoAction.ESCALATE)
    skip_field = models.CharField(_("跳过条件字段"), max_length=60, blank=True)
    skip_operator = models.CharField(_("跳过条件"), max_length=20, choices=SkipOperator.choices, blank=True)
    skip_value = models.CharField(_("跳过条件值"), max_length=100, blank=True)
    allow_batch_approve = models.BooleanField(_("允许批量同意"), default=False)
    phrases = models.TextField(_("常用语"), blank=True, help_text=_("每行一条。"))

    class Meta:
        verbose_name = _("环节定义")
        verbose_name_plural = _("环节定义")
        ordering = ["version", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="unique_stage_key_per_version")]

    def __str__(self):
        return self.name

    @property
    def phrase_list(self) -> list[str]:
        return [line.strip() for line in self.phrases.splitlines() if line.strip()]

    @property
    def reminder_offset_list(self) -> list[int]:
        return sorted({int(p) for p in self.reminder_offsets.replace("，", ",").split(",") if p.strip().isdigit()},
                      reverse=True)
