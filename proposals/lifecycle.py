"""The legal skeleton of a proposal (DOMAIN §2.9): its one status and every move the regulation allows.

The services in ``proposals.services`` lock the proposal and call ``lifecycle.move(ProposalLifecycle(proposal),
"<transition>", ...)``; a proposal no longer in a source state is someone else's earlier action (StaleStateError).
The legal waits are due items (联名确认期, 评价期) with automatic actions; the per-person steps are work items.
"""

from workflows import lifecycle

from .models import ProposalStatus as S

# 撤案 is allowed to the proposer until the proposal is assigned (DOMAIN §2.3 [I]).
WITHDRAWABLE = (S.DRAFT, S.COSIGNING, S.SUBMITTED, S.RETURNED, S.ACCEPTED)


class ProposalLifecycle(lifecycle.Lifecycle):
    status = lifecycle.state(S, default=S.DRAFT)

    # DOMAIN §2.9 DRAFT → COSIGNING: a joint proposal invites its co-signers (B2).
    @status.transition(source=[S.DRAFT, S.RETURNED], target=S.COSIGNING)
    def open_cosigning(self):
        pass

    # DOMAIN §2.9 DRAFT/RETURNED → SUBMITTED: submitted by the proposer or staff on their behalf (B1).
    @status.transition(source=[S.DRAFT, S.RETURNED], target=S.SUBMITTED)
    def submit(self):
        pass

    # DOMAIN §2.9 COSIGNING → SUBMITTED: everyone answered, or the window closed (unconfirmed names dropped).
    @status.transition(source=S.COSIGNING, target=S.SUBMITTED)
    def close_cosigning(self):
        pass

    # DOMAIN §2.9 SUBMITTED → ACCEPTED: 立案 with the official number (B3/B4).
    @status.transition(source=S.SUBMITTED, target=S.ACCEPTED)
    def accept(self):
        pass

    # DOMAIN §2.9 SUBMITTED → NOT_ACCEPTED: 不予立案 on one of the ten grounds (§2.3, B4/B5). Terminal.
    @status.transition(source=S.SUBMITTED, target=S.NOT_ACCEPTED)
    def reject(self):
        pass

    # DOMAIN §2.9 SUBMITTED → MERGED: 并案 into an accepted proposal (§2.3). Terminal.
    @status.transition(source=S.SUBMITTED, target=S.MERGED)
    def merge(self):
        pass

    # DOMAIN §2.9 SUBMITTED → RETURNED: 退回修改 (案前协商).
    @status.transition(source=S.SUBMITTED, target=S.RETURNED)
    def return_for_revision(self):
        pass

    # DOMAIN §2.9 SUBMITTED → DRAFT: the proposer 撤回 the submission before any decision (the chain's 撤回).
    @status.transition(source=S.SUBMITTED, target=S.DRAFT)
    def recall(self):
        pass

    # DOMAIN §2.9 WITHDRAWN: 撤案 in writing, until assigned (§2.3 [I]). Terminal.
    @status.transition(source=WITHDRAWABLE, target=S.WITHDRAWN)
    def withdraw(self):
        pass

    # DOMAIN §2.9 ACCEPTED → ASSIGNED: 督查室 issues the assignment plan (B6).
    @status.transition(source=S.ACCEPTED, target=S.ASSIGNED)
    def assign(self):
        pass

    # DOMAIN §2.9 ASSIGNED → IN_HANDLING: every unit has signed for its part (B7).
    @status.transition(source=S.ASSIGNED, target=S.IN_HANDLING)
    def start_handling(self):
        pass

    # DOMAIN §2.9 IN_HANDLING/REHANDLING → REPLIED: every answering unit's reply is issued (B10–B13); the
    # ASSIGNED source covers a unit that answers while another unit has not yet signed.
    @status.transition(source=[S.ASSIGNED, S.IN_HANDLING, S.REHANDLING], target=S.REPLIED)
    def reply(self):
        pass

    # DOMAIN §2.9 REPLIED → EVALUATED: the proposers' feedback, or the default after the window (B15).
    @status.transition(source=S.REPLIED, target=S.EVALUATED)
    def close_evaluation(self):
        pass

    # DOMAIN §2.9 REPLIED → REHANDLING (via EVALUATED): 不满意 on the first round, handled again (§2.6, B16).
    @status.transition(source=S.REPLIED, target=S.REHANDLING)
    def rehandle(self):
        pass

    # DOMAIN §2.9 EVALUATED → CONCLUDED: 办结 (after a second 不满意, once the face-to-face meeting is recorded).
    @status.transition(source=S.EVALUATED, target=S.CONCLUDED)
    def conclude(self):
        pass
