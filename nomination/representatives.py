"""Every state change of a representative recommendation (党外代表人士推荐为人大代表、政协委员, DOMAIN §5.1–5.3).

Same rules as ``nomination.process``: permission, validation, row lock, flow wait, audit and notification in one
transaction; the 廉政意见 / 政协党组 opinions and the list's sign-off are chains of the stage runner.

Fixed in code: democratic-party members and private-economy figures are nominated only after consultation with
the parties and the 工商联 (§5.1); the committee's approval is recorded; the CPPCC standing committee adopts by
more than half of all standing members; the NPC candidate lists are published at least 15 and 7 calendar days
before the election day (§5.2, counted back).
"""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from notifications.services import notify
from workflows import audit, engine, stages
from workflows.errors import PermissionDeniedError, StaleStateError
from workflows.models import StageRun, Unit

from . import access, chains, errors, roles  # noqa: F401  (errors registers the messages)
from .errors import NominationError
from .flows import RepresentativeFlow
from .models import (
    DEMOCRATIC_PARTIES,
    Person,
    RepresentativeBatch,
    RepresentativeNominee,
    RepStatus,
    RosterBody,
    UnitedFrontCategory,
)

LIST_PUBLISH_DAYS, FORMAL_LIST_DAYS = 15, 7  # 选举法: 选举日的十五日以前 / 七日以前 (calendar days)
CONSULTED_PARTIES, CONSULTED_ACFIC = "parties", "acfic"
CONSULTATION_CHOICES = {CONSULTED_PARTIES: _("民主党派"), CONSULTED_ACFIC: _("工商联")}
# Which kind of nominating body a unit stands for, when a recommending organisation nominates in its own name.
UNIT_KINDS = {Unit.Kind.PARTY: RepresentativeNominee.NominatedBy.PARTY}
N = RepresentativeNominee


def _require(condition: bool, code: str = "permission_denied"):
    if not condition:
        raise PermissionDeniedError(code)


def _locked(batch: RepresentativeBatch) -> RepresentativeBatch:
    return RepresentativeBatch.objects.select_for_update(of=("self",)).select_related("process").get(pk=batch.pk)


def _expect(batch, *statuses):
    if batch.status not in statuses:
        raise StaleStateError("stale_state")


def _set_status(batch, status, *, actor, action, comment="", extra_fields=(), changes=None):
    old = batch.status
    batch.status = status
    batch.save(update_fields=["status", "updated", *extra_fields])
    return audit.record(subject=batch, actor=actor, action=action, from_state=old, to_state=status,
                        comment=comment, changes=changes)


def _text(value, code, field):
    value = (value or "").strip()
    if not value:
        raise NominationError(code, field=field)
    return value


def _uf(actor):
    _require(access.can_manage_representatives(actor))


def latest_run(batch, slot_code):
    return (StageRun.objects.filter(subject_id=str(batch.pk), slot__code=slot_code)
            .select_related("version", "slot").order_by("-pk").first())


# --- R1–R3 ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def batch_create(*, actor, body: str, term_name: str, seats: int, quota_plan: str,
                 election_date: datetime.date | None = None) -> RepresentativeBatch:
    """名额与结构方案 (R1): the UFWD opens a recommendation round for one body; nominations open with it."""
    _uf(actor)
    if body not in RosterBody.values:
        raise NominationError("invalid_choice", field="body", params={"field": _("推荐对象"), "value": body})
    if seats < 1:
        raise NominationError("posts_count_invalid", field="seats")
    batch = RepresentativeBatch.objects.create(
        body=body, term_name=_text(term_name, "incomplete_term", "term_name"), seats=seats,
        quota_plan=_text(quota_plan, "quota_required", "quota_plan"), election_date=election_date, created_by=actor)
    audit.record(subject=batch, actor=actor, action="rep.created", to_state=batch.status)
    engine.start(RepresentativeFlow, RepresentativeFlow.start, batch=batch)
    _set_status(batch, RepStatus.NOMINATION, actor=actor, action="rep.nominations_opened")
    return batch


@transaction.atomic
def nominee_add(*, actor, batch: RepresentativeBatch, person: Person, nominated_by: str, sector: str, reason: str,
                is_renomination: bool = False, nominating_unit: Unit | None = None) -> RepresentativeNominee:
    """推荐提名 (R2): a party, the 工商联, the 知联会 or a unit in its own name; the UFWD for non-Party names."""
    batch = _locked(batch)
    _expect(batch, RepStatus.NOMINATION)
    if access.can_manage_representatives(actor):
        if nominated_by not in N.NominatedBy.values:
            raise NominationError("invalid_choice", field="nominated_by",
                               params={"field": _("推荐方"), "value": nominated_by})
    else:
        # A recommending organisation nominates only in the name of its own unit.
        _require(access.can_recommend_people(actor))
        own = list(Unit.objects.filter(pk__in=access.own_unit_ids(actor)))
        if nominating_unit is None and len(own) == 1:
            nominating_unit = own[0]
        _require(nominating_unit in own, "unit_not_yours")
        nominated_by = UNIT_KINDS.get(nominating_unit.kind, N.NominatedBy.UNIT)
        # …and only people it put forward itself (it sees no other person record).
        _require(access.can_view_person(actor, person))
    if nominated_by != N.NominatedBy.UFWD and nominating_unit is None:
        raise NominationError("unit_required", field="nominating_unit")
    if batch.nominees.filter(person=person).exists():
        raise NominationError("already_nominated", field="person", params={"name": person.name})
    nominee = RepresentativeNominee.objects.create(
        batch=batch, person=person, nominated_by=nominated_by, nominating_unit=nominating_unit,
        sector=_text(sector, "sector_required", "sector"), reason=_text(reason, "reason_required", "reason"),
        is_renomination=is_renomination, submitted_by=actor)
    audit.record(subject=batch, actor=actor, action="rep.nominated",
                 comment=f"{person.name}（{nominee.get_nominated_by_display()}）")
    return nominee


@transaction.atomic
def consultation_record(*, actor, batch: RepresentativeBatch, held_on: datetime.date | None, consulted: list,
                        summary: str) -> RepresentativeBatch:
    """协商 (R3): with the democratic parties before party members are nominated, with the 工商联 before
    private-economy figures (统战条例 2020 art. 44)."""
    _uf(actor)
    batch = _locked(batch)
    _expect(batch, RepStatus.NOMINATION, RepStatus.CONSULTATION)
    nominees = list(batch.nominees.select_related("person"))
    if not nominees:
        raise NominationError("no_nominees")
    if held_on is None:
        raise NominationError("date_required", field="held_on")
    needed = set()
    if any(n.person.party in DEMOCRATIC_PARTIES for n in nominees):
        needed.add(CONSULTED_PARTIES)
    if any(n.person.uf_category == UnitedFrontCategory.PRIVATE_ECONOMY for n in nominees):
        needed.add(CONSULTED_ACFIC)
    missing = needed - set(consulted)
    if missing:
        raise NominationError("consultation_missing", field="consulted",
                           params={"who": "、".join(str(CONSULTATION_CHOICES[m]) for m in sorted(missing))})
    batch.consultation_on, batch.consultation_with = held_on, sorted(set(consulted))
    batch.consultation_summary = _text(summary, "summary_required", "summary")
    _set_status(batch, RepStatus.CONSULTATION, actor=actor, action="rep.consulted", comment=batch.consultation_summary,
                extra_fields=["consultation_on", "consultation_with", "consultation_summary"])
    return batch


# --- R4: vetting ---------------------------------------------------------------------------------------------------


@transaction.atomic
def vetting_start(*, actor, batch: RepresentativeBatch) -> RepresentativeBatch:
    _uf(actor)
    batch = _locked(batch)
    _expect(batch, RepStatus.CONSULTATION)
    _set_status(batch, RepStatus.VETTING, actor=actor, action="rep.vetting_started")
    engine.complete_handle_task(process=batch.process, node=RepresentativeFlow.nominations)
    stages.start_chain(slot_code=chains.REP_VETTING, subject=batch, actor=actor)
    return batch


@transaction.atomic
def nominee_check(*, actor, nominee: RepresentativeNominee, political: bool, integrity: bool, image: bool,
                  note: str = "") -> RepresentativeNominee:
    """政治关、廉洁关、形象关 of one nominee (the UFWD); a nominee failing any is left off the list."""
    _uf(actor)
    batch = _locked(nominee.batch)
    _expect(batch, RepStatus.VETTING)
    nominee = RepresentativeNominee.objects.select_for_update().get(pk=nominee.pk, batch=batch)
    if not (political and integrity and image) and not note.strip():
        raise NominationError("reason_required", field="note")
    nominee.political_ok, nominee.integrity_ok, nominee.image_ok = political, integrity, image
    nominee.check_note = note.strip()
    nominee.save(update_fields=["political_ok", "integrity_ok", "image_ok", "check_note"])
    audit.record(subject=batch, actor=actor, action="rep.checked", comment=nominee.check_note,
                 changes={"person": nominee.person.name, "passed": nominee.passed})
    _maybe_finish_vetting(batch, actor=actor)
    return nominee


def _maybe_finish_vetting(batch, *, actor):
    run = latest_run(batch, chains.REP_VETTING)
    nominees = list(batch.nominees.all())
    if not (run and run.status == StageRun.Status.APPROVED and all(n.checked for n in nominees)):
        return
    for nominee in nominees:
        nominee.listed = nominee.passed
        nominee.outcome = "" if nominee.passed else N.Outcome.NOT_LISTED
        nominee.save(update_fields=["listed", "outcome"])
    _set_status(batch, RepStatus.LIST_COMPILED, actor=actor, action="rep.list_compiled",
                changes={"listed": sum(n.listed for n in nominees)})
    engine.complete_handle_task(process=batch.process, node=RepresentativeFlow.vetting)


# --- R5–R6: the list, its sign-off, the committee -------------------------------------------------------------


@transaction.atomic
def opinions_record(*, actor, batch: RepresentativeBatch, summary: str) -> RepresentativeBatch:
    """征求有关方面意见 on the compiled list (R5)."""
    _uf(actor)
    batch = _locked(batch)
    _expect(batch, RepStatus.LIST_COMPILED)
    if not batch.nominees.filter(listed=True).exists():
        raise NominationError("no_nominees")
    batch.opinions_summary = _text(summary, "summary_required", "summary")
    _set_status(batch, RepStatus.OPINIONS_SOUGHT, actor=actor, action="rep.opinions_sought",
                comment=batch.opinions_summary, extra_fields=["opinions_summary"])
    stages.start_chain(slot_code=chains.REP_LIST, subject=batch, actor=actor)
    return batch


@transaction.atomic
def committee_record(*, actor, batch: RepresentativeBatch, approved: bool, held_on: datetime.date | None,
                     minutes_ref: str, note: str = "") -> RepresentativeBatch:
    """县委审定 (R6), recorded by the 组织部: approved, or sent back to the UFWD to revise the list."""
    _require(access.can_manage_cases(actor))
    batch = _locked(batch)
    _expect(batch, RepStatus.SUBMITTED)
    if held_on is None:
        raise NominationError("date_required", field="held_on")
    batch.committee_on, batch.committee_ref = held_on, _text(minutes_ref, "minutes_required", "minutes_ref")
    status = RepStatus.APPROVED if approved else RepStatus.LIST_COMPILED
    _set_status(batch, status, actor=actor, action="rep.approved" if approved else "rep.revised",
                comment=note.strip(), extra_fields=["committee_on", "committee_ref"])
    engine.complete_handle_task(process=batch.process, node=RepresentativeFlow.approval)
    return batch


# --- R7: the statutory procedure, or the upward recommendation -----------------------------------------------------


def _statutory(batch, *statuses):
    _expect(batch, *statuses)
    if batch.is_prefecture:
        raise StaleStateError("stale_state")


def _close(batch, *, actor, action, status, comment="", extra_fields=()):
    _set_status(batch, status, actor=actor, action=action, comment=comment, extra_fields=extra_fields)
    node = RepresentativeFlow.upward if batch.is_prefecture else RepresentativeFlow.statutory
    engine.complete_handle_task(process=batch.process, node=node)


@transaction.atomic
def cppcc_adopt(*, actor, batch: RepresentativeBatch, held_on: datetime.date | None, standing_members: int,
                votes_for: int) -> RepresentativeBatch:
    """政协常委会协商通过: more than half of all standing members must agree."""
    _uf(actor)
    batch = _locked(batch)
    _statutory(batch, RepStatus.APPROVED)
    if not batch.is_cppcc:
        raise StaleStateError("stale_state")
    if held_on is None:
        raise NominationError("date_required", field="held_on")
    if standing_members < 1 or votes_for * 2 <= standing_members:
        raise NominationError("not_adopted", field="votes_for", params={"total": standing_members, "votes": votes_for})
    batch.adopted_on, batch.standing_members, batch.votes_for = held_on, standing_members, votes_for
    batch.nominees.filter(listed=True).update(outcome=N.Outcome.ADOPTED)
    _set_status(batch, RepStatus.STANDING_COMMITTEE_ADOPTED, actor=actor, action="rep.cppcc_adopted",
                extra_fields=["adopted_on", "standing_members", "votes_for"],
                changes={"votes": f"{votes_for}/{standing_members}"})
    return batch


@transaction.atomic
def cppcc_announce(*, actor, batch: RepresentativeBatch, announced_on: datetime.date | None) -> RepresentativeBatch:
    _uf(actor)
    batch = _locked(batch)
    _statutory(batch, RepStatus.STANDING_COMMITTEE_ADOPTED)
    if announced_on is None:
        raise NominationError("date_required", field="announced_on")
    batch.announced_on = announced_on
    _close(batch, actor=actor, action="rep.announced", status=RepStatus.ANNOUNCED, extra_fields=["announced_on"])
    return batch


def list_deadlines(batch: RepresentativeBatch) -> dict:
    """The last days for the NPC candidate lists: counted back in calendar days from the election day."""
    if batch.election_date is None:
        return {}
    return {"list": batch.election_date - datetime.timedelta(days=LIST_PUBLISH_DAYS),
            "formal": batch.election_date - datetime.timedelta(days=FORMAL_LIST_DAYS)}


@transaction.atomic
def npc_nominate(*, actor, batch: RepresentativeBatch, election_date: datetime.date | None) -> RepresentativeBatch:
    """The approved names go forward as candidates for the NPC election."""
    _uf(actor)
    batch = _locked(batch)
    _statutory(batch, RepStatus.APPROVED)
    if batch.is_cppcc:
        raise StaleStateError("stale_state")
    batch.election_date = election_date or batch.election_date
    if batch.election_date is None:
        raise NominationError("date_required", field="election_date")
    _set_status(batch, RepStatus.CANDIDATE_NOMINATED, actor=actor, action="rep.npc_nominated",
                extra_fields=["election_date"], changes=list_deadlines(batch))
    return batch


def _publish(batch, field, deadline_key, published_on):
    if published_on is None:
        raise NominationError("date_required", field="published_on")
    last = list_deadlines(batch)[deadline_key]
    if published_on > last:
        days = LIST_PUBLISH_DAYS if deadline_key == "list" else FORMAL_LIST_DAYS
        raise NominationError("list_too_late", field="published_on", params={
            "days": days, "last": last, "election": batch.election_date})
    setattr(batch, field, published_on)


@transaction.atomic
def npc_publish_list(*, actor, batch: RepresentativeBatch, published_on: datetime.date | None):
    """候选人名单 published at least 15 days before the election day."""
    _uf(actor)
    batch = _locked(batch)
    _statutory(batch, RepStatus.CANDIDATE_NOMINATED)
    _publish(batch, "list_published_on", "list", published_on)
    _set_status(batch, RepStatus.LIST_PUBLISHED, actor=actor, action="rep.npc_list",
                extra_fields=["list_published_on"])
    return batch


@transaction.atomic
def npc_publish_formal_list(*, actor, batch: RepresentativeBatch, published_on: datetime.date | None):
    """正式候选人名单 published at least 7 days before the election day."""
    _uf(actor)
    batch = _locked(batch)
    _statutory(batch, RepStatus.LIST_PUBLISHED)
    _publish(batch, "formal_list_on", "formal", published_on)
    _set_status(batch, RepStatus.FORMAL_LIST, actor=actor, action="rep.npc_formal",
                extra_fields=["formal_list_on"])
    return batch


@transaction.atomic
def npc_results(*, actor, batch: RepresentativeBatch, elected_ids) -> RepresentativeBatch:
    _uf(actor)
    batch = _locked(batch)
    _statutory(batch, RepStatus.FORMAL_LIST)
    listed = batch.nominees.filter(listed=True)
    listed.filter(pk__in=elected_ids).update(outcome=N.Outcome.ELECTED)
    listed.exclude(pk__in=elected_ids).update(outcome=N.Outcome.NOT_ELECTED)
    batch.outcome = _("当选 %(n)s 人") % {"n": listed.filter(outcome=N.Outcome.ELECTED).count()}
    _close(batch, actor=actor, action="rep.elected", status=RepStatus.ELECTED, comment=batch.outcome,
           extra_fields=["outcome"])
    return batch


@transaction.atomic
def upward_send(*, actor, batch: RepresentativeBatch, reference: str) -> RepresentativeBatch:
    """州-level seats: the county recommends upward and records the 州's outcome later."""
    _uf(actor)
    batch = _locked(batch)
    _expect(batch, RepStatus.APPROVED)
    if not batch.is_prefecture:
        raise StaleStateError("stale_state")
    batch.upward_ref = _text(reference, "reference_required", "reference")
    _set_status(batch, RepStatus.UPWARD, actor=actor, action="rep.upward", comment=batch.upward_ref,
                extra_fields=["upward_ref"])
    return batch


@transaction.atomic
def upward_result(*, actor, batch: RepresentativeBatch, outcome: str) -> RepresentativeBatch:
    _uf(actor)
    batch = _locked(batch)
    _expect(batch, RepStatus.UPWARD)
    batch.outcome = _text(outcome, "outcome_required", "outcome")
    _close(batch, actor=actor, action="rep.upward_outcome", status=RepStatus.CLOSED, comment=batch.outcome,
           extra_fields=["outcome"])
    return batch


# --- chains ----------------------------------------------------------------------------------------------------


def chain_finished(*, run: StageRun, outcome: str, actor):
    if outcome == StageRun.Status.CANCELED:
        return
    batch = _locked(run.subject)
    if run.slot.code == chains.REP_VETTING and batch.status == RepStatus.VETTING:
        if outcome == StageRun.Status.APPROVED:
            audit.record(subject=batch, actor=actor, action="rep.opinions_in")
            _maybe_finish_vetting(batch, actor=actor)
        else:
            # An opinion against: the UFWD adjusts the checks; the opinions are sought again.
            audit.record(subject=batch, actor=actor, action="rep.opinions_failed")
            stages.start_chain(slot_code=chains.REP_VETTING, subject=batch, actor=run.started_by)
    elif run.slot.code == chains.REP_LIST and batch.status == RepStatus.OPINIONS_SOUGHT:
        if outcome == StageRun.Status.APPROVED:
            event = _set_status(batch, RepStatus.SUBMITTED, actor=actor, action="rep.submitted")
            engine.complete_handle_task(process=batch.process, node=RepresentativeFlow.listing)
            notify(recipients=list(access.case_managers()), key=f"rep:{event.pk}",
                   title=_("建议名单已报县委审定：%(batch)s") % {"batch": batch},
                   link=reverse("nomination:rep", args=[batch.pk]))
        else:
            _set_status(batch, RepStatus.LIST_COMPILED, actor=actor, action="rep.list_returned")
