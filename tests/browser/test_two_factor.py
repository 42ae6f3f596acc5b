"""In Chromium: an administrator enrols a second factor by typing the secret the page shows into an "authenticator"
(the test computes the code), keeps the recovery codes, signs out, and signs in again with password and code; and
the idle warning appears before the session's end, keeps it with 继续, and sends the page to the login page at the
end (the page's clock fast-forwarded, the server's left alone)."""

import re
import time
from base64 import b32decode

import pytest
from django.contrib.auth.models import Group
from django_otp.oath import hotp, totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, PASSWORD, VIEWPORTS
from tests.factories import UserFactory
from workflows.models import AuditEvent

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]


@pytest.fixture
def open_page(chromium, live_site):
    contexts = []

    def open_page():
        context = chromium.new_context(base_url=live_site, locale="zh-CN", timezone_id="Asia/Shanghai",
                                       **VIEWPORTS["desktop"])
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form [type=submit]").click()
    expect(page.locator("input[name=password]")).to_have_count(0)


def next_code(key: bytes, device: TOTPDevice) -> str:
    """The authenticator's code for the first time step the device still accepts (a code is good once)."""
    device.refresh_from_db()
    now_step = int(time.time()) // device.step + device.drift
    return f"{hotp(key, max(device.last_t + 1, now_step)):06d}"


def test_an_administrator_enrols_keeps_the_recovery_codes_and_signs_in_with_a_code(open_page, settings, screenshots):
    settings.TONGXIN_2FA_REQUIRED = True
    Group.objects.get_or_create(name="sec_admin")
    user = UserFactory(username="anquan", first_name="安全管理员", is_staff=True, roles=["sec_admin"])
    user.set_password(PASSWORD)
    user.save()
    page = open_page()

    # the password alone leads to the enrolment page, and nowhere else
    sign_in(page, "anquan")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/setup/"))
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/setup/"))
    expect(page.get_by_test_id("2fa-qr").locator("svg")).to_be_visible()
    screenshots(page, "setup")

    # typing the secret into an authenticator and confirming with its code
    secret = page.get_by_test_id("2fa-secret").inner_text().replace(" ", "")
    key = b32decode(secret)
    page.fill("input[name=code]", f"{totp(key):06d}")
    page.get_by_role("button", name="确认绑定").click()

    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    screenshots(page, "recovery-codes")
    page.get_by_test_id("codes-done").click()
    page.goto("/admin/")
    expect(page.locator("#site-name")).to_be_visible()

    # signing out and in again asks for the code
    page.goto("/")
    page.get_by_role("button", name="退出").click()
    sign_in(page, "anquan")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/verify/"))
    page.fill("input[name=code]", next_code(key, TOTPDevice.objects.get(user=user)))
    page.get_by_role("button", name="验证").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/2fa/"))
    page.goto("/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    assert AuditEvent.objects.filter(action="auth.2fa_enrolled", actor=user).count() == 1
    assert AuditEvent.objects.filter(action="auth.2fa_verified", actor=user).count() == 1


def test_the_idle_warning_keeps_the_session_with_continue_and_leaves_for_the_login_page_at_the_end(open_page):
    user = UserFactory(username="weiyuan", first_name="委员")
    user.set_password(PASSWORD)
    user.save()
    page = open_page()
    page.clock.install()
    sign_in(page, "weiyuan")
    page.goto("/inbox/")
    warning = page.get_by_test_id("idle-warning")
    expect(warning).to_have_count(0)

    # two minutes before the 30-minute limit the warning shows
    page.clock.run_for("28:05")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("登录即将失效")

    # 继续 keeps the session on the server and hides the warning
    with page.expect_response("**/accounts/session/extend/") as extended:
        page.get_by_test_id("idle-continue").click()
    assert extended.value.status == 200
    expect(warning).to_be_hidden()

    # without 继续 the page leaves for the login page at the limit
    page.clock.run_for("30:05")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Finbox%2F"))
