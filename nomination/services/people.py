"""Every state change of person records and the pool (DOMAIN §4.5–4.6): records, recommendation, the joint
confirmation, use and removal, and the Excel import.

Each function checks permission, validates, changes state under a row lock, writes the audit row and notifies,
all in one transaction. Views, imports and the demo call these; nothing else writes these models.

The joint acts (a pool entry, a staffing target) need one confirmation from each department: a confirmation
records the acting department, an account acting for both is refused, and the second confirmation completes the
act under the row lock, so two departments confirming at once complete it exactly once.
"""

import datetime
from dataclasses import dataclass, fields

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
from workflows.models import Unit, UnitMembership

from .. import access, errors, identity, masking, roles  # noqa: F401  (errors registers the messages)
from ..errors import NominationError, NominationPermissionError, NominationStaleError
from ..models import (
    NON_CPC_CHOICES,
    RECOMMENDABLE_STATES,
    Affiliation,
    Assessment,
    Degree,
    Education,
    FamilyMember,
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
    work_started_on: datetime.date | None = None
    party_joined_on: datetime.date | None = None
    party_post: str = ""
    uf_category: str = ""
    degree: str = ""
    school_major: str = ""
    professional_title: str = ""
    speciality: str = ""
    current_post: str = ""
    post_level: str = ""
    rank: str = ""
    is_leadership_post: bool = False
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


@dataclass(frozen=True)
class PersonImportRow:
    """One checked row of a pool workbook (see nomination.excel)."""

    data: PersonData
    recommending_unit: Unit | None = None
    reason: str = ""


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


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
            new = new.strip()
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


def person_sensitive_viewed(*, actor, person: Person, fields_shown, ip_address=None):
    """Log one unmasked view of a person's sensitive fields (DOMAIN §7.2: every read is logged)."""
    return audit.record(subject=person, actor=actor, action="person.sensitive_viewed",
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
    if not comment.strip():
        raise NominationError("reason_required", field="comment")
    Assessment.objects.create(
        person=person, kind=Assessment.Kind.EVALUATION, year=timezone.localdate().year,
        result=_("适宜入库") if suitable else _("暂不宜入库"), issued_by=issued_by, comment=comment.strip(),
        recorded_by=actor,
    )
    if not suitable:
        event = _set_state(person, PoolState.NOT_ADMITTED, actor=actor, action="pool.assessed", comment=comment)
        _notify_event(event, _unit_users(person.recommending_unit),
                      _("%(name)s未予入库") % {"name": person.name}, _link(person))
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
    """Either department may stop an entry before it is in the pool (its reason is vetting material)."""
    _require(access.can_manage_pool(actor) or access.joint_department(actor) is not None)
    person = _locked(person)
    _expect_state(person, PoolState.PROPOSED, PoolState.ASSESSING, PoolState.CONFIRMING)
    if not reason.strip():
        raise NominationError("reason_required", field="reason")
    event = _set_state(person, PoolState.NOT_ADMITTED, actor=actor, action="pool.declined", comment=reason.strip())
    _notify_event(event, _unit_users(person.recommending_unit), _("%(name)s未予入库") % {"name": person.name},
                  _link(person))
    return person


@transaction.atomic
def pool_use(*, actor, person: Person, unit: str, post: str, used_on: datetime.date,
             appointment_ref: str = "") -> Person:
    """The reserve cadre took a post: the record gets the new post (the appointment case links here later)."""
    _require(access.can_manage_pool(actor))
    person = _locked(person)
    _expect_state(person, PoolState.IN_POOL)
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
    _require(access.can_manage_pool(actor))
    person = _locked(person)
    _expect_state(person, PoolState.IN_POOL)
    _remove(actor, person, reason, note)
    return person


@transaction.atomic
def pool_review(*, actor, person: Person, year: int, result: str, comment: str = "", removal_reason: str = "",
                removal_note: str = "") -> PoolReview:
    """The yearly review (动态调整) of one entry; a review concluding 出库 removes it with its reason."""
    _require(access.can_manage_pool(actor))
    person = _locked(person)
    _expect_state(person, PoolState.IN_POOL)
    if result not in PoolReview.Result.values:
        raise NominationError("invalid_choice", field="result", params={"field": _("结论"), "value": result})
    if PoolReview.objects.filter(person=person, year=year).exists():
        raise NominationError("review_exists", field="year", params={"year": year})
    review = PoolReview.objects.create(person=person, year=year, result=result, comment=comment.strip(),
                                       reviewed_by=actor)
    audit.record(subject=person, actor=actor, action="pool.reviewed", comment=comment.strip(),
                 changes={"year": year, "result": str(review.get_result_display())})
    if result == PoolReview.Result.REMOVE:
        _remove(actor, person, removal_reason, removal_note, comment=comment.strip())
    return review


# --- import (the row parsing and checks live in nomination.excel) ---------------------------------------------


@transaction.atomic
def people_import(*, actor, rows) -> ImportResult:
    """Create or update person records from validated rows, all or nothing; a repeated file changes nothing.

    A row naming a recommending unit puts a person not yet in any pool round forward (still needing assessment
    and both departments' confirmation: an import never bypasses the joint act).
    """
    _require(access.can_manage_pool(actor))
    created = updated = unchanged = 0
    for row in rows:
        number = _parse_identity(row.data.id_number)
        digest = identity.keyed_hash(number.number)
        person = next(iter(locks.children(Person.objects.filter(id_number_hmac=digest))), None)
        if person is None:
            person = _new_person(actor, row.data)
            audit.record(subject=person, actor=actor, action="person.imported", to_state=person.pool_state)
            created += 1
        else:
            _validate(row.data, require_id=False)
            changes = _apply(person, row.data)
            if changes:
                person.save()
                audit.record(subject=person, actor=actor, action="person.import_updated", changes=changes)
                updated += 1
            else:
                unchanged += 1
        if row.recommending_unit is not None and person.pool_state == PoolState.NONE:
            _recommend(actor, person, row.recommending_unit, row.reason or _("Excel 导入推荐"))
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


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
