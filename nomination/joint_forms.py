"""Forms of the 六个共同 pages: they parse and check the input; the rules are the services' (``services.joint``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Person, PoolState, TrainingPlanItem

DATE = forms.DateInput(attrs={"type": "date"})


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("名称"), max_length=200, help_text=_("如：2026 年度党外干部培养计划。"))
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PlanItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=TrainingPlanItem.Kind.choices)
    title = forms.CharField(label=_("培训班次或挂职单位及职务"), max_length=200)
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    organiser = forms.CharField(label=_("主办单位"), max_length=100, required=False)
    starts_on = forms.DateField(label=_("起始时间"), widget=DATE)
    ends_on = forms.DateField(label=_("截止时间"), widget=DATE)
    participants = forms.ModelMultipleChoiceField(
        label=_("参加人员"), queryset=Person.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text=_("只能从在库党外后备干部中选择。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = Person.objects.filter(pool_state=PoolState.IN_POOL).order_by("name", "pk")

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("截止时间不能早于起始时间。"))
        return cleaned


class CompleteForm(forms.Form):
    participation = forms.IntegerField(widget=forms.HiddenInput)
    completed_on = forms.DateField(label=_("完成日期"), widget=DATE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class FollowUpForm(forms.Form):
    person = forms.ModelChoiceField(label=_("人员"), queryset=Person.objects.none())
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    result = forms.ChoiceField(label=_("结果"), choices=[("优秀", _("优秀")), ("称职", _("称职")), ("基本称职", _("基本称职")),
                                                       ("不称职", _("不称职"))])
    comment = forms.CharField(label=_("考核情况"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Cadres who hold a post recorded in the system: the ones appointed and followed up after appointment.
        self.fields["person"].queryset = Person.objects.filter(posts__isnull=False).distinct().order_by("name", "pk")


class DecisionForm(forms.Form):
    step = forms.ChoiceField(choices=[("confirm", _("同意")), ("decline", _("不同意"))])
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("step") == "decline" and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("不同意时请填写理由。"))
        return cleaned
