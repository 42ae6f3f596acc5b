"""Due items: the deadlines of stage tasks and assignment windows, computed on the working-day calendar.

``workflows`` owns stage deadlines; the reminder and escalation sweeps read these rows.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q
from django.utils import timezone

from . import calendar
from .models import DeadlineRule, DueItem

# The due item is the only stored deadline. Apps that still copy one onto their own rows register here to hear when
# an extension or the calendar moves it (the stage runner no longer does; this goes once no app copies dates).
DUE_CHANGED_HOOKS: list = []


def rule(code: str) -> DeadlineRule:
    return DeadlineRule.objects.get(code=code)


def rules(*codes: str) -> dict[str, DeadlineRule]:
    """Several named rules in one query, for a step that opens many deadlines (every code must exist)."""
    found = DeadlineRule.objects.in_bulk(codes, field_name="code")
    missing = set(codes) - set(found)
    if missing:
        raise DeadlineRule.DoesNotExist(f"No deadline rule {sorted(missing)}")
    return found


def open_due_item(*, subject, purpose: str, title: str, rule_code: str = "", kind: str = "", amount: int | None = None,
                  anchor_at=None, known_new: bool = False, deadline_rule: DeadlineRule | None = None) -> DueItem:
    """Start watching a deadline for ``subject``, from a named rule (``rule_code``, or the ``deadline_rule`` the caller
    has read with others) or an explicit kind and amount (a stage).

    An open item for the same purpose is moved instead (a new due-date version). ``known_new``: the caller knows
    there is none (a task opening), so none is looked for; the one-open-item constraint still guards it.
    """
    if deadline_rule is None and rule_code:
        deadline_rule = rule(rule_code)
    if deadline_rule is not None:
        kind, amount = deadline_rule.kind, deadline_rule.amount
    if not kind or amount is None:
        raise ValueError("open_due_item needs rule_code, or kind and amount")
    anchor_at = anchor_at or timezone.now()
    due = calendar.compute_due(kind=kind, amount=amount, anchor=anchor_at)
    subject_type = ContentType.objects.get_for_model(subject, for_concrete_model=False)
    existing = None if known_new else DueItem.objects.filter(
        subject_type=subject_type, subject_id=str(subject.pk), purpose=purpose, state=DueItem.State.OPEN
    ).first()
    values = {
        "due_at": due.due_at, "provisional": due.provisional, "anchor_at": anchor_at, "rule": deadline_rule,
        "title": title[:200], "deadline_kind": kind, "deadline_amount": amount,
    }
    if existing:
        for field, value in values.items():
            setattr(existing, field, value)
        existing.due_version = F("due_version") + 1
        existing.save(update_fields=[*values, "due_version"])
        existing.refresh_from_db(fields=["due_version"])
        return existing
    return DueItem.objects.create(subject_type=subject_type, subject_id=str(subject.pk), purpose=purpose, **values)


def move_due_item(*, subject, purpose: str, due_at) -> DueItem | None:
    """Move an open deadline to a given time (an approved extension): a new due-date version."""
    item = DueItem.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        subject_id=str(subject.pk), purpose=purpose, state=DueItem.State.OPEN,
    ).first()
    if item is None:
        return None
    item.due_at, item.provisional = due_at, not calendar.is_known_year(timezone.localtime(due_at).year)
    # An explicit date is no longer derived from a rule: a calendar edit must not move it back.
    item.deadline_kind, item.deadline_amount = "", None
    item.due_version = F("due_version") + 1
    item.save(update_fields=["due_at", "provisional", "deadline_kind", "deadline_amount", "due_version"])
    item.refresh_from_db(fields=["due_version"])
    _changed(item)
    return item


def close_due_items(*, subject, purpose: str | None = None, state: str = DueItem.State.DONE) -> int:
    items = DueItem.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        subject_id=str(subject.pk),
        state=DueItem.State.OPEN,
    )
    if purpose:
        items = items.filter(purpose=purpose)
    return items.update(state=state, closed_at=timezone.now())


def recompute_open() -> int:
    """Recompute open deadlines not yet past (and all provisional ones) after a calendar edit.

    A changed date starts a new due-date version, so reminders follow the new date and none repeat for the old.
    """
    changed = 0
    items = (
        DueItem.objects.filter(state=DueItem.State.OPEN, deadline_amount__isnull=False)
        .exclude(deadline_kind="")
        .filter(Q(provisional=True) | Q(due_at__gte=timezone.now()))
        .select_related("subject_type")
    )
    for item in items.iterator(chunk_size=2000):
        result = calendar.compute_due(kind=item.deadline_kind, amount=item.deadline_amount, anchor=item.anchor_at)
        if result.due_at != item.due_at or result.provisional != item.provisional:
            DueItem.objects.filter(pk=item.pk, state=DueItem.State.OPEN).update(
                due_at=result.due_at, provisional=result.provisional, due_version=F("due_version") + 1
            )
            item.due_at, item.provisional = result.due_at, result.provisional
            _changed(item)
            changed += 1
    return changed


def _changed(item: DueItem) -> None:
    for hook in DUE_CHANGED_HOOKS:
        hook(item)
