"""Forms of the nomination case page: they parse input; the rules live in ``nomination.process``."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.models import Unit

from . import process, roles
from .forms import BLANK, date_field
from .models import (
    CASE_POST_LEVELS,
    NominationCase,
    Person,
    PoolState,
    PostKind,
    RecommendationRecord,
    RepresentativeNominee,
    RosterBody,
    UfwdOpinion,
)

TRI_STATE = [("", _("按职务类型确定")), ("1", _("是")), ("0", _("否"))]
YES_NO = [("1", _("是")), ("0", _("否"))]


def _tri(value: str) -> bool | None:
    return None if value == "" else value == "1"


def candidate_label(person: Person, today=None) -> str:
    """A 参考人选 as the motion needs to see them: party, unit and post, level and age (never a bare name)."""
    today = today or timezone.localdate()
    age = today.year - person.birth_date.year - (
        (today.month, today.day) < (person.birth_date.month, person.birth_date.day))
    parts = [str(person.get_party_display()), f"{person.work_unit}{person.current_post}",
             str(person.get_post_level_display() or _("无职务层次")), _("%(age)s 岁") % {"age": age}]
    return "%s（%s）" % (person.name, "，".join(parts))


class CandidateField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return candidate_label(obj)


class CaseForm(forms.Form):
    """动议方案 (A1)."""

    post_unit = forms.CharField(label=_("任职单位"), max_length=100)
    post_title = forms.CharField(label=_("拟任职务"), max_length=100)
    post_level = forms.ChoiceField(label=_("职务层次"), choices=BLANK + CASE_POST_LEVELS)
    post_kind = forms.ChoiceField(label=_("职务类型"), choices=BLANK + PostKind.choices,
                                  help_text=_("决定是否须经人大、政协依法选举或任命，以及是否实行一年试用期。"))
    posts_count = forms.IntegerField(label=_("职数"), min_value=1, initial=1)
    managed_by = forms.ChoiceField(label=_("干部管理权限"), choices=NominationCase.ManagedBy.choices)
    is_body_leadership = forms.BooleanField(label=_("人大常委会、政府、政协领导成员"), required=False,
                                            help_text=NominationCase._meta.get_field("is_body_leadership").help_text)
    elected_post = forms.ChoiceField(label=_("须经人大、政协依法选举或任命"), choices=TRI_STATE, required=False)
    legal_body = forms.ChoiceField(label=_("依法任命/选举机关"), choices=NominationCase.LegalBody.choices,
                                   required=False)
    probation_required = forms.ChoiceField(label=_("实行一年试用期"), choices=TRI_STATE, required=False)
    motion_text = forms.CharField(label=_("动议方案"), widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("职位、任职条件、人选范围和方式。"))
    candidates = CandidateField(
        label=_("参考人选"), queryset=Person.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("从党外后备干部人才库中选择（可先按姓名或单位查找）；民主推荐须差额进行，参考人选须多于职数。"))

    def __init__(self, *args, selected=(), search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        pool = Person.objects.filter(pool_state=PoolState.IN_POOL)
        search = search.strip()[:50]
        if search:
            # Narrow the choices shown, never the ones chosen: a search keeps the selected candidates.
            pool = pool.filter(Q(name__icontains=search) | Q(work_unit__icontains=search))
        self.fields["candidates"].queryset = (
            pool | Person.objects.filter(pk__in=selected)
        ).distinct().order_by("name", "pk")

    @classmethod
    def initial_for(cls, case: NominationCase) -> dict:
        names = ("post_unit", "post_title", "post_level", "post_kind", "posts_count", "managed_by",
                 "is_body_leadership", "legal_body", "motion_text")
        initial = {name: getattr(case, name) for name in names}
        initial["elected_post"] = "1" if case.elected_post else "0"
        initial["probation_required"] = "1" if case.probation_required else "0"
        initial["candidates"] = list(case.candidates.values_list("pk", flat=True))
        return initial

    def to_data(self) -> process.CaseData:
        d = self.cleaned_data
        return process.CaseData(
            post_unit=d["post_unit"], post_title=d["post_title"], post_level=d["post_level"],
            post_kind=d["post_kind"], motion_text=d["motion_text"], posts_count=d["posts_count"],
            managed_by=d["managed_by"], is_body_leadership=d["is_body_leadership"],
            elected_post=_tri(d["elected_post"]), legal_body=d["legal_body"],
            probation_required=_tri(d["probation_required"]),
            candidate_ids=tuple(p.pk for p in d["candidates"]),
        )


class StepForm(forms.Form):
    """A form of one case step; the page posts its ``step`` name beside it."""


class OpinionForm(StepForm):
    gate = forms.ChoiceField(choices=UfwdOpinion.Gate.choices, widget=forms.HiddenInput)
    stance = forms.ChoiceField(label=_("统战部意见"), choices=UfwdOpinion.Stance.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("意见内容"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                           help_text=_("书面意见，必填：同意、建议或另行考虑的人选及理由。"))
    alternatives = forms.CharField(label=_("建议人选"), max_length=200, required=False)
    comment = forms.CharField(label=_("审批意见"), max_length=500, required=False)


class MotionApproveForm(StepForm):
    approved_on = date_field(_("会议日期"), required=True)
    meeting = forms.CharField(label=_("会议"), max_length=100, initial=_("部务会"),
                              help_text=_("部务会或书记专题会。"))


class RecommendationForm(StepForm):
    form = forms.ChoiceField(label=_("推荐方式"), choices=RecommendationRecord.Form.choices)
    held_on = date_field(_("推荐日期"), required=True)
    categories = forms.MultipleChoiceField(label=_("参加人员类别"), choices=RecommendationRecord.Category.choices,
                                           widget=forms.CheckboxSelectMultiple, required=False)
    participants = forms.IntegerField(label=_("参加人数"), min_value=0)
    talk_summary = forms.CharField(label=_("谈话情况"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, case: NominationCase, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = list(case.candidates.order_by("pk"))
        existing = dict(case.votes.values_list("person_id", "votes"))
        for person in self.people:
            self.fields[f"votes_{person.pk}"] = forms.IntegerField(
                label=_("%(name)s 得票") % {"name": person.name}, min_value=0, required=False,
                initial=existing.get(person.pk))

    def to_data(self) -> process.RecommendationData:
        d = self.cleaned_data
        return process.RecommendationData(
            form=d["form"], held_on=d["held_on"], categories=tuple(d["categories"]), participants=d["participants"],
            votes={p.pk: d[f"votes_{p.pk}"] for p in self.people if d.get(f"votes_{p.pk}") is not None},
            talk_summary=d["talk_summary"])


class CandidateForm(StepForm):
    nominee = forms.ModelChoiceField(label=_("考察对象"), queryset=Person.objects.none())
    party_org_unit = forms.ModelChoiceField(
        label=_("所在党派组织"), queryset=Unit.objects.filter(kind=Unit.Kind.PARTY, is_active=True), required=False,
        help_text=_("考察对象为民主党派成员时必选。"))
    comment = forms.CharField(label=_("说明"), max_length=500, required=False, initial=_("部务会研究，会同统战部确定。"))

    def __init__(self, *args, case: NominationCase, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominee"].queryset = case.candidates.order_by("pk")


def _department_users():
    return get_user_model().objects.filter(
        is_active=True, groups__name__in=(roles.ORG_CADRE, roles.ORG_LEADER, roles.UF_CADRE, roles.UF_LEADER),
    ).distinct().order_by("username")


def _member_label(user) -> str:
    departments = "、".join(str(roles.DEPARTMENT_LABELS[d]) for d in sorted(roles.departments_of(user)))
    return f"{user.get_full_name() or user.get_username()}（{departments or '—'}）"


class TeamForm(StepForm):
    members = forms.ModelMultipleChoiceField(label=_("考察组成员"), queryset=get_user_model().objects.none(),
                                             widget=forms.CheckboxSelectMultiple,
                                             help_text=_("须由组织部和统战部人员共同组成。"))
    leader = forms.ModelChoiceField(label=_("组长"), queryset=get_user_model().objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = self.fields["leader"].queryset = _department_users()
        self.fields["members"].label_from_instance = self.fields["leader"].label_from_instance = _member_label


class ReportForm(StepForm):
    report = forms.CharField(label=_("考察材料"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                             help_text=_("民主测评、个别谈话、实绩核实等情况。"))


class UfOpinionForm(StepForm):
    opinion = forms.CharField(label=_("统战部成员意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              help_text=_("考察组中统战部成员的意见，必填。"))


class PackageForm(StepForm):
    summary = forms.CharField(label=_("上会材料说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              initial=_("干部任免审批表、考察材料、统战部意见、廉政意见。"))
    comment = forms.CharField(label=_("意见"), max_length=500, required=False)


class DecisionForm(StepForm):
    decision = forms.ChoiceField(label=_("常委会决定"), choices=NominationCase.Decision.choices,
                                 widget=forms.RadioSelect)
    meeting_date = date_field(_("会议日期"), required=True)
    minutes_ref = forms.CharField(label=_("会议纪要"), max_length=100, help_text=_("如：县委常委会〔2026〕18次。"))
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CommentForm(StepForm):
    comment = forms.CharField(label=_("说明"), max_length=500, required=False)


class UpwardForm(StepForm):
    sent_on = date_field(_("上报日期"), required=True)
    reference = forms.CharField(label=_("上报文号"), max_length=100)


class UpwardOutcomeForm(StepForm):
    outcome = forms.CharField(label=_("州委决定"), max_length=200)


class NoticeForm(StepForm):
    starts_on = date_field(_("公示开始日期"), required=True)
    ends_on = date_field(_("公示截止日期"), required=True, help_text=_("不少于 5 个工作日（节假日不计）。"))
    channel = forms.CharField(label=_("公示渠道"), max_length=100, initial=_("同心县人民政府网站、单位公示栏"))
    contact = forms.CharField(label=_("受理电话及地址"), max_length=200, required=False)

    @staticmethod
    def initial_dates() -> dict:
        today = timezone.localdate()
        return {"starts_on": today, "ends_on": process.notice_minimum_end(today)}


class ObjectionForm(StepForm):
    received_on = date_field(_("收到日期"), required=True)
    source = forms.CharField(label=_("反映方式"), max_length=50, help_text=_("来信、来电、来访、网络等。"))
    summary = forms.CharField(label=_("反映内容"), widget=forms.Textarea(attrs={"rows": 2}))


class VerifyForm(StepForm):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    finding = forms.CharField(label=_("核查结果"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    affects = forms.ChoiceField(label=_("影响任用"), choices=YES_NO, widget=forms.RadioSelect, required=False)


class ConcludeForm(StepForm):
    proceed = forms.ChoiceField(label=_("公示结果"), choices=[("1", _("继续任用")), ("0", _("终止任用"))],
                                widget=forms.RadioSelect)
    comment = forms.CharField(label=_("说明"), max_length=500, required=False)


class LegalForm(StepForm):
    passed = forms.ChoiceField(label=_("结果"), choices=[("1", _("选举/任命通过")), ("0", _("未通过"))],
                               widget=forms.RadioSelect)
    held_on = date_field(_("会议日期"), required=True)
    note = forms.CharField(label=_("会议及结果"), max_length=200)


class AppointForm(StepForm):
    reference = forms.CharField(label=_("任职通知文号"), max_length=100, help_text=_("如：同组任〔2026〕12号。"))
    notice_on = date_field(_("任职通知日期"), required=True)
    talk_on = date_field(_("任职谈话日期"), required=True)
    starts_on = date_field(_("任职时间"), required=True,
                           help_text=_("党委决定之日，或人大、政协选举、任命之日。"))


class ProbationForm(StepForm):
    result = forms.ChoiceField(label=_("考核结论"), choices=[("confirm", _("正式任职")), ("remove", _("免去试任职务"))],
                               widget=forms.RadioSelect)
    summary = forms.CharField(label=_("考核情况"), widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawForm(StepForm):
    reason = forms.CharField(label=_("终止原因"), max_length=200)


# --- representative recommendation -----------------------------------------------------------------------------


class BatchForm(forms.Form):
    body = forms.ChoiceField(label=_("推荐对象"), choices=BLANK + RosterBody.choices)
    term_name = forms.CharField(label=_("届次"), max_length=100, help_text=_("如：政协同心县第十一届委员会。"))
    seats = forms.IntegerField(label=_("党外名额"), min_value=1)
    quota_plan = forms.CharField(label=_("名额与结构方案"), widget=forms.Textarea(attrs={"rows": 3}))
    election_date = date_field(_("选举日（人大代表）"))


class NomineeForm(StepForm):
    person = forms.ModelChoiceField(label=_("人选"), queryset=Person.objects.none())
    nominated_by = forms.ChoiceField(label=_("推荐方"), choices=RepresentativeNominee.NominatedBy.choices,
                                     required=False)
    nominating_unit = forms.ModelChoiceField(label=_("推荐单位"), queryset=Unit.objects.none(), required=False)
    sector = forms.CharField(label=_("界别/选区"), max_length=50)
    is_renomination = forms.BooleanField(label=_("连任"), required=False)
    reason = forms.CharField(label=_("推荐理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, people, units, department: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people.order_by("name", "pk")
        self.fields["nominating_unit"].queryset = units
        if not department:
            del self.fields["nominated_by"]


class ConsultationForm(StepForm):
    held_on = date_field(_("协商日期"), required=True)
    consulted = forms.MultipleChoiceField(label=_("协商对象"), widget=forms.CheckboxSelectMultiple, required=False,
                                          choices=[("parties", _("民主党派")), ("acfic", _("工商联"))])
    summary = forms.CharField(label=_("协商情况"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CheckForm(StepForm):
    nominee = forms.IntegerField(widget=forms.HiddenInput)
    political = forms.BooleanField(label=_("政治关"), required=False, initial=True)
    integrity = forms.BooleanField(label=_("廉洁关"), required=False, initial=True)
    image = forms.BooleanField(label=_("形象关"), required=False, initial=True)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class SummaryForm(StepForm):
    summary = forms.CharField(label=_("征求意见情况"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CommitteeForm(StepForm):
    approved = forms.ChoiceField(label=_("县委审定"), choices=[("1", _("通过")), ("0", _("调整名单"))],
                                 widget=forms.RadioSelect)
    held_on = date_field(_("会议日期"), required=True)
    minutes_ref = forms.CharField(label=_("会议纪要"), max_length=100)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class AdoptForm(StepForm):
    held_on = date_field(_("政协常委会会议日期"), required=True)
    standing_members = forms.IntegerField(label=_("常务委员总数"), min_value=1)
    votes_for = forms.IntegerField(label=_("赞成票"), min_value=0)


class DateStepForm(StepForm):
    on = date_field(_("日期"), required=True)


class ResultsForm(StepForm):
    elected = forms.ModelMultipleChoiceField(label=_("当选人员"), queryset=RepresentativeNominee.objects.none(),
                                             widget=forms.CheckboxSelectMultiple, required=False)

    def __init__(self, *args, batch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["elected"].queryset = batch.nominees.filter(listed=True).select_related("person")
        self.fields["elected"].label_from_instance = lambda n: n.person.name


class ReferenceForm(StepForm):
    reference = forms.CharField(label=_("上报文号"), max_length=100)


class OutcomeForm(StepForm):
    outcome = forms.CharField(label=_("结果"), max_length=200)
