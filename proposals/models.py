from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.fields import EncryptedCharField
from workflows.models import Unit


class Term(models.Model):
    """A CPPCC term (届)."""

    number = models.PositiveSmallIntegerField(_("届次"), unique=True)
    name = models.CharField(_("名称"), max_length=100)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    is_current = models.BooleanField(_("本届"), default=False)

    class Meta:
        verbose_name = _("届次")
        verbose_name_plural = _("届次")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=models.Q(is_current=True), name="one_current_term")
        ]

    def __str__(self):
        return self.name


class Session(models.Model):
    """A plenary session (次会议): proposals submitted inside its window are 大会提案 (DOMAIN §2.1 [L])."""

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("届次"))
    number = models.PositiveSmallIntegerField(_("会次"))
    opens_on = models.DateField(_("开幕日期"))
    closes_on = models.DateField(_("闭幕日期"))
    submission_opens_on = models.DateField(_("大会提案征集开始"))
    submission_closes_on = models.DateField(_("大会提案截止"))

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["term", "number"]
        constraints = [models.UniqueConstraint(fields=["term", "number"], name="unique_session_number")]

    def __str__(self):
        return _("%(term)s第%(number)s次会议") % {"term": self.term.name, "number": self.number}


class Member(models.Model):
    """A member on the term's roster (界别, 组别, 政治面貌): eligibility to propose is checked against it."""

    class Affiliation(models.TextChoices):
        CPC = "cpc", _("中共党员")
        REVOLUTIONARY = "minge", _("民革")
        DEMOCRATIC_LEAGUE = "minmeng", _("民盟")
        NATIONAL_CONSTRUCTION = "minjian", _("民建")
        PROMOTION = "minjin", _("民进")
        PEASANTS_WORKERS = "nonggong", _("农工党")
        ZHIGONG = "zhigong", _("致公党")
        JIUSAN = "jiusan", _("九三学社")
        TAIMENG = "taimeng", _("台盟")
        NON_PARTY = "non_party", _("无党派人士")
        MASSES = "masses", _("群众")

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="members", verbose_name=_("届次"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cppcc_memberships", verbose_name=_("账号")
    )
    name = models.CharField(_("姓名"), max_length=50)
    sector = models.CharField(_("界别"), max_length=50)
    group = models.CharField(_("组别"), max_length=50, blank=True)
    affiliation = models.CharField(_("政治面貌"), max_length=20, choices=Affiliation.choices)
    is_standing = models.BooleanField(_("常委"), default=False)
    work_unit = models.CharField(_("工作单位"), max_length=100, blank=True)
    # Personal contact details: encrypted at rest (workflows.fields); the roster import matches phones in Python.
    address = EncryptedCharField(_("通讯地址"), max_length=200, blank=True)
    postcode = models.CharField(_("邮编"), max_length=10, blank=True)
    phone = EncryptedCharField(_("电话"), max_length=40, blank=True)
    is_active = models.BooleanField(_("在册"), default=True)

    class Meta:
        verbose_name = _("政协委员")
        verbose_name_plural = _("委员名册")
        ordering = ["term", "sector", "name"]
        constraints = [models.UniqueConstraint(fields=["term", "user"], name="unique_member_per_term")]

    def __str__(self):
        return f"{self.name}（{self.sector}）"


class Topic(models.Model):
    """Topic code list (类别), edited by admins."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("提案类别")
        verbose_name_plural = _("提案类别")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class ProposalStatus(models.TextChoices):
    """DOMAIN §2.9."""

    DRAFT = "draft", _("草稿")
    COSIGNING = "cosigning", _("征集联名")
    SUBMITTED = "submitted", _("待审查")
    RETURNED = "returned", _("退回修改")
    NOT_ACCEPTED = "not_accepted", _("不予立案")
    MERGED = "merged", _("已并案")
    WITHDRAWN = "withdrawn", _("已撤案")
    ACCEPTED = "accepted", _("已立案（待交办）")
    ASSIGNED = "assigned", _("已交办")
    IN_HANDLING = "in_handling", _("办理中")
    REPLIED = "replied", _("已答复")
    EVALUATED = "evaluated", _("已评价")
    REHANDLING = "rehandling", _("重新办理")
    CONCLUDED = "concluded", _("已办结")


class Proposal(models.Model):
    class Kind(models.TextChoices):
        """提案类型 (DOMAIN §2.1)."""

        MEMBER = "member", _("委员提案")
        JOINT = "joint", _("联名提案")
        PARTY = "party", _("党派提案")
        ORGANISATION = "organisation", _("团体提案")
        SECTOR = "sector", _("界别提案")
        GROUP = "group", _("委员小组提案")
        COMMITTEE = "committee", _("专委会提案")

    class Timing(models.TextChoices):
        PLENARY = "plenary", _("大会提案")
        INTERIM = "interim", _("平时提案")

    class RejectionGround(models.TextChoices):
        """The ten grounds for non-acceptance of the national 条例 (DOMAIN §2.3 [R])."""

        SECRET = "1", _("（一）涉及党和国家秘密的")
        PROHIBITED = "2", _("（二）国家明令禁止的")
        PARTY_INTERNAL = "3", _("（三）中共党员对党内有关组织、人事安排等方面有意见的")
        DEMOCRATIC_PARTY_INTERNAL = "4", _("（四）民主党派成员反映本组织内部问题的")
        LITIGATION = "5", _("（五）进入民事、刑事、行政诉讼以及仲裁程序的")
        ACADEMIC = "6", _("（六）属于学术研讨的")
        PERSONAL = "7", _("（七）为本人或亲属解决个人问题的")
        PROMOTION = "8", _("（八）宣传、推介具体作品、产品的")
        ACCUSATION = "9", _("（九）指明举报的")
        VAGUE = "10", _("（十）内容空泛、没有具体建议的")

    class Disposition(models.TextChoices):
        SOCIAL_CONDITIONS = "social", _("转社情民意信息")
        MEMBER_LETTER = "letter", _("转委员来信")
        DEPARTMENT_REFERENCE = "reference", _("转有关部门参考")
        NONE = "none", _("不作转送")

    COLLECTIVE_KINDS = (Kind.PARTY, Kind.ORGANISATION, Kind.SECTOR, Kind.GROUP, Kind.COMMITTEE)
    # Sectors and member groups may only propose during the plenary session (DOMAIN §2.1 [R]).
    PLENARY_ONLY_KINDS = (Kind.SECTOR, Kind.GROUP)

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("届次"))
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, null=True, blank=True, related_name="proposals", verbose_name=_("会议")
    )
    kind = models.CharField(_("提案类型"), max_length=20, choices=Kind.choices, default=Kind.MEMBER)
    timing = models.CharField(_("提交时段"), max_length=10, choices=Timing.choices, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    serial = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    title = models.CharField(_("案由"), max_length=60)
    reasons = models.TextField(_("理由"), max_length=5000)
    suggestions = models.TextField(_("办法"), max_length=5000)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("类别"))
    first_proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="first_proposals",
        verbose_name=_("第一提案人"),
    )
    organisation_name = models.CharField(_("提案单位"), max_length=100, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = EncryptedCharField(_("联系电话"), max_length=40, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    # A token rendered into the new-proposal form: a repeated POST of the same form creates nothing new.
    submission_key = models.CharField(max_length=64, blank=True, editable=False)
    no_secret_confirmed = models.BooleanField(_("确认不涉及国家秘密"), default=False)
    status = models.CharField(
        _("状态"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT, db_index=True
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    review_comment = models.TextField(_("审查意见"), blank=True)
    rejection_ground = models.CharField(_("不予立案理由"), max_length=2, choices=RejectionGround.choices, blank=True)
    disposition = models.CharField(_("不立案处置"), max_length=20, choices=Disposition.choices, blank=True)
    proposer_consent = models.BooleanField(_("提案者同意转送"), null=True, blank=True)
    master = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged", verbose_name=_("并入提案")
    )
    suggested_units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("建议承办单位"))
    handling_round = models.PositiveSmallIntegerField(_("办理轮次"), default=1)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    # 重点提案 (DOMAIN §2.7): proposed by 提案委, decided by the 主席会议, supervised by a chair, led by a government leader
    key_status = models.CharField(_("重点提案"), max_length=10, blank=True, choices=[
        ("proposed", _("拟列为重点提案")), ("key", _("重点提案")), ("declined", _("未列为重点提案"))])
    key_supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="supervised_proposals",
        verbose_name=_("督办领导"),
    )
    key_lead_official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="led_proposals",
        verbose_name=_("领办领导"),
    )
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("提案")
        verbose_name_plural = _("提案")
        ordering = ["-created"]
        permissions = [
            ("review_proposal", _("审查立案")),
            ("assign_proposal", _("交办提案")),
            ("view_all_proposals", _("查看全部提案")),
            ("submit_for_member", _("代委员录入提案")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["term", "year", "serial"], condition=models.Q(serial__isnull=False), name="unique_proposal_number"
            ),
            models.UniqueConstraint(
                fields=["submitted_by", "submission_key"], condition=~models.Q(submission_key=""),
                name="unique_proposal_submission_key",
            ),
        ]
        indexes = [models.Index(fields=["first_proposer", "status"], name="proposal_proposer_idx")]

    def __str__(self):
        number = self.number or _("未编号")
        return f"{number} {self.title}"

    @property
    def number(self) -> str:
        """The official number, given at 立案: gapless per term and year."""
        if self.serial is None:
            return ""
        return _("%(year)s年第%(serial)s号") % {"year": self.year, "serial": f"{self.serial:03d}"}

    @property
    def is_collective(self) -> bool:
        return self.kind in self.COLLECTIVE_KINDS

    @property
    def proposer_display(self) -> str:
        if self.is_collective:
            return self.organisation_name
        return self.first_proposer.get_full_name() if self.first_proposer else ""


class NumberCounter(models.Model):
    """The last official number per term and year; locked while a number is taken so the series has no gaps."""

    term = models.ForeignKey(Term, on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "year"], name="unique_number_counter")]

    def __str__(self):
        return f"{self.term} {self.year}: {self.last}"


class Cosigner(models.Model):
    """A co-signer (联名人) of a joint proposal, who confirms online before the deadline (DOMAIN §2.9 COSIGNING)."""

    class Status(models.TextChoices):
        INVITED = "invited", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        DECLINED = "declined", _("已谢绝")
        DROPPED = "dropped", _("逾期未确认")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="cosigners", verbose_name=_("提案"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cosigned", verbose_name=_("联名人")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.INVITED)
    responded_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("联名人")
        verbose_name_plural = _("联名人")
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="unique_cosigner")]
        indexes = [models.Index(fields=["user", "status"], name="cosigner_user_idx")]

    def __str__(self):
        return f"{self.user} · {self.get_status_display()}"


def attachment_path(instance, filename):
    # The stored name is ours, never the uploader's (no path tricks, no collisions).
    return f"proposals/{instance.proposal_id}/{instance.token}"


class Attachment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("提案"))
    token = models.CharField(max_length=40, unique=True, editable=False)
    file = models.FileField(_("文件"), upload_to=attachment_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["pk"]

    def __str__(self):
        return self.original_name


class Assignment(models.Model):
    """One unit's part of a proposal (承办任务), with its own state and deadline (DOMAIN §2.9 per-assignment states)."""

    class Role(models.TextChoices):
        SOLE = "sole", _("独办")
        LEAD = "lead", _("主办")
        CO = "co", _("会办")
        SEPARATE = "separate", _("分办")

    class State(models.TextChoices):
        PENDING_RECEIPT = "pending_receipt", _("待签收")
        DISPUTED = "disputed", _("申请调整")
        RECEIVED = "received", _("已签收")
        REASSIGNED = "reassigned", _("已改派")
        REPLIED = "replied", _("已答复")

    OPEN_STATES = (State.PENDING_RECEIPT, State.DISPUTED, State.RECEIVED)

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("提案"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("承办单位"))
    role = models.CharField(_("承办方式"), max_length=10, choices=Role.choices)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PENDING_RECEIPT)
    assigned_at = models.DateTimeField(_("交办时间"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("签收人"),
    )
    adjustment_reason = models.TextField(_("调整理由"), blank=True)
    adjustment_decision = models.TextField(_("调整决定"), blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces", verbose_name=_("改派至")
    )

    class Meta:
        verbose_name = _("承办任务")
        verbose_name_plural = _("承办任务")
        ordering = ["proposal", "pk"]
        indexes = [models.Index(fields=["unit", "state"], name="assignment_unit_state_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "unit"],
                condition=models.Q(state__in=["pending_receipt", "disputed", "received", "replied"]),
                name="unique_live_assignment_per_unit",
            )
        ]

    def __str__(self):
        return f"{self.proposal} · {self.unit} · {self.get_role_display()}"


# --- handling, reply, evaluation (DOMAIN §2.5–2.7, §2.11) ----------------------------------------------------------


class ProposalSettings(models.Model):
    """Local practice [L] that differs between counties, edited by admins (one row)."""

    class Evaluators(models.TextChoices):
        FIRST = "first", _("第一提案人")
        ALL = "all", _("全体联名人")

    class NoAnswer(models.TextChoices):
        SATISFIED = "satisfied", _("视为满意")
        NOT_EVALUATED = "not_evaluated", _("记为未评价，直接办结")

    evaluators = models.CharField(_("评价人"), max_length=10, choices=Evaluators.choices, default=Evaluators.ALL)
    no_answer = models.CharField(_("逾期未评价"), max_length=20, choices=NoAnswer.choices,
                                 default=NoAnswer.NOT_EVALUATED)
    max_extension_months = models.PositiveSmallIntegerField(_("办理期限最长（月）"), default=6)
    publication_delay_days = models.PositiveSmallIntegerField(_("答复后公开（工作日）"), default=20)

    class Meta:
        verbose_name = _("提案办理设置")
        verbose_name_plural = _("提案办理设置")

    def __str__(self):
        return str(_("提案办理设置"))

    @classmethod
    def current(cls) -> "ProposalSettings":
        return cls.objects.first() or cls.objects.create()


class OutcomeCategory(models.Model):
    """落实情况分类 on the reply (default A/B/C/D, DOMAIN §2.5); a code list admins edit."""

    code = models.CharField(_("代码"), max_length=4, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    promises_solution = models.BooleanField(_("承诺解决（需回头看）"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("答复分类")
        verbose_name_plural = _("答复分类")
        ordering = ["order", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class ContactLog(models.Model):
    """沟通记录: 办前面商 and later contact with the proposer."""

    class Form(models.TextChoices):
        MEETING = "meeting", _("面商")
        PHONE = "phone", _("电话")
        FORUM = "forum", _("座谈")
        VISIT = "visit", _("视察")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="contacts",
                                   verbose_name=_("承办任务"))
    held_on = models.DateField(_("日期"))
    form = models.CharField(_("形式"), max_length=10, choices=Form.choices)
    participants = models.CharField(_("参加人员"), max_length=300)
    summary = models.TextField(_("内容摘要"), max_length=5000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("沟通记录")
        verbose_name_plural = _("沟通记录")
        ordering = ["held_on", "pk"]

    def __str__(self):
        return f"{self.held_on} {self.get_form_display()}"


class CoOpinion(models.Model):
    """会办意见 sent by a co-handling unit to the lead unit."""

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="co_opinion",
                                      verbose_name=_("会办任务"))
    body = models.TextField(_("会办意见"), max_length=5000)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("会办意见")
        verbose_name_plural = _("会办意见")

    def __str__(self):
        return str(self.assignment)


class Extension(models.Model):
    """申请延期, decided by 督查室 within the overall maximum."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已同意")
        REFUSED = "refused", _("未同意")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extensions",
                                   verbose_name=_("承办任务"))
    requested_until = models.DateField(_("申请延至"))
    reason = models.TextField(_("理由"), max_length=2000)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["assignment"], condition=models.Q(status="pending"),
                                    name="one_pending_extension")
        ]

    def __str__(self):
        return f"{self.assignment} → {self.requested_until}"


def reply_document_path(instance, filename):
    return f"replies/{instance.assignment_id}/{instance.document_token}"


class Reply(models.Model):
    """答复函 of one answering unit (主办 / 独办 / 分办) for one handling round."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("拟稿")
        IN_REVIEW = "in_review", _("会签审核中")
        ISSUED = "issued", _("已答复")

    class Publicity(models.TextChoices):
        FULL = "full", _("全文公开")
        SUMMARY = "summary", _("摘要公开")
        NONE = "none", _("不公开")

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="replies",
                                   verbose_name=_("承办任务"))
    round = models.PositiveSmallIntegerField(_("办理轮次"), default=1)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    reference_number = models.CharField(_("文号"), max_length=60, blank=True)
    body = models.TextField(_("答复正文"), max_length=20000)
    category = models.ForeignKey(OutcomeCategory, on_delete=models.PROTECT, verbose_name=_("答复分类"))
    original_category = models.ForeignKey(OutcomeCategory, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+", verbose_name=_("承办单位所标分类"))
    publicity = models.CharField(_("公开属性"), max_length=10, choices=Publicity.choices, default=Publicity.FULL)
    publicity_reason = models.CharField(_("不公开理由"), max_length=200, blank=True)
    summary = models.TextField(_("公开摘要"), max_length=2000, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50)
    contact_phone = EncryptedCharField(_("联系电话"), max_length=40)
    document_token = models.CharField(max_length=40, blank=True, editable=False)
    document = models.FileField(_("答复函文件"), upload_to=reply_document_path, blank=True)
    document_name = models.CharField(max_length=200, blank=True)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("经办人"))
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("签发人"))
    chain = models.ForeignKey("workflows.StageRun", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    issued_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    # The deadline this reply answered: the assignment's reply due item of its round (read, never copied).
    due_item = models.ForeignKey("workflows.DueItem", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("办理期限"))
    publish_on = models.DateField(_("公开日期"), null=True, blank=True, db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("答复函")
        verbose_name_plural = _("答复函")
        ordering = ["assignment", "round"]
        constraints = [models.UniqueConstraint(fields=["assignment", "round"], name="one_reply_per_round")]

    def __str__(self):
        return f"{self.reference_number or _('答复函')} · {self.assignment.unit}"


class Evaluation(models.Model):
    """征询意见: a proposer's rating of the handling work and of the result (DOMAIN §2.6)."""

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASIC = "basic", _("基本满意")
        DISSATISFIED = "dissatisfied", _("不满意")
        NONE = "none", _("未评价")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="evaluations",
                                 verbose_name=_("提案"))
    round = models.PositiveSmallIntegerField(_("办理轮次"), default=1)
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("评价人"))
    work_rating = models.CharField(_("办理工作"), max_length=15, choices=Rating.choices)
    result_rating = models.CharField(_("办理结果"), max_length=15, choices=Rating.choices)
    comment = models.TextField(_("意见和建议"), max_length=3000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("代录人"))
    created = models.DateTimeField(_("评价时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办理评价")
        verbose_name_plural = _("办理评价")
        ordering = ["round", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "round", "evaluator"], name="one_evaluation_per_round")
        ]

    def __str__(self):
        return f"{self.proposal} · {self.evaluator} · {self.get_result_rating_display()}"


class CaseRecord(models.Model):
    """Recorded meetings and supervision: face-to-face meeting after a second 不满意, key-proposal supervision
    (visits, forums, reports), and 回头看 follow-up."""

    class Kind(models.TextChoices):
        FACE_MEETING = "face_meeting", _("面对面沟通")
        VISIT = "visit", _("督办视察")
        FORUM = "forum", _("督办座谈")
        REPORT = "report", _("督办报告")
        FOLLOW_UP = "follow_up", _("回头看")
        CHAIR_DECISION = "chair_decision", _("主席会议决定")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="records", verbose_name=_("提案"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("日期"))
    participants = models.CharField(_("参加人员"), max_length=300, blank=True)
    summary = models.TextField(_("内容"), max_length=5000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["held_on", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.held_on}"
