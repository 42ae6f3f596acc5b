"""The reply (B10–B13): 拟稿 and the reply chain (slot b) that issues it."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify
from workflows import audit, due, locks, stages, work
from workflows.calendar import compute_due
from workflows.errors import PermissionDeniedError, StaleStateError

from .. import chains
from ..errors import ProposalError
from ..models import (
    Assignment,
    OutcomeCategory,
    Proposal,
    ProposalSettings,
    Reply,
)
from ._common import (
    ANSWERING_ROLES,
    STEP_CONTACT,
    STEP_EVALUATE,
    STEP_HANDLE,
    _assignment_link,
    _day,
    _link,
    _locked_assignment,
    _move,
    _open_due,
    _proposers,
    _require,
    _unit_guard,
)
from .evaluation import evaluators


@dataclass(frozen=True)
class ReplyContent:
    body: str
    category_id: int | None
    reference_number: str = ""
    publicity: str = "full"
    publicity_reason: str = ""
    summary: str = ""
    contact_person: str = ""
    contact_phone: str = ""


def _validate_reply(content: ReplyContent):
    missing = [str(label) for value, label in (
        (content.body.strip(), _("答复正文")), (content.category_id, _("答复分类")),
        (content.contact_person.strip(), _("联系人")), (content.contact_phone.strip(), _("联系电话")),
    ) if not value]
    if missing:
        raise ProposalError("incomplete", params={"fields": "、".join(missing)})
    if content.publicity not in Reply.Publicity.values:
        raise ProposalError("invalid", field="publicity")
    if content.publicity == Reply.Publicity.NONE and not content.publicity_reason.strip():
        raise ProposalError("publicity_reason_required", field="publicity_reason")
    if content.publicity == Reply.Publicity.SUMMARY and not content.summary.strip():
        raise ProposalError("summary_required", field="summary")
    if not OutcomeCategory.objects.filter(pk=content.category_id, is_active=True).exists():
        raise ProposalError("invalid", field="category")


@transaction.atomic  # composed with others in one view transaction (form → draft → submit)
def reply_save_draft(*, actor, assignment: Assignment, content: ReplyContent) -> Reply:
    """拟稿: the answering unit's 经办人 writes (or rewrites, after a return) the reply of this round."""
    assignment, proposal = _unit_guard(actor, assignment, Assignment.State.RECEIVED)
    if assignment.role not in ANSWERING_ROLES:
        raise PermissionDeniedError("permission_denied")
    _validate_reply(content)
    reply = assignment.replies.filter(round=proposal.handling_round).first()
    if reply is not None and reply.status != Reply.Status.DRAFT:
        raise ProposalError("reply_in_review")
    fields = {
        "body": content.body.strip(), "category_id": content.category_id,
        "reference_number": content.reference_number.strip(), "publicity": content.publicity,
        "publicity_reason": content.publicity_reason.strip(), "summary": content.summary.strip(),
        "contact_person": content.contact_person.strip(), "contact_phone": content.contact_phone.strip(),
    }
    if reply is None:
        reply = Reply.objects.create(assignment=assignment, round=proposal.handling_round, drafted_by=actor, **fields)
        audit.record(subject=proposal, actor=actor, action="reply.drafted", comment=str(assignment.unit))
    else:
        for name, value in fields.items():
            setattr(reply, name, value)
        reply.drafted_by = actor
        reply.save()
        audit.record(subject=proposal, actor=actor, action="reply.edited", comment=str(assignment.unit))
    return reply


@transaction.atomic  # composed with others in one view transaction (form → draft → submit)
def reply_submit(*, actor, reply: Reply) -> Reply:
    """Send the draft into the reply chain (会签 → 签发 → 审核, as the published definition says)."""
    assignment, proposal = _unit_guard(actor, reply.assignment, Assignment.State.RECEIVED)
    reply = locks.child(Reply, reply.pk, related=("category",))
    reply.assignment = assignment
    if reply.status != Reply.Status.DRAFT:
        raise StaleStateError("stale_state")
    if assignment.role == Assignment.Role.LEAD:
        waiting = proposal.assignments.filter(role=Assignment.Role.CO, state__in=Assignment.OPEN_STATES)
        if waiting.exists():
            raise ProposalError("co_opinions_missing", params={"units": "、".join(str(a.unit) for a in waiting)})
    reply.status = Reply.Status.IN_REVIEW
    reply.save(update_fields=["status"])
    # While the chain runs, its stage holders (会签, 签发, 审核) hold the step, not the drafting unit.
    work.close_items(target=assignment, step=STEP_HANDLE, actor=actor)
    reply.chain = stages.start_chain(slot_code=chains.REPLY, subject=reply, actor=actor, case_held=proposal)
    reply.save(update_fields=["chain"])
    audit.record(subject=proposal, actor=actor, action="reply.submitted", comment=str(assignment.unit))
    return reply


def reply_review_task(user, reply: Reply):
    """The user's open 督查室审核 task on this reply (who may change its category), or None."""
    task = stages.open_task_for(user, reply.chain) if reply.chain_id else None
    return task if task is not None and task.stage.key == "supervisor-review" else None


@transaction.atomic(durable=True)
def reply_change_category(*, actor, reply: Reply, category: OutcomeCategory, comment: str) -> Reply:
    """督办部门审核 may change the category the unit marked (the unit's choice is kept)."""
    plain = Reply.objects.select_related("assignment").get(pk=reply.pk)
    proposal = locks.case(Proposal, plain.assignment.proposal_id)
    if plain.chain_id:
        locks.run(plain.chain_id)
    reply = locks.child(Reply, plain.pk, related=("assignment", "category"))
    if reply.status != Reply.Status.IN_REVIEW:
        raise StaleStateError("stale_state")
    _require(reply_review_task(actor, reply) is not None)
    if not comment.strip():
        raise ProposalError("comment_required", field="comment")
    if category.pk == reply.category_id:
        return reply
    before = reply.category
    reply.original_category = reply.original_category or before
    reply.category = category
    reply.save(update_fields=["original_category", "category", "updated"])
    audit.record(subject=proposal, actor=actor, action="reply.category_changed",
                 comment=comment.strip(), changes={"category": [str(before), str(category)]})
    return reply


def reply_chain_finished(*, run, outcome: str, actor):
    """The reply chain ended (inside the runner's transaction): issued when approved, else back to the drafter."""
    plain = Reply.objects.select_related("assignment").get(pk=run.subject_id)
    assignment, proposal = _locked_assignment(plain.assignment)
    reply = locks.child(Reply, plain.pk, related=("category",))
    reply.assignment = assignment
    if outcome == "approved":
        _issue_reply(reply, assignment=assignment, proposal=proposal, actor=actor, run=run)
        return
    reply.status = Reply.Status.DRAFT
    reply.save(update_fields=["status"])
    if assignment.state == Assignment.State.RECEIVED:
        work.open_item(case=proposal, target=assignment, step=STEP_HANDLE, unit=assignment.unit,
                       title=_("修改答复函"), link=_assignment_link(assignment),
                       due_item=_open_due(assignment, "reply"))
    comment = run.tasks.exclude(comment="").order_by("-acted_at").values_list("comment", flat=True).first() or ""
    notify(recipients=[reply.drafted_by], key=f"reply-back-{reply.pk}-{run.pk}",
           title=_("答复函需修改：%(title)s") % {"title": proposal.title}, body=comment,
           link=_assignment_link(assignment))


def _issue_reply(reply: Reply, *, assignment: Assignment, proposal: Proposal, actor, run):
    now = timezone.now()
    signer = run.tasks.filter(stage__key="signoff", status="approved").order_by("-acted_at").first()
    # The deadline this reply answered stays linked (the due item is closed, never copied).
    reply.status, reply.issued_at, reply.due_item = Reply.Status.ISSUED, now, _open_due(assignment, "reply")
    reply.signed_by = (signer.acted_by or signer.assignee) if signer else None
    if reply.publicity != Reply.Publicity.NONE:
        delay = ProposalSettings.current().publication_delay_days
        reply.publish_on = timezone.localdate(compute_due(kind="working_days", amount=delay, anchor=now).due_at)
    reply.save(update_fields=["status", "issued_at", "due_item", "signed_by", "publish_on"])
    assignment.state = Assignment.State.REPLIED
    assignment.save(update_fields=["state"])
    due.close_due_items(subject=assignment, purpose="reply")
    due.close_due_items(subject=assignment, purpose="contact")
    work.close_items(target=assignment, step=STEP_HANDLE, actor=actor)
    work.cancel_items(target=assignment, step=STEP_CONTACT)
    audit.record(subject=proposal, actor=actor, action="reply.issued",
                 comment=f"{assignment.unit} · {reply.reference_number} · {reply.category}")
    # Every proposer is answered: the first proposer, each confirmed co-signer, and the proposers merged into it.
    merged = list(proposal.merged.select_related("first_proposer"))
    recipients = _proposers(proposal) + [m.first_proposer or m.submitted_by for m in merged]
    notify(recipients=recipients, key=f"reply-issued-{reply.pk}",
           title=_("提案已答复：%(title)s") % {"title": proposal.title},
           body=_("%(unit)s 已答复，分类 %(category)s。") % {"unit": assignment.unit, "category": reply.category},
           link=_link(proposal))
    answering = proposal.assignments.filter(role__in=ANSWERING_ROLES).exclude(state=Assignment.State.REASSIGNED)
    if not answering.exclude(state=Assignment.State.REPLIED).exists():
        proposal.replied_at = proposal.replied_at or now
        _move(proposal, "reply", actor=actor, action="proposal.replied", extra_fields=["replied_at"])
        item = due.open_due_item(subject=proposal, purpose="evaluation",
                                 title=_("评价：%(title)s") % {"title": proposal.title},
                                 rule_code="proposal-evaluation", anchor_at=now)
        people = evaluators(proposal)
        for user in people:
            work.open_item(case=proposal, step=STEP_EVALUATE, assignee=user, title=_("请评价"),
                           link=_link(proposal), due_item=item)
        notify(recipients=people, key=f"evaluate-{proposal.pk}-{proposal.handling_round}",
               title=_("请评价提案办理：%(title)s") % {"title": proposal.title},
               body=_("请在 %(due)s 前填写征询意见。") % {"due": _day(item)},
               link=_link(proposal))
