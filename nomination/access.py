"""Who may see and act on person records, rosters, staffing sheets and statistics: the one place (DOMAIN §7).

- 组织部 and 统战部 (cadre sections and leaders) see every person record and the vetting material on it.
- A recommending organisation (a democratic party's county committee, 工商联 …) sees only the people it
  recommended, with their pool state, never vetting material (assessments, opinions, the timeline).
- The discipline organ and the CPPCC side see nothing of the pool.

Nomination cases (DOMAIN §7.1–7.2): both departments see every case. The discipline organ and a party
organisation see only their own opinion requests (the stage tasks of the vetting chain assigned to them or to
whoever delegated to them): the request letter, the candidate's name, unit and post, and what they answered,
never the vetting material, the other opinions or the timeline.

Lists use :func:`visible_people`, which expresses the same rules as a query, so a list can never show what the
person's page would refuse.
"""

from django.db.models import Q

from workflows.models import StageTask, UnitMembership
from workflows.stages import principals_of

from . import roles
from .models import (
    RECOMMENDABLE_STATES,
    JointDecision,
    NominationCase,
    Person,
    PoolState,
    RepresentativeBatch,
    StaffingTarget,
)


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
    # A negative decision waiting for the other department (issue #13): nothing else until it is settled.
    decision = open_decision(person)
    if decision is not None:
        department = joint_department(user)
        return {"decide"} if department and department != decision.proposed_department else set()
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


def open_decision(person: Person) -> JointDecision | None:
    """The negative decision (不予推荐, 不予入库, 出库) on the person waiting for the other department, if any."""
    return JointDecision.objects.filter(person=person, state=JointDecision.State.OPEN).select_related(
        "proposed_by").first()


def can_view_joint_work(user) -> bool:
    """The 六个共同 page: the two departments' roles (those who confirm for one of them)."""
    return is_department_staff(user) and joint_department(user) is not None


def confirmed_by(obj, department: str) -> bool:
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


# --- nomination cases ---------------------------------------------------------------------------------------------


def can_view_cases(user) -> bool:
    return user.is_authenticated and user.has_perm("nomination.view_nomination_cases")


def can_manage_cases(user) -> bool:
    return user.is_authenticated and user.has_perm("nomination.manage_nomination_cases")


def visible_cases(user):
    return NominationCase.objects.all() if can_view_cases(user) else NominationCase.objects.none()


def can_view_case(user, case: NominationCase) -> bool:
    return can_view_cases(user)


def is_team_member(user, case: NominationCase, department: str | None = None) -> bool:
    seats = case.vetting_team.filter(user_id=user.pk)
    if department:
        seats = seats.filter(department=department)
    return user.is_authenticated and seats.exists()


def case_managers():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True, groups__name=roles.ORG_CADRE).distinct()


def request_tasks(user, slot_codes=None):
    """The opinion requests of the user (their own tasks and their principals' today), newest first."""
    from .chains import REP_VETTING, VETTING

    if not user.is_authenticated:
        return StageTask.objects.none()
    from workflows.selectors import with_due

    # The deadline shown is the task's open due item (the only stored date), read in the same query.
    return with_due(
        StageTask.objects.filter(run__slot__code__in=slot_codes or (VETTING, REP_VETTING))
        .filter(Q(assignee=user) | Q(assignee__in=principals_of(user)))
        .select_related("run", "stage", "assignee", "acted_by")
        .order_by("-pk")
    )


def case_requests(user, case: NominationCase):
    from .chains import VETTING

    return request_tasks(user, (VETTING,)).filter(run__subject_id=str(case.pk))


def can_view_request(user, case: NominationCase) -> bool:
    """The request letter and the minimum identity data: the departments, and whoever was asked for an opinion."""
    return can_view_cases(user) or case_requests(user, case).exists()


# --- representative recommendation ------------------------------------------------------------------------------


def can_view_representatives(user) -> bool:
    return user.is_authenticated and user.has_perm("nomination.view_representatives")


def can_manage_representatives(user) -> bool:
    return user.is_authenticated and user.has_perm("nomination.manage_representatives")


def batch_requests(user, batch: RepresentativeBatch):
    from .chains import REP_VETTING

    return request_tasks(user, (REP_VETTING,)).filter(run__subject_id=str(batch.pk))


def can_view_batch(user, batch: RepresentativeBatch) -> str | None:
    """'full' for the departments; 'own' for a recommending organisation that nominated someone in it (its own
    nominees only); 'request' for the discipline organ or the 政协党组 asked for an opinion; else None."""
    if can_view_representatives(user):
        return "full"
    if can_recommend_people(user) and (batch.status == "nomination"
                                       or batch.nominees.filter(nominating_unit__in=own_unit_ids(user)).exists()):
        return "own"
    if batch_requests(user, batch).exists():
        return "request"
    return None
