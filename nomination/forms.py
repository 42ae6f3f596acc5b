"""Forms only parse and present input; the rules live in ``nomination.services``."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.models import Unit

from .models import (
    NON_CPC_CHOICES,
    Assessment,
    Degree,
    Education,
    PoolReview,
    PostLevel,
    Rank,
    RemovalReason,
    RosterBody,
    RosterTerm,
    TrainingRecord,
    UnitedFrontCategory,
)
from .services import PersonData

BLANK = [("", "---------")]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label, *, required=False, **kwargs):
    return forms.DateField(label=label, required=required, widget=DateInput(), **kwargs)


class PersonForm(forms.Form):
    """The person record (DOMAIN §4.6). On an edit, blank sensitive fields keep what is stored."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=30, required=False,
                                help_text=_("18 位，出生日期和性别由系统据此填写。"))
    ethnicity = forms.CharField(label=_("民族"), max_length=20, initial="汉族")
    native_place = forms.CharField(label=_("籍贯"), max_length=50, required=False)
    birth_place = forms.CharField(label=_("出生地"), max_length=50, required=False)
    health = forms.CharField(label=_("健康状况"), max_length=50, required=False,
                             help_text=_("如：健康、良好、一般。"))
    work_started_on = date_field(_("参加工作时间"))
    party = forms.ChoiceField(label=_("党派"), choices=BLANK + NON_CPC_CHOICES)
    party_joined_on = date_field(_("加入党派时间"))
    party_post = forms.CharField(label=_("党派内职务"), max_length=100, required=False)
    uf_category = forms.ChoiceField(label=_("统战身份类别"), choices=BLANK + UnitedFrontCategory.choices,
                                    required=False)
    education = forms.ChoiceField(label=_("学历"), choices=BLANK + Education.choices)
    degree = forms.ChoiceField(label=_("学位"), choices=Degree.choices, required=False)
    school_major = forms.CharField(label=_("毕业院校及专业"), max_length=200, required=False)
    inservice_education = forms.CharField(label=_("在职教育学历"), max_length=50, required=False)
    inservice_degree = forms.CharField(label=_("在职教育学位"), max_length=50, required=False)
    inservice_school_major = forms.CharField(label=_("在职教育毕业院校系及专业"), max_length=200, required=False)
    professional_title = forms.CharField(label=_("专业技术职务"), max_length=100, required=False)
    speciality = forms.CharField(label=_("熟悉专业有何专长"), max_length=200, required=False)
    work_unit = forms.CharField(label=_("工作单位"), max_length=100)
    current_post = forms.CharField(label=_("现任职务"), max_length=100, required=False)
    post_level = forms.ChoiceField(label=_("职务层次"), choices=BLANK + PostLevel.choices, required=False)
    rank = forms.ChoiceField(label=_("职级"), choices=BLANK + Rank.choices, required=False)
    is_leadership_post = forms.BooleanField(label=_("实职（领导职务）"), required=False)
    rewards = forms.CharField(label=_("奖惩情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                              required=False, help_text=_("无奖惩的填“无”。"))
    phone = forms.CharField(label=_("联系电话"), max_length=40, required=False)
    address = forms.CharField(label=_("家庭住址"), max_length=200, required=False)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            for name in ("id_number", "phone", "address"):
                self.fields[name].help_text = _("出于保密，原值不在此显示；不修改请留空。")
        else:
            self.fields["id_number"].required = True

    def to_data(self) -> PersonData:
        data = dict(self.cleaned_data)
        for name in ("recommending_unit", "reason"):
            data.pop(name, None)
        return PersonData(**data, keep_contacts=self.editing)


class RecommendForm(PersonForm):
    """A new person recommended for the pool (推荐表)."""

    recommending_unit = forms.ModelChoiceField(label=_("推荐单位"), queryset=Unit.objects.none())
    reason = forms.CharField(label=_("推荐理由"), widget=forms.Textarea, max_length=2000,
                             help_text=_("主要表现、特长和推荐方向。"))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recommending_unit"].queryset = units if units is not None else Unit.objects.none()
        if units is not None and len(units) == 1:
            self.fields["recommending_unit"].initial = units[0].pk


class PoolRecommendForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, initial="recommend")
    recommending_unit = forms.ModelChoiceField(label=_("推荐单位"), queryset=Unit.objects.filter(is_active=True))
    reason = forms.CharField(label=_("推荐理由"), widget=forms.Textarea, max_length=2000)


class CommentForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                              required=False)


class AssessForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, initial="assess")
    suitable = forms.TypedChoiceField(label=_("评价结论"), coerce=lambda v: v == "1",
                                      choices=[("1", _("适宜入库")), ("0", _("暂不宜入库"))], widget=forms.RadioSelect)
    issued_by = forms.CharField(label=_("评价单位"), max_length=100, required=False)
    comment = forms.CharField(label=_("综合评价意见"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class ReasonForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, initial="decline")
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class UseForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, initial="use")
    unit = forms.CharField(label=_("任职单位"), max_length=100)
    post = forms.CharField(label=_("任职职务"), max_length=100)
    used_on = date_field(_("任职日期"), required=True)
    appointment_ref = forms.CharField(label=_("任职文号"), max_length=100, required=False,
                                      help_text=_("如：同组任〔2026〕12号。"))


class RemoveForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, initial="remove")
    reason = forms.ChoiceField(label=_("出库原因"), choices=RemovalReason.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class ReviewForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, initial="review")
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    result = forms.ChoiceField(label=_("复核结论"), choices=PoolReview.Result.choices)
    comment = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                              required=False)
    removal_reason = forms.ChoiceField(label=_("出库原因（结论为出库时）"), choices=BLANK + RemovalReason.choices,
                                       required=False)
    removal_note = forms.CharField(label=_("出库说明"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class PostRecordForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput, initial="post")
    started_on = date_field(_("起始时间"), required=True)
    ended_on = date_field(_("截止时间"))
    unit = forms.CharField(label=_("单位"), max_length=100)
    post = forms.CharField(label=_("职务"), max_length=100)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class TrainingForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput, initial="training")
    training_kind = forms.ChoiceField(label=_("类型"), choices=TrainingRecord.Kind.choices)
    title = forms.CharField(label=_("培训班次或挂职单位及职务"), max_length=200)
    organiser = forms.CharField(label=_("主办单位"), max_length=100, required=False)
    started_on = date_field(_("起始时间"), required=True)
    ended_on = date_field(_("截止时间"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class AssessmentForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput, initial="assessment")
    assessment_kind = forms.ChoiceField(label=_("类型"), choices=Assessment.Kind.choices)
    year = forms.IntegerField(label=_("年度"), min_value=1950, max_value=2100)
    result = forms.CharField(label=_("结果"), max_length=50, help_text=_("如：优秀、称职；廉政意见写结论。"))
    issued_by = forms.CharField(label=_("出具单位"), max_length=100, required=False)
    comment = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                              required=False)


class FamilyForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput, initial="family")
    relation = forms.CharField(label=_("称谓"), max_length=20)
    name = forms.CharField(label=_("姓名"), max_length=50)
    birth_month = forms.RegexField(label=_("出生年月"), regex=r"^\d{4}-\d{2}$", max_length=7, required=False,
                                   error_messages={"invalid": _("请按 1985-03 的格式填写。")})
    political_status = forms.CharField(label=_("政治面貌"), max_length=20, required=False)
    work_and_post = forms.CharField(label=_("工作单位及职务"), max_length=200, required=False)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))


class RosterUploadForm(UploadForm):
    term = forms.ModelChoiceField(label=_("导入到"), queryset=RosterTerm.objects.all())


class TermOpenForm(forms.Form):
    """换届: the new term of one roster."""

    body = forms.ChoiceField(label=_("名册"), choices=RosterBody.choices)
    number = forms.IntegerField(label=_("届次"), min_value=1, max_value=99)
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("如：政协同心县第十一届委员会。"))
    starts_on = date_field(_("开始日期"), required=True)


class StaffingForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    team = forms.CharField(label=_("领导班子"), max_length=100, help_text=_("如：县人民政府领导班子、县教育局领导班子。"))
    post_level = forms.ChoiceField(label=_("职务层次"), required=False,
                                   choices=[("", _("不分层次")), *PostLevel.choices])
    required = forms.IntegerField(label=_("应配党外干部职数"), min_value=0, max_value=99,
                                  help_text=_("已配职数由系统按实际任职自动计算，无需填写。"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class RevealForm(forms.Form):
    """显示完整敏感信息 asks why (DOMAIN §7.2: the read is logged with its purpose)."""

    purpose = forms.CharField(label=_("查阅目的"), max_length=200,
                              help_text=_("如：核对身份证号以办理任职手续。将与查看记录一并保存。"))
