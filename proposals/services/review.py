"""The review (B3–B5): the 审查 chain (slot a), whose last stage (审定) records its decision as made."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import Message, notify, notify_many
from workflows import audit, due, locks, stages, work

from .. import access, chains, roles
from ..errors import ProposalError
from ..models import (
    NumberCounter,
    Proposal,
    ProposalStatus,
    Term,
)
from ._common import (
    STEP_ASSIGN,
    STEP_REVISE,
    _expect_status,
    _group,
    _link,
    _locked,
    _move,
    _proposers,
    _require,
    _users_with_perm,
)


def _review_chain(proposal: Proposal):
    return stages.running_chain(proposal, chains.REVIEW)


def decision_task(user, proposal: Proposal):
    """The user's open task on the last stage of the proposal's review chain (who may decide), or None."""
    return stages.open_task_on(user, proposal, chains.REVIEW, last_stage=True)


def _review_guard(actor, proposal: Proposal):
    proposal = _locked(proposal)
    _expect_status(proposal, ProposalStatus.SUBMITTED)
    task = decision_task(actor, proposal)
    _require(task is not None and actor.has_perm("proposals.review_proposal"))
    return proposal, task


def _next_serial(term: Term, year: int) -> int:
    """Take the next official number under the counter's row lock: a rolled-back acceptance gives its number back."""
    serial = locks.bump(NumberCounter, "last", term=term.pk, year=year)
    if serial is None:  # the year's first acceptance creates the counter
        try:
            with transaction.atomic():
                NumberCounter.objects.create(term=term, year=year)
        except IntegrityError:
            pass  # created concurrently by another acceptance
        serial = locks.bump(NumberCounter, "last", term=term.pk, year=year)
    return serial


def _accept(proposal: Proposal, *, actor, comment: str):
    now = timezone.now()
    proposal.year = timezone.localdate(now).year
    proposal.serial = _next_serial(proposal.term, proposal.year)
    proposal.accepted_at = now
    proposal.review_comment = comment.strip()
    _move(proposal, "accept", actor=actor, action="proposal.accepted", comment=comment.strip(),
          extra_fields=["year", "serial", "accepted_at", "review_comment"], changes={"number": proposal.number})
    # A proposal is accepted once: its 交办 step has no deadline or work item yet, so none is looked for.
    item = due.open_due_item(subject=proposal, purpose="assign", title=_("交办：%(title)s") % {"title": proposal.title},
                             rule_code="proposal-assign", anchor_at=now, known_new=True)
    work.open_item(case=proposal, step=STEP_ASSIGN, role=_group(roles.SUPERVISION_OFFICE), title=_("交办"),
                   link=_link(proposal), due_item=item, known_new=True)
    link = _link(proposal)
    accepted = _("提案已立案：%(title)s") % {"title": proposal.title}
    body = _("您的提案已立案，编号 %(number)s。") % {"number": proposal.number}
    to_assign = _("待交办提案：%(title)s") % {"title": proposal.title}
    notify_many(
        [Message(key=f"proposal-accepted-{proposal.pk}", title=accepted, body=body, link=link, recipient=user)
         for user in _proposers(proposal)]
        + [Message(key=f"proposal-to-assign-{proposal.pk}", title=to_assign, link=link, recipient=user)
           for user in _users_with_perm("proposals.assign_proposal")]
    )


def _not_accepted(proposal: Proposal, *, actor, comment: str):
    if not proposal.rejection_ground or not proposal.disposition:
        raise ProposalError("ground_required", field="ground")
    _move(proposal, "reject", actor=actor, action="proposal.not_accepted", comment=comment,
          extra_fields=["rejection_ground", "disposition", "proposer_consent", "review_comment"],
          changes={"ground": proposal.get_rejection_ground_display(),
                   "disposition": proposal.get_disposition_display()})
    notify(recipients=_proposers(proposal), key=f"proposal-not-accepted-{proposal.pk}",
           title=_("提案不予立案：%(title)s") % {"title": proposal.title},
           body=_("理由：%(ground)s。处置：%(disposition)s。%(comment)s") % {
               "ground": proposal.get_rejection_ground_display(), "disposition": proposal.get_disposition_display(),
               "comment": comment},
           link=_link(proposal))


def _merged(proposal: Proposal, *, actor, comment: str):
    master = proposal.master
    if master is None:
        raise ProposalError("master_invalid", field="master")
    _move(proposal, "merge", actor=actor, action="proposal.merged", comment=comment,
          extra_fields=["master", "review_comment"], changes={"master": str(master)})
    audit.record(subject=master, actor=actor, action="proposal.merged_in", comment=str(proposal))
    # The merged proposer follows the master's handling and is answered with it.
    access.grant_read(proposal.first_proposer or proposal.submitted_by, master, granted_by=actor)
    notify(recipients=_proposers(proposal), key=f"proposal-merged-{proposal.pk}",
           title=_("提案已并案：%(title)s") % {"title": proposal.title},
           body=_("您的提案已并入 %(master)s 一并办理，办理结果将分别答复您。") % {"master": str(master)},
           link=_link(proposal))


def _returned(proposal: Proposal, *, actor, comment: str, run):
    proposal.review_comment = comment
    _move(proposal, "return_for_revision", actor=actor, action="proposal.returned", comment=comment,
          extra_fields=["review_comment"])
    proposer = proposal.first_proposer or proposal.submitted_by
    work.open_item(case=proposal, step=STEP_REVISE, assignee=proposer, title=_("修改后重新提交"),
                   link=_link(proposal))
    notify(recipients=[proposer], key=f"proposal-returned-{proposal.pk}-{run.pk}",
           title=_("提案退回修改：%(title)s") % {"title": proposal.title}, body=comment, link=_link(proposal))


@transaction.atomic(durable=True)
def proposal_accept(*, actor, proposal: Proposal, comment: str = "", suggested_unit_ids=()) -> Proposal:
    """立案: give the official number (gapless per term and year) and pass it to 督查室 for assignment.

    Recorded on the 审定 task as its outcome 立案.
    """
    proposal, task = _review_guard(actor, proposal)
    if suggested_unit_ids:
        proposal.suggested_units.set(suggested_unit_ids)
    stages.decide(actor=actor, task=task, outcome=chains.ACCEPT, comment=comment.strip(), case_held=proposal)
    return proposal


@transaction.atomic(durable=True)
def proposal_reject(*, actor, proposal: Proposal, ground: str, disposition: str, proposer_consent: bool | None,
                    comment: str) -> Proposal:
    """不予立案 with one of the ten grounds; forwarding elsewhere needs the proposer's consent (DOMAIN §2.3)."""
    proposal, task = _review_guard(actor, proposal)
    if ground not in Proposal.RejectionGround.values:
        raise ProposalError("ground_required", field="ground")
    if disposition not in Proposal.Disposition.values:
        raise ProposalError("disposition_required", field="disposition")
    if disposition != Proposal.Disposition.NONE and proposer_consent is None:
        raise ProposalError("consent_required", field="proposer_consent")
    if not comment.strip():
        raise ProposalError("comment_required", field="comment")
    proposal.rejection_ground, proposal.disposition = ground, disposition
    proposal.proposer_consent = proposer_consent if disposition != Proposal.Disposition.NONE else None
    proposal.review_comment = comment.strip()
    proposal.save(update_fields=["rejection_ground", "disposition", "proposer_consent", "review_comment"])
    stages.decide(actor=actor, task=task, outcome=chains.REJECT, comment=comment.strip(), case_held=proposal)
    return proposal


@transaction.atomic(durable=True)
def proposal_merge(*, actor, proposal: Proposal, master: Proposal, comment: str) -> Proposal:
    """并案 into an accepted proposal; each proposer is still answered when the master is (DOMAIN §2.3)."""
    proposal, task = _review_guard(actor, proposal)
    master = Proposal.objects.get(pk=master.pk)
    if (master.pk == proposal.pk or master.term_id != proposal.term_id or master.serial is None
            or master.status in (ProposalStatus.MERGED, ProposalStatus.WITHDRAWN, ProposalStatus.NOT_ACCEPTED)):
        raise ProposalError("master_invalid", field="master")
    if not comment.strip():
        raise ProposalError("comment_required", field="comment")
    proposal.master = master
    proposal.review_comment = comment.strip()
    proposal.save(update_fields=["master", "review_comment"])
    stages.decide(actor=actor, task=task, outcome=chains.MERGE, comment=comment.strip(), case_held=proposal)
    return proposal


@transaction.atomic(durable=True)
def proposal_return(*, actor, proposal: Proposal, comment: str) -> Proposal:
    """退回修改 (案前协商): the proposer revises and resubmits; the review starts again.

    The holder of 审定 decides 退回修改 (its outcome); the holder of an earlier review stage returns the chain to
    the applicant.
    """
    proposal = _locked(proposal)
    _expect_status(proposal, ProposalStatus.SUBMITTED)
    run = _review_chain(proposal)
    task = stages.open_task_for(actor, run) if run else None
    _require(task is not None)
    if not comment.strip():
        raise ProposalError("comment_required", field="comment")
    if decision_task(actor, proposal) is not None:
        stages.decide(actor=actor, task=task, outcome=chains.RETURN, comment=comment.strip())
    else:
        stages.return_to(actor=actor, task=task, to_order=None, comment=comment)
    return Proposal.objects.get(pk=proposal.pk)


def review_chain_finished(*, run, outcome: str, actor):
    """The review chain ended (called by the stage runner inside its transaction). The run's subject is the proposal
    row locked in it: by the runner (``locks.run_with_case``), or by the service that started or decided the chain
    and handed its row over (``start_chain``, ``stages.decide(case_held=…)``)."""
    proposal = run.subject
    if proposal.status != ProposalStatus.SUBMITTED:
        return
    comment = run.tasks.exclude(comment="").order_by("-acted_at").values_list("comment", flat=True).first() or ""
    if outcome == "decided":
        decided = {chains.ACCEPT: _accept, chains.REJECT: _not_accepted, chains.MERGE: _merged}.get(run.outcome)
        if decided is not None:
            decided(proposal, actor=actor, comment=comment)
        elif run.outcome == chains.RETURN:
            _returned(proposal, actor=actor, comment=comment, run=run)
    elif outcome == "approved":
        # A chain whose published version ends without a decision stage: passing it is 立案.
        _accept(proposal, actor=actor, comment=comment)
    elif outcome == "rejected":
        # 不同意 on a review stage: the review walks again from the start.
        stages.start_chain(slot_code=chains.REVIEW, subject=proposal, actor=run.started_by, case_held=proposal)
    elif outcome == "returned":
        _returned(proposal, actor=actor, comment=comment, run=run)
    elif outcome == "withdrawn":
        # 撤回 before anyone acted: back to a draft; the next submission starts a new review.
        _move(proposal, "recall", actor=actor, action="proposal.recalled")
