"""The nomination process's chains, registered with the stage runner (kernel issue slots c and d, and the gates).

- ``nomination-ufwd-motion`` and ``nomination-ufwd-decision``: the two mandatory UFWD opinions (DOMAIN §4.1
  [L C1]): 统战部干部科 drafts, the 分管副部长 or 部长 signs. Both stages are fixed (``required=True``).
- ``nomination-vetting`` (slot c): the vetting opinions of 考察, in parallel (one 顺序): 廉政意见, the unit's
  廉洁自律结论性意见, the file / personal-matters / petition checks, and the party organisation's opinion, skipped by
  rule (and so on the timeline) when the nominee belongs to no democratic party.
- ``nomination-signoff`` (slot d): the package for the standing committee, 组织部干部科 → 统战部分管副部长 →
  组织部部长 + 统战部部长 (two stages sharing one 顺序, both fixed: the joint recommendation of 共同向党委推荐).
- ``nomination-probation``: the assessment at the end of 试用期 (共同督促考核), both departments' leaders in parallel.

The state changes live in ``nomination.process``; ``on_finish`` only hands the outcome over.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from workflows import chains, subjects
from workflows.models import StageDefinition, Unit, UnitMembership

from . import roles
from .errors import NominationError
from .models import DEMOCRATIC_PARTIES

UFWD_MOTION = "nomination-ufwd-motion"
UFWD_DECISION = "nomination-ufwd-decision"
VETTING = "nomination-vetting"
SIGNOFF = "nomination-signoff"
PROBATION = "nomination-probation"
SLOTS = (UFWD_MOTION, UFWD_DECISION, VETTING, SIGNOFF, PROBATION)
REP_VETTING = "representative-vetting"
REP_LIST = "representative-list"
REP_SLOTS = (REP_VETTING, REP_LIST)
REP_INTEGRITY, REP_PARTY_GROUP = "rep-integrity", "rep-party-group"

# The two stages of the package whose approvals must come from the two departments (共同向党委推荐).
ORG_COSIGN, UF_COSIGN = "org-head-cosign", "uf-head-cosign"
# The vetting stage whose holders see only the request letter and the minimum identity data.
INTEGRITY, PARTY_OPINION = "integrity-opinion", "party-opinion"
EXTERNAL_STAGE_KEYS = (INTEGRITY, PARTY_OPINION)

Scope, Mode = StageDefinition.Scope, StageDefinition.Mode


def _assignees(case, stage):
    users = get_user_model().objects.filter(is_active=True, groups=stage.role_id).order_by("username")
    if stage.scope == Scope.CASE_UNIT and stage.role.name == roles.PARTY_ORG:
        # The nominee's own party organisation, never every democratic party.
        members = UnitMembership.objects.filter(unit_id=case.party_org_unit_id).values("user_id")
        users = users.filter(pk__in=members)
    return list(users)


def _describe(case):
    return f"{case.post_unit}{case.post_title}", reverse("nomination:case", args=[case.pk])


def _describe_request(case):
    """Inbox rows and messages of the vetting chain show only the minimum identity data and link to the letter."""
    nominee = case.nominee
    label = _("%(name)s（%(unit)s%(post)s）考察征求意见") % {
        "name": nominee.name if nominee else "—", "unit": nominee.work_unit if nominee else "",
        "post": nominee.current_post if nominee else ""}
    return str(label), reverse("nomination:case_request", args=[case.pk])


# The cadre side's deadlines are on the departments' leaders' 督办看板, never on 督查室's (DOMAIN §7).
BOARD = "nomination"
subjects.register_board(BOARD, permission="nomination.view_nomination_cases")


def _department_members(department: str, role: str) -> list:
    kind = Unit.Kind.ORG_DEPT if department == roles.ORG else Unit.Kind.UF_DEPT
    return subjects.memo(("department_members", kind, role), lambda: list(
        get_user_model().objects.filter(is_active=True, unit_memberships__unit__kind=kind,
                                        unit_memberships__role=role).distinct().order_by("pk")))


def _overdue_department(task) -> str:
    """The department answerable for a late task: the stage's own, or the one that asked (考察 is the
    Organization Department's; the representative lists are the UFWD's)."""
    department = roles.DEPARTMENT_OF_ROLE.get(task.stage.role.name)
    if department:
        return department
    return roles.UF if task.run.slot.code in REP_SLOTS else roles.ORG


def overdue_leaders(case, task) -> list:
    """黄: the department's 分管领导 (there is no 督查室 on the cadre side)."""
    return _department_members(_overdue_department(task), UnitMembership.Role.LEADER)


def overdue_supervisors(case, task) -> list:
    """红: the department head, or its 分管领导 where no head is on record."""
    department = _overdue_department(task)
    return (_department_members(department, UnitMembership.Role.HEAD)
            or _department_members(department, UnitMembership.Role.LEADER))


def _finished(run, outcome, actor):
    from . import process

    process.chain_finished(run=run, outcome=outcome, actor=actor)


def nominee_party(case) -> str:
    """The nominee's democratic party, or empty when they belong to none (the party-opinion skip rule reads it)."""
    party = case.nominee.party if case.nominee_id else ""
    return party if party in DEMOCRATIC_PARTIES else ""


def _case_values(case):
    return {"nominee_party": nominee_party(case), "managed_by": case.managed_by,
            "elected_post": "1" if case.elected_post else ""}


SKIP_FIELDS = {"nominee_party": _("考察对象所在民主党派"), "managed_by": _("干部管理权限"),
               "elected_post": _("须经依法选举或任命")}


def _draft_required(case, task):
    """The 拟稿 stage passes only with a written draft of the opinion (issue #13: a bare 同意 is no draft)."""
    from . import process

    if task.stage.key == "uf-draft" and not process.gate_draft_written(case, task.run.slot.code):
        raise NominationError("draft_required", field="text")


def _gate(code, name, description):
    return chains.SlotSpec(
        code=code, name=name, description=description,
        stages=(
            # Fixed: the written 统战部意见 before 动议 and before 讨论决定 is the UFWD's own, drafted by its 干部科 and
            # signed by its leader (DOMAIN §4.1 united-front gates [L] C1/C16 on 中发〔2012〕4号; A2, A6): role (never
            # 组织部's), scope, mode, draft before signature, at least 3 and 2 working days, escalation only.
            chains.StageSpec(key="uf-draft", name="统战部干部科拟稿", role=roles.UF_CADRE, scope=Scope.ANY,
                             mode=Mode.ANY, deadline_amount=3, required=True,
                             department=roles.DEPARTMENT_LABELS[roles.UF],
                             department_roles=(roles.UF_CADRE, roles.UF_LEADER),
                             phrases="同意\n同意，建议加强培养\n建议另行考虑人选"),
            chains.StageSpec(key="uf-sign", name="统战部分管副部长/部长签发", role=roles.UF_LEADER, scope=Scope.ANY,
                             mode=Mode.ANY, deadline_amount=2, required=True,
                             department=roles.DEPARTMENT_LABELS[roles.UF],
                             department_roles=(roles.UF_CADRE, roles.UF_LEADER), phrases="同意签发"),
        ),
        resolve_assignees=_assignees, on_finish=_finished, describe=_describe,
        skip_fields=SKIP_FIELDS, case_values=_case_values,
        overdue_leaders=overdue_leaders, overdue_supervisors=overdue_supervisors, board=BOARD,
        before_approve=_draft_required,
    )


chains.register(_gate(UFWD_MOTION, _("动议征求统战部意见"),
                      _("组织部动议后必须征求统战部书面意见（法定环节，不能删除或跳过）。")))
chains.register(_gate(UFWD_DECISION, _("讨论决定前征求统战部意见"),
                      _("提交常委会讨论决定前必须征求统战部书面意见（法定环节，不能删除或跳过）。")))

chains.register(chains.SlotSpec(
    code=VETTING, name=_("考察征求意见"),
    description=_("考察期间并行征求的意见：廉政意见、廉洁自律结论性意见、档案/个人事项/信访核查、党派组织意见"
                  "（考察对象不是民主党派成员时按规则跳过）。顺序相同的环节并行办理。"),
    stages=(
        # Fixed, in parallel: the 纪检监察机关's 廉政意见, the unit's signed 廉洁自律结论性意见, and the file,
        # personal-matters and petition checks (DOMAIN §4.1 考察 [R] C6, 2019 art. 31; A5a–A5c): role, scope, mode,
        # at least the default working days, escalation only.
        chains.StageSpec(key=INTEGRITY, order=1, name="廉政意见", role=roles.DISCIPLINE, scope=Scope.ANY, mode=Mode.ANY,
                         deadline_amount=10, required=True,
                         phrases="未发现影响使用的问题线索\n有问题线索，正在核查\n有问题线索，经核查影响使用"),
        chains.StageSpec(key="integrity-conclusion", order=1, name="廉洁自律结论性意见", role=roles.ORG_CADRE,
                         scope=Scope.ANY, mode=Mode.ANY, deadline_amount=5, required=True,
                         phrases="所在单位党委书记、纪委书记已签字，结论：廉洁自律情况良好"),
        chains.StageSpec(key="file-checks", order=1, name="档案、个人事项、信访核查", role=roles.ORG_CADRE, scope=Scope.ANY,
                         mode=Mode.ANY, deadline_amount=10, required=True,
                         phrases="档案审核无问题；个人有关事项报告查核一致；无具体可查的信访举报"),
        chains.StageSpec(key=PARTY_OPINION, order=1, name="党派组织意见", role=roles.PARTY_ORG, scope=Scope.CASE_UNIT,
                         mode=Mode.ANY, deadline_amount=5, phrases="同意推荐\n建议进一步考察",
                         skip_field="nominee_party", skip_operator=StageDefinition.SkipOperator.EMPTY),
    ),
    resolve_assignees=_assignees, on_finish=_finished, describe=_describe_request,
    skip_fields=SKIP_FIELDS, case_values=_case_values,
    overdue_leaders=overdue_leaders, overdue_supervisors=overdue_supervisors, board=BOARD,
))

chains.register(chains.SlotSpec(
    code=SIGNOFF, name=_("上会材料两部会签"),
    description=_("报县委常委会的材料：组织部干部科 → 统战部分管副部长 → 组织部部长、统战部部长会签。"
                  "两部部长会签为法定环节；任何一个部门单独不能完成会签。"),
    stages=(
        chains.StageSpec(key="org-cadre-package", order=1, name="组织部干部科报送", role=roles.ORG_CADRE, scope=Scope.ANY,
                         mode=Mode.ANY, deadline_amount=3, phrases="材料齐全，请审核"),
        chains.StageSpec(key="uf-deputy", order=2, name="统战部分管副部长审核", role=roles.UF_LEADER, scope=Scope.ANY,
                         mode=Mode.ANY, deadline_amount=2, phrases="同意"),
        # Fixed, in parallel, one per department: 共同向党委推荐 (DOMAIN §4.2 六个共同 no. 5, verified wording C1; A7):
        # each half stays with its own department's leader, mode, at least 2 working days, escalation only.
        chains.StageSpec(key=ORG_COSIGN, order=3, name="组织部部长会签", role=roles.ORG_LEADER, scope=Scope.ANY,
                         mode=Mode.ANY, deadline_amount=2, required=True,
                         department=roles.DEPARTMENT_LABELS[roles.ORG],
                         department_roles=(roles.ORG_CADRE, roles.ORG_LEADER), phrases="同意提交常委会"),
        chains.StageSpec(key=UF_COSIGN, order=3, name="统战部部长会签", role=roles.UF_LEADER, scope=Scope.ANY,
                         mode=Mode.ANY, deadline_amount=2, required=True,
                         department=roles.DEPARTMENT_LABELS[roles.UF],
                         department_roles=(roles.UF_CADRE, roles.UF_LEADER), phrases="同意提交常委会"),
    ),
    resolve_assignees=_assignees, on_finish=_finished, describe=_describe,
    skip_fields=SKIP_FIELDS, case_values=_case_values,
    overdue_leaders=overdue_leaders, overdue_supervisors=overdue_supervisors, board=BOARD,
))

chains.register(chains.SlotSpec(
    code=PROBATION, name=_("试用期满考核（两部共同督促考核）"),
    description=_("试用期满后组织部干部科提出考核结论，组织部、统战部领导同时审核，两部均同意后生效。"),
    stages=(
        # Fixed, in parallel, one per department: the probation assessment (DOMAIN §4.1 任职 试用期 [R] C5; A13) is
        # 共同督促考核 (§4.2 no. 6, C1): each half with its own department's leader, mode, at least 5 working days.
        chains.StageSpec(key="org-probation", order=1, name="组织部领导审核", role=roles.ORG_LEADER, scope=Scope.ANY,
                         mode=Mode.ANY, deadline_amount=5, required=True,
                         department=roles.DEPARTMENT_LABELS[roles.ORG],
                         department_roles=(roles.ORG_CADRE, roles.ORG_LEADER)),
        chains.StageSpec(key="uf-probation", order=1, name="统战部领导审核", role=roles.UF_LEADER, scope=Scope.ANY,
                         mode=Mode.ANY, deadline_amount=5, required=True,
                         department=roles.DEPARTMENT_LABELS[roles.UF],
                         department_roles=(roles.UF_CADRE, roles.UF_LEADER)),
    ),
    resolve_assignees=_assignees, on_finish=_finished, describe=_describe,
    skip_fields=SKIP_FIELDS, case_values=_case_values,
    overdue_leaders=overdue_leaders, overdue_supervisors=overdue_supervisors, board=BOARD,
))

def _finished_rep(run, outcome, actor):
    from . import representatives

    representatives.chain_finished(run=run, outcome=outcome, actor=actor)


def _describe_batch(batch):
    return str(batch), reverse("nomination:rep", args=[batch.pk])


def _describe_batch_request(batch):
    return _("%(batch)s 征求意见") % {"batch": batch}, reverse("nomination:rep_request", args=[batch.pk])


def _batch_values(batch):
    return {"renominations": ",".join(str(n.pk) for n in batch.nominees.filter(is_renomination=True)),
            "body": batch.body}


REP_SKIP_FIELDS = {"renominations": _("连任人选"), "body": _("推荐对象")}

chains.register(chains.SlotSpec(
    code=REP_VETTING, name=_("代表人士审核把关征求意见"),
    description=_("并行征求纪委监委廉政意见和（有连任人选时）政协党组意见；没有连任人选时政协党组意见按规则跳过。"),
    stages=(
        # Fixed: the 纪委监委 廉政意见 in 审核把关 (DOMAIN §5.3 step 4 / R4 [R] C3, 统战条例 2020 art. 44; 廉洁关 [L] C12):
        # role, scope, mode, at least 10 working days, escalation only.
        chains.StageSpec(key=REP_INTEGRITY, order=1, name="纪委监委廉政意见", role=roles.DISCIPLINE, scope=Scope.ANY,
                         mode=Mode.ANY, deadline_amount=10, required=True,
                         phrases="均未发现影响推荐的问题线索\n部分人选有问题线索，详见意见"),
        chains.StageSpec(key=REP_PARTY_GROUP, order=1, name="政协党组意见（连任人选）", role=roles.CPPCC_PARTY_GROUP,
                         scope=Scope.ANY, mode=Mode.ANY, deadline_amount=5, phrases="同意继续提名",
                         skip_field="renominations", skip_operator=StageDefinition.SkipOperator.EMPTY),
    ),
    resolve_assignees=_assignees, on_finish=_finished_rep, describe=_describe_batch_request,
    skip_fields=REP_SKIP_FIELDS, case_values=_batch_values,
    overdue_leaders=overdue_leaders, overdue_supervisors=overdue_supervisors, board=BOARD,
))

chains.register(chains.SlotSpec(
    code=REP_LIST, name=_("建议名单审核报送"),
    description=_("统战部汇总建议名单并征求意见后：统战部部长签发，组织部报县委审定。"),
    stages=(
        # Fixed, in this order: the UFWD compiles the 建议名单, then the Organization Department submits it to the
        # Party committee (DOMAIN §5.1 approval, §5.3 R5–R6 [R] C3, 统战条例 2020 art. 44): each with its own
        # department's leader, mode, at least 3 working days, escalation only.
        chains.StageSpec(key="rep-uf-head", name="统战部部长签发", role=roles.UF_LEADER, scope=Scope.ANY,
                         mode=Mode.ANY, deadline_amount=3, required=True,
                         department=roles.DEPARTMENT_LABELS[roles.UF],
                         department_roles=(roles.UF_CADRE, roles.UF_LEADER), phrases="同意报送"),
        chains.StageSpec(key="rep-org-submit", name="组织部报县委审定", role=roles.ORG_LEADER, scope=Scope.ANY,
                         mode=Mode.ANY, deadline_amount=3, required=True,
                         department=roles.DEPARTMENT_LABELS[roles.ORG],
                         department_roles=(roles.ORG_CADRE, roles.ORG_LEADER), phrases="同意报县委审定"),
    ),
    resolve_assignees=_assignees, on_finish=_finished_rep, describe=_describe_batch,
    skip_fields=REP_SKIP_FIELDS, case_values=_batch_values,
    overdue_leaders=overdue_leaders, overdue_supervisors=overdue_supervisors, board=BOARD,
))
