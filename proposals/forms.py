"""Forms only parse and present input; the rules live in ``proposals.services``."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from workflows.models import Unit

from .models import (
    Assignment,
    CaseRecord,
    ContactLog,
    Evaluation,
    Member,
    OutcomeCategory,
    Proposal,
    Reply,
    Topic,
)


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, member):
        return f"{member.name}（{member.sector}）"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ProposalForm(forms.Form):
    kind = forms.ChoiceField(label=_("提案类型"), choices=Proposal.Kind.choices, initial=Proposal.Kind.MEMBER)
    title = forms.CharField(
        label=_("案由"), max_length=60, help_text=_("一事一案，通常写作“关于……的建议”，不超过 60 字。")
    )
    topic = forms.ModelChoiceField(label=_("类别"), queryset=Topic.objects.all(), required=False)
    reasons = forms.CharField(
        label=_("理由"), widget=forms.Textarea, required=False, max_length=5000,
        help_text=_("情况和分析：有情况、有分析。"),
    )
    suggestions = forms.CharField(
        label=_("办法"), widget=forms.Textarea, required=False, max_length=5000,
        help_text=_("具体、可行的建议。"),
    )
    cosigners = MemberChoiceField(
        label=_("联名委员"), queryset=Member.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("仅联名提案填写；提交后联名委员须在线确认。"),
    )
    organisation_name = forms.CharField(label=_("提案单位"), max_length=100, required=False,
                                        help_text=_("集体提案填写党派、团体、界别、小组或专委会的全称。"))
    contact_person = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=40, required=False)
    attachments = MultipleFileField(
        label=_("附件"), required=False, help_text=_("PDF、Word、Excel、JPEG、PNG，每个不超过 20 MB。")
    )
    no_secret_confirmed = forms.BooleanField(label=_("本提案不涉及国家秘密"), required=False)

    def __init__(self, *args, term=None, proposer=None, **kwargs):
        super().__init__(*args, **kwargs)
        members = Member.objects.filter(term=term, is_active=True).order_by("sector", "name") if term else Member.objects.none()
        if proposer is not None:
            members = members.exclude(user=proposer)
        self.fields["cosigners"].queryset = members

    def cosigner_user_ids(self) -> tuple[int, ...]:
        return tuple(m.user_id for m in self.cleaned_data.get("cosigners") or ())


class OnBehalfForm(forms.Form):
    """Staff entering a paper proposal for a member (代委员录入)."""

    on_behalf_of = forms.ModelChoiceField(label=_("代哪位委员录入"), queryset=Member.objects.none(), required=False)

    def __init__(self, *args, term=None, **kwargs):
        super().__init__(*args, **kwargs)
        if term:
            self.fields["on_behalf_of"].queryset = Member.objects.filter(term=term, is_active=True).order_by("name")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ReviewForm(forms.Form):
    """审查立案: one form, four outcomes."""

    DECISIONS = [
        ("accept", _("立案")),
        ("reject", _("不予立案")),
        ("merge", _("并案")),
        ("return", _("退回修改")),
    ]
    decision = forms.ChoiceField(label=_("审查结论"), choices=DECISIONS, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("审查意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              max_length=2000)
    suggested_units = forms.ModelMultipleChoiceField(
        label=_("建议承办单位"), queryset=Unit.objects.filter(kind=Unit.Kind.HANDLING, is_active=True), required=False
    )
    ground = forms.ChoiceField(label=_("不予立案理由"), choices=[("", "---------"), *Proposal.RejectionGround.choices],
                               required=False)
    disposition = forms.ChoiceField(label=_("处置方式"), choices=[("", "---------"), *Proposal.Disposition.choices],
                                    required=False)
    proposer_consent = forms.NullBooleanField(
        label=_("提案者是否同意转送"), required=False,
        widget=forms.Select(choices=[("unknown", _("尚未征询")), ("true", _("同意")), ("false", _("不同意"))]),
    )
    master = forms.ModelChoiceField(label=_("并入提案"), queryset=Proposal.objects.none(), required=False)

    def __init__(self, *args, proposal=None, **kwargs):
        super().__init__(*args, **kwargs)
        if proposal is not None:
            self.fields["master"].queryset = (
                Proposal.objects.filter(term=proposal.term, serial__isnull=False).exclude(pk=proposal.pk)
                .order_by("-year", "-serial")
            )


class AssignForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("交办方式"),
        choices=[(Assignment.Role.SOLE, _("独办")), (Assignment.Role.LEAD, _("主办 + 会办")),
                 (Assignment.Role.SEPARATE, _("分办"))],
        widget=forms.RadioSelect, initial=Assignment.Role.SOLE,
    )
    lead_units = forms.ModelMultipleChoiceField(
        label=_("主办 / 独办 / 分办单位"), queryset=Unit.objects.filter(kind=Unit.Kind.HANDLING, is_active=True),
        widget=forms.CheckboxSelectMultiple,
    )
    co_units = forms.ModelMultipleChoiceField(
        label=_("会办单位"), queryset=Unit.objects.filter(kind=Unit.Kind.HANDLING, is_active=True), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("仅“主办 + 会办”时选择。"),
    )
    comment = forms.CharField(label=_("交办意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              max_length=2000)


class AdjustmentDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("决定"), choices=[("1", _("同意调整，改派其他单位")), ("0", _("不同意，仍由原单位办理"))],
        coerce=lambda v: v == "1", widget=forms.RadioSelect,
    )
    new_unit = forms.ModelChoiceField(
        label=_("改派至"), queryset=Unit.objects.filter(kind=Unit.Kind.HANDLING, is_active=True), required=False
    )
    comment = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)




class ContactLogForm(forms.ModelForm):
    class Meta:
        model = ContactLog
        fields = ["held_on", "form", "participants", "summary"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"}), "summary": forms.Textarea(attrs={"rows": 3})}


class CoOpinionForm(forms.Form):
    body = forms.CharField(label=_("会办意见"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)


class ExtensionForm(forms.Form):
    until = forms.DateField(label=_("申请延至"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ExtensionDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(label=_("决定"), choices=[("1", _("同意延期")), ("0", _("不同意"))],
                                     coerce=lambda v: v == "1", widget=forms.RadioSelect)
    comment = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ReplyForm(forms.ModelForm):
    class Meta:
        model = Reply
        fields = ["reference_number", "category", "body", "publicity", "publicity_reason", "summary",
                  "contact_person", "contact_phone"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10}), "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = OutcomeCategory.objects.filter(is_active=True)
        # Completeness is the service's rule (with its Chinese message naming what is missing).
        for name in ("body", "contact_person", "contact_phone"):
            self.fields[name].required = False
        self.fields["category"].required = False


class CategoryChangeForm(forms.Form):
    category = forms.ModelChoiceField(label=_("审核后分类"), queryset=OutcomeCategory.objects.filter(is_active=True))
    comment = forms.CharField(label=_("调整理由"), max_length=500)


class EvaluationForm(forms.Form):
    RATINGS = [(v, label) for v, label in Evaluation.Rating.choices if v != Evaluation.Rating.NONE]
    work_rating = forms.ChoiceField(label=_("办理工作（态度、沟通）"), choices=RATINGS, widget=forms.RadioSelect)
    result_rating = forms.ChoiceField(label=_("办理结果"), choices=RATINGS, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("意见和建议"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              max_length=3000)
    evaluator = forms.ModelChoiceField(label=_("代录：评价人"), queryset=get_user_model().objects.none(),
                                       required=False, help_text=_("仅提案委工作人员代录纸质征询意见表时选择。"))

    def __init__(self, *args, evaluators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = get_user_model().objects.filter(pk__in=[u.pk for u in evaluators])


class RecordForm(forms.ModelForm):
    class Meta:
        model = CaseRecord
        fields = ["kind", "held_on", "participants", "summary"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"}), "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, label) for k, label in CaseRecord.Kind.choices if k in kinds]


class KeyDecisionForm(forms.Form):
    approved = forms.TypedChoiceField(label=_("主席会议决定"), choices=[("1", _("列为重点提案")), ("0", _("不列为"))],
                                      coerce=lambda v: v == "1", widget=forms.RadioSelect)
    decided_on = forms.DateField(label=_("会议日期"), widget=forms.DateInput(attrs={"type": "date"}))
    decision = forms.CharField(label=_("决定内容"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    supervisor = forms.ModelChoiceField(label=_("督办领导"), queryset=get_user_model().objects.none(), required=False)
    lead_official = forms.ModelChoiceField(label=_("领办领导"), queryset=get_user_model().objects.none(),
                                           required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True)
        self.fields["supervisor"].queryset = users.filter(groups__name="cppcc_leader")
        self.fields["lead_official"].queryset = users.filter(groups__name="government_leader")
