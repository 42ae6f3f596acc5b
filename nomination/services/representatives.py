"""Every state change of a representative recommendation (党外代表人士推荐为人大代表、政协委员, DOMAIN §5.1–5.3).

Same rules as ``nomination.process``: permission, validation, the round's row lock first, the status moved through
``nomination.lifecycle.RepresentativeLifecycle``, the step done closed and the next one opened (work items,
``nomination.steps``), audit and notification in one transaction; the 廉政意见 / 政协党组 opinions and the list's
sign-off are chains of the stage runner. The NPC lists' last days are due items.

Fixed in code: democratic-party members and private-economy figures are nominated only after consultation with
the parties and the 工商联 (§5.1); the committee's approval is recorded; the CPPCC standing committee adopts by
more than half of all standing members; the NPC candidate lists are published at least 15 and 7 calendar days
before the election day (§5.2, counted back).
"""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.services import notify
from workflows import audit, due, lifecycle, locks, stages
from workflows.calendar import CHINA, end_of_day
from workflows.errors import StaleStateError
from workflows.models import AuditEvent, DeadlineRule, DueItem, StageRun, Unit

from .. import access, chains, errors, roles, steps  # noqa: F401  (errors registers the messages)
from ..due_subjects import NPC_FORMAL, NPC_LIST
from ..errors import NominationError, NominationPermissionError
from ..lifecycle import RepresentativeLifecycle
from ..models import (
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
STAGE_DUE_TITLES = {NPC_LIST: gettext_lazy("公布候选人名单截止"), NPC_FORMAL: gettext_lazy("公布正式候选人名单截止")}


def _require(condition: bool, code: str = "permission_denied"):
    if not condition:
        raise NominationPermissionError(code)


def _locked(batch: RepresentativeBatch) -> RepresentativeBatch:
    """The round's row, locked before its runs and nominees."""
    return locks.case(RepresentativeBatch, batch.pk)


def _expect(batch, *statuses):
    if batch.status not in statuses:
        raise StaleStateError("stale_state")


def _move(batch, transition, *, actor, action, comment="", extra_fields=(), changes=None) -> AuditEvent:
    """One legal move of the locked round (``RepresentativeLifecycle``); returns its audit row."""
    return lifecycle.move(RepresentativeLifecycle(batch), transition, actor=actor, action=action, comment=comment,
                          changes=changes, extra_fields=extra_fields)


def _step(batch, done: str | None, *, actor, then: tuple = (), due_item=None):
    """Close the step just done and open the next ones."""
    if done:
        steps.close_step(batch, done, actor=actor)
    for code in then:
        steps.open_step(batch, code, due_item=due_item)


def _fixed_due(batch, purpose: str, day: datetime.date) -> DueItem:
    """A last day set by law in calendar days before the election (DOMAIN §5.2): that day's end, not recomputed."""
    end = end_of_day(day)
    anchor = datetime.datetime.combine(day, datetime.time.min, tzinfo=CHINA) - datetime.timedelta(days=1)
    due.open_due_item(subject=batch, purpose=purpose, title=str(STAGE_DUE_TITLES[purpose]),
                      kind=DeadlineRule.Kind.CALENDAR_DAYS, amount=1, anchor_at=anchor)
    return due.move_due_item(subject=batch, purpose=purpose, due_at=end)


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


@transaction.atomic(durable=True)
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
    locks.case_row(batch)
    _move(batch, "open_nominations", actor=actor, action="rep.nominations_opened")
    _step(batch, None, actor=actor, then=("nomination.rep.consult",))
    return batch


@transaction.atomic(durable=True)
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


@transaction.atomic(durable=True)
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
    fields = ["consultation_on", "consultation_with", "consultation_summary"]
    if batch.status == RepStatus.NOMINATION:
        _move(batch, "consult", actor=actor, action="rep.consulted", comment=batch.consultation_summary,
              extra_fields=fields)
        _step(batch, "nomination.rep.consult", actor=actor, then=("nomination.rep.vet",))
    else:  # consulted again before the vetting starts: the record is replaced
        batch.save(update_fields=[*fields, "updated"])
        audit.record(subject=batch, actor=actor, action="rep.consulted", comment=batch.consultation_summary)
    return batch


# --- R4: vetting ---------------------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def vetting_start(*, actor, batch: RepresentativeBatch) -> RepresentativeBatch:
    _uf(actor)
    batch = _locked(batch)
    _expect(batch, RepStatus.CONSULTATION)
    _move(batch, "start_vetting", actor=actor, action="rep.vetting_started")
    _step(batch, "nomination.rep.vet", actor=actor)
    for nominee in batch.nominees.select_related("person"):
        steps.open_step(batch, "nomination.rep.check", target=nominee,
                        title=_("政治关、廉洁关、形象关审核：%(name)s") % {"name": nominee.person.name})
    stages.start_chain(slot_code=chains.REP_VETTING, subject=batch, actor=actor)
    return batch


@transaction.atomic(durable=True)
def nominee_check(*, actor, nominee: RepresentativeNominee, political: bool, integrity: bool, image: bool,
                  note: str = "") -> RepresentativeNominee:
    """政治关、廉洁关、形象关 of one nominee (the UFWD); a nominee failing any is left off the list."""
    _uf(actor)
    batch = _locked(nominee.batch)
    _expect(batch, RepStatus.VETTING)
    nominee = locks.child(RepresentativeNominee, nominee.pk, related=("person",))
    if nominee.batch_id != batch.pk:
        raise StaleStateError("stale_state")
    if not (political and integrity and image) and not note.strip():
        raise NominationError("reason_required", field="note")
    nominee.political_ok, nominee.integrity_ok, nominee.image_ok = political, integrity, image
    nominee.check_note = note.strip()
    nominee.save(update_fields=["political_ok", "integrity_ok", "image_ok", "check_note"])
    audit.record(subject=batch, actor=actor, action="rep.checked", comment=nominee.check_note,
                 changes={"person": nominee.person.name, "passed": nominee.passed})
    steps.close_step(batch, "nomination.rep.check", actor=actor, target=nominee)
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
    _move(batch, "compile_list", actor=actor, action="rep.list_compiled",
          changes={"listed": sum(n.listed for n in nominees)})
    _step(batch, None, actor=actor, then=("nomination.rep.opinions",))


# --- R5–R6: the list, its sign-off, the committee -------------------------------------------------------------


@transaction.atomic(durable=True)
def opinions_record(*, actor, batch: RepresentativeBatch, summary: str) -> RepresentativeBatch:
    """征求有关方面意见 on the compiled list (R5)."""
    _uf(actor)
    batch = _locked(batch)
    _expect(batch, RepStatus.LIST_COMPILED)
    if not batch.nominees.filter(listed=True).exists():
        raise NominationError("no_nominees")
    batch.opinions_summary = _text(summary, "summary_required", "summary")
    _move(batch, "seek_opinions", actor=actor, action="rep.opinions_sought", comment=batch.opinions_summary,
          extra_fields=["opinions_summary"])
    _step(batch, "nomination.rep.opinions", actor=actor)
    stages.start_chain(slot_code=chains.REP_LIST, subject=batch, actor=actor)
    return batch


@transaction.atomic(durable=True)
def committee_record(*, actor, batch: RepresentativeBatch, approved: bool, held_on: datetime.date | None,
                     minutes_ref: str, note: str = "") -> RepresentativeBatch:
    """县委审定 (R6), recorded by the 组织部: approved, or sent back to the UFWD to revise the list."""
    _require(access.can_manage_cases(actor))
    batch = _locked(batch)
    _expect(batch, RepStatus.SUBMITTED)
    if held_on is None:
        raise NominationError("date_required", field="held_on")
    batch.committee_on, batch.committee_ref = held_on, _text(minutes_ref, "minutes_required", "minutes_ref")
    _move(batch, "approve" if approved else "revise", actor=actor, action="rep.approved" if approved else "rep.revised",
          comment=note.strip(), extra_fields=["committee_on", "committee_ref"])
    if not approved:
        nxt = "nomination.rep.opinions"
    elif batch.is_prefecture:
        nxt = "nomination.rep.upward"
    else:
        nxt = "nomination.rep.adopt" if batch.is_cppcc else "nomination.rep.npc_nominate"
    _step(batch, "nomination.rep.committee", actor=actor, then=(nxt,))
    return batch


# --- R7: the statutory procedure, or the upward recommendation -----------------------------------------------------


def _statutory(batch, *statuses):
    _expect(batch, *statuses)
    if batch.is_prefecture:
        raise StaleStateError("stale_state")




@transaction.atomic(durable=True)
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
    _move(batch, "cppcc_adopt", actor=actor, action="rep.cppcc_adopted",
          extra_fields=["adopted_on", "standing_members", "votes_for"],
          changes={"votes": f"{votes_for}/{standing_members}"})
    _step(batch, "nomination.rep.adopt", actor=actor, then=("nomination.rep.announce",))
    return batch


@transaction.atomic(durable=True)
def cppcc_announce(*, actor, batch: RepresentativeBatch, announced_on: datetime.date | None) -> RepresentativeBatch:
    _uf(actor)
    batch = _locked(batch)
    _statutory(batch, RepStatus.STANDING_COMMITTEE_ADOPTED)
    if announced_on is None:
        raise NominationError("date_required", field="announced_on")
    batch.announced_on = announced_on
    _move(batch, "announce", actor=actor, action="rep.announced", extra_fields=["announced_on"])
    _step(batch, "nomination.rep.announce", actor=actor)
    return batch


def list_deadlines(batch: RepresentativeBatch) -> dict:
    """The last days for the NPC candidate lists: counted back in calendar days from the election day."""
    if batch.election_date is None:
        return {}
    return {"list": batch.election_date - datetime.timedelta(days=LIST_PUBLISH_DAYS),
            "formal": batch.election_date - datetime.timedelta(days=FORMAL_LIST_DAYS)}


@transaction.atomic(durable=True)
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
    deadlines = list_deadlines(batch)
    _move(batch, "npc_nominate", actor=actor, action="rep.npc_nominated", extra_fields=["election_date"],
          changes=deadlines)
    _step(batch, "nomination.rep.npc_nominate", actor=actor, then=("nomination.rep.npc_list",),
          due_item=_fixed_due(batch, NPC_LIST, deadlines["list"]))
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


@transaction.atomic(durable=True)
def npc_publish_list(*, actor, batch: RepresentativeBatch, published_on: datetime.date | None):
    """候选人名单 published at least 15 days before the election day."""
    _uf(actor)
    batch = _locked(batch)
    _statutory(batch, RepStatus.CANDIDATE_NOMINATED)
    _publish(batch, "list_published_on", "list", published_on)
    _move(batch, "publish_list", actor=actor, action="rep.npc_list", extra_fields=["list_published_on"])
    due.close_due_items(subject=batch, purpose=NPC_LIST)
    _step(batch, "nomination.rep.npc_list", actor=actor, then=("nomination.rep.npc_formal",),
          due_item=_fixed_due(batch, NPC_FORMAL, list_deadlines(batch)["formal"]))
    return batch


@transaction.atomic(durable=True)
def npc_publish_formal_list(*, actor, batch: RepresentativeBatch, published_on: datetime.date | None):
    """正式候选人名单 published at least 7 days before the election day."""
    _uf(actor)
    batch = _locked(batch)
    _statutory(batch, RepStatus.LIST_PUBLISHED)
    _publish(batch, "formal_list_on", "formal", published_on)
    _move(batch, "publish_formal_list", actor=actor, action="rep.npc_formal", extra_fields=["formal_list_on"])
    due.close_due_items(subject=batch, purpose=NPC_FORMAL)
    _step(batch, "nomination.rep.npc_formal", actor=actor, then=("nomination.rep.npc_results",))
    return batch


@transaction.atomic(durable=True)
def npc_results(*, actor, batch: RepresentativeBatch, elected_ids) -> RepresentativeBatch:
    _uf(actor)
    batch = _locked(batch)
    _statutory(batch, RepStatus.FORMAL_LIST)
    listed = batch.nominees.filter(listed=True)
    listed.filter(pk__in=elected_ids).update(outcome=N.Outcome.ELECTED)
    listed.exclude(pk__in=elected_ids).update(outcome=N.Outcome.NOT_ELECTED)
    batch.outcome = _("当选 %(n)s 人") % {"n": listed.filter(outcome=N.Outcome.ELECTED).count()}
    _move(batch, "record_election", actor=actor, action="rep.elected", comment=batch.outcome, extra_fields=["outcome"])
    _step(batch, "nomination.rep.npc_results", actor=actor)
    return batch


@transaction.atomic(durable=True)
def upward_send(*, actor, batch: RepresentativeBatch, reference: str) -> RepresentativeBatch:
    """州-level seats: the county recommends upward and records the 州's outcome later."""
    _uf(actor)
    batch = _locked(batch)
    _expect(batch, RepStatus.APPROVED)
    if not batch.is_prefecture:
        raise StaleStateError("stale_state")
    batch.upward_ref = _text(reference, "reference_required", "reference")
    _move(batch, "send_upward", actor=actor, action="rep.upward", comment=batch.upward_ref, extra_fields=["upward_ref"])
    _step(batch, "nomination.rep.upward", actor=actor, then=("nomination.rep.upward_result",))
    return batch


@transaction.atomic(durable=True)
def upward_result(*, actor, batch: RepresentativeBatch, outcome: str) -> RepresentativeBatch:
    _uf(actor)
    batch = _locked(batch)
    _expect(batch, RepStatus.UPWARD)
    batch.outcome = _text(outcome, "outcome_required", "outcome")
    _move(batch, "record_upward_outcome", actor=actor, action="rep.upward_outcome", comment=batch.outcome,
          extra_fields=["outcome"])
    _step(batch, "nomination.rep.upward_result", actor=actor)
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
            event = _move(batch, "submit", actor=actor, action="rep.submitted")
            _step(batch, None, actor=actor, then=("nomination.rep.committee",))
            notify(recipients=list(access.case_managers()), key=f"event-{event.pk}-submitted",
                   title=_("建议名单已报县委审定：%(batch)s") % {"batch": batch},
                   link=reverse("nomination:rep", args=[batch.pk]))
        else:
            _move(batch, "return_list", actor=actor, action="rep.list_returned")
            _step(batch, None, actor=actor, then=("nomination.rep.opinions",))
