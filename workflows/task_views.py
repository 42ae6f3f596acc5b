"""The approval actions on a chain task, offered on case pages, and the Tongxin inbox (待办)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, stages
from .errors import PermissionDeniedError, ServiceError
from .models import FlowSlot, StageRun, StageTask
from .selectors import claimable, inbox

AUTHENTICATED, OBJECT = access.AUTHENTICATED, access.OBJECT


def _back(request, run: StageRun):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(run.case_link or "workflows:inbox")


def _task_or_404(request, pk) -> StageTask:
    task = StageTask.objects.select_related("run", "stage", "assignee").filter(pk=pk).first()
    if task is None or (stages.acting_for(request.user, task) is None and task.added_by_id != request.user.pk):
        raise access.deny(request, subject=task, reason="stage_task")
    return task


def _run(request, action, task_or_run, success):
    run = task_or_run.run if isinstance(task_or_run, StageTask) else task_or_run
    try:
        action()
    except PermissionDeniedError as error:
        raise access.forbid(request, subject=run.subject, reason=error.message) from error
    except ServiceError as error:
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
    """One endpoint for the task actions: 同意 / 不同意 / 退回 / 转交 / 加签 / 减签."""
    task = _task_or_404(request, pk)
    action, comment, user = request.POST.get("action", ""), request.POST.get("comment", ""), request.user
    match action:
        case "approve":
            return _run(request, lambda: stages.approve(actor=user, task=task, comment=comment), task, _("已同意。"))
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


@access.rule(AUTHENTICATED)
@login_required
def queue_view(request):
    """待认领: the flow steps the user's roles may take (e.g. 交办), oldest first, a fixed number of queries."""
    page = Paginator(claimable(request.user), 50).get_page(request.GET.get("page"))
    rows = [(task, task.flow_task.reverse("index", args=[task.process_id, task.pk])) for task in page]
    return render(request, "workflows/queue.html", {"page": page, "rows": rows})


@access.rule(AUTHENTICATED)
@login_required
def inbox_view(request):
    """待办: the user's chain tasks (and delegated ones), soonest deadline first, with 批量同意."""
    if request.method == "POST":
        ids = request.POST.getlist("tasks")
        tasks = list(inbox(request.user).filter(pk__in=ids))
        done, refused = stages.batch_approve(actor=request.user, tasks=tasks, comment=request.POST.get("comment", ""))
        if done:
            messages.success(request, _("已批量同意 %(count)s 件。") % {"count": len(done)})
        for task, reason in refused:
            messages.error(request, f"{task.run.case_label}：{reason}")
        return redirect("workflows:inbox")
    slot, stage, overdue = request.GET.get("slot", ""), request.GET.get("stage", ""), request.GET.get("overdue") == "1"
    page = Paginator(inbox(request.user, slot=slot, stage=stage, overdue=overdue), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "workflows/inbox.html", {
        "page": page, "slots": FlowSlot.objects.order_by("code"), "slot": slot, "stage": stage, "overdue": overdue,
        "query": query.urlencode(),
    })
