"""Who a due item concerns: each domain app registers, per subject model, how to read that off its own objects.

The engine knows due items and escalation levels, not proposals or nominations (workflows never imports them):
``proposals`` registers its Proposal and Assignment here from its ``apps.ready()``, nomination its own models.
"""

from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Model, Q, QuerySet, prefetch_related_objects

from .models import DueItem, Unit, UnitMembership


@dataclass(frozen=True)
class Policy:
    """When a due item is reminded and escalated, in working days (DOMAIN §2.7, §6).

    ``reminder_offsets``: 蓝 reminders, working days before the due date (0: on the day itself).
    ``yellow_after_days`` / ``red_after_days``: 黄 and 红 begin at the start of that working day after the due
    date (0: as soon as it is overdue). ``action_level``: the level at which the subject's automatic action
    runs ("" for none).
    """

    reminder_offsets: tuple[int, ...]
    yellow_after_days: int
    red_after_days: int
    action_level: str = ""


@dataclass
class Resolution:
    """What the sweep needs to tell people about one due item, read off its subject when it acts."""

    holders: Sequence  # users who must do the work (蓝, 黄, 催办)
    case_label: str  # case number and title
    stage: str  # what is due, e.g. 办理答复
    link: str = ""
    leaders: Sequence = ()  # 黄: the unit's (or department's) 分管领导
    supervisors: Sequence = ()  # 红: 督查室, or the department head
    unit: Unit | None = None  # the unit answerable, for the 督查室 board and its group robot
    timeline_subject: Model | None = None  # the case whose timeline shows reminders and escalations
    board: str = ""  # whose 督办看板 lists the item (see :func:`register_board`)
    # The automatic action of the stage, run once at ``Policy.action_level``; returns a note for the timeline.
    action: Callable[[], str] | None = None


@dataclass(frozen=True)
class SubjectType:
    resolve: Callable[[DueItem, Model], Resolution]
    policy: Callable[[DueItem], Policy] | None = None
    queryset: Callable[[], QuerySet] | None = None


_registry: dict[str, SubjectType] = {}


def register(model_label: str, *, resolve: Callable[[DueItem, Model], Resolution],
             policy: Callable[[DueItem], Policy] | None = None,
             queryset: Callable[[], QuerySet] | None = None) -> None:
    """Register how due items about ``model_label`` ("app.model") are resolved.

    ``policy`` gives the item's levels (default: the settings); ``queryset`` loads the subjects for a batch of
    items, with what the resolver reads already joined (``select_related``).
    """
    _registry[model_label.lower()] = SubjectType(resolve=resolve, policy=policy, queryset=queryset)


# board code -> the permission that shows its items on the 督办看板 (besides ``workflows.view_due_board``)
_boards: dict[str, str] = {}


def register_board(code: str, *, permission: str) -> None:
    """Items resolved with ``board=code`` are shown on the 督办看板 to holders of ``permission`` only: 督查室 sees
    the proposals' deadlines, never a nomination's."""
    _boards[code] = permission


def boards_for(user) -> list[str] | None:
    """The boards ``user`` may see; None means all of them (superusers)."""
    if user.is_superuser:
        return None
    return [code for code, permission in _boards.items() if user.has_perm(permission)]


def subject_type(item: DueItem) -> SubjectType | None:
    content_type = item.subject_type
    return _registry.get(f"{content_type.app_label}.{content_type.model}")


def load_subjects(items: Iterable[DueItem]) -> None:
    """Fetch the subjects of many items in one query per subject type (the items need ``subject_type`` loaded)."""
    querysets = [
        registered.queryset() if registered.queryset is not None else apps.get_model(label).objects.all()
        for label, registered in _registry.items()
    ]
    prefetch_related_objects(list(items), GenericPrefetch("subject", querysets))


_memo: ContextVar[dict | None] = ContextVar("subjects_memo", default=None)


@contextmanager
def shared_lookups():
    """Within this block, resolvers share their lookups (a unit's members, 督查室): a sweep batch asks the same
    questions for many items, and the answers do not change in the second it takes."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memo(key, compute: Callable):
    """``compute()``, or its earlier answer for ``key`` inside :func:`shared_lookups`."""
    cache = _memo.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def resolve(item: DueItem) -> Resolution:
    """Who and what the item concerns; an item nobody registered (or whose subject is gone) concerns nobody."""
    registered = subject_type(item)
    subject = item.subject
    if registered is None or subject is None:
        return Resolution(holders=(), case_label=item.title, stage=item.purpose)
    return registered.resolve(item, subject)


def resolve_many(items: Sequence[DueItem]) -> dict:
    """Resolve a sweep batch: item pk -> its :class:`Resolution`, or the exception its resolver raised.

    The subjects are read in one query per subject type, and the unit memberships the resolvers ask about (of
    the units and people the subjects and items name) in one more, shared through :func:`memo`; so resolving a
    batch of items of the registered types costs a number of queries that does not grow with the batch.
    """
    items = list(items)
    with _lookups():
        load_subjects(items)
        _preload_memberships(items)
        resolved = {}
        for item in items:
            try:
                resolved[item.pk] = resolve(item)
            except Exception as error:  # noqa: BLE001 - one broken subject is the caller's to report, not the batch's
                resolved[item.pk] = error
        return resolved


@contextmanager
def _lookups():
    if _memo.get() is not None:
        yield
    else:
        with shared_lookups():
            yield


def _preload_memberships(items: Sequence[DueItem]) -> None:
    user_model = get_user_model()
    unit_ids, user_ids = set(), set()
    for item in items:
        if item.unit_id is not None:
            unit_ids.add(item.unit_id)
        subject = item.subject if subject_type(item) is not None else None
        for related in _related_objects(subject):
            for field in related._meta.concrete_fields:
                if field.related_model is Unit:
                    unit_ids.add(getattr(related, field.attname))
                elif field.related_model is user_model:
                    user_ids.add(getattr(related, field.attname))
    unit_ids.discard(None)
    user_ids.discard(None)
    cache = _memo.get()
    unit_ids -= {key[1] for key in cache if key[0] == "unit_memberships"}
    user_ids -= {key[1] for key in cache if key[0] == "first_unit"}
    if not unit_ids and not user_ids:
        return
    memberships = list(UnitMembership.objects.filter(Q(unit_id__in=unit_ids) | Q(user_id__in=user_ids))
                       .select_related("user", "unit").order_by("pk"))
    for unit_id in unit_ids:
        cache[("unit_memberships", unit_id)] = sorted(
            (m for m in memberships if m.unit_id == unit_id and m.user.is_active), key=lambda m: m.user_id)
    for user_id in user_ids:
        cache[("first_unit", user_id)] = next((m.unit for m in memberships if m.user_id == user_id), None)


def _related_objects(subject):
    """The subject and the objects already loaded with it (``select_related``), where units and people are named."""
    if subject is None:
        return []
    found = [subject]
    for field in subject._meta.concrete_fields:
        if field.is_relation and field.is_cached(subject):
            related = field.get_cached_value(subject)
            if related is not None:
                found.append(related)
    return found


def unit_members(unit: Unit | int | None, *, roles: Sequence[str]) -> list:
    """The active users holding one of ``roles`` (``UnitMembership.Role``) in ``unit``."""
    if unit is None:
        return []
    unit_id = unit if isinstance(unit, int) else unit.pk

    def load():
        memberships = UnitMembership.objects.filter(unit_id=unit_id, role__in=roles, user__is_active=True)
        return list({m.user_id: m.user for m in memberships.select_related("user").order_by("user_id")}.values())

    cache = _memo.get()
    if cache is not None and ("unit_memberships", unit_id) in cache:  # preloaded for a batch (resolve_many)
        memberships = [m for m in cache[("unit_memberships", unit_id)] if m.role in roles]
        return list({m.user_id: m.user for m in memberships}.values())
    return memo(("unit_members", unit_id, tuple(roles)), load)


def unit_leaders(unit: Unit | int | None) -> list:
    return unit_members(unit, roles=[UnitMembership.Role.LEADER])


def first_unit_of(users: Sequence) -> Unit | None:
    """The unit of the first user who belongs to one: where a task held by people rather than a unit sits."""

    cache = _memo.get()
    if cache is not None and users and all(("first_unit", user.pk) in cache for user in users):
        return next((cache[("first_unit", user.pk)] for user in users if cache[("first_unit", user.pk)]), None)

    def load():
        for user in users:
            membership = UnitMembership.objects.filter(user=user).select_related("unit").order_by("pk").first()
            if membership is not None:
                return membership.unit
        return None

    return memo(("first_unit_of", tuple(user.pk for user in users)), load)
