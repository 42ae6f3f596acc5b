"""Editing chains in Django admin: ordered inline stages, validate, diagram preview, compare, publish, migrate."""

import uuid

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import definitions
from .chains import SLOTS, fixed_stage_errors, validate
from .errors import ServiceError
from .models import DefinitionVersion, FlowSlot, StageDefinition, StageRun
from .roles import label as role_label
from .selectors import steps_of


class StageForm(forms.ModelForm):
    class Meta:
        model = StageDefinition
        fields = ["order", "key", "name", "role", "scope", "mode", "ratio", "deadline_kind", "deadline_amount",
                  "reminder_offsets", "yellow_after_days", "red_after_days", "auto_action", "skip_field",
                  "skip_operator", "skip_value", "allow_batch_approve", "phrases"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].label_from_instance = lambda group: role_label(group.name)
        version = getattr(self.instance, "version", None) if self.instance.pk else None
        parent = version or getattr(self, "parent_version", None)
        spec = SLOTS.get(parent.slot.code) if parent else None
        # The key links a stage across versions (compare, migration): generated for new stages, fixed afterwards.
        self.fields["key"].required = False
        if self.instance.pk:
            self.fields["key"].disabled = True
        if spec is None:
            return
        # Offer only the case fields this slot's skip rules may test, and automatic approval only where allowed.
        self.fields["skip_field"] = forms.ChoiceField(
            label=_("跳过条件字段"), required=False,
            choices=[("", "---------"), *[(k, str(v)) for k, v in spec.skip_fields.items()]],
        )
        if not spec.allow_auto_approve:
            self.fields["auto_action"].choices = [
                c for c in self.fields["auto_action"].choices if c[0] != StageDefinition.AutoAction.APPROVE]
        if self.instance.pk and self.instance.key in spec.required_keys():
            self.fields["name"].help_text = _(
                "法定环节：不能删除；办理角色和范围、审批方式、最短期限、与其他法定环节的先后顺序、逾期自动处理和"
                "跳过条件均不能更改。")

    def clean_key(self):
        key = self.cleaned_data.get("key") or self.instance.key
        if not key:
            key = f"stage-{uuid.uuid4().hex[:8]}"
        return key

    def clean_phrases(self):
        # Browsers send CRLF; store one phrase per plain line so comparisons show only real changes.
        return "\n".join(line.strip() for line in self.cleaned_data["phrases"].splitlines() if line.strip())


class StageFormSet(forms.BaseInlineFormSet):
    """The draft's stages as a whole: a draft that removes or changes a stage fixed by regulation is not saved."""

    def clean(self):
        super().clean()
        spec = SLOTS.get(self.instance.slot.code) if self.instance.pk else None
        if spec is None or any(form.errors for form in self.forms):
            return
        kept = [form.instance for form in self.forms
                if not self._should_delete_form(form) and (form.instance.pk or form.has_changed())]
        errors = fixed_stage_errors(spec, kept)
        if errors:
            raise forms.ValidationError(errors)


class StageInline(admin.StackedInline):
    model = StageDefinition
    form = StageForm
    formset = StageFormSet
    extra = 0
    ordering = ["order"]
    fieldsets = [
        (None, {"fields": [("order", "key", "name"), ("role", "scope"), ("mode", "ratio")]}),
        (gettext_lazy("期限与督办"), {"fields": [("deadline_kind", "deadline_amount"), "reminder_offsets",
                                             ("yellow_after_days", "red_after_days"), "auto_action"]}),
        (gettext_lazy("跳过规则、批量同意与常用语"), {"fields": [("skip_field", "skip_operator", "skip_value"),
                                                     "allow_batch_approve", "phrases"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "role":
            # Roles are managed elsewhere; no add/edit/delete shortcuts into the group admin from here.
            widget = field.widget
            widget.can_add_related = widget.can_change_related = False
            widget.can_delete_related = widget.can_view_related = False
        return field

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.parent_version = obj
        return formset

    def _editable(self, obj):
        return obj is not None and obj.status == DefinitionVersion.Status.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(FlowSlot)
class FlowSlotAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "published", "draft_link"]
    readonly_fields = ["code", "name", "description"]
    actions = None

    def has_add_permission(self, request):
        return False  # slots are declared in code by the domain apps

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("现行版本"))
    def published(self, slot):
        version = slot.versions.filter(status=DefinitionVersion.Status.PUBLISHED).first()
        return version.number if version else "—"

    @admin.display(description=gettext_lazy("编辑"))
    def draft_link(self, slot):
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:workflows_flowslot_new_draft", args=[slot.pk]), _("编辑流程（新建或继续草稿）"))

    def get_urls(self):
        return [path("<int:pk>/new-draft/", self.admin_site.admin_view(self.new_draft),
                     name="workflows_flowslot_new_draft"), *super().get_urls()]

    def new_draft(self, request, pk):
        slot = get_object_or_404(FlowSlot, pk=pk)
        draft = definitions.draft_create(actor=request.user, slot=slot)
        return redirect("admin:workflows_definitionversion_change", draft.pk)


@admin.register(DefinitionVersion)
class DefinitionVersionAdmin(admin.ModelAdmin):
    list_display = ["slot", "number", "status", "note", "published_at", "tools"]
    list_filter = ["slot", "status"]
    inlines = [StageInline]
    fields = ["slot", "number", "status", "note", "published_by", "published_at"]
    change_form_template = "admin/workflows/definitionversion/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        readonly = ["slot", "number", "status", "published_by", "published_at"]
        if obj is not None and obj.status != DefinitionVersion.Status.DRAFT:
            readonly.append("note")
        return readonly

    def has_add_permission(self, request):
        return False  # a draft starts from the slot ("编辑流程"), as a copy of the published version

    def has_delete_permission(self, request, obj=None):
        return obj is not None and obj.status == DefinitionVersion.Status.DRAFT and super().has_delete_permission(
            request, obj)

    @admin.display(description=gettext_lazy("操作"))
    def tools(self, version):
        return format_html('<a href="{}">{}</a>', reverse("admin:workflows_definitionversion_preview",
                                                          args=[version.pk]), _("预览与对比"))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", view(self.preview), name="workflows_definitionversion_preview"),
            path("<int:pk>/publish/", view(self.publish), name="workflows_definitionversion_publish"),
            path("<int:pk>/migrate/", view(self.migrate), name="workflows_definitionversion_migrate"),
            *super().get_urls(),
        ]

    def _context(self, request, version, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, "original": version,
                "version": version, **extra}

    def preview(self, request, pk):
        """The chain as a diagram, its validation, and a field-by-field comparison with any other version."""
        version = get_object_or_404(DefinitionVersion.objects.select_related("slot"), pk=pk)
        others = version.slot.versions.exclude(pk=version.pk).order_by("-number")
        other = others.filter(pk=request.GET.get("compare") or 0).first() or others.filter(
            status=DefinitionVersion.Status.PUBLISHED).first() or others.first()
        stages = list(version.stages.select_related("role").order_by("order", "pk"))
        return TemplateResponse(request, "admin/workflows/definitionversion/preview.html", self._context(
            request, version, title=str(version),
            steps=steps_of([{"stage": s, "state": "todo", "tasks": []} for s in stages]),
            errors=validate(version), others=others, other=other,
            diff=definitions.compare(other, version) if other else [],
        ))

    def publish(self, request, pk):
        version = get_object_or_404(DefinitionVersion, pk=pk)
        if request.method != "POST":
            return redirect("admin:workflows_definitionversion_preview", pk)
        try:
            definitions.draft_publish(actor=request.user, version=version)
        except ServiceError as error:
            for message in error.message.split("；"):
                messages.error(request, message)
            return redirect("admin:workflows_definitionversion_preview", pk)
        messages.success(request, _("已发布。新案件将使用此版本，进行中的案件仍按原版本办理。"))
        return redirect("admin:workflows_definitionversion_migrate", pk)

    def migrate(self, request, pk):
        """Per-case preview of where each running case on an older version would land; migrate the chosen ones."""
        version = get_object_or_404(DefinitionVersion.objects.select_related("slot"), pk=pk)
        if request.method == "POST" and version.status == DefinitionVersion.Status.PUBLISHED:
            ids = request.POST.getlist("runs")
            moved = 0
            for run in StageRun.objects.filter(pk__in=ids, slot=version.slot, status=StageRun.Status.RUNNING):
                definitions.migrate_run(actor=request.user, run=run, version=version)
                moved += 1
            messages.success(request, _("已将 %(count)s 个进行中的案件迁移到第 %(n)s 版。") % {
                "count": moved, "n": version.number})
            return redirect("admin:workflows_definitionversion_migrate", pk)
        landings = definitions.migration_preview(version=version) if version.status == "published" else []
        return TemplateResponse(request, "admin/workflows/definitionversion/migrate.html", self._context(
            request, version, title=_("迁移进行中的案件"), landings=landings))
