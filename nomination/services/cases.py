"""Every state change of a nomination case (党外干部选拔任用, DOMAIN §4.1–4.4, steps A1–A13).

Each function checks permission, validates, locks the case row first (``workflows.locks``: case → chain run →
children), moves the status through ``nomination.lifecycle``, closes the step it does and opens the next one
(``nomination.steps``: work items in 待办 / 待认领), writes the audit row and notifies, in one transaction. Reviews and
sign-offs are never decided here: they are the stage runner's chains (``nomination.chains``), whose end calls
:func:`chain_finished`. The two legal waits (任前公示, 试用期) are due items whose automatic actions are
:func:`notice_period_end` and :func:`probation_period_end`.

Fixed in code, whatever the chain definitions say: both UFWD opinions must be signed with their text recorded; the
vetting team has members of both departments and the UFWD member's opinion; the package passes only with one
approval from each department's head; the decision record; 任前公示 of at least 5 working days with every report
verified; the legal procedure of elected posts; 试用期 of one year.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify
from workflows import audit, due, lifecycle, locks, stages
from workflows.calendar import CHINA, add_months, add_working_days, end_of_day, working_days_between
from workflows.errors import StaleStateError
from workflows.models import AuditEvent, DeadlineRule, DueItem, StageRun, StageTask, Unit

from .. import access, chains, errors, roles, steps  # noqa: F401  (errors registers the messages)
from ..due_subjects import NOTICE, PROBATION
from ..errors import NominationError, NominationPermissionError
from ..lifecycle import NOTICE_STATES, WITHDRAWABLE, NominationLifecycle
from ..models import (
    CASE_POST_LEVELS,
    DEMOCRATIC_PARTIES,
    LEGAL_POST_KINDS,
    PROBATION_POST_KINDS,
    CaseStatus,
    NominationCase,
    NoticeObjection,
    Person,
    PostKind,
    RecommendationRecord,
    RecommendationVote,
    UfwdOpinion,
    VettingMember,
)
from . import people as services

NOTICE_MIN_WORKING_DAYS = 5  # 任前公示 不少于5个工作日 [R C5]
PROBATION_MONTHS = 12  # 试用期一年 [R C5]
GATE_SLOTS = {UfwdOpinion.Gate.MOTION: chains.UFWD_MOTION, UfwdOpinion.Gate.DECISION: chains.UFWD_DECISION}
# 修改动议 stays open while the UFWD gives its opinion, until the 部务会 fixes the motion (issue #13 item 6).
MOTION_EDITABLE_STATES = (CaseStatus.DRAFT, CaseStatus.UFWD_OPINION_ON_MOTION)


@dataclass(frozen=True)
class CaseData:
    """The 动议方案 (A1). ``elected_post`` and ``probation_required`` left as None follow the post kind (§4.1)."""

    post_unit: str
    post_title: str
    post_level: str
    post_kind: str
    motion_text: str
    posts_count: int = 1
    managed_by: str = NominationCase.ManagedBy.COUNTY
    is_body_leadership: bool = False
    elected_post: bool | None = None
    legal_body: str = ""
    probation_required: bool | None = None
    candidate_ids: tuple[int, ...] = ()


def default_flags(post_kind: str) -> dict:
    """§4.1: elected or 人大常委会-appointed posts go through the legal procedure and have no 试用期."""
    return {"elected_post": post_kind in LEGAL_POST_KINDS, "probation_required": post_kind in PROBATION_POST_KINDS}


# --- helpers -------------------------------------------------------------------------------------------------


def _require(condition: bool, code: str = "permission_denied"):
    if not condition:
        raise NominationPermissionError(code)


def _locked(case: NominationCase) -> NominationCase:
    """The case row, locked before anything else of the case (its chain runs, objections, votes)."""
    return locks.case(NominationCase, case.pk, related=("nominee",))


def _expect(case: NominationCase, *statuses):
    if case.status not in statuses:
        raise StaleStateError("stale_state")


def _move(case: NominationCase, transition: str, *, actor, action: str, comment: str = "", extra_fields=(),
          changes=None) -> AuditEvent:
    """One legal move of the locked case (``NominationLifecycle``); returns its audit row (notification keys)."""
    return lifecycle.move(NominationLifecycle(case), transition, actor=actor, action=action, comment=comment,
                          changes=changes, extra_fields=extra_fields)


def _link(case: NominationCase) -> str:
    return reverse("nomination:case", args=[case.pk])


def _department_users(*role_codes):
    return list(get_user_model().objects.filter(is_active=True, groups__name__in=role_codes).distinct())


def _tell(event, users, title: str, case: NominationCase, what: str = "notice"):
    """One notification per causing event and recipient: the key is the event's, so a later event always tells."""
    notify(recipients=users, key=f"event-{event.pk}-{what}", title=title, body=str(case), link=_link(case))


def _manage(actor):
    _require(access.can_manage_cases(actor))


def _text(value: str, code: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise NominationError(code, field=field)
    return value




def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=CHINA)


def _today() -> datetime.date:
    return timezone.localdate()


def _cancel_chains(case: NominationCase, *, actor, comment: str):
    """Stop any chain still running on the case (a withdrawn case needs no more opinions)."""
    for run in StageRun.objects.filter(subject_id=str(case.pk), slot__code__in=chains.SLOTS,
                                       status=StageRun.Status.RUNNING):
        stages.cancel(actor=actor, run=run, comment=comment)


def latest_run(case: NominationCase, slot_code: str) -> StageRun | None:
    return (StageRun.objects.filter(subject_id=str(case.pk), slot__code=slot_code)
            .select_related("version", "slot").order_by("-pk").first())


# --- A1: the motion ------------------------------------------------------------------------------------------


def _validate_case(data: CaseData):
    missing = [str(label) for value, label in (
        (data.post_unit, _("任职单位")), (data.post_title, _("拟任职务")), (data.motion_text, _("动议方案")),
    ) if not (value or "").strip()]
    if missing:
        raise NominationError("incomplete", params={"fields": "、".join(missing)})
    if data.post_level not in dict(CASE_POST_LEVELS):
        raise NominationError("invalid_choice", field="post_level", params={"field": _("职务层次"), "value": data.post_level})
    if data.post_kind not in PostKind.values:
        raise NominationError("invalid_choice", field="post_kind", params={"field": _("职务类型"), "value": data.post_kind})
    if data.managed_by not in NominationCase.ManagedBy.values:
        raise NominationError("invalid_choice", field="managed_by", params={"field": _("干部管理权限"),
                                                                         "value": data.managed_by})
    if data.posts_count < 1:
        raise NominationError("posts_count_invalid", field="posts_count")
    elected = default_flags(data.post_kind)["elected_post"] if data.elected_post is None else data.elected_post
    if elected and data.legal_body not in NominationCase.LegalBody.values[1:]:
        raise NominationError("legal_body_required", field="legal_body")


def _apply_case(case: NominationCase, data: CaseData):
    flags = default_flags(data.post_kind)
    case.post_unit, case.post_title = data.post_unit.strip(), data.post_title.strip()
    case.post_level, case.post_kind, case.posts_count = data.post_level, data.post_kind, data.posts_count
    case.managed_by, case.is_body_leadership = data.managed_by, data.is_body_leadership
    case.elected_post = flags["elected_post"] if data.elected_post is None else data.elected_post
    case.legal_body = data.legal_body if case.elected_post else ""
    case.probation_required = (flags["probation_required"] if data.probation_required is None
                               else data.probation_required)
    case.motion_text = data.motion_text.strip()


def _set_candidates(case: NominationCase, candidate_ids):
    people = list(Person.objects.filter(pk__in=candidate_ids))
    if len(people) != len(set(candidate_ids)):
        raise NominationError("candidate_unknown", field="candidates")
    case.candidates.set(people)


@transaction.atomic(durable=True)
def case_create(*, actor, data: CaseData) -> NominationCase:
    """组织部干部科 drafts a motion (A1): the post, its conditions, and the reference candidates."""
    _manage(actor)
    _validate_case(data)
    case = NominationCase(created_by=actor)
    _apply_case(case, data)
    case.save()
    _set_candidates(case, data.candidate_ids)
    audit.record(subject=case, actor=actor, action="case.created", to_state=case.status)
    steps.open_step(case, "nomination.motion.submit")
    return case


@transaction.atomic(durable=True)
def case_update(*, actor, case: NominationCase, data: CaseData) -> NominationCase:
    """修改动议, 参考人选 included, until the motion is fixed (确定动议): a motion short of candidates never dead-ends."""
    _manage(actor)
    case = _locked(case)
    _expect(case, *MOTION_EDITABLE_STATES)
    _validate_case(data)
    before = sorted(case.candidates.values_list("name", flat=True))
    _apply_case(case, data)
    case.save()
    _set_candidates(case, data.candidate_ids)
    after = sorted(case.candidates.values_list("name", flat=True))
    audit.record(subject=case, actor=actor, action="case.edited",
                 changes={"candidates": ["、".join(before), "、".join(after)]} if before != after else None)
    return case


def motion_editable(case: NominationCase) -> bool:
    """The motion (and its 参考人选) may still change: before 确定动议."""
    return case.status in MOTION_EDITABLE_STATES


@transaction.atomic(durable=True)
def motion_submit(*, actor, case: NominationCase) -> NominationCase:
    """Send the motion to the UFWD for its mandatory opinion (A2): the gate chain starts (its stages are work items)."""
    _manage(actor)
    case = _locked(case)
    _expect(case, CaseStatus.DRAFT)
    event = _move(case, "submit_motion", actor=actor, action="case.motion_submitted")
    steps.close_step(case, "nomination.motion.submit", actor=actor)
    stages.start_chain(slot_code=chains.UFWD_MOTION, subject=case, actor=actor)
    _tell(event, _department_users(roles.UF_CADRE), _("请对动议提出统战部意见：%(case)s") % {"case": case}, case)
    return case


@transaction.atomic(durable=True)
def motion_recall(*, actor, case: NominationCase, comment: str = "") -> NominationCase:
    """撤回 the motion before the 统战部 acted (A2): the case first, then the gate chain; back to a draft."""
    _manage(actor)
    case = _locked(case)
    _expect(case, CaseStatus.UFWD_OPINION_ON_MOTION)
    run = stages.running_chain(case, chains.UFWD_MOTION)
    if run is None:
        raise StaleStateError("stale_state")
    # The chain's end (``chain_finished`` → ``_gate_finished``) moves the case back to 动议拟稿.
    stages.withdraw(actor=actor, run=run, comment=comment)
    return _locked(case)


# --- A2 / A6: the two UFWD opinions (chains whose text is recorded on the case) ----------------------------------


def gate_draft_written(case: NominationCase, slot_code: str) -> bool:
    """Whether the UFWD's written opinion at the gate of ``slot_code`` has a draft text (the 拟稿 stage's output)."""
    gate = next((g for g, code in GATE_SLOTS.items() if code == slot_code), None)
    return gate is not None and case.ufwd_opinions.filter(gate=gate).exclude(text="").exists()


def gate_task(user, case: NominationCase, gate: str) -> StageTask | None:
    """The user's open task in the case's running UFWD chain at ``gate`` (who may write or sign the opinion)."""
    run = stages.running_chain(case, GATE_SLOTS[gate])
    return stages.open_task_for(user, run) if run else None


@transaction.atomic(durable=True)
def ufwd_opinion_submit(*, actor, case: NominationCase, gate: str, stance: str, text: str, alternatives: str = "",
                        comment: str = "") -> UfwdOpinion:
    """统战部干部科 drafts, or the 分管副部长/部长 signs (and may amend), the written opinion at one gate.

    Both are 同意 on the holder's chain task; the text is saved first, so the chain can never pass without it.
    """
    if gate not in GATE_SLOTS:
        raise NominationError("invalid_choice", field="gate", params={"field": _("征求意见环节"), "value": gate})
    case = _locked(case)
    _expect(case, CaseStatus.UFWD_OPINION_ON_MOTION if gate == UfwdOpinion.Gate.MOTION
            else CaseStatus.UFWD_OPINION_ON_DECISION)
    task = gate_task(actor, case, gate)
    _require(task is not None)
    if stance not in UfwdOpinion.Stance.values:
        raise NominationError("stance_required", field="stance")
    text = _text(text, "opinion_required", "text")
    if stance == UfwdOpinion.Stance.ALTERNATIVE and not alternatives.strip():
        raise NominationError("alternatives_required", field="alternatives")
    opinion, created = UfwdOpinion.objects.get_or_create(
        case=case, gate=gate,
        defaults={"stance": stance, "text": text, "alternatives": alternatives.strip(), "drafted_by": actor})
    if not created:
        changes = {f: [getattr(opinion, f), v] for f, v in
                   (("stance", stance), ("text", text), ("alternatives", alternatives.strip()))
                   if getattr(opinion, f) != v}
        opinion.stance, opinion.text, opinion.alternatives = stance, text, alternatives.strip()
        opinion.signed_by, opinion.signed_at = None, None
        opinion.save()
        if changes:
            audit.record(subject=case, actor=actor, action="ufwd.opinion_amended", changes=changes)
    stages.approve(actor=actor, task=task, comment=comment.strip() or opinion.get_stance_display())
    return UfwdOpinion.objects.get(pk=opinion.pk)


def _gate_finished(case: NominationCase, gate: str, run: StageRun, outcome: str, actor):
    slot = GATE_SLOTS[gate]
    if outcome == StageRun.Status.APPROVED:
        opinion = case.ufwd_opinions.filter(gate=gate).first()
        if opinion is None or not opinion.text.strip():
            # The written opinion is the gate: a chain approved without one is refused, whoever clicked 同意.
            raise NominationError("opinion_required", field="text")
        signer = run.tasks.filter(status=StageTask.Status.APPROVED).order_by("-acted_at", "-pk").first()
        opinion.signed_by, opinion.signed_at = (signer.acted_by or signer.assignee), timezone.now()
        opinion.save(update_fields=["signed_by", "signed_at"])
        event = audit.record(subject=case, actor=actor, action="ufwd.opinion_signed",
                             comment=f"{opinion.get_stance_display()}：{opinion.text}",
                             changes={"gate": str(opinion.get_gate_display()), "alternatives": opinion.alternatives})
        _tell(event, _department_users(roles.ORG_CADRE, roles.ORG_LEADER),
              _("统战部意见已签发：%(case)s") % {"case": case}, case)
        if gate == UfwdOpinion.Gate.DECISION:
            _move(case, "open_signoff", actor=actor, action="case.package_signoff")
            stages.start_chain(slot_code=chains.SIGNOFF, subject=case, actor=case.created_by)
        else:
            # The 部务会 may now fix the motion: the 组织部干部科's next step.
            steps.open_step(case, "nomination.motion.confirm")
        return
    if outcome == StageRun.Status.WITHDRAWN and gate == UfwdOpinion.Gate.MOTION:
        # 撤回 by the 组织部 before the UFWD acted: back to a draft, to be submitted again.
        _move(case, "recall_motion", actor=actor, action="case.motion_recalled")
        steps.open_step(case, "nomination.motion.submit")
        return
    if outcome in (StageRun.Status.REJECTED, StageRun.Status.RETURNED, StageRun.Status.WITHDRAWN):
        # The opinion is mandatory: the UFWD works on it again (its draft is kept for editing).
        audit.record(subject=case, actor=actor, action="ufwd.opinion_redrafted")
        stages.start_chain(slot_code=slot, subject=case, actor=run.started_by)


@transaction.atomic(durable=True)
def motion_approve(*, actor, case: NominationCase, approved_on: datetime.date, meeting: str) -> NominationCase:
    """The 部务会 / 书记专题会 fixes the motion (recorded, offline); only after the UFWD's signed opinion."""
    _manage(actor)
    case = _locked(case)
    _expect(case, CaseStatus.UFWD_OPINION_ON_MOTION)
    opinion = case.ufwd_opinions.filter(gate=UfwdOpinion.Gate.MOTION, signed_at__isnull=False).first()
    if opinion is None:
        raise NominationError("ufwd_opinion_missing")
    if approved_on is None:
        raise NominationError("date_required", field="approved_on")
    candidates = case.candidates.count()
    if candidates <= case.posts_count:
        # 差额 (A3) is checked here too, while 修改动议 can still add candidates, not after it has closed.
        raise NominationError("not_competitive", field="candidates",
                              params={"candidates": candidates, "posts": case.posts_count})
    case.motion_approved_on, case.motion_meeting = approved_on, _text(meeting, "meeting_required", "meeting")
    _move(case, "approve_motion", actor=actor, action="case.motion_approved", comment=case.motion_meeting,
          extra_fields=["motion_approved_on", "motion_meeting"])
    steps.close_step(case, "nomination.motion.confirm", actor=actor)
    steps.open_step(case, "nomination.recommendation")
    return case


# --- A3–A4: democratic recommendation, candidates for vetting -----------------------------------------------------


@dataclass(frozen=True)
class RecommendationData:
    form: str
    held_on: datetime.date | None
    categories: tuple[str, ...]
    participants: int
    votes: dict  # person id -> votes
    talk_summary: str = ""


@transaction.atomic(durable=True)
def recommendation_record(*, actor, case: NominationCase, data: RecommendationData) -> RecommendationRecord:
    """民主推荐 (A3): the 差额 rule, the required participants, every reference candidate's votes."""
    _manage(actor)
    case = _locked(case)
    _expect(case, CaseStatus.MOTION_APPROVED, CaseStatus.RECOMMENDATION)
    candidates = list(case.candidates.all())
    if len(candidates) <= case.posts_count:
        raise NominationError("not_competitive", field="candidates",
                           params={"candidates": len(candidates), "posts": case.posts_count})
    if data.form not in RecommendationRecord.Form.values:
        raise NominationError("invalid_choice", field="form", params={"field": _("推荐方式"), "value": data.form})
    if data.held_on is None:
        raise NominationError("date_required", field="held_on")
    unknown = [c for c in data.categories if c not in RecommendationRecord.Category.values]
    if unknown or not data.categories:
        raise NominationError("categories_required", field="categories")
    if case.is_body_leadership:
        missing = [str(RecommendationRecord.Category(c).label) for c in RecommendationRecord.REQUIRED_FOR_BODY_LEADERSHIP
                   if c not in data.categories]
        if missing:
            raise NominationError("heads_required", field="categories", params={"missing": "、".join(missing)})
    if data.participants < 1:
        raise NominationError("participants_required", field="participants")
    for person in candidates:
        votes = data.votes.get(person.pk)
        if votes is None or votes < 0:
            raise NominationError("votes_required", field=f"votes_{person.pk}", params={"name": person.name})
        if votes > data.participants:
            raise NominationError("votes_exceed", field=f"votes_{person.pk}", params={"name": person.name})
    record, _created = RecommendationRecord.objects.update_or_create(case=case, defaults={
        "form": data.form, "held_on": data.held_on, "categories": list(dict.fromkeys(data.categories)),
        "participants": data.participants, "talk_summary": data.talk_summary.strip(), "recorded_by": actor})
    case.votes.all().delete()
    RecommendationVote.objects.bulk_create(
        [RecommendationVote(case=case, person=p, votes=data.votes[p.pk]) for p in candidates])
    changes = {p.name: data.votes[p.pk] for p in candidates}
    if case.status == CaseStatus.MOTION_APPROVED:
        _move(case, "record_recommendation", actor=actor, action="case.recommendation_recorded", changes=changes)
        steps.close_step(case, "nomination.recommendation", actor=actor)
        steps.open_step(case, "nomination.candidate")
    else:
        audit.record(subject=case, actor=actor, action="case.recommendation_recorded", changes=changes)
    return record


@transaction.atomic(durable=True)
def candidate_fix(*, actor, case: NominationCase, nominee: Person, party_org_unit: Unit | None = None,
                  comment: str = "") -> NominationCase:
    """确定考察对象 (A4), with the party organisation whose opinion the vetting will seek (if a party member)."""
    _manage(actor)
    case = _locked(case)
    _expect(case, CaseStatus.RECOMMENDATION)
    if nominee is None or not case.candidates.filter(pk=nominee.pk).exists():
        raise NominationError("nominee_not_candidate", field="nominee")
    if nominee.party in DEMOCRATIC_PARTIES:
        if party_org_unit is None or party_org_unit.kind != Unit.Kind.PARTY:
            raise NominationError("party_unit_required", field="party_org_unit",
                               params={"party": nominee.get_party_display()})
    else:
        party_org_unit = None
    case.nominee, case.party_org_unit = nominee, party_org_unit
    _move(case, "fix_candidate", actor=actor, action="case.candidate_fixed", comment=comment.strip(),
          extra_fields=["nominee", "party_org_unit"], changes={"nominee": nominee.name})
    steps.close_step(case, "nomination.candidate", actor=actor)
    steps.open_step(case, "nomination.vetting.team")
    return case


# --- A5: joint vetting -----------------------------------------------------------------------------------------


def _department_of(user) -> str | None:
    departments = roles.departments_of(user)
    return next(iter(departments)) if len(departments) == 1 else None


@transaction.atomic(durable=True)
def vetting_start(*, actor, case: NominationCase, members, leader=None) -> NominationCase:
    """共同考察人选: a 考察组 of both departments, then the vetting opinions in parallel (slot c).

    Also restarts the opinions after a chain that did not pass.
    """
    _manage(actor)
    case = _locked(case)
    _expect(case, CaseStatus.CANDIDATE_FIXED, CaseStatus.VETTING)
    if not vetting_startable(case):
        raise StaleStateError("stale_state")
    members = list(dict.fromkeys(members))
    seats = []
    for user in members:
        department = _department_of(user)
        if department is None:
            raise NominationError("team_member_department", field="members",
                               params={"name": user.get_full_name() or user.get_username()})
        seats.append((user, department))
    if not {roles.ORG, roles.UF} <= {d for _u, d in seats}:
        raise NominationError("team_needs_both", field="members")
    if leader is not None and leader not in members:
        raise NominationError("leader_not_member", field="leader")
    case.vetting_team.all().delete()
    VettingMember.objects.bulk_create([VettingMember(case=case, user=u, department=d, is_leader=u == leader)
                                       for u, d in seats])
    names = "、".join(u.get_full_name() or u.get_username() for u in members)
    if case.status == CaseStatus.CANDIDATE_FIXED:
        event = _move(case, "start_vetting", actor=actor, action="case.vetting_started", changes={"team": names})
    else:
        event = audit.record(subject=case, actor=actor, action="case.vetting_restarted", changes={"team": names})
    steps.close_step(case, "nomination.vetting.team", actor=actor)
    _open_team_steps(case, seats)
    stages.start_chain(slot_code=chains.VETTING, subject=case, actor=actor)
    _tell(event, members, _("您已列入考察组：%(case)s") % {"case": case}, case)
    return case


def _open_team_steps(case: NominationCase, seats):
    """Each member of the 考察组 holds the 考察材料 until it is in; its 统战部 members the 统战部成员意见 (§4.2 #4)."""
    for code in ("nomination.vetting.report", "nomination.vetting.uf_opinion"):
        steps.cancel_step(case, code)
    if not case.vetting_report:
        for user, _department in seats:
            steps.open_step(case, "nomination.vetting.report", assignee=user)
    if not case.uf_member_opinion:
        for user, department in seats:
            if department == roles.UF:
                steps.open_step(case, "nomination.vetting.uf_opinion", assignee=user)


def vetting_startable(case: NominationCase) -> bool:
    """考察 starts once the candidate is fixed, and starts again only after opinions that did not pass."""
    if case.status == CaseStatus.CANDIDATE_FIXED:
        return True
    if case.status != CaseStatus.VETTING:
        return False
    last = latest_run(case, chains.VETTING)
    return last is not None and last.status not in (StageRun.Status.RUNNING, StageRun.Status.APPROVED)


@transaction.atomic(durable=True)
def vetting_report_submit(*, actor, case: NominationCase, report: str) -> NominationCase:
    """考察材料 (民主测评, 个别谈话 summary) by a member of the 考察组."""
    case = _locked(case)
    _expect(case, CaseStatus.VETTING)
    _require(access.is_team_member(actor, case))
    case.vetting_report, case.vetting_report_by = _text(report, "report_required", "report"), actor
    case.save(update_fields=["vetting_report", "vetting_report_by", "updated"])
    audit.record(subject=case, actor=actor, action="case.vetting_report")
    steps.close_step(case, "nomination.vetting.report", actor=actor)
    _maybe_finish_vetting(case, actor=actor)
    return case


@transaction.atomic(durable=True)
def vetting_uf_opinion_submit(*, actor, case: NominationCase, opinion: str) -> NominationCase:
    """The UFWD member's opinion (a required field of the joint vetting, DOMAIN §4.2 #4)."""
    case = _locked(case)
    _expect(case, CaseStatus.VETTING)
    _require(access.is_team_member(actor, case, department=roles.UF), "uf_member_only")
    case.uf_member_opinion = _text(opinion, "uf_opinion_required", "opinion")
    case.uf_member_opinion_by = actor
    case.save(update_fields=["uf_member_opinion", "uf_member_opinion_by", "updated"])
    audit.record(subject=case, actor=actor, action="case.vetting_uf_opinion")
    steps.close_step(case, "nomination.vetting.uf_opinion", actor=actor)
    _maybe_finish_vetting(case, actor=actor)
    return case


def _maybe_finish_vetting(case: NominationCase, *, actor):
    """The vetting ends when the opinions passed and the team's report and the UFWD member's opinion are in."""
    run = latest_run(case, chains.VETTING)
    if not (case.vetting_report and case.uf_member_opinion and run and run.status == StageRun.Status.APPROVED):
        return
    event = _move(case, "finish_vetting", actor=actor, action="case.vetting_done")
    stages.start_chain(slot_code=chains.UFWD_DECISION, subject=case, actor=case.created_by)
    _tell(event, _department_users(roles.UF_CADRE), _("请在讨论决定前提出统战部意见：%(case)s") % {"case": case}, case)


# --- A7: the package, co-signed by both departments ---------------------------------------------------------------


def _cosigners(run: StageRun) -> dict[str, list]:
    """Who approved each of the two co-sign stages (the acting person, a delegate included)."""
    signed = {chains.ORG_COSIGN: [], chains.UF_COSIGN: []}
    for task in run.tasks.filter(stage__key__in=signed, status=StageTask.Status.APPROVED).select_related(
            "stage", "acted_by", "assignee"):
        signed[task.stage.key].append(task.acted_by or task.assignee)
    return signed


def _check_joint_signature(run: StageRun):
    """共同向党委推荐: one department alone can never pass the package, however the chain is configured."""
    signed = _cosigners(run)
    org = [u for u in signed[chains.ORG_COSIGN] if _department_of(u) == roles.ORG]
    uf = [u for u in signed[chains.UF_COSIGN] if _department_of(u) == roles.UF]
    if not org or not uf or {u.pk for u in org} & {u.pk for u in uf}:
        raise NominationError("package_needs_both")


@transaction.atomic(durable=True)
def package_submit(*, actor, case: NominationCase, summary: str, comment: str = "") -> NominationCase:
    """组织部干部科 submits the package (干部任免审批表 and its note) into the sign-off chain."""
    case = _locked(case)
    _expect(case, CaseStatus.PACKAGE_SIGNOFF)
    run = stages.running_chain(case, chains.SIGNOFF)
    task = stages.open_task_for(actor, run) if run else None
    _require(task is not None and task.stage.key == "org-cadre-package")
    case.package_summary = _text(summary, "summary_required", "summary")
    case.save(update_fields=["package_summary", "updated"])
    stages.approve(actor=actor, task=task, comment=comment.strip() or _("材料齐全，请审核"))
    return case


# --- A8: the decision (fixed in code) -----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def decision_record(*, actor, case: NominationCase, decision: str, meeting_date: datetime.date | None,
                    minutes_ref: str, note: str = "") -> NominationCase:
    """县委常委会 decides offline; the 组织部 records 通过 / 不通过 / 暂缓 with the meeting and its minutes."""
    _manage(actor)
    case = _locked(case)
    _expect(case, CaseStatus.SUBMITTED_TO_COMMITTEE)
    if decision not in NominationCase.Decision.values:
        raise NominationError("decision_required", field="decision")
    if meeting_date is None:
        raise NominationError("date_required", field="meeting_date")
    case.decision, case.meeting_date = decision, meeting_date
    case.minutes_ref = _text(minutes_ref, "minutes_required", "minutes_ref")
    case.decision_note = note.strip()
    transition = {NominationCase.Decision.APPROVED: "decide_approved", NominationCase.Decision.REJECTED:
                  "decide_rejected", NominationCase.Decision.DEFERRED: "decide_deferred"}[decision]
    label = str(case.get_decision_display())
    # The decision as made: 通过 / 不通过 / 暂缓 on the case, the timeline's comment and its change record.
    event = _move(case, transition, actor=actor, action="case.decided",
                  comment="：".join(part for part in (label, case.decision_note) if part),
                  extra_fields=["decision", "meeting_date", "minutes_ref", "decision_note"],
                  changes={"decision": label, "minutes": case.minutes_ref})
    steps.close_step(case, "nomination.decision", actor=actor)
    if decision == NominationCase.Decision.DEFERRED:
        steps.open_step(case, "nomination.resubmit")
    elif decision == NominationCase.Decision.APPROVED:
        steps.open_step(case, "nomination.notice" if case.managed_by == NominationCase.ManagedBy.COUNTY
                        else "nomination.upward")
    _tell(event, _department_users(*roles.DEPARTMENT_OF_ROLE), _("常委会决定（%(d)s）：%(case)s") % {
        "d": label, "case": case}, case)
    return case


@transaction.atomic(durable=True)
def case_resubmit(*, actor, case: NominationCase, comment: str = "") -> NominationCase:
    """A deferred item goes back to the committee."""
    _manage(actor)
    case = _locked(case)
    _expect(case, CaseStatus.DEFERRED)
    case.decision = ""
    _move(case, "resubmit", actor=actor, action="case.resubmitted", comment=comment.strip(), extra_fields=["decision"])
    steps.close_step(case, "nomination.resubmit", actor=actor)
    steps.open_step(case, "nomination.decision")
    return case


@transaction.atomic(durable=True)
def upward_recommend(*, actor, case: NominationCase, sent_on: datetime.date | None, reference: str) -> NominationCase:
    """Posts the 州委 manages: the county recommends upward (上报州委组织部、统战部)."""
    _manage(actor)
    case = _locked(case)
    _expect(case, CaseStatus.DECIDED)
    if case.managed_by != NominationCase.ManagedBy.PREFECTURE:
        raise StaleStateError("stale_state")
    if sent_on is None:
        raise NominationError("date_required", field="sent_on")
    case.upward_sent_on, case.upward_ref = sent_on, _text(reference, "reference_required", "reference")
    _move(case, "recommend_upward", actor=actor, action="case.recommended_upward", comment=case.upward_ref,
          extra_fields=["upward_sent_on", "upward_ref"])
    steps.close_step(case, "nomination.upward", actor=actor)
    steps.open_step(case, "nomination.upward.outcome")
    return case


@transaction.atomic(durable=True)
def upward_outcome(*, actor, case: NominationCase, outcome: str) -> NominationCase:
    """The 州's decision, entered as an external outcome; the county case closes."""
    _manage(actor)
    case = _locked(case)
    _expect(case, CaseStatus.RECOMMENDED_UPWARD)
    case.upward_outcome = _text(outcome, "outcome_required", "outcome")
    case.closed_reason = case.upward_outcome
    _move(case, "record_upward_outcome", actor=actor, action="case.upward_outcome", comment=case.upward_outcome,
          extra_fields=["upward_outcome", "closed_reason"])
    steps.close_step(case, "nomination.upward.outcome", actor=actor)
    return case


# --- A9–A10: 任前公示 and the reports it brings --------------------------------------------------------------------


def notice_minimum_end(starts_on: datetime.date) -> datetime.date:
    """The earliest last day of a notice starting on ``starts_on`` (inclusive range, 5 working days)."""
    return add_working_days(starts_on - datetime.timedelta(days=1), NOTICE_MIN_WORKING_DAYS)


def notice_working_days(starts_on: datetime.date, ends_on: datetime.date) -> int:
    return working_days_between(starts_on - datetime.timedelta(days=1), ends_on)


def _open_due(case: NominationCase, purpose: str) -> DueItem | None:
    return DueItem.objects.filter(subject_type__app_label="nomination", subject_type__model="nominationcase",
                                  subject_id=str(case.pk), purpose=purpose, state=DueItem.State.OPEN).first()


def notice_due(case: NominationCase) -> DueItem | None:
    """The running 公示期 (its end is this due item's date, and nothing else's)."""
    return _open_due(case, NOTICE)


def probation_due(case: NominationCase) -> DueItem | None:
    return _open_due(case, PROBATION)


@transaction.atomic(durable=True)
def notice_publish(*, actor, case: NominationCase, starts_on: datetime.date | None, ends_on: datetime.date | None,
                   channel: str, contact: str = "") -> NominationCase:
    """任前公示 (A9): from the day it is entered or later, at least 5 working days on the holiday calendar.

    The dates are the notice's own record (what was published). The wait is a due item computed from the end
    date once, at the end of that day: a later calendar edit does not move what was published. Its automatic
    action ends the wait (:func:`notice_period_end`).
    """
    _manage(actor)
    case = _locked(case)
    _expect(case, CaseStatus.DECIDED)
    if case.managed_by != NominationCase.ManagedBy.COUNTY:
        raise StaleStateError("stale_state")
    if starts_on is None or ends_on is None:
        raise NominationError("date_required", field="starts_on" if starts_on is None else "ends_on")
    today = _today()
    if starts_on < today:
        raise NominationError("notice_in_past", field="starts_on", params={"today": today})
    if case.meeting_date and starts_on < case.meeting_date:
        raise NominationError("notice_before_decision", field="starts_on")
    days = notice_working_days(starts_on, ends_on)
    if days < NOTICE_MIN_WORKING_DAYS:
        raise NominationError("notice_too_short", field="ends_on", params={
            "days": days, "minimum": NOTICE_MIN_WORKING_DAYS, "earliest": notice_minimum_end(starts_on)})
    case.notice_starts_on, case.notice_ends_on = starts_on, ends_on
    case.notice_channel = _text(channel, "channel_required", "channel")
    case.notice_contact = contact.strip()
    event = _move(case, "publish_notice", actor=actor, action="case.notice_published",
                  extra_fields=["notice_starts_on", "notice_ends_on", "notice_channel", "notice_contact"],
                  changes={"from": starts_on, "to": ends_on, "working_days": days})
    steps.close_step(case, "nomination.notice", actor=actor)
    title = str(_("任前公示期满"))
    due.open_due_item(subject=case, purpose=NOTICE, title=title, kind=DeadlineRule.Kind.CALENDAR_DAYS,
                      amount=(ends_on - starts_on).days + 1, anchor_at=_start_of(starts_on - datetime.timedelta(days=1)))
    # Fixed to the published last day (the calendar rolls a period ending on a rest day forward; a notice does not).
    due.move_due_item(subject=case, purpose=NOTICE, due_at=end_of_day(ends_on))
    _tell(event, _department_users(roles.UF_CADRE, roles.UF_LEADER),
          _("任前公示已发布：%(case)s") % {"case": case}, case)
    return case


@transaction.atomic
def notice_period_end(*, case: NominationCase) -> bool:
    """The 公示 due item's automatic action (run by the sweep at its due time): the notice is over, the 公示结果 step
    opens. False when the case is no longer waiting (withdrawn, or already moved on)."""
    case = _locked(case)
    if case.status not in (CaseStatus.PUBLIC_NOTICE, CaseStatus.NOTICE_OBJECTION):
        return False
    item = notice_due(case)
    if item is None or item.due_at > timezone.now():
        return False
    event = _move(case, "notice_period_ends", actor=None, action="case.notice_ended",
                  changes={"to": case.notice_ends_on})
    due.close_due_items(subject=case, purpose=NOTICE)
    steps.open_step(case, "nomination.notice.result")
    _tell(event, _department_users(roles.ORG_CADRE), _("公示期满，请录入公示结果：%(case)s") % {"case": case}, case)
    return True


@transaction.atomic(durable=True)
def objection_record(*, actor, case: NominationCase, received_on: datetime.date | None, source: str,
                     summary: str) -> NoticeObjection:
    """A report received during the notice (A10): the case waits until it is verified."""
    _manage(actor)
    case = _locked(case)
    _expect(case, *NOTICE_STATES)
    if received_on is None:
        raise NominationError("date_required", field="received_on")
    objection = NoticeObjection.objects.create(
        case=case, received_on=received_on, source=_text(source, "source_required", "source"),
        summary=_text(summary, "summary_required", "summary"), recorded_by=actor)
    if case.status == CaseStatus.PUBLIC_NOTICE:
        _move(case, "record_objection", actor=actor, action="case.objection_recorded", comment=objection.summary)
    else:
        audit.record(subject=case, actor=actor, action="case.objection_recorded", comment=objection.summary)
    steps.open_step(case, "nomination.objection.verify", target=objection,
                    title=_("核查公示反映问题：%(summary)s") % {"summary": objection.summary[:60]})
    return objection


@transaction.atomic(durable=True)
def objection_verify(*, actor, objection: NoticeObjection, finding: str, affects_appointment: bool | None):
    """核查 of one report: the finding and whether it affects the appointment."""
    _manage(actor)
    case = _locked(objection.case)
    _expect(case, *NOTICE_STATES)
    objection = locks.child(NoticeObjection, objection.pk)
    if objection.case_id != case.pk or objection.verified_at is not None:
        raise StaleStateError("stale_state")
    if affects_appointment is None:
        raise NominationError("affects_required", field="affects_appointment")
    objection.finding = _text(finding, "finding_required", "finding")
    objection.affects_appointment, objection.verified_by, objection.verified_at = (
        affects_appointment, actor, timezone.now())
    objection.save(update_fields=["finding", "affects_appointment", "verified_by", "verified_at"])
    steps.close_step(case, "nomination.objection.verify", actor=actor, target=objection)
    comment = objection.finding
    if not case.objections.filter(verified_at__isnull=True).exists() and case.status == CaseStatus.NOTICE_OBJECTION:
        _move(case, "objections_verified", actor=actor, action="case.objection_verified", comment=comment,
              changes={"affects": affects_appointment})
    else:
        audit.record(subject=case, actor=actor, action="case.objection_verified", comment=comment,
                     changes={"affects": affects_appointment})
    return objection


def notice_ended(case: NominationCase) -> bool:
    """The 公示期 is over: the case waits for the result (the guard of the 公示结果 step and its service)."""
    return case.status == CaseStatus.NOTICE_ENDED


@transaction.atomic(durable=True)
def notice_conclude(*, actor, case: NominationCase, proceed: bool, comment: str = "") -> NominationCase:
    """After the notice: go on (to the legal procedure or the appointment) or stop, every report verified."""
    _manage(actor)
    case = _locked(case)
    if case.status in (CaseStatus.PUBLIC_NOTICE, CaseStatus.NOTICE_OBJECTION):
        item = notice_due(case)
        end = timezone.localtime(item.due_at).date() if item else case.notice_ends_on
        raise NominationError("notice_not_ended", params={"end": end})
    _expect(case, CaseStatus.NOTICE_ENDED)
    if case.objections.filter(verified_at__isnull=True).exists():
        raise NominationError("objections_unverified")
    blocking = case.objections.filter(affects_appointment=True).exists()
    if proceed and blocking:
        raise NominationError("objection_blocks")
    if proceed:
        case.notice_result = comment.strip() or (_("公示期满，反映问题经核查不影响任职。") if case.objections.exists()
                                                 else _("公示期满，未收到反映。"))
        _move(case, "notice_passed_to_legal" if case.elected_post else "notice_passed", actor=actor,
              action="case.notice_passed", comment=case.notice_result, extra_fields=["notice_result"])
        steps.open_step(case, "nomination.legal" if case.elected_post else "nomination.appoint")
    else:
        case.notice_result = case.closed_reason = _text(comment, "reason_required", "comment")
        _move(case, "notice_stopped", actor=actor, action="case.notice_stopped", comment=case.notice_result,
              extra_fields=["notice_result", "closed_reason"])
    steps.close_step(case, "nomination.notice.result", actor=actor)
    return case


# --- A11–A13: legal procedure, appointment, probation ----------------------------------------------------------


@transaction.atomic(durable=True)
def legal_record(*, actor, case: NominationCase, passed: bool | None, held_on: datetime.date | None,
                 note: str) -> NominationCase:
    """The 人大 / 人大常委会 / 政协 elected or appointed the nominee, or did not (A11)."""
    _manage(actor)
    case = _locked(case)
    _expect(case, CaseStatus.LEGAL_PROCEDURE)
    if passed is None:
        raise NominationError("legal_result_required", field="passed")
    if held_on is None:
        raise NominationError("date_required", field="held_on")
    case.legal_passed, case.legal_held_on, case.legal_note = passed, held_on, _text(note, "note_required", "note")
    fields = ["legal_passed", "legal_held_on", "legal_note"]
    if passed:
        _move(case, "legal_passed", actor=actor, action="case.legal_passed", comment=case.legal_note,
              extra_fields=fields)
        steps.open_step(case, "nomination.appoint")
    else:
        case.closed_reason = case.legal_note
        _move(case, "legal_failed", actor=actor, action="case.legal_failed", comment=case.legal_note,
              extra_fields=[*fields, "closed_reason"])
    steps.close_step(case, "nomination.legal", actor=actor)
    return case


@transaction.atomic(durable=True)
def appointment_record(*, actor, case: NominationCase, reference: str, notice_on: datetime.date | None,
                       talk_on: datetime.date | None, starts_on: datetime.date | None) -> NominationCase:
    """任职 (A12): 任职通知 文号, 任职谈话, start date; the person record takes the post; 试用期 where §4.1 says."""
    _manage(actor)
    case = _locked(case)
    _expect(case, CaseStatus.TO_APPOINT)
    for name, value in (("notice_on", notice_on), ("talk_on", talk_on), ("starts_on", starts_on)):
        if value is None:
            raise NominationError("date_required", field=name)
    case.appointment_ref = _text(reference, "reference_required", "reference")
    case.appointment_notice_on, case.talk_on, case.post_starts_on = notice_on, talk_on, starts_on
    fields = ["appointment_ref", "appointment_notice_on", "talk_on", "post_starts_on"]
    services.person_take_post(actor=actor, person=case.nominee, unit=case.post_unit, post=case.post_title,
                              started_on=starts_on, appointment_ref=case.appointment_ref, case=case,
                              on_probation=case.probation_required)
    event = _move(case, "appoint", actor=actor, action="case.appointed", comment=case.appointment_ref,
                  extra_fields=fields)
    steps.close_step(case, "nomination.appoint", actor=actor)
    if case.probation_required:
        # One year counted from the appointment notice (the 2001 试用期 rule): its anniversary, whatever the
        # weekday (a year in office, not a time limit for an act, so no rest-day roll-forward and no calendar
        # recompute). The due item is the only record of that end.
        due.open_due_item(subject=case, purpose=PROBATION, title=str(_("试用期满")), kind=DeadlineRule.Kind.MONTHS,
                          amount=PROBATION_MONTHS, anchor_at=_start_of(notice_on))
        item = due.move_due_item(subject=case, purpose=PROBATION, due_at=end_of_day(add_months(notice_on, PROBATION_MONTHS)))
        _move(case, "start_probation", actor=actor, action="case.probation_started",
              changes={"until": timezone.localtime(item.due_at).date()})
    _tell(event, _department_users(*roles.DEPARTMENT_OF_ROLE), _("已任职：%(case)s") % {"case": case}, case)
    return case


@transaction.atomic
def probation_period_end(*, case: NominationCase) -> bool:
    """The 试用期 due item's automatic action: the year is over and the assessment step opens."""
    case = _locked(case)
    if case.status != CaseStatus.PROBATION:
        return False
    item = probation_due(case)
    if item is None or item.due_at > timezone.now():
        return False
    event = _move(case, "probation_period_ends", actor=None, action="case.probation_ended")
    due.close_due_items(subject=case, purpose=PROBATION)
    steps.open_step(case, "nomination.probation.assess")
    _tell(event, _department_users(roles.ORG_CADRE), _("试用期满，请进行考核：%(case)s") % {"case": case}, case)
    return True


def probation_ended(case: NominationCase) -> bool:
    return case.status == CaseStatus.PROBATION_ENDED


@transaction.atomic(durable=True)
def probation_assess(*, actor, case: NominationCase, result: str, summary: str) -> NominationCase:
    """At the end of 试用期 the 组织部 proposes the conclusion; both departments' leaders approve it (chain)."""
    _manage(actor)
    case = _locked(case)
    if case.status == CaseStatus.PROBATION:
        item = probation_due(case)
        raise NominationError("probation_not_ended", params={"end": timezone.localtime(item.due_at).date()
                                                             if item else "—"})
    _expect(case, CaseStatus.PROBATION_ENDED)
    if stages.running_chain(case, chains.PROBATION):
        raise StaleStateError("stale_state")
    if result not in ("confirm", "remove"):
        raise NominationError("probation_result_required", field="result")
    case.probation_result, case.probation_summary = result, _text(summary, "summary_required", "summary")
    case.save(update_fields=["probation_result", "probation_summary", "updated"])
    audit.record(subject=case, actor=actor, action="case.probation_proposed", comment=case.probation_summary,
                 changes={"result": str(case.get_probation_result_display())})
    steps.close_step(case, "nomination.probation.assess", actor=actor)
    stages.start_chain(slot_code=chains.PROBATION, subject=case, actor=actor)
    return case


def _probation_finished(case: NominationCase, outcome: str, actor):
    if outcome != StageRun.Status.APPROVED:
        audit.record(subject=case, actor=actor, action="case.probation_redraft")
        steps.open_step(case, "nomination.probation.assess")
        return
    confirmed = case.probation_result == "confirm"
    if not confirmed:
        services.person_leave_post(actor=actor, person=case.nominee, case=case,
                                   note=_("试用期满考核不合格，免去试任职务"))
    _move(case, "confirm" if confirmed else "remove_from_post", actor=actor, action="case.probation_concluded",
          comment=case.probation_summary)


# --- 终止 --------------------------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def case_withdraw(*, actor, case: NominationCase, reason: str) -> NominationCase:
    """终止 a case before the appointment, with a reason: its chains, steps and legal waits end with it."""
    _manage(actor)
    case = _locked(case)
    _expect(case, *WITHDRAWABLE)
    case.closed_reason = _text(reason, "reason_required", "reason")
    _cancel_chains(case, actor=actor, comment=case.closed_reason)
    _move(case, "withdraw", actor=actor, action="case.withdrawn", comment=case.closed_reason,
          extra_fields=["closed_reason"])
    steps.cancel_all(case)
    due.close_due_items(subject=case, state=DueItem.State.CANCELED)
    return case


# --- the end of a chain -------------------------------------------------------------------------------------------


def chain_finished(*, run: StageRun, outcome: str, actor):
    """A nomination chain ended (called by the stage runner inside its transaction, the case already locked)."""
    if outcome == StageRun.Status.CANCELED:
        return
    case = _locked(run.subject)
    code = run.slot.code
    if code == chains.UFWD_MOTION and case.status == CaseStatus.UFWD_OPINION_ON_MOTION:
        _gate_finished(case, UfwdOpinion.Gate.MOTION, run, outcome, actor)
    elif code == chains.UFWD_DECISION and case.status == CaseStatus.UFWD_OPINION_ON_DECISION:
        _gate_finished(case, UfwdOpinion.Gate.DECISION, run, outcome, actor)
    elif code == chains.VETTING and case.status == CaseStatus.VETTING:
        if outcome == StageRun.Status.APPROVED:
            audit.record(subject=case, actor=actor, action="case.vetting_opinions_in")
            _maybe_finish_vetting(case, actor=actor)
        else:
            event = audit.record(subject=case, actor=actor, action="case.vetting_opinions_failed")
            # The 组织部 forms the team again (or the same one) and seeks the opinions again.
            steps.open_step(case, "nomination.vetting.team")
            _tell(event, _department_users(roles.ORG_CADRE), _("考察征求意见未通过：%(case)s") % {"case": case}, case)
    elif code == chains.SIGNOFF and case.status == CaseStatus.PACKAGE_SIGNOFF:
        if outcome == StageRun.Status.APPROVED:
            _check_joint_signature(run)
            event = _move(case, "package_signed", actor=actor, action="case.package_signed")
            steps.open_step(case, "nomination.decision")
            _tell(event, _department_users(roles.ORG_CADRE), _("上会材料已两部会签：%(case)s") % {"case": case}, case)
        else:
            audit.record(subject=case, actor=actor, action="case.package_reworked")
            stages.start_chain(slot_code=chains.SIGNOFF, subject=case, actor=run.started_by)
    elif code == chains.PROBATION and case.status == CaseStatus.PROBATION_ENDED:
        _probation_finished(case, outcome, actor)
