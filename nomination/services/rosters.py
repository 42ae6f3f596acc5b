"""Rosters and staffing targets (DOMAIN §5.1–5.2 rosters; §4.2 #1 共同制定规划, the staffing sheet).

Same rules as ``nomination.services.people``: permission, validation, the row lock (``workflows.locks``), audit
and notification in one transaction.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows import audit, locks

from .. import access, errors, identity, masking, roles  # noqa: F401  (errors registers the messages)
from ..errors import NominationError, NominationStaleError
from ..models import (
    Person,
    RosterEntry,
    RosterTerm,
    StaffingTarget,
)
from .people import ImportResult, _confirm_fields, _department_or_refuse, _require

# --- rosters (DOMAIN §5.1–5.2) --------------------------------------------------------------------------------


@transaction.atomic
def roster_term_open(*, actor, body: str, number: int, name: str, starts_on: datetime.date) -> RosterTerm:
    """换届: open a new term of a body; the current one becomes history with its entries kept."""
    _require(access.can_manage_rosters(actor))
    if not name.strip() or not starts_on or not number:
        raise NominationError("incomplete", params={"fields": "、".join([_("届次"), _("名称"), _("开始日期")])})
    current = next(iter(locks.children(RosterTerm.objects.filter(body=body, is_current=True))), None)
    if RosterTerm.objects.filter(body=body, number=number).exists():
        raise NominationError("term_exists", field="number", params={"number": number})
    if current is not None:
        if number <= current.number:
            raise NominationError("term_not_newer", field="number", params={"number": current.number})
        current.is_current = False
        current.ends_on = current.ends_on or starts_on - datetime.timedelta(days=1)
        current.save(update_fields=["is_current", "ends_on"])
        audit.record(subject=current, actor=actor, action="roster.term_closed")
    try:
        with transaction.atomic():
            term = RosterTerm.objects.create(body=body, number=number, name=name.strip(), starts_on=starts_on,
                                             is_current=True)
    except IntegrityError:
        # Someone opened this body's term between the check and the insert.
        raise NominationError("term_exists", field="number", params={"number": number}) from None
    audit.record(subject=term, actor=actor, action="roster.term_opened",
                 changes={"previous": str(current) if current else ""})
    return term


@transaction.atomic
def roster_import(*, actor, term: RosterTerm, rows) -> ImportResult:
    """Create or update a term's entries from validated rows, matched on (name, birth month); all or nothing."""
    _require(access.can_manage_rosters(actor))
    term = locks.case(RosterTerm, term.pk)
    existing = {(e.name, e.birth_month): e for e in term.entries.all()}
    created = updated = unchanged = 0
    for row in rows:
        entry = existing.get((row["name"], row["birth_month"]))
        if entry is None:
            entry = RosterEntry(term=term, **row)
            entry.person = _matching_person(entry)
            entry.save()
            created += 1
            continue
        changed = [name for name, value in row.items() if getattr(entry, name) != value]
        if not changed:
            unchanged += 1
            continue
        for name in changed:
            setattr(entry, name, row[name])
        entry.save(update_fields=changed)
        updated += 1
    result = ImportResult(created=created, updated=updated, unchanged=unchanged)
    audit.record(subject=term, actor=actor, action="roster.imported",
                 changes={"created": created, "updated": updated, "unchanged": unchanged})
    return result


def _matching_person(entry: RosterEntry) -> Person | None:
    matches = list(Person.objects.filter(name=entry.name, birth_date__year=entry.birth_month.year,
                                         birth_date__month=entry.birth_month.month)[:2])
    return matches[0] if len(matches) == 1 else None


# --- staffing targets (共同制定规划, DOMAIN §4.2 #1) -------------------------------------------------------------


@transaction.atomic
def staffing_target_save(*, actor, year: int, team: str, required: int, filled: int, note: str = "",
                         target: StaffingTarget | None = None) -> StaffingTarget:
    """Create or edit one team's row; changed numbers clear both confirmations."""
    _require(access.can_manage_staffing(actor))
    team = team.strip()
    if not team or not year:
        raise NominationError("incomplete", params={"fields": "、".join([_("年度"), _("领导班子")])})
    if required is None or filled is None or required < 0 or filled < 0:
        raise NominationError("numbers_invalid", field="required")
    if StaffingTarget.objects.filter(year=year, team=team).exclude(pk=target.pk if target else None).exists():
        raise NominationError("team_exists", field="team", params={"year": year, "team": team})
    if target is None:
        target = StaffingTarget(year=year, team=team, required=required, filled=filled, note=note.strip(),
                                updated_by=actor)
        try:
            with transaction.atomic():
                target.save()
        except IntegrityError:
            raise NominationError("team_exists", field="team", params={"year": year, "team": team}) from None
        audit.record(subject=target, actor=actor, action="staffing.saved",
                     changes={"required": required, "filled": filled})
        return target
    target = locks.case(StaffingTarget, target.pk)
    new = {"year": year, "team": team, "required": required, "filled": filled, "note": note.strip()}
    changes = {name: [getattr(target, name), value] for name, value in new.items() if getattr(target, name) != value}
    if not changes:
        return target
    for name, value in new.items():
        setattr(target, name, value)
    if set(changes) - {"note"}:
        target.org_confirmed_by = target.uf_confirmed_by = None
        target.org_confirmed_at = target.uf_confirmed_at = None
    target.updated_by = actor
    target.save()
    audit.record(subject=target, actor=actor, action="staffing.saved", changes=changes)
    return target


@transaction.atomic
def staffing_target_confirm(*, actor, target: StaffingTarget) -> StaffingTarget:
    """One department's confirmation of a team's numbers; the row counts once both departments confirmed it."""
    department = _department_or_refuse(actor)
    target = locks.case(StaffingTarget, target.pk)
    label = roles.DEPARTMENT_LABELS[department]
    if access.confirmed_by(target, department):
        raise NominationStaleError("already_confirmed", params={"department": label})
    by_field, at_field = _confirm_fields(department)
    setattr(target, by_field, actor)
    setattr(target, at_field, timezone.now())
    target.save(update_fields=[by_field, at_field, "updated"])
    audit.record(subject=target, actor=actor, action="staffing.confirmed", changes={"department": str(label)},
                 to_state="confirmed" if target.is_confirmed else "")
    return target
