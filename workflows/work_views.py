"""待办 and 待认领: every process's pending steps as work items (``workflows.work``), with 认领 and 退回认领.

Each list costs the same statements whatever its size: the holder (one query, shared with the navigation), the
count, the page's ids and its rows, the filter choices.
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, redirects, stages, work
from .errors import PermissionDeniedError, StaleStateError, message_for
from .models import StageTask, WorkItem

PAGE_SIZE = 50
_STEP = re.compile(r"^[\w.:-]{1,60}$")


class _IdsFirstPaginator(Paginator):
    """The page's ids first, cut in order from the indexes alone (each due date read from ``due_key_idx``), then
    those rows with their related rows: a holder of thousands of items never has all of them joined and sorted
    whole. An item closed between the two reads leaves the page one row shorter."""

    def _get_page(self, object_list, number, paginator):
        ids = list(object_list.values_list("pk", flat=True))
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids)} if ids else {}
        return super()._get_page([rows[pk] for pk in ids if pk in rows], number, paginator)


def holder(request) -> work.Holder:
    """The user's principals, groups and units, read once per request (the navigation's counts use it too)."""
    cached = getattr(request, "_work_holder", None)
    if cached is None or cached.user_id != request.user.pk:
        cached = request._work_holder = work.holder_of(request.user)
    return cached


def _filters(request) -> dict:
    step = request.GET.get("step", "").strip()
    app = request.GET.get("type", "").strip()
    return {
        "step": step if _STEP.match(step) else "",
        "app": app if app.isidentifier() else "",
        "overdue": request.GET.get("overdue") == "1",
    }


def _rows(page, *, user):
    """Each row's cells that need Python: the holder's name and the step's label (no template per row)."""
    labels: dict[tuple[str, str], str] = {}
    rows = []
    for item in page:
        key = (item.step, item.case_type.app_label)
        if key not in labels:
            labels[key] = work.step_label(item.step, app=key[1])
        on_behalf = item.assignee_id not in (None, user.pk)
        rows.append((item, work.holder_label(item), labels[key], on_behalf))
    return rows


def _list(request, *, which: str, template: str, extra=None):
    mine = holder(request)
    read = work.inbox if which == "inbox" else work.queue
    filters = _filters(request)
    items = read(request.user, holder=mine, **filters)
    page = _IdsFirstPaginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    if not any(filters.values()):
        # The unfiltered list is the navigation's figure: the paginator counted it already.
        request._work_counts = {**getattr(request, "_work_counts", {}), which: page.paginator.count}
    choices = work.filter_choices(read(request.user, holder=mine))
    if filters["step"] and filters["step"] not in dict(choices["steps"]):
        # A link may name a family the user holds nothing of now (e.g. 承办待办 when all is done): keep it selected.
        choices["steps"].append((filters["step"], work.step_label(filters["step"], app=filters["app"]) or _("所选步骤")))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, template, {
        "page": page, "rows": _rows(page, user=request.user), "filters": filters, "choices": choices,
        "query": query.urlencode(),
        **(extra(page) if extra else {}),  # nosec B610  # a local callback named extra, not QuerySet.extra
    })


def _batchable(page) -> set[int]:
    """Work items of this page whose stage task allows 批量同意 (one query)."""
    task_type = ContentType.objects.get_for_model(StageTask)
    targets = {item.target_id: item.pk for item in page if item.target_type_id == task_type.pk}
    if not targets:
        return set()
    allowed = StageTask.objects.filter(pk__in=[int(t) for t in targets if t.isdigit()],
                                       stage__allow_batch_approve=True).values_list("pk", flat=True)
    return {targets[str(pk)] for pk in allowed}


@access.rule(access.AUTHENTICATED)
@login_required
def inbox_view(request):
    """待办: the user's steps of every process (and delegated ones), overdue first, with 批量同意 for chain stages."""
    if request.method == "POST":
        return _batch_approve(request)
    return _list(request, which="inbox", template="workflows/inbox.html",
                 extra=lambda page: {"batchable": _batchable(page)})


def _batch_approve(request):
    task_type = ContentType.objects.get_for_model(StageTask)
    ids = [pk for pk in request.POST.getlist("items") if pk.isdigit()]
    targets = work.inbox(request.user, holder=holder(request)).filter(pk__in=ids, target_type=task_type).values_list(
        "target_id", flat=True)
    tasks = list(StageTask.objects.select_related("stage", "run").filter(pk__in=[int(t) for t in targets]))
    done, refused = stages.batch_approve(actor=request.user, tasks=tasks, comment=request.POST.get("comment", ""))
    if done:
        messages.success(request, _("已批量同意 %(count)s 件。") % {"count": len(done)})
    for task, reason in refused:
        messages.error(request, _("%(case)s：%(reason)s") % {"case": task.run.case_label, "reason": reason})
    return redirect("workflows:inbox")


@access.rule(access.AUTHENTICATED)
@login_required
def queue_view(request):
    """待认领: the unclaimed steps of the user's roles and units, overdue first, each with 认领."""
    return _list(request, which="queue", template="workflows/queue.html")


def _item_or_404(request, pk) -> WorkItem:
    item = WorkItem.objects.select_related("role", "unit").filter(pk=pk).first()
    if item is None or not work.may_see(request.user, item, holder=holder(request)):
        raise access.deny(request, subject=item, reason="work_item")
    return item


def _back(request, default: str):
    return redirects.back(request, default)


def _see_other(response):
    response.status_code = 303
    return response


def _act(request, pk, action, *, done: str, after: str):
    item = _item_or_404(request, pk)
    try:
        action(actor=request.user, item=item)
    except StaleStateError:
        # A colleague claimed (or did) it first: say so on the list, never a bare 403.
        messages.error(request, message_for("workflows", "stale_state"))
        return _see_other(redirect("workflows:queue"))
    except PermissionDeniedError as error:
        raise access.forbid(request, subject=item, reason=error.message) from error
    messages.success(request, done % {"title": item.title, "case": item.case_label})
    return _see_other(_back(request, after))


@access.rule(access.OBJECT)
@require_POST
@login_required
def claim(request, pk):
    """认领: the step moves from the role's 待认领 to the user's 待办."""
    return _act(request, pk, work.claim, done=_("已认领“%(title)s”（%(case)s），已移入您的待办。"),
                after="workflows:inbox")


@access.rule(access.OBJECT)
@require_POST
@login_required
def release(request, pk):
    """退回认领: a claimed step goes back to the role's 待认领."""
    return _act(request, pk, work.release, done=_("已将“%(title)s”（%(case)s）退回待认领。"),
                after="workflows:queue")
