"""Forms of the session-time bulk pages (批量立案, 交办方案): they parse input only; each proposal is still moved by
its own service call (``proposals.services``)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import AssignForm
from .models import Proposal, Session, Term, Topic


class BulkFilter(django_filters.FilterSet):
    """类别 and 届次/会次: how the committee splits a plenary session's few hundred proposals."""

    topic = django_filters.ModelChoiceFilter(label=_("类别"), queryset=Topic.objects.all())
    term = django_filters.ModelChoiceFilter(label=_("届次"), queryset=Term.objects.all())
    session = django_filters.ModelChoiceFilter(label=_("会次"), queryset=Session.objects.select_related("term"))

    class Meta:
        model = Proposal
        fields = ["topic", "term", "session"]


class BulkAcceptForm(forms.Form):
    """批量立案: the chosen proposals and one optional 审查意见 for all of them."""

    proposals = forms.TypedMultipleChoiceField(label=_("提案"), coerce=int, error_messages={
        "required": _("请至少选择一件提案。")})
    comment = forms.CharField(label=_("审查意见"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any proposal id is a choice here: the service decides whether this user may still decide it (a proposal
        # someone else decided meanwhile is reported on its own row, not refused with the whole batch).
        posted = self.data.getlist("proposals") if self.is_bound else []
        # Only ids a primary key can hold: anything else is refused as an invalid choice, never sent to the database.
        self.fields["proposals"].choices = [(v, v) for v in posted if v.isascii() and v.isdigit() and len(v) < 19]

    def clean_proposals(self):
        return list(dict.fromkeys(self.cleaned_data["proposals"]))


MODE_CHOICES = [("", _("— 不交办 —")), *AssignForm.base_fields["mode"].choices]


class AssignRowForm(forms.Form):
    """One row of the 交办方案 table (prefix ``p<proposal pk>``). The unit choices are given, not queried, so a
    table of any size costs one query for its units."""

    mode = forms.ChoiceField(label=_("交办方式"), choices=MODE_CHOICES, required=False)
    lead_units = forms.TypedMultipleChoiceField(label=_("主办 / 独办 / 分办单位"), coerce=int, required=False,
                                                widget=forms.SelectMultiple(attrs={"size": 4}))
    co_units = forms.TypedMultipleChoiceField(label=_("会办单位"), coerce=int, required=False,
                                              widget=forms.SelectMultiple(attrs={"size": 4}))

    def __init__(self, *args, unit_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_units"].choices = unit_choices
        self.fields["co_units"].choices = unit_choices

    @property
    def is_filled(self) -> bool:
        """A row counts once its 交办方式 is chosen or its units differ from the review's suggestion."""
        return self.has_changed()

    def clean(self):
        data = super().clean()
        if self.has_changed() and not data.get("mode") and not self.errors:
            raise forms.ValidationError(_("请选择交办方式。"), code="mode_required")
        return data
