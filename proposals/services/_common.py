"""Shared by the proposal services: locking, the status move, deadlines read from due items, step codes."""


from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from workflows import lifecycle, locks
from workflows.calendar import end_of_day  # noqa: F401  (re-exported for the services)
from workflows.errors import PermissionDeniedError, StaleStateError
from workflows.models import AuditEvent, DueItem, UnitMembership

from .. import access, chains, errors, roles  # noqa: F401  (errors registers the proposal messages)
from ..lifecycle import ProposalLifecycle
from ..models import (
    Assignment,
    Cosigner,
    Proposal,
)

# The proposal's pending human steps, one work item each (``workflows.work``); the unit's own steps share the
# "proposals.assignment" prefix, which is the 承办待办 filter.
STEP_COSIGN = "proposals.cosign"
STEP_REVISE = "proposals.revise"
STEP_ASSIGN = "proposals.assign"
STEP_RECEIVE = "proposals.assignment.receive"
STEP_CONTACT = "proposals.assignment.contact"
STEP_HANDLE = "proposals.assignment.handle"
STEP_CO_OPINION = "proposals.assignment.co_opinion"
STEP_UNIT = "proposals.assignment"
STEP_ADJUSTMENT = "proposals.adjustment.decide"
STEP_EXTENSION = "proposals.extension.decide"
STEP_EVALUATE = "proposals.evaluate"
STEP_FACE_MEETING = "proposals.face_meeting"
STEP_CONCLUDE = "proposals.conclude"
STEP_KEY_DECIDE = "proposals.key.decide"


def _locked(proposal: Proposal) -> Proposal:
    """Lock the proposal row: the first lock of every proposal service (then runs, then child rows). Its term and
    first proposer come in the same read (only the proposal's row is locked)."""
    return locks.case(Proposal, proposal.pk, related=("term", "first_proposer"))


def _require(condition: bool, code: str = "permission_denied"):
    if not condition:
        raise PermissionDeniedError(code)


def _expect_status(proposal: Proposal, *statuses):
    if proposal.status not in statuses:
        raise StaleStateError("stale_state")


def _move(proposal: Proposal, transition: str, *, actor, action: str, comment: str = "", extra_fields=(),
          changes=None, on_behalf_of=None) -> AuditEvent:
    """Move the locked proposal along one transition of its lifecycle (saves, audits; stale → StaleStateError);
    returns the audit row, from which notification keys derive."""
    return lifecycle.move(ProposalLifecycle(proposal), transition, actor=actor, action=action, comment=comment,
                   extra_fields=extra_fields, changes=changes, on_behalf_of=on_behalf_of)


def _open_due(subject, purpose: str):
    """The open due item of ``subject`` for ``purpose``: the one stored deadline of that step."""
    from django.contrib.contenttypes.models import ContentType

    return DueItem.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        subject_id=str(subject.pk), purpose=purpose, state=DueItem.State.OPEN,
    ).first()


def _day(item) -> str:
    return timezone.localtime(item.due_at).strftime("%Y-%m-%d") if item is not None else ""


def _group(code: str) -> Group:
    return Group.objects.get_or_create(name=code)[0]


def _assignment_link(assignment) -> str:
    return reverse("proposals:assignment", args=[assignment.pk])


def _link(proposal: Proposal) -> str:
    return reverse("proposals:detail", args=[proposal.pk])


def _proposers(proposal: Proposal):
    """Everyone who must hear about the proposal's fate: the first proposer and confirmed co-signers."""
    users = [proposal.first_proposer or proposal.submitted_by]
    users += [c.user for c in proposal.cosigners.filter(status=Cosigner.Status.CONFIRMED).select_related("user")]
    return users


def _users_with_perm(perm: str):
    """Active users holding ``perm`` through a role group (roles are groups; see ``proposals.roles``)."""
    app_label, codename = perm.split(".")
    groups = Group.objects.filter(permissions__content_type__app_label=app_label, permissions__codename=codename)
    return get_user_model().objects.filter(is_active=True, groups__in=groups).distinct()


def _unit_members(unit_id: int):
    return _members_of_units([unit_id])[unit_id]


def _members_of_units(unit_ids) -> dict[int, list]:
    """Each unit's active members, for several units in one query."""
    members = {unit_id: [] for unit_id in unit_ids}
    for membership in UnitMembership.objects.filter(unit_id__in=members, user__is_active=True).select_related("user"):
        members[membership.unit_id].append(membership.user)
    return members


def _locked_assignment(assignment: Assignment) -> tuple[Assignment, Proposal]:
    """Lock order: the proposal first, then its assignment (``workflows.locks``), the same in every service."""
    # An assignment never changes proposal: the caller's row names the case to lock first.
    proposal = locks.case(Proposal, assignment.proposal_id, related=("term", "first_proposer"))
    assignment = locks.child(Assignment, assignment.pk, related=("unit",))
    assignment.proposal = proposal
    return assignment, proposal


ANSWERING_ROLES = (Assignment.Role.SOLE, Assignment.Role.LEAD, Assignment.Role.SEPARATE)


def _unit_guard(actor, assignment: Assignment, *states) -> tuple[Assignment, Proposal]:
    assignment, proposal = _locked_assignment(assignment)
    _require(access.can_act_for_unit(actor, assignment))
    if states and assignment.state not in states:
        raise StaleStateError("stale_state")
    return assignment, proposal


