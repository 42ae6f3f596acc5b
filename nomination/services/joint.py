"""The 六个共同 as joint acts (DOMAIN §4.2): one department proposes, the other confirms, and only then does it count.

- Negative decisions on a person (不予推荐, 不予入库, 出库) [I, issue #13]: the pool services record a proposal here;
  the person's pool state changes only when the other department confirms (``decision_confirm``); the other
  department may also decline it (``decision_decline``), and the person stays where they were.
- The yearly 培养计划 (共同培养教育): proposing or changing the plan is the proposing department's agreement; the
  plan is 已商定 only with the other department's confirmation; completing an item writes the participant's
  培训和挂职 record.
- The annual follow-up assessment (共同督促考核): proposed by one department, confirmed by the other, then written
  to the person's 年度考核 history.

Every function checks permission and state under a row lock, writes the audit row and opens or closes the other
department's work item, in one transaction (the confirmation of a staffing target follows the same rule).
"""

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows import audit, locks, work
from workflows.audit import ACTION_LABELS

from .. import access, errors, roles
from ..errors import NominationError, NominationPermissionError, NominationStaleError
from ..models import (
    Assessment,
    FollowUpAssessment,
    JointDecision,
    Person,
    PoolState,
    RemovalReason,
    TrainingParticipation,
    TrainingPlan,
    TrainingPlanItem,
    TrainingRecord,
)

errors.MESSAGES.update({
    "decision_open": gettext_lazy("该人员已有待另一部门确认的决定（%(kind)s），请先由另一部门确认或不同意。"),
    "decision_same_department": gettext_lazy("%(department)s提出的决定须由另一部门确认，本部门不能自行确认。"),
    "decision_closed": gettext_lazy("该决定已经处理。"),
    "plan_exists": gettext_lazy("%(year)s 年度已有培养计划。"),
    "plan_confirmed_by_self": gettext_lazy("%(department)s已同意该培养计划，需另一部门确认后才算两部商定。"),
    "plan_not_agreed": gettext_lazy("培养计划尚未经两部商定，不能记录完成情况。"),
    "item_dates": gettext_lazy("请填写起止时间，截止时间不能早于起始时间。"),
    "item_outside_year": gettext_lazy("项目须在计划年度（%(year)s 年）内开始。"),
    "participant_not_in_pool": gettext_lazy("%(name)s不在党外后备干部人才库中，不能列入培养计划。"),
    "participants_required": gettext_lazy("请选择参加人员。"),
    "already_completed": gettext_lazy("%(name)s已记录完成。"),
    "completion_date": gettext_lazy("完成日期不能早于项目起始时间（%(start)s）。"),
    "follow_up_exists": gettext_lazy("%(name)s %(year)s 年度的跟踪考核已经提出。"),
    "follow_up_not_appointed": gettext_lazy("年度跟踪考核只适用于已任职的党外干部。"),
})

ACTION_LABELS.update({
    "pool.decision_proposed": gettext_lazy("提出决定，待另一部门确认"),
    "pool.decision_confirmed": gettext_lazy("另一部门确认决定"),
    "pool.decision_declined": gettext_lazy("另一部门不同意该决定"),
    "training_plan.proposed": gettext_lazy("提出培养计划"),
    "training_plan.changed": gettext_lazy("修改培养计划"),
    "training_plan.confirmed": gettext_lazy("部门确认培养计划"),
    "training.completed": gettext_lazy("记录完成培养"),
    "follow_up.proposed": gettext_lazy("提出年度跟踪考核"),
    "follow_up.confirmed": gettext_lazy("部门确认年度跟踪考核"),
})

# The work items of the other department (their holder: that department's cadre role).
DECISION_STEP = "nomination.joint.decision"
PLAN_STEP = "nomination.joint.plan"
FOLLOW_UP_STEP = "nomination.joint.follow_up"
CADRE_ROLE = {roles.ORG: roles.ORG_CADRE, roles.UF: roles.UF_CADRE}


def other_department(department: str) -> str:
    return roles.UF if department == roles.ORG else roles.ORG


def department_or_refuse(actor) -> str:
    department = access.joint_department(actor)
    if department is None:
        raise NominationPermissionError("two_departments" if len(roles.departments_of(actor)) > 1 else "no_department")
    return department


def _confirm_fields(department: str) -> tuple[str, str]:
    return (("org_confirmed_by", "org_confirmed_at") if department == roles.ORG
            else ("uf_confirmed_by", "uf_confirmed_at"))


def _label(department: str) -> str:
    return str(roles.DEPARTMENT_LABELS[department])


def _open_for_other(*, case, target, step: str, department: str, title: str, link: str):
    work.cancel_items(target=target, step=step)
    work.open_item(case=case, step=step, title=title, link=link, target=target,
                   role=CADRE_ROLE[other_department(department)], case_label=str(case))


# --- negative decisions on a person ------------------------------------------------------------------------------


def open_decision(person: Person) -> JointDecision | None:
    return JointDecision.objects.filter(person=person, state=JointDecision.State.OPEN).first()


def decision_propose(*, actor, person: Person, kind: str, reason: str, removal_reason: str = "",
                     removal_note: str = "", review=None) -> JointDecision:
    """Record one department's negative proposal (the caller holds the person's lock and checked the state)."""
    department = department_or_refuse(actor)
    reason = reason.strip() or removal_note.strip()
    if not reason:
        raise NominationError("reason_required", field="reason")
    if kind == JointDecision.Kind.REMOVE:
        if removal_reason not in RemovalReason.values:
            raise NominationError("invalid_choice", field="reason",
                                  params={"field": _("出库原因"), "value": removal_reason})
    existing = open_decision(person)
    if existing is not None:
        raise NominationStaleError("decision_open", params={"kind": existing.get_kind_display()})
    try:
        with transaction.atomic():
            decision = JointDecision.objects.create(
                person=person, kind=kind, reason=reason, removal_reason=removal_reason, review=review,
                proposed_by=actor, proposed_department=department)
    except IntegrityError:
        raise NominationStaleError("decision_open", params={"kind": JointDecision.Kind(kind).label}) from None
    audit.record(subject=person, actor=actor, action="pool.decision_proposed", comment=reason,
                 changes={"decision": str(decision.get_kind_display()), "department": _label(department)})
    _open_for_other(case=person, target=decision, step=DECISION_STEP, department=department,
                    title=_("%(kind)s待%(department)s确认") % {"kind": decision.get_kind_display(),
                                                            "department": _label(other_department(department))},
                    link=reverse("nomination:person", args=[person.pk]))
    return decision


def _locked_decision(decision: JointDecision) -> tuple[Person, JointDecision]:
    person = locks.case(Person, decision.person_id)
    decision = locks.child(JointDecision, decision.pk)
    if decision.state != JointDecision.State.OPEN:
        raise NominationStaleError("decision_closed")
    return person, decision


def _check_other(actor, decision: JointDecision) -> str:
    department = department_or_refuse(actor)
    if department == decision.proposed_department:
        raise NominationPermissionError("decision_same_department",
                                        params={"department": _label(department)})
    return department


@transaction.atomic
def decision_confirm(*, actor, decision: JointDecision, comment: str = "") -> JointDecision:
    """The other department agrees: now the person's pool state changes (不予推荐/不予入库 → 未予入库; 出库)."""
    from . import people

    person, decision = _locked_decision(decision)
    department = _check_other(actor, decision)
    expected = {
        JointDecision.Kind.NOT_RECOMMEND: (PoolState.PROPOSED, PoolState.ASSESSING),
        JointDecision.Kind.NOT_ADMIT: (PoolState.ASSESSING, PoolState.CONFIRMING),
        JointDecision.Kind.REMOVE: (PoolState.IN_POOL,),
    }[decision.kind]
    if person.pool_state not in expected:
        raise NominationStaleError("stale_state")
    decision.state, decision.decided_by, decision.decided_at = JointDecision.State.CONFIRMED, actor, timezone.now()
    decision.decision_comment = comment.strip()
    decision.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
    audit.record(subject=person, actor=actor, action="pool.decision_confirmed", comment=comment.strip(),
                 changes={"decision": str(decision.get_kind_display()), "department": _label(department)})
    if decision.kind == JointDecision.Kind.REMOVE:
        people.remove_confirmed(actor, person, decision)
    else:
        people.not_admitted_confirmed(actor, person, decision)
    work.close_items(target=decision, step=DECISION_STEP, actor=actor)
    return decision


@transaction.atomic
def decision_decline(*, actor, decision: JointDecision, comment: str) -> JointDecision:
    """The other department does not agree: the proposal ends and the person stays as they were."""
    person, decision = _locked_decision(decision)
    department = _check_other(actor, decision)
    if not comment.strip():
        raise NominationError("reason_required", field="comment")
    decision.state, decision.decided_by, decision.decided_at = JointDecision.State.DECLINED, actor, timezone.now()
    decision.decision_comment = comment.strip()
    decision.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
    audit.record(subject=person, actor=actor, action="pool.decision_declined", comment=comment.strip(),
                 changes={"decision": str(decision.get_kind_display()), "department": _label(department)})
    work.close_items(target=decision, step=DECISION_STEP, actor=actor)
    return decision


def can_decide(user, decision: JointDecision | None) -> bool:
    """May ``user`` confirm or decline the open decision (the department that did not propose it)."""
    if decision is None or decision.state != JointDecision.State.OPEN:
        return False
    department = access.joint_department(user)
    return department is not None and department != decision.proposed_department


# --- the yearly training plan (共同培养教育) ------------------------------------------------------------------------


def _plan_link(plan: TrainingPlan) -> str:
    return reverse("nomination:joint_plan", args=[plan.pk])


def _agree_alone(actor, plan: TrainingPlan, department: str, *, action: str, changes: dict):
    """A proposal or a change is the acting department's agreement and clears the other's (it has not seen it)."""
    by_field, at_field = _confirm_fields(department)
    other_by, other_at = _confirm_fields(other_department(department))
    setattr(plan, by_field, actor)
    setattr(plan, at_field, timezone.now())
    setattr(plan, other_by, None)
    setattr(plan, other_at, None)
    plan.save(update_fields=[by_field, at_field, other_by, other_at, "updated"])
    audit.record(subject=plan, actor=actor, action=action, changes={**changes, "department": _label(department)})
    _open_for_other(case=plan, target=plan, step=PLAN_STEP, department=department, link=_plan_link(plan),
                    title=_("确认%(year)s年度培养计划") % {"year": plan.year})


def _may_plan(actor) -> str:
    if not access.can_manage_pool(actor):
        raise NominationPermissionError("permission_denied")
    return department_or_refuse(actor)


@transaction.atomic
def training_plan_propose(*, actor, year: int, title: str, note: str = "") -> TrainingPlan:
    department = _may_plan(actor)
    if not (year and title.strip()):
        raise NominationError("incomplete", params={"fields": "、".join([_("年度"), _("名称")])})
    if TrainingPlan.objects.filter(year=year).exists():
        raise NominationError("plan_exists", field="year", params={"year": year})
    try:
        with transaction.atomic():
            plan = TrainingPlan.objects.create(year=year, title=title.strip(), note=note.strip(), proposed_by=actor)
    except IntegrityError:
        raise NominationError("plan_exists", field="year", params={"year": year}) from None
    _agree_alone(actor, plan, department, action="training_plan.proposed", changes={"title": plan.title})
    return plan


@transaction.atomic
def training_plan_add_item(*, actor, plan: TrainingPlan, kind: str, title: str, starts_on: datetime.date | None,
                           ends_on: datetime.date | None, participants, place: str = "",
                           organiser: str = "") -> TrainingPlanItem:
    """Add a course or placement with its participants (people in the pool); the other department confirms again."""
    department = _may_plan(actor)
    plan = locks.case(TrainingPlan, plan.pk)
    if kind not in TrainingPlanItem.Kind.values:
        raise NominationError("invalid_choice", field="kind", params={"field": _("类型"), "value": kind})
    if not title.strip():
        raise NominationError("incomplete", params={"fields": _("培训班次或挂职单位及职务")})
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise NominationError("item_dates", field="ends_on")
    if starts_on.year != plan.year:
        raise NominationError("item_outside_year", field="starts_on", params={"year": plan.year})
    people = list(Person.objects.filter(pk__in=[getattr(p, "pk", p) for p in participants]).order_by("pk"))
    if not people:
        raise NominationError("participants_required", field="participants")
    for person in people:
        if person.pool_state != PoolState.IN_POOL:
            raise NominationError("participant_not_in_pool", field="participants", params={"name": person.name})
    item = TrainingPlanItem.objects.create(plan=plan, kind=kind, title=title.strip(), place=place.strip(),
                                           organiser=organiser.strip(), starts_on=starts_on, ends_on=ends_on)
    TrainingParticipation.objects.bulk_create([TrainingParticipation(item=item, person=p) for p in people])
    _agree_alone(actor, plan, department, action="training_plan.changed",
                 changes={"item": item.title, "participants": [p.name for p in people]})
    return item


@transaction.atomic
def training_plan_confirm(*, actor, plan: TrainingPlan, comment: str = "") -> TrainingPlan:
    """The other department's confirmation: the plan is 已商定 (both departments agree to it as it stands)."""
    department = department_or_refuse(actor)
    plan = locks.case(TrainingPlan, plan.pk)
    if access.confirmed_by(plan, department):
        raise NominationStaleError("plan_confirmed_by_self", params={"department": _label(department)})
    by_field, at_field = _confirm_fields(department)
    setattr(plan, by_field, actor)
    setattr(plan, at_field, timezone.now())
    plan.save(update_fields=[by_field, at_field, "updated"])
    audit.record(subject=plan, actor=actor, action="training_plan.confirmed", comment=comment.strip(),
                 changes={"department": _label(department)}, to_state="confirmed" if plan.is_confirmed else "")
    work.close_items(target=plan, step=PLAN_STEP, actor=actor)
    return plan


@transaction.atomic
def training_complete(*, actor, participation: TrainingParticipation, completed_on: datetime.date | None,
                      note: str = "") -> TrainingParticipation:
    """One participant finished an item of the agreed plan: their 培训和挂职 record is written and linked."""
    if not access.can_manage_pool(actor):
        raise NominationPermissionError("permission_denied")
    participation = TrainingParticipation.objects.select_related("item__plan", "person").get(pk=participation.pk)
    plan = locks.case(TrainingPlan, participation.item.plan_id)
    person = locks.case(Person, participation.person_id)
    participation = locks.child(TrainingParticipation, participation.pk, related=("item",))
    if not plan.is_confirmed:
        raise NominationError("plan_not_agreed")
    if participation.completed_on is not None:
        raise NominationStaleError("already_completed", params={"name": person.name})
    item = participation.item
    if completed_on is None:
        raise NominationError("date_required", field="completed_on")
    if completed_on < item.starts_on:
        raise NominationError("completion_date", field="completed_on", params={"start": item.starts_on})
    kind = TrainingRecord.Kind.TRAINING if item.kind == TrainingPlanItem.Kind.TRAINING else TrainingRecord.Kind.SECONDMENT
    record = TrainingRecord.objects.create(
        person=person, kind=kind, title=item.title, organiser=item.organiser, started_on=item.starts_on,
        ended_on=completed_on, note=(note.strip() or _("%(year)s年度培养计划") % {"year": plan.year})[:200],
        recorded_by=actor)
    participation.completed_on, participation.completed_by, participation.record = completed_on, actor, record
    participation.save(update_fields=["completed_on", "completed_by", "record"])
    audit.record(subject=person, actor=actor, action="training.completed", comment=item.title,
                 changes={"plan": plan.year, "item": item.title, "completed_on": completed_on.isoformat()})
    return participation


# --- the annual follow-up assessment (共同督促考核) ------------------------------------------------------------------


@transaction.atomic
def follow_up_propose(*, actor, person: Person, year: int, result: str, comment: str) -> FollowUpAssessment:
    department = department_or_refuse(actor)
    person = locks.case(Person, person.pk)
    if not person.posts.exists():
        raise NominationError("follow_up_not_appointed")
    if not (year and result.strip() and comment.strip()):
        raise NominationError("incomplete", params={"fields": "、".join([_("年度"), _("结果"), _("考核情况")])})
    if FollowUpAssessment.objects.filter(person=person, year=year).exists():
        raise NominationError("follow_up_exists", params={"name": person.name, "year": year})
    by_field, at_field = _confirm_fields(department)
    follow_up = FollowUpAssessment.objects.create(
        person=person, year=year, result=result.strip(), comment=comment.strip(), proposed_by=actor,
        **{by_field: actor, at_field: timezone.now()})
    audit.record(subject=person, actor=actor, action="follow_up.proposed", comment=follow_up.comment,
                 changes={"year": year, "result": follow_up.result, "department": _label(department)})
    _open_for_other(case=person, target=follow_up, step=FOLLOW_UP_STEP, department=department,
                    link=reverse("nomination:joint") + "?year=%s" % year,
                    title=_("确认%(name)s %(year)s年度跟踪考核") % {"name": person.name, "year": year})
    return follow_up


@transaction.atomic
def follow_up_confirm(*, actor, follow_up: FollowUpAssessment, comment: str = "") -> FollowUpAssessment:
    """The other department confirms; the agreed result joins the person's 年度考核 history."""
    department = department_or_refuse(actor)
    person = locks.case(Person, follow_up.person_id)
    follow_up = locks.child(FollowUpAssessment, follow_up.pk)
    if access.confirmed_by(follow_up, department):
        raise NominationStaleError("already_confirmed", params={"department": _label(department)})
    by_field, at_field = _confirm_fields(department)
    setattr(follow_up, by_field, actor)
    setattr(follow_up, at_field, timezone.now())
    fields = [by_field, at_field]
    if follow_up.is_confirmed:
        follow_up.assessment = Assessment.objects.create(
            person=person, kind=Assessment.Kind.ANNUAL, year=follow_up.year, result=follow_up.result,
            issued_by=_("组织部、统战部"), comment=follow_up.comment, recorded_by=actor)
        fields.append("assessment")
    follow_up.save(update_fields=fields)
    audit.record(subject=person, actor=actor, action="follow_up.confirmed", comment=comment.strip(),
                 changes={"year": follow_up.year, "department": _label(department)})
    work.close_items(target=follow_up, step=FOLLOW_UP_STEP, actor=actor)
    return follow_up
