"""Who may 催办 the deadlines of a proposal (found by ``workflows.urging``): the case's staff and its proposers."""

from workflows import urging

from . import access
from .models import Proposal


def may_urge(user, proposal: Proposal) -> bool:
    """提案委 staff and 督查室 (they see every proposal), the proposer, and the leaders who supervise or lead it.

    A handling unit is urged, it does not urge; co-signers follow the proposal but do not chase it.
    """
    return access.is_staff_reader(user) or access.is_proposer(user, proposal) or access.can_supervise(user, proposal)


urging.register("proposals.proposal", may_urge)
