"""The one worklist: open and close work items inside the services' transactions; claim and release; read the
待办, the 待认领 and a case's current holders at a fixed number of queries.

A domain service that makes a step actionable calls :func:`open_item`; the service that does the step calls
:func:`close_items` for it (or :func:`cancel_items` when the case ends another way). Nothing else writes work items.
"""

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from . import audit, locks, roles
from .errors import PermissionDeniedError, StaleStateError
from .models import Delegation, DueItem, UnitMembership, WorkItem

audit.ACTION_LABELS.update({
    "work.claimed": gettext_lazy("认领"),
    "work.released": gettext_lazy("退回待认领"),
})


def _type(obj) -> ContentType:
    return ContentType.objects.get_for_model(obj, for_concrete_model=False)


def open_item(*, case, step: str, title: str, link: str, target=None, assignee=None, role: Group | str | None = None,
              unit=None, due_item: DueItem | None = None, case_label: str = "") -> WorkItem:
    """Put one step in a person's 待办 (``assignee``) or in a role's 待认领 (``role``, optionally inside ``unit``).

    Idempotent per (target, step, assignee): a step already open for the same holder is returned, its deadline
    link refreshed.
    """
    if isinstance(role, str):
        role = Group.objects.get_or_create(name=role)[0]
    target = target if target is not None else case
    target_type = _type(target)
    existing = WorkItem.objects.filter(
        target_type=target_type, target_id=str(target.pk), step=step, state=WorkItem.State.OPEN,
        assignee=assignee, role=role, unit=unit,
    ).first()
    if existing is not None:
        if due_item is not None and existing.due_item_id != due_item.pk:
            existing.due_item = due_item
            existing.save(update_fields=["due_item"])
        return existing
    return WorkItem.objects.create(
        case_type=_type(case), case_id=str(case.pk), target_type=target_type, target_id=str(target.pk), step=step,
        title=str(title)[:200], case_label=str(case_label or case)[:200], link=link, assignee=assignee, role=role,
        unit=unit, due_item=due_item,
    )


def _open_for(*, target, step: str | None, assignee=None) -> QuerySet:
    items = WorkItem.objects.filter(target_type=_type(target), target_id=str(target.pk), state=WorkItem.State.OPEN)
    if step is not None:
        items = items.filter(step=step)
    if assignee is not None:
        items = items.filter(assignee=assignee)
    return items


def close_items(*, target, step: str | None = None, actor=None, assignee=None) -> int:
    """The step is done: its open items (all holders', or one ``assignee``'s) leave every list."""
    return _open_for(target=target, step=step, assignee=assignee).update(
        state=WorkItem.State.DONE, closed_at=timezone.now(), closed_by=actor if actor is not None else None,
    )


def cancel_items(*, target=None, case=None, step: str | None = None) -> int:
    """The step is no longer needed (withdrawn, decided another way): its open items leave every list."""
    if case is not None:
        items = WorkItem.objects.filter(case_type=_type(case), case_id=str(case.pk), state=WorkItem.State.OPEN)
        if step is not None:
            items = items.filter(step=step)
    else:
        items = _open_for(target=target, step=step)
    return items.update(state=WorkItem.State.CANCELED, closed_at=timezone.now())


# --- claiming -----------------------------------------------------------------------------------------------------


def may_claim(user, item: WorkItem) -> bool:
    """Whether ``user`` holds the item's role (inside its unit when set); the guard of the 认领 button too."""
    if item.state != WorkItem.State.OPEN or item.assignee_id or item.claimed_by_id or not user.is_active:
        return False
    if item.role_id and not user.groups.filter(pk=item.role_id).exists():
        return False
    if item.unit_id and not UnitMembership.objects.filter(user=user, unit_id=item.unit_id).exists():
        return False
    return True


@transaction.atomic(durable=True)
def claim(*, actor, item: WorkItem) -> WorkItem:
    """认领: the item moves from the role's 待认领 to the actor's 待办; a colleague who claimed first wins."""
    item = locks.work_item(item.pk)
    if item.state != WorkItem.State.OPEN or item.claimed_by_id or item.assignee_id:
        raise StaleStateError("stale_state")
    if not may_claim(actor, item):
        raise PermissionDeniedError("permission_denied")
    item.claimed_by = actor
    item.save(update_fields=["claimed_by"])
    audit.record(subject=item.case, actor=actor, action="work.claimed", comment=item.title)
    return item


@transaction.atomic(durable=True)
def release(*, actor, item: WorkItem) -> WorkItem:
    """Give a claimed item back to the role's 待认领."""
    item = locks.work_item(item.pk)
    if item.state != WorkItem.State.OPEN or item.claimed_by_id != actor.pk:
        raise StaleStateError("stale_state")
    item.claimed_by = None
    item.save(update_fields=["claimed_by"])
    audit.record(subject=item.case, actor=actor, action="work.released", comment=item.title)
    return item


# --- reads --------------------------------------------------------------------------------------------------------


def _with_due(items: QuerySet) -> QuerySet:
    return items.select_related("due_item", "assignee", "claimed_by", "role", "unit", "case_type").order_by(
        F("due_item__due_at").asc(nulls_last=True), "pk")


def _principal_ids(user, day=None) -> list[int]:
    day = day or timezone.localdate()
    return list(Delegation.objects.filter(delegate=user, starts_on__lte=day, ends_on__gte=day)
                .values_list("principal_id", flat=True))


def inbox(user, *, step: str = "", case_type: ContentType | None = None, overdue: bool = False) -> QuerySet:
    """待办: items held by the user, by those who delegated to them today, or claimed by the user."""
    items = WorkItem.objects.filter(
        Q(assignee_id__in=[user.pk, *_principal_ids(user)]) | Q(claimed_by=user), state=WorkItem.State.OPEN)
    return _filtered(items, step=step, case_type=case_type, overdue=overdue)


def queue(user, *, step: str = "", case_type: ContentType | None = None, overdue: bool = False) -> QuerySet:
    """待认领: unclaimed items of the user's roles, inside the user's units where the item names one."""
    group_ids = list(user.groups.values_list("pk", flat=True))
    unit_ids = list(UnitMembership.objects.filter(user=user).values_list("unit_id", flat=True))
    holder = Q(role_id__in=group_ids, unit__isnull=True) | Q(role_id__in=group_ids, unit_id__in=unit_ids) | Q(
        role__isnull=True, unit_id__in=unit_ids)
    items = WorkItem.objects.filter(holder, state=WorkItem.State.OPEN, assignee__isnull=True,
                                    claimed_by__isnull=True)
    return _filtered(items, step=step, case_type=case_type, overdue=overdue)


def _filtered(items: QuerySet, *, step: str, case_type, overdue: bool) -> QuerySet:
    if step:
        items = items.filter(step=step)
    if case_type is not None:
        items = items.filter(case_type=case_type)
    if overdue:
        items = items.filter(due_item__due_at__lt=timezone.now())
    return _with_due(items)


def counts(user) -> dict[str, int]:
    """The 工作台's figures: exactly the sizes of the 待办 and 待认领 lists."""
    return {"inbox": inbox(user).count(), "queue": queue(user).count()}


@dataclass(frozen=True)
class Holding:
    """Who holds a case's open step and by when, as every case page and "my cases" row shows it."""

    item: WorkItem
    holder: str
    due_at: object
    due_label: str
    provisional: bool
    level: str


def holder_label(item: WorkItem) -> str:
    person = item.claimed_by or item.assignee
    if person is not None:
        return person.get_full_name() or person.get_username()
    parts = [str(item.unit) if item.unit_id else "", roles.label(item.role.name) if item.role_id else ""]
    return "·".join(part for part in parts if part)


def holdings(items) -> list[Holding]:
    """Rows for already loaded open items (``case_items`` or a list page's prefetch)."""
    result = []
    for item in items:
        due_item = item.due_item
        result.append(Holding(
            item=item, holder=holder_label(item), due_at=due_item.due_at if due_item else None,
            due_label=due_item.title if due_item else "", provisional=bool(due_item and due_item.provisional),
            level=due_item.level if due_item else "",
        ))
    return result


def case_items(case) -> QuerySet:
    """The open items of one case, soonest deadline first (one query)."""
    return _with_due(WorkItem.objects.filter(case_type=_type(case), case_id=str(case.pk), state=WorkItem.State.OPEN))


def case_holdings(case) -> list[Holding]:
    return holdings(case_items(case))


def open_by_case(case_model: type[models.Model], case_ids) -> dict[str, list[Holding]]:
    """Open items of many cases of one model in one query: a list page's "办理人 / 期限" column."""
    case_type = ContentType.objects.get_for_model(case_model, for_concrete_model=False)
    by_case: dict[str, list[Holding]] = {}
    items = _with_due(WorkItem.objects.filter(case_type=case_type, case_id__in=[str(i) for i in case_ids],
                                              state=WorkItem.State.OPEN))
    for holding in holdings(items):
        by_case.setdefault(holding.item.case_id, []).append(holding)
    return by_case
