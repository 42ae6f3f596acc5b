"""The figures of a county UFWD work report, computed from the records (DOMAIN §4.5 counts, §4.2, §5.1 shares).

Each function returns a :class:`Table` (rows for the page and the export, a series for the chart); every count is
one aggregate query, so the page costs the same whatever the pool's size.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from .models import (
    CPPCC_BODIES,
    LEADING_LEVELS,
    NON_CPC_CHOICES,
    Affiliation,
    Education,
    Gender,
    Person,
    PoolState,
    PostLevel,
    RosterBody,
    RosterEntry,
    RosterTerm,
    StaffingTarget,
)

# DOMAIN §5.1 [R] (统战条例 2020 art. 44): non-Party shares at a change of term of a CPPCC.
CPPCC_TARGETS = {"members": Decimal(60), "standing": Decimal(65), "vice_chairs": Decimal(50)}
AGE_BANDS = ((None, 35), (36, 40), (41, 45), (46, 50), (51, None))


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    chart_labels: list[str] = field(default_factory=list)
    chart_series: list[dict] = field(default_factory=list)
    note: str = ""

    def chart(self) -> dict:
        return {"key": self.key, "title": self.title, "labels": self.chart_labels, "series": self.chart_series}

    def labelled_rows(self) -> list[list[tuple[str, object]]]:
        """Each cell with its column header (the stacked table's data-label on narrow screens)."""
        return [list(zip(self.headers, row, strict=False)) for row in self.rows]

    def value(self, label: str, column: int = 1):
        """The cell of the row labelled ``label`` (tests and callers read figures by label)."""
        return next(row[column] for row in self.rows if row[0] == label)


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


def _counted(key: str, title: str, label_header: str, counts: list[tuple[str, int]], total: int) -> Table:
    table = Table(key, title, [label_header, _("人数"), _("占比（%）")])
    for label, count in counts:
        table.rows.append([label, count, percent(count, total)])
    table.rows.append([_("合计"), total, percent(total, total)])
    table.chart_labels = [label for label, _count in counts]
    table.chart_series = [{"label": _("人数"), "data": [count for _label, count in counts]}]
    return table


def cadres_by_rank() -> Table:
    """Non-Party cadres at or above 科级, by 职务层次, with those in leadership posts (实职)."""
    aggregates = Person.objects.filter(post_level__in=LEADING_LEVELS).aggregate(**{
        f"{level}_{kind}": Count("pk", filter=Q(post_level=level, **extra))
        for level in LEADING_LEVELS for kind, extra in (("all", {}), ("real", {"is_leadership_post": True}))
    })
    table = Table("cadre_ranks", _("科级以上党外干部（按职务层次）"), [_("职务层次"), _("人数"), _("其中实职")])
    for level in LEADING_LEVELS:
        table.rows.append([str(PostLevel(level).label), aggregates[f"{level}_all"], aggregates[f"{level}_real"]])
    table.rows.append([_("合计"), sum(r[1] for r in table.rows), sum(r[2] for r in table.rows)])
    table.chart_labels = [r[0] for r in table.rows[:-1]]
    table.chart_series = [{"label": _("人数"), "data": [r[1] for r in table.rows[:-1]]},
                          {"label": _("其中实职"), "data": [r[2] for r in table.rows[:-1]]}]
    return table


def _pool():
    return Person.objects.filter(pool_state=PoolState.IN_POOL)


def _by_choice(queryset, field_name: str, choices) -> tuple[list[tuple[str, int]], int]:
    aggregates = queryset.aggregate(total=Count("pk"), **{
        f"c{index}": Count("pk", filter=Q(**{field_name: value})) for index, (value, _label) in enumerate(choices)
    })
    return [(str(label), aggregates[f"c{i}"]) for i, (_value, label) in enumerate(choices)], aggregates["total"]


def pool_by_rank() -> Table:
    levels = [*PostLevel.choices, ("", _("无职务层次"))]
    counts, total = _by_choice(_pool(), "post_level", levels)
    return _counted("pool_ranks", _("在库党外后备干部（按职务层次）"), _("职务层次"), counts, total)


def pool_by_education() -> Table:
    counts, total = _by_choice(_pool(), "education", Education.choices)
    return _counted("pool_education", _("在库党外后备干部（按学历）"), _("学历"), counts, total)


def pool_by_party() -> Table:
    counts, total = _by_choice(_pool(), "party", NON_CPC_CHOICES)
    return _counted("pool_party", _("在库党外后备干部（按党派）"), _("党派"), counts, total)


def pool_by_gender() -> Table:
    counts, total = _by_choice(_pool(), "gender", Gender.choices)
    return _counted("pool_gender", _("在库党外后备干部（按性别）"), _("性别"), counts, total)


def pool_by_age(as_of: datetime.date) -> Table:
    """Full years of age on ``as_of``: born after the day N years before means younger than N."""
    filters, labels = [], []
    for low, high in AGE_BANDS:
        condition = Q()
        if high is not None:
            condition &= Q(birth_date__gt=years_before(as_of, high + 1))
        if low is not None:
            condition &= Q(birth_date__lte=years_before(as_of, low))
        filters.append(condition)
        if low is None:
            labels.append(_("%(age)s 岁及以下") % {"age": high})
        elif high is None:
            labels.append(_("%(age)s 岁及以上") % {"age": low})
        else:
            labels.append(_("%(low)s–%(high)s 岁") % {"low": low, "high": high})
    aggregates = _pool().aggregate(total=Count("pk"), **{
        f"b{i}": Count("pk", filter=condition) for i, condition in enumerate(filters)})
    counts = [(label, aggregates[f"b{i}"]) for i, label in enumerate(labels)]
    table = _counted("pool_age", _("在库党外后备干部（按年龄段）"), _("年龄段"), counts, aggregates["total"])
    table.note = _("年龄按 %(date)s 计算周岁。") % {"date": as_of.isoformat()}
    return table


def pool_by_ethnicity() -> Table:
    """汉族 first, then each minority by size; a row for all minorities together."""
    counts = list(_pool().values("ethnicity").annotate(n=Count("pk")).order_by("-n", "ethnicity"))
    han = next((c["n"] for c in counts if c["ethnicity"] == "汉族"), 0)
    minorities = [(c["ethnicity"], c["n"]) for c in counts if c["ethnicity"] != "汉族"]
    total = han + sum(n for _name, n in minorities)
    table = _counted("pool_ethnicity", _("在库党外后备干部（按民族）"), _("民族"),
                     [("汉族", han), *minorities], total)
    table.rows.insert(-1, [_("其中少数民族"), total - han, percent(total - han, total)])
    return table


def pool_against_posts(year: int) -> Table:
    """Pool size against the posts to fill (多于可配备职数 [C1]), from the targets both departments confirmed."""
    confirmed = StaffingTarget.objects.filter(year=year, org_confirmed_at__isnull=False,
                                              uf_confirmed_at__isnull=False)
    sums = confirmed.aggregate(
        required_sum=Sum("required"), filled_sum=Sum("filled"), teams=Count("pk"),
        gap_sum=Sum(Greatest(F("required") - F("filled"), Value(0), output_field=IntegerField())),
    )
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


def all_tables(*, as_of: datetime.date, year: int) -> list[Table]:
    return [
        cadres_by_rank(),
        pool_by_rank(),
        pool_by_education(),
        pool_by_party(),
        pool_by_age(as_of),
        pool_by_gender(),
        pool_by_ethnicity(),
        pool_against_posts(year),
        representative_shares(),
    ]
