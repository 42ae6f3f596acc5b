"""Who may see and act on person records, rosters, staffing sheets and statistics: the one place (DOMAIN §7).

- 组织部 and 统战部 (cadre sections and leaders) see every person record and the vetting material on it.
- A recommending organisation (a democratic party's county committee, 工商联 …) sees only the people it
  recommended, with their pool state, never vetting material (assessments, opinions, the timeline).
- The discipline organ and the CPPCC side see nothing of the pool.

Lists use :func:`visible_people`, which expresses the same rules as a query, so a list can never show what the
person's page would refuse.
"""

from workflows.models import UnitMembership

from . import roles
from .models import RECOMMENDABLE_STATES, Person, PoolState, StaffingTarget


def is_department_staff(user) -> bool:
    return user.is_authenticated and user.has_perm("nomination.view_all_people")


def can_recommend_people(user) -> bool:
    return user.is_authenticated and user.has_perm("nomination.recommend_person")


def own_unit_ids(user):
    return UnitMembership.objects.filter(user=user).values("unit_id")


def visible_people(user):
    if is_department_staff(user):
        return Person.objects.all()
    if can_recommend_people(user):
        return Person.objects.filter(recommending_unit__in=own_unit_ids(user))
    return Person.objects.none()


def can_view_person(user, person: Person) -> bool:
    return visible_people(user).filter(pk=person.pk).exists()


def can_view_vetting(user) -> bool:
    """Assessments, opinions, confirmations, reviews and the timeline: the two departments only."""
    return is_department_staff(user)


def can_manage_pool(user) -> bool:
    return user.is_authenticated and user.has_perm("nomination.manage_pool")


def joint_department(user) -> str | None:
    """The one department the user confirms for; None if none, or if the account acts for both (never allowed)."""
    if not (user.is_authenticated and user.has_perm("nomination.confirm_joint")):
        return None
    departments = roles.departments_of(user)
    return next(iter(departments)) if len(departments) == 1 else None


def pool_actions(user, person: Person) -> set[str]:
    """The pool steps the user may take on the person now (the services re-check each)."""
    manage = can_manage_pool(user)
    state = person.pool_state
    allowed = set()
    if manage and state in RECOMMENDABLE_STATES:
        allowed.add("recommend")
    if manage and state == PoolState.PROPOSED:
        allowed.add("start_assessment")
    if manage and state == PoolState.ASSESSING:
        allowed.add("assess")
    department = joint_department(user)
    if department and state == PoolState.CONFIRMING and not confirmed_by(person, department):
        allowed.add("confirm")
    if (manage or department) and state in (PoolState.PROPOSED, PoolState.ASSESSING, PoolState.CONFIRMING):
        allowed.add("decline")
    if manage and state == PoolState.IN_POOL:
        allowed |= {"use", "remove", "review"}
    return allowed


def confirmed_by(obj: Person | StaffingTarget, department: str) -> bool:
    return (obj.org_confirmed_at if department == roles.ORG else obj.uf_confirmed_at) is not None


def can_view_rosters(user) -> bool:
    return user.is_authenticated and user.has_perm("nomination.view_rosters")


def can_manage_rosters(user) -> bool:
    return user.is_authenticated and user.has_perm("nomination.manage_rosters")


def can_view_statistics(user) -> bool:
    return user.is_authenticated and user.has_perm("nomination.view_statistics")


def can_manage_staffing(user) -> bool:
    return user.is_authenticated and user.has_perm("nomination.manage_staffing")


def can_confirm_staffing(user, target: StaffingTarget) -> bool:
    department = joint_department(user)
    return department is not None and not confirmed_by(target, department)
