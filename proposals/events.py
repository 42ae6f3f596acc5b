"""Timeline labels of the proposal actions written by ``proposals.services``."""

from django.utils.translation import gettext_lazy as _

from workflows.audit import ACTION_LABELS

ACTION_LABELS.update(
    {
        "proposal.drafted": _("起草提案"),
        "proposal.edited": _("修改提案"),
        "proposal.cosigning_opened": _("发起联名"),
        "proposal.cosign_confirmed": _("确认联名"),
        "proposal.cosign_declined": _("谢绝联名"),
        "proposal.cosigners_dropped": _("逾期未确认的联名人已移除"),
        "proposal.submitted": _("提交提案"),
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
        "access_denied": _("拒绝访问"),
    }
)
