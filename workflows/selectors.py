"""Reads for the chain panel and the inbox, with their relations loaded (fixed query counts)."""

from django.db.models import Q
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from .models import StageRun, StageTask, UserPhrase
from .stages import LIVE, open_task_for, principals_of


def chain_panel(user, run: StageRun | None) -> dict | None:
    """Everything the case page shows of a chain: its pinned diagram, who did what, and what this user may do."""
    if run is None:
        return None
    stages = list(run.version.stages.select_related("role").order_by("order", "pk"))
    tasks = list(run.tasks.select_related("assignee", "acted_by", "stage").order_by("stage_order", "seq", "pk"))
    running = run.status == StageRun.Status.RUNNING
    my_task = open_task_for(user, run) if running else None
    acted = any(t.status not in (*LIVE, StageTask.Status.CANCELED) for t in tasks)
    boxes = []
    for stage in stages:
        stage_tasks = [t for t in tasks if t.stage_id == stage.pk]
        if running and stage.order == run.current_order:
            state = "current"
        elif not stage_tasks and (not running or (run.current_order or 0) > stage.order):
            state = "skipped"
        elif stage_tasks and all(t.status != StageTask.Status.WAITING for t in stage_tasks) and (
            not running or run.current_order is None or stage.order < run.current_order
        ):
            state = "done"
        else:
            state = "todo"
        boxes.append({"stage": stage, "tasks": stage_tasks, "state": state})
    phrases = []
    if my_task:
        phrases = my_task.stage.phrase_list + list(
            UserPhrase.objects.filter(user=user).filter(Q(stage_key="") | Q(stage_key=my_task.stage.key))
            .values_list("text", flat=True)
        )
    return {
        "run": run,
        "boxes": boxes,
        "steps": steps_of(boxes),
        "task": my_task,
        "phrases": phrases,
        "earlier_stages": [s for s in stages if my_task and s.order < my_task.stage_order],
        "removable": [t for t in tasks if t.status in LIVE and t.added and t.added != "transfer"
                      and t.added_by_id == user.pk],
        "can_withdraw": running and run.started_by_id == user.pk and not acted,
        "can_parallel_add": bool(my_task and my_task.stage.mode in ("all", "ratio")),
    }


def steps_of(boxes: list[dict]) -> list[list[dict]]:
    """Group diagram boxes by 顺序: stages sharing an order are one parallel step, drawn side by side."""
    steps: list[list[dict]] = []
    for box in boxes:
        if steps and steps[-1][0]["stage"].order == box["stage"].order:
            steps[-1].append(box)
        else:
            steps.append([box])
    return steps


def claimable(user):
    """viewflow human tasks the user may claim by one of their permissions (the permission strings are read once)."""
    return (
        Task.objects.filter(flow_task_type="HUMAN", status=STATUS.NEW, owner_permission__in=user.get_all_permissions())
        .select_related("process")
        .prefetch_related("process__artifact")
        .order_by("created", "pk")
    )


def inbox(user, *, slot: str = "", stage: str = "", overdue: bool = False):
    """Open stage tasks of the user and of those who delegated to them today, soonest deadline first."""
    tasks = (
        # Resolve the principals first: an OR with a subquery keeps PostgreSQL off the partial inbox index.
        StageTask.objects.filter(
            status=StageTask.Status.OPEN,
            assignee_id__in=[user.pk, *principals_of(user).values_list("principal_id", flat=True)],
        )
        .select_related("run", "run__slot", "run__started_by", "stage", "assignee")
        .order_by("due_at", "pk")
    )
    if slot:
        tasks = tasks.filter(run__slot__code=slot)
    if stage:
        tasks = tasks.filter(stage__name=stage)
    if overdue:
        tasks = tasks.filter(due_at__lt=timezone.now())
    return tasks
