"""The legal skeleton of the cadre side's two processes: a nomination case (A1–A13) and a representative round
(R1–R7), each one status and every move the rules allow (DOMAIN §4.3–4.4, §5.3).

The services (``nomination.process``, ``nomination.representatives``) lock the case row and call
``lifecycle.move(NominationLifecycle(case), "<transition>", ...)``; a case no longer in a source state is someone
else's earlier action (StaleStateError). Reviews and sign-offs are chains of the stage runner (their tasks are work
items the runner opens); the offline acts the 组织部 or 统战部 records are work items the services open; the two legal
waits, 任前公示 and 试用期, are due items whose automatic action (run by the sweep at the due time) makes the
``notice_period_ends`` / ``probation_period_ends`` move below.
"""

from workflows import lifecycle

from .models import CaseStatus as S
from .models import RepStatus as R

# 终止 is allowed until the appointment (DOMAIN §4.3 CLOSED / WITHDRAWN); after it only 试用期 and its assessment remain.
WITHDRAWABLE = (
    S.DRAFT, S.UFWD_OPINION_ON_MOTION, S.MOTION_APPROVED, S.RECOMMENDATION, S.CANDIDATE_FIXED, S.VETTING,
    S.UFWD_OPINION_ON_DECISION, S.PACKAGE_SIGNOFF, S.SUBMITTED_TO_COMMITTEE, S.DEFERRED, S.DECIDED, S.PUBLIC_NOTICE,
    S.NOTICE_OBJECTION, S.NOTICE_ENDED, S.LEGAL_PROCEDURE, S.TO_APPOINT,
)
# While the 任前公示 runs (or has just ended) reports may be recorded and must be verified (A10).
NOTICE_STATES = (S.PUBLIC_NOTICE, S.NOTICE_OBJECTION, S.NOTICE_ENDED)


class NominationLifecycle(lifecycle.Lifecycle):
    """党外干部选拔任用 (DOMAIN §4.3 states, §4.4 steps A1–A13)."""

    status = lifecycle.state(S, default=S.DRAFT)

    # DOMAIN §4.4 A1→A2 [L C1]: the 动议方案 goes to the 统战部 for its mandatory written opinion.
    @status.transition(source=S.DRAFT, target=S.UFWD_OPINION_ON_MOTION)
    def submit_motion(self):
        pass

    # DOMAIN §4.4 A2: the 组织部 recalls the motion before the 统战部 acted (the gate chain's 撤回).
    @status.transition(source=S.UFWD_OPINION_ON_MOTION, target=S.DRAFT)
    def recall_motion(self):
        pass

    # DOMAIN §4.3 MOTION_APPROVED: the 部务会 / 书记专题会 fixes the motion, after the signed UFWD opinion.
    @status.transition(source=S.UFWD_OPINION_ON_MOTION, target=S.MOTION_APPROVED)
    def approve_motion(self):
        pass

    # DOMAIN §4.4 A3 [R C7]: 民主推荐 recorded (差额, participants, votes).
    @status.transition(source=S.MOTION_APPROVED, target=S.RECOMMENDATION)
    def record_recommendation(self):
        pass

    # DOMAIN §4.4 A4: 确定考察对象.
    @status.transition(source=S.RECOMMENDATION, target=S.CANDIDATE_FIXED)
    def fix_candidate(self):
        pass

    # DOMAIN §4.4 A5, §4.2 #4 共同考察人选: a 考察组 of both departments; the vetting opinions in parallel (chain).
    @status.transition(source=S.CANDIDATE_FIXED, target=S.VETTING)
    def start_vetting(self):
        pass

    # DOMAIN §4.4 A5→A6 [L C1]: opinions, report and the UFWD member's opinion are in; the UFWD is asked again.
    @status.transition(source=S.VETTING, target=S.UFWD_OPINION_ON_DECISION)
    def finish_vetting(self):
        pass

    # DOMAIN §4.4 A6→A7: the signed UFWD opinion before the decision opens the joint sign-off (chain).
    @status.transition(source=S.UFWD_OPINION_ON_DECISION, target=S.PACKAGE_SIGNOFF)
    def open_signoff(self):
        pass

    # DOMAIN §4.4 A7, §4.2 #5 共同向党委推荐: both departments' heads signed the package.
    @status.transition(source=S.PACKAGE_SIGNOFF, target=S.SUBMITTED_TO_COMMITTEE)
    def package_signed(self):
        pass

    # DOMAIN §4.4 A8: the 县委常委会's decision as made — 通过.
    @status.transition(source=S.SUBMITTED_TO_COMMITTEE, target=S.DECIDED)
    def decide_approved(self):
        pass

    # DOMAIN §4.4 A8: 不通过 (terminal).
    @status.transition(source=S.SUBMITTED_TO_COMMITTEE, target=S.REJECTED)
    def decide_rejected(self):
        pass

    # DOMAIN §4.4 A8: 暂缓; the item may be brought back to the committee.
    @status.transition(source=S.SUBMITTED_TO_COMMITTEE, target=S.DEFERRED)
    def decide_deferred(self):
        pass

    # DOMAIN §4.4 A8: a deferred item goes back to the committee.
    @status.transition(source=S.DEFERRED, target=S.SUBMITTED_TO_COMMITTEE)
    def resubmit(self):
        pass

    # DOMAIN §4.3 RECOMMENDED_UPWARD [I]: posts the 州委 manages end in the county's upward recommendation.
    @status.transition(source=S.DECIDED, target=S.RECOMMENDED_UPWARD)
    def recommend_upward(self):
        pass

    # DOMAIN §4.3 RECOMMENDED_UPWARD: the 州's decision entered as an external outcome; the county case closes.
    @status.transition(source=S.RECOMMENDED_UPWARD, target=S.CLOSED)
    def record_upward_outcome(self):
        pass

    # DOMAIN §4.4 A9 [R C5]: 任前公示 of at least 5 working days, not starting before the day it is entered.
    @status.transition(source=S.DECIDED, target=S.PUBLIC_NOTICE)
    def publish_notice(self):
        pass

    # DOMAIN §4.4 A10: a report received during the notice; the case waits until it is verified.
    @status.transition(source=S.PUBLIC_NOTICE, target=S.NOTICE_OBJECTION)
    def record_objection(self):
        pass

    # DOMAIN §4.4 A10: every report verified while the notice still runs.
    @status.transition(source=S.NOTICE_OBJECTION, target=S.PUBLIC_NOTICE)
    def objections_verified(self):
        pass

    # DOMAIN §4.4 A9 [R C5]: the legal wait is over (the 公示 due item's automatic action, never a person).
    @status.transition(source=[S.PUBLIC_NOTICE, S.NOTICE_OBJECTION], target=S.NOTICE_ENDED)
    def notice_period_ends(self):
        pass

    # DOMAIN §4.4 A10→A11: nothing prevents the appointment; elected or 人大常委会-appointed posts go to the body.
    @status.transition(source=S.NOTICE_ENDED, target=S.LEGAL_PROCEDURE)
    def notice_passed_to_legal(self):
        pass

    # DOMAIN §4.4 A10→A12: nothing prevents the appointment.
    @status.transition(source=S.NOTICE_ENDED, target=S.TO_APPOINT)
    def notice_passed(self):
        pass

    # DOMAIN §4.4 A10: a verified report stops the appointment.
    @status.transition(source=S.NOTICE_ENDED, target=S.CLOSED)
    def notice_stopped(self):
        pass

    # DOMAIN §4.4 A11: the 人大 / 人大常委会 / 政协 elected or appointed the nominee.
    @status.transition(source=S.LEGAL_PROCEDURE, target=S.TO_APPOINT)
    def legal_passed(self):
        pass

    # DOMAIN §4.4 A11: it did not.
    @status.transition(source=S.LEGAL_PROCEDURE, target=S.CLOSED)
    def legal_failed(self):
        pass

    # DOMAIN §4.4 A12 [R C5]: 任职通知, 任职谈话, start date.
    @status.transition(source=S.TO_APPOINT, target=S.APPOINTED)
    def appoint(self):
        pass

    # DOMAIN §4.4 A13 [R C5]: one year's 试用期 for the listed non-elected posts, from the appointment notice.
    @status.transition(source=S.APPOINTED, target=S.PROBATION)
    def start_probation(self):
        pass

    # DOMAIN §4.4 A13: the year is over (the 试用期 due item's automatic action); the assessment is due.
    @status.transition(source=S.PROBATION, target=S.PROBATION_ENDED)
    def probation_period_ends(self):
        pass

    # DOMAIN §4.4 A13, §4.2 #6 共同督促考核: both departments' leaders approved the conclusion — confirmed.
    @status.transition(source=S.PROBATION_ENDED, target=S.CONFIRMED)
    def confirm(self):
        pass

    # DOMAIN §4.4 A13: removed from the trial post, back to the former rank.
    @status.transition(source=S.PROBATION_ENDED, target=S.PROBATION_FAILED)
    def remove_from_post(self):
        pass

    # DOMAIN §4.3 WITHDRAWN: 终止 with a reason, before the appointment.
    @status.transition(source=WITHDRAWABLE, target=S.WITHDRAWN)
    def withdraw(self):
        pass


class RepresentativeLifecycle(lifecycle.Lifecycle):
    """党外代表人士推荐为人大代表、政协委员 (DOMAIN §5.3 states, steps R1–R7)."""

    status = lifecycle.state(R, default=R.PLAN)

    # DOMAIN §5.3 R1→R2: the quota plan is set and nominations open.
    @status.transition(source=R.PLAN, target=R.NOMINATION)
    def open_nominations(self):
        pass

    # DOMAIN §5.3 R3 [R C3]: consultation with the democratic parties and the 工商联 recorded.
    @status.transition(source=R.NOMINATION, target=R.CONSULTATION)
    def consult(self):
        pass

    # DOMAIN §5.3 R4 [R C3, L C12]: 政治关 / 廉洁关 / 形象关 with the 廉政意见 and the 政协党组 opinion (chain).
    @status.transition(source=R.CONSULTATION, target=R.VETTING)
    def start_vetting(self):
        pass

    # DOMAIN §5.3 R5: every nominee checked and the opinions passed: the 统战部 compiles the 建议名单.
    @status.transition(source=R.VETTING, target=R.LIST_COMPILED)
    def compile_list(self):
        pass

    # DOMAIN §5.3 R5 [R C3]: the views of the relevant parties sought; the list goes to sign-off (chain).
    @status.transition(source=R.LIST_COMPILED, target=R.OPINIONS_SOUGHT)
    def seek_opinions(self):
        pass

    # DOMAIN §5.3 R6 [R C3]: signed by the 统战部 and sent by the 组织部 to the 县委.
    @status.transition(source=R.OPINIONS_SOUGHT, target=R.SUBMITTED)
    def submit(self):
        pass

    # DOMAIN §5.3 R5: the sign-off sent the list back to the 统战部.
    @status.transition(source=R.OPINIONS_SOUGHT, target=R.LIST_COMPILED)
    def return_list(self):
        pass

    # DOMAIN §5.3 R6: the 县委 approved the list.
    @status.transition(source=R.SUBMITTED, target=R.APPROVED)
    def approve(self):
        pass

    # DOMAIN §5.3 R6: REVISED — the 县委 sent the list back to the 统战部.
    @status.transition(source=R.SUBMITTED, target=R.LIST_COMPILED)
    def revise(self):
        pass

    # DOMAIN §5.1 [L C11]: 政协常委会协商通过, by more than half of all standing members.
    @status.transition(source=R.APPROVED, target=R.STANDING_COMMITTEE_ADOPTED)
    def cppcc_adopt(self):
        pass

    # DOMAIN §5.1: 公布.
    @status.transition(source=R.STANDING_COMMITTEE_ADOPTED, target=R.ANNOUNCED)
    def announce(self):
        pass

    # DOMAIN §5.2 [R C13]: the approved names go forward as NPC candidates.
    @status.transition(source=R.APPROVED, target=R.CANDIDATE_NOMINATED)
    def npc_nominate(self):
        pass

    # DOMAIN §5.2 [R C13]: the candidate list, at least 15 calendar days before the election day.
    @status.transition(source=R.CANDIDATE_NOMINATED, target=R.LIST_PUBLISHED)
    def publish_list(self):
        pass

    # DOMAIN §5.2 [R C13]: the formal candidate list, at least 7 calendar days before the election day.
    @status.transition(source=R.LIST_PUBLISHED, target=R.FORMAL_LIST)
    def publish_formal_list(self):
        pass

    # DOMAIN §5.2: the election's result.
    @status.transition(source=R.FORMAL_LIST, target=R.ELECTED)
    def record_election(self):
        pass

    # DOMAIN §5.3 #8 [I]: 州-level seats are recommended upward.
    @status.transition(source=R.APPROVED, target=R.UPWARD)
    def send_upward(self):
        pass

    # DOMAIN §5.3 #8: the 州's outcome recorded; the round ends.
    @status.transition(source=R.UPWARD, target=R.CLOSED)
    def record_upward_outcome(self):
        pass
