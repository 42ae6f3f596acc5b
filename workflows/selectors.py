"""Reads for the chain panel, the inbox and the case pages' deadlines, with their relations loaded (fixed query
counts)."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast

from .models import DueItem, StageRun, StageTask, UserPhrase
from .stages import LIVE, TASK_DUE, open_task_for, outcome_label, stage_outcomes

# The most urgent colour first, where several open items stand behind one row.
LEVEL_RANK = Case(
    When(level=DueItem.Level.RED, then=Value(3)),
    When(level=DueItem.Level.YELLOW, then=Value(2)),
    When(level=DueItem.Level.BLUE, then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)


def chain_panel(user, run: StageRun | None) -> dict | None:
    """Everything the case page shows of a chain: its pinned diagram, who did what, and what this user may do."""
    if run is None:
        return None
    stages = list(run.version.stages.select_related("role").order_by("order", "pk"))
    tasks = list(with_due(run.tasks.select_related("assignee", "acted_by", "stage"))
                 .order_by("stage_order", "seq", "pk"))
    for task in tasks:
        # A decision reads as the decision made (立案, 不予立案 …), never as 同意.
        task.outcome_label = outcome_label(run, task.stage, task.outcome) if task.outcome else ""
    running = run.status == StageRun.Status.RUNNING
    my_task = open_task_for(user, run) if running else None
    acted = any(t.status not in (*LIVE, StageTask.Status.CANCELED) for t in tasks)
    boxes = []
    for stage in stages:
        stage_tasks = [t for t in tasks if t.stage_id == stage.pk]
        # A stage without tasks at or before the current step was skipped by its rule (a parallel step opens the
        # tasks of all its stages at once).
        if not stage_tasks and (not running or (run.current_order or 0) >= stage.order):
            state = "skipped"
        elif running and stage.order == run.current_order:
            state = "current"
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
        # A decision stage offers its outcomes instead of 同意 / 不同意.
        "outcomes": [(code, str(label)) for code, label in stage_outcomes(run, my_task.stage)] if my_task else [],
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


def _open_items():
    return DueItem.objects.filter(state=DueItem.State.OPEN)


def with_due(tasks: QuerySet) -> QuerySet:
    """Stage tasks with their open due item's ``due_at``, ``due_provisional`` and ``due_level`` (its colour), read
    by subqueries in the same query: the due item is the only stored deadline, never copied onto the task."""
    item = _open_items().filter(
        subject_type=ContentType.objects.get_for_model(StageTask), subject_id=Cast(OuterRef("pk"), CharField()),
        purpose=TASK_DUE,
    )
    return tasks.annotate(
        due_at=Subquery(item.values("due_at")[:1]),
        due_provisional=Subquery(item.values("provisional")[:1]),
        due_level=Subquery(item.values("level")[:1]),
    )


def case_due_items(*, parts=(), runs: QuerySet | None = None) -> list[DueItem]:
    """The open due items of a case page, soonest deadline first, in two queries.

    ``parts``: (object, holder label) pairs whose own due items count (the case, its assignments…);
    ``runs``: the chains on the case, whose open tasks' items count too, each shown with its assignee.
    Each item gets ``holder``: the label given, the task's assignee, or the unit the sweep found answerable.
    """
    holders: dict[tuple[int, str], str] = {}
    for obj, label in parts:
        holders[(ContentType.objects.get_for_model(obj, for_concrete_model=False).pk, str(obj.pk))] = str(label or "")
    if runs is not None:
        task_type = ContentType.objects.get_for_model(StageTask).pk
        for task in StageTask.objects.filter(run__in=runs, status=StageTask.Status.OPEN).select_related("assignee"):
            holders[(task_type, str(task.pk))] = task.assignee.get_full_name() or task.assignee.get_username()
    if not holders:
        return []
    by_type: dict[int, list[str]] = {}
    for type_id, subject_id in holders:
        by_type.setdefault(type_id, []).append(subject_id)
    match = Q()
    for type_id, ids in by_type.items():
        match |= Q(subject_type_id=type_id, subject_id__in=ids)
    items = list(_open_items().filter(match).select_related("unit").order_by("due_at", "pk"))
    for item in items:
        item.holder = holders.get((item.subject_type_id, item.subject_id)) or (str(item.unit) if item.unit else "")
    return items
