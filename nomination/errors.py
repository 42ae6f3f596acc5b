"""Error codes of the nomination services, with their Chinese messages."""

from django.utils.translation import gettext_lazy as _

from workflows.errors import PermissionDeniedError, ServiceError, StaleStateError, register

MESSAGES = register(
    "nomination",
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
        "posts_count_invalid": _("职数至少为 1。"),
        "legal_body_required": _("须经依法选举或任命的职务，请选择任命/选举机关。"),
        "candidate_unknown": _("参考人选中有不存在的人员。"),
        "stance_required": _("请选择统战部意见。"),
        "opinion_required": _("请填写统战部书面意见；没有意见内容不能签发。"),
        "purpose_required": _("请填写查阅目的；查看完整敏感信息须说明用途并记录日志。"),
        "draft_required": _("拟稿环节须先拟写统战部意见稿（填写意见内容），不能仅点“同意”。"),
        "alternatives_required": _("建议另行考虑人选时，请填写建议人选。"),
        "ufwd_opinion_missing": _("统战部对动议的书面意见尚未签发，不能确定动议。"),
        "date_required": _("请填写日期。"),
        "meeting_required": _("请填写会议名称。"),
        "not_competitive": _("民主推荐须差额进行：参考人选（%(candidates)s 人）须多于职数（%(posts)s 个），请在动议方案中增加参考人选。"),
        "categories_required": _("请选择参加推荐的人员类别。"),
        "heads_required": _("推荐人大常委会、政府、政协领导成员人选，应当有%(missing)s参加。"),
        "participants_required": _("请填写参加推荐的人数。"),
        "votes_required": _("请填写%(name)s的得票数。"),
        "votes_exceed": _("%(name)s的得票数不能多于参加人数。"),
        "nominee_not_candidate": _("考察对象须从参考人选中确定。"),
        "party_unit_required": _("考察对象是%(party)s成员，请选择其所在党派组织，以便征求党派组织意见。"),
        "team_member_department": _("%(name)s不属于组织部或统战部（或同时属于两个部门），不能列入考察组。"),
        "team_needs_both": _("考察组须由组织部和统战部人员共同组成，每个部门至少一人。"),
        "leader_not_member": _("组长须是考察组成员。"),
        "report_required": _("请填写考察材料。"),
        "uf_opinion_required": _("请填写统战部成员的考察意见。"),
        "uf_member_only": _("只有考察组中的统战部成员可以填写统战部意见。"),
        "summary_required": _("请填写说明。"),
        "package_needs_both": _("上会材料须由组织部部长和统战部部长分别会签，一个部门不能单独完成会签。"),
        "decision_required": _("请选择常委会决定。"),
        "minutes_required": _("请填写会议纪要编号。"),
        "reference_required": _("请填写文号。"),
        "outcome_required": _("请填写州委决定。"),
        "notice_before_decision": _("公示不能早于常委会决定日期。"),
        "notice_in_past": _("任前公示不能早于录入当天（%(today)s）开始，请重新选择开始日期。"),
        "notice_too_short": _("任前公示不少于 %(minimum)s 个工作日：所选期间只有 %(days)s 个工作日，截止日期最早为 %(earliest)s。"),
        "channel_required": _("请填写公示渠道。"),
        "source_required": _("请填写反映方式。"),
        "affects_required": _("请选择核查结论是否影响任用。"),
        "finding_required": _("请填写核查结果。"),
        "notice_not_ended": _("公示期至 %(end)s 届满，届满后才能确定公示结果。"),
        "objections_unverified": _("还有公示期间反映的问题未核查，核查后才能继续或终止。"),
        "objection_blocks": _("有反映问题经核查影响任用，不能继续任用，只能终止。"),
        "legal_result_required": _("请选择选举或任命结果。"),
        "note_required": _("请填写会议及结果。"),
        "probation_not_ended": _("试用期至 %(end)s 届满，届满后才能考核。"),
        "probation_result_required": _("请选择考核结论。"),
        "incomplete_term": _("请填写届次。"),
        "quota_required": _("请填写名额与结构方案。"),
        "already_nominated": _("%(name)s已在本次推荐名单中。"),
        "sector_required": _("请填写界别或选区。"),
        "no_nominees": _("还没有列入名单的推荐人选。"),
        "consultation_missing": _("推荐人选中有民主党派成员或非公有制经济人士，须先与%(who)s协商。"),
        "not_adopted": _("政协常委会协商通过须经全体常务委员过半数同意：%(votes)s / %(total)s 未过半数。"),
        "list_too_late": _("候选人名单须于选举日（%(election)s）%(days)s 日以前公布，最晚 %(last)s。"),
    }
)


class NominationError(ServiceError):
    namespace = "nomination"


class NominationStaleError(StaleStateError):
    """Someone acted first, told in the nomination table's words (e.g. the other department already confirmed)."""

    namespace = "nomination"


class NominationPermissionError(PermissionDeniedError):
    namespace = "nomination"
