"""Authentication and session rules an assessor checks: lockout, password profiles and history, the forced first
change, idle and absolute session limits, audited logins with the client address, hostile input, demo modes."""

import datetime

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from tests.factories import UserFactory
from workflows import passwords
from workflows.models import AuditEvent, PasswordHistory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
GOOD = "Tongxin@2026"


def _login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _user(username="clerk1", password=GOOD):
    user = UserFactory(username=username)
    user.set_password(password)
    user.save()
    return user


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one_and_each_attempt_is_audited(client):
    _user()
    for attempt in range(4):
        assert _login(client, "clerk1", f"wrong-{attempt}").status_code == 200
    assert _login(client, "clerk1", "wrong-5").status_code == 429

    response = _login(client, "clerk1", GOOD)

    assert response.status_code == 429
    assert "登录已锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_failed", comment="clerk1").count() >= 5
    assert AuditEvent.objects.filter(action="auth.locked_out").exists()


def test_one_address_trying_many_accounts_is_locked_too(client):
    _user("clerk2")
    for n in range(5):
        _login(client, f"nobody{n}", "wrong")

    assert _login(client, "clerk2", GOOD).status_code == 429


@override_settings(TONGXIN_TRUSTED_PROXIES=1)
def test_login_and_logout_are_audited_with_the_address_the_trusted_proxy_saw(client):
    user = _user("clerk3")

    response = _login(client, "clerk3", GOOD, HTTP_X_FORWARDED_FOR="10.9.8.7, 203.0.113.5", REMOTE_ADDR="127.0.0.1")
    client.post("/accounts/logout/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")

    assert response.status_code == 302
    login = AuditEvent.objects.get(action="auth.login", actor=user)
    assert login.ip_address == "203.0.113.5"  # the client cannot forge the proxy's own entry
    assert AuditEvent.objects.filter(action="auth.logout", actor=user).exists()


@pytest.mark.parametrize("weak", ["tongxin2026", "zzzzzzzzzzzz", "1111111111a", "passwordpassword", "Ab1!"])
def test_the_mlps_profile_refuses_weak_passwords(weak):
    with pytest.raises(ValidationError):
        validate_password(weak, UserFactory(username="policy-user"))


def test_the_mlps_profile_accepts_a_password_of_three_classes():
    validate_password("Qingshan#88", UserFactory(username="policy-user2"))


@override_settings(AUTH_PASSWORD_VALIDATORS=[
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
])
def test_the_nist_profile_checks_length_and_the_common_list_only():
    validate_password("zzzzzzzzzzzq", UserFactory(username="policy-user3"))
    with pytest.raises(ValidationError):
        validate_password("password", UserFactory(username="policy-user4"))


def test_the_last_five_passwords_cannot_be_reused():
    user = _user("clerk4", "Qingshan#01")
    for n in range(2, 6):
        user.set_password(f"Qingshan#0{n}")
        user.save()

    with pytest.raises(ValidationError, match="最近 5 次"):
        validate_password("Qingshan#01", user)
    assert PasswordHistory.objects.filter(user=user).count() == 5


def test_an_account_whose_password_an_administrator_set_must_change_it_before_anything_else(client):
    user = UserFactory(username="newcomer")
    user.set_password("Initial#2026")
    user.save()
    passwords.require_change(user)  # as the account admin and the account import do
    client.force_login(user)

    assert client.get("/inbox/")["Location"] == "/accounts/password/"
    response = client.post("/accounts/password/", {"old_password": "Initial#2026", "new_password1": "Yangguang#77",
                                                   "new_password2": "Yangguang#77"})

    assert response.status_code == 302
    assert client.get("/inbox/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=user).exists()


def test_a_password_older_than_90_days_must_be_changed(client, time_machine):
    user = _user("clerk5")
    client.force_login(user)
    assert client.get("/inbox/").status_code == 200

    time_machine.move_to(timezone.now() + datetime.timedelta(days=91))
    client.force_login(user)

    assert client.get("/inbox/")["Location"] == "/accounts/password/"


def test_an_idle_session_ends_after_30_minutes_and_the_cookie_not_outlive_the_browser(client, time_machine):
    user = _user("clerk6")
    _login(client, "clerk6", GOOD)
    assert client.session.get_expiry_age() == 30 * 60
    assert client.session.get_expire_at_browser_close() is True

    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=31))

    assert client.get("/inbox/").status_code == 302
    assert "_auth_user_id" not in client.session or int(client.session["_auth_user_id"]) != user.pk


def test_an_active_session_still_ends_12_hours_after_login(client, time_machine):
    _user("clerk7")
    _login(client, "clerk7", GOOD)
    start = timezone.now()
    for minutes in range(20, 12 * 60, 20):  # active every 20 minutes
        time_machine.move_to(start + datetime.timedelta(minutes=minutes))
        assert client.get("/inbox/").status_code == 200

    time_machine.move_to(start + datetime.timedelta(hours=12, minutes=5))

    assert client.get("/inbox/")["Location"].startswith("/accounts/login/")
    assert AuditEvent.objects.filter(action="auth.session_expired").count() == 1


@pytest.mark.parametrize("url", ["/public/replies/?q=%00", "/inbox/?step=a%00b", "/nowhere/%00/"])
def test_a_nul_byte_anywhere_in_a_request_is_a_400_in_chinese_not_a_500(client, url):
    client.force_login(_user("clerk8"))

    response = client.get(url)

    assert response.status_code == 400
    assert "不允许的控制字符" in response.content.decode()


def test_a_nul_byte_in_a_posted_field_is_a_400(client):
    client.force_login(_user("clerk9"))

    assert client.post("/accounts/password/", {"old_password": "a\x00b"}).status_code == 400


def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo")
