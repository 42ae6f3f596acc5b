"""Who may see and act on a proposal: the one place for the proposal side (DOMAIN §7.1).

Views and services ask these functions; lists use :func:`visible_proposals`, which expresses the same rules as a
query so a list can never show what the detail page would refuse.
"""

from django.db.models import Exists, OuterRef, Q

from workflows import access
from workflows.models import AccessGrant, UnitMembership

from .models import Assignment, Cosigner, Member, Proposal, ProposalStatus

# Units see a proposal once it is assigned to them, in any assignment state but a superseded one.
UNIT_VISIBLE_STATES = ("pending_receipt", "disputed", "received", "replied")


def is_staff_reader(user) -> bool:
    return user.has_perm("proposals.view_all_proposals")


def unit_ids(user, roles=None):
    memberships = UnitMembership.objects.filter(user=user)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return memberships.values("unit_id")


def visible_proposals(user):
    """Proposals the user may open (own, co-signed, assigned to their unit, granted, or all for staff)."""
    if not user.is_authenticated:
        return Proposal.objects.none()
    if is_staff_reader(user):
        return Proposal.objects.all()
    assigned_to_my_unit = Assignment.objects.filter(
        proposal=OuterRef("pk"), unit__in=unit_ids(user), state__in=UNIT_VISIBLE_STATES
    )
    cosigned = Cosigner.objects.filter(proposal=OuterRef("pk"), user=user)
    return Proposal.objects.filter(
        Q(first_proposer=user)
        | Q(submitted_by=user)
        | Exists(cosigned)
        | Exists(assigned_to_my_unit)
        | access.grant_exists(user, Proposal)
    )


def can_view(user, proposal: Proposal) -> bool:
    return visible_proposals(user).filter(pk=proposal.pk).exists()


def is_proposer(user, proposal: Proposal) -> bool:
    return user.is_authenticated and (proposal.first_proposer_id == user.pk or proposal.submitted_by_id == user.pk)


def can_see_contacts(user, proposal: Proposal) -> bool:
    """The proposer's phone and address, unmasked: the proposal office and the proposer, not the handling units.

    The one rule for the case page, its print and any export (a unit reaches the proposer through the contact log).
    """
    return is_staff_reader(user) or is_proposer(user, proposal)


def can_edit(user, proposal: Proposal) -> bool:
    """The proposer edits only a draft or a returned proposal; staff may edit what they entered for a member."""
    return proposal.status in (ProposalStatus.DRAFT, ProposalStatus.RETURNED) and is_proposer(user, proposal)


def can_assign(user, proposal: Proposal) -> bool:
    from .lifecycle import ProposalLifecycle

    return user.has_perm("proposals.assign_proposal") and ProposalLifecycle.may(proposal, "assign")


def can_withdraw(user, proposal: Proposal) -> bool:
    """撤案 is allowed to the proposer until the proposal is assigned (DOMAIN §2.3 [I])."""
    from .lifecycle import ProposalLifecycle

    return is_proposer(user, proposal) and ProposalLifecycle.may(proposal, "withdraw")


def pending_cosign(user, proposal: Proposal) -> Cosigner | None:
    if proposal.status != ProposalStatus.COSIGNING or not user.is_authenticated:
        return None
    return proposal.cosigners.filter(user=user, status=Cosigner.Status.INVITED).first()


def can_act_for_unit(user, assignment: Assignment) -> bool:
    return UnitMembership.objects.filter(user=user, unit_id=assignment.unit_id).exists()


def can_decide_adjustment(user, assignment: Assignment) -> bool:
    return user.has_perm("proposals.assign_proposal") and assignment.state == Assignment.State.DISPUTED


def can_supervise(user, proposal: Proposal) -> bool:
    """督办领导 and 领办领导 of a key proposal (their grants), and 提案委 staff."""
    return user.has_perm("proposals.review_proposal") or access.has_grant(
        user, proposal, kinds=[AccessGrant.Kind.SUPERVISE, AccessGrant.Kind.LEAD])


def grant_read(user, proposal: Proposal, *, granted_by=None):
    access.grant(user=user, subject=proposal, kind=AccessGrant.Kind.READ, granted_by=granted_by)


def current_member(user, term) -> Member | None:
    return Member.objects.filter(term=term, user=user, is_active=True).first()
