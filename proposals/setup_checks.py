"""The proposal side of 系统配置检查: a current term with its members and sessions, and the categories."""

from django.urls import reverse
from django.utils.translation import gettext as _

from workflows import setup_checks
from workflows.setup_checks import Finding

from .models import OutcomeCategory, Term, Topic


@setup_checks.register
def current_term() -> list[Finding]:
    term = Term.objects.filter(is_current=True).first()
    if term is None:
        return [Finding(title=_("尚未设置本届政协"), detail=_("委员提交提案、统计和编号都以本届为准：请添加届次并勾选“本届”。"),
                        link=reverse("admin:proposals_term_changelist"))]
    findings = []
    if not term.members.exists():
        findings.append(Finding(title=_("本届尚无委员名单"),
                                detail=_("没有委员就无人能提交或联名提案：请提案委工作人员逐个添加，或从 Excel 导入委员名单"
                                         "（名单含联系方式，三员不经手）。"),
                                link=reverse("admin:proposals_member_changelist")))
    if not term.sessions.exists():
        findings.append(Finding(title=_("本届尚未设置会次"),
                                detail=_("大会期间提案和界别、小组提案的时间窗口由会次决定：请添加会次及其提案征集日期。"),
                                link=reverse("admin:proposals_term_change", args=[term.pk])))
    return findings


@setup_checks.register
def categories() -> list[Finding]:
    findings = []
    if not Topic.objects.exists():
        findings.append(Finding(title=_("尚未设置提案类别"), detail=_("提案按类别统计和交办：请添加提案类别。"),
                                link=reverse("admin:proposals_topic_changelist"), blocking=False))
    if not OutcomeCategory.objects.filter(is_active=True).exists():
        findings.append(Finding(title=_("尚未设置答复类别"), detail=_("承办单位答复时须选择答复类别（A/B/C 等）。"),
                                link=reverse("admin:proposals_outcomecategory_changelist")))
    return findings
