"""The reserve talent pool, the person records behind it, the representative rosters and the staffing targets.

DOMAIN §4.5–4.6 (person record and pool lifecycle), §4.2 (the staffing-target sheet of 共同制定规划), §5.1–5.2 (the
rosters whose non-Party shares the statistics report). State changes go through ``nomination.services`` only.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.fields import EncryptedCharField
from workflows.models import Unit


class Affiliation(models.TextChoices):
    """政治面貌 / 党派 (DOMAIN §4.6): the eight democratic parties, 无党派人士 and 群众; 中共 only on rosters."""

    CPC = "cpc", _("中共党员")
    MINGE = "minge", _("民革")
    MINMENG = "minmeng", _("民盟")
    MINJIAN = "minjian", _("民建")
    MINJIN = "minjin", _("民进")
    NONGGONG = "nonggong", _("农工党")
    ZHIGONG = "zhigong", _("致公党")
    JIUSAN = "jiusan", _("九三学社")
    TAIMENG = "taimeng", _("台盟")
    NON_PARTY = "non_party", _("无党派人士")
    MASSES = "masses", _("群众")


NON_CPC_CHOICES = [(value, label) for value, label in Affiliation.choices if value != Affiliation.CPC]
DEMOCRATIC_PARTIES = (
    Affiliation.MINGE, Affiliation.MINMENG, Affiliation.MINJIAN, Affiliation.MINJIN, Affiliation.NONGGONG,
    Affiliation.ZHIGONG, Affiliation.JIUSAN, Affiliation.TAIMENG,
)


class Gender(models.TextChoices):
    MALE = "m", _("男")
    FEMALE = "f", _("女")


class Education(models.TextChoices):
    SECONDARY = "secondary", _("中专及以下")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    MASTER = "master", _("硕士研究生")
    DOCTOR = "doctor", _("博士研究生")


class Degree(models.TextChoices):
    NONE = "", _("无")
    BACHELOR = "bachelor", _("学士")
    MASTER = "master", _("硕士")
    DOCTOR = "doctor", _("博士")


class PostLevel(models.TextChoices):
    """职务层次 (DOMAIN §4.6); blank for representative figures who hold no public post."""

    DIVISION = "division", _("正处级")
    DEPUTY_DIVISION = "deputy_division", _("副处级")
    SECTION = "section", _("正科级")
    DEPUTY_SECTION = "deputy_section", _("副科级")
    STAFF = "staff", _("一般干部")


LEADING_LEVELS = (PostLevel.DIVISION, PostLevel.DEPUTY_DIVISION, PostLevel.SECTION, PostLevel.DEPUTY_SECTION)


class Rank(models.TextChoices):
    """职级 under 职务与职级并行 (the grades a county deals with)."""

    RESEARCHER_1 = "researcher_1", _("一级调研员")
    RESEARCHER_2 = "researcher_2", _("二级调研员")
    RESEARCHER_3 = "researcher_3", _("三级调研员")
    RESEARCHER_4 = "researcher_4", _("四级调研员")
    PRINCIPAL_1 = "principal_1", _("一级主任科员")
    PRINCIPAL_2 = "principal_2", _("二级主任科员")
    PRINCIPAL_3 = "principal_3", _("三级主任科员")
    PRINCIPAL_4 = "principal_4", _("四级主任科员")
    CLERK_1 = "clerk_1", _("一级科员")
    CLERK_2 = "clerk_2", _("二级科员")


class UnitedFrontCategory(models.TextChoices):
    """统战身份类别 (DOMAIN §4.6)."""

    INTELLECTUAL = "intellectual", _("党外知识分子")
    ETHNIC = "ethnic", _("少数民族人士")
    RELIGIOUS = "religious", _("宗教界人士")
    PRIVATE_ECONOMY = "private_economy", _("非公有制经济人士")
    NEW_CLASS = "new_class", _("新的社会阶层人士")
    RETURNEE = "returnee", _("出国和归国留学人员")
    OVERSEAS = "overseas", _("港澳同胞、台湾同胞和海外侨胞")


class PoolState(models.TextChoices):
    """DOMAIN §4.5: a state of the person record, never a second copy of it."""

    NONE = "none", _("未入库")
    PROPOSED = "proposed", _("已推荐")
    ASSESSING = "assessing", _("综合评价")
    CONFIRMING = "confirming", _("两部会商确认")
    IN_POOL = "in_pool", _("在库")
    USED = "used", _("已使用")
    REMOVED = "removed", _("已出库")
    NOT_ADMITTED = "not_admitted", _("未予入库")


# A new recommendation may start from these; the others are already on the way or in the pool.
RECOMMENDABLE_STATES = (PoolState.NONE, PoolState.REMOVED, PoolState.NOT_ADMITTED)


class RemovalReason(models.TextChoices):
    """出库 reasons of DOMAIN §4.5."""

    AGE = "age", _("年龄超限")
    CONDUCT = "conduct", _("政治表现")
    TRANSFERRED = "transferred", _("调离")
    OWN_WISH = "own_wish", _("本人意愿")
    JOINED_CPC = "joined_cpc", _("加入中共")
    OTHER = "other", _("其他")


class Person(models.Model):
    """A non-Party cadre or representative figure the UFWD tracks (DOMAIN §4.6), with the pool state on it."""

    name = models.CharField(_("姓名"), max_length=50)
    # Sensitive (see nomination.masking): encrypted at rest (workflows.fields), so the database cannot search it;
    # duplicates and exact searches go through the keyed hash beside it.
    id_number = EncryptedCharField(_("身份证号"), max_length=18)
    id_number_hmac = models.CharField(_("身份证号摘要"), max_length=64, unique=True, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    native_place = models.CharField(_("籍贯"), max_length=50, blank=True)
    birth_place = models.CharField(_("出生地"), max_length=50, blank=True)
    health = models.CharField(_("健康状况"), max_length=50, blank=True)
    work_started_on = models.DateField(_("参加工作时间"), null=True, blank=True)
    party = models.CharField(_("党派"), max_length=20, choices=NON_CPC_CHOICES)
    party_joined_on = models.DateField(_("加入党派时间"), null=True, blank=True)
    party_post = models.CharField(_("党派内职务"), max_length=100, blank=True)
    uf_category = models.CharField(_("统战身份类别"), max_length=20, choices=UnitedFrontCategory.choices, blank=True)
    education = models.CharField(_("学历"), max_length=20, choices=Education.choices)
    degree = models.CharField(_("学位"), max_length=20, choices=Degree.choices, blank=True)
    school_major = models.CharField(_("毕业院校及专业"), max_length=200, blank=True)
    # 在职教育 of the 干部任免审批表: free text, since in-service degrees (e.g. 省委党校研究生) fit no choice list.
    inservice_education = models.CharField(_("在职教育学历"), max_length=50, blank=True)
    inservice_degree = models.CharField(_("在职教育学位"), max_length=50, blank=True)
    inservice_school_major = models.CharField(_("在职教育毕业院校系及专业"), max_length=200, blank=True)
    professional_title = models.CharField(_("专业技术职务"), max_length=100, blank=True)
    speciality = models.CharField(_("熟悉专业有何专长"), max_length=200, blank=True)
    work_unit = models.CharField(_("工作单位"), max_length=100)
    current_post = models.CharField(_("现任职务"), max_length=100, blank=True)
    post_level = models.CharField(_("职务层次"), max_length=20, choices=PostLevel.choices, blank=True)
    rank = models.CharField(_("职级"), max_length=20, choices=Rank.choices, blank=True)
    is_leadership_post = models.BooleanField(_("是否实职"), default=False)
    rewards = models.TextField(_("奖惩情况"), max_length=2000, blank=True)
    phone = EncryptedCharField(_("联系电话"), max_length=40, blank=True)
    address = EncryptedCharField(_("家庭住址"), max_length=200, blank=True)

    pool_state = models.CharField(_("入库状态"), max_length=20, choices=PoolState.choices, default=PoolState.NONE,
                                  db_index=True)
    recommending_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="recommended_people",
        verbose_name=_("推荐单位"),
    )
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("推荐人"),
    )
    recommended_at = models.DateTimeField(_("推荐时间"), null=True, blank=True)
    recommendation_reason = models.TextField(_("推荐理由"), blank=True)
    org_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("组织部确认人"),
    )
    org_confirmed_at = models.DateTimeField(_("组织部确认时间"), null=True, blank=True)
    uf_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("统战部确认人"),
    )
    uf_confirmed_at = models.DateTimeField(_("统战部确认时间"), null=True, blank=True)
    entered_pool_at = models.DateTimeField(_("入库时间"), null=True, blank=True)
    used_on = models.DateField(_("使用日期"), null=True, blank=True)
    used_post = models.CharField(_("使用职务"), max_length=200, blank=True)
    appointment_ref = models.CharField(_("任职文号"), max_length=100, blank=True)
    appointment_case = models.ForeignKey(
        "NominationCase", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("任用案件"),
    )
    removed_at = models.DateTimeField(_("出库时间"), null=True, blank=True)
    removal_reason = models.CharField(_("出库原因"), max_length=20, choices=RemovalReason.choices, blank=True)
    removal_note = models.CharField(_("出库说明"), max_length=200, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("录入人"),
    )
    created = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("党外人士")
        verbose_name_plural = _("党外人士")
        ordering = ["name", "pk"]
        permissions = [
            ("view_all_people", _("查看全部党外人士信息")),
            ("manage_pool", _("维护党外后备干部人才库")),
            ("confirm_joint", _("代表本部门会商确认")),
            ("recommend_person", _("推荐人选")),
            ("view_rosters", _("查看代表委员名册")),
            ("manage_rosters", _("维护代表委员名册")),
            ("view_statistics", _("查看统计")),
            ("manage_staffing", _("维护职数配备表")),
        ]

    def __str__(self):
        return self.name


class PostRecord(models.Model):
    """简历: one post held (任职经历)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="posts", verbose_name=_("人员"))
    started_on = models.DateField(_("起始时间"))
    ended_on = models.DateField(_("截止时间"), null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=100)
    post = models.CharField(_("职务"), max_length=100)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("任职经历")
        verbose_name_plural = _("任职经历")
        ordering = ["person", "started_on", "pk"]

    def __str__(self):
        return f"{self.unit}{self.post}"


class TrainingRecord(models.Model):
    """培训 and 挂职 (共同培养教育, DOMAIN §4.2 #3)."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("培训")
        SECONDMENT = "secondment", _("挂职锻炼")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="trainings", verbose_name=_("人员"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("培训班次或挂职单位及职务"), max_length=200)
    organiser = models.CharField(_("主办单位"), max_length=100, blank=True)
    started_on = models.DateField(_("起始时间"))
    ended_on = models.DateField(_("截止时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("培训和挂职")
        verbose_name_plural = _("培训和挂职")
        ordering = ["person", "started_on", "pk"]

    def __str__(self):
        return self.title


class Assessment(models.Model):
    """年度考核, 综合评价 and 廉政意见 (vetting material: never shown to recommending organisations)."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", _("年度考核")
        EVALUATION = "evaluation", _("综合评价")
        INTEGRITY = "integrity", _("廉政意见")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("人员"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    result = models.CharField(_("结果"), max_length=50)
    issued_by = models.CharField(_("出具单位"), max_length=100, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考核评价")
        verbose_name_plural = _("考核评价")
        ordering = ["person", "-year", "pk"]

    def __str__(self):
        return f"{self.year} {self.get_kind_display()} {self.result}"


class FamilyMember(models.Model):
    """家庭主要成员及重要社会关系 (sensitive as a whole, see nomination.masking)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="family", verbose_name=_("人员"))
    # Encrypted at rest (workflows.fields), all but the relation (父亲, 配偶: identifies nobody on its own).
    relation = models.CharField(_("称谓"), max_length=20)
    name = EncryptedCharField(_("姓名"), max_length=50)
    birth_month = EncryptedCharField(_("出生年月"), max_length=7, blank=True)
    political_status = EncryptedCharField(_("政治面貌"), max_length=20, blank=True)
    work_and_post = EncryptedCharField(_("工作单位及职务"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["person", "pk"]

    def __str__(self):
        return f"{self.relation} {self.name}"


class PoolReview(models.Model):
    """The yearly 动态调整 of a pool entry (DOMAIN §4.5): one review per person and year."""

    class Result(models.TextChoices):
        KEEP = "keep", _("继续保留")
        ADJUST = "adjust", _("调整培养方向")
        REMOVE = "remove", _("出库")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("人员"))
    year = models.PositiveSmallIntegerField(_("年度"))
    result = models.CharField(_("结论"), max_length=20, choices=Result.choices)
    comment = models.TextField(_("说明"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("复核人"))
    reviewed_at = models.DateTimeField(_("复核时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("年度复核")
        verbose_name_plural = _("年度复核")
        ordering = ["person", "-year"]
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="one_pool_review_per_year")]

    def __str__(self):
        return f"{self.year} {self.get_result_display()}"


class RosterBody(models.TextChoices):
    COUNTY_NPC = "county_npc", _("县人大代表")
    COUNTY_CPPCC = "county_cppcc", _("县政协委员")
    PREFECTURE_NPC = "pref_npc", _("州人大代表")
    PREFECTURE_CPPCC = "pref_cppcc", _("州政协委员")


CPPCC_BODIES = (RosterBody.COUNTY_CPPCC, RosterBody.PREFECTURE_CPPCC)


class RosterTerm(models.Model):
    """One term (届) of one body; 换届 opens the next and keeps this one, with its entries, as history."""

    body = models.CharField(_("名册"), max_length=20, choices=RosterBody.choices)
    number = models.PositiveSmallIntegerField(_("届次"))
    name = models.CharField(_("名称"), max_length=100)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    is_current = models.BooleanField(_("本届"), default=True)

    class Meta:
        verbose_name = _("代表委员届次")
        verbose_name_plural = _("代表委员届次")
        ordering = ["body", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["body", "number"], name="unique_roster_term_number"),
            models.UniqueConstraint(fields=["body"], condition=models.Q(is_current=True),
                                    name="one_current_roster_term"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_cppcc(self) -> bool:
        return self.body in CPPCC_BODIES


class RosterEntry(models.Model):
    """A deputy or member of one term; re-imports match on (term, name, birth month)."""

    term = models.ForeignKey(RosterTerm, on_delete=models.PROTECT, related_name="entries", verbose_name=_("届次"))
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    birth_month = models.DateField(_("出生年月"), help_text=_("记为当月 1 日。"))
    affiliation = models.CharField(_("政治面貌"), max_length=20, choices=Affiliation.choices)
    sector = models.CharField(_("界别"), max_length=50, blank=True)
    constituency = models.CharField(_("选区"), max_length=50, blank=True)
    work_post = models.CharField(_("工作单位及职务"), max_length=200, blank=True)
    is_standing = models.BooleanField(_("常委"), default=False)
    is_vice_chair = models.BooleanField(_("副主席（副主任）"), default=False)
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="roster_entries", verbose_name=_("对应人员"))

    class Meta:
        verbose_name = _("代表委员")
        verbose_name_plural = _("代表委员名册")
        ordering = ["term", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["term", "name", "birth_month"], name="unique_roster_entry"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_non_cpc(self) -> bool:
        return self.affiliation != Affiliation.CPC


class StaffingTarget(models.Model):
    """共同制定规划 (DOMAIN §4.2 #1): non-Party posts one leadership team should have, confirmed by both departments.

    Any edit of the numbers clears both confirmations: a sheet counts only as both departments last saw it.
    """

    year = models.PositiveSmallIntegerField(_("年度"))
    team = models.CharField(_("领导班子"), max_length=100)
    post_level = models.CharField(_("职务层次"), max_length=20, choices=PostLevel.choices, blank=True,
                                  help_text=_("留空为不分层次。"))
    required = models.PositiveSmallIntegerField(_("应配党外干部职数"))
    # 已配 is never typed: ``nomination.selectors.staffing_targets`` computes it from the posts held (see there).
    note = models.CharField(_("说明"), max_length=200, blank=True)
    org_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("组织部确认人"),
    )
    org_confirmed_at = models.DateTimeField(_("组织部确认时间"), null=True, blank=True)
    uf_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("统战部确认人"),
    )
    uf_confirmed_at = models.DateTimeField(_("统战部确认时间"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("党外干部职数配备")
        verbose_name_plural = _("党外干部职数配备表")
        ordering = ["-year", "team"]
        constraints = [models.UniqueConstraint(fields=["year", "team", "post_level"], name="unique_staffing_target")]

    def __str__(self):
        return f"{self.year} {self.team}"

    @property
    def gap(self) -> int:
        """缺口: posts still to fill (never negative; an over-filled team has no gap); ``filled`` is the computed
        已配 the selector puts on the row."""
        return max(self.required - self.filled, 0)

    @property
    def is_confirmed(self) -> bool:
        return self.org_confirmed_at is not None and self.uf_confirmed_at is not None


# --- the nomination process (党外干部选拔任用, DOMAIN §4.1–4.4) ---------------------------------------------------


class CaseStatus(models.TextChoices):
    """DOMAIN §4.3, plus 上会材料会签 and 待任职 as their own states so every wait has a name."""

    DRAFT = "draft", _("动议拟稿")
    UFWD_OPINION_ON_MOTION = "ufwd_motion", _("动议征求统战部意见")
    MOTION_APPROVED = "motion_approved", _("动议确定")
    RECOMMENDATION = "recommendation", _("民主推荐")
    CANDIDATE_FIXED = "candidate_fixed", _("确定考察对象")
    VETTING = "vetting", _("考察")
    UFWD_OPINION_ON_DECISION = "ufwd_decision", _("讨论决定前征求统战部意见")
    PACKAGE_SIGNOFF = "package_signoff", _("上会材料两部会签")
    SUBMITTED_TO_COMMITTEE = "submitted", _("提交常委会")
    DECIDED = "decided", _("常委会通过")
    REJECTED = "rejected", _("常委会不通过")
    DEFERRED = "deferred", _("常委会暂缓")
    PUBLIC_NOTICE = "public_notice", _("任前公示")
    NOTICE_OBJECTION = "notice_objection", _("公示反映问题核查")
    NOTICE_ENDED = "notice_ended", _("公示期满，待录入结果")
    LEGAL_PROCEDURE = "legal_procedure", _("依法任命/选举")
    TO_APPOINT = "to_appoint", _("待任职")
    APPOINTED = "appointed", _("任职")
    PROBATION = "probation", _("试用期")
    PROBATION_ENDED = "probation_ended", _("试用期满，待考核")
    CONFIRMED = "confirmed", _("正式任职")
    PROBATION_FAILED = "probation_failed", _("免去试任职务")
    RECOMMENDED_UPWARD = "recommended_upward", _("已上报州委")
    CLOSED = "closed", _("结案")
    WITHDRAWN = "withdrawn", _("终止")


FINAL_CASE_STATES = (CaseStatus.REJECTED, CaseStatus.APPOINTED, CaseStatus.CONFIRMED, CaseStatus.PROBATION_FAILED,
                     CaseStatus.CLOSED, CaseStatus.WITHDRAWN)


class PostKind(models.TextChoices):
    """What §4.1 needs to know of a post: how it is filled, and whether a 试用期 applies."""

    DEPT_DEPUTY = "dept_deputy", _("党委、人大常委会、政府、政协工作部门副职")
    INTERNAL_HEAD = "internal_head", _("内设机构正职")
    DISCIPLINE_JUDICIAL = "discipline_judicial", _("纪委监委、法院、检察院内设机构或副职")
    NPC_APPOINTED = "npc_appointed", _("人大常委会任命的职务")
    ELECTED = "elected", _("人大、政协选举产生的职务")
    OTHER = "other", _("其他职务")


# 2014 ch. 7 (kept in 2019): one year on probation for promotion to these non-elected posts.
PROBATION_POST_KINDS = (PostKind.DEPT_DEPUTY, PostKind.INTERNAL_HEAD, PostKind.DISCIPLINE_JUDICIAL)
LEGAL_POST_KINDS = (PostKind.NPC_APPOINTED, PostKind.ELECTED)
CASE_POST_LEVELS = [(v, label) for v, label in PostLevel.choices
                    if v in (PostLevel.DEPUTY_DIVISION, PostLevel.SECTION, PostLevel.DEPUTY_SECTION)]


class NominationCase(models.Model):
    """One 党外干部选拔任用 case: a post, the people considered for it, and every recorded step (A1–A13)."""

    class ManagedBy(models.TextChoices):
        COUNTY = "county", _("县委管理")
        PREFECTURE = "prefecture", _("州委管理（县里推荐上报）")

    class LegalBody(models.TextChoices):
        NONE = "", _("不适用")
        NPC_STANDING = "npc_standing", _("县人大常委会")
        NPC = "npc", _("县人民代表大会")
        CPPCC = "cppcc", _("县政协")

    class Decision(models.TextChoices):
        APPROVED = "approved", _("通过")
        REJECTED = "rejected", _("不通过")
        DEFERRED = "deferred", _("暂缓")

    status = models.CharField(_("状态"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.DRAFT,
                              db_index=True)
    post_unit = models.CharField(_("任职单位"), max_length=100)
    post_title = models.CharField(_("拟任职务"), max_length=100)
    post_level = models.CharField(_("职务层次"), max_length=20, choices=CASE_POST_LEVELS)
    post_kind = models.CharField(_("职务类型"), max_length=20, choices=PostKind.choices)
    posts_count = models.PositiveSmallIntegerField(_("职数"), default=1)
    managed_by = models.CharField(_("干部管理权限"), max_length=20, choices=ManagedBy.choices,
                                  default=ManagedBy.COUNTY)
    is_body_leadership = models.BooleanField(
        _("人大常委会、政府、政协领导成员"), default=False,
        help_text=_("是则民主推荐须有民主党派、工商联主要领导成员和无党派代表人士参加。"))
    elected_post = models.BooleanField(_("须经人大、政协依法选举或任命"), default=False)
    legal_body = models.CharField(_("依法任命/选举机关"), max_length=20, choices=LegalBody.choices, blank=True)
    probation_required = models.BooleanField(_("实行一年试用期"), default=False)
    motion_text = models.TextField(_("动议方案"), help_text=_("职位、任职条件、人选范围和方式。"))
    candidates = models.ManyToManyField(Person, related_name="nomination_cases", blank=True,
                                        verbose_name=_("参考人选"))
    nominee = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("考察对象"))
    party_org_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("所在党派组织"),
        help_text=_("考察对象为民主党派成员时，征求其所在党派组织的意见。"))

    motion_approved_on = models.DateField(_("动议确定日期"), null=True, blank=True)
    motion_meeting = models.CharField(_("动议确定会议"), max_length=100, blank=True)
    vetting_report = models.TextField(_("考察材料"), blank=True)
    vetting_report_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+", verbose_name=_("考察材料填写人"))
    uf_member_opinion = models.TextField(_("考察组统战部成员意见"), blank=True)
    uf_member_opinion_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                             blank=True, related_name="+", verbose_name=_("统战部成员"))
    package_summary = models.TextField(_("上会材料说明"), blank=True)

    decision = models.CharField(_("常委会决定"), max_length=10, choices=Decision.choices, blank=True)
    meeting_date = models.DateField(_("会议日期"), null=True, blank=True)
    minutes_ref = models.CharField(_("会议纪要"), max_length=100, blank=True)
    decision_note = models.TextField(_("决定说明"), blank=True)

    # The dates the 任前公示 announced: the legal record of what was published (DOMAIN §4.6 "公示: start, end"),
    # written once when it is published. The wait itself is the case's "notice" due item, computed from the end
    # date once (``process.notice_publish``); the sweep's automatic action, the pages' 期限 and the 公示结果 step read
    # that item, never these fields.
    notice_starts_on = models.DateField(_("公示开始日期"), null=True, blank=True)
    notice_ends_on = models.DateField(_("公示截止日期"), null=True, blank=True)
    notice_channel = models.CharField(_("公示渠道"), max_length=100, blank=True)
    notice_contact = models.CharField(_("受理电话及地址"), max_length=200, blank=True)
    notice_result = models.TextField(_("公示结果"), blank=True)

    legal_passed = models.BooleanField(_("依法选举/任命通过"), null=True, blank=True)
    legal_held_on = models.DateField(_("会议日期"), null=True, blank=True)
    legal_note = models.CharField(_("会议及结果"), max_length=200, blank=True)

    appointment_ref = models.CharField(_("任职通知文号"), max_length=100, blank=True)
    appointment_notice_on = models.DateField(_("任职通知日期"), null=True, blank=True)
    talk_on = models.DateField(_("任职谈话日期"), null=True, blank=True)
    post_starts_on = models.DateField(_("任职时间"), null=True, blank=True)
    # 试用期's end is the case's "probation" due item (one year from the appointment notice), nowhere else.
    probation_result = models.CharField(_("试用期考核结论"), max_length=10, blank=True, choices=[
        ("confirm", _("正式任职")), ("remove", _("免去试任职务"))])
    probation_summary = models.TextField(_("试用期考核情况"), blank=True)

    upward_sent_on = models.DateField(_("上报日期"), null=True, blank=True)
    upward_ref = models.CharField(_("上报文号"), max_length=100, blank=True)
    upward_outcome = models.CharField(_("州委决定"), max_length=200, blank=True)

    closed_reason = models.CharField(_("结案/终止原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("动议人"))
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("党外干部选拔任用")
        verbose_name_plural = _("党外干部选拔任用")
        ordering = ["-created", "-pk"]
        permissions = [
            ("view_nomination_cases", _("查看党外干部选拔任用案件")),
            ("manage_nomination_cases", _("办理党外干部选拔任用")),
        ]

    def __str__(self):
        return f"{self.post_unit}{self.post_title}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_CASE_STATES


class RecommendationRecord(models.Model):
    """民主推荐 (A3): form, who took part by category, votes per reference candidate, the 谈话 record."""

    class Form(models.TextChoices):
        TALK = "talk", _("谈话调研推荐")
        MEETING = "meeting", _("会议推荐")

    class Category(models.TextChoices):
        PARTY_HEADS = "party_heads", _("民主党派主要领导成员")
        ACFIC_HEADS = "acfic_heads", _("工商联主要领导成员")
        NON_PARTY = "non_party", _("无党派代表人士")
        LEADERSHIP = "leadership", _("单位领导班子成员")
        MIDDLE_CADRES = "middle_cadres", _("中层干部")
        STAFF = "staff", _("干部职工代表")
        RETIRED = "retired", _("老干部代表")

    REQUIRED_FOR_BODY_LEADERSHIP = (Category.PARTY_HEADS, Category.ACFIC_HEADS, Category.NON_PARTY)

    case = models.OneToOneField(NominationCase, on_delete=models.CASCADE, related_name="recommendation")
    form = models.CharField(_("推荐方式"), max_length=10, choices=Form.choices)
    held_on = models.DateField(_("推荐日期"))
    categories = models.JSONField(_("参加人员类别"), default=list)
    participants = models.PositiveIntegerField(_("参加人数"))
    talk_summary = models.TextField(_("谈话情况"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("民主推荐")
        verbose_name_plural = _("民主推荐")

    def __str__(self):
        return f"{self.case} · {self.get_form_display()}"

    def category_labels(self) -> list[str]:
        return [str(self.Category(c).label) for c in self.categories if c in self.Category.values]


class RecommendationVote(models.Model):
    case = models.ForeignKey(NominationCase, on_delete=models.CASCADE, related_name="votes")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("人选"))
    votes = models.PositiveIntegerField(_("得票"))

    class Meta:
        verbose_name = _("推荐得票")
        verbose_name_plural = _("推荐得票")
        ordering = ["-votes", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="one_vote_row_per_candidate")]

    def __str__(self):
        return f"{self.person} {self.votes}"


class VettingMember(models.Model):
    """考察组 member (共同考察人选): the department is fixed when the member is added."""

    case = models.ForeignKey(NominationCase, on_delete=models.CASCADE, related_name="vetting_team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("组员"))
    department = models.CharField(_("所在部门"), max_length=10, choices=[("org", _("组织部")), ("uf", _("统战部"))])
    is_leader = models.BooleanField(_("组长"), default=False)

    class Meta:
        verbose_name = _("考察组成员")
        verbose_name_plural = _("考察组成员")
        ordering = ["-is_leader", "department", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="one_vetting_seat_per_user")]

    def __str__(self):
        return f"{self.user} · {self.get_department_display()}"


class UfwdOpinion(models.Model):
    """统战部书面意见 at one of the two mandatory gates (A2 on the motion, A6 before the decision)."""

    class Gate(models.TextChoices):
        MOTION = "motion", _("动议")
        DECISION = "decision", _("讨论决定前")

    class Stance(models.TextChoices):
        AGREE = "agree", _("同意")
        SUGGEST = "suggest", _("同意，并提出建议")
        ALTERNATIVE = "alternative", _("建议另行考虑人选")
        DISAGREE = "disagree", _("不同意")

    case = models.ForeignKey(NominationCase, on_delete=models.CASCADE, related_name="ufwd_opinions")
    gate = models.CharField(_("征求意见环节"), max_length=10, choices=Gate.choices)
    stance = models.CharField(_("意见"), max_length=12, choices=Stance.choices)
    text = models.TextField(_("意见内容"))
    alternatives = models.CharField(_("建议人选"), max_length=200, blank=True)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("拟稿人"))
    drafted_at = models.DateTimeField(_("拟稿时间"), auto_now=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("签发人"))
    signed_at = models.DateTimeField(_("签发时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("统战部意见")
        verbose_name_plural = _("统战部意见")
        constraints = [models.UniqueConstraint(fields=["case", "gate"], name="one_ufwd_opinion_per_gate")]

    def __str__(self):
        return f"{self.get_gate_display()} · {self.get_stance_display()}"


class NoticeObjection(models.Model):
    """A report received during 任前公示 (A10), verified before the case goes on or stops."""

    case = models.ForeignKey(NominationCase, on_delete=models.CASCADE, related_name="objections")
    received_on = models.DateField(_("收到日期"))
    source = models.CharField(_("反映方式"), max_length=50)
    summary = models.TextField(_("反映内容"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    finding = models.TextField(_("核查结果"), blank=True)
    affects_appointment = models.BooleanField(_("影响任用"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("核查人"))
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示反映问题")
        verbose_name_plural = _("公示反映问题")
        ordering = ["received_on", "pk"]

    def __str__(self):
        return f"{self.received_on} {self.source}"


# --- representative recommendation (党外代表人士推荐为人大代表、政协委员, DOMAIN §5.3) ---------------------------------


class RepStatus(models.TextChoices):
    PLAN = "plan", _("名额与结构方案")
    NOMINATION = "nomination", _("推荐提名")
    CONSULTATION = "consultation", _("协商")
    VETTING = "vetting", _("审核把关")
    LIST_COMPILED = "list_compiled", _("统战部汇总建议名单")
    OPINIONS_SOUGHT = "opinions_sought", _("征求有关方面意见")
    SUBMITTED = "submitted", _("组织部报县委审定")
    APPROVED = "approved", _("县委审定通过")
    STANDING_COMMITTEE_ADOPTED = "cppcc_adopted", _("政协常委会协商通过")
    ANNOUNCED = "announced", _("公布")
    CANDIDATE_NOMINATED = "npc_nominated", _("作为代表候选人推荐")
    LIST_PUBLISHED = "npc_list", _("公布候选人名单")
    FORMAL_LIST = "npc_formal", _("公布正式候选人名单")
    ELECTED = "elected", _("选举结果")
    UPWARD = "upward", _("已上报州")
    CLOSED = "closed", _("结束")


class RepresentativeBatch(models.Model):
    """One recommendation round for one body (a change of term, or 增补): the quota plan and its nominees."""

    body = models.CharField(_("推荐对象"), max_length=20, choices=RosterBody.choices)
    term_name = models.CharField(_("届次"), max_length=100)
    seats = models.PositiveSmallIntegerField(_("党外名额"))
    quota_plan = models.TextField(_("名额与结构方案"), help_text=_("按界别、党派分配的名额和结构要求。"))
    election_date = models.DateField(_("选举日"), null=True, blank=True,
                                     help_text=_("人大代表：候选人名单须于选举日十五日前公布，正式候选人名单须于七日前公布。"))
    status = models.CharField(_("状态"), max_length=20, choices=RepStatus.choices, default=RepStatus.PLAN,
                              db_index=True)
    consultation_on = models.DateField(_("协商日期"), null=True, blank=True)
    consultation_with = models.JSONField(_("协商对象"), default=list)
    consultation_summary = models.TextField(_("协商情况"), blank=True)
    opinions_summary = models.TextField(_("征求意见情况"), blank=True)
    committee_on = models.DateField(_("县委审定日期"), null=True, blank=True)
    committee_ref = models.CharField(_("会议纪要"), max_length=100, blank=True)
    adopted_on = models.DateField(_("政协常委会会议日期"), null=True, blank=True)
    standing_members = models.PositiveSmallIntegerField(_("常务委员总数"), null=True, blank=True)
    votes_for = models.PositiveSmallIntegerField(_("赞成票"), null=True, blank=True)
    announced_on = models.DateField(_("公布日期"), null=True, blank=True)
    list_published_on = models.DateField(_("候选人名单公布日期"), null=True, blank=True)
    formal_list_on = models.DateField(_("正式候选人名单公布日期"), null=True, blank=True)
    upward_ref = models.CharField(_("上报文号"), max_length=100, blank=True)
    outcome = models.CharField(_("结果"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("代表人士推荐")
        verbose_name_plural = _("代表人士推荐")
        ordering = ["-created", "-pk"]
        permissions = [
            ("view_representatives", _("查看代表人士推荐")),
            ("manage_representatives", _("办理代表人士推荐")),
        ]

    def __str__(self):
        return f"{self.term_name}{self.get_body_display()}推荐"

    @property
    def is_cppcc(self) -> bool:
        return self.body in CPPCC_BODIES

    @property
    def is_prefecture(self) -> bool:
        return self.body in (RosterBody.PREFECTURE_NPC, RosterBody.PREFECTURE_CPPCC)


class RepresentativeNominee(models.Model):
    """推荐表: one person nominated by one body, with the checks of the vetting and the outcome."""

    class NominatedBy(models.TextChoices):
        PARTY = "party", _("民主党派")
        ACFIC = "acfic", _("工商联")
        ZHILIANHUI = "zhilianhui", _("知联会")
        UNIT = "unit", _("所在单位")
        UFWD = "ufwd", _("统战部")

    class Outcome(models.TextChoices):
        PENDING = "", _("—")
        ADOPTED = "adopted", _("协商通过")
        ELECTED = "elected", _("当选")
        NOT_ELECTED = "not_elected", _("未当选")
        NOT_LISTED = "not_listed", _("未列入建议名单")

    batch = models.ForeignKey(RepresentativeBatch, on_delete=models.CASCADE, related_name="nominees")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="representative_nominations",
                               verbose_name=_("人选"))
    nominated_by = models.CharField(_("推荐方"), max_length=20, choices=NominatedBy.choices)
    nominating_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                        verbose_name=_("推荐单位"))
    sector = models.CharField(_("界别/选区"), max_length=50)
    is_renomination = models.BooleanField(_("连任"), default=False)
    reason = models.TextField(_("推荐理由"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    political_ok = models.BooleanField(_("政治关"), null=True, blank=True)
    integrity_ok = models.BooleanField(_("廉洁关"), null=True, blank=True)
    image_ok = models.BooleanField(_("形象关"), null=True, blank=True)
    check_note = models.CharField(_("审核说明"), max_length=200, blank=True)
    listed = models.BooleanField(_("列入建议名单"), default=False)
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices, blank=True)

    class Meta:
        verbose_name = _("推荐人选")
        verbose_name_plural = _("推荐人选")
        ordering = ["batch", "pk"]
        constraints = [models.UniqueConstraint(fields=["batch", "person"], name="one_nomination_per_batch")]

    def __str__(self):
        return f"{self.person} · {self.get_nominated_by_display()}"

    @property
    def checked(self) -> bool:
        return None not in (self.political_ok, self.integrity_ok, self.image_ok)

    @property
    def passed(self) -> bool:
        return bool(self.political_ok and self.integrity_ok and self.image_ok)


# --- 六个共同 as joint work (DOMAIN §4.2; issue #13 item 1) ----------------------------------------------------------


class JointDecision(models.Model):
    """A negative decision on a person (不予推荐, 不予入库, 出库): one department proposes, the other confirms.

    The person's pool state changes only when the second department confirms (DOMAIN §4.2 四个同步 applied to the
    negative side [I]); until then the proposal is the record of what is pending.
    """

    class Kind(models.TextChoices):
        NOT_RECOMMEND = "not_recommend", _("不予推荐")
        NOT_ADMIT = "not_admit", _("不予入库")
        REMOVE = "remove", _("出库")

    class State(models.TextChoices):
        OPEN = "open", _("待另一部门确认")
        CONFIRMED = "confirmed", _("两部确认")
        DECLINED = "declined", _("另一部门不同意")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="joint_decisions",
                               verbose_name=_("人员"))
    kind = models.CharField(_("决定"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    reason = models.TextField(_("理由"))
    removal_reason = models.CharField(_("出库原因"), max_length=20, choices=RemovalReason.choices, blank=True)
    review = models.ForeignKey(PoolReview, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("年度复核"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("提出人"))
    proposed_department = models.CharField(_("提出部门"), max_length=10)
    proposed_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("确认人"))
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    decision_comment = models.TextField(_("确认意见"), blank=True)

    class Meta:
        verbose_name = _("两部共同决定")
        verbose_name_plural = _("两部共同决定")
        ordering = ["-proposed_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["person"], condition=models.Q(state="open"),
                                               name="one_open_joint_decision_per_person")]

    def __str__(self):
        return f"{self.person} · {self.get_kind_display()}"


class TrainingPlan(models.Model):
    """共同培养教育: the yearly 培养计划, proposed by one department and confirmed by the other.

    Any change to its items or participants clears the other department's confirmation: a plan is 已商定 only as
    both departments last saw it (the rule of the staffing sheet).
    """

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    title = models.CharField(_("名称"), max_length=200)
    note = models.TextField(_("说明"), blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("提出人"))
    org_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name=_("组织部确认人"))
    org_confirmed_at = models.DateTimeField(_("组织部确认时间"), null=True, blank=True)
    uf_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("统战部确认人"))
    uf_confirmed_at = models.DateTimeField(_("统战部确认时间"), null=True, blank=True)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("培养计划")
        verbose_name_plural = _("培养计划")
        ordering = ["-year"]

    def __str__(self):
        return self.title

    @property
    def is_confirmed(self) -> bool:
        return self.org_confirmed_at is not None and self.uf_confirmed_at is not None


class TrainingPlanItem(models.Model):
    """One course or placement (培训班, 挂职, 轮岗) of a plan, with its participants from the pool."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("培训")
        SECONDMENT = "secondment", _("挂职锻炼")
        ROTATION = "rotation", _("轮岗交流")

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("培养计划"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("培训班次或挂职单位及职务"), max_length=200)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    organiser = models.CharField(_("主办单位"), max_length=100, blank=True)
    starts_on = models.DateField(_("起始时间"))
    ends_on = models.DateField(_("截止时间"))
    participants = models.ManyToManyField(Person, through="TrainingParticipation", related_name="+",
                                          verbose_name=_("参加人员"))

    class Meta:
        verbose_name = _("培养计划项目")
        verbose_name_plural = _("培养计划项目")
        ordering = ["plan", "starts_on", "pk"]

    def __str__(self):
        return self.title


class TrainingParticipation(models.Model):
    """One person in one plan item; completing it writes the person's 培训和挂职 record and links it here."""

    item = models.ForeignKey(TrainingPlanItem, on_delete=models.CASCADE, related_name="participations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="training_participations",
                               verbose_name=_("人员"))
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("记录人"))
    record = models.OneToOneField(TrainingRecord, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="participation", verbose_name=_("培训和挂职记录"))

    class Meta:
        verbose_name = _("参加培养")
        verbose_name_plural = _("参加培养")
        ordering = ["item", "pk"]
        constraints = [models.UniqueConstraint(fields=["item", "person"], name="one_participation_per_item")]

    def __str__(self):
        return f"{self.item} · {self.person}"


class FollowUpAssessment(models.Model):
    """共同督促考核: the annual follow-up of a cadre after appointment, proposed by one department and confirmed by
    the other; the agreed result is written to the person's 年度考核 history (``assessment``)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("人员"))
    year = models.PositiveSmallIntegerField(_("年度"))
    result = models.CharField(_("结果"), max_length=50)
    comment = models.TextField(_("考核情况"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("提出人"))
    org_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name=_("组织部确认人"))
    org_confirmed_at = models.DateTimeField(_("组织部确认时间"), null=True, blank=True)
    uf_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("统战部确认人"))
    uf_confirmed_at = models.DateTimeField(_("统战部确认时间"), null=True, blank=True)
    assessment = models.OneToOneField(Assessment, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="follow_up", verbose_name=_("年度考核记录"))
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("年度跟踪考核")
        verbose_name_plural = _("年度跟踪考核")
        ordering = ["-year", "person", "pk"]
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="one_follow_up_per_year")]

    def __str__(self):
        return f"{self.year} {self.person} {self.result}"

    @property
    def is_confirmed(self) -> bool:
        return self.org_confirmed_at is not None and self.uf_confirmed_at is not None


# --- stored files: the photo of the 干部任免审批表 and the documents of a case's steps ---------------------------------


def _photo_path(instance, filename):
    # The stored name is ours, never the uploader's (no path tricks, no collisions).
    return f"nomination/photos/{instance.person_id}/{instance.token}"


def _case_file_path(instance, filename):
    return f"nomination/cases/{instance.case_id}/{instance.token}"


class PersonPhoto(models.Model):
    """The photo of the 干部任免审批表 (JPEG or PNG, checked by content); served only by an access-checked view."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="photo", verbose_name=_("人员"))
    token = models.CharField(max_length=40, unique=True, editable=False)
    file = models.FileField(_("文件"), upload_to=_photo_path)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")

    def __str__(self):
        return f"{self.person} {self.token[:8]}"


class CaseAttachment(models.Model):
    """A document of one step of a case: 考察材料, 任前公示, 常委会决定 (DOMAIN §4.6 "考察材料 (attachment)")."""

    class Step(models.TextChoices):
        VETTING = "vetting", _("考察材料")
        NOTICE = "notice", _("任前公示")
        DECISION = "decision", _("常委会决定")

    case = models.ForeignKey(NominationCase, on_delete=models.CASCADE, related_name="attachments",
                             verbose_name=_("案件"))
    step = models.CharField(_("环节"), max_length=10, choices=Step.choices)
    token = models.CharField(max_length=40, unique=True, editable=False)
    file = models.FileField(_("文件"), upload_to=_case_file_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("案件附件")
        verbose_name_plural = _("案件附件")
        ordering = ["case", "step", "pk"]

    def __str__(self):
        return self.original_name
