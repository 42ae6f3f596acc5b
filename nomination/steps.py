"""The cadre side's pending steps as work items: what each step is called and who holds it.

Every offline act the 组织部 or 统战部 records (确定动议, 民主推荐, 确定考察对象, 组成考察组, 常委会决定, 公示, 公示结果, 任职…)
is one work item of the department's cadre role, claimable in 待认领; the 考察组 members' own steps are person-held
(their 待办). The chains' stages are opened by the stage runner. The services open and close these items in their
own transactions (``nomination.process``, ``nomination.representatives``); nothing else writes them.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from workflows import work

from . import roles

# step code -> (title, the role holding it when no person does)
CASE_STEPS = {
    "nomination.motion.submit": (_("提交动议，征求统战部意见"), roles.ORG_CADRE),  # A1
    "nomination.motion.confirm": (_("确定动议"), roles.ORG_CADRE),  # A2 → 部务会
    "nomination.recommendation": (_("民主推荐"), roles.ORG_CADRE),  # A3
    "nomination.candidate": (_("确定考察对象"), roles.ORG_CADRE),  # A4
    "nomination.vetting.team": (_("组成考察组"), roles.ORG_CADRE),  # A5
    "nomination.vetting.report": (_("考察材料"), None),  # A5, each member of the 考察组
    "nomination.vetting.uf_opinion": (_("考察组统战部成员意见"), None),  # A5, the UFWD members of the 考察组
    "nomination.decision": (_("常委会决定"), roles.ORG_CADRE),  # A8
    "nomination.resubmit": (_("重新提交常委会"), roles.ORG_CADRE),  # A8 暂缓
    "nomination.upward": (_("上报州委"), roles.ORG_CADRE),
    "nomination.upward.outcome": (_("记录州委决定"), roles.ORG_CADRE),
    "nomination.notice": (_("发布任前公示"), roles.ORG_CADRE),  # A9
    "nomination.objection.verify": (_("核查公示反映问题"), roles.ORG_CADRE),  # A10, one per report
    "nomination.notice.result": (_("公示结果"), roles.ORG_CADRE),  # A10
    "nomination.legal": (_("记录依法选举/任命结果"), roles.ORG_CADRE),  # A11
    "nomination.appoint": (_("任职"), roles.ORG_CADRE),  # A12
    "nomination.probation.assess": (_("试用期满考核"), roles.ORG_CADRE),  # A13
}

REP_STEPS = {
    "nomination.rep.consult": (_("与民主党派、工商联协商"), roles.UF_CADRE),  # R2–R3
    "nomination.rep.vet": (_("开始审核把关"), roles.UF_CADRE),  # R4
    "nomination.rep.check": (_("政治关、廉洁关、形象关审核"), roles.UF_CADRE),  # R4, one per nominee
    "nomination.rep.opinions": (_("征求有关方面意见并报送"), roles.UF_CADRE),  # R5
    "nomination.rep.committee": (_("记录县委审定"), roles.ORG_CADRE),  # R6
    "nomination.rep.adopt": (_("政协常委会协商通过"), roles.UF_CADRE),  # R7 CPPCC
    "nomination.rep.announce": (_("公布"), roles.UF_CADRE),
    "nomination.rep.npc_nominate": (_("作为代表候选人推荐"), roles.UF_CADRE),  # R7 NPC
    "nomination.rep.npc_list": (_("公布候选人名单"), roles.UF_CADRE),
    "nomination.rep.npc_formal": (_("公布正式候选人名单"), roles.UF_CADRE),
    "nomination.rep.npc_results": (_("记录选举结果"), roles.UF_CADRE),
    "nomination.rep.upward": (_("上报州"), roles.UF_CADRE),
    "nomination.rep.upward_result": (_("记录州的结果"), roles.UF_CADRE),
}

STEPS = {**CASE_STEPS, **REP_STEPS}

# The families the worklist's 步骤 column and filter name.
work.register_steps({
    "nomination.motion": _("动议"),
    "nomination.recommendation": _("民主推荐"),
    "nomination.candidate": _("确定考察对象"),
    "nomination.vetting": _("考察"),
    "nomination.decision": _("常委会决定"),
    "nomination.resubmit": _("常委会决定"),
    "nomination.upward": _("上报州委"),
    "nomination.notice": _("任前公示"),
    "nomination.objection": _("任前公示"),
    "nomination.legal": _("依法任命"),
    "nomination.appoint": _("任职"),
    "nomination.probation": _("试用期"),
    "nomination.rep": _("代表人士推荐"),
    # 六个共同: the other department's confirmation (nomination.services.joint opens and closes these).
    "nomination.joint.decision": _("两部共同决定"),
    "nomination.joint.plan": _("培养计划两部商定"),
    "nomination.joint.follow_up": _("年度跟踪考核两部确认"),
})


def _link(case) -> str:
    from .models import NominationCase

    if isinstance(case, NominationCase):
        return reverse("nomination:case", args=[case.pk])
    return reverse("nomination:rep", args=[case.pk])


def open_step(case, code: str, *, target=None, assignee=None, due_item=None, title=None):
    """Put one step of ``case`` (a nomination case or a representative round) in its holder's list."""
    label, role = STEPS[code]
    return work.open_item(case=case, step=code, title=str(title or label), link=_link(case), target=target,
                          assignee=assignee, role=None if assignee is not None else role, due_item=due_item,
                          case_label=str(case))


def close_step(case, code: str, *, actor, target=None, assignee=None) -> int:
    """The step is done: its items leave every list."""
    return work.close_items(target=target if target is not None else case, step=code, actor=actor,
                            assignee=assignee)


def cancel_step(case, code: str, *, target=None) -> int:
    return work.cancel_items(target=target if target is not None else case, step=code)


def cancel_all(case) -> int:
    """The case ended another way: none of its steps is pending any more (the chains' are canceled with them)."""
    return work.cancel_items(case=case)
