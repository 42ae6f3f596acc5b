"""Excel (.xlsx) for the pool and the rosters (openpyxl): the sheets' columns, the templates and the exports.

Uploads are read by ``workflows.imports`` (size and row limits, full-width digits, over-long values and formulas
without a stored value named by row and column) and planned and applied by ``nomination.services``: a preview first,
then the confirmed import, all or nothing. Exports neutralise text that a spreadsheet would run as a formula.
"""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from workflows.imports import FORMULA_PREFIXES, MAX_ROWS, Column, column_for

from .models import (
    CPPCC_BODIES,
    NON_CPC_CHOICES,
    Affiliation,
    Degree,
    Education,
    Gender,
    Person,
    PostLevel,
    Rank,
    RosterEntry,
    RosterTerm,
    UnitedFrontCategory,
)

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


# Columns a row must fill when it adds someone new (a row matching a record on file may leave them out or empty).
PERSON_REQUIRED_WHEN_NEW = ("ethnicity", "party", "education", "work_unit")
ROSTER_REQUIRED_WHEN_NEW = ("gender", "affiliation")
WIDTHS = {"name": 10, "id_number": 22, "ethnicity": 8, "party_post": 18, "uf_category": 18, "school_major": 24,
          "inservice_school_major": 24, "rewards": 30,
          "professional_title": 16, "speciality": 20, "work_unit": 20, "current_post": 16,
          "is_leadership_post": 10, "phone": 16, "address": 24, "recommending_unit": 20, "reason": 30, "gender": 6,
          "birth_month": 10, "sector": 16, "constituency": 16, "work_post": 30, "is_standing": 8,
          "is_vice_chair": 12}


def _choices(enum_choices):
    return tuple((value, str(label)) for value, label in enum_choices)


def person_columns() -> list[Column]:
    """The pool sheet; text columns carry the model field's ``max_length``."""
    return [
        column_for(Person, "name", _("姓名"), required=True),
        Column("id_number", _("身份证号"), required=True, kind="code"),
        column_for(Person, "ethnicity", _("民族")),
        column_for(Person, "native_place", _("籍贯")),
        column_for(Person, "birth_place", _("出生地")),
        column_for(Person, "health", _("健康状况")),
        Column("party", _("党派"), kind="choice", choices=_choices(NON_CPC_CHOICES), aliases=AFFILIATION_ALIASES),
        Column("party_joined_on", _("加入党派时间"), kind="date_or_month"),
        column_for(Person, "party_post", _("党派内职务")),
        Column("uf_category", _("统战身份类别"), kind="choice", choices=_choices(UnitedFrontCategory.choices)),
        Column("education", _("学历"), kind="choice", choices=_choices(Education.choices), aliases=EDUCATION_ALIASES),
        Column("degree", _("学位"), kind="choice", choices=_choices(Degree.choices)),
        column_for(Person, "school_major", _("毕业院校及专业")),
        column_for(Person, "inservice_education", _("在职教育学历")),
        column_for(Person, "inservice_degree", _("在职教育学位")),
        column_for(Person, "inservice_school_major", _("在职教育毕业院校系及专业")),
        column_for(Person, "professional_title", _("专业技术职务")),
        column_for(Person, "speciality", _("熟悉专业有何专长")),
        column_for(Person, "work_unit", _("工作单位")),
        column_for(Person, "current_post", _("现任职务")),
        Column("post_level", _("职务层次"), kind="choice", choices=_choices(PostLevel.choices)),
        Column("rank", _("职级"), kind="choice", choices=_choices(Rank.choices)),
        Column("is_leadership_post", _("是否实职"), kind="bool"),
        column_for(Person, "rewards", _("奖惩情况")),
        Column("work_started_on", _("参加工作时间"), kind="date_or_month"),
        column_for(Person, "phone", _("联系电话"), kind="code"),
        column_for(Person, "address", _("家庭住址")),
        Column("recommending_unit", _("推荐单位")),
        Column("reason", _("推荐理由")),
    ]


def roster_columns() -> list[Column]:
    """A roster sheet; a row is matched to the term's entries by 姓名 and 出生年月."""
    return [
        column_for(RosterEntry, "name", _("姓名"), required=True),
        Column("gender", _("性别"), kind="choice", choices=_choices(Gender.choices)),
        column_for(RosterEntry, "ethnicity", _("民族")),
        Column("birth_month", _("出生年月"), required=True, kind="month"),
        Column("affiliation", _("政治面貌"), kind="choice", choices=_choices(Affiliation.choices),
               aliases=AFFILIATION_ALIASES),
        column_for(RosterEntry, "sector", _("界别（政协委员）")),
        column_for(RosterEntry, "constituency", _("选区（人大代表）")),
        column_for(RosterEntry, "work_post", _("工作单位及职务")),
        Column("is_standing", _("常委"), kind="bool"),
        Column("is_vice_chair", _("副主席（副主任）"), kind="bool"),
    ]


def roster_required_when_new(term: RosterTerm) -> tuple[str, ...]:
    """A new entry of a CPPCC term needs its 界别, one of a people's congress its 选区."""
    return (*ROSTER_REQUIRED_WHEN_NEW, "sector" if term.body in CPPCC_BODIES else "constituency")


# --- writing -----------------------------------------------------------------------------------------------------


def neutralise(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


HEADER_FONT = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FDECEA")


def _starred(column: Column) -> bool:
    return column.required or column.key in (*PERSON_REQUIRED_WHEN_NEW, *ROSTER_REQUIRED_WHEN_NEW)


def _width(column: Column) -> int:
    return WIDTHS.get(column.key) or max(10, min(len(column.header) * 2 + 4, 40))


def _sheet(workbook: Workbook, title: str, columns: list[Column], rows, *, first: bool):
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title[:31]
    sheet.append([f"{c.header}*" if _starred(c) else c.header for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = HEADER_FONT
        if _starred(column):
            cell.fill = REQUIRED_FILL
        sheet.column_dimensions[get_column_letter(index)].width = _width(column)
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
        _("1. 带 * 的列新增人员时必填；第一行表头请勿修改，从第二行起每行一人。"),
        _("2. 身份证号为 18 位，请以文本格式填写（本模板已设为文本），系统自动校验并据此判断是否为库中已有人员。"),
        _("3. 党派、学历、职务层次等列请从下拉列表中选择。日期按 1985-03-15 填写，也可填 1985.03.15 或只填年月 1985-03。"),
        _("4. 库中已有的人员只更新表中填写了的内容：表中没有的列、空白的单元格都不会清空已有信息（如需清空，请在人员页面修改）。"),
        _("5. 填写“推荐单位”（须为单位名录中的名称）和“推荐理由”的人员，导入后进入“已推荐”状态，仍须综合评价并经组织部、统战部分别确认后才入库。"),
        _("6. 上传后先显示预览（新增、变更的原值 → 新值、未变），确认后才导入；文件中任何一处错误都会使整个文件不导入。"),
    ])


def roster_template() -> bytes:
    return template(roster_columns(), title=_("代表委员名册"), notes=[
        _("1. 带 * 的列必填；政协委员须填“界别”，人大代表须填“选区”。"),
        _("2. 出生年月按 1975-03 填写；政治面貌可填“中共党员”、民主党派简称或全称、“无党派人士”、“群众”。"),
        _("3. “常委”“副主席（副主任）”填“是”或“否”。"),
        _("4. 同一届名册中，姓名和出生年月相同的视为同一人：重复导入只更新表中填写了的内容，表中没有的列、空白的单元格保留原值。"),
        _("5. 上传后先显示预览，确认后才导入；文件中任何一处错误都会使整个文件不导入。"),
    ])


def workbook(sheets) -> bytes:
    """sheets: (title, columns, rows) triples; every text cell neutralised."""
    book = Workbook()
    for index, (title, columns, rows) in enumerate(sheets):
        _sheet(book, str(title), columns, rows, first=index == 0)
    return _to_bytes(book)


def simple_columns(headers) -> list[Column]:
    return [Column(f"c{i}", str(h)) for i, h in enumerate(headers)]

