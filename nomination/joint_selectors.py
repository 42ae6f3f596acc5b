"""Reads of the 六个共同 (DOMAIN §4.2): the computed 已配 of the staffing sheet and one year of joint work.

Every function runs a fixed number of queries whatever the number of rows (the page pins the count).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import timezone

from workflows.models import StageTask

from . import chains, roles
from .models import (
    CaseStatus,
    FollowUpAssessment,
    JointDecision,
    NominationCase,
    Person,
    PoolReview,
    PostRecord,
    StaffingTarget,
    TrainingParticipation,
    TrainingPlan,
    TrainingPlanItem,
    UfwdOpinion,
    VettingMember,
)

# A case at 任职 or after it (and not removed on probation) holds its post.
HOLDING_CASE_STATES = (CaseStatus.APPOINTED, CaseStatus.PROBATION, CaseStatus.PROBATION_ENDED, CaseStatus.CONFIRMED)
TEAM_SUFFIX = "领导班子"


def reference_date(year: int, today: datetime.date | None = None) -> datetime.date:
    """The day a year's 已配 is counted on: 31 December, or today while the year runs."""
    today = today or timezone.localdate()
    return min(datetime.date(year, 12, 31), today)


def unit_of_team(team: str) -> str:
    """"县教育局领导班子" is the leadership of "县教育局": posts are recorded against the unit."""
    return team[: -len(TEAM_SUFFIX)] if team.endswith(TEAM_SUFFIX) and len(team) > len(TEAM_SUFFIX) else team


def filled_counts(targets, *, today: datetime.date | None = None) -> dict[int, int]:
    """已配 per target id, computed, never typed [I].

    A target (year, team, level) counts the distinct non-Party people (every ``Person`` is non-CPC) who on the
    year's reference date hold a post recorded in the team's unit (``PostRecord`` open on that day: a case at 任职
    writes one through ``person_take_post``, and records of posts held before the system do too). The level of a
    post is the level of the nomination case that appointed to it when there is one, else the person's 职务层次;
    a target without a level counts every level. Two queries for any number of targets.
    """
    targets = list(targets)
    if not targets:
        return {}
    units = {unit_of_team(t.team) for t in targets} | {t.team for t in targets}
    earliest = min(reference_date(t.year, today) for t in targets)
    posts = list(
        PostRecord.objects.filter(unit__in=units, started_on__lte=max(reference_date(t.year, today) for t in targets))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=earliest))
        .select_related("person")
        .only("person_id", "unit", "post", "started_on", "ended_on", "person__post_level")
    )
    case_levels = {
        (c.nominee_id, c.post_unit, c.post_title): c.post_level
        for c in NominationCase.objects.filter(post_unit__in=units, status__in=HOLDING_CASE_STATES,
                                               nominee__isnull=False).only("nominee_id", "post_unit", "post_title",
                                                                           "post_level")
    }
    counts = {}
    for target in targets:
        day = reference_date(target.year, today)
        names = {target.team, unit_of_team(target.team)}
        people = set()
        for record in posts:
            if record.unit not in names or record.started_on > day or (record.ended_on and record.ended_on <= day):
                continue
            level = case_levels.get((record.person_id, record.unit, record.post), record.person.post_level)
            if not target.post_level or level == target.post_level:
                people.add(record.person_id)
        counts[target.pk] = len(people)
    return counts


def staffing_targets(year: int, *, today: datetime.date | None = None) -> list[StaffingTarget]:
    """The year's sheet, each row with its computed ``filled`` (3 queries)."""
    targets = list(StaffingTarget.objects.filter(year=year).select_related("org_confirmed_by", "uf_confirmed_by")
                   .order_by("team", "post_level"))
    counts = filled_counts(targets, today=today)
    for target in targets:
        target.filled = counts[target.pk]
    return targets


# --- the 六个共同 page ---------------------------------------------------------------------------------------------


@dataclass
class Mechanism:
    """One of the six: what both departments did (``done``) and what waits for one of them (``pending``)."""

    code: str
    title: str
    done: list = field(default_factory=list)
    pending: list = field(default_factory=list)


def _year_range(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    return (datetime.datetime(year, 1, 1, tzinfo=tz), datetime.datetime(year + 1, 1, 1, tzinfo=tz))


def pool_people(year: int):
    """共同物色选拔: pool entries of the year (both confirmations) and people waiting for one department."""
    start, end = _year_range(year)
    return list(
        Person.objects.filter(Q(entered_pool_at__gte=start, entered_pool_at__lt=end)
                              | Q(org_confirmed_at__gte=start, org_confirmed_at__lt=end)
                              | Q(uf_confirmed_at__gte=start, uf_confirmed_at__lt=end))
        .select_related("recommending_unit", "org_confirmed_by", "uf_confirmed_by")
        .order_by("name", "pk")
    )


def joint_decisions(year: int):
    start, end = _year_range(year)
    return list(
        JointDecision.objects.filter(Q(proposed_at__gte=start, proposed_at__lt=end) | Q(state=JointDecision.State.OPEN))
        .select_related("person", "proposed_by", "decided_by")
        .order_by("-proposed_at", "-pk")
    )


def pool_reviews(year: int):
    return list(PoolReview.objects.filter(year=year).select_related("person", "reviewed_by").order_by("person__name"))


def _plans():
    participations = TrainingParticipation.objects.select_related("person", "completed_by", "record").order_by("pk")
    return (
        TrainingPlan.objects.select_related("proposed_by", "org_confirmed_by", "uf_confirmed_by")
        .prefetch_related(Prefetch("items", queryset=TrainingPlanItem.objects.order_by("starts_on", "pk")
                                   .prefetch_related(Prefetch("participations", queryset=participations))))
    )


def training_plan(year: int) -> TrainingPlan | None:
    """The year's plan with its items and participants (3 queries)."""
    return _plans().filter(year=year).first()


def training_plan_by_pk(pk: int) -> TrainingPlan | None:
    return _plans().filter(pk=pk).first()


def vetting_cases(year: int):
    """共同考察人选: cases of the year with their mixed 考察组 and the UFWD member's opinion (2 queries)."""
    start, end = _year_range(year)
    members = VettingMember.objects.select_related("user").order_by("-is_leader", "department", "pk")
    return list(
        NominationCase.objects.filter(created__lt=end, updated__gte=start, vetting_team__isnull=False)
        .select_related("nominee", "uf_member_opinion_by", "vetting_report_by")
        .prefetch_related(Prefetch("vetting_team", queryset=members),
                          Prefetch("ufwd_opinions", queryset=UfwdOpinion.objects.select_related("signed_by")))
        .distinct().order_by("-pk")
    )


def signoff_runs(year: int) -> dict[int, dict[str, list]]:
    """共同向党委推荐: per case id, the two heads' co-signatures (stage key -> [(who, when)]) of the year."""
    start, end = _year_range(year)
    tasks = (
        StageTask.objects.filter(run__slot__code=chains.SIGNOFF, stage__key__in=(chains.ORG_COSIGN, chains.UF_COSIGN),
                                 run__started_at__lt=end)
        .filter(Q(acted_at__gte=start, acted_at__lt=end) | Q(status=StageTask.Status.OPEN))
        .select_related("stage", "run", "acted_by", "assignee")
        .order_by("pk")
    )
    result = defaultdict(lambda: {chains.ORG_COSIGN: [], chains.UF_COSIGN: []})
    for task in tasks:
        result[int(task.run.subject_id)][task.stage.key].append(task)
    return dict(result)


def cases_by_id(ids) -> dict[int, NominationCase]:
    return {c.pk: c for c in NominationCase.objects.filter(pk__in=list(ids)).select_related("nominee")}


def probation_cases(year: int):
    """共同督促考核: cases whose 试用期 ran or ended in the year, with the probation chain's two approvals."""
    start, end = _year_range(year)
    return list(
        NominationCase.objects.filter(probation_required=True, appointment_notice_on__isnull=False,
                                      appointment_notice_on__lt=datetime.date(year + 1, 1, 1),
                                      appointment_notice_on__gte=datetime.date(year - 1, 1, 1))
        .select_related("nominee").order_by("appointment_notice_on", "pk")
    )


def probation_approvals(case_ids) -> dict[int, list]:
    tasks = (StageTask.objects.filter(run__slot__code=chains.PROBATION, run__subject_id__in=[str(i) for i in case_ids],
                                      status=StageTask.Status.APPROVED)
             .select_related("stage", "run", "acted_by", "assignee").order_by("pk"))
    result = defaultdict(list)
    for task in tasks:
        result[int(task.run.subject_id)].append(task)
    return dict(result)


def follow_ups(year: int):
    return list(FollowUpAssessment.objects.filter(year=year)
                .select_related("person", "proposed_by", "org_confirmed_by", "uf_confirmed_by")
                .order_by("person__name", "pk"))


def department_label(code: str) -> str:
    return str(roles.DEPARTMENT_LABELS.get(code, code))

