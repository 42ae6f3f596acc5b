"""Slots: the places where admins edit a chain, declared in code by the domain apps, and the rules a version obeys.

A domain app registers a :class:`SlotSpec` (its default chain, which stages are fixed by regulation, how to find
the people for a stage, and what to do when the chain ends). Admins then edit versions of that chain as data;
:func:`validate` refuses any version that would remove, weaken or auto-approve a fixed stage, and the editor refuses
to save such a draft (:func:`fixed_stage_errors`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext as _

from .models import DeadlineRule, DefinitionVersion, FlowSlot, StageDefinition
from .roles import label as role_label


def subject_itself(subject):
    """The default ``SlotSpec.case_of``: the chain runs on the case itself (locked by its key, never read first)."""
    return subject


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
    # Fixed by regulation [R] (each required stage cites its DOMAIN rule where it is declared): present in every
    # version, kept in its place among the other fixed stages, never skipped, and none of the following changed.
    required: bool = False
    # Its role and assignee scope (None: fixed when required).
    fixed_role: bool | None = None
    # Its mode (None: fixed when required).
    fixed_mode: bool | None = None
    # The shortest deadline, in ``deadline_kind`` units, which never changes (None: the default deadline_amount).
    min_deadline_amount: int | None = None
    # The automatic actions allowed when overdue (empty: only the default ``auto_action``).
    auto_actions: tuple[str, ...] = ()
    # A stage one department must hold (a 统战部 opinion; each half of a two-department decision): its label and
    # roles. No version may hand it to any other role, e.g. the other department's.
    department: str = ""
    department_roles: tuple[str, ...] = ()
    # A decision stage: the outcomes its holder chooses from ((code, label), …), recorded as made on the task, the
    # run and the timeline (``stages.decide``); the chain ends with the decision.
    outcomes: tuple[tuple[str, str], ...] = ()

    @property
    def role_fixed(self) -> bool:
        return self.required if self.fixed_role is None else self.fixed_role

    @property
    def mode_fixed(self) -> bool:
        return self.required if self.fixed_mode is None else self.fixed_mode

    @property
    def shortest_deadline(self) -> int:
        return self.deadline_amount if self.min_deadline_amount is None else self.min_deadline_amount

    @property
    def allowed_auto_actions(self) -> tuple[str, ...]:
        return self.auto_actions or (self.auto_action,)


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
    case_of: Callable = subject_itself
    # relations read with the subject when a run is locked, so that walking to its case costs no more queries
    subject_related: tuple[str, ...] = ()
    # (subject, task) -> who hears of an overdue task: 黄 the 分管领导, 红 督查室 or the department head.
    # Default: the leaders of the holder's unit at 黄, nobody more at 红.
    overdue_leaders: Callable | None = None
    overdue_supervisors: Callable | None = None
    # whose 督办看板 lists the late tasks (``subjects.register_board``)
    board: str = ""
    # (subject, task) -> None, raising ServiceError when the task may not take a 同意 yet (e.g. a drafting stage
    # without its draft): the domain's precondition, checked by ``stages.approve`` whatever page the 同意 comes from.
    before_approve: Callable | None = None

    def required_keys(self) -> dict[str, StageSpec]:
        return {stage.key: stage for stage in self.stages if stage.required}

    def default_orders(self) -> dict[str, int]:
        """The default chain's 顺序 per stage key (stages sharing one run in parallel)."""
        return {stage.key: stage.order or position for position, stage in enumerate(self.stages, start=1)}


SLOTS: dict[str, SlotSpec] = {}


def register(spec: SlotSpec) -> SlotSpec:
    for stage in spec.stages:
        # The default chain obeys its own fixed rules, or every version (the first included) would be refused.
        if stage.department_roles and stage.role not in stage.department_roles or (
            stage.auto_action not in stage.allowed_auto_actions or stage.deadline_amount < stage.shortest_deadline
        ):
            raise ImproperlyConfigured(f"{spec.code}: stage {stage.key} breaks its own fixed rules")
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
        orders = spec.default_orders()
        for stage in spec.stages:
            role, _created = Group.objects.get_or_create(name=stage.role)
            StageDefinition.objects.create(
                version=version, order=orders[stage.key], key=stage.key, name=stage.name, role=role, scope=stage.scope,
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
    errors.extend(fixed_stage_errors(spec, stages))
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


def fixed_stage_errors(spec: SlotSpec, stages) -> list[str]:
    """Every way ``stages`` (a version's rows, saved or not) remove or change what regulation fixes on the slot's
    required stages, in Chinese, each naming the stage and what changed. The admin refuses to save such a draft;
    :func:`validate` reports it (and so refuses 发布), also on versions already in the database."""
    errors = []
    by_key = {stage.key: stage for stage in stages}
    fixed_stages = spec.required_keys()
    for key, fixed in fixed_stages.items():
        stage = by_key.get(key)
        if stage is None:
            errors.append(_("“%(name)s”是法定环节，不能删除。") % {"name": fixed.name})
            continue
        errors.extend(_changed(fixed, stage))
    errors.extend(_reordered(spec, [key for key in fixed_stages if key in by_key], by_key))
    return errors


def _changed(fixed: StageSpec, stage) -> list[str]:
    errors = []
    name = stage.name or fixed.name
    role = stage.role.name if stage.role_id else ""
    if fixed.department_roles and role not in fixed.department_roles:
        errors.append(_("“%(name)s”须由%(department)s办理，不能交给“%(role)s”。") % {
            "name": name, "department": fixed.department, "role": role_label(role)})
    elif fixed.role_fixed and role != fixed.role:
        errors.append(_("“%(name)s”是法定环节，办理角色须为“%(fixed)s”，不能改为“%(role)s”。") % {
            "name": name, "fixed": role_label(fixed.role), "role": role_label(role)})
    if fixed.role_fixed and stage.scope != fixed.scope:
        errors.append(_("“%(name)s”是法定环节，办理范围须为“%(fixed)s”，不能改为“%(scope)s”。") % {
            "name": name, "fixed": StageDefinition.Scope(fixed.scope).label, "scope": _label(
                StageDefinition.Scope, stage.scope)})
    if fixed.mode_fixed and stage.mode != fixed.mode:
        errors.append(_("“%(name)s”是法定环节，审批方式须为“%(fixed)s”，不能改为“%(mode)s”。") % {
            "name": name, "fixed": StageDefinition.Mode(fixed.mode).label, "mode": _label(
                StageDefinition.Mode, stage.mode)})
    if stage.deadline_kind != fixed.deadline_kind:
        errors.append(_("“%(name)s”是法定环节，期限须按“%(fixed)s”计算，不能改为“%(kind)s”。") % {
            "name": name, "fixed": DeadlineRule.Kind(fixed.deadline_kind).label, "kind": _label(
                DeadlineRule.Kind, stage.deadline_kind)})
    elif stage.deadline_amount is None or stage.deadline_amount < fixed.shortest_deadline:
        errors.append(_("“%(name)s”的期限不得少于法定的 %(amount)s 个%(unit)s，不能改为 %(new)s 个%(unit)s。") % {
            "name": name, "amount": fixed.shortest_deadline, "new": stage.deadline_amount,
            "unit": _unit(fixed.deadline_kind)})
    if stage.auto_action not in fixed.allowed_auto_actions:
        if stage.auto_action == StageDefinition.AutoAction.APPROVE:
            errors.append(_("“%(name)s”是法定环节，不能逾期自动同意。") % {"name": name})
        else:
            errors.append(_("“%(name)s”是法定环节，逾期自动处理须为“%(fixed)s”，不能改为“%(action)s”。") % {
                "name": name, "action": _label(StageDefinition.AutoAction, stage.auto_action),
                "fixed": "、".join(str(StageDefinition.AutoAction(a).label) for a in fixed.allowed_auto_actions)})
    if (stage.skip_field, stage.skip_operator) != (fixed.skip_field, fixed.skip_operator):
        if fixed.skip_operator:
            errors.append(_("“%(name)s”是法定环节，不能改变跳过条件。") % {"name": name})
        else:
            errors.append(_("“%(name)s”是法定环节，不能设置跳过条件。") % {"name": name})
    return errors


def _reordered(spec: SlotSpec, keys: list[str], by_key: dict) -> list[str]:
    """The fixed stages keep their places among themselves: who comes first, and who runs in parallel."""
    errors, default = [], spec.default_orders()
    names = {stage.key: stage.name for stage in spec.stages}

    def sign(a, b):
        return (a > b) - (a < b)

    for i, first in enumerate(keys):
        for second in keys[i + 1:]:
            expected = sign(default[first], default[second])
            if sign(by_key[first].order, by_key[second].order) == expected:
                continue
            if expected == 0:
                message = _("法定环节“%(first)s”和“%(second)s”须并行办理（顺序相同），不能改变。")
            else:
                message = _("法定环节“%(first)s”须在“%(second)s”之前办理，顺序不能改变。")
            before, after = (second, first) if expected > 0 else (first, second)
            errors.append(message % {"first": names[before], "second": names[after]})
    return errors


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or "—"


def _unit(kind: str) -> str:
    return {DeadlineRule.Kind.WORKING_DAYS: _("工作日"), DeadlineRule.Kind.CALENDAR_DAYS: _("自然日"),
            DeadlineRule.Kind.MONTHS: _("月")}.get(kind, kind)


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
