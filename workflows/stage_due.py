"""Stage tasks as due-item subjects: the sweep reminds and escalates them like any other deadline.

A stage task's due item (purpose ``stage-task``, opened by the stage runner) takes its reminder offsets, 黄/红
delays and automatic action from the task's stage definition, i.e. from the pinned version the admins published.
Who hears of an overdue task is the slot's business (``SlotSpec.overdue_leaders`` / ``overdue_supervisors``).
"""

from django.utils.translation import gettext as _

from . import due, reminders, stages, subjects
from .chains import spec_for
from .models import DueItem, StageDefinition, StageTask

AutoAction = StageDefinition.AutoAction


def acts_by_itself(task: StageTask) -> bool:
    """Whether the stage's 逾期自动处理 does anything: 退回 always; 同意 only where the slot allows it and the stage
    is not fixed by regulation (validation refuses such versions; an action that would do nothing is not offered)."""
    stage, spec = task.stage, spec_for(task.run.slot.code)
    if stage.auto_action == AutoAction.RETURN:
        return True
    return stage.auto_action == AutoAction.APPROVE and spec.allow_auto_approve and stage.key not in spec.required_keys()


def offsets(text: str) -> tuple[int, ...]:
    """The stage's "2,0" reminder offsets; anything that is not a whole number is ignored."""
    return tuple(int(part) for part in text.replace("，", ",").split(",") if part.strip().isdigit())


def policy(item: DueItem) -> subjects.Policy:
    task = item.subject
    if task is None:
        return reminders.default_policy()
    stage = task.stage
    return subjects.Policy(
        reminder_offsets=offsets(stage.reminder_offsets),
        yellow_after_days=stage.yellow_after_days,
        red_after_days=max(stage.red_after_days, stage.yellow_after_days),
        action_level=DueItem.Level.RED if acts_by_itself(task) else "",
    )


def resolve(item: DueItem, task: StageTask) -> subjects.Resolution:
    run = task.run
    spec = spec_for(run.slot.code)
    holders = [task.assignee] if task.assignee.is_active else []
    unit = subjects.first_unit_of(holders)
    case = run.subject
    leaders = (spec.overdue_leaders(case, task) if spec.overdue_leaders is not None
               else subjects.unit_leaders(unit))
    supervisors = spec.overdue_supervisors(case, task) if spec.overdue_supervisors is not None else []
    action = None
    if task.status == StageTask.Status.OPEN and acts_by_itself(task):
        def action():
            return stages.overdue_action(task=task)
    return subjects.Resolution(
        holders=holders, leaders=leaders, supervisors=supervisors, unit=unit,
        case_label=run.case_label, stage=task.stage.name or _("审批"), link=run.case_link,
        timeline_subject=spec.timeline_subject(case) if case is not None else None,
        action=action, board=spec.board,
    )


def task_due_changed(item: DueItem) -> None:
    """The inbox sorts and filters on the task's own copy of its due date: keep it in step (a ``due`` hook)."""
    if item.purpose == stages.TASK_DUE and item.subject_type.model_class() is StageTask:
        StageTask.objects.filter(pk=item.subject_id).update(due_at=item.due_at, due_provisional=item.provisional)


due.DUE_CHANGED_HOOKS.append(task_due_changed)
subjects.register(
    "workflows.stagetask", resolve=resolve, policy=policy,
    queryset=lambda: StageTask.objects.select_related("stage", "assignee", "run__slot"),
)
