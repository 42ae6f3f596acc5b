"""Set-up through Django admin, audited: every add, change and delete leaves one audit row.

``AuditedAdminMixin`` goes first in a ModelAdmin's bases. Each save in admin (the object, its many-to-many fields and
its inlines) writes ONE ``AuditEvent`` attributed to ``request.user``, with the changed fields old → new in
``changes`` and, readable on the timeline, in ``comment``. Passwords are never written, only that one was changed.

Excel imports (``workflows.imports``) record their rows here too.
"""

import datetime
import hashlib

from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .access import client_ip
from .fields import is_encrypted
from .roles import label as role_label


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Group):
        return str(role_label(value.name))
    return str(value)


def field_display(obj, model_field) -> str:
    """One field of ``obj`` as people read it: choice labels, 是/否, the related object's name."""
    if model_field.is_relation:
        if getattr(obj, model_field.attname, None) is None:
            return ""
        return _display(getattr(obj, model_field.name))
    value = getattr(obj, model_field.attname)
    if model_field.choices and value not in (None, ""):
        return str(dict(model_field.flatchoices).get(value, value))
    return _display(value)


SECRET_FIELDS = ("password",)
# A snapshot keeps only a digest of a secret, marked so that a diff says "changed" and never shows it.
SECRET_MARK = "\x00secret:"  # nosec B105  # a marker, not a password
SKIPPED_FIELDS = ("last_login", "date_joined", "created", "updated")


def snapshot(obj) -> dict[str, tuple[str, str]]:
    """field name → (label, display value) of a saved object, many-to-many fields included."""
    values = {}
    opts = obj._meta
    for model_field in opts.concrete_fields:
        if model_field.primary_key or model_field.name in SKIPPED_FIELDS:
            continue
        if _is_secret(model_field):
            values[model_field.name] = (str(model_field.verbose_name), SECRET_MARK + hashlib.sha256(
                str(getattr(obj, model_field.attname)).encode()).hexdigest())
            continue
        values[model_field.name] = (str(model_field.verbose_name), field_display(obj, model_field))
    if obj.pk is not None:
        for model_field in opts.many_to_many:
            if not isinstance(model_field, models.ManyToManyField):
                continue
            if model_field.remote_field.through._meta.auto_created is False:
                continue  # a through model (e.g. unit members) is audited as an inline
            related = sorted(_display(o) for o in getattr(obj, model_field.name).all())
            label = _("角色") if model_field.related_model is Group else str(model_field.verbose_name)
            values[model_field.name] = (label, "、".join(related))
    return values


def _is_secret(model_field) -> bool:
    # Fields stored encrypted (phones, addresses, ID numbers) never reach the audit log in clear: only "changed".
    return model_field.name in SECRET_FIELDS or is_encrypted(model_field)


def diff(before: dict, after: dict) -> list[list[str]]:
    """[[label, old, new], ...] for every field whose value changed; secrets say only that they changed."""
    lines = []
    for name, (label, new) in after.items():
        old = before.get(name, (label, ""))[1]
        if old == new:
            continue
        if new.startswith(SECRET_MARK):
            lines.append([label, "", _("已设置") if not old else _("已修改")])
        else:
            lines.append([label, old, new])
    return lines


def describe(lines) -> str:
    """The timeline's reading of a change: “电话：1380… → 1390…；在册：是 → 否”."""
    parts = []
    for label, old, new in lines:
        if old and new:
            parts.append(_("%(field)s：%(old)s → %(new)s") % {"field": label, "old": old, "new": new})
        elif new:
            parts.append(_("%(field)s：%(new)s") % {"field": label, "new": new})
        else:
            parts.append(_("%(field)s：%(old)s → （空）") % {"field": label, "old": old})
    return "；".join(parts)[:5000]


def record_change(*, request, obj, action: str, lines, extra: dict | None = None):
    return audit.record(
        subject=obj, action=action, actor=request.user, comment=describe(lines),
        changes={"fields": lines, **(extra or {})}, ip_address=client_ip(request),
    )


class AuditedAdminMixin:
    """Put first in the bases of a ModelAdmin: each add, change and delete in admin writes one audit row."""

    def _audit_state(self, request) -> dict:
        if not hasattr(request, "_admin_audit"):
            request._admin_audit = {"before": {}, "related": []}
        return request._admin_audit

    def save_model(self, request, obj, form, change):
        state = self._audit_state(request)
        if change and obj.pk is not None:
            state["before"] = snapshot(type(obj)._default_manager.get(pk=obj.pk))
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        state = self._audit_state(request)
        verbose = str(formset.model._meta.verbose_name)
        old = {f.instance.pk: snapshot(formset.model._default_manager.get(pk=f.instance.pk))
               for f in formset.initial_forms if f.instance.pk is not None and f.has_changed()}
        deleted = [str(f.instance) for f in formset.deleted_forms if f.instance.pk is not None]
        super().save_formset(request, form, formset, change)
        for instance in formset.new_objects:
            state["related"].append([verbose, "", _("新增“%(object)s”") % {"object": instance}])
        for instance, _changed in formset.changed_objects:
            changes = describe(diff(old.get(instance.pk, {}), snapshot(instance)))
            if changes:
                state["related"].append([_("%(model)s“%(object)s”") % {"model": verbose, "object": instance}, "",
                                         changes])
        for label in deleted:
            state["related"].append([verbose, label, _("已删除")])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        state = self._audit_state(request)
        obj = form.instance
        lines = diff(state["before"], snapshot(obj)) + state["related"]
        request._admin_audit = {"before": {}, "related": []}
        if change and not lines:
            return
        record_change(request=request, obj=obj, action="admin.changed" if change else "admin.added", lines=lines)

    def delete_model(self, request, obj):
        lines = [[label, value, ""] for label, value in snapshot(obj).values() if value]
        with transaction.atomic():
            record_change(request=request, obj=obj, action="admin.deleted", lines=lines)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                lines = [[label, value, ""] for label, value in snapshot(obj).values() if value]
                record_change(request=request, obj=obj, action="admin.deleted", lines=lines)
            super().delete_queryset(request, queryset)


# --- exporting the audit log ---------------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    text = _display(value)
    # A spreadsheet would run a cell starting like a formula: keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class AuditExportMixin:
    """``<changelist>/export/``: the list as filtered on screen, as CSV (UTF-8 with BOM for Excel); the export is
    itself an audit event with its filters and row count. Only for those who may view the list."""

    change_list_template = "admin/workflows/auditevent/change_list.html"
    export_columns = ("at", "action", "subject_label", "actor", "on_behalf_of", "from_state", "to_state", "comment",
                      "ip_address")

    def get_urls(self):
        from django.urls import path

        opts = self.model._meta
        return [path("export/", self.admin_site.admin_view(self.export_view),
                     name=f"{opts.app_label}_{opts.model_name}_export"), *super().get_urls()]

    def export_view(self, request):
        import csv

        from django.core.exceptions import PermissionDenied
        from django.http import StreamingHttpResponse

        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        rows = changelist.get_queryset(request).select_related("actor", "on_behalf_of")
        count = rows.count()
        audit.record(subject=None, action="audit.exported", actor=request.user, ip_address=client_ip(request),
                     comment=request.GET.urlencode()[:500], changes={"count": count, "filters": dict(request.GET)})
        fields = [self.model._meta.get_field(name) for name in self.export_columns]
        writer = csv.writer(_Echo())

        def lines():
            yield "\ufeff" + writer.writerow([str(f.verbose_name) for f in fields] + [_("动作代码")])
            for event in rows.iterator(chunk_size=2000):
                yield writer.writerow([_cell(audit.label(event.action) if f.name == "action" else
                                             getattr(event, f.name)) for f in fields] + [_cell(event.action)])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response

    def changelist_view(self, request, extra_context=None):
        from django.urls import reverse

        opts = self.model._meta
        extra_context = {**(extra_context or {}),
                         "export_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_export")}
        return super().changelist_view(request, extra_context)


# --- reading a workbook ----------------------------------------------------------------------------------------------


def audited_register(model, admin_class, site=None):
    """Register ``admin_class`` for ``model``, replacing an earlier registration (e.g. Django's own UserAdmin)."""
    site = site or admin.site
    if site.is_registered(model):
        site.unregister(model)
    site.register(model, admin_class)
