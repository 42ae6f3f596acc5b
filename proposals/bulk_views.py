"""Session-time bulk pages: 批量立案 for the holder of 审定, and the 交办方案 table for 督查室.

Each selected proposal is moved by its own service call (the one the single-proposal page calls), each in its own
transaction: one refusal (someone acted first, not the holder any more, a wrong plan) never undoes the others. The
POST keeps a per-row result in the session and redirects (Post/Redirect/Get); the next GET shows it once, with the
rows that failed still holding what the user typed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from workflows import access as engine_access
from workflows import locks
from workflows.errors import ServiceError, StaleStateError
from workflows.models import Unit

from . import selectors, services
from .bulk_forms import AssignRowForm, BulkAcceptForm, BulkFilter
from .models import Proposal

ROLE = engine_access.ROLE
ACCEPT_RESULTS = "proposals.bulk_accept"
ASSIGN_RESULTS = "proposals.bulk_assign"
ACCEPT_PAGE_SIZE = 200
ASSIGN_PAGE_SIZE = 100


def _label(proposal: Proposal) -> str:
    return f"{proposal.number or ''} {proposal.title}".strip()


def _attempt(call) -> str:
    """Run one proposal's service call; return "" when done, else the Chinese reason it was refused."""
    try:
        call()
    except ServiceError as error:  # StaleStateError and PermissionDeniedError included: reported on the row
        return str(error.message)
    except DatabaseError as error:
        if not locks.lost_race(error):
            raise
        return str(StaleStateError("stale_state").message)
    return ""


def _summary(request, results) -> None:
    done = sum(1 for r in results if r["ok"])
    failed = len(results) - done
    if done:
        messages.success(request, ngettext("成功 %(count)s 件。", "成功 %(count)s 件。", done) % {"count": done})
    if failed:
        messages.error(request, ngettext("失败 %(count)s 件，原因见下表。", "失败 %(count)s 件，原因见下表。", failed)
                       % {"count": failed})


def _page(request, queryset, size):
    filterset = BulkFilter(request.GET or None, queryset=queryset)
    page = Paginator(filterset.qs, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return filterset, page, query.urlencode()


# --- 批量立案 -----------------------------------------------------------------------------------------------------


def _accept_each(actor, ids, comment: str) -> list[dict]:
    proposals = Proposal.objects.in_bulk(ids)
    results = []
    for pk in ids:
        proposal = proposals.get(pk)
        if proposal is None:
            continue
        reason = _attempt(lambda p=proposal: services.proposal_accept(actor=actor, proposal=p, comment=comment))
        if not reason:
            proposal = Proposal.objects.get(pk=pk)
        results.append({"pk": pk, "label": _label(proposal), "ok": not reason, "message": reason or _("已立案。")})
    return results


@engine_access.rule(ROLE)
@login_required
def bulk_accept(request):
    """批量立案: the proposals whose 审定 the user holds, filed one by one by ``proposal_accept``."""
    if not request.user.has_perm("proposals.review_proposal"):
        raise engine_access.deny(request, reason="bulk_accept")
    form = BulkAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        results = _accept_each(request.user, form.cleaned_data["proposals"], form.cleaned_data["comment"])
        request.session[ACCEPT_RESULTS] = results
        _summary(request, results)
        return redirect(request.get_full_path())
    filterset, page, query = _page(request, selectors.awaiting_my_decision(request.user), ACCEPT_PAGE_SIZE)
    return render(request, "proposals/bulk_accept.html", {
        "form": form, "filter": filterset, "page": page, "query": query,
        "results": request.session.pop(ACCEPT_RESULTS, None) if request.method == "GET" else None,
    })


# --- 交办方案 -----------------------------------------------------------------------------------------------------


def _unit_choices():
    return [(unit.pk, str(unit)) for unit in Unit.objects.filter(kind=Unit.Kind.HANDLING, is_active=True)
            .order_by("name", "pk")]


def _suggestion(proposal: Proposal) -> dict:
    """The row as the review left it: its suggested units as lead units (like the single 交办 form), no mode."""
    return {"mode": "", "lead_units": [u.pk for u in proposal.suggested_units.all()], "co_units": []}


def _assign_each(request, ids, choices) -> tuple[list[dict], dict]:
    """Assign every filled row by ``proposal_assign``; return the results and the input of the rows that failed."""
    proposals = Proposal.objects.prefetch_related("suggested_units").in_bulk(ids)
    comment = request.POST.get("comment", "")[:2000]
    results, kept = [], {}
    for pk in ids:
        proposal = proposals.get(pk)
        if proposal is None:
            continue
        prefix = f"p{pk}"
        form = AssignRowForm(request.POST, prefix=prefix, initial=_suggestion(proposal), unit_choices=choices)
        if not form.is_filled:
            continue
        if form.is_valid():
            data = form.cleaned_data
            reason = _attempt(lambda p=proposal, d=data: services.proposal_assign(
                actor=request.user, proposal=p, mode=d["mode"], lead_unit_ids=d["lead_units"],
                co_unit_ids=d["co_units"], comment=comment))
        else:
            reason = " ".join(str(m) for errors in form.errors.values() for m in errors)
        results.append({"pk": pk, "label": _label(proposal), "ok": not reason,
                        "message": reason or _("已交办，承办单位已收到通知。")})
        if reason:
            kept[str(pk)] = {name: request.POST.getlist(f"{prefix}-{name}") for name in ("lead_units", "co_units")}
            kept[str(pk)]["mode"] = request.POST.get(f"{prefix}-mode", "")
    return results, kept


@engine_access.rule(ROLE)
@login_required
def bulk_assign(request):
    """交办方案: every proposal waiting for 交办, one row each; each filled row is assigned by ``proposal_assign``."""
    if not request.user.has_perm("proposals.assign_proposal"):
        raise engine_access.deny(request, reason="bulk_assign")
    choices = _unit_choices()
    if request.method == "POST":
        ids = list(dict.fromkeys(int(v) for v in request.POST.getlist("rows") if v.isascii() and v.isdigit()
                                     and len(v) < 19))
        results, kept = _assign_each(request, ids, choices)
        if not results:
            messages.warning(request, _("没有填写任何交办方案：请为要交办的提案选择交办方式和承办单位。"))
        request.session[ASSIGN_RESULTS] = {"results": results, "kept": kept,
                                           "comment": request.POST.get("comment", "")[:2000]}
        _summary(request, results)
        return redirect(request.get_full_path())
    state = request.session.pop(ASSIGN_RESULTS, None) or {}
    kept = state.get("kept", {})
    errors = {str(r["pk"]): r["message"] for r in state.get("results", ()) if not r["ok"]}
    filterset, page, query = _page(request, selectors.awaiting_assignment(), ASSIGN_PAGE_SIZE)
    rows = []
    for proposal in page.object_list:
        initial = kept.get(str(proposal.pk)) or _suggestion(proposal)
        form = AssignRowForm(prefix=f"p{proposal.pk}", initial=initial, unit_choices=choices)
        rows.append((proposal, form, errors.get(str(proposal.pk), "")))
    return render(request, "proposals/bulk_assign.html", {
        "filter": filterset, "page": page, "query": query, "rows": rows, "results": state.get("results"),
        "comment": state.get("comment", ""),
    })
