"""The figures of a county UFWD work report, computed from the records (DOMAIN §4.5 counts, §4.2, §5.1 shares).

Each function returns a :class:`Table` (rows for the page and the export, a series for the chart); every count is
one aggregate query, so the page costs the same whatever the pool's size.

Every person count is ``Count(filter=condition(dim, value))`` over ``population(dim)``, and the drill-down list
(:func:`people_counted`) is ``population(dim).filter(condition(dim, value))``: the same two functions, so a figure
and the people behind its link cannot disagree.

Definitions [I] (inferred for the report; DOMAIN §4.5–4.6 give the fields, not the counting rules):

- 在库 (today's tables): ``pool_state`` is 在库 now; ages are full years (周岁) on ``as_of``.
- 正职/副职: among 科级以上 non-Party cadres holding a leadership post (实职), 正职 is 正处级 or 正科级 and 副职 is
  副处级 or 副科级 (the level of the post held); cadres of those levels without a leadership post are 非领导职务.
- 班子配备: the leadership teams are the 领导班子 of the year's 职数配备表 (their names without “领导班子”) together
  with the work units of 科级以上 non-Party cadres; a team has a non-Party member when a non-Party cadre holding a
  leadership post (实职) at 科级以上 has that unit as current work unit.
- 年末在库 (trends): in the pool at the end of day D, D = 31 December of the year (or ``as_of`` in its own year):
  entered the pool on or before D (``entered_pool_at``) and neither removed (``removed_at``, unless the removal came
  before the latest entry) nor used (``used_on``) on or before D. Party and other attributes are the record's
  current ones; only membership in the pool is read from history.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    CPPCC_BODIES,
    DEMOCRATIC_PARTIES,
    LEADING_LEVELS,
    NON_CPC_CHOICES,
    Affiliation,
    Education,
    Gender,
    Person,
    PoolState,
    PostLevel,
    Rank,
    RemovalReason,
    RosterBody,
    RosterEntry,
    RosterTerm,
    StaffingTarget,
    UnitedFrontCategory,
)

# DOMAIN §5.1 [R] (统战条例 2020 art. 44): non-Party shares at a change of term of a CPPCC.
CPPCC_TARGETS = {"members": Decimal(60), "standing": Decimal(65), "vice_chairs": Decimal(50)}
AGE_BANDS = ((None, 35), (36, 40), (41, 45), (46, 50), (51, None))
HEAD_LEVELS = (PostLevel.DIVISION, PostLevel.SECTION)
DEPUTY_LEVELS = (PostLevel.DEPUTY_DIVISION, PostLevel.DEPUTY_SECTION)
TREND_YEARS = 5
TEAM_SUFFIX = "领导班子"
BEIJING = ZoneInfo("Asia/Shanghai")
# The dates a statistic may be asked for: a person's age or a pool's history outside these is meaningless.
EARLIEST, LATEST = datetime.date(1950, 1, 1), datetime.date(2100, 12, 31)


class InvalidDrillDown(ValueError):
    """A drill-down address that names no figure of the page."""


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    chart_labels: list[str] = field(default_factory=list)
    chart_series: list[dict] = field(default_factory=list)
    note: str = ""
    # (row, column) -> query string of the drill-down list of the people that cell counts.
    links: dict[tuple[int, int], str] = field(default_factory=dict)

    def chart(self) -> dict:
        return {"key": self.key, "title": self.title, "labels": self.chart_labels, "series": self.chart_series}

    def labelled_rows(self) -> list[list[tuple[str, object, str]]]:
        """Each cell with its column header (the stacked table's data-label) and its drill-down query, if any."""
        return [[(header, cell, self.links.get((r, c), "")) for c, (header, cell) in
                 enumerate(zip(self.headers, row, strict=False))] for r, row in enumerate(self.rows)]

    def value(self, label: str, column: int = 1):
        """The cell of the row labelled ``label`` (tests and callers read figures by label)."""
        return next(row[column] for row in self.rows if row[0] == label)

    def link(self, label: str, column: int = 1) -> str:
        """The drill-down query of a cell, by row label."""
        index = next(i for i, row in enumerate(self.rows) if row[0] == label)
        return self.links.get((index, column), "")


def percent(part: int, whole: int) -> Decimal | None:
    """A share in per cent to one decimal, rounded half up (None when there is nothing to divide by)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def average_age(birth_dates, day: datetime.date) -> Decimal | None:
    """Mean of the full years of age on ``day``, to one decimal, rounded half up."""
    ages = [age_on(b, day) for b in birth_dates]
    if not ages:
        return None
    return (Decimal(sum(ages)) / Decimal(len(ages))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def parse_day(text: str | None) -> datetime.date:
    """An ``as_of`` date from a query string; ValueError (with a Chinese message) for anything unusable."""
    try:
        day = datetime.date.fromisoformat((text or "").strip())
    except ValueError:
        raise ValueError(_("统计日期格式不正确，请按“年-月-日”填写，例如 2026-06-30。")) from None
    if not EARLIEST <= day <= LATEST:
        raise ValueError(_("统计日期须在 %(low)s 至 %(high)s 之间。") % {
            "low": EARLIEST.isoformat(), "high": LATEST.isoformat()})
    return day


def _end_of(day: datetime.date) -> datetime.datetime:
    """The first instant after ``day`` in Beijing time (timestamps are compared against it)."""
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=BEIJING)


# --- the dimensions: who a figure counts ---------------------------------------------------------------------------


def _pool():
    return Person.objects.filter(pool_state=PoolState.IN_POOL)


def _cadres():
    """Non-Party cadres at or above 科级 (any pool state)."""
    return Person.objects.filter(post_level__in=LEADING_LEVELS)


def _team_leaders():
    return _cadres().filter(is_leadership_post=True).exclude(removal_reason=RemovalReason.JOINED_CPC)


def in_pool_at(day: datetime.date) -> Q:
    """In the pool at the end of ``day`` (module docstring, 年末在库)."""
    end = _end_of(day)
    return (Q(entered_pool_at__lt=end)
            & (Q(removed_at__isnull=True) | Q(removed_at__gte=end) | Q(removed_at__lt=F("entered_pool_at")))
            & (Q(used_on__isnull=True) | Q(used_on__gt=day)))


def _age_condition(index: int, as_of: datetime.date) -> Q:
    low, high = AGE_BANDS[index]
    condition = Q()
    if high is not None:
        condition &= Q(birth_date__gt=years_before(as_of, high + 1))
    if low is not None:
        condition &= Q(birth_date__lte=years_before(as_of, low))
    return condition


def _party_condition(value: str) -> Q:
    if value == "democratic":
        return Q(party__in=DEMOCRATIC_PARTIES)
    if value in dict(NON_CPC_CHOICES):
        return Q(party=value)
    raise InvalidDrillDown(value)


def _choice_condition(field_name: str, choices):
    def condition(value: str, as_of) -> Q:
        if value == "-":
            return Q(**{field_name: ""})
        if value not in {v for v, _label in choices}:
            raise InvalidDrillDown(value)
        return Q(**{field_name: value})
    return condition


def _year_of(value: str) -> int:
    try:
        year = int(value)
    except ValueError:
        raise InvalidDrillDown(value) from None
    if not EARLIEST.year <= year <= LATEST.year:
        raise InvalidDrillDown(value)
    return year


def _year_end(year: int, as_of: datetime.date) -> datetime.date:
    return min(datetime.date(year, 12, 31), as_of)


def _year_pool_condition(value: str, as_of) -> Q:
    """``YEAR`` or ``YEAR:party-value``: in the pool at that year's end, of that party or party group."""
    year, _sep, party = value.partition(":")
    condition = in_pool_at(_year_end(_year_of(year), as_of))
    return condition & _party_condition(party) if party else condition


def _cadre_level_condition(value: str, as_of) -> Q:
    level, _sep, real = value.partition(":")
    if level not in LEADING_LEVELS or real not in ("", "real"):
        raise InvalidDrillDown(value)
    return Q(post_level=level, **({"is_leadership_post": True} if real else {}))


def _post_role_condition(value: str, as_of) -> Q:
    conditions = {
        "head": Q(is_leadership_post=True, post_level__in=HEAD_LEVELS),
        "deputy": Q(is_leadership_post=True, post_level__in=DEPUTY_LEVELS),
        "non_leading": Q(is_leadership_post=False),
        "all": Q(),
    }
    if value not in conditions:
        raise InvalidDrillDown(value)
    return conditions[value]


def _ethnicity_condition(value: str, as_of) -> Q:
    if value == "minority":
        return ~Q(ethnicity="汉族")
    if not value or len(value) > 20:
        raise InvalidDrillDown(value)
    return Q(ethnicity=value)


def _age_band_condition(value: str, as_of) -> Q:
    if value not in {str(i) for i in range(len(AGE_BANDS))}:
        raise InvalidDrillDown(value)
    return _age_condition(int(value), as_of)


def _all(value: str, as_of) -> Q:
    if value != "all":
        raise InvalidDrillDown(value)
    return Q()


def _team_condition(value: str, as_of) -> Q:
    if value != "with":
        raise InvalidDrillDown(value)
    return Q()


def _year_event(field_name: str):
    def condition(value: str, as_of) -> Q:
        year = _year_of(value)
        if field_name == "entered_pool_at":
            return Q(entered_pool_at__gte=_end_of(datetime.date(year - 1, 12, 31)),
                     entered_pool_at__lt=_end_of(_year_end(year, as_of)))
        return Q(used_on__year=year, used_on__lte=as_of)
    return condition


# dim -> (population, condition(value, as_of) -> Q)
DIMENSIONS = {
    "pool": (_pool, _all),
    "level": (_pool, _choice_condition("post_level", PostLevel.choices)),
    "rank": (_pool, _choice_condition("rank", Rank.choices)),
    "uf_category": (_pool, _choice_condition("uf_category", UnitedFrontCategory.choices)),
    "party": (_pool, lambda value, as_of: _party_condition(value)),
    "education": (_pool, _choice_condition("education", Education.choices)),
    "gender": (_pool, _choice_condition("gender", Gender.choices)),
    "age_band": (_pool, _age_band_condition),
    "ethnicity": (_pool, _ethnicity_condition),
    "cadre_level": (_cadres, _cadre_level_condition),
    "post_role": (_cadres, _post_role_condition),
    "team": (_team_leaders, _team_condition),
    "year_pool": (Person.objects.all, _year_pool_condition),
    "year_entered": (Person.objects.all, _year_event("entered_pool_at")),
    "year_used": (Person.objects.all, _year_event("used_on")),
}


def condition(dim: str, value: str, as_of: datetime.date) -> Q:
    if dim not in DIMENSIONS:
        raise InvalidDrillDown(dim)
    return DIMENSIONS[dim][1](value, as_of)


def population(dim: str):
    if dim not in DIMENSIONS:
        raise InvalidDrillDown(dim)
    return DIMENSIONS[dim][0]()


def people_counted(dim: str, value: str, as_of: datetime.date):
    """The people one figure counts (InvalidDrillDown when ``dim``/``value`` name no figure)."""
    return population(dim).filter(condition(dim, value, as_of))


def drill_query(dim: str, value: str, as_of: datetime.date) -> str:
    return urlencode({"dim": dim, "value": value, "as_of": as_of.isoformat()})


def _counts(dim: str, values: list[str], as_of: datetime.date) -> tuple[list[int], int]:
    """One aggregate query: the count of each value of ``dim`` and the population's total."""
    aggregates = population(dim).aggregate(total=Count("pk"), **{
        f"c{i}": Count("pk", filter=condition(dim, value, as_of)) for i, value in enumerate(values)})
    return [aggregates[f"c{i}"] for i in range(len(values))], aggregates["total"]


def _counted(key: str, title: str, label_header: str, counts: list[tuple[str, int]], total: int, *,
             dim: str = "", values: list[str] | None = None, as_of: datetime.date | None = None,
             total_dim: str = "pool") -> Table:
    table = Table(key, title, [label_header, _("人数"), _("占比（%）")])
    for label, count in counts:
        table.rows.append([label, count, percent(count, total)])
    table.rows.append([_("合计"), total, percent(total, total)])
    if dim and as_of is not None:
        for index, value in enumerate(values or []):
            if value is not None:
                table.links[(index, 1)] = drill_query(dim, value, as_of)
        table.links[(len(table.rows) - 1, 1)] = drill_query(total_dim, "all", as_of)
    table.chart_labels = [label for label, _count in counts]
    table.chart_series = [{"label": _("人数"), "data": [count for _label, count in counts]}]
    return table


def _choice_table(key: str, title: str, header: str, dim: str, choices, as_of: datetime.date, *,
                  blank_label=None) -> Table:
    options = [(value, str(label)) for value, label in choices if value]
    if blank_label is not None:
        options.append(("-", str(blank_label)))
    values = [value for value, _label in options]
    counts, total = _counts(dim, values, as_of)
    return _counted(key, title, header, [(label, n) for (_v, label), n in zip(options, counts, strict=True)], total,
                    dim=dim, values=values, as_of=as_of)


def _today() -> datetime.date:
    return timezone.localdate()


# --- the tables ----------------------------------------------------------------------------------------------------


def cadres_by_rank(as_of: datetime.date | None = None) -> Table:
    """Non-Party cadres at or above 科级, by 职务层次, with those in leadership posts (实职)."""
    as_of = as_of or _today()
    values = [v for level in LEADING_LEVELS for v in (level, f"{level}:real")]
    counts, _total = _counts("cadre_level", values, as_of)
    table = Table("cadre_ranks", _("科级以上党外干部（按职务层次）"), [_("职务层次"), _("人数"), _("其中实职")])
    for index, level in enumerate(LEADING_LEVELS):
        table.rows.append([str(PostLevel(level).label), counts[2 * index], counts[2 * index + 1]])
        table.links[(index, 1)] = drill_query("cadre_level", level, as_of)
        table.links[(index, 2)] = drill_query("cadre_level", f"{level}:real", as_of)
    table.rows.append([_("合计"), sum(r[1] for r in table.rows), sum(r[2] for r in table.rows)])
    table.links[(len(LEADING_LEVELS), 1)] = drill_query("post_role", "all", as_of)
    table.chart_labels = [r[0] for r in table.rows[:-1]]
    table.chart_series = [{"label": _("人数"), "data": [r[1] for r in table.rows[:-1]]},
                          {"label": _("其中实职"), "data": [r[2] for r in table.rows[:-1]]}]
    return table


def cadres_by_post_role(as_of: datetime.date | None = None) -> Table:
    """科级以上 non-Party cadres as 正职, 副职 or 非领导职务 (module docstring)."""
    as_of = as_of or _today()
    options = [("head", _("正职（正处级、正科级实职）")), ("deputy", _("副职（副处级、副科级实职）")),
               ("non_leading", _("非领导职务"))]
    counts, total = _counts("post_role", [v for v, _label in options], as_of)
    table = _counted("cadre_post_roles", _("科级以上党外干部（正职/副职）"), _("类别"),
                     [(str(label), n) for (_v, label), n in zip(options, counts, strict=True)], total,
                     dim="post_role", values=[v for v, _label in options], as_of=as_of, total_dim="post_role")
    table.note = _("正职、副职按所任实职的职务层次区分；未任实职的计为非领导职务。")
    return table


def teams_staffing(year: int, as_of: datetime.date | None = None) -> Table:
    """班子配备: leadership teams with and without a non-Party member (module docstring)."""
    as_of = as_of or _today()
    planned = {team.removesuffix(TEAM_SUFFIX) for team in
               StaffingTarget.objects.filter(year=year).values_list("team", flat=True)}
    leaders = list(_team_leaders().values_list("work_unit", flat=True))
    staffed = set(leaders)
    units = planned | set(_cadres().values_list("work_unit", flat=True))
    without = sorted(units - staffed)
    with_count = len(units & staffed)
    table = Table("teams", _("领导班子配备党外干部情况（%(year)s 年度）") % {"year": year},
                  [_("项目"), _("班子数"), _("占比（%）"), _("党外领导干部人数")])
    table.rows = [
        [_("配备党外干部的班子"), with_count, percent(with_count, len(units)), len(leaders)],
        [_("未配备党外干部的班子"), len(without), percent(len(without), len(units)), 0],
        [_("合计"), len(units), percent(len(units), len(units)), len(leaders)],
    ]
    table.links[(0, 3)] = table.links[(2, 3)] = drill_query("team", "with", as_of)
    if without:
        shown = "、".join(without[:30]) + ("等" if len(without) > 30 else "")
        table.note = _("未配备党外干部的班子：%(units)s。") % {"units": shown}
    table.chart_labels = [table.rows[0][0], table.rows[1][0]]
    table.chart_series = [{"label": _("班子数"), "data": [with_count, len(without)]}]
    return table


def pool_by_rank(as_of: datetime.date | None = None) -> Table:
    return _choice_table("pool_ranks", _("在库党外后备干部（按职务层次）"), _("职务层次"), "level",
                         PostLevel.choices, as_of or _today(), blank_label=_("无职务层次"))


def pool_by_grade(as_of: datetime.date | None = None) -> Table:
    return _choice_table("pool_grades", _("在库党外后备干部（按职级）"), _("职级"), "rank", Rank.choices,
                         as_of or _today(), blank_label=_("未定职级"))


def pool_by_uf_category(as_of: datetime.date | None = None) -> Table:
    return _choice_table("pool_uf_category", _("在库党外后备干部（按统战身份类别）"), _("统战身份类别"),
                         "uf_category", UnitedFrontCategory.choices, as_of or _today(), blank_label=_("未填"))


def pool_by_education(as_of: datetime.date | None = None) -> Table:
    return _choice_table("pool_education", _("在库党外后备干部（按学历）"), _("学历"), "education",
                         Education.choices, as_of or _today())


def pool_by_party(as_of: datetime.date | None = None) -> Table:
    """Each democratic party, their subtotal, then 无党派人士 and 群众 apart from it."""
    as_of = as_of or _today()
    parties = [(v, str(label)) for v, label in NON_CPC_CHOICES if v in DEMOCRATIC_PARTIES]
    others = [(v, str(label)) for v, label in NON_CPC_CHOICES if v not in DEMOCRATIC_PARTIES]
    options = [*parties, ("democratic", _("民主党派小计")), *others]
    values = [v for v, _label in options]
    counts, total = _counts("party", values, as_of)
    table = _counted("pool_party", _("在库党外后备干部（按党派）"), _("党派"),
                     [(label, n) for (_v, label), n in zip(options, counts, strict=True)], total,
                     dim="party", values=values, as_of=as_of)
    table.chart_labels = [label for v, label in options if v != "democratic"]
    table.chart_series = [{"label": _("人数"), "data": [n for (v, _l), n in zip(options, counts, strict=True)
                                                      if v != "democratic"]}]
    return table


def pool_by_gender(as_of: datetime.date | None = None) -> Table:
    return _choice_table("pool_gender", _("在库党外后备干部（按性别）"), _("性别"), "gender", Gender.choices,
                         as_of or _today())


def pool_by_age(as_of: datetime.date) -> Table:
    """Full years of age on ``as_of``: born after the day N years before means younger than N."""
    labels = []
    for low, high in AGE_BANDS:
        if low is None:
            labels.append(_("%(age)s 岁及以下") % {"age": high})
        elif high is None:
            labels.append(_("%(age)s 岁及以上") % {"age": low})
        else:
            labels.append(_("%(low)s–%(high)s 岁") % {"low": low, "high": high})
    values = [str(i) for i in range(len(AGE_BANDS))]
    counts, total = _counts("age_band", values, as_of)
    table = _counted("pool_age", _("在库党外后备干部（按年龄段）"), _("年龄段"),
                     list(zip(labels, counts, strict=True)), total, dim="age_band", values=values, as_of=as_of)
    table.note = _("年龄按 %(date)s 计算周岁。") % {"date": as_of.isoformat()}
    return table


def average_ages(as_of: datetime.date) -> Table:
    """Average age (周岁 on ``as_of``) of the pool, its party groups and the 科级以上 cadres."""
    groups = [("pool", "all", _("在库党外后备干部")), ("party", "democratic", _("其中民主党派成员")),
              ("party", Affiliation.NON_PARTY.value, _("其中无党派人士")),
              ("party", Affiliation.MASSES.value, _("其中群众")),
              ("post_role", "all", _("科级以上党外干部"))]
    table = Table("average_age", _("平均年龄"), [_("人员"), _("人数"), _("平均年龄（岁）")])
    pool = list(_pool().values_list("party", "birth_date"))
    cadres = list(_cadres().values_list("birth_date", flat=True))
    for index, (dim, value, label) in enumerate(groups):
        if dim == "post_role":
            births = cadres
        elif value == "all":
            births = [b for _p, b in pool]
        elif value == "democratic":
            births = [b for p, b in pool if p in DEMOCRATIC_PARTIES]
        else:
            births = [b for p, b in pool if p == value]
        table.rows.append([str(label), len(births), average_age(births, as_of)])
        table.links[(index, 1)] = drill_query(dim, value, as_of)
    table.note = _("年龄按 %(date)s 计算周岁，平均值保留一位小数。") % {"date": as_of.isoformat()}
    return table


def pool_by_ethnicity(as_of: datetime.date | None = None) -> Table:
    """汉族 first, then each minority by size; a row for all minorities together."""
    as_of = as_of or _today()
    counts = list(_pool().values("ethnicity").annotate(n=Count("pk")).order_by("-n", "ethnicity"))
    han = next((c["n"] for c in counts if c["ethnicity"] == "汉族"), 0)
    minorities = [(c["ethnicity"], c["n"]) for c in counts if c["ethnicity"] != "汉族"]
    total = han + sum(n for _name, n in minorities)
    table = _counted("pool_ethnicity", _("在库党外后备干部（按民族）"), _("民族"),
                     [("汉族", han), *minorities], total, dim="ethnicity",
                     values=["汉族", *(name for name, _n in minorities)], as_of=as_of)
    table.rows.insert(-1, [_("其中少数民族"), total - han, percent(total - han, total)])
    table.links[(len(table.rows) - 1, 1)] = table.links.pop((len(table.rows) - 2, 1))
    table.links[(len(table.rows) - 2, 1)] = drill_query("ethnicity", "minority", as_of)
    return table


def pool_trends(as_of: datetime.date, years: int = TREND_YEARS) -> Table:
    """The pool at each year's end for the last ``years`` years (module docstring, 年末在库)."""
    first = as_of.year - years + 1
    columns = [("", _("年末在库")), ("democratic", _("民主党派")), (Affiliation.NON_PARTY.value, _("无党派人士")),
               (Affiliation.MASSES.value, _("群众"))]
    table = Table("trends", _("在库党外后备干部逐年变化（近 %(n)s 年）") % {"n": years},
                  [_("年度"), *(str(label) for _v, label in columns), _("当年入库"), _("当年使用"),
                   _("年末平均年龄（岁）")])
    aggregates, births = {}, {}
    people = Person.objects.all()
    for year in range(first, as_of.year + 1):
        for party, _label in columns:
            value = f"{year}:{party}" if party else str(year)
            aggregates[f"p{year}_{party}"] = Count("pk", filter=condition("year_pool", value, as_of))
        aggregates[f"e{year}"] = Count("pk", filter=condition("year_entered", str(year), as_of))
        aggregates[f"u{year}"] = Count("pk", filter=condition("year_used", str(year), as_of))
    figures = people.aggregate(**aggregates)
    for year in range(first, as_of.year + 1):
        day = _year_end(year, as_of)
        births[year] = list(people.filter(in_pool_at(day)).values_list("birth_date", flat=True))
    for row_index, year in enumerate(range(first, as_of.year + 1)):
        row = [str(year)]
        for col, (party, _label) in enumerate(columns, start=1):
            row.append(figures[f"p{year}_{party}"])
            table.links[(row_index, col)] = drill_query("year_pool", f"{year}:{party}" if party else str(year),
                                                        as_of)
        row += [figures[f"e{year}"], figures[f"u{year}"], average_age(births[year], _year_end(year, as_of))]
        table.links[(row_index, len(columns) + 1)] = drill_query("year_entered", str(year), as_of)
        table.links[(row_index, len(columns) + 2)] = drill_query("year_used", str(year), as_of)
        table.rows.append(row)
    table.chart_labels = [r[0] for r in table.rows]
    table.chart_series = [{"label": str(label), "data": [r[i] for r in table.rows]}
                          for i, (_v, label) in enumerate(columns, start=1)]
    table.note = _("年末在库：当年 12 月 31 日（本年为统计日期）已入库且尚未出库、未被使用；党派等信息按现有记录。")
    return table


def pool_against_posts(year: int) -> Table:
    """Pool size against the posts to fill (多于可配备职数 [C1]), from the targets both departments confirmed."""
    # 已配 is computed from the posts held (nomination.joint_selectors), never a typed figure.
    from .joint_selectors import staffing_targets

    confirmed = [t for t in staffing_targets(year) if t.is_confirmed]
    sums = {"teams": len(confirmed), "required_sum": sum(t.required for t in confirmed),
            "filled_sum": sum(t.filled for t in confirmed), "gap_sum": sum(t.gap for t in confirmed)}
    gap = sums["gap_sum"] or 0
    pool = _pool().count()
    unconfirmed = StaffingTarget.objects.filter(year=year).count() - sums["teams"]
    table = Table("pool_posts", _("人才库规模与可配备职数（%(year)s 年度）") % {"year": year}, [_("项目"), _("数值")])
    table.rows = [
        [_("已确认配备表的领导班子"), sums["teams"]],
        [_("应配党外干部职数"), sums["required_sum"] or 0],
        [_("已配党外干部职数"), sums["filled_sum"] or 0],
        [_("可配备职数（缺口）"), gap],
        [_("在库党外后备干部"), pool],
        [_("在库人数与可配备职数之比"), (Decimal(pool) / Decimal(gap)).quantize(Decimal("0.01"), ROUND_HALF_UP)
         if gap else None],
        [_("是否多于可配备职数"), _("是") if pool > gap else _("否")],
    ]
    if unconfirmed:
        table.note = _("另有 %(n)s 个领导班子的配备表尚未经两部确认，未计入。") % {"n": unconfirmed}
    table.chart_labels = [_("可配备职数（缺口）"), _("在库党外后备干部")]
    table.chart_series = [{"label": _("人数"), "data": [gap, pool]}]
    return table


def representative_shares() -> Table:
    """Non-Party shares of the current term of each roster; CPPCC shares against the §5.1 targets."""
    terms = {t.body: t for t in RosterTerm.objects.filter(is_current=True)}
    non_cpc = ~Q(affiliation=Affiliation.CPC)
    aggregates = RosterEntry.objects.filter(term__is_current=True).values("term__body").annotate(
        members=Count("pk"), members_nc=Count("pk", filter=non_cpc),
        standing=Count("pk", filter=Q(is_standing=True)), standing_nc=Count("pk", filter=Q(is_standing=True) & non_cpc),
        vice_chairs=Count("pk", filter=Q(is_vice_chair=True)),
        vice_chairs_nc=Count("pk", filter=Q(is_vice_chair=True) & non_cpc),
    )
    by_body = {a["term__body"]: a for a in aggregates}
    table = Table("shares", _("人大代表、政协委员中党外人士占比"), [
        _("名册"), _("届次"), _("类别"), _("总数"), _("党外人数"), _("党外占比（%）"), _("目标（%）"), _("是否达标")])
    groups = (("members", _("代表/委员")), ("standing", _("常委")), ("vice_chairs", _("副主席（副主任）")))
    for body, body_label in RosterBody.choices:
        term, counts = terms.get(body), by_body.get(body, {})
        for key, group_label in groups:
            total, nc = counts.get(key, 0), counts.get(f"{key}_nc", 0)
            share = percent(nc, total)
            target = CPPCC_TARGETS[key] if body in CPPCC_BODIES else None
            met = "—" if target is None or share is None else (_("是") if share >= target else _("否"))
            table.rows.append([str(body_label), str(term) if term else "—", str(group_label), total, nc, share,
                               target, met])
    table.chart_labels = [f"{r[0]}·{r[2]}" for r in table.rows if r[3]]
    table.chart_series = [
        {"label": _("党外占比（%）"), "data": [float(r[5]) for r in table.rows if r[3]]},
        {"label": _("目标（%）"), "data": [float(r[6]) if r[6] is not None else None for r in table.rows if r[3]]},
    ]
    table.note = _("目标依《中国共产党统一战线工作条例》第四十四条：政协委员中党外人士不少于 60%，常委不少于 65%，副主席不少于 50%（换届时）。")
    return table


def share_of(table: Table, body_label: str, group_label: str) -> list:
    """The row of :func:`representative_shares` for one roster and group."""
    return next(r for r in table.rows if r[0] == body_label and r[2] == group_label)


def all_tables(*, as_of: datetime.date, year: int, trend_years: int = TREND_YEARS) -> list[Table]:
    """The page and its Excel export, in order (both are built from this list only)."""
    return [
        cadres_by_rank(as_of),
        cadres_by_post_role(as_of),
        teams_staffing(year, as_of),
        pool_by_rank(as_of),
        pool_by_grade(as_of),
        pool_by_uf_category(as_of),
        pool_by_party(as_of),
        pool_by_education(as_of),
        pool_by_age(as_of),
        average_ages(as_of),
        pool_by_gender(as_of),
        pool_by_ethnicity(as_of),
        pool_trends(as_of, trend_years),
        pool_against_posts(year),
        representative_shares(),
    ]
