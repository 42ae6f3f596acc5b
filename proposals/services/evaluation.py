"""Evaluation, re-handling, face-to-face meeting and 办结 (B15–B18)."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify
from workflows import audit, due, locks, work
from workflows.errors import StaleStateError

from .. import access, roles
from ..errors import ProposalError
from ..models import (
    Assignment,
    CaseRecord,
    Cosigner,
    Evaluation,
    Proposal,
    ProposalSettings,
    ProposalStatus,
)
from ._common import (
    ANSWERING_ROLES,
    STEP_CONCLUDE,
    STEP_EVALUATE,
    STEP_FACE_MEETING,
    STEP_HANDLE,
    _assignment_link,
    _expect_status,
    _group,
    _link,
    _locked,
    _move,
    _open_due,
    _proposers,
    _require,
    _unit_members,
    _users_with_perm,
)


def evaluators(proposal: Proposal) -> list:
    """Who rates the handling: the first proposer, or every confirmed co-signer too (a setting)."""
    users = [proposal.first_proposer or proposal.submitted_by]
    if ProposalSettings.current().evaluators == ProposalSettings.Evaluators.ALL:
        users += [c.user for c in proposal.cosigners.filter(status=Cosigner.Status.CONFIRMED).select_related("user")]
    return users


def _round_ratings(proposal: Proposal) -> dict:
    """The current round's result ratings so far, by evaluator (read under the proposal's lock)."""
    return dict(proposal.evaluations.filter(round=proposal.handling_round).values_list("evaluator_id", "result_rating"))


@transaction.atomic(durable=True)
def evaluation_submit(*, actor, proposal: Proposal, work_rating: str, result_rating: str, comment: str = "",
                      evaluator=None) -> Evaluation:
    """满意 / 基本满意 / 不满意 for the work and the result; staff may record a paper form (代录) for a member."""
    proposal = _locked(proposal)
    _expect_status(proposal, ProposalStatus.REPLIED)
    recorded_by = None
    if evaluator is not None and evaluator != actor:
        _require(actor.has_perm("proposals.review_proposal"))
        recorded_by = actor
    evaluator = evaluator or actor
    people = evaluators(proposal)
    _require(any(user.pk == evaluator.pk for user in people))
    ratings = (Evaluation.Rating.SATISFIED, Evaluation.Rating.BASIC, Evaluation.Rating.DISSATISFIED)
    if work_rating not in ratings or result_rating not in ratings:
        raise ProposalError("rating_required", field="result_rating")
    if result_rating == Evaluation.Rating.DISSATISFIED and not comment.strip():
        raise ProposalError("dissatisfied_needs_reason", field="comment")
    rated = _round_ratings(proposal)
    if evaluator.pk in rated:
        raise StaleStateError("stale_state")
    evaluation = Evaluation.objects.create(
        proposal=proposal, round=proposal.handling_round, evaluator=evaluator, work_rating=work_rating,
        result_rating=result_rating, comment=comment.strip(), recorded_by=recorded_by,
    )
    work.close_items(target=proposal, step=STEP_EVALUATE, assignee=evaluator, actor=actor)
    audit.record(subject=proposal, actor=actor, on_behalf_of=evaluator if recorded_by else None,
                 action="proposal.evaluated",
                 comment=f"{evaluation.get_work_rating_display()} / {evaluation.get_result_rating_display()} "
                         f"{comment.strip()}".strip())
    rated[evaluator.pk] = evaluation.result_rating
    if all(user.pk in rated for user in people):
        _close_evaluation(proposal, actor=actor, dissatisfied=Evaluation.Rating.DISSATISFIED in rated.values())
    return evaluation


@transaction.atomic
def evaluation_window_expired(*, proposal: Proposal) -> bool:
    """The evaluation window closed without every answer: apply the setting, say so on the timeline (sweep)."""
    proposal = _locked(proposal)
    if proposal.status != ProposalStatus.REPLIED:
        return False
    item = _open_due(proposal, "evaluation")
    if item is not None and item.due_at > timezone.now():
        return False
    policy = ProposalSettings.current().no_answer
    rating = Evaluation.Rating.SATISFIED if policy == ProposalSettings.NoAnswer.SATISFIED else Evaluation.Rating.NONE
    rated = _round_ratings(proposal)
    for user in evaluators(proposal):
        if user.pk not in rated:
            Evaluation.objects.create(proposal=proposal, round=proposal.handling_round, evaluator=user,
                                      work_rating=rating, result_rating=rating)
    audit.record(subject=proposal, actor=None, action="proposal.evaluation_expired",
                 comment=str(ProposalSettings.NoAnswer(policy).label))
    # Ratings filled in for the silent are never 不满意.
    _close_evaluation(proposal, actor=None, dissatisfied=Evaluation.Rating.DISSATISFIED in rated.values())
    return True


def proposal_due(subject, purpose: str):
    """The open deadline of a proposal or an assignment for ``purpose`` (its due item, the one stored date)."""
    return _open_due(subject, purpose)


def _close_evaluation(proposal: Proposal, *, actor, dissatisfied: bool):
    """Every evaluator of the round has rated (or the window closed); ``dissatisfied``: someone rated 不满意."""
    due.close_due_items(subject=proposal, purpose="evaluation")
    work.cancel_items(target=proposal, step=STEP_EVALUATE)
    if dissatisfied and proposal.handling_round == 1:
        _start_rehandling(proposal, actor=actor)
        return
    _move(proposal, "close_evaluation", actor=actor, action="proposal.evaluation_closed")
    staff = _group(roles.STAFF)
    # The evaluation closes once per proposal (a first-round 不满意 re-handles instead): the steps opened here have
    # no deadline or work item yet, so none is looked for.
    if dissatisfied:
        item = due.open_due_item(subject=proposal, purpose="face-meeting", known_new=True,
                                 title=_("面对面沟通：%(title)s") % {"title": proposal.title}, rule_code="face-meeting")
        work.open_item(case=proposal, step=STEP_FACE_MEETING, role=staff, title=_("面对面沟通"),
                       link=_link(proposal), due_item=item, known_new=True)
    # 办结 by 提案委 staff within 5 working days [I]: a deadline like every other step's, so nobody waits unseen.
    conclude = due.open_due_item(subject=proposal, purpose="conclude", title=_("办结：%(title)s") % {"title": proposal.title},
                                 kind="working_days", amount=5, known_new=True)
    work.open_item(case=proposal, step=STEP_CONCLUDE, role=staff, title=_("办结"), link=_link(proposal),
                   due_item=conclude, known_new=True)
    notify(recipients=_users_with_perm("proposals.review_proposal"), key=f"to-conclude-{proposal.pk}-"
           f"{proposal.handling_round}", title=_("待办结：%(title)s") % {"title": proposal.title}, link=_link(proposal))


def _start_rehandling(proposal: Proposal, *, actor):
    """不满意 on the first round: the answering units handle it again and answer again (DOMAIN §2.6)."""
    now = timezone.now()
    proposal.handling_round = 2
    _move(proposal, "rehandle", actor=actor, action="proposal.rehandling", extra_fields=["handling_round"])
    answering = proposal.assignments.filter(role__in=ANSWERING_ROLES).exclude(state=Assignment.State.REASSIGNED)
    for assignment in locks.children(answering.select_related("unit")):
        assignment.state = Assignment.State.RECEIVED
        assignment.save(update_fields=["state"])
        item = due.open_due_item(subject=assignment, purpose="reply",
                                 title=_("重新办理：%(title)s") % {"title": proposal.title},
                                 rule_code="rehandling", anchor_at=now)
        work.open_item(case=proposal, target=assignment, step=STEP_HANDLE, unit=assignment.unit,
                       title=_("重新办理"), link=_assignment_link(assignment), due_item=item)
        notify(recipients=_unit_members(assignment.unit_id), key=f"rehandle-{assignment.pk}",
               title=_("提案需重新办理：%(title)s") % {"title": proposal.title},
               link=reverse("proposals:assignment", args=[assignment.pk]))


@transaction.atomic(durable=True)
def record_add(*, actor, proposal: Proposal, kind: str, held_on, participants: str, summary: str) -> CaseRecord:
    """A recorded meeting, supervision activity or follow-up on the case."""
    proposal = _locked(proposal)
    allowed = {
        CaseRecord.Kind.FACE_MEETING: actor.has_perm("proposals.review_proposal")
        or actor.has_perm("proposals.assign_proposal"),
        CaseRecord.Kind.FOLLOW_UP: actor.has_perm("proposals.review_proposal")
        or actor.has_perm("proposals.assign_proposal"),
        CaseRecord.Kind.VISIT: access.can_supervise(actor, proposal),
        CaseRecord.Kind.FORUM: access.can_supervise(actor, proposal),
        CaseRecord.Kind.REPORT: access.can_supervise(actor, proposal),
    }
    _require(allowed.get(kind, False))
    if kind == CaseRecord.Kind.FACE_MEETING and proposal.status != ProposalStatus.EVALUATED:
        raise StaleStateError("stale_state")
    if not summary.strip():
        raise ProposalError("incomplete", params={"fields": str(_("内容"))})
    if held_on > timezone.localdate():
        raise ProposalError("future_date", field="held_on")
    record = CaseRecord.objects.create(proposal=proposal, kind=kind, held_on=held_on,
                                       participants=participants.strip(), summary=summary.strip(), recorded_by=actor)
    if kind == CaseRecord.Kind.FACE_MEETING:
        due.close_due_items(subject=proposal, purpose="face-meeting")
        work.close_items(target=proposal, step=STEP_FACE_MEETING, actor=actor)
    audit.record(subject=proposal, actor=actor, action=f"record.{kind}", comment=summary.strip()[:300])
    return record


@transaction.atomic(durable=True)
def proposal_conclude(*, actor, proposal: Proposal, comment: str = "") -> Proposal:
    """办结: after the evaluation (and, after a second 不满意, the recorded face-to-face meeting)."""
    proposal = _locked(proposal)
    _require(actor.has_perm("proposals.review_proposal"))
    _expect_status(proposal, ProposalStatus.EVALUATED)
    second_dissatisfied = proposal.handling_round > 1 and proposal.evaluations.filter(
        round=proposal.handling_round, result_rating=Evaluation.Rating.DISSATISFIED).exists()
    if second_dissatisfied and not proposal.records.filter(kind=CaseRecord.Kind.FACE_MEETING).exists():
        raise ProposalError("face_meeting_required")
    proposal.concluded_at = timezone.now()
    _move(proposal, "conclude", actor=actor, action="proposal.concluded", comment=comment.strip(),
          extra_fields=["concluded_at"])
    due.close_due_items(subject=proposal)
    work.close_items(target=proposal, step=STEP_CONCLUDE, actor=actor)
    work.cancel_items(case=proposal)
    notify(recipients=_proposers(proposal), key=f"concluded-{proposal.pk}",
           title=_("提案已办结：%(title)s") % {"title": proposal.title}, link=_link(proposal))
    return proposal
