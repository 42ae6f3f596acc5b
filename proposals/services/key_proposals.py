"""Key proposals (B20): 主席会议 decision, 督办 and 领办."""

from django.db import transaction
from django.utils.translation import gettext as _

from notifications.services import notify
from workflows import access as workflows_access
from workflows import audit, work
from workflows.errors import StaleStateError
from workflows.models import AccessGrant

from .. import roles
from ..errors import ProposalError
from ..models import (
    CaseRecord,
    Proposal,
    ProposalStatus,
)
from ._common import STEP_KEY_DECIDE, _group, _link, _locked, _require


@transaction.atomic(durable=True)
def key_propose(*, actor, proposal: Proposal, comment: str) -> Proposal:
    """提案委 proposes a key proposal; the 主席会议 decides."""
    proposal = _locked(proposal)
    _require(actor.has_perm("proposals.review_proposal"))
    if proposal.serial is None or proposal.status in (ProposalStatus.MERGED, ProposalStatus.CONCLUDED):
        raise ProposalError("not_key_candidate")
    if proposal.key_status:
        raise StaleStateError("stale_state")
    proposal.key_status = "proposed"
    proposal.save(update_fields=["key_status", "updated"])
    audit.record(subject=proposal, actor=actor, action="proposal.key_proposed", comment=comment.strip())
    # The 主席会议's decision is recorded by 提案委 staff: their claimable step until it is.
    work.open_item(case=proposal, step=STEP_KEY_DECIDE, role=_group(roles.STAFF), title=_("录入主席会议决定"),
                   link=_link(proposal))
    return proposal


@transaction.atomic(durable=True)
def key_decide(*, actor, proposal: Proposal, approved: bool, decided_on, decision: str, supervisor=None,
               lead_official=None) -> Proposal:
    """Record the 主席会议 decision; a chair leads the supervision and a government leader may take charge (领办)."""
    proposal = _locked(proposal)
    _require(actor.has_perm("proposals.review_proposal"))
    if proposal.key_status != "proposed":
        raise StaleStateError("stale_state")
    if not decision.strip():
        raise ProposalError("comment_required", field="decision")
    if approved and supervisor is None:
        raise ProposalError("supervisor_required", field="supervisor")
    work.close_items(target=proposal, step=STEP_KEY_DECIDE, actor=actor)
    proposal.key_status = "key" if approved else "declined"
    proposal.key_supervisor = supervisor if approved else None
    proposal.key_lead_official = lead_official if approved else None
    proposal.save(update_fields=["key_status", "key_supervisor", "key_lead_official", "updated"])
    CaseRecord.objects.create(proposal=proposal, kind=CaseRecord.Kind.CHAIR_DECISION, held_on=decided_on,
                              summary=decision.strip(), recorded_by=actor)
    audit.record(subject=proposal, actor=actor, action="proposal.key_decided", comment=decision.strip(),
                 changes={"key": approved})
    if approved:
        for user, kind in ((supervisor, AccessGrant.Kind.SUPERVISE), (lead_official, AccessGrant.Kind.LEAD)):
            if user is None:
                continue
            workflows_access.grant(user=user, subject=proposal, kind=kind, granted_by=actor, reason=str(_("重点提案")))
            notify(recipients=[user], key=f"key-{proposal.pk}-{kind}",
                   title=_("重点提案：%(title)s") % {"title": proposal.title}, link=_link(proposal))
    return proposal
