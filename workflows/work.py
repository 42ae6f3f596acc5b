"""The one worklist: open and close work items inside the services' transactions; claim and release; read the
待办, the 待认领 and a case's current holders at a fixed number of queries.

A domain service that makes a step actionable calls :func:`open_item`; the service that does the step calls
:func:`close_items` for it (or :func:`cancel_items` when the case ends another way). Nothing else writes work items.
"""

import re
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import F, Min, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit, locks, roles
from .errors import PermissionDeniedError, StaleStateError
from .models import Delegation, DueItem, UnitMembership, WorkItem

audit.ACTION_LABELS.update({
    "work.claimed": gettext_lazy("认领"),
    "work.released": gettext_lazy("退回待认领"),
    "work.handed_over": gettext_lazy("工作交接"),
})


def _type(obj) -> ContentType:
    return ContentType.objects.get_for_model(obj, for_concrete_model=False)


def open_item(*, case, step: str, title: str, link: str, target=None, assignee=None, role: Group | str | None = None,
              unit=None, due_item: DueItem | None = None, case_label: str = "", known_new: bool = False) -> WorkItem:
    """Put one step in a person's 待办 (``assignee``) or in a role's 待认领 (``role``, optionally inside ``unit``).

    Idempotent per (target, step, assignee): a step already open for the same holder is returned, its deadline
    link refreshed. ``known_new``: the caller knows none is open (a task opening), so none is looked for.
    """
    if isinstance(role, str):
        role = Group.objects.get_or_create(name=role)[0]
    if assignee is not None and (role is not None or unit is not None):
        raise ValueError("A work item is either a person's or offered to a role or unit, not both.")
    target = target if target is not None else case
    target_type = _type(target)
    # An item offered to a role is the same item once someone has claimed it (its assignee is then the claimant).
    holder = {"assignee": assignee} if assignee is not None else {"role": role, "unit": unit}
    existing = None if known_new else WorkItem.objects.filter(
        target_type=target_type, target_id=str(target.pk), step=step, state=WorkItem.State.OPEN, **holder,
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


# --- who holds what ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """What puts items in a user's lists: the principals who delegated to them today, their role groups and units.

    Read in one query (:func:`holder_of`); a request reads it once and passes it to every list and count.
    """

    user_id: int
    principals: tuple[int, ...] = ()
    groups: tuple[int, ...] = ()
    group_names: frozenset[str] = frozenset()
    units: tuple[int, ...] = ()
    # the kinds of those units (``Unit.Kind``): the navigation offers 承办待办 only to a 承办单位's members
    unit_kinds: frozenset[str] = frozenset()

    @property
    def may_have_queue(self) -> bool:
        return bool(self.groups or self.units)


_DELEGATED, _GROUP, _UNIT = 1, 2, 3


def holder_of(user, day=None) -> Holder:
    day = day or timezone.localdate()
    text = models.CharField()
    delegated = Delegation.objects.filter(delegate_id=user.pk, starts_on__lte=day, ends_on__gte=day).annotate(
        kind=Value(_DELEGATED), name=Value("", output_field=text)).values_list("kind", "principal_id", "name")
    grouped = get_user_model().groups.through.objects.filter(user_id=user.pk).annotate(
        kind=Value(_GROUP), name=F("group__name")).values_list("kind", "group_id", "name")
    placed = UnitMembership.objects.filter(user_id=user.pk).annotate(
        kind=Value(_UNIT), name=F("unit__kind")).values_list("kind", "unit_id", "name")
    rows = list(delegated.union(grouped, placed, all=True))
    return Holder(
        user_id=user.pk,
        principals=tuple(pk for kind, pk, _name in rows if kind == _DELEGATED),
        groups=tuple(pk for kind, pk, _name in rows if kind == _GROUP),
        group_names=frozenset(name for kind, _pk, name in rows if kind == _GROUP),
        units=tuple(pk for kind, pk, _name in rows if kind == _UNIT),
        unit_kinds=frozenset(name for kind, _pk, name in rows if kind == _UNIT),
    )


def _holds_role(holder: Holder, item: WorkItem) -> bool:
    if item.role_id and item.role_id not in holder.groups:
        return False
    if item.unit_id and item.unit_id not in holder.units:
        return False
    return bool(item.role_id or item.unit_id)


def may_see(user, item: WorkItem, *, holder: Holder | None = None) -> bool:
    """Whether the item is, or was while open, in one of the user's lists (the claim and release pages' scope)."""
    holder = holder or holder_of(user)
    if item.assignee_id in (user.pk, *holder.principals):
        return True
    return _holds_role(holder, item)


# --- claiming -----------------------------------------------------------------------------------------------------


def may_claim(user, item: WorkItem, *, holder: Holder | None = None) -> bool:
    """Whether ``user`` holds the item's role (inside its unit when set); the guard of the 认领 button too."""
    if item.state != WorkItem.State.OPEN or item.assignee_id or not user.is_active:
        return False
    return _holds_role(holder or holder_of(user), item)


@transaction.atomic(durable=True)
def claim(*, actor, item: WorkItem) -> WorkItem:
    """认领: the item moves from the role's 待认领 to the actor's 待办; a colleague who claimed first wins."""
    item = locks.work_item(item.pk)
    if item.state != WorkItem.State.OPEN or item.assignee_id:
        raise StaleStateError("stale_state")
    if not may_claim(actor, item):
        raise PermissionDeniedError("permission_denied")
    item.assignee = actor
    item.save(update_fields=["assignee"])
    audit.record(subject=item.case, actor=actor, action="work.claimed", comment=item.title)
    return item


@transaction.atomic(durable=True)
def release(*, actor, item: WorkItem) -> WorkItem:
    """Give a claimed item back to the role's 待认领."""
    item = locks.work_item(item.pk)
    if item.state != WorkItem.State.OPEN or not item.claimed or item.assignee_id != actor.pk:
        raise StaleStateError("stale_state")
    item.assignee = None
    item.save(update_fields=["assignee"])
    audit.record(subject=item.case, actor=actor, action="work.released", comment=item.title)
    return item


def hand_over_claimed(*, actor, departing, successor) -> int:
    """工作交接: the steps the departing person claimed from a role's or unit's 待认领 go to the successor's 待办 (who
    takes over those roles and units), each recorded on its case's timeline; returns how many."""
    items = locks.children(WorkItem.objects.filter(assignee=departing, state=WorkItem.State.OPEN).exclude(
        role__isnull=True, unit__isnull=True))
    if not items:
        return 0
    WorkItem.objects.filter(pk__in=[item.pk for item in items]).update(assignee=successor)
    changes = {"from": departing.get_username(), "to": successor.get_username()}
    audit.record_many({"subject": item.case, "actor": actor, "action": "work.handed_over", "comment": item.title,
                       "changes": changes} for item in items)
    return len(items)


# --- reads --------------------------------------------------------------------------------------------------------


def _with_due(items: QuerySet) -> QuerySet:
    # Soonest deadline first, so the overdue items lead; items without a deadline last.
    return items.select_related("due_item", "assignee", "role", "unit", "case_type").order_by(
        F("due_item__due_at").asc(nulls_last=True), "pk")


def inbox(user, *, step: str = "", case_type: ContentType | None = None, app: str = "", overdue: bool = False,
          holder: Holder | None = None) -> QuerySet:
    """待办: items held by the user (assigned or claimed) or by those who delegated to them today."""
    holder = holder or holder_of(user)
    # The principals are resolved first, as literals: a subquery would keep PostgreSQL off the partial index.
    items = WorkItem.objects.filter(assignee_id__in=[user.pk, *holder.principals], state=WorkItem.State.OPEN)
    return _filtered(items, step=step, case_type=case_type, app=app, overdue=overdue)


def queue(user, *, step: str = "", case_type: ContentType | None = None, app: str = "", overdue: bool = False,
          holder: Holder | None = None) -> QuerySet:
    """待认领: unclaimed items of the user's roles, inside the user's units where the item names one."""
    holder = holder or holder_of(user)
    if not holder.may_have_queue:
        return _with_due(WorkItem.objects.none())
    groups, units = list(holder.groups), list(holder.units)
    held = Q(role_id__in=groups, unit__isnull=True) | Q(role__isnull=True, unit_id__in=units)
    if groups and units:
        held |= Q(role_id__in=groups, unit_id__in=units)
    items = WorkItem.objects.filter(held, state=WorkItem.State.OPEN, assignee__isnull=True)
    return _filtered(items, step=step, case_type=case_type, app=app, overdue=overdue)


def _filtered(items: QuerySet, *, step: str, case_type, app: str, overdue: bool) -> QuerySet:
    if step:
        # A prefix selects a family of steps (e.g. "proposals.assignment" for a unit's 承办待办, "stage:review" for
        # every stage of one chain).
        items = items.filter(Q(step=step) | Q(step__startswith=step + ".") | Q(step__startswith=step + ":"))
    if case_type is not None:
        items = items.filter(case_type=case_type)
    if app:
        items = items.filter(case_type__app_label=app)
    if overdue:
        items = items.filter(due_item__due_at__lt=timezone.now())
    return _with_due(items)


def counts(user, *, holder: Holder | None = None) -> dict[str, int]:
    """The 工作台's figures: exactly the sizes of the 待办 and 待认领 lists (one query each)."""
    holder = holder or holder_of(user)
    return {"inbox": inbox(user, holder=holder).count(), "queue": queue(user, holder=holder).count()}


# --- step labels --------------------------------------------------------------------------------------------------

# Step-code prefix -> what people call that part of the process ("proposals.assignment" -> 承办). Each app registers
# its own (``register_steps``); a chain stage ("stage:<slot>:<stage>") is named by its chain.
STEP_LABELS: dict[str, str] = {}


def register_steps(labels: dict[str, str]) -> None:
    """Name an app's step families; a prefix registered twice with another label fails at start-up."""
    clashes = sorted(prefix for prefix, label in labels.items()
                     if prefix in STEP_LABELS and str(STEP_LABELS[prefix]) != str(label))
    if clashes:
        raise ImproperlyConfigured(f"Step labels registered twice: {clashes}")
    STEP_LABELS.update(labels)


def _prefixes(step: str):
    """"a.b.c" -> "a.b.c", "a.b", "a"; "stage:slot:key" -> "stage:slot:key", "stage:slot", "stage"."""
    parts = re.split(r"([.:])", step)
    for end in range(len(parts), 0, -2):
        yield "".join(parts[:end])


def step_family(step: str) -> str:
    """The registered family a step belongs to (its longest registered prefix), or the chain of a stage step."""
    for prefix in _prefixes(step):
        if prefix in STEP_LABELS:
            return prefix
    if step.startswith("stage:"):
        return ":".join(step.split(":")[:2])
    return step


def step_label(step: str, *, app: str = "") -> str:
    """What the step is part of, in words: the registered label, the chain's name, else the app's name."""
    family = step_family(step)
    if family in STEP_LABELS:
        return str(STEP_LABELS[family])
    if family.startswith("stage:"):
        from .chains import SLOTS

        spec = SLOTS.get(family.split(":", 1)[1])
        if spec is not None:
            return str(spec.name)
    return _app_label(app) if app else ""


def filter_choices(items: QuerySet) -> dict[str, list[tuple[str, str]]]:
    """The 类型 and 步骤 choices of a list, from the user's own items (one query).

    A step family nobody has named is offered as "<app> · <its item's title>", so two such steps never read alike.
    """
    # The kinds are read from 待办's index alone (it includes case type and step); only a family nobody has named
    # costs a second query, for its items' title.
    kinds = list(items.order_by().values_list("case_type_id", "step").distinct())
    apps_of = {type_id: ContentType.objects.get_for_id(type_id).app_label for type_id in {t for t, _step in kinds}}
    unnamed = {step for _type_id, step in kinds
               if step_family(step) not in STEP_LABELS and not step_family(step).startswith("stage:")}
    titles = {}
    if unnamed:
        titles = dict(items.order_by().filter(step__in=unnamed).values_list("step").annotate(title=Min("title")))
    types, steps = {}, {}
    for type_id, step in sorted(kinds, key=lambda kind: (apps_of[kind[0]], kind[1])):
        app = apps_of[type_id]
        types.setdefault(app, _app_label(app))
        family = step_family(step)
        label = step_label(step, app=app) if step not in unnamed else _("%(process)s · %(step)s") % {
            "process": _app_label(app), "step": titles.get(step, step)}
        steps.setdefault(family, label)
    return {"types": sorted(types.items()), "steps": sorted(steps.items(), key=lambda kv: (kv[1], kv[0]))}


def _app_label(app: str) -> str:
    try:
        return str(apps.get_app_config(app).verbose_name)
    except LookupError:
        return app


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
    person = item.assignee
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
