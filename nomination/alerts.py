"""Alerts of the two departments' joint work (issue #13 item 4): on their 工作台 and in the daily digest.

One selector per kind, each one query (the probation one two), whatever the number of people:

- ``age_limit``: people reaching the age limit of their 职务层次 within 12 months;
- ``pool_term``: pool entries whose term (entry date + term years) ends within 90 days, or has ended;
- ``probation``: 试用期 ending within 60 days (the case's open probation due item, the only record of its end);
- ``training_behind``: participants of an agreed 培养计划 whose item has ended without a recorded completion.

The limits are configuration [I]: DOMAIN.md names no age limits per level. The defaults follow the common practice
of county cadre management (leaving a leading post at 55 for 科级, 58 for 正处级 where the county has one) and can
be set in ``settings.TONGXIN_AGE_LIMITS`` (level -> years); the pool term (``TONGXIN_POOL_TERM_YEARS``, default 5:
one 换届 cycle) likewise [I].
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows import dashboard
from workflows.calendar import add_months
from workflows.models import DueItem

from . import access, roles
from .due_subjects import PROBATION
from .models import NominationCase, Person, PoolState, PostLevel, TrainingParticipation

DEFAULT_AGE_LIMITS = {PostLevel.DIVISION: 58, PostLevel.DEPUTY_DIVISION: 55, PostLevel.SECTION: 55,
                      PostLevel.DEPUTY_SECTION: 55}
DEFAULT_POOL_TERM_YEARS = 5
AGE_HORIZON_MONTHS = 12
POOL_TERM_HORIZON_DAYS = 90
PROBATION_HORIZON_DAYS = 60


def age_limits() -> dict[str, int]:
    return {**DEFAULT_AGE_LIMITS, **getattr(settings, "TONGXIN_AGE_LIMITS", {})}


def pool_term_years() -> int:
    return int(getattr(settings, "TONGXIN_POOL_TERM_YEARS", DEFAULT_POOL_TERM_YEARS))


@dataclass(frozen=True)
class Alert:
    kind: str
    person: str
    what: str
    on: datetime.date
    link: str

    def line(self) -> str:
        return _("· 【%(what)s】%(person)s（%(date)s）") % {"what": self.what, "person": self.person,
                                                        "date": self.on.isoformat()}


def _years_before(day: datetime.date, years: int) -> datetime.date:
    return add_months(day, -12 * years)


def age_limit(today: datetime.date) -> list[Alert]:
    """People in the pool or in a leading post whose birthday of their level's limit falls in the next 12 months."""
    horizon = add_months(today, AGE_HORIZON_MONTHS)
    matches = Q(pk__in=[])
    for level, years in age_limits().items():
        # reaching ``years`` between today and the horizon: born between those days, ``years`` earlier
        matches |= Q(post_level=level, birth_date__gt=_years_before(today, years),
                     birth_date__lte=_years_before(horizon, years))
    people = (Person.objects.filter(matches).filter(Q(pool_state=PoolState.IN_POOL) | Q(is_leadership_post=True))
              .only("pk", "name", "birth_date", "post_level").order_by("birth_date", "pk"))
    limits = age_limits()
    return [Alert("age_limit", person.name, _("%(level)s%(years)s 岁到龄") % {
        "level": person.get_post_level_display(), "years": limits[person.post_level]},
        add_months(person.birth_date, 12 * limits[person.post_level]), reverse("nomination:person", args=[person.pk]))
        for person in people]


def pool_term(today: datetime.date) -> list[Alert]:
    years = pool_term_years()
    latest_entry = _years_before(today + datetime.timedelta(days=POOL_TERM_HORIZON_DAYS), years)
    tz = timezone.get_current_timezone()
    people = (Person.objects.filter(pool_state=PoolState.IN_POOL, entered_pool_at__isnull=False,
                                    entered_pool_at__lt=datetime.datetime.combine(
                                        latest_entry + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz))
              .only("pk", "name", "entered_pool_at").order_by("entered_pool_at", "pk"))
    alerts = []
    for person in people:
        ends = add_months(timezone.localtime(person.entered_pool_at).date(), 12 * years)
        what = _("入库期满") if ends < today else _("入库期即将届满")
        alerts.append(Alert("pool_term", person.name, what, ends, reverse("nomination:person", args=[person.pk])))
    return alerts


def probation(today: datetime.date) -> list[Alert]:
    horizon = datetime.datetime.combine(today + datetime.timedelta(days=PROBATION_HORIZON_DAYS), datetime.time.max,
                                        tzinfo=timezone.get_current_timezone())
    items = list(DueItem.objects.filter(subject_type__app_label="nomination", subject_type__model="nominationcase",
                                        purpose=PROBATION, state=DueItem.State.OPEN, due_at__lte=horizon)
                 .only("subject_id", "due_at").order_by("due_at", "pk"))
    cases = NominationCase.objects.select_related("nominee").in_bulk([int(i.subject_id) for i in items])
    alerts = []
    for item in items:
        case = cases.get(int(item.subject_id))
        if case is None:
            continue
        name = case.nominee.name if case.nominee else str(case)
        alerts.append(Alert("probation", "%s（%s%s）" % (name, case.post_unit, case.post_title), _("试用期满"),
                            timezone.localtime(item.due_at).date(), reverse("nomination:case", args=[case.pk])))
    return alerts


def training_behind(today: datetime.date) -> list[Alert]:
    parts = (TrainingParticipation.objects.filter(completed_on__isnull=True, item__ends_on__lt=today,
                                                  item__plan__org_confirmed_at__isnull=False,
                                                  item__plan__uf_confirmed_at__isnull=False)
             .select_related("person", "item__plan").order_by("item__ends_on", "pk"))
    return [Alert("training_behind", "%s · %s" % (p.person.name, p.item.title), _("培养计划未按期完成"),
                  p.item.ends_on, reverse("nomination:joint_plan", args=[p.item.plan_id])) for p in parts]


KINDS = (
    ("age_limit", age_limit, _("12 个月内到龄")),
    ("pool_term", pool_term, _("入库期届满")),
    ("probation", probation, _("试用期即将届满")),
    ("training_behind", training_behind, _("培养计划滞后")),
)


def all_alerts(today: datetime.date) -> dict[str, list[Alert]]:
    return {code: read(today) for code, read, _title in KINDS}


def panels_for(user, today: datetime.date) -> list[dashboard.Panel]:
    """The 工作台 panels of the two departments' roles (nobody else sees these people)."""
    if not access.can_view_joint_work(user):
        return []
    alerts = all_alerts(today)
    return [dashboard.Panel(code=f"nomination.{code}", title=str(title),
                            rows=[dashboard.PanelRow(a.person, a.link, "%s %s" % (a.what, a.on.isoformat()))
                                  for a in alerts[code]],
                            link=reverse("nomination:joint"))
            for code, _read, title in KINDS if alerts[code]]


def digest_for(today: datetime.date) -> dict:
    """The same alerts in the daily digest of every user of the two departments' roles."""
    alerts = all_alerts(today)
    lines = []
    for code, _read, _title in KINDS:
        lines.extend(a.line() for a in alerts[code])
    if not lines:
        return {}
    users = get_user_model().objects.filter(is_active=True, groups__name__in=list(roles.DEPARTMENT_OF_ROLE)).distinct()
    return {user: [_("党外干部工作提醒："), *lines] for user in users}


dashboard.register_panel(panels_for)
dashboard.register_digest(digest_for)
