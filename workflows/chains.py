"""Slots: the places where admins edit a chain, declared in code by the domain apps, and the rules a version obeys.

A domain app registers a :class:`SlotSpec` (its default chain, which stages are fixed by regulation, how to find
the people for a stage, and what to do when the chain ends). Admins then edit versions of that chain as data;
:func:`validate` refuses any version that would remove, weaken or auto-approve a fixed stage.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from .models import DefinitionVersion, FlowSlot, StageDefinition


@dataclass(frozen=True)
class StageSpec:
    key: str
    name: str
    role: str  # a Group name
    scope: str = StageDefinition.Scope.CASE_UNIT
    mode: str = StageDefinition.Mode.ANY
    deadline_kind: str = "working_days"
    deadline_amount: int = 5
    auto_action: str = StageDefinition.AutoAction.ESCALATE
    allow_batch_approve: bool = False
    phrases: str = ""
    skip_field: str = ""
    skip_operator: str = ""
    # The default chain's 顺序: stages sharing one run in parallel; None numbers the stages 1, 2, 3 … in order.
    order: int | None = None
    # Fixed by regulation [R]: present in every version, never skipped or auto-approved, deadline at least this.
    required: bool = False
    min_deadline_amount: int | None = None
    # A decision stage: the outcomes its holder chooses from ((code, label), …), recorded as made on the task, the
    # run and the timeline (``stages.decide``); the chain ends with the decision.
    outcomes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SlotSpec:
    code: str
    name: str
    stages: tuple[StageSpec, ...]
    # (subject, stage) -> users who act in that stage
    resolve_assignees: Callable
    # (run, outcome, actor) -> None, called inside the transaction that ends the chain
    on_finish: Callable
    # subject -> (label, link) shown in inboxes and messages
    describe: Callable
    # field name -> label: the case fields a skip rule may test; and subject -> {field: value}
    skip_fields: dict = field(default_factory=dict)
    case_values: Callable = lambda subject: {}
    allow_auto_approve: bool = False
    description: str = ""
    # subject -> the object whose timeline shows the chain's events (e.g. a reply's proposal)
    timeline_subject: Callable = lambda subject: subject
    # subject -> the case row locked before the run (lock order case → run → children; ``workflows.locks``)
    case_of: Callable = lambda subject: subject
    # (subject, task) -> who hears of an overdue task: 黄 the 分管领导, 红 督查室 or the department head.
    # Default: the leaders of the holder's unit at 黄, nobody more at 红.
    overdue_leaders: Callable | None = None
    overdue_supervisors: Callable | None = None
    # whose 督办看板 lists the late tasks (``subjects.register_board``)
    board: str = ""

    def required_keys(self) -> dict[str, StageSpec]:
        return {stage.key: stage for stage in self.stages if stage.required}


SLOTS: dict[str, SlotSpec] = {}


def register(spec: SlotSpec) -> SlotSpec:
    SLOTS[spec.code] = spec
    return spec


def spec_for(slot_code: str) -> SlotSpec:
    return SLOTS[slot_code]


@transaction.atomic
def ensure_slots(**kwargs) -> None:
    """Create each registered slot and, the first time, its default chain as published version 1 (post_migrate)."""
    for spec in SLOTS.values():
        slot, _created = FlowSlot.objects.update_or_create(
            code=spec.code, defaults={"name": spec.name, "description": spec.description}
        )
        if slot.versions.exists():
            continue
        version = DefinitionVersion.objects.create(slot=slot, number=1, status=DefinitionVersion.Status.PUBLISHED,
                                                   note=_("系统默认"))
        for position, stage in enumerate(spec.stages, start=1):
            role, _created = Group.objects.get_or_create(name=stage.role)
            StageDefinition.objects.create(
                version=version, order=stage.order or position, key=stage.key, name=stage.name, role=role, scope=stage.scope,
                mode=stage.mode, deadline_kind=stage.deadline_kind, deadline_amount=stage.deadline_amount,
                auto_action=stage.auto_action, allow_batch_approve=stage.allow_batch_approve, phrases=stage.phrases,
                skip_field=stage.skip_field, skip_operator=stage.skip_operator,
            )


def validate(version: DefinitionVersion, stages=None) -> list[str]:
    """Every reason (in Chinese) this version may not be published; an empty list means it may."""
    spec = spec_for(version.slot.code)
    stages = list(stages if stages is not None else version.stages.select_related("role").order_by("order", "pk"))
    errors = []
    if not stages:
        errors.append(_("至少需要一个环节。"))
    # Stages that share a 顺序 run in parallel; parallel 依次 stages would leave "in order" meaningless.
    orders = [stage.order for stage in stages]
    for order in sorted({o for o in orders if orders.count(o) > 1}):
        sequential = [s.name for s in stages if s.order == order and s.mode == StageDefinition.Mode.SEQUENTIAL]
        if sequential:
            errors.append(_("顺序 %(order)s 的环节并行办理，其中“%(names)s”不能设为依次审批。") % {
                "order": order, "names": "、".join(sequential)})
    keys = [stage.key for stage in stages]
    for key in {k for k in keys if keys.count(k) > 1}:
        errors.append(_("环节标识“%(key)s”重复。") % {"key": key})
    by_key = {stage.key: stage for stage in stages}
    for key, fixed in spec.required_keys().items():
        stage = by_key.get(key)
        if stage is None:
            errors.append(_("“%(name)s”是法定环节，不能删除。") % {"name": fixed.name})
            continue
        if stage.skip_operator:
            errors.append(_("“%(name)s”是法定环节，不能设置跳过条件。") % {"name": stage.name})
        if stage.auto_action == StageDefinition.AutoAction.APPROVE:
            errors.append(_("“%(name)s”是法定环节，不能逾期自动同意。") % {"name": stage.name})
        if fixed.min_deadline_amount and (
            stage.deadline_kind != fixed.deadline_kind or stage.deadline_amount < fixed.min_deadline_amount
        ):
            errors.append(_("“%(name)s”的期限不得少于法定的 %(amount)s 个工作日。") % {
                "name": stage.name, "amount": fixed.min_deadline_amount})
    for stage in stages:
        if not stage.name.strip():
            errors.append(_("第 %(order)s 个环节缺少名称。") % {"order": stage.order})
        if stage.auto_action == StageDefinition.AutoAction.APPROVE and not spec.allow_auto_approve:
            errors.append(_("“%(name)s”：本流程不允许逾期自动同意。") % {"name": stage.name})
        if stage.mode == StageDefinition.Mode.RATIO and not 1 <= stage.ratio <= 100:
            errors.append(_("“%(name)s”：同意比例须在 1 到 100 之间。") % {"name": stage.name})
        if stage.deadline_amount < 1:
            errors.append(_("“%(name)s”：期限至少为 1。") % {"name": stage.name})
        if stage.red_after_days < stage.yellow_after_days:
            errors.append(_("“%(name)s”：红色督办不能早于黄色督办。") % {"name": stage.name})
        if stage.skip_operator or stage.skip_field:
            if stage.skip_field not in spec.skip_fields:
                errors.append(_("“%(name)s”：跳过条件只能使用这些字段：%(fields)s。") % {
                    "name": stage.name, "fields": "、".join(str(v) for v in spec.skip_fields.values()) or "—"})
            if not stage.skip_operator:
                errors.append(_("“%(name)s”：请选择跳过条件。") % {"name": stage.name})
            if stage.skip_operator in ("equals", "not_equals") and not stage.skip_value:
                errors.append(_("“%(name)s”：请填写跳过条件的值。") % {"name": stage.name})
    return errors


def skips(stage: StageDefinition, values: dict) -> bool:
    """Whether a stage's skip rule applies to a case (shown on the timeline when it does)."""
    if not stage.skip_operator or not stage.skip_field:
        return False
    value = values.get(stage.skip_field)
    text = "" if value is None else str(value)
    return {
        "empty": text == "",
        "not_empty": text != "",
        "equals": text == stage.skip_value,
        "not_equals": text != stage.skip_value,
    }[stage.skip_operator]
