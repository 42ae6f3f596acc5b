"""Handling (B8, B9, B14): 办前面商, 会办意见, 延期."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify
from workflows import audit, due, locks, work
from workflows.calendar import add_months as calendar_add_months
from workflows.errors import PermissionDeniedError, StaleStateError

from .. import roles
from ..errors import ProposalError
from ..models import (
    Assignment,
    ContactLog,
    CoOpinion,
    Extension,
    ProposalSettings,
)
from ._common import (
    ANSWERING_ROLES,
    STEP_CO_OPINION,
    STEP_CONTACT,
    STEP_EXTENSION,
    _assignment_link,
    _group,
    _link,
    _locked_assignment,
    _open_due,
    _proposers,
    _require,
    _unit_guard,
    _unit_members,
    _users_with_perm,
    end_of_day,
)


@transaction.atomic(durable=True)
def contact_log_add(*, actor, assignment: Assignment, held_on, form: str, participants: str, summary: str):
    """沟通记录 (办前面商 and later contact); the first one closes the pre-handling contact window."""
    assignment, proposal = _unit_guard(actor, assignment, Assignment.State.RECEIVED, Assignment.State.REPLIED)
    if form not in ContactLog.Form.values:
        raise ProposalError("invalid", field="form")
    if not participants.strip() or not summary.strip():
        raise ProposalError("incomplete", params={"fields": "、".join([str(_("参加人员")), str(_("内容摘要"))])})
    if held_on > timezone.localdate():
        raise ProposalError("future_date", field="held_on")
    log = ContactLog.objects.create(assignment=assignment, held_on=held_on, form=form,
                                    participants=participants.strip(), summary=summary.strip(), recorded_by=actor)
    due.close_due_items(subject=assignment, purpose="contact")
    work.close_items(target=assignment, step=STEP_CONTACT, actor=actor)
    audit.record(subject=proposal, actor=actor, action="assignment.contact_logged",
                 comment=f"{assignment.unit} · {log.get_form_display()} · {summary.strip()[:200]}")
    return log


@transaction.atomic(durable=True)
def co_opinion_submit(*, actor, assignment: Assignment, body: str) -> CoOpinion:
    """会办意见 to the lead unit (co-handling units do not answer the proposer themselves)."""
    assignment, proposal = _unit_guard(actor, assignment, Assignment.State.RECEIVED)
    if assignment.role != Assignment.Role.CO:
        raise PermissionDeniedError("permission_denied")
    if not body.strip():
        raise ProposalError("comment_required", field="body")
    opinion = CoOpinion.objects.create(assignment=assignment, body=body.strip(), submitted_by=actor)
    assignment.state = Assignment.State.REPLIED
    assignment.save(update_fields=["state"])
    due.close_due_items(subject=assignment, purpose="co-opinion")
    work.close_items(target=assignment, step=STEP_CO_OPINION, actor=actor)
    audit.record(subject=proposal, actor=actor, action="assignment.co_opinion", comment=str(assignment.unit))
    lead = proposal.assignments.filter(role=Assignment.Role.LEAD).exclude(state=Assignment.State.REASSIGNED).first()
    if lead:
        notify(recipients=_unit_members(lead.unit_id), key=f"co-opinion-{opinion.pk}",
               title=_("收到会办意见：%(title)s") % {"title": proposal.title}, body=str(assignment.unit),
               link=reverse("proposals:assignment", args=[lead.pk]))
    return opinion


@transaction.atomic(durable=True)
def extension_request(*, actor, assignment: Assignment, until, reason: str) -> Extension:
    """申请延期 before the deadline, within the overall maximum (default 6 months from assignment)."""
    assignment, proposal = _unit_guard(actor, assignment, Assignment.State.RECEIVED)
    if assignment.role not in ANSWERING_ROLES:
        raise PermissionDeniedError("permission_denied")
    if not reason.strip():
        raise ProposalError("reason_required", field="reason")
    reply_due = _open_due(assignment, "reply")
    if reply_due is None:
        raise StaleStateError("stale_state")
    current = timezone.localdate(reply_due.due_at)
    limit = calendar_add_months(timezone.localdate(assignment.assigned_at),
                                ProposalSettings.current().max_extension_months)
    if until <= current:
        raise ProposalError("extension_not_later", params={"due": current}, field="until")
    if until > limit:
        raise ProposalError("extension_too_long", params={"limit": limit}, field="until")
    if assignment.extensions.filter(status=Extension.Status.PENDING).exists():
        raise ProposalError("extension_pending")
    extension = Extension.objects.create(assignment=assignment, requested_until=until, reason=reason.strip(),
                                         requested_by=actor)
    audit.record(subject=proposal, actor=actor, action="assignment.extension_requested",
                 comment=f"{assignment.unit} → {until}：{reason.strip()}")
    work.open_item(case=proposal, target=extension, step=STEP_EXTENSION, role=_group(roles.SUPERVISION_OFFICE),
                   title=_("审批延期申请（%(unit)s）") % {"unit": assignment.unit}, link=_assignment_link(assignment))
    notify(recipients=_users_with_perm("proposals.assign_proposal"), key=f"extension-{extension.pk}",
           title=_("延期申请：%(title)s") % {"title": proposal.title},
           body=f"{assignment.unit} → {until}", link=reverse("proposals:assignment", args=[assignment.pk]))
    return extension


@transaction.atomic(durable=True)
def extension_decide(*, actor, extension: Extension, approve: bool, comment: str) -> Extension:
    """督查室 decides; the proposer is told either way."""
    assignment, proposal = _locked_assignment(extension.assignment)
    extension = locks.child(Extension, extension.pk)
    _require(actor.has_perm("proposals.assign_proposal"))
    if extension.status != Extension.Status.PENDING:
        raise StaleStateError("stale_state")
    if not comment.strip():
        raise ProposalError("comment_required", field="comment")
    extension.status = Extension.Status.APPROVED if approve else Extension.Status.REFUSED
    extension.decided_by, extension.decided_at, extension.decision = actor, timezone.now(), comment.strip()
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision"])
    work.close_items(target=extension, step=STEP_EXTENSION, actor=actor)
    if approve:
        due.move_due_item(subject=assignment, purpose="reply", due_at=end_of_day(extension.requested_until))
    audit.record(subject=proposal, actor=actor,
                 action="assignment.extension_approved" if approve else "assignment.extension_refused",
                 comment=f"{assignment.unit}：{comment.strip()}")
    recipients = _proposers(proposal) + _unit_members(assignment.unit_id)
    notify(recipients=recipients, key=f"extension-decided-{extension.pk}",
           title=(_("延期已同意：%(title)s") if approve else _("延期未同意：%(title)s")) % {"title": proposal.title},
           body=f"{assignment.unit} → {extension.requested_until}：{comment.strip()}", link=_link(proposal))
    return extension
