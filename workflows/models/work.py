"""Work items: every step a person must take, one row each, so 待办 and 待认领 are one table."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkItem(models.Model):
    """One pending human step of a case.

    An open item held by a person (``assignee``) is in that person's 待办; an open item offered to a role (``role``,
    inside ``unit`` when set) and not yet claimed is in the 待认领 of everyone who holds that role there. Claiming
    one makes the claimant its ``assignee`` (the role stays: releasing gives it back), so who holds an item is
    always one column, the one 待办 reads. The service that makes a step actionable opens its item and the service
    that does the step closes it, in their own transactions. The deadline is the linked due item's: it is never
    copied here.
    """

    class State(models.TextChoices):
        OPEN = "open", _("待办")
        DONE = "done", _("已办")
        CANCELED = "canceled", _("已取消")

    # The case (proposal, nomination case, representative round) whose page the item opens.
    case_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    case_id = models.CharField(max_length=64)
    case = GenericForeignKey("case_type", "case_id")
    # What the step acts on (a stage task, an assignment, a co-signer…); the case itself when nothing narrower.
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.CharField(max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    step = models.CharField(_("步骤"), max_length=60)
    title = models.CharField(_("事项"), max_length=200)
    case_label = models.CharField(_("案件"), max_length=200)
    link = models.CharField(_("链接"), max_length=300)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="work_items", verbose_name=_("办理人"))
    role = models.ForeignKey(Group, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("角色"))
    unit = models.ForeignKey("workflows.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("单位"))
    due_item = models.ForeignKey("workflows.DueItem", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="work_items", verbose_name=_("期限"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("办理人"))

    class Meta:
        verbose_name = _("待办事项")
        verbose_name_plural = _("待办事项")
        indexes = [
            # 待办 and 待认领 count, order and offer their filters from these indexes alone (index-only scans): the
            # due item's key for the sort by its date (``DueItem``'s ``due_key_idx``), the id for the page, case type
            # and step for the 类型 and 步骤 choices.
            models.Index(fields=["assignee"], include=["due_item", "id", "case_type", "step"], name="work_inbox_idx",
                         condition=models.Q(state="open")),
            models.Index(fields=["role", "unit"], include=["due_item", "id", "case_type", "step"],
                         name="work_queue_idx", condition=models.Q(state="open", assignee__isnull=True)),
            models.Index(fields=["case_type", "case_id"], name="work_case_idx"),
            models.Index(fields=["target_type", "target_id", "step"], name="work_target_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(assignee__isnull=False) | models.Q(role__isnull=False)
                | models.Q(unit__isnull=False),
                name="work_item_has_holder",
            ),
        ]

    def __str__(self):
        return f"{self.title} · {self.case_label}"

    @property
    def claimed(self) -> bool:
        """Offered to a role and taken by a person (who may give it back: 退回认领)."""
        return bool(self.assignee_id and (self.role_id or self.unit_id))
