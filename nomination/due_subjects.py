"""The cadre side's own deadlines as due items (``workflows.subjects``): the two legal waits of a nomination case and
the NPC candidate lists' last days.

- ``notice`` (任前公示, DOMAIN §4.4 A9): due at the end of the last day the notice announced; its automatic action,
  run by the sweep as soon as that moment has passed, ends the wait (``process.notice_period_end``) and opens the
  公示结果 step. Nobody is reminded: nobody has to act during a notice.
- ``probation`` (试用期, A13): one year from the appointment notice; the automatic action opens the assessment
  (``process.probation_period_end``).
- ``npc-list`` / ``npc-formal`` (DOMAIN §5.2, calendar days before the election day): the 统战部 is reminded and the
  late list is escalated to its leaders like any task.
"""

from dataclasses import replace

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from workflows import reminders, subjects
from workflows.models import DueItem, UnitMembership

from . import chains, roles
from .models import NominationCase, RepresentativeBatch

NOTICE, PROBATION = "notice", "probation"
NPC_LIST, NPC_FORMAL = "npc-list", "npc-formal"
STAGES = {
    NOTICE: _("任前公示期满"),
    PROBATION: _("试用期满"),
    NPC_LIST: _("公布候选人名单截止"),
    NPC_FORMAL: _("公布正式候选人名单截止"),
}
# Waits that end by themselves: an automatic action at the due time instead of reminders and escalation.
LEGAL_WAITS = (NOTICE, PROBATION)


def _cadres(role: str) -> list:
    return subjects.memo(("cadres", role), lambda: list(
        get_user_model().objects.filter(is_active=True, groups__name=role).distinct().order_by("pk")))


def _department_leaders(department: str) -> list:
    return chains._department_members(department, UnitMembership.Role.LEADER)


def resolve_case(item: DueItem, case: NominationCase) -> subjects.Resolution:
    from . import process

    action = None
    if item.purpose == NOTICE:
        def action():
            return str(_("公示期满，请录入公示结果")) if process.notice_period_end(case=case) else ""
    elif item.purpose == PROBATION:
        def action():
            return str(_("试用期满，请进行考核")) if process.probation_period_end(case=case) else ""
    return subjects.Resolution(
        holders=() if item.purpose in LEGAL_WAITS else _cadres(roles.ORG_CADRE),
        leaders=_department_leaders(roles.ORG), supervisors=(), case_label=str(case),
        stage=str(STAGES.get(item.purpose, item.title)), link=reverse("nomination:case", args=[case.pk]),
        timeline_subject=case, action=action, board=chains.BOARD,
    )


def resolve_batch(item: DueItem, batch: RepresentativeBatch) -> subjects.Resolution:
    return subjects.Resolution(
        holders=_cadres(roles.UF_CADRE), leaders=_department_leaders(roles.UF), supervisors=(),
        case_label=str(batch), stage=str(STAGES.get(item.purpose, item.title)),
        link=reverse("nomination:rep", args=[batch.pk]), timeline_subject=batch, board=chains.BOARD,
    )


def case_policy(item: DueItem) -> subjects.Policy:
    policy = reminders.default_policy()
    if item.purpose in LEGAL_WAITS:
        return replace(policy, reminder_offsets=(), yellow_after_days=0, red_after_days=0,
                       action_level=DueItem.Level.YELLOW)
    return policy


subjects.register("nomination.nominationcase", resolve=resolve_case, policy=case_policy)
subjects.register("nomination.representativebatch", resolve=resolve_batch)
