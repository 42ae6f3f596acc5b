"""Reads for the proposal pages: querysets with their relations loaded, so list pages cost a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Prefetch, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows import selectors as workflow_selectors
from workflows import urging, work
from workflows.calendar import working_days_between
from workflows.models import DueItem, StageRun

from . import access
from .models import Assignment, CoOpinion, Cosigner, Proposal, ProposalStatus, Reply


@dataclass(frozen=True)
class Step:
    """Where a proposal stands: the step, who holds it, and until when (with what the date is for)."""

    label: str
    holder: str
    due_at: datetime | None = None
    provisional: bool = False
    due_label: str = ""
    mine: bool = False

    @property
    def days_left(self) -> int | None:
        if self.due_at is None:
            return None
        return working_days_between(timezone.localdate(), timezone.localdate(self.due_at))

    @property
    def overdue(self) -> bool:
        return self.due_at is not None and self.due_at < timezone.now()


# What each deadline of a proposal or an assignment is for, as the pages label it.
DUE_LABELS = {
    "cosign": _("联名确认"),
    "assign": _("交办"),
    "evaluation": _("评价"),
    "face-meeting": _("面对面沟通"),
    "receipt": _("签收"),
    "co-opinion": _("会办意见"),
    "reply": _("办理答复"),
    "contact": _("办前面商"),
    "adjustment": _("调整申请处理"),
    "conclude": _("办结"),
}


def with_relations(queryset):
    return queryset.select_related("term", "topic", "first_proposer", "master").prefetch_related(
        Prefetch("cosigners", queryset=Cosigner.objects.select_related("user")),
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit").order_by("pk")),
    )


def attach_due_items(proposals) -> list[Proposal]:
    """Load a page of proposals' open work items (who holds what, by when) and their assignments' open deadlines, in
    two queries whatever the page size."""
    proposals = list(proposals)
    holdings = work.open_by_case(Proposal, [p.pk for p in proposals])
    by_assignment = {str(a.pk): a for p in proposals for a in p.assignments.all()}
    for proposal in proposals:
        proposal.holdings = holdings.get(str(proposal.pk), [])
    for assignment in by_assignment.values():
        assignment.open_due = []
    if by_assignment:
        items = DueItem.objects.filter(
            subject_type=ContentType.objects.get_for_model(Assignment), subject_id__in=list(by_assignment),
            state=DueItem.State.OPEN,
        ).order_by("due_at")
        for item in items:
            item.label = DUE_LABELS.get(item.purpose, item.title)
            by_assignment[item.subject_id].open_due.append(item)
    return proposals


def current_step(proposal: Proposal, user=None) -> Step:
    """The step that holds the proposal now, from its open work items (:func:`attach_due_items`, no extra query).

    The step the viewing ``user`` holds comes first (a member sees "请评价" when the evaluation is theirs); otherwise
    the soonest. Every holder of that step is named; the date is labelled with what it is for.
    """
    holdings = list(getattr(proposal, "holdings", None) or work.case_holdings(proposal))
    if not holdings:
        status = proposal.status
        if status in (ProposalStatus.DRAFT,):
            return Step(_("草稿"), proposal.proposer_display)
        return Step(proposal.get_status_display(), "")
    if user is not None and user.is_authenticated:
        mine = [h for h in holdings if h.item.assignee_id == user.pk]
        if mine:
            first = mine[0]
            return Step(first.item.title, first.holder, first.due_at, first.provisional, first.due_label, mine=True)
    first = holdings[0]
    same = [h for h in holdings if h.item.step == first.item.step]
    holders = "、".join(dict.fromkeys(h.holder for h in same if h.holder))
    return Step(first.item.title, holders, first.due_at, first.provisional, first.due_label)


def my_proposals(user):
    """我的提案: the user's own proposals and those they co-signed or were invited to co-sign."""
    return with_relations(
        Proposal.objects.filter(pk__in=Proposal.objects.filter(first_proposer=user).values("pk"))
        | Proposal.objects.filter(pk__in=Proposal.objects.filter(submitted_by=user).values("pk"))
        | Proposal.objects.filter(pk__in=Cosigner.objects.filter(user=user).values("proposal_id"))
    ).order_by("-created")


def staff_proposals(user):
    return with_relations(access.visible_proposals(user)).order_by("-created")


def unit_work(user, *, step: str = "proposals.assignment") -> list:
    """承办待办: the user's units' proposal steps, a filter of the one worklist (their 待办, then their 待认领)."""
    return [*work.inbox(user, step=step), *work.queue(user, step=step)]


def _reply_ids(replies):
    return replies.annotate(text_id=Cast("pk", CharField())).values("text_id")


def due_panel(user, proposal: Proposal) -> dict:
    """The open deadlines of a proposal page, its assignments' and those of its chains' open tasks (审查, 答复函签发),
    in two queries, and whether the user may 催办 them. Needs :func:`with_relations` (assignments with units)."""
    runs = StageRun.objects.filter(
        Q(subject_type=ContentType.objects.get_for_model(Proposal), subject_id=str(proposal.pk))
        | Q(subject_type=ContentType.objects.get_for_model(Reply),
            subject_id__in=_reply_ids(Reply.objects.filter(assignment__proposal=proposal)))
    )
    parts = [(proposal, ""), *((a, a.unit) for a in proposal.assignments.all())]
    return {"due_items": workflow_selectors.case_due_items(parts=parts, runs=runs),
            "can_urge": urging.may_urge_case(user, proposal)}


def assignment_due_panel(user, assignment: Assignment) -> dict:
    """The open deadlines of one unit's assignment (签收, 办理, 会办意见…) and of its reply's 签发 chain."""
    runs = StageRun.objects.filter(subject_type=ContentType.objects.get_for_model(Reply),
                                   subject_id__in=_reply_ids(Reply.objects.filter(assignment=assignment)))
    return {"due_items": workflow_selectors.case_due_items(parts=[(assignment, assignment.unit)], runs=runs),
            "can_urge": urging.may_urge_case(user, assignment.proposal)}


def assignment_deadlines(assignment: Assignment) -> dict:
    """The assignment's deadline of each purpose (签收, 办理答复, 会办意见, 办前面商…): its latest due item, open or
    closed, so pages and prints read the one stored date (moved by extensions and calendar edits alike)."""
    items = DueItem.objects.filter(subject_type=ContentType.objects.get_for_model(Assignment),
                                   subject_id=str(assignment.pk)).order_by("pk")
    return {item.purpose.replace("-", "_"): item for item in items}


def replies(proposal):
    """Every reply of every round, with what the case page shows of it."""
    return (Reply.objects.filter(assignment__proposal=proposal)
            .select_related("assignment__unit", "category", "original_category", "signed_by")
            .order_by("round", "assignment_id"))


def co_opinions(assignment):
    """The 会办意见 the lead unit received (its own opinion for a co-handling unit)."""
    if assignment.role == Assignment.Role.CO:
        return CoOpinion.objects.filter(assignment=assignment).select_related("assignment__unit", "submitted_by")
    return (CoOpinion.objects.filter(assignment__proposal_id=assignment.proposal_id)
            .select_related("assignment__unit", "submitted_by"))


# --- session-time bulk pages (批量立案, 交办方案) ----------------------------------------------------------------


def awaiting_my_decision(user):
    """Proposals whose 审定 the user holds now: the 审定 items of their 待办 (their own, a delegating principal's,
    or claimed), read from the one worklist in one query, then the proposals still under review."""
    from . import chains

    items = work.inbox(user, step=f"stage:{chains.REVIEW}:decision",
                       case_type=ContentType.objects.get_for_model(Proposal))
    ids = {int(case_id) for case_id in items.values_list("case_id", flat=True)}
    return (Proposal.objects.filter(pk__in=ids, status=ProposalStatus.SUBMITTED)
            .select_related("term", "session", "topic", "first_proposer").order_by("submitted_at", "pk"))


def awaiting_assignment():
    """Proposals filed (立案) and not yet assigned, in number order, with the units the review suggested."""
    return (Proposal.objects.filter(status=ProposalStatus.ACCEPTED)
            .select_related("term", "session", "topic", "first_proposer")
            .prefetch_related("suggested_units").order_by("term_id", "year", "serial", "pk"))
