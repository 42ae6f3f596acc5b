"""Every state change of person records and the pool (DOMAIN §4.5–4.6): records, recommendation, the joint
confirmation, use and removal, and the Excel import.

Each function checks permission, validates, changes state under a row lock, writes the audit row and notifies,
all in one transaction. Views, imports and the demo call these; nothing else writes these models.

The joint acts (a pool entry, a staffing target) need one confirmation from each department: a confirmation
records the acting department, an account acting for both is refused, and the second confirmation completes the
act under the row lock, so two departments confirming at once complete it exactly once.
"""

import datetime
import hashlib
from dataclasses import dataclass, field, fields

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.services import notify
from workflows import audit, locks
from workflows.admin_audit import describe, field_display
from workflows.imports import CellError, Plan, RowPlan, check_plan
from workflows.models import Unit, UnitMembership

from .. import access, errors, excel, identity, masking, roles  # noqa: F401  (errors registers the messages)
from ..errors import NominationError, NominationPermissionError, NominationStaleError
from ..models import (
    NON_CPC_CHOICES,
    RECOMMENDABLE_STATES,
    Affiliation,
    Assessment,
    Degree,
    Education,
    FamilyMember,
    JointDecision,
    Person,
    PoolReview,
    PoolState,
    PostLevel,
    PostRecord,
    Rank,
    RemovalReason,
    RosterEntry,
    TrainingRecord,
    UnitedFrontCategory,
)
from . import joint


@dataclass(frozen=True)
class PersonData:
    """What a form or an import row says about a person; validated here, not by the form alone.

    On an edit an empty ``id_number`` (or ``phone``/``address`` with ``keep_contacts``) keeps the stored value, so
    an edit form never has to show a sensitive value to carry it over.
    """

    name: str
    id_number: str
    ethnicity: str
    party: str
    education: str
    work_unit: str
    native_place: str = ""
    birth_place: str = ""
    health: str = ""
    work_started_on: datetime.date | None = None
    party_joined_on: datetime.date | None = None
    party_post: str = ""
    uf_category: str = ""
    degree: str = ""
    school_major: str = ""
    inservice_education: str = ""
    inservice_degree: str = ""
    inservice_school_major: str = ""
    professional_title: str = ""
    speciality: str = ""
    current_post: str = ""
    post_level: str = ""
    rank: str = ""
    is_leadership_post: bool = False
    rewards: str = ""
    phone: str = ""
    address: str = ""
    keep_contacts: bool = False


SENSITIVE_PROFILE_FIELDS = (masking.PHONE, masking.ADDRESS)
PROFILE_FIELDS = tuple(f.name for f in fields(PersonData) if f.name not in ("id_number", "keep_contacts"))
CHOICE_FIELDS = {
    "party": (gettext_lazy("党派"), {value for value, _label in NON_CPC_CHOICES}),
    "education": (gettext_lazy("学历"), set(Education.values)),
    "degree": (gettext_lazy("学位"), set(Degree.values)),
    "post_level": (gettext_lazy("职务层次"), {"", *PostLevel.values}),
    "rank": (gettext_lazy("职级"), {"", *Rank.values}),
    "uf_category": (gettext_lazy("统战身份类别"), {"", *UnitedFrontCategory.values}),
}


# --- helpers -------------------------------------------------------------------------------------------------


def _require(condition: bool, code: str = "permission_denied", **params):
    if not condition:
        raise NominationPermissionError(code, params=params or None)


def _locked(person: Person) -> Person:
    return locks.case(Person, person.pk)


def _expect_state(person: Person, *states, code: str = "stale_state"):
    if person.pool_state not in states:
        raise NominationStaleError(code)


def _users_with_perm(perm: str):
    app_label, codename = perm.split(".")
    groups = Group.objects.filter(permissions__content_type__app_label=app_label, permissions__codename=codename)
    return get_user_model().objects.filter(is_active=True, groups__in=groups).distinct()


def _department_users(department: str):
    codes = [code for code, dep in roles.DEPARTMENT_OF_ROLE.items() if dep == department]
    return get_user_model().objects.filter(is_active=True, groups__name__in=codes).distinct()


def _unit_users(unit: Unit | None):
    if unit is None:
        return []
    return [m.user for m in UnitMembership.objects.filter(unit=unit, user__is_active=True).select_related("user")]


def _link(person: Person) -> str:
    return reverse("nomination:person", args=[person.pk])


def _notify_event(event, recipients, title: str, link: str):
    """One notification per audit event and recipient (the event id makes the key unique and replay-safe)."""
    notify(recipients=recipients, key=f"event-{event.pk}-{event.action}", title=title, link=link)


def _set_state(person: Person, state: str, *, actor, action: str, comment: str = "", extra_fields=(), changes=None):
    old = person.pool_state
    person.pool_state = state
    person.save(update_fields=["pool_state", "updated", *extra_fields])
    return audit.record(subject=person, actor=actor, action=action, from_state=old, to_state=state, comment=comment,
                        changes=changes)


def _parse_identity(raw: str) -> identity.IdentityNumber:
    try:
        return identity.parse(raw)
    except ValidationError as error:
        raise NominationError("invalid_id_number", field="id_number", params={"error": error.messages[0]}) from None


def _check_duplicate(actor, digest: str, *, exclude_pk=None):
    existing = Person.objects.filter(id_number_hmac=digest).exclude(pk=exclude_pk).first()
    if existing is None:
        return
    if access.is_department_staff(actor):
        raise NominationError("duplicate_id_number", field="id_number", params={"name": existing.name})
    # A recommending organisation learns only that the department already knows the person, not who it is.
    raise NominationError("duplicate_id_number_hidden", field="id_number")


def _validate(data: PersonData, *, require_id: bool):
    required = {"name": _("姓名"), "ethnicity": _("民族"), "party": _("党派"), "education": _("学历"),
                "work_unit": _("工作单位")}
    missing = [str(label) for name, label in required.items() if not str(getattr(data, name) or "").strip()]
    if require_id and not data.id_number.strip():
        missing.insert(1, str(_("身份证号")))
    if missing:
        raise NominationError("incomplete", params={"fields": "、".join(missing)})
    if data.party == Affiliation.CPC:
        raise NominationError("cpc_member", field="party")
    for name, (label, allowed) in CHOICE_FIELDS.items():
        value = getattr(data, name)
        if value not in allowed:
            raise NominationError("invalid_choice", field=name, params={"field": label, "value": value})


def _apply(person: Person, data: PersonData) -> dict:
    """Copy the profile onto the person; return the changed fields (sensitive values masked) for the audit row."""
    changes = {}
    for name in PROFILE_FIELDS:
        new = getattr(data, name)
        if isinstance(new, str):
            # A browser's textarea sends CRLF; an XML file (.lrmx) reads it back as LF. Store one form.
            new = new.replace("\r\n", "\n").strip()
        if name in SENSITIVE_PROFILE_FIELDS and data.keep_contacts and not new:
            continue
        old = getattr(person, name)
        if old != new:
            if name in SENSITIVE_PROFILE_FIELDS:
                changes[name] = [masking.mask(name, old), masking.mask(name, new)]
            else:
                changes[name] = [old, new]
            setattr(person, name, new)
    return changes


def _apply_identity(person: Person, number: identity.IdentityNumber, digest: str) -> dict:
    if person.id_number_hmac == digest:
        return {}
    old = person.id_number
    person.id_number, person.id_number_hmac = number.number, digest
    person.birth_date, person.gender = number.birth_date, number.gender
    return {"id_number": [masking.mask(masking.ID_NUMBER, old), masking.mask(masking.ID_NUMBER, number.number)]}


def _new_person(actor, data: PersonData) -> Person:
    _validate(data, require_id=True)
    number = _parse_identity(data.id_number)
    digest = identity.keyed_hash(number.number)
    _check_duplicate(actor, digest)
    person = Person(created_by=actor)
    _apply(person, data)
    _apply_identity(person, number, digest)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # The same ID number saved by someone else between the check and the insert.
        _check_duplicate(actor, digest)
        raise
    _link_roster_entries(person)
    return person


def _link_roster_entries(person: Person):
    """Attach unlinked roster entries of the same name and birth month (DOMAIN §4.6: representative roles held)."""
    RosterEntry.objects.filter(
        person__isnull=True, name=person.name, birth_month=person.birth_date.replace(day=1)
    ).update(person=person)


def _recommending_unit(actor, unit: Unit | None) -> Unit:
    if access.is_department_staff(actor):
        if unit is None:
            raise NominationError("unit_required", field="recommending_unit")
        return unit
    own = list(Unit.objects.filter(pk__in=access.own_unit_ids(actor)))
    if unit is None and len(own) == 1:
        return own[0]
    if unit is None:
        raise NominationError("unit_required", field="recommending_unit")
    _require(unit in own, "unit_not_yours")
    return unit


def _recommend(actor, person: Person, unit: Unit, reason: str):
    reason = reason.strip()
    if not reason:
        raise NominationError("reason_required", field="reason")
    person.recommending_unit, person.recommended_by, person.recommended_at = unit, actor, timezone.now()
    person.recommendation_reason = reason
    # A fresh recommendation starts a fresh round: earlier confirmations and outcomes belong to the last one.
    person.org_confirmed_by = person.uf_confirmed_by = None
    person.org_confirmed_at = person.uf_confirmed_at = person.entered_pool_at = person.removed_at = None
    person.used_on = None
    person.used_post = person.appointment_ref = person.removal_reason = person.removal_note = ""
    event = _set_state(
        person, PoolState.PROPOSED, actor=actor, action="pool.recommended", comment=reason,
        extra_fields=["recommending_unit", "recommended_by", "recommended_at", "recommendation_reason",
                      "org_confirmed_by", "org_confirmed_at", "uf_confirmed_by", "uf_confirmed_at",
                      "entered_pool_at", "removed_at", "used_on", "used_post", "appointment_ref", "removal_reason",
                      "removal_note"],
        changes={"recommending_unit": str(unit)},
    )
    _notify_event(event, _users_with_perm("nomination.manage_pool"),
                  _("%(unit)s推荐%(name)s进入党外后备干部人才库") % {"unit": unit, "name": person.name},
                  _link(person))


# --- person records ------------------------------------------------------------------------------------------


@transaction.atomic
def person_create(*, actor, data: PersonData) -> Person:
    """Record a non-Party cadre or representative figure (not yet recommended for the pool)."""
    _require(access.can_manage_pool(actor))
    person = _new_person(actor, data)
    audit.record(subject=person, actor=actor, action="person.created", to_state=person.pool_state)
    return person


@transaction.atomic
def person_update(*, actor, person: Person, data: PersonData) -> Person:
    _require(access.can_manage_pool(actor))
    person = _locked(person)
    _validate(data, require_id=False)
    changes = {}
    if data.id_number.strip():
        number = _parse_identity(data.id_number)
        digest = identity.keyed_hash(number.number)
        _check_duplicate(actor, digest, exclude_pk=person.pk)
        changes.update(_apply_identity(person, number, digest))
    changes.update(_apply(person, data))
    if changes:
        person.save()
        audit.record(subject=person, actor=actor, action="person.edited", changes=changes)
    return person


@transaction.atomic
def person_recommend(*, actor, data: PersonData, reason: str, recommending_unit: Unit | None = None) -> Person:
    """A new person recommended for the pool: a recommending organisation's form, or a department recording one."""
    _require(access.can_recommend_people(actor))
    unit = _recommending_unit(actor, recommending_unit)
    if not reason.strip():
        raise NominationError("reason_required", field="reason")
    person = _new_person(actor, data)
    audit.record(subject=person, actor=actor, action="person.created", to_state=person.pool_state)
    _recommend(actor, person, unit, reason)
    return person


def person_sensitive_viewed(*, actor, person: Person, fields_shown, ip_address=None, purpose: str | None = None):
    """Log one unmasked view of a person's sensitive fields (DOMAIN §7.2: every read is logged).

    A view the user asks for on the person's page gives its 查阅目的 (``purpose``), kept as the row's comment; a
    printout that needs the fields for its form (the 任免审批表) passes none.
    """
    if purpose is not None:
        purpose = purpose.strip()
        if not purpose:
            raise NominationError("purpose_required", field="purpose")
    return audit.record(subject=person, actor=actor, action="person.sensitive_viewed", comment=purpose or "",
                        changes={"fields": sorted(fields_shown)}, ip_address=ip_address)


@transaction.atomic
def people_sensitive_exported(*, actor, people, fields_shown, ip_address=None) -> int:
    """Log an unmasked export: one row on each exported person's timeline."""
    count = 0
    for person in people:
        audit.record(subject=person, actor=actor, action="person.sensitive_exported",
                     changes={"fields": sorted(fields_shown)}, ip_address=ip_address)
        count += 1
    return count


def _add_record(actor, person: Person, record, summary: str):
    _require(access.can_manage_pool(actor))
    person = _locked(person)
    started, ended = getattr(record, "started_on", None), getattr(record, "ended_on", None)
    if started and ended and ended < started:
        raise NominationError("dates_reversed", field="ended_on")
    record.person, record.recorded_by = person, actor
    record.save()
    audit.record(subject=person, actor=actor, action="person.record_added",
                 changes={"kind": record._meta.model_name, "summary": summary})
    return record


@transaction.atomic
def person_add_post(*, actor, person: Person, started_on, unit: str, post: str, ended_on=None,
                    note: str = "") -> PostRecord:
    if not (unit.strip() and post.strip() and started_on):
        raise NominationError("incomplete", params={"fields": "、".join([_("起始时间"), _("单位"), _("职务")])})
    record = PostRecord(started_on=started_on, ended_on=ended_on, unit=unit.strip(), post=post.strip(), note=note)
    return _add_record(actor, person, record, f"{record.unit}{record.post}")


@transaction.atomic
def person_add_training(*, actor, person: Person, kind: str, title: str, started_on, ended_on=None,
                        organiser: str = "", note: str = "") -> TrainingRecord:
    if kind not in TrainingRecord.Kind.values:
        raise NominationError("invalid_choice", field="kind", params={"field": _("类型"), "value": kind})
    if not (title.strip() and started_on):
        raise NominationError("incomplete", params={"fields": "、".join([_("培训班次或挂职单位及职务"), _("起始时间")])})
    record = TrainingRecord(kind=kind, title=title.strip(), organiser=organiser, started_on=started_on,
                            ended_on=ended_on, note=note)
    return _add_record(actor, person, record, f"{record.get_kind_display()} {record.title}")


@transaction.atomic
def person_add_assessment(*, actor, person: Person, kind: str, year: int, result: str, issued_by: str = "",
                          comment: str = "") -> Assessment:
    if kind not in Assessment.Kind.values:
        raise NominationError("invalid_choice", field="kind", params={"field": _("类型"), "value": kind})
    if not (result.strip() and year):
        raise NominationError("incomplete", params={"fields": "、".join([_("年度"), _("结果")])})
    record = Assessment(kind=kind, year=year, result=result.strip(), issued_by=issued_by, comment=comment)
    return _add_record(actor, person, record, f"{year} {record.get_kind_display()}")


@transaction.atomic
def person_add_family_member(*, actor, person: Person, relation: str, name: str, birth_month: str = "",
                             political_status: str = "", work_and_post: str = "") -> FamilyMember:
    if not (relation.strip() and name.strip()):
        raise NominationError("incomplete", params={"fields": "、".join([_("称谓"), _("姓名")])})
    record = FamilyMember(relation=relation.strip(), name=name.strip(), birth_month=birth_month,
                          political_status=political_status, work_and_post=work_and_post)
    # The audit row names the kind of record only: family details are sensitive.
    return _add_record(actor, person, record, str(_("家庭成员")))


# --- the pool lifecycle (DOMAIN §4.5) ------------------------------------------------------------------------


@transaction.atomic
def pool_recommend(*, actor, person: Person, recommending_unit: Unit | None, reason: str) -> Person:
    """A department puts a person it already tracks forward for the pool (for itself or for another unit)."""
    _require(access.can_manage_pool(actor))
    person = _locked(person)
    _expect_state(person, *RECOMMENDABLE_STATES, code="not_recommendable")
    _recommend(actor, person, _recommending_unit(actor, recommending_unit), reason)
    return person


@transaction.atomic
def pool_start_assessment(*, actor, person: Person, comment: str = "") -> Person:
    _require(access.can_manage_pool(actor))
    person = _locked(person)
    _expect_state(person, PoolState.PROPOSED)
    _set_state(person, PoolState.ASSESSING, actor=actor, action="pool.assessment_started", comment=comment)
    return person


@transaction.atomic
def pool_assess(*, actor, person: Person, suitable: bool, comment: str, issued_by: str = "") -> Person:
    """综合评价 done: suitable entries go to both departments for confirmation, the others are not admitted."""
    _require(access.can_manage_pool(actor))
    person = _locked(person)
    _expect_state(person, PoolState.ASSESSING)
    _no_open_decision(person)
    if not comment.strip():
        raise NominationError("reason_required", field="comment")
    Assessment.objects.create(
        person=person, kind=Assessment.Kind.EVALUATION, year=timezone.localdate().year,
        result=_("适宜入库") if suitable else _("暂不宜入库"), issued_by=issued_by, comment=comment.strip(),
        recorded_by=actor,
    )
    if not suitable:
        # 不予入库 needs both departments (issue #13): the other department confirms before the state changes.
        audit.record(subject=person, actor=actor, action="pool.assessed", comment=comment)
        joint.decision_propose(actor=actor, person=person, kind=JointDecision.Kind.NOT_ADMIT, reason=comment)
        return person
    event = _set_state(person, PoolState.CONFIRMING, actor=actor, action="pool.assessed", comment=comment)
    _notify_event(event, _users_with_perm("nomination.confirm_joint"),
                  _("%(name)s待两部会商确认入库") % {"name": person.name}, _link(person))
    return person


def _department_or_refuse(actor) -> str:
    department = access.joint_department(actor)
    if department is None:
        raise NominationPermissionError("two_departments" if len(roles.departments_of(actor)) > 1 else "no_department")
    return department


def _confirm_fields(department: str) -> tuple[str, str]:
    return (("org_confirmed_by", "org_confirmed_at") if department == roles.ORG
            else ("uf_confirmed_by", "uf_confirmed_at"))


@transaction.atomic
def pool_confirm(*, actor, person: Person, comment: str = "") -> Person:
    """One department's confirmation; the entry goes into the pool with the second department's (四个同步)."""
    department = _department_or_refuse(actor)
    person = _locked(person)
    _expect_state(person, PoolState.CONFIRMING)
    _no_open_decision(person)
    label = roles.DEPARTMENT_LABELS[department]
    if access.confirmed_by(person, department):
        raise NominationStaleError("already_confirmed", params={"department": label})
    by_field, at_field = _confirm_fields(department)
    setattr(person, by_field, actor)
    setattr(person, at_field, timezone.now())
    person.save(update_fields=[by_field, at_field, "updated"])
    event = audit.record(subject=person, actor=actor, action="pool.confirmed", comment=comment,
                         changes={"department": str(label)})
    if not (person.org_confirmed_at and person.uf_confirmed_at):
        other = roles.UF if department == roles.ORG else roles.ORG
        _notify_event(event, _department_users(other), _("%(department)s已确认%(name)s入库，待贵部确认") % {
            "department": label, "name": person.name}, _link(person))
        return person
    person.entered_pool_at = timezone.now()
    event = _set_state(person, PoolState.IN_POOL, actor=actor, action="pool.entered", extra_fields=["entered_pool_at"])
    _notify_event(event, [*_unit_users(person.recommending_unit), *_users_with_perm("nomination.manage_pool")],
                  _("%(name)s已进入党外后备干部人才库") % {"name": person.name}, _link(person))
    return person


@transaction.atomic
def pool_decline(*, actor, person: Person, reason: str) -> Person:
    """Either department may propose to stop an entry before it is in the pool (不予推荐 before the 综合评价 is
    done, 不予入库 at the joint confirmation); the other department confirms it (``joint.decision_confirm``)."""
    _require(access.can_manage_pool(actor) or access.joint_department(actor) is not None)
    person = _locked(person)
    _expect_state(person, PoolState.PROPOSED, PoolState.ASSESSING, PoolState.CONFIRMING)
    if not reason.strip():
        raise NominationError("reason_required", field="reason")
    kind = JointDecision.Kind.NOT_ADMIT if person.pool_state == PoolState.CONFIRMING else JointDecision.Kind.NOT_RECOMMEND
    joint.decision_propose(actor=actor, person=person, kind=kind, reason=reason)
    return person


def _no_open_decision(person: Person):
    decision = joint.open_decision(person)
    if decision is not None:
        raise NominationStaleError("decision_open", params={"kind": decision.get_kind_display()})


def not_admitted_confirmed(actor, person: Person, decision: JointDecision):
    """Both departments agreed on 不予推荐 / 不予入库 (called by ``joint.decision_confirm`` under the lock)."""
    event = _set_state(person, PoolState.NOT_ADMITTED, actor=actor, action="pool.declined", comment=decision.reason)
    _notify_event(event, _unit_users(person.recommending_unit), _("%(name)s未予入库") % {"name": person.name},
                  _link(person))


def remove_confirmed(actor, person: Person, decision: JointDecision):
    """Both departments agreed on 出库 (called by ``joint.decision_confirm`` under the lock)."""
    _remove(actor, person, decision.removal_reason, decision.reason[:200], comment=decision.reason)


@transaction.atomic
def pool_use(*, actor, person: Person, unit: str, post: str, used_on: datetime.date,
             appointment_ref: str = "") -> Person:
    """The reserve cadre took a post: the record gets the new post (the appointment case links here later)."""
    _require(access.can_manage_pool(actor))
    person = _locked(person)
    _expect_state(person, PoolState.IN_POOL)
    _no_open_decision(person)
    if not (unit.strip() and post.strip() and used_on):
        raise NominationError("post_required", field="post")
    changes = {"work_unit": [person.work_unit, unit.strip()], "current_post": [person.current_post, post.strip()]}
    person.work_unit, person.current_post = unit.strip(), post.strip()
    person.used_on, person.used_post = used_on, f"{unit.strip()}{post.strip()}"
    person.appointment_ref = appointment_ref.strip()
    PostRecord.objects.create(person=person, started_on=used_on, unit=person.work_unit, post=person.current_post,
                              note=person.appointment_ref, recorded_by=actor)
    _set_state(person, PoolState.USED, actor=actor, action="pool.used", comment=person.appointment_ref,
               extra_fields=["work_unit", "current_post", "used_on", "used_post", "appointment_ref"],
               changes=changes)
    return person


@transaction.atomic
def person_take_post(*, actor, person: Person, unit: str, post: str, started_on: datetime.date,
                     appointment_ref: str, case, on_probation: bool = False) -> Person:
    """A nomination case appointed the person: the record gets the new post, linked to the case.

    A reserve cadre leaves the pool as 已使用; anyone else (a serving cadre considered for the post) keeps their
    pool state and only gains the post.
    """
    _require(access.can_manage_pool(actor) or access.can_manage_cases(actor))
    person = _locked(person)
    if not (unit.strip() and post.strip() and started_on):
        raise NominationError("post_required", field="post")
    changes = {"work_unit": [person.work_unit, unit.strip()], "current_post": [person.current_post, post.strip()]}
    PostRecord.objects.filter(person=person, ended_on__isnull=True).update(ended_on=started_on)
    person.work_unit, person.current_post = unit.strip(), post.strip()
    note = appointment_ref.strip() + (_("（试用期一年）") if on_probation else "")
    PostRecord.objects.create(person=person, started_on=started_on, unit=person.work_unit, post=person.current_post,
                              note=note, recorded_by=actor)
    fields = ["work_unit", "current_post"]
    if person.pool_state == PoolState.IN_POOL:
        person.used_on, person.used_post = started_on, f"{unit.strip()}{post.strip()}"
        person.appointment_ref, person.appointment_case = appointment_ref.strip(), case
        _set_state(person, PoolState.USED, actor=actor, action="pool.used", comment=person.appointment_ref,
                   extra_fields=[*fields, "used_on", "used_post", "appointment_ref", "appointment_case"],
                   changes=changes)
    else:
        person.save(update_fields=[*fields, "updated"])
        audit.record(subject=person, actor=actor, action="person.appointed", comment=appointment_ref.strip(),
                     changes=changes)
    return person


@transaction.atomic
def person_leave_post(*, actor, person: Person, case, note: str) -> Person:
    """试用期 not passed: the post of the case ends and the record says why (the former rank is restored offline)."""
    _require(access.can_manage_pool(actor) or access.can_manage_cases(actor) or access.can_view_cases(actor))
    person = _locked(person)
    today = timezone.localdate()
    PostRecord.objects.filter(person=person, ended_on__isnull=True, unit=case.post_unit, post=case.post_title).update(
        ended_on=today, note=note)
    audit.record(subject=person, actor=actor, action="person.post_ended", comment=note)
    return person


def _remove(actor, person: Person, reason: str, note: str, comment: str = ""):
    if reason not in RemovalReason.values:
        raise NominationError("invalid_choice", field="reason", params={"field": _("出库原因"), "value": reason})
    if reason == RemovalReason.OTHER and not note.strip():
        raise NominationError("removal_note_required", field="note")
    person.removal_reason, person.removal_note, person.removed_at = reason, note.strip(), timezone.now()
    _set_state(person, PoolState.REMOVED, actor=actor, action="pool.removed", comment=comment or note.strip(),
               extra_fields=["removal_reason", "removal_note", "removed_at"],
               changes={"removal_reason": str(RemovalReason(reason).label)})


@transaction.atomic
def pool_remove(*, actor, person: Person, reason: str, note: str = "") -> Person:
    """Propose 出库; the entry leaves the pool when the other department confirms (``joint.decision_confirm``)."""
    _require(access.can_manage_pool(actor))
    person = _locked(person)
    _expect_state(person, PoolState.IN_POOL)
    _check_removal(reason, note)
    joint.decision_propose(actor=actor, person=person, kind=JointDecision.Kind.REMOVE,
                           reason=note.strip() or str(RemovalReason(reason).label), removal_reason=reason,
                           removal_note=note)
    return person


def _check_removal(reason: str, note: str):
    if reason not in RemovalReason.values:
        raise NominationError("invalid_choice", field="reason", params={"field": _("出库原因"), "value": reason})
    if reason == RemovalReason.OTHER and not note.strip():
        raise NominationError("removal_note_required", field="note")


@transaction.atomic
def pool_review(*, actor, person: Person, year: int, result: str, comment: str = "", removal_reason: str = "",
                removal_note: str = "") -> PoolReview:
    """The yearly review (动态调整) of one entry; a review concluding 出库 removes it with its reason."""
    _require(access.can_manage_pool(actor))
    person = _locked(person)
    _expect_state(person, PoolState.IN_POOL)
    _no_open_decision(person)
    if result not in PoolReview.Result.values:
        raise NominationError("invalid_choice", field="result", params={"field": _("结论"), "value": result})
    if PoolReview.objects.filter(person=person, year=year).exists():
        raise NominationError("review_exists", field="year", params={"year": year})
    if result == PoolReview.Result.REMOVE:
        _check_removal(removal_reason, removal_note)
    review = PoolReview.objects.create(person=person, year=year, result=result, comment=comment.strip(),
                                       reviewed_by=actor)
    audit.record(subject=person, actor=actor, action="pool.reviewed", comment=comment.strip(),
                 changes={"year": year, "result": str(review.get_result_display())})
    if result == PoolReview.Result.REMOVE:
        # 出库 needs both departments: the review proposes it, the other department confirms.
        joint.decision_propose(actor=actor, person=person, kind=JointDecision.Kind.REMOVE,
                               reason=removal_note.strip() or comment.strip() or str(RemovalReason(removal_reason).label),
                               removal_reason=removal_reason, removal_note=removal_note, review=review)
    return review


# --- import (the sheet's columns are nomination.excel's, the reader is workflows.imports) -------------------------


@dataclass
class PeoplePlan(Plan):
    """A pool import's preview. ``hidden`` holds keyed hashes of the sensitive values compared: the preview shows
    them masked, yet a confirm must notice a phone or address changed since the preview."""

    hidden: list = field(default_factory=list)

    @property
    def digest(self) -> str:
        return hashlib.sha256((super().digest + "".join(self.hidden)).encode()).hexdigest()


@dataclass(frozen=True)
class _RowAction:
    """What confirming one row does: create or update ``person`` with ``data`` and maybe recommend it."""

    number: int
    person: Person | None
    data: PersonData
    lines: list
    unit: Unit | None
    reason: str


def _shown(name: str, value) -> str:
    """One value as the preview and the timeline read it; sensitive fields only masked (DOMAIN §7.2)."""
    if name in SENSITIVE_PROFILE_FIELDS:
        return masking.mask(name, value)
    return field_display(Person(**{name: value}), Person._meta.get_field(name))


def _person_label(name: str, id_number: str) -> str:
    return "%s（%s）" % (name, masking.mask(masking.ID_NUMBER, id_number))


def _sheet_value(name: str, value):
    if name in ("party_joined_on", "work_started_on"):
        return datetime.date.fromisoformat(value)
    return value


def _active_units() -> dict:
    units = {}
    for unit in Unit.objects.filter(is_active=True).order_by("pk"):
        units.setdefault(unit.name, unit)
        if unit.short_name:
            units.setdefault(unit.short_name, unit)
    return units


def _identity(number: int, record: dict, seen: dict, headers) -> tuple:
    """(parsed ID number, keyed hash, None) or (None, None, the cell error); ``seen``: number → first row."""
    try:
        number_id = identity.parse(record["id_number"])
    except ValidationError as error:
        return None, None, CellError(number, headers["id_number"], error.messages[0])
    if number_id.number in seen:
        return None, None, CellError(number, headers["id_number"], _("与第 %(row)s 行的身份证号重复。") % {
            "row": seen[number_id.number]})
    seen[number_id.number] = number
    return number_id, identity.keyed_hash(number_id.number), None


def people_import_plan(*, rows, people=None) -> tuple[PeoplePlan, list]:
    """What the rows of a pool sheet would do: (the preview, the row actions). Nothing is written.

    A row is the person on file with the same ID number (its keyed hash), else a new person. Only the cells the
    row fills are compared: a column the sheet lacks and an empty cell keep what is on file (the rule of every
    import, see ``workflows.imports``). ``people``: the matched records, already locked by the caller.
    """
    headers = {column.key: column.header for column in excel.person_columns()}
    result, actions, checked, seen = PeoplePlan(), [], [], {}
    for number, record in rows:
        if "id_number" in record:  # else the reader named the empty cell
            checked.append((number, record, *_identity(number, record, seen, headers)))
    if people is None:
        people = Person.objects.filter(id_number_hmac__in=[row[3] for row in checked if row[3]])
    on_file = {person.id_number_hmac: person for person in people}
    units = _active_units()
    for number, record, number_id, digest, id_error in checked:
        person = on_file.get(digest)
        values = {name: _sheet_value(name, record[name]) for name in PROFILE_FIELDS if name in record}
        problems = [id_error] if id_error else []
        if values.get("party") == Affiliation.CPC:
            problems.append(CellError(number, headers["party"], _("中共党员不列入党外人士信息库。")))
        unit = None
        if record.get("recommending_unit"):
            unit = units.get(record["recommending_unit"])
            if unit is None:
                problems.append(CellError(number, headers["recommending_unit"], _(
                    "单位“%(name)s”不在单位名录中，请先由管理员添加或改用名录中的名称。") % {
                    "name": record["recommending_unit"]}))
        if person is None and not id_error:
            problems.extend(CellError(number, headers[name], _("新增人员必填。"))
                            for name in excel.PERSON_REQUIRED_WHEN_NEW if name not in values)
        if problems or "name" not in values:
            result.errors.extend(problems)
            continue
        row_plan, action = (_plan_new if person is None else _plan_change)(
            number, person, values, number_id, unit, record.get("reason", ""), headers, result)
        try:
            _validate(action.data, require_id=person is None)
        except NominationError as error:
            result.errors.append(CellError(number, "", str(error.message)))
            continue
        result.rows.append(row_plan)
        actions.append(action)
    return result, actions


def _plan_new(number, person, values, number_id, unit, reason, headers, result):
    data = PersonData(id_number=number_id.number, **values)
    lines = [[str(headers[name]), "", _shown(name, value)] for name, value in values.items()]
    notes = []
    if unit is not None:
        lines.append([str(headers["recommending_unit"]), "", unit.name])
        notes.append(_("导入后进入“已推荐”状态，仍须综合评价并经两部确认后才入库。"))
    row_plan = RowPlan(number, "new", _person_label(values["name"], number_id.number), lines, notes)
    return row_plan, _RowAction(number, None, data, lines, unit, reason)


def _plan_change(number, person, values, number_id, unit, reason, headers, result):
    current = {name: getattr(person, name) for name in PROFILE_FIELDS}
    data = PersonData(id_number="", **{**current, **values})
    lines = [[str(headers[name]), _shown(name, current[name]), _shown(name, value)]
             for name, value in values.items() if current[name] != value]
    result.hidden.extend(identity.keyed_hash("%s:%s:%s" % (person.pk, name, current[name]))
                         for name in SENSITIVE_PROFILE_FIELDS if name in values)
    field_lines, notes = list(lines), []
    if unit is not None and person.pool_state == PoolState.NONE:
        lines.append([str(headers["recommending_unit"]), "", unit.name])
        notes.append(_("将推荐入库（进入“已推荐”状态）。"))
    elif unit is not None and unit.pk != person.recommending_unit_id:
        notes.append(_("该人员当前为“%(state)s”，本行的推荐单位和推荐理由不导入。") % {
            "state": person.get_pool_state_display()})
        unit = None
    else:
        unit = None
    row_plan = RowPlan(number, "changed" if lines else "unchanged", _person_label(person.name, number_id.number),
                       lines, notes)
    return row_plan, _RowAction(number, person, data, field_lines, unit, reason)


def _locked_matches(rows) -> list[Person]:
    digests = []
    for _number, record in rows:
        try:
            digests.append(identity.keyed_hash(identity.parse(record.get("id_number", "")).number))
        except ValidationError:
            continue
    return locks.children(Person.objects.filter(id_number_hmac__in=digests))


@transaction.atomic(durable=True)
def people_import(*, actor, rows, digest: str | None, source: str = "") -> PeoplePlan:
    """Apply a previewed pool sheet, all or nothing: refused when the plan has errors or is no longer the one
    previewed (``digest``). Each changed person's timeline gets the fields changed, old → new, sensitive ones
    masked. A row naming a recommending unit puts a person not yet in any pool round forward (still needing
    assessment and both departments' confirmation: an import never bypasses the joint act).
    """
    _require(access.can_manage_pool(actor))
    result, actions = people_import_plan(rows=rows, people=_locked_matches(rows))
    check_plan(result, digest)
    for action in actions:
        source_note = _("来源：%(file)s 第 %(row)s 行") % {"file": source, "row": action.number}
        person = action.person
        if person is None:
            person = _new_person(actor, action.data)
            audit.record(subject=person, actor=actor, action="person.imported", to_state=person.pool_state,
                         comment=_("%(changes)s（%(source)s）") % {"changes": describe(action.lines),
                                                                 "source": source_note},
                         changes={"fields": action.lines, "file": source, "row": action.number})
        elif action.lines:
            changed = _apply(person, action.data)
            person.save(update_fields=[*changed, "updated"])
            audit.record(subject=person, actor=actor, action="person.import_updated",
                         comment=_("%(changes)s（%(source)s）") % {"changes": describe(action.lines),
                                                                 "source": source_note},
                         changes={"fields": action.lines, "file": source, "row": action.number})
        if action.unit is not None:
            _recommend(actor, person, action.unit, action.reason or _("Excel 导入推荐"))
    return result


@transaction.atomic
def people_rehash() -> int:
    """Recompute every ID-number hash under the current key (an operator's command after a key change)."""
    changed = 0
    for person in locks.children(Person.objects.only("pk", "id_number", "id_number_hmac")):
        digest = identity.keyed_hash(person.id_number)
        if digest != person.id_number_hmac:
            Person.objects.filter(pk=person.pk).update(id_number_hmac=digest)
            changed += 1
    audit.record(subject=None, action="people.rehashed", changes={"changed": changed})
    return changed
