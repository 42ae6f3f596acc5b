"""交办 and each unit's 签收 or 申请调整 (B6, B7)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import Message, notify, notify_many
from workflows import audit, due, work
from workflows.errors import StaleStateError
from workflows.models import Unit

from .. import access, roles
from ..errors import ProposalError
from ..models import (
    Assignment,
    Proposal,
    ProposalStatus,
)
from ._common import (
    ANSWERING_ROLES,
    STEP_ADJUSTMENT,
    STEP_ASSIGN,
    STEP_CO_OPINION,
    STEP_CONTACT,
    STEP_HANDLE,
    STEP_RECEIVE,
    _assignment_link,
    _day,
    _expect_status,
    _group,
    _link,
    _locked,
    _locked_assignment,
    _members_of_units,
    _move,
    _open_due,
    _proposers,
    _require,
    _unit_members,
    _users_with_perm,
)


def _validate_plan(mode: str, lead_ids, co_ids):
    all_ids = list(lead_ids) + list(co_ids)
    if not all_ids:
        raise ProposalError("units_required", field="units")
    if len(set(all_ids)) != len(all_ids):
        raise ProposalError("unit_twice", field="units")
    if mode == Assignment.Role.SOLE and (len(lead_ids) != 1 or co_ids):
        raise ProposalError("sole_one_unit", field="units")
    if mode == Assignment.Role.LEAD and (len(lead_ids) != 1 or not co_ids):
        raise ProposalError("lead_required", field="units")
    if mode == Assignment.Role.SEPARATE and (len(lead_ids) < 2 or co_ids):
        raise ProposalError("separate_required", field="units")


_ASSIGNMENT_RULES = ("assignment-receipt", "assignment-reply")


def _new_assignment(*, proposal: Proposal, unit: Unit, members, role: str, actor, now,
                    rules) -> tuple[Assignment, list]:
    """A unit's new assignment with its receipt window (and its reply deadline when it answers), on the deadline
    ``rules`` read once for the whole plan. Returns it with the messages telling the unit's ``members``, which the
    caller sends with its own in one call."""
    assignment = Assignment.objects.create(proposal=proposal, unit=unit, role=role, assigned_at=now, assigned_by=actor)
    item = _open_receipt(assignment, proposal=proposal, anchor_at=now, known_new=True,
                         deadline_rule=rules["assignment-receipt"])
    if role in ANSWERING_ROLES:
        # The handling deadline runs from 交办 (DOMAIN §2.10 B10): the notice prints it, the unit sees it at once.
        due.open_due_item(subject=assignment, purpose="reply", title=_("办理答复：%(title)s") % {"title": proposal.title},
                          deadline_rule=rules["assignment-reply"], anchor_at=now, known_new=True)
    title = _("新交办提案：%(title)s") % {"title": proposal.title}
    body = _("承办方式：%(role)s；请在 %(due)s 前签收或申请调整。") % {"role": assignment.get_role_display(), "due": _day(item)}
    link = _assignment_link(assignment)
    return assignment, [Message(key=f"assignment-new-{assignment.pk}", title=title, body=body, link=link, recipient=user)
                        for user in members]


def _open_receipt(assignment: Assignment, *, proposal: Proposal, anchor_at, known_new: bool = False,
                  deadline_rule=None):
    """The unit's window to 签收 or 申请调整: one due item, one claimable work item for the unit. ``known_new``: the
    assignment has just been created, so it has neither yet."""
    item = due.open_due_item(subject=assignment, purpose="receipt",
                             title=_("签收：%(title)s") % {"title": proposal.title}, rule_code="assignment-receipt",
                             deadline_rule=deadline_rule, anchor_at=anchor_at, known_new=known_new)
    work.open_item(case=proposal, target=assignment, step=STEP_RECEIVE, unit=assignment.unit,
                   title=_("签收或申请调整（%(role)s）") % {"role": assignment.get_role_display()},
                   link=_assignment_link(assignment), due_item=item, known_new=known_new)
    return item


def _units(unit_ids, *, field: str) -> dict[int, Unit]:
    """The units named by id, read at once; an id that names no unit is refused."""
    units = Unit.objects.in_bulk(unit_ids)
    if len(units) != len(set(unit_ids)):
        raise ProposalError("units_required", field=field)
    return units


@transaction.atomic(durable=True)
def proposal_assign(*, actor, proposal: Proposal, mode: str, lead_unit_ids, co_unit_ids=(), comment: str = "") -> Proposal:
    """交办 by 督查室: 独办, 主办 + 会办, or 分办; each unit gets its own assignment, state and deadline."""
    proposal = _locked(proposal)
    _expect_status(proposal, ProposalStatus.ACCEPTED)
    _require(access.can_assign(actor, proposal))
    lead_unit_ids, co_unit_ids = [int(u) for u in lead_unit_ids], [int(u) for u in co_unit_ids]
    _validate_plan(mode, lead_unit_ids, co_unit_ids)
    now = timezone.now()
    lead_role = mode if mode != Assignment.Role.CO else Assignment.Role.LEAD
    plan = [(unit_id, lead_role) for unit_id in lead_unit_ids] + [(unit_id, Assignment.Role.CO) for unit_id in co_unit_ids]
    units = _units(lead_unit_ids + co_unit_ids, field="units")
    members = _members_of_units(units)
    rules = due.rules(*_ASSIGNMENT_RULES)
    messages = []
    for unit_id, role in plan:
        messages += _new_assignment(proposal=proposal, unit=units[unit_id], members=members[unit_id], role=role,
                                    actor=actor, now=now, rules=rules)[1]
    proposal.assigned_at = now
    names = ", ".join(str(units[unit_id]) for unit_id, _role in plan)
    _move(proposal, "assign", actor=actor, action="proposal.assigned", comment=comment.strip(),
          extra_fields=["assigned_at"], changes={"mode": str(Assignment.Role(mode).label), "units": names})
    work.close_items(target=proposal, step=STEP_ASSIGN, actor=actor)
    due.close_due_items(subject=proposal, purpose="assign")
    title = _("提案已交办：%(title)s") % {"title": proposal.title}
    body = _("承办单位：%(units)s") % {"units": names}
    notify_many(messages + [Message(key=f"proposal-assigned-{proposal.pk}", title=title, body=body,
                                    link=_link(proposal), recipient=user) for user in _proposers(proposal)])
    return proposal


@transaction.atomic(durable=True)
def assignment_receive(*, actor, assignment: Assignment) -> Assignment:
    """签收: the unit accepts its part; when every unit has signed, the proposal is in handling."""
    assignment, proposal = _locked_assignment(assignment)
    _require(access.can_act_for_unit(actor, assignment))
    if assignment.state != Assignment.State.PENDING_RECEIPT:
        raise StaleStateError("stale_state")
    assignment.state, assignment.received_at, assignment.received_by = Assignment.State.RECEIVED, timezone.now(), actor
    assignment.save(update_fields=["state", "received_at", "received_by"])
    # The unit's own record and the proposal's timeline, in one INSERT.
    audit.record_many([
        {"subject": assignment, "actor": actor, "action": "assignment.received",
         "from_state": Assignment.State.PENDING_RECEIPT, "to_state": Assignment.State.RECEIVED},
        {"subject": proposal, "actor": actor, "action": "assignment.received", "comment": str(assignment.unit)},
    ])
    due.close_due_items(subject=assignment, purpose="receipt")
    work.close_items(target=assignment, step=STEP_RECEIVE, actor=actor)
    # An assignment is received once (a re-handling reopens its steps without a new 签收): the steps opened here
    # have no open deadline or work item yet, so none is looked for.
    if assignment.role == Assignment.Role.CO:
        item = due.open_due_item(subject=assignment, purpose="co-opinion", known_new=True,
                                 title=_("会办意见：%(title)s") % {"title": proposal.title}, rule_code="co-opinion")
        work.open_item(case=proposal, target=assignment, step=STEP_CO_OPINION, unit=assignment.unit,
                       title=_("会办意见"), link=_assignment_link(assignment), due_item=item, known_new=True)
    else:
        item = _open_due(assignment, "reply") or due.open_due_item(
            subject=assignment, purpose="reply", title=_("办理答复：%(title)s") % {"title": proposal.title},
            rule_code="assignment-reply", anchor_at=assignment.assigned_at)
        contact = due.open_due_item(subject=assignment, purpose="contact", known_new=True,
                                    title=_("办前面商：%(title)s") % {"title": proposal.title},
                                    rule_code="assignment-contact", anchor_at=assignment.assigned_at)
        work.open_item(case=proposal, target=assignment, step=STEP_HANDLE, unit=assignment.unit,
                       title=_("办理答复"), link=_assignment_link(assignment), due_item=item, known_new=True)
        work.open_item(case=proposal, target=assignment, step=STEP_CONTACT, unit=assignment.unit,
                       title=_("办前面商"), link=_assignment_link(assignment), due_item=contact, known_new=True)
    live = proposal.assignments.exclude(state=Assignment.State.REASSIGNED)
    if proposal.status == ProposalStatus.ASSIGNED and not live.exclude(state=Assignment.State.RECEIVED).exists():
        _move(proposal, "start_handling", actor=actor, action="proposal.in_handling")
    return assignment


@transaction.atomic(durable=True)
def assignment_request_adjustment(*, actor, assignment: Assignment, reason: str) -> Assignment:
    """申请调整 within the window; the unit may not pass the proposal on itself (不得自行转办)."""
    assignment, proposal = _locked_assignment(assignment)
    _require(access.can_act_for_unit(actor, assignment))
    if assignment.state != Assignment.State.PENDING_RECEIPT:
        raise StaleStateError("stale_state")
    window = _open_due(assignment, "receipt")
    if window is not None and timezone.now() > window.due_at:
        raise ProposalError("adjustment_window_closed", params={"due": _day(window)})
    if not reason.strip():
        raise ProposalError("reason_required", field="reason")
    assignment.state, assignment.adjustment_reason = Assignment.State.DISPUTED, reason.strip()
    assignment.save(update_fields=["state", "adjustment_reason"])
    event = audit.record_many([
        {"subject": assignment, "actor": actor, "action": "assignment.adjustment_requested",
         "comment": reason.strip(), "from_state": Assignment.State.PENDING_RECEIPT,
         "to_state": Assignment.State.DISPUTED},
        {"subject": proposal, "actor": actor, "action": "assignment.adjustment_requested",
         "comment": f"{assignment.unit}: {reason.strip()}"},
    ])[1]
    due.close_due_items(subject=assignment, purpose="receipt")
    work.close_items(target=assignment, step=STEP_RECEIVE, actor=actor)
    item = due.open_due_item(subject=assignment, purpose="adjustment",
                             title=_("调整申请：%(title)s") % {"title": proposal.title}, rule_code="assignment-adjustment")
    work.open_item(case=proposal, target=assignment, step=STEP_ADJUSTMENT, role=_group(roles.SUPERVISION_OFFICE),
                   title=_("处理调整申请（%(unit)s）") % {"unit": assignment.unit}, link=_assignment_link(assignment),
                   due_item=item)
    notify(recipients=_users_with_perm("proposals.assign_proposal"), key=f"event-{event.pk}-adjustment",
           title=_("承办单位申请调整：%(title)s") % {"title": proposal.title},
           body=f"{assignment.unit}：{reason.strip()}", link=_assignment_link(assignment))
    return assignment


@transaction.atomic(durable=True)
def assignment_decide_adjustment(*, actor, assignment: Assignment, approve: bool, comment: str,
                                 new_unit_id: int | None = None) -> Assignment:
    """督查室 decides: move the part to another unit (REASSIGNED + a new assignment) or keep it with this unit."""
    assignment, proposal = _locked_assignment(assignment)
    if assignment.state != Assignment.State.DISPUTED:
        raise StaleStateError("stale_state")
    _require(access.can_decide_adjustment(actor, assignment))
    if not comment.strip():
        raise ProposalError("comment_required", field="comment")
    now = timezone.now()
    due.close_due_items(subject=assignment, purpose="adjustment")
    work.close_items(target=assignment, step=STEP_ADJUSTMENT, actor=actor)
    assignment.adjustment_decision = comment.strip()
    if approve:
        if not new_unit_id:
            raise ProposalError("new_unit_required", field="new_unit")
        if proposal.assignments.filter(unit_id=new_unit_id).exclude(state=Assignment.State.REASSIGNED).exists():
            raise ProposalError("unit_twice", field="new_unit")
        assignment.state = Assignment.State.REASSIGNED
        assignment.save(update_fields=["state", "adjustment_decision"])
        due.close_due_items(subject=assignment, state="canceled")
        unit = _units([int(new_unit_id)], field="new_unit")[int(new_unit_id)]
        replacement, told = _new_assignment(proposal=proposal, unit=unit, members=_unit_members(unit.pk),
                                            role=assignment.role, actor=actor, now=now,
                                            rules=due.rules(*_ASSIGNMENT_RULES))
        notify_many(told)
        assignment.replaced_by = replacement
        assignment.save(update_fields=["replaced_by"])
        action, to_state = "assignment.reassigned", Assignment.State.REASSIGNED
    else:
        assignment.state = Assignment.State.PENDING_RECEIPT
        assignment.save(update_fields=["state", "adjustment_decision"])
        # The unit gets a fresh window to sign for it.
        _open_receipt(assignment, proposal=proposal, anchor_at=now)
        action, to_state = "assignment.adjustment_refused", Assignment.State.PENDING_RECEIPT
    event = audit.record_many([
        {"subject": assignment, "actor": actor, "action": action, "comment": comment.strip(),
         "from_state": Assignment.State.DISPUTED, "to_state": to_state},
        {"subject": proposal, "actor": actor, "action": action, "comment": f"{assignment.unit}: {comment.strip()}"},
    ])[1]
    notify(recipients=_unit_members(assignment.unit_id), key=f"event-{event.pk}-adjustment-decided",
           title=_("调整申请已处理：%(title)s") % {"title": proposal.title}, body=comment.strip(),
           link=_assignment_link(assignment))
    return assignment
