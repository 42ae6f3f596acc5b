"""Year-end statistics of the proposal process (DOMAIN §2.8, step B21), computed from the records.

Every figure is an aggregate query over the proposals in scope (about ten queries per report, whatever the number of
proposals). The measures, with their denominators:

Scope
    The proposals of one term (``Proposal.term``) and, when a year is chosen, submitted in that calendar year
    (``submitted_at`` in Asia/Shanghai). A proposal is *received* once it has been submitted (``submitted_at`` set)
    and is not a draft (a proposal recalled before 立案 is a draft again); proposals under review, returned for
    revision, not accepted, merged and withdrawn are all received.

Proposal counts (denominator of every rate in this group: 收到提案数)
    收到提案数 N: received proposals, split by proposer type (集体 = party, organisation, sector, group and committee
    proposals; 委员个人 = member; 联名 = joint) and by the seven kinds.
    立案数: received proposals given an official number (``accepted_at`` set), including any later withdrawn, whose
    number stays taken. 立案率 = 立案数 / N.
    并案数, 不予立案数, 撤案数: received proposals in status merged, not accepted, withdrawn.
    重点提案数: received proposals the chair meeting made key proposals.
    By topic: received and accepted proposals per topic (类别), with each topic's share of N.

Handling (denominator of the proposal-level rates: 交办数 T = received proposals with ``assigned_at`` set)
    Answering assignment: a live (not reassigned) assignment as 主办, 独办 or 分办; 会办 units do not answer.
    已办复数: assigned proposals with at least one answering assignment, every one of which has an issued
    first-round reply. 办复率 = 已办复数 / T.
    按期办复数: assigned proposals whose every answering assignment issued its first-round reply on or before the
    deadline it answered: the reply's linked due item (the one stored deadline; an approved extension and a calendar
    edit move it, re-handling opens a new one for the second round). 按期办复率 = 按期办复数 / T.
    办结数: assigned proposals in status concluded. 办结率 = 办结数 / T.
    承办单位数: units with a live assignment (any role) on a received proposal; 主办单位数: those with an
    answering one.

Outcome categories (denominator: answers)
    An answer is the latest issued reply (highest round) of an answering assignment; A/B/C/D counts are answers
    per category, shares are over all answers.

Satisfaction (denominator: returned forms)
    A returned form is an evaluation whose rating is not 未评价 (forms deemed 满意 by the no-answer setting count
    as 满意, as the county's setting says). 满意率 = (满意 + 基本满意) / returned forms, also split into the 满意 and
    基本满意 shares, for 办理结果 and for 办理工作 separately. 满意率 counts each evaluator's latest returned form
    on each proposal (the second round replaces the first after re-handling); 初次办理满意率 counts the first-round
    forms only. The headline figures use 办理结果.

Per unit (denominator: the unit's answering assignments on received proposals)
    承办件数 = live assignments, 主办件数 = answering ones, 会办件数 = co-handling ones. 已办复, 按期办复 and
    办结 count answering assignments with an issued first-round reply, with one issued on time, and whose proposal
    is concluded; each rate is over 主办件数. Category counts are the unit's answers. 满意率 and 初次办理满意率 are
    over the returned forms of the proposals the unit answers (a form on a 分办 proposal counts for each of its
    answering units).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Assignment, Evaluation, OutcomeCategory, Proposal, ProposalStatus, Reply, Term, Topic
from ..services import ANSWERING_ROLES

LIVE_STATES = [state for state in Assignment.State.values if state != Assignment.State.REASSIGNED]
RATINGS = (Evaluation.Rating.SATISFIED, Evaluation.Rating.BASIC, Evaluation.Rating.DISSATISFIED)
RETURNED = ~Q(result_rating=Evaluation.Rating.NONE)

# The definitions shown under the tables and in the export (the module docstring in the users' words).
DEFINITIONS = (
    gettext_lazy("收到提案数：已提交的提案（草稿除外），含审查中、退回修改、不予立案、并案和撤案的提案；按提交日期（北京时间）归入年度。"),
    gettext_lazy("立案率 = 立案数 ÷ 收到提案数；立案后撤案的仍计入立案数。"),
    gettext_lazy("办复率、按期办复率、办结率的分母为交办数（已交办的提案）。主办、独办、分办单位的第一轮答复均已签发的提案为已办复；均在办理期限（含批准的延期）当日或之前签发的为按期办复。会办单位不单独答复。"),
    gettext_lazy("答复分类按件统计：每个答复单位最后一次签发的答复计一件，占比的分母为答复件数。"),
    gettext_lazy("满意率 =（满意 + 基本满意）÷ 回收的征询意见表份数（“未评价”不计）；每位评价人取其最后一次评价，重新办理后的评价替代首次评价。初次办理满意率只统计第一轮评价。"),
    gettext_lazy("承办单位表以该单位的主办（独办、分办）件数为分母；满意率按该单位答复的提案的评价计算，分办提案的评价计入每个答复单位。"),
)


@dataclass
class Table:
    """One statistics table: the rows are what the page shows and what the export writes, cell for cell."""

    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    chart: dict | None = None

    def cells(self) -> list[list[tuple[str, object]]]:
        """Each row's cells with their headers (the phone layout labels every cell)."""
        return [list(zip(self.headers, row, strict=True)) for row in self.rows]

    def value(self, label: str, header: str):
        """The cell of the row labelled ``label`` under ``header``."""
        column = self.headers.index(header)
        return next(row[column] for row in self.rows if row[0] == label)


@dataclass
class Report:
    term: Term | None
    year: int | None
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)

    def charts(self) -> list[dict]:
        """The chart specifications for the page's script (percentages as plain numbers)."""
        charts = []
        for table in self.tables:
            if table.chart:
                datasets = [{**d, "data": [None if v is None else float(v) for v in d["data"]]}
                            for d in table.chart["datasets"]]
                charts.append({**table.chart, "key": table.key, "title": table.title, "datasets": datasets})
        return charts


def percent(part: int, whole: int) -> Decimal | None:
    """A share in per cent to one decimal, rounded half up; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def received(term: Term | None, year: int | None):
    proposals = Proposal.objects.filter(submitted_at__isnull=False).exclude(status=ProposalStatus.DRAFT)
    if term is not None:
        proposals = proposals.filter(term=term)
    if year:
        proposals = proposals.filter(submitted_at__year=year)
    return proposals


def years(term: Term | None) -> list[int]:
    """The years in which the term's proposals were submitted, newest first (the year filter's choices)."""
    proposals = received(term, None)
    return list(proposals.annotate(y=ExtractYear("submitted_at")).values_list("y", flat=True).distinct().order_by("-y"))


def _first_reply(*, on_time: bool = False) -> Exists:
    """Inside an Assignment query: the assignment has an issued first-round reply (issued by its deadline)."""
    replies = Reply.objects.filter(assignment=OuterRef("pk"), round=1, status=Reply.Status.ISSUED)
    if on_time:
        # The deadline the reply answered: its round's due item (linked, never copied).
        replies = replies.filter(issued_at__lte=F("due_item__due_at"))
    return Exists(replies)


def _proposal_figures(proposals) -> dict:
    answering = Assignment.objects.filter(proposal=OuterRef("pk"), role__in=ANSWERING_ROLES, state__in=LIVE_STATES)
    assigned = Q(assigned_at__isnull=False)
    handled = assigned & Exists(answering)
    accepted = Q(accepted_at__isnull=False)
    by_kind = {}
    for kind in Proposal.Kind.values:
        by_kind[f"kind_{kind}"] = Count("pk", filter=Q(kind=kind))
        by_kind[f"accepted_{kind}"] = Count("pk", filter=Q(kind=kind) & accepted)
    return proposals.aggregate(
        received=Count("pk"),
        accepted=Count("pk", filter=accepted),
        merged=Count("pk", filter=Q(status=ProposalStatus.MERGED)),
        not_accepted=Count("pk", filter=Q(status=ProposalStatus.NOT_ACCEPTED)),
        withdrawn=Count("pk", filter=Q(status=ProposalStatus.WITHDRAWN)),
        key=Count("pk", filter=Q(key_status="key")),
        assigned=Count("pk", filter=assigned),
        replied=Count("pk", filter=handled & ~Exists(answering.filter(~_first_reply()))),
        on_time=Count("pk", filter=handled & ~Exists(answering.filter(~_first_reply(on_time=True)))),
        concluded=Count("pk", filter=assigned & Q(status=ProposalStatus.CONCLUDED)),
        **by_kind,
    )


def _unit_figures(proposals) -> list[dict]:
    answering = Q(role__in=ANSWERING_ROLES)
    live = Assignment.objects.filter(proposal__in=proposals, state__in=LIVE_STATES)
    return list(
        live.values("unit_id", "unit__name")
        .annotate(
            total=Count("pk"),
            answering=Count("pk", filter=answering),
            co=Count("pk", filter=Q(role=Assignment.Role.CO)),
            replied=Count("pk", filter=answering & _first_reply()),
            on_time=Count("pk", filter=answering & _first_reply(on_time=True)),
            concluded=Count("pk", filter=answering & Q(proposal__status=ProposalStatus.CONCLUDED)),
        )
        .order_by("unit__name", "unit_id")
    )


def _answers_by_category(proposals) -> dict[tuple[int, int], int]:
    """(unit id, category id) → answers: the latest issued reply of each answering assignment."""
    later = Reply.objects.filter(assignment=OuterRef("assignment"), status=Reply.Status.ISSUED,
                                 round__gt=OuterRef("round"))
    answers = Reply.objects.filter(
        status=Reply.Status.ISSUED, assignment__proposal__in=proposals, assignment__role__in=ANSWERING_ROLES,
        assignment__state__in=LIVE_STATES,
    ).filter(~Exists(later))
    rows = answers.values("assignment__unit_id", "category_id").annotate(n=Count("pk")).order_by()
    return {(row["assignment__unit_id"], row["category_id"]): row["n"] for row in rows}


def _returned_forms(proposals):
    later = Evaluation.objects.filter(RETURNED, proposal=OuterRef("proposal"), evaluator=OuterRef("evaluator"),
                                      round__gt=OuterRef("round"))
    return Evaluation.objects.filter(RETURNED, proposal__in=proposals).alias(latest=~Exists(later))


def _rating_counts(prefix: str, condition: Q) -> dict:
    counts = {f"{prefix}_n": Count("pk", filter=condition)}
    for dimension in ("result", "work"):
        for rating in RATINGS:
            counts[f"{prefix}_{dimension}_{rating}"] = Count(
                "pk", filter=condition & Q(**{f"{dimension}_rating": rating}))
    return counts


def _rating_aggregates() -> dict:
    return {**_rating_counts("latest", Q(latest=True)), **_rating_counts("first", Q(round=1))}


def _satisfaction(figures: dict, prefix: str, dimension: str = "result") -> Decimal | None:
    good = figures[f"{prefix}_{dimension}_satisfied"] + figures[f"{prefix}_{dimension}_basic"]
    return percent(good, figures[f"{prefix}_n"])


# --- tables ----------------------------------------------------------------------------------------------------------


def _overview(p: dict, units: list[dict], ratings: dict) -> Table:
    table = Table("overview", _("总体情况"), [_("指标"), _("数值")])
    table.rows = [
        [_("收到提案数"), p["received"]],
        [_("立案数"), p["accepted"]],
        [_("立案率（%）"), percent(p["accepted"], p["received"])],
        [_("并案数"), p["merged"]],
        [_("不予立案数"), p["not_accepted"]],
        [_("撤案数"), p["withdrawn"]],
        [_("重点提案数"), p["key"]],
        [_("交办数"), p["assigned"]],
        [_("承办单位数"), sum(1 for u in units if u["total"])],
        [_("主办单位数"), sum(1 for u in units if u["answering"])],
        [_("已办复数"), p["replied"]],
        [_("办复率（%）"), percent(p["replied"], p["assigned"])],
        [_("按期办复数"), p["on_time"]],
        [_("按期办复率（%）"), percent(p["on_time"], p["assigned"])],
        [_("办结数"), p["concluded"]],
        [_("办结率（%）"), percent(p["concluded"], p["assigned"])],
        [_("回收征询意见表（份）"), ratings["latest_n"]],
        [_("满意率（%）"), _satisfaction(ratings, "latest")],
        [_("初次办理满意率（%）"), _satisfaction(ratings, "first")],
    ]
    return table


def _split(key: str, title: str, label_header: str, groups: list[tuple[str, int, int]], total: int) -> Table:
    """Received and accepted proposals per group, with each group's share of the received and its 立案率."""
    table = Table(key, title, [label_header, _("收到"), _("占比（%）"), _("立案"), _("立案率（%）")])
    for label, count, accepted in groups:
        table.rows.append([label, count, percent(count, total), accepted, percent(accepted, count)])
    accepted_total = sum(accepted for _label, _count, accepted in groups)
    table.rows.append([_("合计"), total, percent(total, total), accepted_total, percent(accepted_total, total)])
    table.chart = {
        "type": "bar",
        "labels": [label for label, _count, _accepted in groups],
        "datasets": [{"label": _("收到"), "data": [count for _label, count, _accepted in groups]},
                     {"label": _("立案"), "data": [accepted for _label, _count, accepted in groups]}],
    }
    return table


def _by_proposer_type(p: dict) -> Table:
    """集体 (every kind but member and joint), 委员个人 and 联名 (DOMAIN §2.1)."""
    groups = [
        (label, sum(p[f"kind_{k}"] for k in kinds), sum(p[f"accepted_{k}"] for k in kinds))
        for label, kinds in (
            (_("集体提案"), [str(kind) for kind in Proposal.COLLECTIVE_KINDS]),
            (_("委员个人提案"), [Proposal.Kind.MEMBER.value]),
            (_("联名提案"), [Proposal.Kind.JOINT.value]),
        )
    ]
    table = _split("by_type", _("按提案者类型"), _("类型"), groups, p["received"])
    table.chart["type"] = "doughnut"
    table.chart["datasets"] = table.chart["datasets"][:1]
    return table


def _by_kind(p: dict) -> Table:
    groups = [(str(label), p[f"kind_{kind}"], p[f"accepted_{kind}"]) for kind, label in Proposal.Kind.choices]
    return _split("by_kind", _("按提案类型"), _("提案类型"), groups, p["received"])


def _by_topic(proposals, total: int) -> Table:
    counted = {
        row["topic_id"]: row
        for row in proposals.values("topic_id").annotate(
            n=Count("pk"), accepted=Count("pk", filter=Q(accepted_at__isnull=False))).order_by()
    }
    groups = [(topic.name, counted.get(topic.pk, {}).get("n", 0), counted.get(topic.pk, {}).get("accepted", 0))
              for topic in Topic.objects.all()]
    if None in counted:
        groups.append((_("未分类"), counted[None]["n"], counted[None]["accepted"]))
    return _split("by_topic", _("按类别"), _("类别"), groups, total)


def _categories_table(categories: list[OutcomeCategory], answers: dict) -> Table:
    table = Table("categories", _("答复分类"), [_("分类"), _("名称"), _("件数"), _("占比（%）")])
    per_category = {c.pk: sum(n for (_unit, category), n in answers.items() if category == c.pk) for c in categories}
    total = sum(per_category.values())
    for category in categories:
        table.rows.append([category.code, category.name, per_category[category.pk],
                           percent(per_category[category.pk], total)])
    table.rows.append([_("合计"), "", total, percent(total, total)])
    table.chart = {"type": "doughnut", "labels": [c.code for c in categories],
                   "datasets": [{"label": _("件数"), "data": [per_category[c.pk] for c in categories]}]}
    return table


def _satisfaction_table(r: dict) -> Table:
    table = Table("satisfaction", _("满意度测评"), [
        _("项目"), _("回收（份）"), _("满意"), _("基本满意"), _("不满意"), _("满意率（%）"), _("满意（%）"),
        _("基本满意（%）")])
    for prefix, dimension, label in (
        ("latest", "result", _("办理结果")),
        ("latest", "work", _("办理工作")),
        ("first", "result", _("初次办理·办理结果")),
        ("first", "work", _("初次办理·办理工作")),
    ):
        n = r[f"{prefix}_n"]
        satisfied, basic = r[f"{prefix}_{dimension}_satisfied"], r[f"{prefix}_{dimension}_basic"]
        table.rows.append([label, n, satisfied, basic, r[f"{prefix}_{dimension}_dissatisfied"],
                           percent(satisfied + basic, n), percent(satisfied, n), percent(basic, n)])
    table.chart = {
        "type": "bar", "stacked": True, "labels": [row[0] for row in table.rows],
        "datasets": [{"label": header, "data": [row[index] for row in table.rows], "backgroundColor": colour}
                     for index, header, colour in ((2, _("满意"), "#2e7d32"), (3, _("基本满意"), "#f9a825"),
                                                   (4, _("不满意"), "#b71c1c"))],
    }
    return table


def _units_table(units: list[dict], categories: list[OutcomeCategory], answers: dict, ratings: dict) -> Table:
    table = Table("units", _("承办单位"), [
        _("承办单位"), _("承办件数"), _("主办件数"), _("会办件数"), _("已办复"), _("办复率（%）"), _("按期办复"),
        _("按期办复率（%）"), _("办结"), _("办结率（%）"), *[c.code for c in categories], _("回收（份）"),
        _("满意率（%）"), _("初次办理满意率（%）")])
    empty = {key: 0 for key in _rating_aggregates()}
    for unit in units:
        r = ratings.get(unit["unit_id"], empty)
        n = unit["answering"]
        table.rows.append([
            unit["unit__name"], unit["total"], n, unit["co"], unit["replied"], percent(unit["replied"], n),
            unit["on_time"], percent(unit["on_time"], n), unit["concluded"], percent(unit["concluded"], n),
            *[answers.get((unit["unit_id"], c.pk), 0) for c in categories],
            r["latest_n"], _satisfaction(r, "latest"), _satisfaction(r, "first"),
        ])
    rated = [row for row in table.rows if row[2]]
    table.chart = {
        "type": "bar", "labels": [row[0] for row in rated],
        "datasets": [{"label": table.headers[index], "data": [row[index] for row in rated]}
                     for index in (5, 7, len(table.headers) - 2)],
        "percent": True,
    }
    return table


def report(*, term: Term | None, year: int | None = None) -> Report:
    """All statistics tables for a term and (optionally) a year; a fixed number of queries."""
    proposals = received(term, year)
    p = _proposal_figures(proposals)
    units = _unit_figures(proposals)
    answers = _answers_by_category(proposals)
    used = {category for (_unit, category) in answers}
    categories = [c for c in OutcomeCategory.objects.order_by("order", "code") if c.is_active or c.pk in used]
    forms = _returned_forms(proposals)
    ratings = forms.aggregate(**_rating_aggregates())
    unit_ratings = {
        row.pop("proposal__assignments__unit_id"): row
        for row in forms.filter(proposal__assignments__role__in=ANSWERING_ROLES,
                                proposal__assignments__state__in=LIVE_STATES)
        .values("proposal__assignments__unit_id").annotate(**_rating_aggregates()).order_by()
    }
    tables = [
        _overview(p, units, ratings),
        _by_proposer_type(p),
        _by_kind(p),
        _by_topic(proposals, p["received"]),
        _categories_table(categories, answers),
        _satisfaction_table(ratings),
        _units_table(units, categories, answers, unit_ratings),
    ]
    return Report(term=term, year=year, tables=tables)
