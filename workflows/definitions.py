"""Editing chains: drafts, validation, publication, comparison, and moving running cases to a newer version."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, locks
from .chains import spec_for, validate
from .errors import PermissionDeniedError, ServiceError, StaleStateError
from .models import DefinitionVersion, FlowSlot, StageDefinition, StageRun, StageTask

COMPARED_FIELDS = (
    "name", "role", "scope", "mode", "ratio", "deadline_kind", "deadline_amount", "reminder_offsets",
    "yellow_after_days", "red_after_days", "auto_action", "skip_field", "skip_operator", "skip_value",
    "allow_batch_approve", "phrases", "order",
)


def _require_admin(actor):
    if not (actor.is_superuser or actor.has_perm("workflows.change_definitionversion")):
        raise PermissionDeniedError("permission_denied")


@transaction.atomic
def draft_create(*, actor, slot: FlowSlot) -> DefinitionVersion:
    """A new draft, copied from the published version (one draft per slot at a time)."""
    _require_admin(actor)
    slot = locks.slot(slot.pk)
    existing = slot.versions.filter(status=DefinitionVersion.Status.DRAFT).first()
    if existing:
        return existing
    source = slot.versions.filter(status=DefinitionVersion.Status.PUBLISHED).first()
    number = (slot.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    draft = DefinitionVersion.objects.create(slot=slot, number=number, created_by=actor)
    if source:
        for stage in source.stages.all():
            stage.pk, stage.version = None, draft
            stage.save()
    audit.record(subject=draft, actor=actor, action="definition.drafted",
                 comment=_("以第 %(n)s 版为基础") % {"n": source.number} if source else "")
    return draft


@transaction.atomic
def draft_publish(*, actor, version: DefinitionVersion) -> DefinitionVersion:
    """Publish a valid draft: new cases start on it; running cases keep the version they started on."""
    _require_admin(actor)
    version = locks.version(version.pk)
    if version.status != DefinitionVersion.Status.DRAFT:
        raise StaleStateError("stale_state")
    errors = validate(version)
    if errors:
        raise ServiceError("invalid_definition", "；".join(errors))
    previous = version.slot.versions.filter(status=DefinitionVersion.Status.PUBLISHED).first()
    if previous:
        previous.status = DefinitionVersion.Status.RETIRED
        previous.save(update_fields=["status"])
    version.status, version.published_by, version.published_at = (
        DefinitionVersion.Status.PUBLISHED, actor, timezone.now())
    version.save(update_fields=["status", "published_by", "published_at"])
    audit.record(subject=version, actor=actor, action="definition.published", from_state="draft",
                 to_state="published", changes={"diff": compare(previous, version) if previous else []})
    return version


def _value(stage, field):
    value = getattr(stage, field)
    if field == "role":
        return value.name
    display = getattr(stage, f"get_{field}_display", None)
    return str(display()) if display and value else value


def compare(old: DefinitionVersion, new: DefinitionVersion) -> list[dict]:
    """Field-by-field differences between two versions, matched by stage key."""
    old_stages = {s.key: s for s in old.stages.select_related("role")}
    new_stages = {s.key: s for s in new.stages.select_related("role")}
    rows = []
    for key in sorted(old_stages.keys() | new_stages.keys(),
                      key=lambda k: (new_stages.get(k) or old_stages.get(k)).order):
        a, b = old_stages.get(key), new_stages.get(key)
        if a is None:
            rows.append({"stage": b.name, "field": _("环节"), "old": "—", "new": _("新增")})
        elif b is None:
            rows.append({"stage": a.name, "field": _("环节"), "old": a.name, "new": _("删除")})
        else:
            for field in COMPARED_FIELDS:
                before, after = _value(a, field), _value(b, field)
                if before != after:
                    rows.append({"stage": b.name, "field": str(StageDefinition._meta.get_field(field).verbose_name),
                                 "old": before, "new": after})
    return rows


@dataclass(frozen=True)
class Landing:
    run: StageRun
    from_stage: str
    to_stage: str | None  # None: the stage no longer exists; the run restarts at the first stage
    note: str


def migration_preview(*, version: DefinitionVersion) -> list[Landing]:
    """Where each running case of the slot on an older version would land on ``version`` (matched by stage key)."""
    landings = []
    runs = (StageRun.objects.filter(slot=version.slot, status=StageRun.Status.RUNNING)
            .exclude(version=version).select_related("version"))
    new_by_key = {s.key: s for s in version.stages.all()}
    for run in runs:
        current = run.version.stages.filter(order=run.current_order).first()
        target = new_by_key.get(current.key) if current else None
        if target:
            note = _("保留当前环节的待办，按新版本继续")
        else:
            first = version.stages.order_by("order").first()
            note = _("当前环节在新版本中不存在，将从“%(stage)s”重新开始") % {"stage": first.name if first else "—"}
        landings.append(Landing(run=run, from_stage=current.name if current else "—",
                                to_stage=target.name if target else None, note=note))
    return landings


@transaction.atomic
def migrate_run(*, actor, run: StageRun, version: DefinitionVersion) -> StageRun:
    """Move one running case to a newer published version; its open tasks move to the same stage key."""
    from .stages import _close, _enter  # the runner owns the stage-entering rules

    _require_admin(actor)
    run = locks.run_with_case(run.pk)
    if run.status != StageRun.Status.RUNNING or version.status != DefinitionVersion.Status.PUBLISHED:
        raise StaleStateError("stale_state")
    current = run.version.stages.filter(order=run.current_order).first()
    target = version.stages.filter(key=current.key).first() if current else None
    old_number = run.version.number
    run.version = version
    run.save(update_fields=["version"])
    if target:
        StageTask.objects.filter(run=run, stage=current).update(stage=target, stage_order=target.order)
        run.current_order = target.order
        run.save(update_fields=["current_order"])
    else:
        for task in StageTask.objects.filter(run=run, status__in=("open", "waiting")):
            _close(task, StageTask.Status.CANCELED)
        _enter(run, from_order=0, actor=actor)
    audit.record(subject=spec_for(run.slot.code).timeline_subject(run.subject), actor=actor, action="chain.migrated",
                 changes={"from": old_number, "to": version.number})
    return run
