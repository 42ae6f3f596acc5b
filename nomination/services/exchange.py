"""The 干部任免审批表's files: the person's photo, the documents of a case's steps, and the ``.lrmx`` exchange file.

Uploads are checked by content (``workflows.uploads``) and stored under a random token, never under the uploader's
name; they are served only by the access-checked views of ``nomination.approval_views``. An ``.lrmx`` import
changes the person only on confirm, through ``person_update`` (the people service), and only if the preview the
user confirmed is still what the import would do (the digest of ``workflows.imports``).
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows import audit, locks, uploads
from workflows.admin_audit import describe, field_display
from workflows.imports import Plan, RowPlan

from .. import access, identity, lrmx, masking
from ..errors import NominationPermissionError
from ..lrmx import FileError
from ..models import CaseAttachment, CaseStatus, NominationCase, Person, PersonPhoto
from .people import PROFILE_FIELDS, PersonData, person_update

PHOTO_MAX_BYTES = 2 * 1024 * 1024


def _require(condition: bool):
    if not condition:
        raise NominationPermissionError("permission_denied")


def _mb(limit: int) -> int:
    return max(limit // 2**20, 1)


# --- the photo --------------------------------------------------------------------------------------------------


def _store_photo(actor, person: Person, upload, *, source: str) -> PersonPhoto:
    try:
        checked = uploads.check(upload, allowed=uploads.IMAGES, max_bytes=PHOTO_MAX_BYTES)
    except uploads.UploadRefused as refused:
        code = "photo_size" if refused.code == "size" else "photo_type"
        raise FileError(code, field="photo", params={"name": refused.name, "limit": _mb(PHOTO_MAX_BYTES)}) from None
    old = PersonPhoto.objects.filter(person=person).first()
    if old is not None:
        old.file.delete(save=False)
        old.delete()
    photo = PersonPhoto(person=person, token=secrets.token_hex(16), content_type=checked.content_type,
                        size=checked.size, sha256=checked.sha256, uploaded_by=actor)
    upload.seek(0)
    photo.file.save(photo.token, ContentFile(upload.read()), save=False)
    photo.save()
    audit.record(subject=person, actor=actor, action="person.photo_set", comment=source,
                 changes={"sha256": [old.sha256 if old else "", checked.sha256]})
    return photo


@transaction.atomic(durable=True)
def person_photo_set(*, actor, person: Person, upload) -> PersonPhoto:
    """Store (or replace) the photo of the 干部任免审批表: JPEG or PNG by content, at most 2 MB."""
    _require(access.can_manage_pool(actor))
    person = locks.case(Person, person.pk)
    return _store_photo(actor, person, upload, source=uploads.safe_name(upload))


# --- documents of a case's steps -----------------------------------------------------------------------------------


def attachment_step_open(case: NominationCase, step: str) -> bool:
    """Whether the step a document belongs to has happened (考察 started, 公示 published, 决定 recorded)."""
    if step == CaseAttachment.Step.VETTING:
        return case.vetting_team.exists()
    if step == CaseAttachment.Step.NOTICE:
        return case.notice_starts_on is not None
    if step == CaseAttachment.Step.DECISION:
        return bool(case.decision)
    return False


def can_attach(user, case: NominationCase, step: str) -> bool:
    """组织部干部科 on every step; a 考察组 member also on 考察材料 (the "may I" flag of the case page too)."""
    if case.status == CaseStatus.WITHDRAWN or not attachment_step_open(case, step):
        return False
    if access.can_manage_cases(user):
        return True
    return step == CaseAttachment.Step.VETTING and access.is_team_member(user, case)


@transaction.atomic(durable=True)
def case_attachment_add(*, actor, case: NominationCase, step: str, upload) -> CaseAttachment:
    """Store a document of one step (PDF, Word, Excel, JPEG, PNG by content; Office zips within unpack limits)."""
    case = locks.case(NominationCase, case.pk)
    if step not in CaseAttachment.Step.values or not attachment_step_open(case, step):
        raise FileError("attachment_step", field="file")
    _require(can_attach(actor, case, step))
    limit = settings.ATTACHMENT_MAX_BYTES
    try:
        checked = uploads.check(upload, allowed=uploads.DOCUMENTS, max_bytes=limit)
    except uploads.UploadRefused as refused:
        code = "attachment_size" if refused.code == "size" else "attachment_type"
        raise FileError(code, field="file", params={"name": refused.name, "limit": _mb(limit)}) from None
    attachment = CaseAttachment(case=case, step=step, token=secrets.token_hex(16), original_name=checked.name,
                                content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                                uploaded_by=actor)
    upload.seek(0)
    attachment.file.save(attachment.token, ContentFile(upload.read()), save=False)
    attachment.save()
    audit.record(subject=case, actor=actor, action="case.attachment_added", comment=checked.name,
                 changes={"step": step, "sha256": checked.sha256, "size": checked.size})
    return attachment


# --- the .lrmx file: export ---------------------------------------------------------------------------------------


def _resume(person: Person) -> str:
    return "\n".join("%s--%s  %s%s" % (r.started_on.strftime("%Y.%m"), r.ended_on.strftime("%Y.%m") if r.ended_on
                                        else "", r.unit, r.post) for r in person.posts.all())


def _assessments(person: Person) -> str:
    rows = person.assessments.filter(kind="annual")[:3]
    return "；".join(_("%(year)s年度%(result)s") % {"year": a.year, "result": a.result} for a in rows)


def lrmx_sheet(*, viewer, person: Person, case: NominationCase | None = None) -> tuple[lrmx.Sheet, set]:
    """The form of ``person`` (and of ``case``) as ``viewer`` may see it: the ID number and the family rows only
    for a role the masking table allows (DOMAIN §7.2), else masked / left out. Returns (sheet, fields shown)."""
    allowed = masking.unmaskable(viewer)
    shown = allowed & {masking.ID_NUMBER, masking.FAMILY}
    today = timezone.localdate()
    cells = lrmx.export_cells(person)
    cells.update({
        "XingBie": person.get_gender_display(),
        "ChuShengNianYue": person.birth_date.strftime("%Y%m"),
        "JianLi": _resume(person),
        "NianDuKaoHeJieGuo": _assessments(person),
        "JiSuanNianLingShiJian": today.strftime("%Y%m%d"),
        "TianBiaoShiJian": today.strftime("%Y%m%d"),
        "TianBiaoRen": viewer.get_full_name() or viewer.get_username(),
        "ShenFenZheng": masking.display(masking.ID_NUMBER, person.id_number,
                                        unmasked=masking.ID_NUMBER in allowed),
    })
    if case is not None:
        cells.update({
            "NiRenZhiWu": "%s%s" % (case.post_unit, case.post_title),
            "NiMianZhiWu": person.current_post,
            "RenMianLiYou": case.motion_text,
            "ChengBaoDanWei": _("中共同心县委组织部"),
        })
    family = []
    if masking.FAMILY in allowed:
        family = [{"ChengWei": f.relation, "XingMing": f.name, "ChuShengRiQi": f.birth_month.replace("-", ""),
                   "ZhengZhiMianMao": f.political_status, "GongZuoDanWeiJiZhiWu": f.work_and_post}
                  for f in person.family.all()]
    photo = PersonPhoto.objects.filter(person=person).first()
    content = None
    if photo is not None:
        with photo.file.open("rb") as handle:
            content = handle.read()
    return lrmx.Sheet(cells=cells, family=family, photo=content), shown


def person_lrmx_exported(*, actor, person: Person, fields_shown, case: NominationCase | None = None,
                         ip_address=None):
    """Log the export of one form (an export of the person's data, unmasked fields named)."""
    return audit.record(subject=person, actor=actor, action="person.lrmx_exported", ip_address=ip_address,
                        changes={"fields": sorted(fields_shown), "case": case.pk if case else None})


# --- the .lrmx file: import ---------------------------------------------------------------------------------------


@dataclass
class LrmxPlan(Plan):
    """The preview of one file against one person: ``values`` to set, and the photo (bytes) if it changes."""

    values: dict = field(default_factory=dict)
    photo: bytes | None = None


def _label(name: str) -> str:
    return str(Person._meta.get_field(name).verbose_name)


def _shown(name: str, value) -> str:
    if isinstance(value, datetime.date):
        return value.strftime("%Y.%m")
    return field_display(Person(**{name: value}), Person._meta.get_field(name)) if value else ""


def lrmx_import_plan(*, person: Person, content: bytes) -> LrmxPlan:
    """What importing ``content`` into ``person`` would change, field by field (old → new). Nothing is written.

    A file of another person (its ID number's keyed hash differs) is refused outright.
    """
    sheet = lrmx.parse(content)
    number = sheet.cells.get("ShenFenZheng", "")
    try:
        digest = identity.keyed_hash(identity.parse(number).number)
    except ValidationError:  # an unreadable number is not this person's
        digest = ""
    if digest != person.id_number_hmac:
        raise FileError("lrmx_wrong_person")
    values, problems = lrmx.values_from(sheet, person)
    if problems:
        label, text = problems[0]
        raise FileError("lrmx_bad_value", params={"field": label, "value": text})
    lines, changed = [], {}
    for name, new in values.items():
        old = getattr(person, name)
        if lrmx.same(name, old, new):
            continue
        changed[name] = new
        lines.append([_label(name), _shown(name, old), _shown(name, new)])
    plan = LrmxPlan(values=changed)
    current = PersonPhoto.objects.filter(person=person).first()
    if sheet.photo:
        new_sha = hashlib.sha256(sheet.photo).hexdigest()
        if current is None or current.sha256 != new_sha:
            lines.append([_("照片"), current.sha256[:12] if current else "", new_sha[:12]])
            plan.photo = sheet.photo
    plan.rows.append(RowPlan(1, "changed" if lines else "unchanged", person.name, lines, []))
    return plan


@transaction.atomic(durable=True)
def person_lrmx_import(*, actor, person: Person, content: bytes, digest: str, source: str = "") -> LrmxPlan:
    """Apply a previewed file to ``person`` if the preview is still what it would do; audit the changed fields."""
    _require(access.can_manage_pool(actor))
    person = locks.case(Person, person.pk)
    plan = lrmx_import_plan(person=person, content=content)
    if plan.digest != digest:
        raise FileError("lrmx_stale")
    lines = plan.rows[0].changes
    if not lines:
        return plan
    if plan.values:
        current = {name: getattr(person, name) for name in PROFILE_FIELDS}
        current.update(phone="", address="")  # kept as stored (keep_contacts): never read back to be written
        data = PersonData(id_number="", keep_contacts=True, **{**current, **plan.values})
        person_update(actor=actor, person=person, data=data)
    if plan.photo is not None:
        kind = lrmx.photo_type(plan.photo)
        ending = ".png" if kind == uploads.PNG else ".jpg"
        _store_photo(actor, person, ContentFile(plan.photo, name="photo" + ending), source=source)
    audit.record(subject=person, actor=actor, action="person.lrmx_imported",
                 comment=_("%(changes)s（来源：%(file)s）") % {"changes": describe(lines), "file": source},
                 changes={"fields": lines, "file": source})
    return plan

