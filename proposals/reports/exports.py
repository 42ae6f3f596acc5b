"""The statistics tables as an Excel workbook (openpyxl): one sheet per table, cell for cell what the page shows.

Counts are numbers, percentages numbers shown to one decimal, an empty rate the same "—" as on the page; text a
spreadsheet would run as a formula gets a leading apostrophe.
"""

import io
import re
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .stats import DEFINITIONS, Report, Table

EMPTY = "—"
PERCENT_FORMAT = "0.0"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Characters Excel refuses in a sheet name.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutralise(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _sheet(workbook: Workbook, table: Table, *, first: bool):
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = SHEET_NAME_FORBIDDEN.sub("", table.title)[:31]
    sheet.append([neutralise(str(header)) for header in table.headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_cell(value) for value in row])
        for cell, value in zip(sheet[sheet.max_row], row, strict=True):
            if isinstance(value, Decimal):
                cell.number_format = PERCENT_FORMAT
    for index, header in enumerate(table.headers, start=1):
        width = max([len(str(header))] + [len(str(row[index - 1] or "")) for row in table.rows])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(8, width * 2 + 2), 40)
    sheet.freeze_panes = "B2"


def _cell(value):
    if value is None:
        return EMPTY
    if isinstance(value, Decimal):
        return float(value)
    return neutralise(value if isinstance(value, int) else str(value))


def workbook(report: Report, tables: list[Table]) -> bytes:
    """The given tables of the report, then a sheet with the scope and the definitions of the measures."""
    book = Workbook()
    for index, table in enumerate(tables):
        _sheet(book, table, first=index == 0)
    notes = book.create_sheet(_("口径说明"))
    notes.append([_("届次"), neutralise(str(report.term)) if report.term else _("全部届次")])
    notes.append([_("年度"), report.year or _("全部年度")])
    notes.append([_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    notes.append([])
    for definition in DEFINITIONS:
        notes.append([str(definition)])
    notes.column_dimensions["A"].width = 12
    notes.column_dimensions["B"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
