"""Excel (.xlsx) templates, row checks and exports for the pool and the rosters (openpyxl).

An upload is checked whole before anything is written: every bad cell is reported by row and column in Chinese,
and a file with any bad row imports nothing. Exports neutralise text that a spreadsheet would run as a formula.
"""

import datetime
import io
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from workflows.errors import ServiceError
from workflows.models import Unit

from . import identity
from .models import (
    CPPCC_BODIES,
    NON_CPC_CHOICES,
    Affiliation,
    Degree,
    Education,
    Gender,
    PostLevel,
    Rank,
    RosterTerm,
    UnitedFrontCategory,
)
from .services import PersonData, PersonImportRow

MAX_ROWS = 5000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
YES = {"是", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "n", "no", "false", "0", "×", ""}

# Accepted spellings beyond the labels: full party names and common short forms.
AFFILIATION_ALIASES = {
    "中共党员": Affiliation.CPC, "中国共产党党员": Affiliation.CPC, "中共": Affiliation.CPC, "共产党员": Affiliation.CPC,
    "中共预备党员": Affiliation.CPC,
    "中国国民党革命委员会": Affiliation.MINGE, "中国民主同盟": Affiliation.MINMENG,
    "中国民主建国会": Affiliation.MINJIAN, "中国民主促进会": Affiliation.MINJIN,
    "中国农工民主党": Affiliation.NONGGONG, "中国致公党": Affiliation.ZHIGONG,
    "台湾民主自治同盟": Affiliation.TAIMENG, "无党派": Affiliation.NON_PARTY,
}
EDUCATION_ALIASES = {"硕士": Education.MASTER, "博士": Education.DOCTOR, "中专": Education.SECONDARY,
                     "高中": Education.SECONDARY, "大学本科": Education.BACHELOR, "大学专科": Education.COLLEGE}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    kind: str = "text"  # text, date, month, bool, choice
    choices: tuple = ()  # (value, label) pairs for kind "choice"
    aliases: dict | None = None
    width: int = 14


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    message: str

    def __str__(self):
        return _("第 %(row)s 行“%(column)s”：%(message)s") % {
            "row": self.row, "column": self.column, "message": self.message}


class WorkbookInvalid(ServiceError):
    """The upload as a whole, with every bad cell (``errors``) when the rows were readable."""

    namespace = "nomination"  # its messages are the nomination table's (import_invalid, import_not_xlsx, …)

    def __init__(self, code: str, *, errors=(), params=None):
        super().__init__(code, params=params)
        self.errors = list(errors)


def _choices(enum_choices):
    return tuple((value, str(label)) for value, label in enum_choices)


def person_columns() -> list[Column]:
    return [
        Column("name", _("姓名"), required=True, width=10),
        Column("id_number", _("身份证号"), required=True, width=22),
        Column("ethnicity", _("民族"), required=True, width=8),
        Column("native_place", _("籍贯")),
        Column("party", _("党派"), required=True, kind="choice", choices=_choices(NON_CPC_CHOICES),
               aliases=AFFILIATION_ALIASES),
        Column("party_joined_on", _("加入党派时间"), kind="date"),
        Column("party_post", _("党派内职务"), width=18),
        Column("uf_category", _("统战身份类别"), kind="choice", choices=_choices(UnitedFrontCategory.choices),
               width=18),
        Column("education", _("学历"), required=True, kind="choice", choices=_choices(Education.choices),
               aliases=EDUCATION_ALIASES),
        Column("degree", _("学位"), kind="choice", choices=_choices(Degree.choices)),
        Column("school_major", _("毕业院校及专业"), width=24),
        Column("professional_title", _("专业技术职务"), width=16),
        Column("speciality", _("熟悉专业有何专长"), width=20),
        Column("work_unit", _("工作单位"), required=True, width=20),
        Column("current_post", _("现任职务"), width=16),
        Column("post_level", _("职务层次"), kind="choice", choices=_choices(PostLevel.choices)),
        Column("rank", _("职级"), kind="choice", choices=_choices(Rank.choices)),
        Column("is_leadership_post", _("是否实职"), kind="bool", width=10),
        Column("work_started_on", _("参加工作时间"), kind="date"),
        Column("phone", _("联系电话"), width=16),
        Column("address", _("家庭住址"), width=24),
        Column("recommending_unit", _("推荐单位"), width=20),
        Column("reason", _("推荐理由"), width=30),
    ]


def roster_columns(term: RosterTerm | None = None) -> list[Column]:
    is_cppcc = term is None or term.body in CPPCC_BODIES
    is_npc = term is None or term.body not in CPPCC_BODIES
    return [
        Column("name", _("姓名"), required=True, width=10),
        Column("gender", _("性别"), required=True, kind="choice", choices=_choices(Gender.choices), width=6),
        Column("ethnicity", _("民族"), width=8),
        Column("birth_month", _("出生年月"), required=True, kind="month", width=10),
        Column("affiliation", _("政治面貌"), required=True, kind="choice", choices=_choices(Affiliation.choices),
               aliases=AFFILIATION_ALIASES),
        Column("sector", _("界别（政协委员）"), required=is_cppcc and term is not None, width=16),
        Column("constituency", _("选区（人大代表）"), required=is_npc and term is not None, width=16),
        Column("work_post", _("工作单位及职务"), width=30),
        Column("is_standing", _("常委"), kind="bool", width=8),
        Column("is_vice_chair", _("副主席（副主任）"), kind="bool", width=12),
    ]


# --- reading -----------------------------------------------------------------------------------------------------


def _open(upload):
    name = getattr(upload, "name", "") or ""
    head = upload.read(4)
    upload.seek(0)
    if not name.lower().endswith(".xlsx") or head != b"PK\x03\x04":
        raise WorkbookInvalid("import_not_xlsx")
    try:
        return load_workbook(upload, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise WorkbookInvalid("import_not_xlsx") from None


def _header_key(text) -> str:
    return str(text or "").strip().rstrip("*＊").strip()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # Undo the export's formula neutralisation, so an exported list imports back unchanged.
    if text.startswith("'") and text[1:2] in FORMULA_PREFIXES:
        text = text[1:]
    return text


def _parse_date(value, *, month_only: bool) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.replace(day=1) if month_only else value
    text = _cell_text(value).replace("年", "-").replace("月", "-").replace("日", "")
    for separator in ("/", "."):
        text = text.replace(separator, "-")
    parts = [p for p in text.split("-") if p]
    if len(parts) == 1 and len(parts[0]) in (6, 8) and parts[0].isdigit():
        parts = [parts[0][:4], parts[0][4:6], *([parts[0][6:]] if len(parts[0]) == 8 else [])]
    try:
        numbers = [int(p) for p in parts]
        if len(numbers) == 2 or (month_only and len(numbers) == 3):
            return datetime.date(numbers[0], numbers[1], 1)
        if len(numbers) == 3:
            return datetime.date(*numbers)
    except ValueError:
        pass
    raise ValueError


def _convert(column: Column, raw):
    """One cell to its value; raise ValueError with a Chinese message."""
    text = _cell_text(raw)
    if column.kind == "text":
        return text
    if column.kind == "bool":
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise ValueError(_("请填写“是”或“否”。"))
    if column.kind in ("date", "month"):
        if not text:
            return None
        try:
            return _parse_date(raw, month_only=column.kind == "month")
        except ValueError:
            example = "1985-03" if column.kind == "month" else "1985-03-15"
            raise ValueError(_("日期格式不正确，请按 %(example)s 填写。") % {"example": example}) from None
    if not text:
        return ""
    by_label = {label: value for value, label in column.choices}
    if text in by_label:
        return by_label[text]
    if column.aliases and text in column.aliases:
        return column.aliases[text]
    if text in {value for value, _label in column.choices}:
        return text
    allowed = "、".join(label for value, label in column.choices if label)
    raise ValueError(_("“%(value)s”不是可选值（可选：%(allowed)s）。") % {"value": text, "allowed": allowed})


def read_rows(upload, columns: list[Column]) -> tuple[list[tuple[int, dict]], list[CellError]]:
    """Read and convert every data row; a cell that fails is left out of its record and reported."""
    workbook = _open(upload)
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        positions = {_header_key(text): index for index, text in enumerate(header)}
        missing = [c.header for c in columns if c.required and c.header not in positions]
        if missing:
            raise WorkbookInvalid("import_headers", params={"columns": "、".join(missing)})
        parsed, errors = [], []
        for number, values in enumerate(rows, start=2):
            if not any(_cell_text(v) for v in values):
                continue
            if len(parsed) >= MAX_ROWS:
                raise WorkbookInvalid("import_too_many", params={"limit": MAX_ROWS})
            record = {}
            for column in columns:
                index = positions.get(column.header)
                raw = values[index] if index is not None and index < len(values) else None
                if column.required and not _cell_text(raw):
                    errors.append(CellError(number, column.header, _("必填，不能为空。")))
                    continue
                try:
                    record[column.key] = _convert(column, raw)
                except ValueError as error:
                    errors.append(CellError(number, column.header, str(error)))
            parsed.append((number, record))
    finally:
        workbook.close()
    if not parsed:
        raise WorkbookInvalid("import_empty")
    return parsed, errors


def _fail_if(errors, columns: list[Column]):
    """Raise with every bad cell, in row order and then in the template's column order."""
    if errors:
        order = {c.header: i for i, c in enumerate(columns)}
        errors = sorted(errors, key=lambda e: (e.row, order.get(e.column, 0)))
        raise WorkbookInvalid("import_invalid", errors=errors, params={"count": len(errors)})


def people_rows(upload) -> list[PersonImportRow]:
    """The checked rows of a pool workbook: ID numbers valid and unique in the file, units known."""
    columns = {c.key: c for c in person_columns()}
    parsed, errors = read_rows(upload, list(columns.values()))
    units = {}
    for unit in Unit.objects.filter(is_active=True):
        units.setdefault(unit.name, unit)
        if unit.short_name:
            units.setdefault(unit.short_name, unit)
    rows, seen = [], {}
    for number, record in parsed:
        header = columns["id_number"].header
        if record.get("id_number"):
            try:
                parsed_id = identity.parse(record["id_number"])
            except ValidationError as error:
                errors.append(CellError(number, header, error.messages[0]))
            else:
                if parsed_id.number in seen:
                    errors.append(CellError(number, header, _("与第 %(row)s 行的身份证号重复。") % {
                        "row": seen[parsed_id.number]}))
                seen.setdefault(parsed_id.number, number)
        if record.get("party") == Affiliation.CPC:
            errors.append(CellError(number, columns["party"].header, _("中共党员不列入党外人士信息库。")))
        unit = None
        if record.get("recommending_unit"):
            unit = units.get(record["recommending_unit"])
            if unit is None:
                errors.append(CellError(number, columns["recommending_unit"].header, _(
                    "单位“%(name)s”不在单位名录中，请先由管理员添加或改用名录中的名称。") % {
                    "name": record["recommending_unit"]}))
        if not errors:
            data = PersonData(**{k: v for k, v in record.items() if k not in ("recommending_unit", "reason")})
            rows.append(PersonImportRow(data=data, recommending_unit=unit, reason=record["reason"]))
    _fail_if(errors, list(columns.values()))
    return rows


def roster_rows(upload, term: RosterTerm) -> list[dict]:
    columns = {c.key: c for c in roster_columns(term)}
    parsed, errors = read_rows(upload, list(columns.values()))
    rows, seen = [], {}
    for number, record in parsed:
        if "name" in record and "birth_month" in record:
            key = (record["name"], record["birth_month"])
            if key in seen:
                errors.append(CellError(number, columns["name"].header, _(
                    "与第 %(row)s 行姓名、出生年月相同，同一届名册中不能重复。") % {"row": seen[key]}))
            seen.setdefault(key, number)
        record["ethnicity"] = record.get("ethnicity") or "汉族"
        rows.append(record)
    _fail_if(errors, list(columns.values()))
    return rows


# --- writing -----------------------------------------------------------------------------------------------------


def neutralise(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


HEADER_FONT = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FDECEA")


def _sheet(workbook: Workbook, title: str, columns: list[Column], rows, *, first: bool):
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title[:31]
    sheet.append([f"{c.header}*" if c.required else c.header for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = HEADER_FONT
        if column.required:
            cell.fill = REQUIRED_FILL
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for row in rows:
        sheet.append([neutralise(value) for value in row])
    sheet.freeze_panes = "A2"
    return sheet


def _to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template(columns: list[Column], *, title: str, notes: list[str]) -> bytes:
    """An empty sheet with the headers (required ones marked *), drop-down lists, and a sheet of instructions."""
    workbook = Workbook()
    sheet = _sheet(workbook, title, columns, [], first=True)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        if column.kind in ("choice", "bool"):
            labels = [label for _value, label in column.choices if label] if column.kind == "choice" else ["是", "否"]
            validation = DataValidation(type="list", formula1='"%s"' % ",".join(labels), allow_blank=True)
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        if column.key in ("id_number", "phone"):
            # Long digit strings must stay text, or Excel rounds them to 15 significant digits.
            for row in range(2, 202):
                sheet[f"{letter}{row}"].number_format = "@"
    help_sheet = workbook.create_sheet(_("填写说明"))
    for line in notes:
        help_sheet.append([line])
    help_sheet.column_dimensions["A"].width = 100
    return _to_bytes(workbook)


def people_template() -> bytes:
    return template(person_columns(), title=_("党外人士信息"), notes=[
        _("1. 带 * 的列必填；第一行表头请勿修改，从第二行起每行一人。"),
        _("2. 身份证号为 18 位，请以文本格式填写（本模板已设为文本），系统自动校验并据此判断是否重复。"),
        _("3. 党派、学历、职务层次等列请从下拉列表中选择。日期按 1985-03-15 填写，也可填 1985.03.15。"),
        _("4. 填写“推荐单位”（须为单位名录中的名称）和“推荐理由”的人员，导入后进入“已推荐”状态，仍须综合评价并经组织部、统战部分别确认后才入库。"),
        _("5. 文件中任何一行有错误时，整个文件都不会导入；请按提示逐项修改后重新上传。同一文件重复导入不会产生重复记录。"),
    ])


def roster_template() -> bytes:
    return template(roster_columns(), title=_("代表委员名册"), notes=[
        _("1. 带 * 的列必填；政协委员须填“界别”，人大代表须填“选区”。"),
        _("2. 出生年月按 1975-03 填写；政治面貌可填“中共党员”、民主党派简称或全称、“无党派人士”、“群众”。"),
        _("3. “常委”“副主席（副主任）”填“是”或“否”。"),
        _("4. 同一届名册中，姓名和出生年月相同的视为同一人：重复导入只更新，不新增。"),
        _("5. 文件中任何一行有错误时，整个文件都不会导入。"),
    ])


def workbook(sheets) -> bytes:
    """sheets: (title, columns, rows) triples; every text cell neutralised."""
    book = Workbook()
    for index, (title, columns, rows) in enumerate(sheets):
        _sheet(book, str(title), columns, rows, first=index == 0)
    return _to_bytes(book)


def simple_columns(headers) -> list[Column]:
    return [Column(f"c{i}", str(h), width=max(10, min(len(str(h)) * 2 + 4, 40))) for i, h in enumerate(headers)]

