import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workflows.models import Unit

from . import masking
from .models import NON_CPC_CHOICES, Education, Gender, Person, PoolState, PostLevel


class PersonFilter(django_filters.FilterSet):
    """The person list's search. An ID number is looked up by its keyed hash (``id_hash``, put in the address by
    the list's POST form so the number itself never reaches an address bar or a server log), and only by the roles
    that may see ID numbers: anyone else could otherwise probe which numbers are on file."""

    q = django_filters.CharFilter(label=_("姓名、单位或职务"), method="search")
    id_hash = django_filters.CharFilter(field_name="id_number_hmac", widget=forms.HiddenInput)
    pool_state = django_filters.ChoiceFilter(label=_("入库状态"), choices=PoolState.choices)
    party = django_filters.ChoiceFilter(label=_("党派"), choices=NON_CPC_CHOICES)
    education = django_filters.ChoiceFilter(label=_("学历"), choices=Education.choices)
    post_level = django_filters.ChoiceFilter(label=_("职务层次"), choices=PostLevel.choices)
    is_leadership_post = django_filters.ChoiceFilter(label=_("是否实职"), choices=[("True", _("是")), ("False", _("否"))])
    gender = django_filters.ChoiceFilter(label=_("性别"), choices=Gender.choices)
    recommending_unit = django_filters.ModelChoiceFilter(label=_("推荐单位"), queryset=Unit.objects.all())

    class Meta:
        model = Person
        fields = ["q", "id_hash", "pool_state", "party", "education", "post_level", "is_leadership_post", "gender",
                  "recommending_unit"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None or masking.ID_NUMBER not in masking.unmaskable(user):
            del self.filters["id_hash"]
        self.filters["recommending_unit"].queryset = Unit.objects.filter(recommended_people__isnull=False).distinct()

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(work_unit__icontains=value) | Q(current_post__icontains=value)
        )


class SubmissionFilter(django_filters.FilterSet):
    """A recommending organisation's own submissions."""

    q = django_filters.CharFilter(label=_("姓名"), field_name="name", lookup_expr="icontains")
    pool_state = django_filters.ChoiceFilter(label=_("状态"), choices=PoolState.choices)

    class Meta:
        model = Person
        fields = ["q", "pool_state"]
