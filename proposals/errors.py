"""Error codes of the proposal services, with their Chinese messages."""

from django.utils.translation import gettext_lazy as _

from workflows.errors import ServiceError, register

MESSAGES = register(
    "proposals",
    {
        "not_eligible": _("%(name)s 不是本届政协委员，不能提出或联名提案。"),
        "no_current_term": _("尚未设置本届政协，请联系管理员。"),
        "incomplete": _("请填写完整：%(fields)s。"),
        "secret_not_confirmed": _("请确认提案内容不涉及国家秘密。"),
        "joint_needs_cosigners": _("联名提案至少需要一位联名委员。"),
        "cosigner_is_proposer": _("第一提案人不能同时作为联名人。"),
        "collective_needs_organisation": _("集体提案须填写提案单位和联系人。"),
        "plenary_only": _("界别提案和委员小组提案只能在全体会议期间提出。"),
        "not_editable": _("提案已提交，不能修改；如需修改请等待退回。"),
        "not_withdrawable": _("提案已交办，不能撤案。"),
        "ground_required": _("不予立案须选择理由。"),
        "disposition_required": _("请选择不予立案后的处置方式。"),
        "consent_required": _("转送前须征得提案者同意，请记录提案者意见。"),
        "comment_required": _("请填写意见。"),
        "master_invalid": _("只能并入本届已立案的其他提案。"),
        "units_required": _("请选择承办单位。"),
        "lead_required": _("主办加会办须指定一个主办单位和至少一个会办单位。"),
        "separate_required": _("分办至少需要两个承办单位。"),
        "sole_one_unit": _("独办只能指定一个承办单位。"),
        "unit_twice": _("同一单位不能重复指定。"),
        "adjustment_window_closed": _("已超过申请调整期限（%(due)s），请先签收或联系督查室。"),
        "reason_required": _("请填写理由。"),
        "new_unit_required": _("同意调整须指定新的承办单位。"),
        "future_date": _("日期不能晚于今天。"),
        "extension_not_later": _("延期日期须晚于当前办理期限（%(due)s）。"),
        "extension_too_long": _("延期后的期限不得超过 %(limit)s（办理期限最长为交办后规定的月数）。"),
        "extension_pending": _("已有待审批的延期申请。"),
        "publicity_reason_required": _("不公开的答复须填写理由。"),
        "summary_required": _("摘要公开的答复须填写公开摘要。"),
        "reply_in_review": _("答复函已送会签审核，不能修改；如需修改请等待退回。"),
        "co_opinions_missing": _("以下会办单位尚未提交会办意见：%(units)s。"),
        "rating_required": _("请对办理工作和办理结果分别作出评价。"),
        "dissatisfied_needs_reason": _("选择“不满意”时请写明理由和建议。"),
        "face_meeting_required": _("第二次评价不满意，须先记录面对面沟通情况再办结。"),
        "not_key_candidate": _("只有已立案、尚未办结的提案可以列为重点提案。"),
        "supervisor_required": _("请指定督办领导。"),
        "attachment_type": _("附件“%(name)s”的类型不允许，仅支持 PDF、Word、Excel、JPEG、PNG。"),
        "attachment_size": _("附件“%(name)s”超过大小上限（%(limit)s MB）。"),
        "attachment_count": _("每件提案最多上传 %(limit)s 个附件。"),
    }
)


class ProposalError(ServiceError):
    namespace = "proposals"
