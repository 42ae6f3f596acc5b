"""The approval actions on a chain task, offered on case pages, and the Tongxin inbox (待办)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, locks, redirects, stages
from .errors import PermissionDeniedError, ServiceError, StaleStateError
from .models import StageRun, StageTask

AUTHENTICATED, OBJECT = access.AUTHENTICATED, access.OBJECT


def _back(request, run: StageRun):
    return redirects.back(request, run.case_link or "workflows:inbox")


def _task_or_404(request, pk) -> StageTask:
    task = StageTask.objects.select_related("run__slot", "stage", "assignee").filter(pk=pk).first()
    if task is None or (stages.acting_for(request.user, task) is None and task.added_by_id != request.user.pk):
        raise access.deny(request, subject=task, reason="stage_task")
    return task


def _attempt(action):
    """Run one service call; a transaction that lost a lock race is tried once more, then answered as stale."""
    try:
        return action()
    except DatabaseError as error:
        if not locks.lost_race(error):
            raise
    try:
        return action()
    except DatabaseError as error:
        if not locks.lost_race(error):
            raise
        raise StaleStateError("stale_state") from error


def _run(request, action, task_or_run, success):
    """Form → service → message → back to the case page. Someone acting first is a message, never a 500."""
    run = task_or_run.run if isinstance(task_or_run, StageTask) else task_or_run
    try:
        _attempt(action)
    except PermissionDeniedError as error:
        raise access.forbid(request, subject=run.subject, reason=error.message) from error
    except ServiceError as error:  # StaleStateError included: someone acted first
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return _back(request, run)


def _user(pk):
    return get_user_model().objects.filter(pk=pk or 0, is_active=True).first() if str(pk or "").isdigit() else None


@access.rule(OBJECT)
@require_POST
@login_required
def task_action(request, pk):
    """One endpoint for the task actions: 同意 / 决定 / 不同意 / 退回 / 转交 / 加签 / 减签."""
    task = _task_or_404(request, pk)
    action, comment, user = request.POST.get("action", ""), request.POST.get("comment", ""), request.user
    match action:
        case "approve":
            return _run(request, lambda: stages.approve(actor=user, task=task, comment=comment), task, _("已同意。"))
        case "decide":
            outcome = request.POST.get("outcome", "")
            return _run(request, lambda: stages.decide(actor=user, task=task, outcome=outcome, comment=comment), task,
                        _("已记录决定。"))
        case "reject":
            return _run(request, lambda: stages.reject(actor=user, task=task, comment=comment), task, _("已提交不同意意见。"))
        case "return":
            to = request.POST.get("to_order", "")
            to_order = int(to) if to.isdigit() else None
            return _run(request, lambda: stages.return_to(actor=user, task=task, to_order=to_order, comment=comment),
                        task, _("已退回。"))
        case "transfer":
            target = _user(request.POST.get("user"))
            if target is None:
                messages.error(request, _("请选择转交对象。"))
                return _back(request, task.run)
            return _run(request, lambda: stages.transfer(actor=user, task=task, to_user=target, comment=comment),
                        task, _("已转交。"))
        case "add_signer":
            target = _user(request.POST.get("user"))
            if target is None:
                messages.error(request, _("请选择加签人员。"))
                return _back(request, task.run)
            position = request.POST.get("position", "")
            return _run(request, lambda: stages.add_signer(actor=user, task=task, user=target, position=position,
                                                           comment=comment), task, _("已加签。"))
        case "remove_signer":
            return _run(request, lambda: stages.remove_signer(actor=user, task=task, comment=comment), task,
                        _("已减签。"))
    messages.error(request, _("未知的操作。"))
    return _back(request, task.run)


def _run_or_404(request, pk) -> StageRun:
    run = StageRun.objects.filter(pk=pk).first()
    if run is None or not (run.started_by_id == request.user.pk or stages.open_task_for(request.user, run)):
        raise access.deny(request, subject=run, reason="stage_run")
    return run


@access.rule(OBJECT)
@require_POST
@login_required
def run_withdraw(request, pk):
    run = _run_or_404(request, pk)
    return _run(request, lambda: stages.withdraw(actor=request.user, run=run, comment=request.POST.get("comment", "")),
                run, _("已撤回。"))


@access.rule(OBJECT)
@require_POST
@login_required
def run_cc(request, pk):
    run = _run_or_404(request, pk)
    users = list(get_user_model().objects.filter(pk__in=request.POST.getlist("users"), is_active=True))
    if not users:
        messages.error(request, _("请选择抄送对象。"))
        return _back(request, run)
    return _run(request, lambda: stages.cc(actor=request.user, run=run, users=users,
                                           comment=request.POST.get("comment", "")), run, _("已抄送。"))
