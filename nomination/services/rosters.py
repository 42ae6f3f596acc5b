"""Rosters and staffing targets (DOMAIN §5.1–5.2 rosters; §4.2 #1 共同制定规划, the staffing sheet).

Same rules as ``nomination.services.people``: permission, validation, the row lock (``workflows.locks``), audit
and notification in one transaction.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows import audit, locks
from workflows.admin_audit import describe, field_display
from workflows.imports import CellError, Plan, RowPlan, check_plan

from .. import access, errors, excel, identity, masking, roles  # noqa: F401  (errors registers the messages)
from ..errors import NominationError, NominationStaleError
from ..models import (
    Person,
    PostLevel,
    RosterEntry,
    RosterTerm,
    StaffingTarget,
)
from .people import _confirm_fields, _department_or_refuse, _require

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


ROSTER_FIELDS = ("name", "gender", "ethnicity", "birth_month", "affiliation", "sector", "constituency", "work_post",
                 "is_standing", "is_vice_chair")


def _entry_shown(name: str, value) -> str:
    if name == "birth_month":
        return value.strftime("%Y-%m")
    return field_display(RosterEntry(**{name: value}), RosterEntry._meta.get_field(name))


def _entry_label(name: str, birth_month: datetime.date) -> str:
    return "%s（%s）" % (name, birth_month.strftime("%Y-%m"))


def roster_import_plan(*, term: RosterTerm, rows) -> tuple[Plan, list]:
    """What the rows ((row number, values) pairs) would do to the term's roster: (the preview, the row actions).

    A row is the entry of the same 姓名 and 出生年月, else a new entry. Only the cells the row fills are compared: a
    column the sheet lacks and an empty cell keep what is on file (the rule of every import, ``workflows.imports``).
    """
    headers = {column.key: column.header for column in excel.roster_columns()}
    required = excel.roster_required_when_new(term)
    existing = {(e.name, e.birth_month): e for e in term.entries.all()}
    result, actions, seen = Plan(), [], {}
    for number, record in rows:
        if not record.get("name") or not record.get("birth_month"):
            continue  # the reader named the empty or unreadable cell
        values = {name: record[name] for name in ROSTER_FIELDS if name in record}
        if isinstance(values["birth_month"], str):
            values["birth_month"] = datetime.date.fromisoformat(values["birth_month"])
        key = (values["name"], values["birth_month"])
        if key in seen:
            result.errors.append(CellError(number, headers["name"], _(
                "与第 %(row)s 行姓名、出生年月相同，同一届名册中不能重复。") % {"row": seen[key]}))
            continue
        seen[key] = number
        entry = existing.get(key)
        label = _entry_label(*key)
        if entry is None:
            missing = [CellError(number, headers[name], _("新增人员必填。")) for name in required if not values.get(name)]
            if missing:
                result.errors.extend(missing)
                continue
            lines = [[str(headers[name]), "", _entry_shown(name, value)] for name, value in values.items()]
            result.rows.append(RowPlan(number, "new", label, lines))
        else:
            lines = [[str(headers[name]), _entry_shown(name, getattr(entry, name)), _entry_shown(name, value)]
                     for name, value in values.items() if getattr(entry, name) != value]
            result.rows.append(RowPlan(number, "changed" if lines else "unchanged", label, lines))
        actions.append((entry, values))
    return result, actions


@transaction.atomic
def roster_import(*, actor, term: RosterTerm, rows, digest: str | None = None, source: str = "") -> Plan:
    """Create or update a term's entries from (row number, values) pairs, all or nothing: refused when the plan has
    errors or is no longer the one previewed (``digest``; None applies without a preview, as the demo does).
    The term's timeline records every change, old → new."""
    _require(access.can_manage_rosters(actor))
    term = locks.case(RosterTerm, term.pk)
    result, actions = roster_import_plan(term=term, rows=rows)
    check_plan(result, digest)
    for entry, values in actions:
        if entry is None:
            entry = RosterEntry(term=term, **values)
            entry.person = _matching_person(entry)
            entry.save()
            continue
        changed = [name for name, value in values.items() if getattr(entry, name) != value]
        for name in changed:
            setattr(entry, name, values[name])
        if changed:
            entry.save(update_fields=changed)
    described = [_("第 %(row)s 行 %(label)s：%(changes)s") % {
        "row": row.row, "label": row.label, "changes": describe(row.changes)} for row in result.changed]
    counts = result.counts()
    audit.record(subject=term, actor=actor, action="roster.imported",
                 comment=_("%(file)s：新增 %(new)s 人，更新 %(changed)s 人，无变化 %(unchanged)s 人") % {
                     "file": source or "Excel", **counts} + ("\n" + "\n".join(described) if described else ""),
                 changes={**counts, "file": source,
                          "rows": [[row.row, row.label, row.changes] for row in result.changed]})
    return result


def _matching_person(entry: RosterEntry) -> Person | None:
    matches = list(Person.objects.filter(name=entry.name, birth_date__year=entry.birth_month.year,
                                         birth_date__month=entry.birth_month.month)[:2])
    return matches[0] if len(matches) == 1 else None


# --- staffing targets (共同制定规划, DOMAIN §4.2 #1) -------------------------------------------------------------


@transaction.atomic
def staffing_target_save(*, actor, year: int, team: str, required: int, post_level: str = "", note: str = "",
                         target: StaffingTarget | None = None) -> StaffingTarget:
    """Create or edit one team's target (per level, or for all levels); changed numbers clear both confirmations.

    已配 is not an input: it is computed from the posts held (``nomination.joint_selectors.filled_counts``).
    """
    _require(access.can_manage_staffing(actor))
    team = team.strip()
    if not team or not year:
        raise NominationError("incomplete", params={"fields": "、".join([_("年度"), _("领导班子")])})
    if required is None or required < 0:
        raise NominationError("numbers_invalid", field="required")
    if post_level not in ("", *PostLevel.values):
        raise NominationError("invalid_choice", field="post_level", params={"field": _("职务层次"), "value": post_level})
    duplicates = StaffingTarget.objects.filter(year=year, team=team, post_level=post_level)
    if duplicates.exclude(pk=target.pk if target else None).exists():
        raise NominationError("team_exists", field="team", params={"year": year, "team": team})
    if target is None:
        target = StaffingTarget(year=year, team=team, post_level=post_level, required=required, note=note.strip(),
                                updated_by=actor)
        try:
            with transaction.atomic():
                target.save()
        except IntegrityError:
            raise NominationError("team_exists", field="team", params={"year": year, "team": team}) from None
        audit.record(subject=target, actor=actor, action="staffing.saved",
                     changes={"required": required, "post_level": post_level})
        return target
    target = locks.case(StaffingTarget, target.pk)
    new = {"year": year, "team": team, "post_level": post_level, "required": required, "note": note.strip()}
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
