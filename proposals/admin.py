"""Set-up of the proposal process in Django admin, audited: 届次 and 会次, the 委员 roster (with its Excel import),
提案类别, 答复分类, the proposal settings, and the import of earlier years' proposals (issue #11 items 1, 2, 4).

Proposals themselves are listed read-only: every change of a case goes through ``proposals.services``.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from workflows import masking
from workflows.admin_audit import AuditedAdminMixin, record_change, snapshot
from workflows.admin_audit import diff as field_diff
from workflows.admin_roles import NoCaseContentsMixin
from workflows.imports import ImportAdminMixin

from .history_import import HistoryImporter
from .models import Member, OutcomeCategory, Proposal, ProposalSettings, Session, Term, Topic
from .roster_import import RosterImporter


class TermForm(forms.ModelForm):
    """Exactly one term is 本届: the first term must be it, and it can only be handed on, never just unticked."""

    class Meta:
        model = Term
        fields = ["number", "name", "starts_on", "ends_on", "is_current"]
        help_texts = {"is_current": _("勾选后，原来的本届自动取消；本届只能移交给另一届，不能直接取消。")}

    def _get_validation_exclusions(self):
        # 本届 is handed on in TermAdmin.save_model before saving, so the one-current-term constraint holds there;
        # checking it here would refuse every hand-over.
        return super()._get_validation_exclusions() | {"is_current"}

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends <= starts:
            self.add_error("ends_on", _("结束日期须晚于开始日期。"))
        others = Term.objects.filter(is_current=True)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if not cleaned.get("is_current") and not others.exists():
            if self.instance.pk and self.instance.is_current:
                self.add_error("is_current", _("必须有一届为本届：请在另一届中勾选“本届”，本届会随之移交。"))
            else:
                self.add_error("is_current", _("尚未设置本届：请勾选“本届”。"))
        return cleaned


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["term", "number", "opens_on", "closes_on", "submission_opens_on", "submission_closes_on"]

    def clean(self):
        cleaned = super().clean()
        pairs = [("opens_on", "closes_on", _("闭幕日期不能早于开幕日期。")),
                 ("submission_opens_on", "submission_closes_on", _("大会提案截止不能早于征集开始。"))]
        for first, later, message in pairs:
            if cleaned.get(first) and cleaned.get(later) and cleaned[later] < cleaned[first]:
                self.add_error(later, message)
        term = cleaned.get("term") or getattr(self.instance, "term", None)
        opens = cleaned.get("opens_on")
        if term is not None and opens and not term.starts_on <= opens <= term.ends_on:
            self.add_error("opens_on", _("开幕日期须在该届的起止日期之内（%(starts)s 至 %(ends)s）。") % {
                "starts": term.starts_on, "ends": term.ends_on})
        return cleaned


class SessionInline(admin.TabularInline):
    model = Session
    form = SessionForm
    extra = 0
    fields = ["number", "opens_on", "closes_on", "submission_opens_on", "submission_closes_on"]


@admin.register(Term)
class TermAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = TermForm
    list_display = ["number", "name", "starts_on", "ends_on", "is_current"]
    list_display_links = ["number", "name"]
    inlines = [SessionInline]

    def save_model(self, request, obj, form, change):
        if obj.is_current:
            # Hand 本届 on before saving: the database allows one current term at a time.
            for previous in Term.objects.filter(is_current=True).exclude(pk=obj.pk):
                before = snapshot(previous)
                previous.is_current = False
                previous.save(update_fields=["is_current"])
                record_change(request=request, obj=previous, action="admin.changed",
                              lines=field_diff(before, snapshot(previous)))
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_current:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Session)
class SessionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = SessionForm
    list_display = ["__str__", "opens_on", "closes_on", "submission_opens_on", "submission_closes_on"]
    list_filter = ["term"]
    list_select_related = ["term"]


class MemberAdminForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ["term", "user", "name", "sector", "group", "affiliation", "is_standing", "work_unit", "address",
                  "postcode", "phone", "is_active"]


@admin.register(Member)
class MemberAdmin(NoCaseContentsMixin, AuditedAdminMixin, ImportAdminMixin, admin.ModelAdmin):
    form = MemberAdminForm
    importer = RosterImporter()
    list_display = ["name", "term", "sector", "group", "affiliation", "is_standing", "masked_phone", "is_active",
                    "user"]
    list_filter = ["term", "sector", "affiliation", "is_standing", "is_active"]
    list_select_related = ["term", "user"]
    # No search by phone: it is encrypted at rest (workflows.fields), so the database cannot compare it.
    search_fields = ["name", "work_unit", "user__username"]
    autocomplete_fields = ["user"]
    fieldsets = [
        (None, {"fields": ["term", "user", "name"]}),
        (_("界别与党派"), {"fields": ["sector", "group", "affiliation", "is_standing"]}),
        (_("联系方式"), {"fields": ["work_unit", "address", "postcode", "phone"]}),
        (_("状态"), {"fields": ["is_active"],
                     "description": _("委员离任时取消“在册”，不要删除：名册记录与其提案相关联。")}),
    ]

    @admin.display(description=_("电话"))
    def masked_phone(self, obj):
        # Lists show the masked form, as on every page; the change form shows the value to whoever edits it.
        return masking.mask(masking.PHONE, obj.phone)


@admin.register(Topic)
class TopicAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "order"]
    list_editable = ["order"]
    search_fields = ["name"]


@admin.register(OutcomeCategory)
class OutcomeCategoryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "promises_solution", "order", "is_active"]
    list_display_links = ["code", "name"]
    list_filter = ["is_active"]


@admin.register(ProposalSettings)
class ProposalSettingsAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """One row of local practice: it can be edited, never added twice or deleted."""

    list_display = ["__str__", "evaluators", "no_answer", "max_extension_months", "publication_delay_days"]

    def has_add_permission(self, request):
        return not ProposalSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Proposal)
class ProposalAdmin(NoCaseContentsMixin, ImportAdminMixin, admin.ModelAdmin):
    """Read-only here: proposals change only through their services. The list carries the history import."""

    importer = HistoryImporter()
    list_display = ["__str__", "term", "kind", "status", "submitted_at", "concluded_at"]
    list_filter = ["term", "status", "kind", "year"]
    list_select_related = ["term"]
    search_fields = ["title", "organisation_name", "first_proposer__first_name"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
