"""Stage tasks as due-item subjects: the sweep reminds and escalates them like any other deadline.

A stage task's due item (purpose ``stage-task``, opened by the stage runner) takes its reminder offsets, 黄/红
delays and automatic action from the task's stage definition, i.e. from the pinned version the admins published.
Who hears of an overdue task is the slot's business (``SlotSpec.overdue_leaders`` / ``overdue_supervisors``).
The due item is the task's only deadline: nothing copies its date, so an extension or a calendar edit moves what
every page shows and when the automatic action runs.
"""

from django.utils.translation import gettext as _

from . import reminders, stages, subjects
from .chains import spec_for
from .models import DueItem, StageDefinition, StageTask

AutoAction = StageDefinition.AutoAction


def acts_by_itself(task: StageTask) -> bool:
    """Whether the stage's 逾期自动处理 does anything: 退回 always; 同意 only where the slot allows it, the stage is
    not fixed by regulation and takes no decision (validation refuses such versions; an action that would do
    nothing is not offered)."""
    stage = task.stage
    if stage.auto_action == AutoAction.RETURN:
        return True
    return stage.auto_action == AutoAction.APPROVE and stages.may_auto_approve(task.run, stage)


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


subjects.register(
    "workflows.stagetask", resolve=resolve, policy=policy,
    queryset=lambda: StageTask.objects.select_related("stage", "assignee", "run__slot"),
)
