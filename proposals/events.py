"""Timeline labels of the proposal actions written by ``proposals.services``."""

from django.utils.translation import gettext_lazy as _

from workflows import work
from workflows.audit import ACTION_LABELS

ACTION_LABELS.update(
    {
        "proposal.drafted": _("起草提案"),
        "proposal.imported": _("导入往年提案"),
        "proposal.edited": _("修改提案"),
        "proposal.cosigning_opened": _("发起联名"),
        "proposal.cosign_confirmed": _("确认联名"),
        "proposal.cosign_declined": _("谢绝联名"),
        "proposal.cosigners_dropped": _("逾期未确认的联名人已移除"),
        "proposal.submitted": _("提交提案"),
        "proposal.cosigning_closed": _("联名确认结束，提交审查"),
        "proposal.resubmitted": _("修改后重新提交"),
        "proposal.withdrawn": _("撤案"),
        "proposal.attachment_added": _("上传附件"),
        "proposal.attachment_removed": _("删除附件"),
        "proposal.accepted": _("立案"),
        "proposal.not_accepted": _("不予立案"),
        "proposal.merged": _("并案"),
        "proposal.merged_in": _("并入其他提案"),
        "proposal.returned": _("退回修改"),
        "proposal.assigned": _("交办"),
        "proposal.in_handling": _("各承办单位均已签收，进入办理"),
        "assignment.received": _("承办单位签收"),
        "assignment.adjustment_requested": _("承办单位申请调整"),
        "assignment.reassigned": _("同意调整并改派"),
        "assignment.adjustment_refused": _("不同意调整"),
        "proposal.recalled": _("撤回为草稿"),
        "assignment.contact_logged": _("与提案者沟通"),
        "assignment.co_opinion": _("会办单位提交会办意见"),
        "assignment.extension_requested": _("申请延期"),
        "assignment.extension_approved": _("同意延期"),
        "assignment.extension_refused": _("不同意延期"),
        "reply.drafted": _("答复函拟稿"),
        "reply.edited": _("修改答复函"),
        "reply.submitted": _("答复函送会签签发"),
        "reply.category_changed": _("督办部门调整答复分类"),
        "reply.issued": _("答复函发出"),
        "proposal.replied": _("全部答复完毕，待评价"),
        "proposal.evaluated": _("提案者评价"),
        "proposal.evaluation_expired": _("评价期满"),
        "proposal.evaluation_closed": _("评价结束"),
        "proposal.rehandling": _("不满意，重新办理"),
        "proposal.concluded": _("办结"),
        "proposal.key_proposed": _("拟列为重点提案"),
        "proposal.key_decided": _("主席会议决定重点提案"),
        "record.face_meeting": _("面对面沟通"),
        "record.visit": _("督办视察"),
        "record.forum": _("督办座谈"),
        "record.report": _("督办报告"),
        "record.follow_up": _("回头看"),
        "access_denied": _("拒绝访问"),
    }
)

# The families of the proposal's work items, as the worklist's 步骤 column and filter name them.
work.register_steps({
    "proposals.cosign": _("联名确认"),
    "proposals.revise": _("修改后重新提交"),
    "proposals.assign": _("交办"),
    "proposals.assignment": _("承办"),
    "proposals.adjustment": _("申请调整"),
    "proposals.extension": _("延期申请"),
    "proposals.evaluate": _("评价"),
    "proposals.face_meeting": _("面商"),
    "proposals.conclude": _("办结"),
    "proposals.key": _("重点提案"),
})
