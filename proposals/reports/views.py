"""Statistics, their Excel export, the printable reply letter and opinion form, and the public replies."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from workflows import access as engine_access
from workflows.models import DeadlineRule

from .. import access, services
from ..models import Assignment, Cosigner, Proposal, Reply, Term
from . import exports, publication, stats

OBJECT, ROLE, PUBLIC = engine_access.OBJECT, engine_access.ROLE, engine_access.PUBLIC
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StatsFilterForm(forms.Form):
    term = forms.ModelChoiceField(label=gettext_lazy("届次"), queryset=Term.objects.all(), required=False,
                                  empty_label=gettext_lazy("全部届次"))
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int, required=False, empty_value=None)

    def __init__(self, data, *, years):
        super().__init__(data)
        self.fields["year"].choices = [("", _("全部年度")), *[(year, year) for year in years]]


def _staff_only(request):
    if not access.is_staff_reader(request.user):
        raise engine_access.deny(request, reason="proposal_reports")


def _scope(request) -> tuple[StatsFilterForm, Term | None, int | None]:
    """The chosen term and year; the current term and every year when nothing (or nothing valid) is chosen."""
    current = Term.objects.filter(is_current=True).first() or Term.objects.first()
    data = request.GET.copy()
    data.setdefault("term", current.pk if current else "")
    form = StatsFilterForm(data, years=stats.years(None))
    if form.is_valid():
        return form, form.cleaned_data["term"], form.cleaned_data["year"]
    return form, current, None


def _query(term, year) -> str:
    return urlencode({"term": term.pk if term else "", "year": year or ""})


@engine_access.rule(ROLE)
@require_safe
@login_required
def statistics(request):
    _staff_only(request)
    form, term, year = _scope(request)
    report = stats.report(term=term, year=year)
    return render(request, "proposals/reports/statistics.html", {
        "form": form, "report": report, "charts": report.charts(), "query": _query(term, year),
        "definitions": stats.DEFINITIONS,
    })


@engine_access.rule(ROLE)
@require_safe
@login_required
def statistics_export(request):
    """All tables, or the one named by ``table``, as .xlsx."""
    _staff_only(request)
    _form, term, year = _scope(request)
    report = stats.report(term=term, year=year)
    tables = report.tables
    if request.GET.get("table"):
        tables = [t for t in tables if t.key == request.GET["table"]]
        if not tables:
            raise Http404()
    parts = [_("提案统计"), term.name if term else _("全部届次"), str(year) if year else _("全部年度")]
    if len(tables) == 1:
        parts.append(tables[0].title)
    response = HttpResponse(exports.workbook(report, tables), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "-".join(parts) + ".xlsx")
    return response


# --- printable A4 ------------------------------------------------------------------------------------------------


def _may_see_reply(user, reply: Reply) -> bool:
    """An issued letter is for everyone who may see the proposal; a draft only for the office and the units."""
    proposal = reply.assignment.proposal
    if reply.status == Reply.Status.ISSUED:
        return access.can_view(user, proposal)
    return access.is_staff_reader(user) or proposal.assignments.filter(
        unit__in=access.unit_ids(user), state__in=access.UNIT_VISIBLE_STATES).exists()


def _addressees(proposal: Proposal) -> list[str]:
    if proposal.is_collective:
        return [proposal.organisation_name]
    names = [proposal.proposer_display]
    names += [c.user.get_full_name() for c in proposal.cosigners.all() if c.status == Cosigner.Status.CONFIRMED]
    return names


@engine_access.rule(OBJECT)
@require_safe
@login_required
def reply_print(request, pk):
    """答复函 on the unit's letterhead, with 文号, the category mark, the signer and the contacts (A4)."""
    reply = (
        Reply.objects.select_related("assignment__unit", "assignment__proposal__term",
                                     "assignment__proposal__first_proposer", "category", "signed_by")
        .prefetch_related(Prefetch("assignment__proposal__cosigners",
                                   queryset=Cosigner.objects.select_related("user")))
        .filter(pk=pk).first()
    )
    if reply is None or not _may_see_reply(request.user, reply):
        raise engine_access.deny(request, subject=reply, reason="reply")
    proposal = reply.assignment.proposal
    return render(request, "proposals/reports/print_reply.html", {
        "reply": reply, "proposal": proposal, "unit": reply.assignment.unit, "addressees": _addressees(proposal),
        # One paragraph per line, each indented by the letter's style (typed indents are dropped).
        "paragraphs": [line.strip() for line in reply.body.splitlines() if line.strip()],
    })


@engine_access.rule(OBJECT)
@require_safe
@login_required
def evaluation_form(request, pk):
    """征询意见表: one A4 page per evaluator, with the ratings ticked when the evaluator has answered this round."""
    proposal = Proposal.objects.select_related("term", "first_proposer").filter(pk=pk).first()
    if proposal is None or not access.can_view(request.user, proposal):
        raise engine_access.deny(request, subject=proposal, reason="proposal")
    assignments = list(
        proposal.assignments.exclude(state=Assignment.State.REASSIGNED).select_related("unit").prefetch_related(
            Prefetch("replies", queryset=Reply.objects.filter(status=Reply.Status.ISSUED).select_related("category")
                     .order_by("round"), to_attr="issued"))
    )
    answered = {e.evaluator_id: e for e in proposal.evaluations.filter(round=proposal.handling_round)
                .select_related("recorded_by")}
    pages = [(user, answered.get(user.pk)) for user in services.evaluators(proposal)]
    rule = DeadlineRule.objects.filter(code="proposal-evaluation", kind="working_days").first()
    return render(request, "proposals/reports/print_evaluation_form.html", {
        "proposal": proposal, "assignments": assignments, "pages": pages,
        "window_days": rule.amount if rule else None,
        "ratings": [("satisfied", _("满意")), ("basic", _("基本满意")), ("dissatisfied", _("不满意"))],
    })


# --- public ------------------------------------------------------------------------------------------------------


@engine_access.rule(PUBLIC)
@require_safe
def public_replies(request):
    query = request.GET.get("q", "")[:100]
    page = Paginator(publication.published_replies(query), 20).get_page(request.GET.get("page"))
    return render(request, "proposals/reports/public_list.html", {
        "page": page, "q": query.strip(), "query": urlencode({"q": query.strip()}) if query.strip() else "",
    })


@engine_access.rule(PUBLIC)
@require_safe
def public_reply(request, pk):
    reply = publication.published_replies().filter(pk=pk).first()
    if reply is None:
        raise Http404()
    return render(request, "proposals/reports/public_detail.html", {
        "reply": reply, "proposal": reply.assignment.proposal, "text": publication.public_text(reply),
    })
