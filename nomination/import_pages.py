"""The two steps of the pool and roster imports on the cadre pages: upload → preview → confirm.

The upload is read and planned, nothing written: the preview lists new rows, changed fields (old → new), unchanged
rows and every error by row and column. The parsed rows wait in the user's session (``workflows.imports.stage``);
confirming applies them through the service, which plans again under the row locks and refuses a plan that differs
from the preview, showing the new one instead. The views keep their own permission guard before calling these.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from workflows.errors import ServiceError
from workflows.feedback import show_error
from workflows.imports import ImportInvalid, Plan, read_sheet, stage, staged, unstage


def _ordered(errors, columns) -> list:
    """Every bad cell once (the reader's reason first: a cell it could not read is also missing to the plan), in
    row order, then in the sheet's column order (a whole-row error first)."""
    order = {column.header: index for index, column in enumerate(columns)}
    first = {}
    for error in errors:
        first.setdefault((error.row, error.column), error)
    return sorted(first.values(), key=lambda error: (error.row, order.get(error.column, -1)))


def upload(request, form, *, columns, plan, options: dict, context: dict):
    """Read the form's file and show what it would do; None when the file itself is refused (named on the form).

    ``plan(rows, options)`` returns the preview of the rows; ``options`` is JSON-safe and goes to the confirm.
    """
    file = form.cleaned_data["file"]
    try:
        sheet = read_sheet(file, columns)
    except ImportInvalid as error:
        form.add_error("file", error.message)
        return None
    result = plan(sheet.rows, options)
    result.errors = _ordered(sheet.errors + result.errors, columns)
    payload = {"rows": sheet.rows, "options": options, "file": file.name[:200], "digest": result.digest}
    return _preview(request, payload, result, context)


def _preview(request, payload: dict, result: Plan, context: dict):
    token = stage(request, payload) if not result.errors else ""
    return render(request, "nomination/import_preview.html", {
        **context, "plan": result, "counts": result.counts(), "errors": result.errors, "token": token,
        "file_name": payload["file"],
    })


def confirm(request, token: str, *, apply, context: dict, done):
    """Apply the previewed upload kept under ``token``: ``apply(rows, options, digest, source)`` returns the plan,
    ``done(options)`` the address to go to after.

    A stale preview is shown again as it now stands (with a fresh token); an expired one sends the user back.
    """
    payload = staged(request, token)
    if payload is None:
        messages.error(request, ImportInvalid("expired").message)
        return redirect(context["upload_url"])
    try:
        result = apply(payload["rows"], payload["options"], payload["digest"], payload["file"])
    except ImportInvalid as error:
        unstage(request, token)
        messages.error(request, error.message)
        if error.plan is None:
            return redirect(context["upload_url"])
        return _preview(request, {**payload, "digest": error.plan.digest}, error.plan, context)
    except ServiceError as error:
        show_error(request, error)
        return redirect(context["upload_url"])
    unstage(request, token)
    messages.success(request, _("导入完成：新增 %(new)s 人，更新 %(changed)s 人，无变化 %(unchanged)s 人。")
                     % result.counts())
    return redirect(done(payload["options"]))
