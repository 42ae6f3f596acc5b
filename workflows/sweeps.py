"""The due-item sweep: find what is due in the database, do it once, record that it was done.

Beat only triggers :func:`sweep`; the database says what is due. A sweep claims open items whose next step has
come (or whose due-date version is new) with ``SELECT … FOR UPDATE SKIP LOCKED`` in batches, so two beats or two
workers split the work instead of doubling it. In one transaction per batch it writes, per step, the
``DueAction`` (unique per due item, version, kind and level) and the timeline row, and the notifications with their
outbox rows, then moves the items' ``next_action_at`` on. The batch is done set-wise: its items are resolved
together, and each kind of row is one INSERT, so a batch costs the same number of statements whatever its size.
Whoever has several items fall due in one batch gets ONE message listing them (``reminders.batch_messages``),
while each item keeps its own timeline row and marker. A worker killed mid-batch loses the open transaction
only: the next sweep claims those rows again (RELIABILITY §c: recovery from the database, not the broker).

Automatic actions run after the batch, each in its own transaction that takes the case's locks first, like any
service (``locks.run_with_case`` for a chain task): a sweep never holds a due-item lock while it waits for a case
lock, so it cannot deadlock with a user. The claiming query locks the due-item rows only (``of=("self",)``).
"""

import logging
import time as clock
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications.services import notify_many

from . import audit, audit_alerts, reminders, subjects
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
    messages: int = 0  # messages to people: one per person and batch, however many of their items fired

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
    _security_alerts()
    while True:
        with subjects.shared_lookups():
            claimed, actions = _sweep_batch(batch_size=batch_size, result=result)
        for item_id, version, step in actions:
            _run_action(item_id=item_id, version=version, step=step, result=result)
        if claimed < batch_size or clock.monotonic() - started >= budget:
            return result


def _security_alerts() -> None:
    """Bursts of refused requests or failed logins (workflows.audit_alerts); a failure there never stops a sweep."""
    try:
        audit_alerts.check()
    except Exception:
        logger.exception("The security alert check failed; the sweep goes on.")


def _sweep_batch(*, batch_size: int, result: SweepResult):
    """Claim a batch and fire its steps in a number of statements that does not grow with the batch.

    Per batch: the claim, the done steps, the subjects and the unit memberships (``subjects.resolve_many``), one
    INSERT each of the notifications and their deliveries (one message per person, ``reminders.batch_messages``),
    of the timeline rows (``audit.record_many``) and of the ``DueAction`` markers, and one UPDATE of the items.
    """
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
        done = defaultdict(set)
        for item_id, version, *key in DueAction.objects.filter(due_item__in=items).values_list(
            "due_item_id", "due_version", "kind", "level", "offset_days"
        ):
            done[(item_id, version)].add(tuple(key))
        plans = []
        for item in items:
            try:
                action, todo, resolve = _plan_item(item, now=now, done=done[(item.pk, item.due_version)])
            except Exception:  # one broken subject must not hold up the batch
                _failed(item, now=now, result=result)
                continue
            if action is not None:
                actions.append((item.pk, item.due_version, action))
            elif resolve:
                plans.append((item, todo))
        resolutions = _resolve([item for item, _todo in plans])
        firings = []
        for item, todo in plans:
            resolution = resolutions[item.pk]
            try:
                if isinstance(resolution, Exception):
                    raise resolution
                item_firings = [
                    reminders.Firing(item=item, step=step, resolution=resolution,
                                     recipients=reminders.recipients_for(step, resolution))
                    for step in todo
                ]
                for firing in item_firings:  # worded here, so that an item whose text fails fails alone
                    firing.title, firing.body = reminders.message(step=firing.step, item=item,
                                                                  resolution=resolution, now=now)
            except Exception:
                _failed(item, now=now, result=result)
                continue
            firings += item_firings
            item.unit, item.board = resolution.unit, resolution.board
        # Written once per batch, in the batch's transaction: all of it, or none of it.
        result.messages += len(notify_many(reminders.batch_messages(firings, now=now)))
        audit.record_many(_timeline_row(firing) for firing in firings)
        DueAction.objects.bulk_create([
            DueAction(due_item=firing.item, due_version=firing.item.due_version, kind=firing.step.kind,
                      level=firing.step.level, offset_days=firing.step.offset_days, scheduled_at=firing.step.at,
                      done_at=now, recipients=len(firing.recipients))
            for firing in firings
        ])
        result.fired.update((firing.step.kind, firing.step.level) for firing in firings)
        _save_plans(items)
        result.items += len(items)
    return len(items), actions


PLAN_FIELDS = ["level", "next_action_at", "planned_version", "unit", "board"]


def _save_plans(items: list[DueItem]) -> None:
    """Write the items' new level, next look, planned version, unit and board: one UPDATE.

    On PostgreSQL from arrays (``UPDATE … FROM unnest(…)``): ``bulk_update``'s CASE per field and row costs more to
    build than the rest of the batch together.
    """
    if connection.vendor != "postgresql":
        DueItem.objects.bulk_update(items, PLAN_FIELDS)
        return
    table = DueItem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS d SET level = v.level, next_action_at = v.next_action_at, "  # nosec B608  # the model's own table; values are parameters
            "planned_version = v.planned_version, unit_id = v.unit_id, board = v.board "
            "FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::bigint[], %s::bigint[], %s::text[]) "
            "AS v(id, level, next_action_at, planned_version, unit_id, board) WHERE d.id = v.id",
            [[item.pk for item in items], [item.level for item in items], [item.next_action_at for item in items],
             [item.planned_version for item in items], [item.unit_id for item in items],
             [item.board for item in items]],
        )


def _failed(item: DueItem, *, now, result: SweepResult) -> None:
    logger.exception("Due item %s could not be swept; retrying in %s", item.pk, RETRY_AFTER)
    item.next_action_at, item.planned_version = now + RETRY_AFTER, item.due_version
    result.errors += 1


class _DatabaseFailed(Exception):
    """A resolver's query failed inside the batch's savepoint: resolve again item by item."""


def _resolve(items: list[DueItem]) -> dict:
    """Resolve the batch at once; should a resolver's query fail (which aborts the transaction), roll back to the
    savepoint and resolve item by item, each in a savepoint of its own, so that the broken item alone fails."""
    if not items:
        return {}
    try:
        with transaction.atomic():
            resolved = subjects.resolve_many(items)
            if any(isinstance(value, DatabaseError) for value in resolved.values()):
                raise _DatabaseFailed
            return resolved
    except _DatabaseFailed:
        logger.warning("A resolver's query failed in a batch of %s due items: resolving them one by one", len(items))
    resolved = {}
    for item in items:
        try:
            with transaction.atomic():
                resolved[item.pk] = subjects.resolve(item)
        except Exception as error:  # noqa: BLE001 - reported by the caller, per item
            resolved[item.pk] = error
    return resolved


def _timeline_row(firing: reminders.Firing) -> dict:
    resolution, item, step = firing.resolution, firing.item, firing.step
    return {
        "subject": resolution.timeline_subject or item.subject,
        "action": AUDIT_ACTIONS[step.level],
        "comment": reminders.timeline_note(resolution=resolution, recipients=firing.recipients),
        # Which item and step this row records, and the messages that told people of it (a combined message
        # lists several items; its key is a hash).
        "changes": {"due_item": item.pk, "due_version": item.due_version, "step": list(step.key),
                    "messages": sorted(firing.keys)},
    }


def _plan_item(item: DueItem, *, now, done: set):
    """Work out the item's due steps and set its next look (no queries: its subject is loaded).

    Returns its automatic action if one is due (then nothing else is done for it now), the steps to fire, and
    whether the item needs resolving (steps to fire, or a new due-date version whose unit and board to record).
    """
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
        return action, [], False
    return None, todo, registered and bool(todo or replanned)


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
