"""The proposal process's editable chains (issue slots a and b), registered with the stage runner.

(a) ``proposal-review``: the 审查 chain before 立案 (default 初审 → 审定); the holder of the last stage takes the
    decision (立案 / 不予立案 / 并案 / 退回) with the review form.
(b) ``proposal-reply``: the reply chain inside a unit after the 经办人 drafts (default 会办单位会签 → 分管领导签发 →
    督查室审核); when it passes, the reply is issued.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from workflows import chains, subjects
from workflows.models import StageDefinition, UnitMembership

from . import roles

REVIEW = "proposal-review"
REPLY = "proposal-reply"
# The outcomes of 审定, recorded on its task and on the timeline as decided (DOMAIN §2.3).
ACCEPT, REJECT, MERGE, RETURN = "accept", "reject", "merge", "return"
DECISION_OUTCOMES = ((ACCEPT, _("立案")), (REJECT, _("不予立案")), (MERGE, _("并案")), (RETURN, _("退回修改")))
Scope, Mode = StageDefinition.Scope, StageDefinition.Mode


def _role_users(stage):
    return get_user_model().objects.filter(is_active=True, groups=stage.role_id).order_by("username")


def _unit_users(stage, unit_ids):
    member_ids = UnitMembership.objects.filter(unit_id__in=unit_ids).values("user_id")
    return _role_users(stage).filter(pk__in=member_ids)


def review_assignees(proposal, stage):
    return list(_role_users(stage))


def reply_assignees(reply, stage):
    assignment = reply.assignment
    if stage.scope == Scope.CASE_UNIT:
        return list(_unit_users(stage, [assignment.unit_id]))
    if stage.scope == Scope.CO_UNITS:
        return list(_unit_users(stage, co_unit_ids(reply)))
    return list(_role_users(stage))


def co_unit_ids(reply) -> list[int]:
    from .models import Assignment

    if reply.assignment.role != Assignment.Role.LEAD:
        return []
    return list(
        reply.assignment.proposal.assignments.filter(role=Assignment.Role.CO)
        .exclude(state=Assignment.State.REASSIGNED).values_list("unit_id", flat=True)
    )


def _describe_proposal(proposal):
    return f"{proposal.number or ''} {proposal.title}".strip(), reverse("proposals:detail", args=[proposal.pk])


def _describe_reply(reply):
    proposal = reply.assignment.proposal
    label = f"{proposal.number} {proposal.title}（{reply.assignment.unit}答复）"
    return label, reverse("proposals:detail", args=[proposal.pk])


def _review_supervisors(proposal, task):
    """红 on a review task: the 提案委 heads who take the decision."""
    return subjects.memo("proposal_heads", lambda: list(
        get_user_model().objects.filter(is_active=True, groups__name=roles.STAFF_HEAD).order_by("pk")))


def _reply_supervisors(reply, task):
    """红 on a reply-chain task: 督查室, as for every late handling step."""
    from .due_subjects import supervision_office

    return supervision_office()


def _review_finished(run, outcome, actor):
    from . import services

    services.review_chain_finished(run=run, outcome=outcome, actor=actor)


def _reply_finished(run, outcome, actor):
    from . import services

    services.reply_chain_finished(run=run, outcome=outcome, actor=actor)


chains.register(chains.SlotSpec(
    code=REVIEW,
    name=_("提案审查（立案前）"),
    description=_("提案委员会审查提案的环节；最后一个环节的办理人作出立案、不予立案、并案或退回的决定。"),
    stages=(
        chains.StageSpec(key="first-review", name="初审", role=roles.STAFF, scope=Scope.ANY, mode=Mode.ANY,
                         deadline_amount=5, phrases="建议立案\n建议不予立案\n建议并案\n建议退回修改"),
        # Fixed: the 提案委 decides 立案 and the grounds to refuse it (DOMAIN §2.3 [R] S3, B3/B5), its heads for
        # the committee ([L] S4b): role, scope, mode, at least 5 working days, escalation only (no automatic
        # return or approval: a person takes the decision and the proposer is told of it, [R] S3).
        chains.StageSpec(key="decision", name="审定", role=roles.STAFF_HEAD, scope=Scope.ANY, mode=Mode.ANY,
                         deadline_amount=5, required=True, outcomes=DECISION_OUTCOMES),
    ),
    resolve_assignees=review_assignees,
    on_finish=_review_finished,
    describe=_describe_proposal,
    skip_fields={"kind": _("提案类型"), "timing": _("提交时段")},
    case_values=lambda proposal: {"kind": proposal.kind, "timing": proposal.timing},
    overdue_supervisors=_review_supervisors,
    board="proposals",
))

chains.register(chains.SlotSpec(
    code=REPLY,
    name=_("答复函会签签发"),
    description=_("承办单位经办人拟稿后的会签、签发和督查室审核环节；全部通过后答复函发出。"),
    stages=(
        chains.StageSpec(key="countersign", name="会办单位会签", role=roles.UNIT_HANDLER, scope=Scope.CO_UNITS,
                         mode=Mode.ALL, deadline_amount=5, phrases="同意\n请补充会办意见",
                         skip_field="co_units", skip_operator=StageDefinition.SkipOperator.EMPTY),
        # Fixed: the reply is signed off by the named unit's own 分管领导, never delegated (DOMAIN §2.5 reply format
        # [L] S17; the unit named at 交办 [R] S5): role, scope 本案承办单位, mode, at least 5 working days, escalation.
        chains.StageSpec(key="signoff", name="分管领导签发", role=roles.UNIT_LEADER, scope=Scope.CASE_UNIT,
                         mode=Mode.ANY, deadline_amount=5, required=True, phrases="同意签发"),
        # Fixed: 督办 of the handling by the supervision office (DOMAIN §2.7 [R] S5; reviewing the reply and its
        # category [L] S32): role, scope, mode, at least 5 working days, escalation.
        chains.StageSpec(key="supervisor-review", name="督查室审核", role=roles.SUPERVISION_OFFICE, scope=Scope.ANY,
                         mode=Mode.ANY, deadline_amount=5, required=True, allow_batch_approve=True,
                         phrases="审核通过"),
    ),
    resolve_assignees=reply_assignees,
    on_finish=_reply_finished,
    describe=_describe_reply,
    skip_fields={"co_units": _("会办单位"), "category": _("答复分类")},
    case_values=lambda reply: {"co_units": ",".join(map(str, co_unit_ids(reply))), "category": reply.category.code},
    timeline_subject=lambda reply: reply.assignment.proposal,
    case_of=lambda reply: reply.assignment.proposal,
    subject_related=("assignment__proposal", "category"),
    overdue_supervisors=_reply_supervisors,
    board="proposals",
))
