"""Earlier years' proposals from Excel (issue #11 item 2), so that statistics and duplicate checks cover them.

Each row becomes one concluded proposal of the chosen term with its official number, proposers (named members of
that term's roster: the first is the 第一提案人, the others confirmed 联名人), category, handling units (主办 and 会办,
with the state 已答复), one issued first-round reply per answering unit with its 答复分类 (never published), the
first proposer's 满意度 and the dates. It is a data import, not a case step: the rows are written directly, all of
them in one transaction, and each proposal's timeline starts with "导入往年提案" (``proposal.imported``). A number
already on file is refused, never overwritten; the term's number counter is raised past the imported numbers.
"""

import datetime
import re
from collections import defaultdict

from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows import audit, locks
from workflows.imports import CellError, Column, Importer, Plan, RowPlan, UploadForm, check_plan, column_for
from workflows.models import Unit

from .models import (
    Assignment,
    Cosigner,
    Evaluation,
    Member,
    NumberCounter,
    OutcomeCategory,
    Proposal,
    ProposalStatus,
    Reply,
    Term,
    Topic,
)

RATINGS = tuple((v, str(label)) for v, label in Evaluation.Rating.choices if v != Evaluation.Rating.NONE)
KINDS = tuple((v, str(label)) for v, label in Proposal.Kind.choices)
DATES = ("submitted_on", "accepted_on", "assigned_on", "replied_on", "concluded_on")
REPLY_BODY = gettext_lazy("（往年提案导入，答复正文未录入系统）")


def columns() -> list[Column]:
    return [
        Column("year", _("年度"), required=True, kind="int"),
        Column("serial", _("编号"), required=True, kind="code", max_length=40),
        column_for(Proposal, "title", _("案由"), required=True),
        Column("kind", _("提案类型"), kind="choice", choices=KINDS),
        Column("proposers", _("提案人"), kind="list"),
        column_for(Proposal, "organisation_name", _("提案单位")),
        Column("topic", _("类别"), max_length=Topic._meta.get_field("name").max_length),
        Column("lead_units", _("主办单位"), kind="list"),
        Column("co_units", _("会办单位"), kind="list"),
        Column("category", _("答复分类"), max_length=80),
        Column("rating", _("满意度"), kind="choice", choices=RATINGS),
        Column("submitted_on", _("提交日期"), required=True, kind="date"),
        Column("accepted_on", _("立案日期"), kind="date"),
        Column("assigned_on", _("交办日期"), kind="date"),
        Column("replied_on", _("答复日期"), kind="date"),
        Column("concluded_on", _("办结日期"), kind="date"),
        Column("reasons", _("内容"), max_length=Proposal._meta.get_field("reasons").max_length),
    ]


class HistoryUploadForm(UploadForm):
    term = forms.ModelChoiceField(label=gettext_lazy("届次"), queryset=Term.objects.all(), empty_label=None,
                                  help_text=gettext_lazy("提案人按该届委员名册的姓名匹配。"))


def _serial(text: str) -> int | None:
    """“12”, “012”, “2023年第012号” → 12."""
    if text.isdigit():
        return int(text)
    match = re.search(r"第\s*(\d+)\s*号", text)
    return int(match.group(1)) if match else None


def _category(text: str, categories: list[OutcomeCategory]) -> OutcomeCategory | None:
    """“A”, “A类”, “A 已解决” or the name alone."""
    code = text.split()[0].rstrip("类").upper() if text.split() else ""
    for category in categories:
        if code == category.code.upper() or text == category.name or text == str(category):
            return category
    return None


class _Lookups:
    """Everything a row is matched against, read once per plan."""

    def __init__(self, term: Term):
        self.members = defaultdict(list)
        for member in Member.objects.filter(term=term).select_related("user"):
            self.members[member.name].append(member)
        self.topics = {t.name: t for t in Topic.objects.all()}
        self.units = {}
        for unit in Unit.objects.all():
            self.units[unit.name] = unit
            if unit.short_name:
                self.units.setdefault(unit.short_name, unit)
        self.categories = list(OutcomeCategory.objects.all())
        self.numbers = set(Proposal.objects.filter(term=term, serial__isnull=False).values_list("year", "serial"))


def plan(rows, options) -> tuple[Plan, list]:
    """Check every row against the term's roster and the code lists: (plan, [(row, resolved values), ...])."""
    term = Term.objects.get(pk=options["term"])
    look = _Lookups(term)
    result, resolved, seen = Plan(), [], {}
    for number, record in rows:
        errors = []
        values = _resolve(number, record, look, errors)
        key = (record.get("year"), values.get("serial"))
        if None not in key:
            if key in look.numbers:
                errors.append(CellError(number, _("编号"), _("%(year)s 年第 %(serial)s 号已在系统中，不会覆盖。") % {
                    "year": key[0], "serial": key[1]}))
            elif key in seen:
                errors.append(CellError(number, _("编号"), _("与第 %(row)s 行编号相同。") % {"row": seen[key]}))
            else:
                seen[key] = number
        if errors or not all(k in record for k in ("year", "title", "submitted_on")) or "serial" not in values:
            result.errors.extend(errors)
            continue
        shown = [[_("提案人"), "", "、".join(m.name for m in values["proposers"]) or values["organisation_name"]]]
        if values["topic"]:
            shown.append([_("类别"), "", values["topic"].name])
        units = [u.name for u in values["lead_units"]] + [_("%(unit)s（会办）") % {"unit": u.name}
                                                          for u in values["co_units"]]
        if units:
            shown.append([_("承办单位"), "", "、".join(units)])
        if values["category"]:
            shown.append([_("答复分类"), "", str(values["category"])])
        label = _("%(year)s年第%(serial)s号 %(title)s") % {
            "year": record["year"], "serial": f"{values['serial']:03d}", "title": record["title"]}
        result.rows.append(RowPlan(number, "new", label, shown))
        resolved.append((number, {**record, **values}))
    return result, resolved


def _resolve(number, record, look: _Lookups, errors: list) -> dict:
    values = {"proposers": [], "topic": None, "lead_units": [], "co_units": [], "category": None,
              "organisation_name": record.get("organisation_name", "")}
    if "serial" in record:
        serial = _serial(record["serial"])
        if serial is None or serial < 1:
            errors.append(CellError(number, _("编号"), _("请填写序号，如 12 或 2023年第012号。")))
        else:
            values["serial"] = serial
    for name in record.get("proposers", ()):
        members = look.members.get(name, [])
        if len(members) == 1:
            values["proposers"].append(members[0])
        elif not members:
            errors.append(CellError(number, _("提案人"), _("“%(name)s”不在该届委员名册中。") % {"name": name}))
        else:
            errors.append(CellError(number, _("提案人"), _("名册中有 %(count)s 位“%(name)s”，无法确定是哪一位。") % {
                "count": len(members), "name": name}))
    kind = record.get("kind") or (Proposal.Kind.JOINT if len(record.get("proposers", ())) > 1 else Proposal.Kind.MEMBER)
    values["kind"] = kind
    if kind in Proposal.COLLECTIVE_KINDS:
        if not values["organisation_name"]:
            errors.append(CellError(number, _("提案单位"), _("集体提案须填写提案单位。")))
    elif not record.get("proposers"):
        errors.append(CellError(number, _("提案人"), _("委员提案和联名提案须填写提案人。")))
    if "topic" in record:
        values["topic"] = look.topics.get(record["topic"])
        if values["topic"] is None:
            errors.append(CellError(number, _("类别"), _("没有提案类别“%(name)s”。") % {"name": record["topic"]}))
    for key, header in (("lead_units", _("主办单位")), ("co_units", _("会办单位"))):
        for name in record.get(key, ()):
            unit = look.units.get(name)
            if unit is None:
                errors.append(CellError(number, header, _("没有名为“%(unit)s”的单位。") % {"unit": name}))
            else:
                values[key].append(unit)
    if values["co_units"] and not values["lead_units"]:
        errors.append(CellError(number, _("主办单位"), _("有会办单位时须填写主办单位。")))
    if "category" in record:
        values["category"] = _category(record["category"], look.categories)
        if values["category"] is None:
            errors.append(CellError(number, _("答复分类"), _("没有答复分类“%(name)s”。") % {"name": record["category"]}))
    elif values["lead_units"]:
        errors.append(CellError(number, _("答复分类"), _("有承办单位时须填写答复分类。")))
    if "rating" in record and not values["proposers"] and not errors:
        errors.append(CellError(number, _("满意度"), _("满意度须由提案人评价，请填写提案人。")))
    dates = [(key, record[key]) for key in DATES if key in record]
    for (_k1, first), (key, later) in zip(dates, dates[1:], strict=False):
        if later < first:
            header = {c.key: c.header for c in columns()}[key]
            errors.append(CellError(number, header, _("不能早于前一个日期（%(date)s）。") % {"date": first}))
    return values


def _moment(iso: str | None, fallback: datetime.datetime | None = None) -> datetime.datetime | None:
    """A date of the sheet as noon Beijing time (a whole day, never moved into the neighbouring year)."""
    if not iso:
        return fallback
    day = datetime.date.fromisoformat(iso)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@transaction.atomic(durable=True)
def apply(rows, options, *, actor, digest=None, source="") -> Plan:
    """Plan again and refuse on any error; then write every proposal, its parts and its timeline row."""
    result, resolved = plan(rows, options)
    check_plan(result, digest)
    term = Term.objects.get(pk=options["term"])
    highest = {}
    for number, row in resolved:
        proposal = _create(term, row, actor)
        highest[row["year"]] = max(highest.get(row["year"], 0), proposal.serial)
        audit.record(subject=proposal, action="proposal.imported", actor=actor, to_state=ProposalStatus.CONCLUDED,
                     comment=_("来源：%(file)s 第 %(row)s 行") % {"file": source, "row": number},
                     changes={"file": source, "row": number})
    for year, serial in highest.items():
        _raise_counter(term, year, serial)
    audit.record(subject=term, action="setup.import_applied", actor=actor,
                 comment=_("往年提案导入（%(file)s）：%(count)s 件") % {"file": source, "count": len(resolved)},
                 changes={"new": len(resolved)})
    return result


def _create(term: Term, row: dict, actor) -> Proposal:
    submitted = _moment(row["submitted_on"])
    accepted = _moment(row.get("accepted_on"), submitted)
    assigned = _moment(row.get("assigned_on"), accepted) if row["lead_units"] else None
    replied = _moment(row.get("replied_on"), assigned) if row["lead_units"] else None
    concluded = _moment(row.get("concluded_on"), replied or accepted)
    proposers = row["proposers"]
    proposal = Proposal.objects.create(
        term=term, kind=row["kind"], year=row["year"], serial=row["serial"], title=row["title"],
        reasons=row.get("reasons", ""), suggestions="", topic=row["topic"],
        first_proposer=proposers[0].user if proposers else None, organisation_name=row["organisation_name"],
        submitted_by=actor, no_secret_confirmed=True, status=ProposalStatus.CONCLUDED, submitted_at=submitted,
        accepted_at=accepted, assigned_at=assigned, replied_at=replied, concluded_at=concluded,
    )
    Cosigner.objects.bulk_create([
        Cosigner(proposal=proposal, user=member.user, status=Cosigner.Status.CONFIRMED, responded_at=submitted,
                 order=order) for order, member in enumerate(proposers[1:], start=1)])
    leads, cos = row["lead_units"], row["co_units"]
    if len(leads) > 1:
        roles = [(unit, Assignment.Role.SEPARATE) for unit in leads]
    else:
        roles = [(unit, Assignment.Role.LEAD if cos else Assignment.Role.SOLE) for unit in leads]
    roles += [(unit, Assignment.Role.CO) for unit in cos]
    for unit, role in roles:
        assignment = Assignment.objects.create(
            proposal=proposal, unit=unit, role=role, state=Assignment.State.REPLIED, assigned_at=assigned,
            assigned_by=actor, received_at=assigned)
        if role != Assignment.Role.CO:
            Reply.objects.create(
                assignment=assignment, round=1, status=Reply.Status.ISSUED, body=str(REPLY_BODY),
                category=row["category"], publicity=Reply.Publicity.NONE,
                publicity_reason=str(_("往年提案导入")), contact_person="", contact_phone="", drafted_by=actor,
                issued_at=replied)
    if row.get("rating") and proposers:
        Evaluation.objects.create(proposal=proposal, round=1, evaluator=proposers[0].user, work_rating=row["rating"],
                                  result_rating=row["rating"], recorded_by=actor)
    return proposal


def _raise_counter(term: Term, year: int, serial: int):
    """Later 立案 numbers continue after the imported ones (the counter is locked like any numbering)."""
    try:
        with transaction.atomic():
            NumberCounter.objects.get_or_create(term=term, year=year)
    except IntegrityError:
        pass
    counter = locks.children(NumberCounter.objects.filter(term=term, year=year))[0]
    if counter.last < serial:
        counter.last = serial
        counter.save(update_fields=["last"])


class HistoryImporter(Importer):
    title = gettext_lazy("导入往年提案")
    form_class = HistoryUploadForm
    permissions = ("proposals.add_proposal",)
    help_lines = (
        gettext_lazy("每行一件已办结的提案。提案人填委员姓名，多位用顿号分隔，第一位为第一提案人；主办单位多个时为分办；"
                     "答复分类填代码（如 A）；满意度为第一提案人对办理结果的评价。"),
        gettext_lazy("系统中已有的编号不会被覆盖；导入的提案计入统计，时间线标明“导入往年提案”。"),
    )

    def columns(self):
        return columns()

    def options(self, form):
        return {"term": form.cleaned_data["term"].pk}

    def plan(self, rows, options):
        return plan(rows, options)[0]

    def apply(self, rows, options, *, actor, digest, source=""):
        return apply(rows, options, actor=actor, digest=digest, source=source)
