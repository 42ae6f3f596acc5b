"""The 干部任免审批表 and its files: the printable form, the photo, the ``.lrmx`` export and import, and the
documents of a case's steps. The form and its files are the two departments' (DOMAIN §7.2): every other role gets
the same 404 as a missing object, with an audit row. Views parse input, call one service, and show its answer."""

import base64

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from workflows import access as engine_access
from workflows import imports
from workflows.errors import ServiceError
from workflows.feedback import show_error

from . import access, masking, selectors, services
from .lrmx import MAX_BYTES as LRMX_MAX_BYTES
from .lrmx import FileError, build
from .models import CaseAttachment, NominationCase, Person, PersonPhoto, UfwdOpinion
from .services import exchange

OBJECT = engine_access.OBJECT
SESSION_KIND = "nomination.lrmx"


def _person_for_departments(request, pk) -> Person:
    person = Person.objects.filter(pk=pk).first()
    if person is None or not access.is_department_staff(request.user):
        raise engine_access.deny(request, subject=person, reason="approval_form_person")
    return person


def _case_for_departments(request, pk) -> NominationCase:
    case = NominationCase.objects.select_related("nominee").filter(pk=pk).first()
    if case is None or not access.can_view_case(request.user, case):
        raise engine_access.deny(request, subject=case, reason="approval_form_case")
    return case


def _download(fileobj, *, filename: str, content_type: str) -> FileResponse:
    """Always a download, never rendered inline, and never sniffed into something else by the browser."""
    response = FileResponse(fileobj, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


# --- the printable form -------------------------------------------------------------------------------------------


@engine_access.rule(OBJECT)
@login_required
def print_approval_form(request, pk):
    """干部任免审批表 in the national two-page A4 layout, filled from the person record and the case."""
    case = _case_for_departments(request, pk)
    if case.nominee_id is None:
        raise engine_access.deny(request, subject=case, reason="no_nominee")
    person = case.nominee
    # The family table is a sensitive field (DOMAIN §7.2): shown only to a role the masking table allows, logged.
    show_family = masking.FAMILY in masking.unmaskable(request.user)
    if show_family:
        services.person_sensitive_viewed(actor=request.user, person=person, fields_shown={masking.FAMILY},
                                         ip_address=engine_access.client_ip(request))
    today = timezone.localdate()
    return render(request, "nomination/print_approval_form.html", {
        "case": case, "person": person, "age": selectors.PersonRow(person).age, "posts": person.posts.all(),
        "family": [(f, _age(f.birth_month, today)) for f in person.family.all()] if show_family else [],
        "family_hidden": not show_family,
        "assessments": person.assessments.filter(kind="annual")[:3],
        "opinion": case.ufwd_opinions.filter(gate=UfwdOpinion.Gate.DECISION).first(),
        "photo": PersonPhoto.objects.filter(person=person).first(),
        "filled_by": request.user.get_full_name() or request.user.get_username(), "today": today,
    })


def _age(birth_month: str, today) -> int | None:
    """年龄 of a family member from the stored 出生年月 ("1960-05" or "196005"); None when unreadable."""
    digits = "".join(ch for ch in birth_month or "" if ch.isdigit())
    if len(digits) < 6:
        return None
    year, month = int(digits[:4]), int(digits[4:6])
    return today.year - year - (1 if today.month < month else 0)


# --- the photo ----------------------------------------------------------------------------------------------------


class PhotoForm(forms.Form):
    photo = forms.FileField(label=gettext_lazy("照片"),
                            help_text=gettext_lazy("JPEG 或 PNG，不超过 2 MB；用于干部任免审批表。"))


@engine_access.rule(OBJECT)
@require_POST
@login_required
def person_photo_upload(request, pk):
    person = _person_for_departments(request, pk)
    if not access.can_manage_pool(request.user):
        raise engine_access.forbid(request, subject=person, reason="photo_upload")
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择照片文件。"))
    else:
        try:
            exchange.person_photo_set(actor=request.user, person=person, upload=form.cleaned_data["photo"])
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("照片已保存。"))
    return redirect("nomination:person", pk=pk)


@engine_access.rule(OBJECT)
@login_required
def person_photo(request, pk, token):
    person = _person_for_departments(request, pk)
    photo = PersonPhoto.objects.filter(person=person, token=token).first()
    if photo is None:
        raise engine_access.deny(request, subject=person, reason="photo")
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- the .lrmx file -----------------------------------------------------------------------------------------------


def _lrmx_response(request, person: Person, case: NominationCase | None = None) -> HttpResponse:
    sheet, shown = exchange.lrmx_sheet(viewer=request.user, person=person, case=case)
    exchange.person_lrmx_exported(actor=request.user, person=person, fields_shown=shown, case=case,
                                  ip_address=engine_access.client_ip(request))
    response = HttpResponse(build(sheet), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, _("%(name)s干部任免审批表.lrmx") % {"name": person.name})
    response["X-Content-Type-Options"] = "nosniff"
    return response


@engine_access.rule(OBJECT)
@login_required
def person_lrmx_export(request, pk):
    """The person's form as an ``.lrmx`` file (an export: audited with the unmasked fields it carries)."""
    return _lrmx_response(request, _person_for_departments(request, pk))


@engine_access.rule(OBJECT)
@login_required
def case_lrmx_export(request, pk):
    """The form of the case's 考察对象, with 拟任职务 and 任免理由 from the case."""
    case = _case_for_departments(request, pk)
    if case.nominee_id is None:
        raise engine_access.deny(request, subject=case, reason="no_nominee")
    return _lrmx_response(request, case.nominee, case)


class LrmxUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("任免审批表文件（.lrmx）"),
                           help_text=gettext_lazy("由干部任免审批表软件导出，不超过 1 MB。"))


@engine_access.rule(OBJECT)
@login_required
def person_lrmx_import(request, pk):
    """Upload an ``.lrmx`` file → the field-by-field preview (old → new) → confirm; nothing changes before."""
    person = _person_for_departments(request, pk)
    if not access.can_manage_pool(request.user):
        raise engine_access.forbid(request, subject=person, reason="lrmx_import")
    form, plan, token, name = LrmxUploadForm(), None, "", ""
    if request.method == "POST" and request.POST.get("token"):
        return _lrmx_confirm(request, person, request.POST["token"])
    if request.method == "POST":
        form = LrmxUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            name = upload.name or ""
            content = upload.read(LRMX_MAX_BYTES + 1)
            try:
                plan = exchange.lrmx_import_plan(person=person, content=content)
            except ServiceError as error:
                show_error(request, error, form)
            else:
                token = imports.stage(request, {
                    "kind": SESSION_KIND, "person": person.pk, "name": name, "digest": plan.digest,
                    "content": base64.b64encode(content).decode("ascii")})
    return _lrmx_page(request, person, form=form, plan=plan, token=token, name=name)


def _lrmx_page(request, person, *, form, plan=None, token="", name=""):
    return render(request, "nomination/lrmx_import.html", {
        "person": person, "form": form, "plan": plan, "row": plan.rows[0] if plan else None, "token": token,
        "file_name": name, "action": reverse("nomination:person_lrmx_import", args=[person.pk]),
    })


def _lrmx_confirm(request, person, token):
    payload = imports.staged(request, token)
    if not payload or payload.get("kind") != SESSION_KIND or payload.get("person") != person.pk:
        messages.error(request, FileError("lrmx_expired").message)
        return redirect("nomination:person_lrmx_import", pk=person.pk)
    content = base64.b64decode(payload["content"])
    try:
        plan = exchange.person_lrmx_import(actor=request.user, person=person, content=content,
                                           digest=payload["digest"], source=payload["name"])
    except FileError as error:
        messages.error(request, error.message)
        if error.code != "lrmx_stale":
            imports.unstage(request, token)
            return redirect("nomination:person_lrmx_import", pk=person.pk)
        imports.unstage(request, token)
        plan = exchange.lrmx_import_plan(person=person, content=content)
        token = imports.stage(request, {**payload, "digest": plan.digest})
        return _lrmx_page(request, person, form=LrmxUploadForm(), plan=plan, token=token, name=payload["name"])
    imports.unstage(request, token)
    changed = len(plan.rows[0].changes)
    if changed:
        messages.success(request, _("已导入 %(count)s 项变更。") % {"count": changed})
    else:
        messages.info(request, _("无变化，未改动人员信息。"))
    return redirect("nomination:person", pk=person.pk)


# --- the documents of a case's steps ------------------------------------------------------------------------------


class AttachmentForm(forms.Form):
    step = forms.ChoiceField(choices=CaseAttachment.Step.choices, widget=forms.HiddenInput)
    file = forms.FileField(label=gettext_lazy("附件"),
                           help_text=gettext_lazy("PDF、Word、Excel、JPEG 或 PNG，按文件内容识别类型。"))


@engine_access.rule(OBJECT)
@require_POST
@login_required
def case_attachment_upload(request, pk):
    case = _case_for_departments(request, pk)
    step = request.POST.get("step", "")
    if not exchange.can_attach(request.user, case, step):
        raise engine_access.forbid(request, subject=case, reason="case_attachment")
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件。"))
    else:
        try:
            exchange.case_attachment_add(actor=request.user, case=case, step=step, upload=form.cleaned_data["file"])
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("附件已上传。"))
    return redirect(reverse("nomination:case", args=[pk]) + "#attachments-" + step)


@engine_access.rule(OBJECT)
@login_required
def case_attachment(request, pk, token):
    """Serve a document only to those who may see the case (the two departments), always as a download."""
    case = _case_for_departments(request, pk)
    attachment = CaseAttachment.objects.filter(case=case, token=token).first()
    if attachment is None:
        raise engine_access.deny(request, subject=case, reason="case_attachment")
    return _download(attachment.file.open("rb"), filename=attachment.original_name,
                     content_type=attachment.content_type)


def attachment_sections(user, case: NominationCase) -> dict:
    """step -> (step, label, documents, upload form or None) for the case page: the steps that have happened."""
    documents = {}
    for attachment in case.attachments.select_related("uploaded_by"):
        documents.setdefault(attachment.step, []).append(attachment)
    sections = {}
    for step, label in CaseAttachment.Step.choices:
        if not exchange.attachment_step_open(case, step) and step not in documents:
            continue
        form = AttachmentForm(initial={"step": step}, prefix=None) if exchange.can_attach(user, case, step) else None
        sections[step] = (step, label, documents.get(step, []), form)
    return sections
