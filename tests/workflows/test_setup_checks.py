"""系统配置检查: an empty installation lists what is missing, each item with where to fix it; done items vanish."""

import datetime

import pytest

from tests.factories import UnitFactory, UnitMembershipFactory, UserFactory
from workflows import setup_checks
from workflows.models import CalendarYear, UnitMembership

pytestmark = pytest.mark.django_db


def _titles(findings):
    return [f.title for f in findings]


def test_next_years_holidays_are_asked_for_from_the_first_of_november():
    # the packaged calendar (seeded at migrate) knows 2026, not 2027
    assert CalendarYear.objects.filter(year=2026, region="").exists()
    assert not CalendarYear.objects.filter(year=2027).exists()

    assert setup_checks.calendar_years(datetime.date(2026, 10, 31)) == []
    findings = setup_checks.calendar_years(datetime.date(2026, 11, 1))

    assert _titles(findings) == ["2027 年节假日安排尚未录入"]
    assert findings[0].link == "/admin/workflows/calendaryear/"


def test_a_handling_unit_without_clerk_or_leader_is_named_with_a_link_to_it():
    unit = UnitFactory(name="县水利局")
    UnitMembershipFactory(unit=unit, role=UnitMembership.Role.HANDLER)

    findings = setup_checks.handling_units()

    assert _titles(findings) == ["县水利局 缺少分管领导"]
    assert findings[0].link == f"/admin/workflows/unit/{unit.pk}/change/"
    UnitMembershipFactory(unit=unit, role=UnitMembership.Role.LEADER)
    assert setup_checks.handling_units() == []


def test_no_handling_unit_at_all_is_a_finding():
    assert _titles(setup_checks.handling_units()) == ["尚未设置承办单位"]


def test_mail_and_sms_not_configured_are_warnings_not_blockers(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.TONGXIN_SMS_BACKEND = "notifications.sms.LoggingBackend"

    findings = setup_checks.delivery_channels()

    assert _titles(findings) == ["尚未配置邮件发送", "尚未配置短信网关"]
    assert not any(f.blocking for f in findings)


def test_the_page_lists_the_findings_for_administrators_only(client):
    admin = UserFactory(username="setup-admin", is_staff=True, roles=["sys_admin"])
    clerk = UserFactory(username="setup-clerk", is_staff=True)  # staff without the system administrator's role
    client.force_login(clerk)
    assert client.get("/setup/check/").status_code == 404
    client.force_login(admin)

    page = client.get("/setup/check/").content.decode()

    assert "尚未设置承办单位" in page and 'href="/admin/workflows/unit/"' in page

