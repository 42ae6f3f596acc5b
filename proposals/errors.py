"""Error codes of the proposal services, with their Chinese messages."""

from django.utils.translation import gettext_lazy as _

from workflows.errors import MESSAGES

MESSAGES.update(
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
        "attachment_type": _("附件“%(name)s”的类型不允许，仅支持 PDF、Word、Excel、JPEG、PNG。"),
        "attachment_size": _("附件“%(name)s”超过大小上限（%(limit)s MB）。"),
        "attachment_count": _("每件提案最多上传 %(limit)s 个附件。"),
    }
)
