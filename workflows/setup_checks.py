"""系统配置检查: what a county must still set up before going live, each finding with a link to where it is fixed.

Each app registers its own checks (``register``); the engine checks the calendar, the units and the delivery
channels. A check returns findings; an empty list means that part is ready.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CalendarYear, Unit, UnitMembership


@dataclass(frozen=True)
class Finding:
    title: str
    detail: str
    link: str
    blocking: bool = True  # False: a warning that go-live can live with


CHECKS: list[Callable[[], list[Finding]]] = []


def register(check: Callable[[], list[Finding]]) -> Callable[[], list[Finding]]:
    CHECKS.append(check)
    return check


def run() -> list[Finding]:
    findings = []
    for check in CHECKS:
        findings.extend(check())
    return findings


def next_year_due(today: date | None = None) -> bool:
    """From 1 November, next year's holidays are due (the State Council publishes them in the autumn)."""
    today = today or timezone.localdate()
    return today.month >= 11


@register
def calendar_years(today: date | None = None) -> list[Finding]:
    today = today or timezone.localdate()
    known = set(CalendarYear.objects.filter(region="").values_list("year", flat=True))
    wanted = [today.year] + ([today.year + 1] if next_year_due(today) else [])
    link = reverse("admin:workflows_calendaryear_changelist")
    return [
        Finding(
            title=_("%(year)s 年节假日安排尚未录入") % {"year": year},
            detail=_("涉及该年的期限暂按周一至周五计算并标为“暂定”。国务院办公厅每年秋季公布次年安排：在“节假日与调休”中"
                     "逐日录入节假日和调休工作日，再添加“日历年份” %(year)s，暂定期限会自动重算。") % {"year": year},
            link=link,
        )
        for year in wanted if year not in known
    ]


@register
def handling_units() -> list[Finding]:
    link = reverse("admin:workflows_unit_changelist")
    units = (
        Unit.objects.filter(kind=Unit.Kind.HANDLING, is_active=True)
        .annotate(
            handlers=Count("memberships", filter=Q(memberships__role=UnitMembership.Role.HANDLER,
                                                   memberships__user__is_active=True)),
            leaders=Count("memberships", filter=Q(memberships__role=UnitMembership.Role.LEADER,
                                                  memberships__user__is_active=True)),
        )
        .order_by("name")
    )
    findings = []
    if not units:
        findings.append(Finding(title=_("尚未设置承办单位"), detail=_("交办提案前须先添加承办单位及其经办人、分管领导。"),
                                link=link))
    for unit in units:
        missing = [label for label, count in ((_("经办人"), unit.handlers), (_("分管领导"), unit.leaders)) if not count]
        if missing:
            findings.append(Finding(
                title=_("%(unit)s 缺少%(roles)s") % {"unit": unit.name, "roles": "、".join(missing)},
                detail=_("没有经办人，交办的提案无人签收；没有分管领导，答复无人签发，逾期也无人督办。"),
                link=reverse("admin:workflows_unit_change", args=[unit.pk]),
            ))
    return findings


@register
def delivery_channels() -> list[Finding]:
    findings = []
    if settings.EMAIL_BACKEND.endswith(("console.EmailBackend", "locmem.EmailBackend", "dummy.EmailBackend")) or (
        settings.EMAIL_BACKEND.endswith("smtp.EmailBackend") and settings.EMAIL_HOST in ("", "localhost")
    ):
        findings.append(Finding(
            title=_("尚未配置邮件发送"),
            detail=_("提醒和督办只出现在站内消息中。请在环境变量中设置 EMAIL_HOST 等邮件参数（见 .env.example）。"),
            link="", blocking=False,
        ))
    if settings.TONGXIN_SMS_BACKEND.endswith("LoggingBackend"):
        findings.append(Finding(
            title=_("尚未配置短信网关"),
            detail=_("短信只写入日志，不会发出。如需短信提醒，请设置 TONGXIN_SMS_BACKEND（见 .env.example）。"),
            link="", blocking=False,
        ))
    return findings
