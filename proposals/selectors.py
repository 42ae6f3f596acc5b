"""Reads for the proposal pages: querysets with their relations loaded, so list pages cost a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, F, Prefetch, Q, When
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows import selectors as workflow_selectors
from workflows import urging
from workflows.calendar import working_days_between
from workflows.models import DueItem, StageRun, StageTask

from . import access
from .models import Assignment, CoOpinion, Cosigner, Proposal, ProposalStatus, Reply


@dataclass(frozen=True)
class Step:
    """Where a proposal stands: the step, who holds it, and until when."""

    label: str
    holder: str
    due_at: datetime | None = None
    provisional: bool = False

    @property
    def days_left(self) -> int | None:
        if self.due_at is None:
            return None
        return working_days_between(timezone.localdate(), timezone.localdate(self.due_at))

    @property
    def overdue(self) -> bool:
        return self.due_at is not None and self.due_at < timezone.now()


def with_relations(queryset):
    return queryset.select_related("term", "topic", "first_proposer", "master").prefetch_related(
        Prefetch("cosigners", queryset=Cosigner.objects.select_related("user")),
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit").order_by("pk")),
    )


def attach_due_items(proposals) -> list[Proposal]:
    """Load the open due items of a page of proposals and their assignments in two queries."""
    proposals = list(proposals)
    by_proposal = {str(p.pk): p for p in proposals}
    by_assignment = {str(a.pk): a for p in proposals for a in p.assignments.all()}
    for obj in [*proposals, *by_assignment.values()]:
        obj.open_due = []
    for proposal in proposals:
        proposal.open_stage_tasks = []
    if by_proposal:
        # The review chain's open tasks say who holds a proposal under review, and until when.
        tasks = (StageTask.objects.filter(
            status=StageTask.Status.OPEN, run__status=StageRun.Status.RUNNING,
            run__subject_type=ContentType.objects.get_for_model(Proposal), run__subject_id__in=list(by_proposal),
        ).select_related("stage", "assignee", "run").order_by("due_at"))
        for task in tasks:
            by_proposal[task.run.subject_id].open_stage_tasks.append(task)
    for model, index in ((Proposal, by_proposal), (Assignment, by_assignment)):
        if not index:
            continue
        items = DueItem.objects.filter(
            subject_type=ContentType.objects.get_for_model(model), subject_id__in=list(index), state=DueItem.State.OPEN
        ).order_by("due_at")
        for item in items:
            index[item.subject_id].open_due.append(item)
    return proposals


def current_step(proposal: Proposal) -> Step:
    """Needs :func:`with_relations` and :func:`attach_due_items` on the proposal (no extra queries)."""
    due = proposal.open_due[0] if getattr(proposal, "open_due", None) else None
    due_at, provisional = (due.due_at, due.provisional) if due else (None, False)
    status = proposal.status
    if status in (ProposalStatus.DRAFT, ProposalStatus.RETURNED):
        return Step(_("提案人修改") if status == ProposalStatus.RETURNED else _("草稿"), proposal.proposer_display)
    if status == ProposalStatus.COSIGNING:
        waiting = [c.user.get_full_name() for c in proposal.cosigners.all() if c.status == Cosigner.Status.INVITED]
        return Step(_("征集联名"), "、".join(waiting), due_at, provisional)
    if status == ProposalStatus.SUBMITTED:
        tasks = getattr(proposal, "open_stage_tasks", [])
        if not tasks:
            return Step(_("审查立案"), _("政协提案委员会"))
        holders = "、".join(dict.fromkeys(t.assignee.get_full_name() or t.assignee.get_username() for t in tasks))
        return Step(tasks[0].stage.name, holders, tasks[0].due_at, tasks[0].due_provisional)
    if status == ProposalStatus.ACCEPTED:
        return Step(_("交办"), _("督查室"), due_at, provisional)
    if status in (ProposalStatus.ASSIGNED, ProposalStatus.IN_HANDLING):
        live = [a for a in proposal.assignments.all() if a.state != Assignment.State.REASSIGNED]
        pending = [a for a in live if a.state in (Assignment.State.PENDING_RECEIPT, Assignment.State.DISPUTED)]
        shown = pending or live
        dues = sorted((d for a in shown for d in getattr(a, "open_due", [])), key=lambda d: d.due_at)
        first = dues[0] if dues else None
        label = _("签收") if pending else _("办理")
        return Step(label, "、".join(str(a.unit) for a in shown), first.due_at if first else None,
                    first.provisional if first else False)
    return Step(proposal.get_status_display(), "")


def my_proposals(user):
    """我的提案: the user's own proposals and those they co-signed or were invited to co-sign."""
    return with_relations(
        Proposal.objects.filter(pk__in=Proposal.objects.filter(first_proposer=user).values("pk"))
        | Proposal.objects.filter(pk__in=Proposal.objects.filter(submitted_by=user).values("pk"))
        | Proposal.objects.filter(pk__in=Cosigner.objects.filter(user=user).values("proposal_id"))
    ).order_by("-created")


def staff_proposals(user):
    return with_relations(access.visible_proposals(user)).order_by("-created")


def unit_assignments(user):
    """The unit inbox: only assignments of the user's units, soonest deadline first."""
    waiting_for_receipt = When(
        state__in=(Assignment.State.PENDING_RECEIPT, Assignment.State.DISPUTED), then=F("receipt_due_at")
    )
    return (
        Assignment.objects.filter(unit__in=access.unit_ids(user))
        .exclude(state=Assignment.State.REASSIGNED)
        .select_related("unit", "proposal", "proposal__first_proposer", "proposal__topic")
        .annotate(next_due_at=Case(waiting_for_receipt, default=F("reply_due_at")))
        .order_by("next_due_at", "pk")
    )


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
