"""Timeline labels of the actions written by ``nomination.services``."""

from django.utils.translation import gettext_lazy as _

from workflows.audit import ACTION_LABELS

ACTION_LABELS.update(
    {
        "person.created": _("录入人员信息"),
        "person.edited": _("修改人员信息"),
        "person.imported": _("从 Excel 导入人员信息"),
        "person.import_updated": _("从 Excel 导入更新人员信息"),
        "person.sensitive_viewed": _("查看敏感信息"),
        "person.sensitive_exported": _("导出敏感信息"),
        "person.record_added": _("添加履历记录"),
        "pool.recommended": _("推荐入库"),
        "pool.assessment_started": _("开始综合评价"),
        "pool.assessed": _("完成综合评价"),
        "pool.confirmed": _("部门会商确认"),
        "pool.entered": _("两部确认，入库"),
        "pool.declined": _("不予入库"),
        "pool.used": _("已使用（任职）"),
        "pool.removed": _("出库"),
        "pool.reviewed": _("年度复核"),
        "people.exported": _("导出人员名单"),
        "people.rehashed": _("重新计算身份证号摘要"),
        "roster.term_opened": _("换届：新一届名册"),
        "roster.term_closed": _("换届：本届转为历史"),
        "roster.imported": _("导入代表委员名册"),
        "staffing.saved": _("保存职数配备"),
        "staffing.confirmed": _("部门确认职数配备"),
    }
)
