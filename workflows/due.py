"""Due items: the deadlines of stage tasks and assignment windows, computed on the working-day calendar.

``workflows`` owns stage deadlines; the reminder and escalation sweeps read these rows.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q
from django.utils import timezone

from . import calendar
from .models import DeadlineRule, DueItem


def rule(code: str) -> DeadlineRule:
    return DeadlineRule.objects.get(code=code)


def open_due_item(*, subject, purpose: str, title: str, rule_code: str, anchor_at=None) -> DueItem:
    """Start watching a deadline for ``subject``; an open item for the same purpose is replaced (new version)."""
    deadline_rule = rule(rule_code)
    anchor_at = anchor_at or timezone.now()
    due = calendar.compute_due(kind=deadline_rule.kind, amount=deadline_rule.amount, anchor=anchor_at)
    subject_type = ContentType.objects.get_for_model(subject, for_concrete_model=False)
    existing = DueItem.objects.filter(
        subject_type=subject_type, subject_id=str(subject.pk), purpose=purpose, state=DueItem.State.OPEN
    ).first()
    if existing:
        existing.due_at, existing.provisional, existing.anchor_at = due.due_at, due.provisional, anchor_at
        existing.due_version = F("due_version") + 1
        existing.rule, existing.title = deadline_rule, title
        existing.save(update_fields=["due_at", "provisional", "anchor_at", "due_version", "rule", "title"])
        existing.refresh_from_db(fields=["due_version"])
        return existing
    return DueItem.objects.create(
        subject_type=subject_type,
        subject_id=str(subject.pk),
        purpose=purpose,
        title=title[:200],
        rule=deadline_rule,
        anchor_at=anchor_at,
        due_at=due.due_at,
        provisional=due.provisional,
    )


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
        DueItem.objects.filter(state=DueItem.State.OPEN, rule__isnull=False)
        .filter(Q(provisional=True) | Q(due_at__gte=timezone.now()))
        .select_related("rule")
    )
    for item in items.iterator(chunk_size=2000):
        result = calendar.compute_due(kind=item.rule.kind, amount=item.rule.amount, anchor=item.anchor_at)
        if result.due_at != item.due_at or result.provisional != item.provisional:
            DueItem.objects.filter(pk=item.pk, state=DueItem.State.OPEN).update(
                due_at=result.due_at, provisional=result.provisional, due_version=F("due_version") + 1
            )
            changed += 1
    return changed
