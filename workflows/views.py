from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import access, dashboard, redirects, reminders, subjects, urging, work
from .errors import ServiceError
from .models import DueItem
from .work_views import holder

HOME_ITEMS = 10


@access.rule(access.AUTHENTICATED)
@login_required
def home(request):
    """工作台: the sizes of 待办 and 待认领 (the lists' own counts) and the first items of each, overdue first."""
    user, mine = request.user, holder(request)
    counts = request._work_counts = work.counts(user, holder=mine)
    rows = {}
    for which, read in (("inbox", work.inbox), ("queue", work.queue)):
        items = list(read(user, holder=mine)[:HOME_ITEMS]) if counts[which] else []
        rows[which] = [(item, work.holder_label(item)) for item in items]
    return render(request, "workflows/home.html", {"counts": counts, "inbox_rows": rows["inbox"],
                                                   "queue_rows": rows["queue"], "limit": HOME_ITEMS,
                                                   "panels": dashboard.panels(user, timezone.localdate())})


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
    return redirects.back(request, subjects.resolve(item).link or "workflows:home")
