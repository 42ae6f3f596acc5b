"""Read-only admin of the cadre records: every change goes through the services, and sensitive fields are always
shown masked here (unmasking is a logged act on the person's page, never an admin side door)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from workflows.admin import ReadOnlyAdmin
from workflows.admin_roles import NoCaseContentsMixin

from . import masking
from .models import (
    Assessment,
    Person,
    PoolReview,
    PostRecord,
    RosterEntry,
    RosterTerm,
    StaffingTarget,
    TrainingRecord,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PostInline(ReadOnlyInline):
    model = PostRecord
    fields = ["started_on", "ended_on", "unit", "post", "note"]


class TrainingInline(ReadOnlyInline):
    model = TrainingRecord
    fields = ["kind", "title", "organiser", "started_on", "ended_on"]


class AssessmentInline(ReadOnlyInline):
    model = Assessment
    fields = ["kind", "year", "result", "issued_by"]


class ReviewInline(ReadOnlyInline):
    model = PoolReview
    fields = ["year", "result", "comment", "reviewed_by"]


@admin.register(Person)
class PersonAdmin(NoCaseContentsMixin, ReadOnlyAdmin):
    list_display = ["name", "masked_id_number", "gender", "party", "education", "post_level", "work_unit",
                    "pool_state"]
    list_filter = ["pool_state", "party", "education", "post_level", "gender"]
    # No search on sensitive fields: a search box would let anyone probe which numbers are on file.
    search_fields = ["name", "work_unit"]
    list_select_related = ["recommending_unit"]
    exclude = ["id_number", "phone", "address"]
    readonly_fields = ["masked_id_number", "masked_phone", "masked_address", "family_members"]
    inlines = [PostInline, TrainingInline, AssessmentInline, ReviewInline]

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, obj):
        return masking.display(masking.ID_NUMBER, obj.id_number, unmasked=False)

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj):
        return masking.display(masking.PHONE, obj.phone, unmasked=False)

    @admin.display(description=_("家庭住址"))
    def masked_address(self, obj):
        return masking.display(masking.ADDRESS, obj.address, unmasked=False)

    @admin.display(description=_("家庭成员"))
    def family_members(self, obj):
        return masking.mask(masking.FAMILY, "x") if obj.family.exists() else "—"


@admin.register(RosterTerm)
class RosterTermAdmin(NoCaseContentsMixin, ReadOnlyAdmin):
    list_display = ["name", "body", "number", "starts_on", "ends_on", "is_current"]
    list_filter = ["body", "is_current"]


@admin.register(RosterEntry)
class RosterEntryAdmin(NoCaseContentsMixin, ReadOnlyAdmin):
    list_display = ["name", "term", "affiliation", "sector", "constituency", "is_standing", "is_vice_chair"]
    list_filter = ["term__body", "affiliation", "is_standing", "is_vice_chair"]
    list_select_related = ["term"]
    search_fields = ["name", "work_post"]


@admin.register(StaffingTarget)
class StaffingTargetAdmin(NoCaseContentsMixin, ReadOnlyAdmin):
    list_display = ["year", "team", "post_level", "required", "is_confirmed"]
    list_filter = ["year"]

    @admin.display(description=_("缺口"))
    def gap(self, obj):
        return obj.gap

    @admin.display(description=_("两部已确认"), boolean=True)
    def is_confirmed(self, obj):
        return obj.is_confirmed
