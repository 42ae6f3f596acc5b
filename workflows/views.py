from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from . import access, reminders, subjects, urging
from .errors import ServiceError
from .models import DueItem


@access.rule(access.AUTHENTICATED)
@login_required
def home(request):
    """工作台: the user's own tasks and the size of the queue they may claim (bounded queries)."""
    user = request.user
    human = Task.objects.filter(flow_task_type="HUMAN")
    assigned = [
        (task, task.flow_task.reverse("index", args=[task.process_id, task.pk]))
        for task in human.filter(owner=user, status=STATUS.ASSIGNED).select_related("process").order_by("created")[:20]
    ]
    queue_count = human.user_queue(user).filter(status=STATUS.NEW).count()
    return render(request, "workflows/home.html", {"assigned": assigned, "queue_count": queue_count})


def _may_see_board(request) -> None:
    if not request.user.has_perm("workflows.view_due_board"):
        raise access.deny(request, reason="due_board")


@access.rule(access.ROLE)
@login_required
@require_GET
def due_board(request):
    """督查室 board: open items by unit and level (SQL counts), and the items of one level or unit."""
    _may_see_board(request)
    level = request.GET.get("level", "")
    level = level if level in DueItem.Level.values else ""
    levels = [level] if level else [DueItem.Level.YELLOW, DueItem.Level.RED]
    unit = request.GET.get("unit", "")
    unit_missing = unit == "none"
    unit_id = int(unit) if unit.isascii() and unit.isdigit() and int(unit) < 2**63 else None
    boards = subjects.boards_for(request.user)
    items = reminders.board_items(boards=boards, levels=levels, unit_id=unit_id, unit_missing=unit_missing)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    rows = reminders.board_rows(boards)
    totals = reminders.BoardRow(None, "", {value: sum(row.counts[value] for row in rows) for value in DueItem.Level.values})
    return render(request, "workflows/due_board.html", {
        "rows": rows, "totals": totals, "page": page, "items": page.object_list, "levels": DueItem.Level.choices,
        "level": level, "unit": unit,
    })


@access.rule(access.ROLE)
@login_required
@require_GET
def due_open(request, pk):
    """Follow a board row to its case page (which checks its own access)."""
    _may_see_board(request)
    item = reminders.board_open_items(subjects.boards_for(request.user)).select_related("subject_type").filter(
        pk=pk).first()
    if item is None:
        raise access.deny(request, reason="due_item")
    link = subjects.resolve(item).link
    return redirect(link or "workflows:due_board")


@access.rule(access.OBJECT)
@require_POST
@login_required
def due_urge(request, pk):
    """催办 from a case page: the case's app decides who may (``workflows.urging``); the service tells the holders
    at once and refuses a second 催办 by the same person too soon, in Chinese."""
    item = DueItem.objects.select_related("subject_type").filter(pk=pk).first()
    case = urging.case_of(item) if item is not None else None
    if item is None or not urging.may_urge_case(request.user, case):
        raise access.deny(request, subject=case, reason="due_urge")
    try:
        reminders.urge(actor=request.user, due_item=item, comment=request.POST.get("comment", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已催办，承办人已收到通知。"))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(subjects.resolve(item).link or "workflows:home")
