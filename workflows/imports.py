"""Excel imports (members, accounts, earlier years' proposals; the pool and rosters of ``nomination``), in two steps
that never destroy:
upload → preview (new rows, changed fields old → new, unchanged rows, errors by row and column) → confirm.

The parsed upload is kept in the user's session under a random token; the confirm button posts that token and the
import is planned again against the data as it is then: if anything changed since the preview, nothing is written
and the new preview is shown. The workbook reader (``read_sheet``) has a size and row limit, reads with openpyxl in
read-only mode, normalises full-width digits, explains formulas without a stored value, and checks text against the
model field's ``max_length`` before anything is saved (PostgreSQL refuses over-long values, SQLite stores them: both
must name the cell instead).
"""

import datetime
import hashlib
import io
import itertools
import json
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from .errors import ServiceError, register

IMPORTS = "imports"
register(IMPORTS, {
    "not_xlsx": gettext_lazy("请上传 Excel 工作簿（.xlsx 格式）。"),
    "too_big": gettext_lazy("文件过大（%(size)s），上限为 %(limit)s，请删去无关的工作表或图片后再上传。"),
    "headers": gettext_lazy("第 1 行缺少必填列：%(columns)s。请使用导入模板的表头。"),
    "too_many_rows": gettext_lazy("一次最多导入 %(limit)s 行，请分批导入。"),
    "empty": gettext_lazy("工作表中没有数据行。"),
    "has_errors": gettext_lazy("文件中有 %(count)s 处错误，未导入任何数据；请改正后重新上传。"),
    "stale": gettext_lazy("预览之后数据已有变化，未导入任何数据；请核对下面的最新预览后再确认。"),
    "expired": gettext_lazy("这次上传的预览已失效，请重新上传文件。"),
})

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
YES = {"是", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "n", "no", "false", "0", "×"}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SESSION_KEY = "setup_imports"
MAX_STAGED = 3  # uploads kept per session while their previews are open


class ImportInvalid(ServiceError):
    """The upload as a whole is refused (``code``), or its rows have ``errors`` (a list of CellError)."""

    namespace = IMPORTS

    def __init__(self, code: str, *, errors=(), params=None, plan=None):
        super().__init__(code, params=params)
        self.errors = list(errors)
        self.plan = plan


# --- the audit of admin changes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an import sheet. ``kind``: text, code (NFKC, e.g. a phone or an account), int, date, month
    (a year and month: the month's first day), date_or_month (either), bool, choice (a label, an alias or a stored
    value of ``choices``), list (names separated by 、,，;；)."""

    key: str
    header: str
    required: bool = False
    kind: str = "text"
    max_length: int | None = None
    choices: tuple = ()
    aliases: dict | None = None


def column_for(model, field_name: str, header: str, **kwargs) -> Column:
    """A text column checked against the model field's own ``max_length``."""
    max_length = model._meta.get_field(field_name).max_length
    return Column(field_name, header, max_length=max_length, **kwargs)


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    message: str

    def __str__(self):
        if not self.column:
            return _("第 %(row)s 行：%(message)s") % {"row": self.row, "message": self.message}
        return _("第 %(row)s 行“%(column)s”：%(message)s") % {
            "row": self.row, "column": self.column, "message": self.message}


@dataclass
class Sheet:
    """The data rows of an upload: (row number, {key: value}) with only the cells that hold something, so a
    missing column or an empty cell never reaches a field; the columns found; the cells that failed."""

    rows: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def _digits(text: str) -> str:
    # Full-width digits (０-９) and other decimal digits become ASCII; Chinese punctuation stays as typed.
    return "".join(unicodedata.normalize("NFKC", ch) if unicodedata.category(ch) == "Nd" else ch for ch in text)


def cell_text(value, *, code: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\u3000", " ").strip()
    # An export neutralises text a spreadsheet would run as a formula ('=…); read it back as it was typed.
    if text.startswith("'") and text[1:2] in FORMULA_PREFIXES:
        text = text[1:]
    return unicodedata.normalize("NFKC", text) if code else _digits(text)


def _parse_date(raw, *, month: bool = False) -> datetime.date:
    """A date; with ``month`` a year and month alone (1985-03, 198503) also reads, as the month's first day."""
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    text = cell_text(raw, code=True).replace("年", "-").replace("月", "-").replace("日", "")
    for separator in ("/", "."):
        text = text.replace(separator, "-")
    parts = [p for p in text.split("-") if p]
    if len(parts) == 1 and len(parts[0]) in (6, 8) and parts[0].isdigit():
        parts = [parts[0][:4], parts[0][4:6], *([parts[0][6:]] if len(parts[0]) == 8 else [])]
    if month and len(parts) == 2:
        parts.append("1")
    if len(parts) != 3:
        raise ValueError
    return datetime.date(*(int(p) for p in parts))


def convert(column: Column, raw):
    """One non-empty cell to its JSON-safe value; raise ValueError with the Chinese reason."""
    text = cell_text(raw, code=column.kind in ("code", "int", "date", "month", "date_or_month"))
    if column.kind in ("text", "code"):
        if column.max_length and len(text) > column.max_length:
            raise ValueError(_("超过 %(limit)s 个字（现为 %(length)s 个字）。") % {
                "limit": column.max_length, "length": len(text)})
        return text
    if column.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ValueError(_("请填写整数。")) from None
    if column.kind == "date":
        try:
            return _parse_date(raw).isoformat()
        except (TypeError, ValueError):
            raise ValueError(_("日期格式不正确，请按 2024-03-15 填写。")) from None
    if column.kind in ("month", "date_or_month"):
        try:
            value = _parse_date(raw, month=True)
        except (TypeError, ValueError):
            example = "1985-03" if column.kind == "month" else _("1985-03-15 或 1985-03")
            raise ValueError(_("日期格式不正确，请按 %(example)s 填写。") % {"example": example}) from None
        return (value.replace(day=1) if column.kind == "month" else value).isoformat()
    if column.kind == "bool":
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise ValueError(_("请填写“是”或“否”。"))
    if column.kind == "list":
        for separator in ("，", ",", "；", ";", "、", " "):
            text = text.replace(separator, "\n")
        return [item.strip() for item in text.splitlines() if item.strip()]
    by_label = {str(label): value for value, label in column.choices}
    if text in by_label:
        return by_label[text]
    if column.aliases and text in column.aliases:
        return column.aliases[text]
    if text in {value for value, _label in column.choices}:
        return text
    allowed = "、".join(str(label) for _value, label in column.choices)
    raise ValueError(_("“%(value)s”不是可选值（可选：%(allowed)s）。") % {"value": text, "allowed": allowed})


def _open(content: bytes, *, data_only: bool):

    return load_workbook(io.BytesIO(content), read_only=True, data_only=data_only)


def _header_key(text) -> str:
    return cell_text(text).rstrip("*＊").strip()


def _size_label(size: int) -> str:
    return "%.1f MB" % (size / 1024 / 1024)


def read_sheet(upload, columns: list[Column]) -> Sheet:
    """Check the file, then read and convert the first sheet's rows; a bad cell is named, never raised."""
    size = getattr(upload, "size", None) or 0
    if size > MAX_BYTES:
        raise ImportInvalid("too_big", params={"size": _size_label(size), "limit": _size_label(MAX_BYTES)})
    name = (getattr(upload, "name", "") or "").lower()
    upload.seek(0)
    content = upload.read()
    if not name.endswith(".xlsx") or content[:4] != b"PK\x03\x04":
        raise ImportInvalid("not_xlsx")
    try:
        # Values as Excel last computed them, and the same cells as written, to tell a formula never computed
        # (openpyxl and some converters store none) from an empty cell. Both read lazily, row by row.
        values_book = _open(content, data_only=True)
        formulas_book = _open(content, data_only=False)
        values = values_book.worksheets[0].iter_rows(values_only=True)
        formulas = formulas_book.worksheets[0].iter_rows(values_only=True)
        header = next(values, None) or ()
        next(formulas, None)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError):
        raise ImportInvalid("not_xlsx") from None
    try:
        return _read_rows(header, values, formulas, columns)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError):
        raise ImportInvalid("not_xlsx") from None
    finally:
        values_book.close()
        formulas_book.close()


def _read_rows(header, values, formulas, columns: list[Column]) -> Sheet:
    positions = {}
    for index, text in enumerate(header):
        positions.setdefault(_header_key(text), index)
    missing = [c.header for c in columns if c.required and c.header not in positions]
    if missing:
        raise ImportInvalid("headers", params={"columns": "、".join(missing)})
    sheet = Sheet(columns=[c for c in columns if c.header in positions])
    for number, (row, formula_row) in enumerate(itertools.zip_longest(values, formulas, fillvalue=()), start=2):
        if not any(cell_text(v) for v in row) and not any(cell_text(v) for v in formula_row):
            continue
        if len(sheet.rows) >= MAX_ROWS:
            raise ImportInvalid("too_many_rows", params={"limit": MAX_ROWS})
        record = {}
        for column in sheet.columns:
            index = positions[column.header]
            raw = row[index] if index < len(row) else None
            source = formula_row[index] if index < len(formula_row) else None
            if raw is None and isinstance(source, str) and source.startswith("="):
                sheet.errors.append(CellError(number, column.header, _(
                    "是公式且没有计算结果，请在 Excel 中另存为数值后再导入")))
                continue
            if not cell_text(raw):
                if column.required:
                    sheet.errors.append(CellError(number, column.header, _("必填，不能为空。")))
                continue
            try:
                record[column.key] = convert(column, raw)
            except ValueError as error:
                sheet.errors.append(CellError(number, column.header, str(error)))
        sheet.rows.append([number, record])
    if not sheet.rows:
        raise ImportInvalid("empty")
    return sheet


# --- planning: what an import would do -------------------------------------------------------------------------------


@dataclass
class RowPlan:
    row: int
    action: str  # "new", "changed", "unchanged"
    label: str
    changes: list = field(default_factory=list)  # [[label, old, new], ...]
    notes: list = field(default_factory=list)


@dataclass
class Plan:
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def of(self, action: str) -> list:
        return [r for r in self.rows if r.action == action]

    @property
    def new(self):
        return self.of("new")

    @property
    def changed(self):
        return self.of("changed")

    @property
    def unchanged(self):
        return self.of("unchanged")

    @property
    def digest(self) -> str:
        """What the preview promised: a confirm applies only if planning again gives the same."""
        payload = [[r.row, r.action, r.label, r.changes, r.notes] for r in self.rows]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False, default=str).encode()).hexdigest()

    def counts(self) -> dict:
        return {"new": len(self.new), "changed": len(self.changed), "unchanged": len(self.unchanged)}


def lines_for(before: dict, after: dict, labels: dict) -> list[list[str]]:
    """[[label, old, new]] for the keys of ``after`` whose display differs from ``before``."""
    return [[str(labels[k]), before.get(k, ""), v] for k, v in after.items() if before.get(k, "") != v]


def check_plan(plan: Plan, expected_digest: str | None):
    """Inside the importing transaction: refuse a plan with errors, or one that differs from the preview."""
    if plan.errors:
        raise ImportInvalid("has_errors", errors=plan.errors, params={"count": len(plan.errors)}, plan=plan)
    if expected_digest is not None and plan.digest != expected_digest:
        raise ImportInvalid("stale", plan=plan)


# --- the admin pages -------------------------------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel 文件（.xlsx）"),
                           help_text=gettext_lazy("第 1 行为表头；大小不超过 5 MB，不超过 5000 行。"))


class Importer:
    """What one import knows: its columns, its upload form, how to plan and how to apply.

    ``plan(rows, options)`` validates against the database and says what would happen; ``apply(rows, options,
    actor=, digest=, source=)`` plans again inside one transaction, refuses if the plan has errors or differs from
    ``digest``, writes and audits. ``options`` is the upload form's extra data, JSON-safe.
    """

    title = ""
    form_class = UploadForm
    permissions: tuple = ()
    help_lines: tuple = ()

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def options(self, form) -> dict:
        return {}

    def plan(self, rows, options) -> Plan:
        raise NotImplementedError

    def apply(self, rows, options, *, actor, digest, source=""):
        raise NotImplementedError


def _staged(request) -> dict:
    return request.session.get(SESSION_KEY, {})


def staged(request, token: str) -> dict | None:
    """The payload an earlier preview kept under ``token`` in this session, or None when it is gone."""
    return _staged(request).get(token)


def stage(request, payload: dict) -> str:
    """Keep a previewed upload (JSON-safe ``payload``) in the session until it is confirmed; return its token."""
    kept = dict(_staged(request))
    while len(kept) >= MAX_STAGED:
        kept.pop(next(iter(kept)))
    token = secrets.token_urlsafe(16)
    kept[token] = payload
    request.session[SESSION_KEY] = kept
    return token


def unstage(request, token: str):
    kept = dict(_staged(request))
    kept.pop(token, None)
    request.session[SESSION_KEY] = kept


class ImportAdminMixin:
    """Adds ``<changelist>/import/`` (upload → preview → confirm) for ``importer`` to a ModelAdmin."""

    importer: Importer | None = None
    change_list_template = "admin/imports/change_list.html"

    def get_urls(self):
        opts = self.model._meta
        urls = [path("import/", self.admin_site.admin_view(self.import_view),
                     name=f"{opts.app_label}_{opts.model_name}_import")]
        return urls + super().get_urls()

    def may_import(self, request) -> bool:
        return all(request.user.has_perm(p) for p in self.importer.permissions)

    def import_options(self, request) -> dict:
        """Options that depend on who imports (JSON-safe), added to the upload form's."""
        return {}

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self.may_import(request):
            opts = self.model._meta
            extra_context["import_url"] = reverse(f"admin:{opts.app_label}_{opts.model_name}_import")
            extra_context["import_title"] = self.importer.title
        return super().changelist_view(request, extra_context)

    def _render(self, request, template, **context):
        opts = self.model._meta
        context.update(self.admin_site.each_context(request))
        context.update(opts=opts, title=self.importer.title, importer=self.importer,
                       changelist_url=reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
                       columns=self.importer.columns())
        return TemplateResponse(request, template, context)

    def _preview(self, request, *, token, payload, plan, form=None):
        return self._render(request, "admin/imports/preview.html", token=token, plan=plan,
                            file_name=payload["file"], form=form)

    def import_view(self, request):
        if not self.may_import(request):
            raise PermissionDenied
        importer = self.importer
        if request.method == "POST" and "token" in request.POST:
            return self._confirm(request, request.POST["token"])
        form = importer.form_class(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                sheet = read_sheet(upload, importer.columns())
            except ImportInvalid as error:
                form.add_error("file", error.message)
            else:
                options = {**importer.options(form), **self.import_options(request)}
                plan = importer.plan(sheet.rows, options)
                plan.errors = sheet.errors + plan.errors
                payload = {"rows": sheet.rows, "options": options, "file": upload.name[:200],
                           "digest": plan.digest, "errors": len(plan.errors)}
                token = stage(request, payload) if not plan.errors else ""
                return self._preview(request, token=token, payload=payload, plan=plan)
        return self._render(request, "admin/imports/upload.html", form=form)

    def _confirm(self, request, token: str):
        payload = staged(request, token)
        if payload is None:
            messages.error(request, str(ImportInvalid("expired").message))
            return redirect(request.path)
        try:
            plan = self.importer.apply(payload["rows"], payload["options"], actor=request.user,
                                       digest=payload["digest"], source=payload["file"])
        except ImportInvalid as error:
            messages.error(request, error.message)
            if error.plan is None:
                return redirect(request.path)
            unstage(request, token)
            payload = {**payload, "digest": error.plan.digest}
            new_token = stage(request, payload) if not error.plan.errors else ""
            return self._preview(request, token=new_token, payload=payload, plan=error.plan)
        unstage(request, token)
        messages.success(request, _("导入完成：新增 %(new)s 条，更新 %(changed)s 条，未变 %(unchanged)s 条。")
                         % plan.counts())
        opts = self.model._meta
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
