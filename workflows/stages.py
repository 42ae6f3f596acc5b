"""The stage runner: runs a slot's pinned chain on a case, and every approval action on its tasks.

A chain is a :class:`StageRun` with one :class:`StageTask` per person who must act, while the case's own status
(its lifecycle) stays where the domain service put it. Every action here locks the case (through the slot's
``SlotSpec.case_of``) and then the run (``locks.run_with_case``), checks, changes, audits and notifies in one
transaction; a second, concurrent action on the same task finds it no longer open (:class:`StaleStateError`).

An open task has exactly one open due item (its deadline; never copied onto the task) and one open work item (the
row in its holder's 待办, step ``stage:<slot>:<stage key>``); both close or are cancelled with the task.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.services import notify

from . import access, audit, departments, due, locks, work
from .chains import skips, spec_for
from .errors import PermissionDeniedError, ServiceError, StaleStateError, register
from .models import (
    AccessGrant,
    DefinitionVersion,
    Delegation,
    DueItem,
    StageDefinition,
    StageRun,
    StageTask,
    UserPhrase,
)
from .roles import label as role_label

LIVE = (StageTask.Status.OPEN, StageTask.Status.WAITING)
# Closing statuses of a task someone (or the sweep's automatic action) acted on; the others are cancellations.
ACTED = (StageTask.Status.APPROVED, StageTask.Status.REJECTED, StageTask.Status.RETURNED, StageTask.Status.DECIDED)
TASK_DUE = "stage-task"

# 委托, 加签 and 转交 go only to holders of the stage's role (workflows/README.md, "委托、加签、转交只给角色持有人").
register("stages", {
    "delegate_without_role": gettext_lazy("受托人须具有您所办理审批环节的角色（%(roles)s）。"),
    "nothing_to_delegate": gettext_lazy("您没有审批环节的角色，无需委托。"),
    "delegate_other_department": gettext_lazy("不能委托给其他部门的人员：委托人属于%(principal)s，受托人属于%(delegate)s。"),
    "signer_without_role": gettext_lazy("只能加签具有“%(role)s”角色的人员。"),
})


class StageError(ServiceError):
    namespace = "stages"


# --- who may act --------------------------------------------------------------------------------------------------


def principals_of(user, day=None):
    """Users whose tasks ``user`` may act on today through a 委托 (a subquery)."""
    day = day or timezone.localdate()
    return Delegation.objects.filter(delegate=user, starts_on__lte=day, ends_on__gte=day).values("principal_id")


def acting_for(user, task: StageTask):
    """The assignee ``user`` acts for on this task (themselves, or a delegating principal when ``user`` holds the
    stage's role), or None."""
    if task.assignee_id == user.pk:
        return task.assignee
    day = timezone.localdate()
    if Delegation.objects.filter(principal_id=task.assignee_id, delegate=user, starts_on__lte=day,
                                 ends_on__gte=day).exists() and has_role(user, task.stage):
        return task.assignee
    return None


def has_role(user, stage: StageDefinition) -> bool:
    return user.is_active and user.groups.filter(pk=stage.role_id).exists()


def stage_roles_of(user):
    """The user's groups that a stage of a chain in use (published or retired, not a draft) requires."""
    in_use = StageDefinition.objects.exclude(version__status=DefinitionVersion.Status.DRAFT).values("role_id")
    return user.groups.filter(pk__in=in_use)


def check_delegation(*, principal, delegate) -> None:
    """The 委托 rule (workflows/README.md): the delegate holds at least one of the principal's stage roles, and with
    ``TONGXIN_DELEGATION_SAME_DEPARTMENT`` works for every department the principal works for."""
    if delegate.pk == principal.pk or not delegate.is_active:
        raise ServiceError("bad_delegate", _("请选择其他在职人员作为受托人。"), field="delegate")
    roles = list(stage_roles_of(principal))
    if not roles:
        raise StageError("nothing_to_delegate", field="delegate")
    if not delegate.groups.filter(pk__in=[role.pk for role in roles]).exists():
        raise StageError("delegate_without_role", field="delegate",
                         params={"roles": "、".join(sorted(str(role_label(role.name)) for role in roles))})
    if getattr(settings, "TONGXIN_DELEGATION_SAME_DEPARTMENT", True):
        theirs, mine = departments.departments_of(delegate), departments.departments_of(principal)
        if mine and not mine <= theirs:
            raise StageError("delegate_other_department", field="delegate", params={
                "principal": "、".join(sorted(departments.label(code) for code in mine)),
                "delegate": "、".join(sorted(departments.label(code) for code in theirs)) or _("其他单位")})


# --- helpers ------------------------------------------------------------------------------------------------------


def _locked_task(task: StageTask, *, case_held=None) -> tuple[StageRun, StageTask]:
    known = task.run if StageTask._meta.get_field("run").is_cached(task) else None
    run = locks.run_with_case(task.run_id, known=known, case_held=case_held)
    task = StageTask.objects.select_related("stage", "assignee").get(pk=task.pk)
    task.run = run
    return run, task


def step_code(run: StageRun, stage: StageDefinition) -> str:
    """The work-item step of a chain stage: ``stage:<slot>:<stage key>``."""
    return f"stage:{run.slot.code}:{stage.key}"


def stage_outcomes(run: StageRun, stage: StageDefinition) -> tuple[tuple[str, str], ...]:
    """A decision stage's outcomes ((code, label), …) as the slot declares them for the stage's key; () otherwise."""
    spec = spec_for(run.slot.code)
    return next((s.outcomes for s in spec.stages if s.key == stage.key), ())


def may_auto_approve(run: StageRun, stage: StageDefinition) -> bool:
    """逾期自动同意 only where the slot allows it, on a stage neither fixed by regulation nor taking a decision."""
    spec = spec_for(run.slot.code)
    return spec.allow_auto_approve and stage.key not in spec.required_keys() and not stage_outcomes(run, stage)


def outcome_label(run: StageRun, stage: StageDefinition, outcome: str) -> str:
    return str(dict(stage_outcomes(run, stage)).get(outcome, outcome))


def _require_open(task: StageTask):
    if task.status != StageTask.Status.OPEN:
        raise StaleStateError("stale_state")


def _require_actor(actor, task: StageTask):
    principal = acting_for(actor, task)
    if principal is None:
        raise PermissionDeniedError("permission_denied")
    return principal


def _record(run: StageRun, *, actor, action: str, task: StageTask | None = None, comment: str = "", principal=None,
            changes=None, to_state: str = ""):
    """Chain events go on the case's own timeline."""
    stage = task.stage.name if task is not None else ""
    return audit.record(
        subject=spec_for(run.slot.code).timeline_subject(run.subject), actor=actor, action=action, comment=comment,
        on_behalf_of=principal if principal is not None and principal != actor else None,
        from_state=stage, to_state=to_state, changes=changes,
    )


def _open_work(task: StageTask, item) -> None:
    """The task's row in its holder's 待办, linked to its due item (the deadline is read there, never copied)."""
    run = task.run
    work.open_item(
        case=spec_for(run.slot.code).case_of(run.subject), target=task, step=step_code(run, task.stage),
        title=task.stage.name, link=run.case_link, assignee=task.assignee, due_item=item, case_label=run.case_label,
        known_new=True,
    )


def _open(task: StageTask, *, now=None):
    """Make a task actionable: its deadline starts now, its work item opens, the assignee is told.

    Only a waiting task opens (or one created open by :func:`_open_stage`); a waiting task holds no open deadline or
    work item (:func:`_suspend` cancels them), so neither is looked for.
    """
    now = now or timezone.now()
    stage = task.stage
    if task.status != StageTask.Status.OPEN:
        task.status, task.opened_at = StageTask.Status.OPEN, now
        task.save(update_fields=["status", "opened_at"])
    item = due.open_due_item(
        subject=task, purpose=TASK_DUE, title=f"{stage.name}：{task.run.case_label}"[:200],
        kind=stage.deadline_kind, amount=stage.deadline_amount, anchor_at=(task.opened_at or now), known_new=True,
    )
    _open_work(task, item)
    # Keyed by the due item and its version: a task that opens again (after a 前加签) gets a new item, so a new key.
    notify(
        recipients=[task.assignee], key=f"stage-task-{task.pk}-due-{item.pk}-v{item.due_version}",
        title=_("待办：%(stage)s · %(case)s") % {"stage": stage.name, "case": task.run.case_label},
        body=_("请于 %(due)s 前办理。") % {"due": timezone.localtime(item.due_at).strftime("%Y-%m-%d")},
        link=task.run.case_link,
    )


def _suspend(task: StageTask):
    """An open task goes back to waiting (a 前加签 signs first): its deadline and work item are cancelled."""
    due.close_due_items(subject=task, purpose=TASK_DUE, state="canceled")
    work.cancel_items(target=task)


def _close(task: StageTask, status: str, *, actor=None, comment: str = ""):
    """End a task: acted on (its due and work items are done) or cancelled (they are cancelled). A waiting task has
    neither yet."""
    was_open = task.status == StageTask.Status.OPEN
    task.status = status
    task.acted_at = timezone.now()
    if actor is not None:
        task.acted_by = actor
    if comment:
        task.comment = comment
    task.save(update_fields=["status", "acted_at", "acted_by", "comment", "outcome"])
    if not was_open:
        return
    acted = status in ACTED
    due.close_due_items(subject=task, purpose=TASK_DUE, state="done" if acted else "canceled")
    if acted:
        work.close_items(target=task, actor=actor)
    else:
        work.cancel_items(target=task)


def _stage_tasks(run: StageRun, stage: StageDefinition):
    """The tasks of the stage's current pass. A 退回 to an earlier stage walks this one again with new tasks; the
    earlier pass's signatures no longer count (each pass starts with the first assignee's task, seq 0)."""
    pass_start = (StageTask.objects.filter(run=run, stage=stage, added=StageTask.Added.NO, seq=0)
                  .order_by("-pk").values("pk")[:1])
    return StageTask.objects.filter(run=run, stage=stage, pk__gte=Subquery(pass_start)).select_related(
        "stage", "assignee")


def _cancel_live(run: StageRun, *, live=None):
    """Cancel the run's live tasks, or the ``live`` ones the caller has just read under the lock."""
    if live is None:
        live = StageTask.objects.filter(run=run, status__in=LIVE).select_related("stage")
    for task in live:
        _close(task, StageTask.Status.CANCELED)


def _stages(run: StageRun):
    """The version's stages in order, read once per run object and version (a published version never changes)."""
    cached = getattr(run, "_stages_of_version", None)
    if cached is None or cached[0] != run.version_id:
        cached = run._stages_of_version = (run.version_id,
                                           list(run.version.stages.select_related("role").order_by("order", "pk")))
    return cached[1]


def _enter(run: StageRun, *, from_order: int, actor):
    """Open the first step at or after ``from_order``: every stage with that 顺序 whose skip rule does not apply
    (stages sharing a 顺序 run in parallel). Finish the chain when no stage is left."""
    spec = spec_for(run.slot.code)
    values = spec.case_values(run.subject)
    pending = [stage for stage in _stages(run) if stage.order >= from_order]
    while pending:
        order = pending[0].order
        step = [stage for stage in pending if stage.order == order]
        pending = [stage for stage in pending if stage.order != order]
        active = []
        for stage in step:
            if skips(stage, values):
                _record(run, actor=actor, action="chain.stage_skipped", comment=stage.name,
                        changes={"rule": f"{stage.skip_field} {stage.get_skip_operator_display()} {stage.skip_value}"})
            else:
                active.append(stage)
        if not active:
            continue
        run.current_order = order
        run.save(update_fields=["current_order"])
        for stage in active:
            _open_stage(run, stage, spec)
        return
    _finish(run, StageRun.Status.APPROVED, actor=actor)


def _open_stage(run: StageRun, stage: StageDefinition, spec):
    assignees = list(dict.fromkeys(spec.resolve_assignees(run.subject, stage)))
    if not assignees:
        raise ServiceError("no_assignee", _("“%(stage)s”没有可办理的人员，请联系管理员配置角色或单位。") % {
            "stage": stage.name})
    sequential = stage.mode == StageDefinition.Mode.SEQUENTIAL
    now = timezone.now()
    for seq, user in enumerate(assignees):
        opens = not sequential or seq == 0
        task = StageTask.objects.create(
            run=run, stage=stage, stage_order=stage.order, seq=seq * 10, assignee=user,
            status=StageTask.Status.OPEN if opens else StageTask.Status.WAITING, opened_at=now if opens else None,
        )
        if opens:
            _open(task, now=now)


def _finish(run: StageRun, status: str, *, actor, comment: str = "", record: bool = True):
    _cancel_live(run)
    run.status, run.finished_at, run.current_order = status, timezone.now(), None
    run.save(update_fields=["status", "finished_at", "current_order", "outcome"])
    if record:
        _record(run, actor=actor, action=f"chain.{status}", comment=comment)
    spec_for(run.slot.code).on_finish(run, status, actor)


def _after_approval(run: StageRun, task: StageTask, *, actor):
    """Decide what an approval opens next: a waiting co-signer, the next in line, the next stage, or the end."""
    stage = task.stage
    # Whoever waits for this signer (a 前加签's principal, a 后加签) was added to this stage's current pass.
    tasks = list(_stage_tasks(run, stage))
    followers = [t for t in tasks if t.waits_for_id == task.pk and t.status == StageTask.Status.WAITING]
    if followers:
        for follower in followers:
            _open(follower)
        return
    live = [t for t in tasks if t.status in LIVE]
    if stage.mode == StageDefinition.Mode.SEQUENTIAL:
        waiting = sorted((t for t in live if t.status == StageTask.Status.WAITING and t.waits_for_id is None),
                         key=lambda t: t.seq)
        if any(t.status == StageTask.Status.OPEN for t in live):
            return
        if waiting:
            _open(waiting[0])
            return
        complete = True
    elif stage.mode == StageDefinition.Mode.ALL:
        complete = not live
    elif stage.mode == StageDefinition.Mode.ANY:
        complete = True
    else:  # ratio: added co-signers before/after someone count with that person; the share is over the others
        counted = [t for t in tasks if t.added in ("", StageTask.Added.TRANSFER, StageTask.Added.PARALLEL)
                   and t.status not in (StageTask.Status.REMOVED, StageTask.Status.TRANSFERRED)]
        approved = sum(t.status == StageTask.Status.APPROVED for t in counted)
        pending_chain = any(t.added in (StageTask.Added.BEFORE, StageTask.Added.AFTER) for t in live)
        complete = not pending_chain and approved * 100 >= stage.ratio * len(counted)
    if complete:
        # The stage's live tasks of earlier passes were cancelled by the 退回 that started this pass.
        _cancel_live(run, live=live)
        _record(run, actor=actor, action="chain.stage_passed", comment=stage.name)
        # Parallel stages (same 顺序) must all pass before the chain moves on.
        parallel = any(other.order == stage.order and other.pk != stage.pk for other in _stages(run))
        if not parallel or not StageTask.objects.filter(run=run, stage_order=stage.order, status__in=LIVE).exists():
            _enter(run, from_order=stage.order + 1, actor=actor)


def _ratio_rejected(run: StageRun, task: StageTask) -> bool:
    """In 比例签 a 不同意 ends the chain only once the required share can no longer be reached."""
    tasks = [t for t in _stage_tasks(run, task.stage)
             if t.added in ("", StageTask.Added.TRANSFER, StageTask.Added.PARALLEL)
             and t.status not in (StageTask.Status.REMOVED, StageTask.Status.TRANSFERRED)]
    rejected = sum(t.status == StageTask.Status.REJECTED for t in tasks)
    return (len(tasks) - rejected) * 100 < task.stage.ratio * len(tasks)


# --- starting and reading -------------------------------------------------------------------------------------------


def published_version(slot_code: str) -> DefinitionVersion:
    return DefinitionVersion.objects.select_related("slot").get(
        slot__code=slot_code, status=DefinitionVersion.Status.PUBLISHED
    )


# Always inside the caller's transaction (its case locked): a savepoint would guard nothing.
@transaction.atomic(savepoint=False)
def start_chain(*, slot_code: str, subject, actor, case_held=None) -> StageRun:
    """Run the slot's published chain on ``subject`` (call inside the caller's transaction). The version is pinned.

    The case is locked first (``SlotSpec.case_of``), as every action on the run does, unless it is ``case_held``:
    the row the calling service has already locked in this transaction.
    """
    spec = spec_for(slot_code)
    owner = spec.case_of(subject)
    if owner is not None and owner is not case_held:
        locks.case_row(owner)
    version = published_version(slot_code)
    label, link = spec.describe(subject)
    run = StageRun.objects.create(subject=subject, slot=version.slot, version=version, started_by=actor,
                                  case_label=label[:200], case_link=link[:300])
    _record(run, actor=actor, action="chain.started",
            comment=_("%(slot)s（第 %(number)s 版）") % {"slot": version.slot.name, "number": version.number})
    _enter(run, from_order=0, actor=actor)
    return run


def open_deadline(task: StageTask):
    """The task's open due item (its deadline), or None once it is closed."""
    return DueItem.objects.filter(subject_type=ContentType.objects.get_for_model(StageTask), subject_id=str(task.pk),
                                  purpose=TASK_DUE, state=DueItem.State.OPEN).first()


def running_chain(subject, slot_code: str) -> StageRun | None:
    return (
        StageRun.objects.filter(
            subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
            subject_id=str(subject.pk), slot__code=slot_code, status=StageRun.Status.RUNNING,
        ).select_related("version", "slot").first()
    )


def _may_act_on(user) -> Q:
    """The tasks ``user`` may act on: their own, or a delegating principal's on a stage of a role they hold."""
    return Q(assignee=user) | Q(assignee__in=principals_of(user), stage__role__in=user.groups.all())


def open_task_for(user, run: StageRun) -> StageTask | None:
    """The open task of ``run`` that ``user`` may act on now (their own, or a delegating principal's)."""
    if run is None or not user.is_authenticated:
        return None
    task = (
        StageTask.objects.filter(_may_act_on(user), run=run, status=StageTask.Status.OPEN)
        .select_related("stage", "assignee")
        .order_by("pk")
        .first()
    )
    if task is not None:
        task.run = run
    return task


def open_task_on(user, subject, slot_code: str, *, last_stage: bool = False) -> StageTask | None:
    """:func:`open_task_for` on ``subject``'s running chain of ``slot_code``, read with its run in one query;
    ``last_stage``: only a task of the version's last stage (whoever takes the chain's final decision)."""
    if not user.is_authenticated:
        return None
    tasks = (
        StageTask.objects.filter(
            _may_act_on(user),
            run__subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
            run__subject_id=str(subject.pk), run__slot__code=slot_code, run__status=StageRun.Status.RUNNING,
            status=StageTask.Status.OPEN,
        )
    )
    if last_stage:
        later = StageDefinition.objects.filter(version=OuterRef("run__version"), order__gt=OuterRef("stage_order"))
        tasks = tasks.exclude(Exists(later))
    return tasks.select_related("run__slot", "run__version", "stage", "assignee").order_by("pk").first()


# --- the actions ----------------------------------------------------------------------------------------------------


@transaction.atomic
def approve(*, actor, task: StageTask, comment: str = "") -> StageTask:
    """同意. A decision stage takes no 同意: its holder records the decision made (:func:`decide`)."""
    run, task = _locked_task(task)
    _require_open(task)
    principal = _require_actor(actor, task)
    if stage_outcomes(run, task.stage):
        raise ServiceError("decision_required", _("请选择决定结果。"), field="outcome")
    before_approve = spec_for(run.slot.code).before_approve
    if before_approve is not None:
        before_approve(run.subject, task)
    _close(task, StageTask.Status.APPROVED, actor=actor, comment=comment.strip())
    _record(run, actor=actor, action="chain.approve", task=task, comment=comment.strip(), principal=principal)
    _after_approval(run, task, actor=actor)
    return task


@transaction.atomic
def reject(*, actor, task: StageTask, comment: str) -> StageTask:
    """不同意: ends the chain (in 比例签 only once the share can no longer be reached). A decision stage records its
    decision instead (:func:`decide`)."""
    if not comment.strip():
        raise ServiceError("comment_required", _("不同意时请填写意见。"), field="comment")
    run, task = _locked_task(task)
    _require_open(task)
    principal = _require_actor(actor, task)
    if stage_outcomes(run, task.stage):
        raise ServiceError("decision_required", _("请选择决定结果。"), field="outcome")
    _close(task, StageTask.Status.REJECTED, actor=actor, comment=comment.strip())
    _record(run, actor=actor, action="chain.reject", task=task, comment=comment.strip(), principal=principal)
    if task.stage.mode != StageDefinition.Mode.RATIO or _ratio_rejected(run, task):
        _finish(run, StageRun.Status.REJECTED, actor=actor, comment=comment.strip())
    else:
        _after_approval_if_settled(run, task, actor=actor)
    return task


def decide(*, actor, task: StageTask, outcome: str, comment: str = "", case_held=None) -> StageTask:
    """Record a decision as made (立案 / 不予立案 / 并案 …): the task and the run keep the outcome, the timeline shows
    its label, and the chain ends "decided" (``SlotSpec.on_finish(run, "decided", actor)``; the domain reads
    ``run.outcome``). Only a stage whose ``StageSpec.outcomes`` lists ``outcome`` takes a decision.

    ``case_held``: the case the calling service has locked in this transaction (``locks.run_with_case``); the
    domain's ``on_finish`` then changes that very row. Such a service lets an error end its whole transaction, so
    no savepoint is set for it.
    """
    with transaction.atomic(savepoint=case_held is None):
        return _decide(actor=actor, task=task, outcome=outcome, comment=comment, case_held=case_held)


def _decide(*, actor, task: StageTask, outcome: str, comment: str, case_held) -> StageTask:
    run, task = _locked_task(task, case_held=case_held)
    _require_open(task)
    principal = _require_actor(actor, task)
    outcomes = dict(stage_outcomes(run, task.stage))
    if not outcomes:
        raise ServiceError("not_a_decision", _("本环节不作决定，请选择同意或不同意。"), field="outcome")
    if outcome not in outcomes:
        raise ServiceError("bad_outcome", _("请选择决定结果。"), field="outcome")
    label, comment = str(outcomes[outcome]), comment.strip()
    task.outcome = outcome
    _close(task, StageTask.Status.DECIDED, actor=actor, comment=comment)
    _record(run, actor=actor, action="chain.decided", task=task, comment=comment or label, principal=principal,
            to_state=label, changes={"outcome": outcome})
    run.outcome = outcome
    _finish(run, StageRun.Status.DECIDED, actor=actor, comment=comment, record=False)
    return task


def _after_approval_if_settled(run, task, *, actor):
    # A 不同意 in 比例签 that still leaves the share reachable: whoever waited for this signer (a 前加签's principal,
    # a 后加签) takes their turn now; otherwise the stage may now be complete.
    followers = list(StageTask.objects.filter(run=run, waits_for=task, status=StageTask.Status.WAITING)
                     .select_related("stage", "assignee"))
    for follower in followers:
        _open(follower)
    if not followers and not any(t.status in LIVE for t in _stage_tasks(run, task.stage)):
        _after_approval(run, task, actor=actor)


@transaction.atomic
def return_to(*, actor, task: StageTask, to_order: int | None, comment: str) -> StageRun:
    """退回 to the applicant (``to_order=None``) or to any earlier stage, from which the chain walks again."""
    if not comment.strip():
        raise ServiceError("comment_required", _("退回时请填写意见。"), field="comment")
    run, task = _locked_task(task)
    _require_open(task)
    principal = _require_actor(actor, task)
    _close(task, StageTask.Status.RETURNED, actor=actor, comment=comment.strip())
    if to_order is None:
        _record(run, actor=actor, action="chain.return_applicant", task=task, comment=comment.strip(),
                principal=principal)
        _finish(run, StageRun.Status.RETURNED, actor=actor, comment=comment.strip())
        return run
    target = run.version.stages.filter(order=to_order, order__lt=task.stage_order).first()
    if target is None:
        raise ServiceError("bad_return_target", _("只能退回到之前的环节。"), field="to_order")
    _cancel_live(run)
    _record(run, actor=actor, action="chain.return_stage", task=task, comment=comment.strip(), principal=principal,
            changes={"to": target.name})
    _enter(run, from_order=target.order, actor=actor)
    return run


@transaction.atomic
def transfer(*, actor, task: StageTask, to_user, comment: str = "") -> StageTask:
    """转交 to a person who holds the stage's role; the deadline stays the same."""
    run, task = _locked_task(task)
    _require_open(task)
    principal = _require_actor(actor, task)
    if to_user.pk == task.assignee_id or not has_role(to_user, task.stage):
        raise ServiceError("bad_transfer", _("只能转交给具有“%(role)s”角色的其他人员。") % {
            "role": role_label(task.stage.role.name)}, field="to_user")
    if StageTask.objects.filter(run=run, stage=task.stage, assignee=to_user, status__in=LIVE).exists():
        # One person, one turn per stage: a second task would be a doubled signature.
        raise ServiceError("bad_transfer", _("该人员已在本环节中。"), field="to_user")
    deadline = open_deadline(task)
    _close(task, StageTask.Status.TRANSFERRED, actor=actor, comment=comment.strip())
    new = StageTask.objects.create(run=run, stage=task.stage, stage_order=task.stage_order, seq=task.seq,
                                   assignee=to_user, status=StageTask.Status.WAITING, added=StageTask.Added.TRANSFER,
                                   added_by=actor)
    StageTask.objects.filter(run=run, waits_for=task, status=StageTask.Status.WAITING).update(waits_for=new)
    _open(new, now=task.opened_at)
    if deadline is not None and open_deadline(new).due_at != deadline.due_at:
        # The old holder's deadline had been moved (an extension): the new holder keeps it.
        due.move_due_item(subject=new, purpose=TASK_DUE, due_at=deadline.due_at)
    _record(run, actor=actor, action="chain.transfer", task=task, comment=comment.strip(), principal=principal,
            changes={"to": to_user.get_full_name() or to_user.get_username()})
    return new


@transaction.atomic
def add_signer(*, actor, task: StageTask, user, position: str, comment: str = "") -> StageTask:
    """加签: someone signs before me (I wait for them), after me, or alongside in a running 会签."""
    run, task = _locked_task(task)
    _require_open(task)
    principal = _require_actor(actor, task)
    if not user.is_active or user.pk == task.assignee_id:
        raise ServiceError("bad_signer", _("请选择其他在职人员。"), field="user")
    if not has_role(user, task.stage):
        raise StageError("signer_without_role", field="user", params={"role": role_label(task.stage.role.name)})
    if StageTask.objects.filter(run=run, stage=task.stage, assignee=user, status__in=LIVE).exists():
        raise ServiceError("bad_signer", _("该人员已在本环节中。"), field="user")
    if position == StageTask.Added.PARALLEL and task.stage.mode not in (StageDefinition.Mode.ALL,
                                                                         StageDefinition.Mode.RATIO):
        raise ServiceError("bad_position", _("只有会签或比例签环节可以并行加签。"), field="position")
    if position not in (StageTask.Added.BEFORE, StageTask.Added.AFTER, StageTask.Added.PARALLEL):
        raise ServiceError("bad_position", _("请选择加签方式。"), field="position")
    new = StageTask.objects.create(run=run, stage=task.stage, stage_order=task.stage_order, seq=task.seq + 1,
                                   assignee=user, status=StageTask.Status.WAITING, added=position, added_by=actor)
    if position == StageTask.Added.BEFORE:
        task.status, task.waits_for = StageTask.Status.WAITING, new
        task.save(update_fields=["status", "waits_for"])
        _suspend(task)
        _open(new)
    elif position == StageTask.Added.AFTER:
        new.waits_for = task
        new.save(update_fields=["waits_for"])
    else:
        _open(new)
    _record(run, actor=actor, action="chain.add_signer", task=task, comment=comment.strip(), principal=principal,
            changes={"signer": user.get_full_name() or user.get_username(), "position": new.get_added_display()})
    return new


@transaction.atomic
def remove_signer(*, actor, task: StageTask, comment: str = "") -> StageTask:
    """减签: take back a signer one added (not yet acted); whoever waited on them goes on."""
    run, task = _locked_task(task)
    if task.status not in LIVE:
        raise StaleStateError("stale_state")
    if not task.added or task.added == StageTask.Added.TRANSFER or (
        task.added_by_id != actor.pk and not actor.is_superuser
    ):
        raise PermissionDeniedError("permission_denied")
    _close(task, StageTask.Status.REMOVED, actor=actor, comment=comment.strip())
    _record(run, actor=actor, action="chain.remove_signer", task=task, comment=comment.strip(),
            changes={"signer": task.assignee.get_full_name() or task.assignee.get_username()})
    waiting = list(StageTask.objects.filter(run=run, waits_for=task, status=StageTask.Status.WAITING)
                   .select_related("stage", "assignee"))
    for follower in waiting:
        follower.waits_for = None
        follower.save(update_fields=["waits_for"])
        if follower.added != StageTask.Added.AFTER:
            _open(follower)
    if not waiting or all(f.added == StageTask.Added.AFTER for f in waiting):
        # The stage may be complete now that nobody waits for the removed signer.
        if not any(t.status == StageTask.Status.OPEN for t in _stage_tasks(run, task.stage)):
            anchor = (StageTask.objects.filter(run=run, stage=task.stage, status=StageTask.Status.APPROVED)
                      .order_by("-acted_at").first())
            if anchor is not None:
                _after_approval(run, anchor, actor=actor)
    return task


@transaction.atomic
def cancel(*, actor, run: StageRun, comment: str = "") -> StageRun:
    """End a running chain because its case ended another way (e.g. a nomination stopped); tasks are canceled."""
    run = locks.run_with_case(run.pk)
    if run.status != StageRun.Status.RUNNING:
        raise StaleStateError("stale_state")
    _finish(run, StageRun.Status.CANCELED, actor=actor, comment=comment.strip())
    return run


@transaction.atomic
def overdue_action(*, task: StageTask) -> str:
    """The stage's automatic action on a seriously overdue task, run by the due sweep (``stage_due``).

    退回: the chain goes back to the applicant. 同意: only where the slot allows it and the stage is neither fixed by
    regulation nor a decision (``chains.validate`` refuses such versions; this re-checks). Run by the sweep after
    its batch, it takes the case lock first (``locks.run_with_case``) like every action here. Raises
    :class:`StaleStateError` when the holder acted first: one outcome, never both.
    """
    run, task = _locked_task(task)
    _require_open(task)
    stage = task.stage
    note = _("逾期未办理，系统自动处理")
    if stage.auto_action == StageDefinition.AutoAction.RETURN:
        _close(task, StageTask.Status.RETURNED, comment=note)
        _record(run, actor=None, action="chain.auto_return", task=task, comment=note)
        _finish(run, StageRun.Status.RETURNED, actor=None, comment=note)
        return str(_("已自动退回申请人"))
    if stage.auto_action == StageDefinition.AutoAction.APPROVE and may_auto_approve(run, stage):
        _close(task, StageTask.Status.APPROVED, comment=note)
        _record(run, actor=None, action="chain.auto_approve", task=task, comment=note)
        _after_approval(run, task, actor=None)
        return str(_("已自动同意"))
    return ""


@transaction.atomic
def withdraw(*, actor, run: StageRun, comment: str = "") -> StageRun:
    """撤回 by the applicant while the next holder has not acted yet."""
    run = locks.run_with_case(run.pk)
    if run.status != StageRun.Status.RUNNING:
        raise StaleStateError("stale_state")
    if run.started_by_id != actor.pk:
        raise PermissionDeniedError("permission_denied")
    acted = run.tasks.exclude(status__in=(*LIVE, StageTask.Status.CANCELED)).exists()
    if acted:
        raise ServiceError("already_acted", _("已有人办理，不能撤回。"))
    _finish(run, StageRun.Status.WITHDRAWN, actor=actor, comment=comment.strip())
    return run


@transaction.atomic
def cc(*, actor, run: StageRun, users, comment: str = "") -> int:
    """抄送: a read grant on the case and a notification; no task. Each 抄送 is its own event, so a second one to
    the same person is told again."""
    run = locks.run_with_case(run.pk)
    subject = spec_for(run.slot.code).timeline_subject(run.subject)  # the case people open, not an inner record
    users = list(users)
    event = _record(run, actor=actor, action="chain.cc", comment=comment.strip(),
                    changes={"to": "、".join(u.get_full_name() or u.get_username() for u in users)})
    for user in users:
        access.grant(user=user, subject=subject, kind=AccessGrant.Kind.CC, granted_by=actor, reason=comment[:200])
        notify(recipients=[user], key=f"event-{event.pk}-cc-{user.pk}",
               title=_("抄送：%(case)s") % {"case": run.case_label}, body=comment, link=run.case_link)
    return len(users)


def batch_approve(*, actor, tasks, comment: str = "") -> tuple[list[StageTask], list[tuple[StageTask, str]]]:
    """批量同意: each task in its own transaction; stages that do not allow it are refused, not skipped silently."""
    done, refused = [], []
    for task in tasks:
        if not task.stage.allow_batch_approve:
            refused.append((task, _("“%(stage)s”不允许批量同意。") % {"stage": task.stage.name}))
            continue
        try:
            done.append(approve(actor=actor, task=task, comment=comment))
        except ServiceError as error:
            refused.append((task, error.message))
    return done, refused


@transaction.atomic
def delegation_create(*, actor, principal, delegate, starts_on, ends_on, reason: str = "") -> Delegation:
    """委托: set by the principal (or a security administrator) for a date range, only to a holder of one of the
    principal's stage roles in the same department (:func:`check_delegation`)."""
    if actor.pk != principal.pk and not actor.has_perm("workflows.add_delegation"):
        raise PermissionDeniedError("permission_denied")
    check_delegation(principal=principal, delegate=delegate)
    if ends_on < starts_on:
        raise ServiceError("bad_dates", _("结束日期不能早于开始日期。"), field="ends_on")
    delegation = Delegation.objects.create(principal=principal, delegate=delegate, starts_on=starts_on,
                                           ends_on=ends_on, reason=reason.strip())
    audit.record(subject=principal, actor=actor, action="user.delegated", comment=reason.strip(),
                 changes={"delegate": delegate.get_username(), "from": starts_on, "to": ends_on})
    return delegation


@transaction.atomic
def handover(*, actor, departing, successor, comment: str = "") -> int:
    """工作交接: every open task, claimed step, unit membership, role and grant of a departing person goes to the
    successor; the account is then deactivated, its history kept."""
    if not actor.is_superuser:
        raise PermissionDeniedError("permission_denied")
    if departing.pk == successor.pk or not successor.is_active:
        raise ServiceError("bad_successor", _("请选择其他在职人员作为接替人。"), field="successor")
    moved = 0
    for task in list(StageTask.objects.filter(assignee=departing, status__in=LIVE).only("pk", "run_id")):
        run, task = _locked_task(task)
        if task.assignee_id != departing.pk or task.status not in LIVE:
            continue
        task.assignee = successor
        task.save(update_fields=["assignee"])
        if task.status == StageTask.Status.OPEN:
            # The work item moves to the successor's 待办 with the same deadline.
            work.cancel_items(target=task)
            _open_work(task, open_deadline(task))
        _record(run, actor=actor, action="chain.handover", task=task,
                changes={"from": departing.get_username(), "to": successor.get_username()})
        moved += 1
    # The account last (lock order: cases, their runs, then other rows).
    departing = locks.child(get_user_model(), departing.pk)
    successor.groups.add(*departing.groups.all())
    for membership in departing.unit_memberships.all():
        membership.__class__.objects.get_or_create(unit=membership.unit, user=successor, role=membership.role)
    for grant in AccessGrant.objects.filter(user=departing):
        AccessGrant.objects.get_or_create(user=successor, subject_type=grant.subject_type, subject_id=grant.subject_id,
                                          kind=grant.kind, defaults={"granted_by": actor, "reason": comment[:200]})
    claimed = work.hand_over_claimed(actor=actor, departing=departing, successor=successor)
    departing.is_active = False
    departing.save(update_fields=["is_active"])
    audit.record(subject=departing, actor=actor, action="user.handed_over", comment=comment.strip(),
                 changes={"successor": successor.get_username(), "tasks": moved, "claimed": claimed})
    return moved


@transaction.atomic
def delegation_end(*, actor, delegation: Delegation) -> None:
    """End a 委托 today (or drop one not yet started)."""
    delegation = locks.child(Delegation, delegation.pk)
    if actor.pk != delegation.principal_id and not actor.has_perm("workflows.change_delegation"):
        raise PermissionDeniedError("permission_denied")
    today = timezone.localdate()
    if delegation.starts_on > today:
        delegation.delete()
    else:
        delegation.ends_on = min(delegation.ends_on, today)
        delegation.save(update_fields=["ends_on"])
    audit.record(subject=delegation.principal, actor=actor, action="user.delegation_ended",
                 changes={"delegate": delegation.delegate.get_username()})


def phrase_add(*, actor, text: str, stage_key: str = "") -> UserPhrase:
    text = text.strip()
    if not text:
        raise ServiceError("comment_required", _("请填写常用语。"), field="text")
    return UserPhrase.objects.create(user=actor, text=text[:200], stage_key=stage_key[:40])
