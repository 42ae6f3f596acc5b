import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Proposal, ProposalStatus, Topic


class ProposalFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("关键词"), method="search")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ProposalStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("提案类型"), choices=Proposal.Kind.choices)
    timing = django_filters.ChoiceFilter(label=_("提交时段"), choices=Proposal.Timing.choices)
    topic = django_filters.ModelChoiceFilter(label=_("类别"), queryset=Topic.objects.all())
    year = django_filters.NumberFilter(label=_("年度"))

    class Meta:
        model = Proposal
        fields = ["q", "status", "kind", "timing", "topic", "year"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value) | Q(first_proposer__first_name__icontains=value)
            | Q(first_proposer__last_name__icontains=value) | Q(organisation_name__icontains=value)
        )
