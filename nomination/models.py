"""The reserve talent pool, the person records behind it, the representative rosters and the staffing targets.

DOMAIN §4.5–4.6 (person record and pool lifecycle), §4.2 (the staffing-target sheet of 共同制定规划), §5.1–5.2 (the
rosters whose non-Party shares the statistics report). State changes go through ``nomination.services`` only.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    # Sensitive (see nomination.masking): kept in plain text until field encryption arrives; nothing reads it back
    # for logic, so encrypting it later changes no query.
    id_number = models.CharField(_("身份证号"), max_length=18)
    id_number_hmac = models.CharField(_("身份证号摘要"), max_length=64, unique=True, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    native_place = models.CharField(_("籍贯"), max_length=50, blank=True)
    work_started_on = models.DateField(_("参加工作时间"), null=True, blank=True)
    party = models.CharField(_("党派"), max_length=20, choices=NON_CPC_CHOICES)
    party_joined_on = models.DateField(_("加入党派时间"), null=True, blank=True)
    party_post = models.CharField(_("党派内职务"), max_length=100, blank=True)
    uf_category = models.CharField(_("统战身份类别"), max_length=20, choices=UnitedFrontCategory.choices, blank=True)
    education = models.CharField(_("学历"), max_length=20, choices=Education.choices)
    degree = models.CharField(_("学位"), max_length=20, choices=Degree.choices, blank=True)
    school_major = models.CharField(_("毕业院校及专业"), max_length=200, blank=True)
    professional_title = models.CharField(_("专业技术职务"), max_length=100, blank=True)
    speciality = models.CharField(_("熟悉专业有何专长"), max_length=200, blank=True)
    work_unit = models.CharField(_("工作单位"), max_length=100)
    current_post = models.CharField(_("现任职务"), max_length=100, blank=True)
    post_level = models.CharField(_("职务层次"), max_length=20, choices=PostLevel.choices, blank=True)
    rank = models.CharField(_("职级"), max_length=20, choices=Rank.choices, blank=True)
    is_leadership_post = models.BooleanField(_("是否实职"), default=False)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    address = models.CharField(_("家庭住址"), max_length=200, blank=True)

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
    relation = models.CharField(_("称谓"), max_length=20)
    name = models.CharField(_("姓名"), max_length=50)
    birth_month = models.CharField(_("出生年月"), max_length=7, blank=True)
    political_status = models.CharField(_("政治面貌"), max_length=20, blank=True)
    work_and_post = models.CharField(_("工作单位及职务"), max_length=200, blank=True)
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
    required = models.PositiveSmallIntegerField(_("应配党外干部职数"))
    filled = models.PositiveSmallIntegerField(_("已配党外干部职数"))
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
        constraints = [models.UniqueConstraint(fields=["year", "team"], name="unique_staffing_target")]

    def __str__(self):
        return f"{self.year} {self.team}"

    @property
    def gap(self) -> int:
        """缺口: posts still to fill (never negative; an over-filled team has no gap)."""
        return max(self.required - self.filled, 0)

    @property
    def is_confirmed(self) -> bool:
        return self.org_confirmed_at is not None and self.uf_confirmed_at is not None
