"""Timeline labels of the engine's own actions (chains, delegation, hand-over)."""

from django.utils.translation import gettext_lazy as _

from .audit import ACTION_LABELS

ACTION_LABELS.update(
    {
        "chain.started": _("开始审批流转"),
        "chain.approve": _("同意"),
        "chain.reject": _("不同意"),
        # A decision stage's record: the outcome's label (立案, 不予立案 …) is the row's to_state, never 同意.
        "chain.decided": _("作出决定"),
        "chain.return_applicant": _("退回申请人"),
        "chain.return_stage": _("退回到之前环节"),
        "chain.auto_return": _("逾期自动退回"),
        "chain.auto_approve": _("逾期自动同意"),
        "chain.transfer": _("转交"),
        "chain.add_signer": _("加签"),
        "chain.remove_signer": _("减签"),
        "chain.cc": _("抄送"),
        "chain.stage_passed": _("环节通过"),
        "chain.stage_skipped": _("按规则跳过环节"),
        "chain.approved": _("审批通过"),
        "chain.rejected": _("审批未通过"),
        "chain.returned": _("已退回申请人"),
        "chain.withdrawn": _("申请人撤回"),
        "chain.canceled": _("流转取消"),
        "chain.migrated": _("迁移到新版本流程"),
        "chain.handover": _("工作交接"),
        "definition.drafted": _("创建流程草稿"),
        "definition.published": _("发布流程版本"),
        "user.delegated": _("设置委托"),
        "user.delegation_ended": _("结束委托"),
        "user.handed_over": _("工作交接并停用账号"),
        "admin.added": _("后台新增"),
        "admin.changed": _("后台修改"),
        "admin.deleted": _("后台删除"),
        "admin.password_changed": _("后台重设密码"),
        "setup.imported": _("从 Excel 导入新增"),
        "setup.import_updated": _("从 Excel 导入更新"),
        "setup.import_applied": _("完成 Excel 导入"),
    }
)
