"""The due-item sweep: find what is due in the database, do it once, record that it was done.

Beat only triggers :func:`sweep`; the database says what is due. A sweep claims open items whose next step has
come (or whose due-date version is new) with ``SELECT … FOR UPDATE SKIP LOCKED`` in batches, so two beats or two
workers split the work instead of doubling it. In one transaction per batch it writes, per step, the
``DueAction`` (unique per due item, version, kind and level), the notifications with their outbox rows and the
timeline row, then moves the item's ``next_action_at`` on. A worker killed mid-batch loses the open transaction
only: the next sweep claims those rows again (RELIABILITY §c: recovery from the database, not the broker).

Automatic actions run after the batch, each in its own transaction that takes the case's locks first, like any
service (``locks.run_with_case`` for a chain task): a sweep never holds a due-item lock while it waits for a case
lock, so it cannot deadlock with a user. The claiming query locks the due-item rows only (``of=("self",)``).
"""

import logging
import time as clock
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications.services import notify

from . import audit, reminders, subjects
from .errors import StaleStateError
from .models import DueAction, DueItem

logger = logging.getLogger(__name__)

# A step that raised is tried again after this (a broken resolver must not spin every minute).
RETRY_AFTER = timedelta(minutes=5)
AUDIT_ACTIONS = {
    DueItem.Level.BLUE: "due.reminded",
    DueItem.Level.YELLOW: "due.escalated_yellow",
    DueItem.Level.RED: "due.escalated_red",
}


@dataclass
class SweepResult:
    items: int = 0
    fired: Counter = field(default_factory=Counter)  # (kind, level) -> count
    errors: int = 0

    @property
    def total_fired(self) -> int:
        return sum(self.fired.values())


def claimable(now):
    """Open items whose next step has come, or whose due-date version has not been planned yet."""
    return DueItem.objects.filter(state=DueItem.State.OPEN).filter(
        Q(next_action_at__lte=now) | ~Q(planned_version=F("due_version"))
    )


def sweep(*, batch_size: int | None = None, budget_seconds: float | None = None) -> SweepResult:
    """Sweep batches until nothing is due or the time budget is spent (the next beat goes on from there)."""
    batch_size = batch_size or settings.TONGXIN_SWEEP_BATCH
    budget = settings.TONGXIN_SWEEP_BUDGET if budget_seconds is None else budget_seconds
    started = clock.monotonic()
    result = SweepResult()
    while True:
        with subjects.shared_lookups():
            claimed, actions = _sweep_batch(batch_size=batch_size, result=result)
        for item_id, version, step in actions:
            _run_action(item_id=item_id, version=version, step=step, result=result)
        if claimed < batch_size or clock.monotonic() - started >= budget:
            return result


def _sweep_batch(*, batch_size: int, result: SweepResult):
    now = timezone.now()
    actions = []
    with transaction.atomic():
        items = list(
            claimable(now)
            # Only the due items are locked (``of``): never the content types joined in, which every user's action
            # reads too.
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("subject_type")
            .order_by(F("next_action_at").asc(nulls_first=True), "pk")[:batch_size]
        )
        if not items:
            return 0, actions
        subjects.load_subjects(items)
        done = set(
            DueAction.objects.filter(due_item__in=items).values_list(
                "due_item_id", "due_version", "kind", "level", "offset_days"
            )
        )
        records, swept = [], []
        for item in items:
            item_done = {key[2:] for key in done if key[:2] == (item.pk, item.due_version)}
            try:
                with transaction.atomic():
                    action, item_records = _sweep_item(item, now=now, done=item_done)
            except Exception:  # one broken subject must not hold up the batch
                logger.exception("Due item %s could not be swept; retrying in %s", item.pk, RETRY_AFTER)
                item.next_action_at, item.planned_version = now + RETRY_AFTER, item.due_version
                result.errors += 1
            else:
                records += item_records
                result.fired.update((record.kind, record.level) for record in item_records)
                if action is not None:
                    actions.append((item.pk, item.due_version, action))
            swept.append(item)
        # Written once per batch, in the batch's transaction: with the notifications, or not at all.
        DueAction.objects.bulk_create(records)
        DueItem.objects.bulk_update(swept, ["level", "next_action_at", "planned_version", "unit", "board"])
        result.items += len(items)
    return len(items), actions


def _sweep_item(item: DueItem, *, now, done: set):
    """Fire the item's due steps and set its next look; return its automatic action if due, and the records."""
    policy = reminders.policy_for(item)
    steps = reminders.schedule(due_at=item.due_at, policy=policy)
    # An item of a subject type nobody registered concerns nobody yet: it shows its colour, and tells no one.
    registered = subjects.subject_type(item) is not None
    todo = reminders.steps_due(steps=steps, done=done, now=now, anchor_at=item.anchor_at) if registered else []
    replanned = item.planned_version != item.due_version
    item.level, item.next_action_at = reminders.level_at(steps, now), reminders.next_at(steps, now)
    item.planned_version = item.due_version
    action = next((step for step in todo if step.kind == DueAction.Kind.ACTION), None)
    if action is not None:
        # The action goes first: if it settles the item (co-signing closes), nobody is told it is late.
        # Until it is recorded the item stays due, so a crash before it runs leaves it to the next sweep.
        item.next_action_at = now
        return action, []
    records = []
    resolution = subjects.resolve(item) if registered and (todo or replanned) else None
    for step in todo:
        recipients = reminders.recipients_for(step, resolution)
        title, body = reminders.message(step=step, item=item, resolution=resolution, now=now)
        notify(recipients=recipients, key=reminders.step_key(item, step), title=title, body=body,
               link=resolution.link, audiences=reminders.audiences(resolution))
        audit.record(subject=resolution.timeline_subject or item.subject, action=AUDIT_ACTIONS[step.level],
                     comment=reminders.timeline_note(resolution=resolution, recipients=recipients))
        records.append(DueAction(due_item=item, due_version=item.due_version, kind=step.kind, level=step.level,
                                 offset_days=step.offset_days, scheduled_at=step.at, done_at=now,
                                 recipients=len(recipients)))
    if resolution is not None:
        item.unit, item.board = resolution.unit, resolution.board
    return None, records


def _run_action(*, item_id: int, version: int, step: reminders.Step, result: SweepResult) -> None:
    """Run one automatic action and record it, together or not at all.

    A second sweeper doing the same meets the unique ``DueAction`` and rolls its attempt back; the services
    behind actions re-check the case's state under their own lock, so the loser changes nothing.
    """
    try:
        with transaction.atomic():
            item = DueItem.objects.select_related("subject_type").filter(pk=item_id).first()
            if item is None or item.state != DueItem.State.OPEN or item.due_version != version:
                return
            resolution = subjects.resolve(item)
            note = resolution.action() if resolution.action is not None else ""
            DueAction.objects.create(due_item=item, due_version=version, kind=step.kind, level=step.level,
                                     offset_days=step.offset_days, scheduled_at=step.at)
            audit.record(subject=resolution.timeline_subject or item.subject, action="due.auto_action",
                         comment=f"{resolution.stage}：{note}" if note else resolution.stage)
            result.fired[(step.kind, step.level)] += 1
    except IntegrityError:
        logger.info("Automatic action of due item %s v%s was done by another sweeper", item_id, version)
    except StaleStateError:
        # The holder acted first and closed the item in that transaction; should it still be open, look again later.
        logger.info("Automatic action of due item %s v%s: the case moved on first", item_id, version)
        DueItem.objects.filter(pk=item_id, due_version=version, state=DueItem.State.OPEN).update(
            next_action_at=timezone.now() + RETRY_AFTER)
    except Exception:
        logger.exception("Automatic action of due item %s failed; retrying in %s", item_id, RETRY_AFTER)
        DueItem.objects.filter(pk=item_id, due_version=version).update(next_action_at=timezone.now() + RETRY_AFTER)
        result.errors += 1
