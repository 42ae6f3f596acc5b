"""Who the proposal deadlines concern, for the engine's reminders and escalation (``workflows.subjects``).

黄 goes to the answerable unit's 分管领导 (``UnitMembership`` role leader), 红 to 督查室 (the holders of
``proposals.assign_proposal``). Windows that close by themselves when they expire (co-signing, evaluation) have an
automatic action instead of an escalation: the service that closes them, as soon as they are overdue.
"""

from dataclasses import replace

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from workflows import reminders, subjects
from workflows.models import DueItem, UnitMembership

from . import services
from .models import Assignment, Cosigner, Proposal

STAGES = {
    "cosign": _("联名确认"),
    "assign": _("交办"),
    "evaluation": _("办理评价"),
    "face-meeting": _("面对面沟通"),
    "receipt": _("签收"),
    "co-opinion": _("会办意见"),
    "reply": _("办理答复"),
    "contact": _("办前面商"),
    "adjustment": _("调整申请处理"),
    "conclude": _("办结"),
}
# Held by the unit the proposal is assigned to; the others are held by the CPPCC office or 督查室.
UNIT_PURPOSES = ("receipt", "co-opinion", "reply", "contact")
UNIT_WORKERS = (UnitMembership.Role.HANDLER, UnitMembership.Role.HEAD)
# The proposals' deadlines (their own and their chains' tasks) are on 督查室's 督办看板.
BOARD = "proposals"


def _with_perm(perm: str) -> list:
    app_label, codename = perm.split(".")
    groups = Group.objects.filter(permissions__content_type__app_label=app_label, permissions__codename=codename)
    return list(get_user_model().objects.filter(is_active=True, groups__in=groups).distinct().order_by("pk"))


def supervision_office() -> list:
    return subjects.memo("supervision_office", lambda: _with_perm("proposals.assign_proposal"))


def _stage(item: DueItem) -> str:
    return str(STAGES.get(item.purpose, item.title))


def _pending_evaluators(proposal: Proposal) -> list:
    answered = set(proposal.evaluations.filter(round=proposal.handling_round).values_list("evaluator_id", flat=True))
    return [user for user in services.evaluators(proposal) if user.pk not in answered]


def resolve_proposal(item: DueItem, proposal: Proposal) -> subjects.Resolution:
    action = None
    if item.purpose == "cosign":
        holders = [c.user for c in proposal.cosigners.filter(status=Cosigner.Status.INVITED).select_related("user")]

        def action():
            return _note(services.proposal_close_expired_cosigning(proposal=proposal), _("联名确认期满，已关闭联名"))
    elif item.purpose == "evaluation":
        holders = _pending_evaluators(proposal)

        def action():
            return _note(services.evaluation_window_expired(proposal=proposal), _("评价期满，已按设置处理未评价的意见"))
    elif item.purpose in ("assign", "adjustment"):
        holders = supervision_office()
    else:
        holders = subjects.memo("proposal_staff", lambda: _with_perm("proposals.review_proposal"))
    unit = subjects.first_unit_of(holders) if item.purpose not in ("cosign", "evaluation") else None
    return subjects.Resolution(
        holders=holders,
        leaders=subjects.unit_leaders(unit),
        supervisors=supervision_office(),
        unit=unit,
        case_label=str(proposal),
        stage=_stage(item),
        link=reverse("proposals:detail", args=[proposal.pk]),
        timeline_subject=proposal,
        action=action,
        board=BOARD,
    )


def _note(done: bool, text) -> str:
    return str(text) if done else ""


def resolve_assignment(item: DueItem, assignment: Assignment) -> subjects.Resolution:
    proposal = assignment.proposal
    if item.purpose in UNIT_PURPOSES:
        unit = assignment.unit
        holders = subjects.unit_members(unit, roles=UNIT_WORKERS)
    else:  # an adjustment request waits for 督查室
        holders = supervision_office()
        unit = subjects.first_unit_of(holders)
    return subjects.Resolution(
        holders=holders,
        leaders=subjects.unit_leaders(unit),
        supervisors=supervision_office(),
        unit=unit,
        case_label=f"{proposal}（{assignment.unit}）",
        stage=_stage(item),
        link=reverse("proposals:assignment", args=[assignment.pk]),
        timeline_subject=proposal,
        board=BOARD,
    )


def proposal_policy(item: DueItem) -> subjects.Policy:
    policy = reminders.default_policy()
    if item.purpose == "cosign":
        # Co-signing is a short window: remind the day before and on the day, then close it when it expires.
        return replace(policy, reminder_offsets=(1, 0), yellow_after_days=0, action_level=DueItem.Level.YELLOW)
    if item.purpose == "evaluation":
        return replace(policy, yellow_after_days=0, action_level=DueItem.Level.YELLOW)
    return policy


subjects.register_board(BOARD, permission="proposals.assign_proposal")
subjects.register("proposals.proposal", resolve=resolve_proposal, policy=proposal_policy)
subjects.register("proposals.assignment", resolve=resolve_assignment,
                  queryset=lambda: Assignment.objects.select_related("proposal", "unit"))
