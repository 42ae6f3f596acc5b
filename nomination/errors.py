"""Error codes of the nomination services, with their Chinese messages."""

from django.utils.translation import gettext_lazy as _

from workflows.errors import MESSAGES

MESSAGES.update(
    {
        "invalid_id_number": _("身份证号有误：%(error)s"),
        "duplicate_id_number": _("身份证号与已有人员“%(name)s”重复，请勿重复录入。"),
        "duplicate_id_number_hidden": _("该身份证号的人员已在统战部掌握的人员信息中，请与统战部干部科联系。"),
        "cpc_member": _("中共党员不列入党外人士信息库。"),
        "invalid_choice": _("“%(field)s”的取值“%(value)s”无效。"),
        "incomplete": _("请填写完整：%(fields)s。"),
        "not_recommendable": _("该人员正在推荐、考察或已在库，不能重复推荐。"),
        "unit_required": _("请选择推荐单位。"),
        "unit_not_yours": _("只能以本单位名义推荐。"),
        "reason_required": _("请填写理由。"),
        "post_required": _("请填写任职单位和职务。"),
        "removal_note_required": _("出库原因为“其他”时请填写说明。"),
        "no_department": _("您不代表组织部或统战部，不能进行会商确认。"),
        "two_departments": _("同一账号不能同时代表组织部和统战部确认，请由两个部门分别确认。"),
        "already_confirmed": _("%(department)s已确认，需等待另一部门确认。"),
        "review_exists": _("%(year)s 年度的复核已经记录。"),
        "dates_reversed": _("截止时间不能早于起始时间。"),
        "numbers_invalid": _("应配、已配职数须为不小于 0 的整数。"),
        "team_exists": _("%(year)s 年度已有“%(team)s”的配备表。"),
        "term_exists": _("该名册已有第 %(number)s 届。"),
        "term_not_newer": _("新一届的届次须大于本届（第 %(number)s 届）。"),
        "import_invalid": _("文件中有 %(count)s 处错误，未导入任何数据，请修改后重新上传。"),
        "import_not_xlsx": _("请上传 Excel 文件（.xlsx）。"),
        "import_empty": _("文件中没有数据行。"),
        "import_too_many": _("一次最多导入 %(limit)s 行。"),
        "import_headers": _("表头与模板不一致，缺少列：%(columns)s。请下载模板后填写。"),
    }
)
