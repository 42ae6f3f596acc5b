"""The second factor: who must enrol and what they can reach before, enrolment with a real TOTP code, the code after
the password, wrong codes counted, audited and throttled, one-time recovery codes, the security administrator's
audited reset, optional users left alone; and the idle warning's endpoint that keeps a session."""

import datetime
import re
from base64 import b32decode

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from workflows import two_factor
from workflows.errors import PermissionDeniedError
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
GOOD = "Tongxin@2026"
SETUP, VERIFY = "/accounts/2fa/setup/", "/accounts/2fa/verify/"


@pytest.fixture(autouse=True)
def required(settings):
    """Production's default (the test environment turns it off for the rest of the suite)."""
    settings.TONGXIN_2FA_REQUIRED = True


@pytest.fixture
def clock(time_machine):
    """A frozen clock moved by hand: TOTP steps, throttling delays and idle limits without waiting."""
    now = [timezone.now().replace(microsecond=0)]
    time_machine.move_to(now[0], tick=False)

    def advance(seconds):
        now[0] += datetime.timedelta(seconds=seconds)
        time_machine.move_to(now[0], tick=False)

    return advance


def _user(username, roles=(), **fields):
    for code in roles:
        Group.objects.get_or_create(name=code)
    user = UserFactory(username=username, roles=roles, **fields)
    user.set_password(GOOD)
    user.save()
    return user


def _login(client, username):
    response = client.post(LOGIN, {"username": username, "password": GOOD})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def _code(key: bytes, device=None) -> str:
    """What an authenticator app shows now for ``key``."""
    return f"{totp(key, drift=device.drift if device else 0):06d}"


def _enrolled(user):
    """A confirmed device with its recovery codes, as an enrolment leaves them."""
    device = TOTPDevice.objects.create(user=user, name=two_factor.DEVICE_NAME, confirmed=True)
    codes = two_factor._new_recovery_codes(user)
    return device, codes


def _verified_client(client, user, clock):
    device, _codes = _enrolled(user)
    _login(client, user.username)
    assert client.post(VERIFY, {"code": _code(device.bin_key)}).status_code == 302
    clock(30)  # the next code is a new time step
    return device


# --- who must ---------------------------------------------------------------------------------------------------


def test_the_rule_names_administrators_and_both_departments_roles():
    assert {"sys_admin", "sec_admin", "audit_admin", "org_cadre", "org_leader", "uf_cadre",
            "uf_leader"} <= two_factor.REQUIRED_ROLES
    assert two_factor.required_for(_user("staff1", is_staff=True)) is True
    assert two_factor.required_for(_user("cadre1", roles=["uf_cadre"])) is True
    assert two_factor.required_for(_user("member1", roles=["party_org"])) is False


@pytest.mark.parametrize("kind", ["staff", "superuser", "sys_admin", "sec_admin", "audit_admin", "org_cadre",
                                  "org_leader", "uf_cadre", "uf_leader"])
def test_required_roles_reach_neither_the_inbox_nor_admin_before_enrolling(client, kind):
    if kind == "staff":
        _user("who", is_staff=True)
    elif kind == "superuser":
        _user("who", is_staff=True, is_superuser=True)
    else:
        _user("who", roles=[kind])
    _login(client, "who")

    refused = 0
    for url in ("/inbox/", "/admin/", "/admin/auth/user/", "/queue/", "/accounts/2fa/", "/nomination/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(SETUP), url
        refused += 1

    assert refused == 6
    assert client.get(SETUP).status_code == 200
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_with_the_setting_off_nobody_must_enrol(client, settings):
    settings.TONGXIN_2FA_REQUIRED = False
    _user("boss", is_staff=True, is_superuser=True)
    _login(client, "boss")

    assert client.get("/inbox/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_optional_users_are_unaffected_and_may_enrol_from_their_account_page(client):
    _user("member", roles=["party_org"])
    _login(client, "member")

    assert client.get("/inbox/").status_code == 200
    page = client.get("/accounts/2fa/").content.decode()
    assert "未启用" in page and SETUP in page
    assert "两步验证" in client.get("/inbox/").content.decode()  # the link in the top bar


# --- enrolment and verification ----------------------------------------------------------------------------------


def test_an_administrator_enrols_with_a_real_code_sees_ten_codes_once_and_verifies_at_the_next_login(client, clock):
    admin = _user("sec1", roles=["sec_admin"], is_staff=True)
    _login(client, "sec1")
    assert client.get("/inbox/")["Location"] == f"{SETUP}?next=%2Finbox%2F"

    # given the secret as the page shows it, typed into an authenticator
    page = client.get(f"{SETUP}?next=/inbox/").content.decode()
    assert "<svg" in page
    secret = re.search(r'data-testid="2fa-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    key = b32decode(secret)

    # when the code it shows confirms the device
    response = client.post(SETUP, {"code": _code(key), "next": "/inbox/"})

    # then ten recovery codes are shown, once, and the session is verified
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/recovery-codes/")
    codes_page = client.get(response["Location"]).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", codes_page)
    assert len(codes) == 10
    assert sorted(codes) == sorted(StaticToken.objects.filter(device__user=admin).values_list("token", flat=True))
    assert client.get("/accounts/2fa/recovery-codes/")["Location"] == "/accounts/2fa/"
    assert client.get("/inbox/").status_code == 200
    assert client.get("/admin/").status_code == 200
    enrolled = AuditEvent.objects.get(action="auth.2fa_enrolled", actor=admin)
    assert enrolled.ip_address == "127.0.0.1"

    # when they sign in again, the password alone is not enough
    client.post("/accounts/logout/")
    clock(30)
    _login(client, "sec1")
    assert client.get("/admin/")["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    assert client.get("/inbox/")["Location"].startswith(VERIFY)
    response = client.post(VERIFY, {"code": _code(key, TOTPDevice.objects.get(user=admin)), "next": "/admin/"})

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.2fa_verified", actor=admin, ip_address="127.0.0.1").count() == 1


def test_a_code_is_accepted_once(client, clock):
    user = _user("cadre2", roles=["org_cadre"])
    device, _codes = _enrolled(user)
    _login(client, "cadre2")
    code = _code(device.bin_key)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post("/accounts/logout/")
    clock(2)
    _login(client, "cadre2")

    response = client.post(VERIFY, {"code": code})

    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()


def test_a_device_holder_cannot_enrol_another_device_before_verifying(client):
    user = _user("cadre3", roles=["uf_cadre"])
    _enrolled(user)
    _login(client, "cadre3")

    assert client.get(SETUP)["Location"].startswith(VERIFY)
    assert client.post(SETUP, {"code": "123456"})["Location"].startswith(VERIFY)
    assert client.get("/accounts/password/")["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_a_new_administrator_changes_the_set_password_then_enrols_and_a_device_holder_verifies_first(client, clock):
    from workflows import passwords

    newcomer = _user("sys2", roles=["sys_admin"], is_staff=True)
    passwords.require_change(newcomer)
    _login(client, "sys2")
    assert client.get("/inbox/")["Location"] == "/accounts/password/"
    assert client.get("/accounts/password/").status_code == 200
    client.post("/accounts/password/", {"old_password": GOOD, "new_password1": "Yangguang#77",
                                        "new_password2": "Yangguang#77"})
    assert client.get("/inbox/")["Location"].startswith(SETUP)

    holder = _user("cadre9", roles=["uf_cadre"])
    device, _codes = _enrolled(holder)
    passwords.require_change(holder)
    client.post("/accounts/logout/")
    _login(client, "cadre9")
    assert client.get("/accounts/password/")["Location"].startswith(VERIFY)  # the code comes first
    assert client.get(VERIFY).status_code == 200
    client.post(VERIFY, {"code": _code(device.bin_key)})
    assert client.get("/inbox/")["Location"] == "/accounts/password/"


def test_wrong_codes_are_counted_audited_and_throttled_even_for_the_right_code(client, clock):
    user = _user("cadre4", roles=["org_leader"])
    device, _codes = _enrolled(user)
    _login(client, "cadre4")
    right = _code(device.bin_key)
    wrong = f"{(int(right) + 1) % 1000000:06d}"

    # when five wrong codes are given, each after the previous wait (1, 2, 4, 8 seconds)
    for attempt in range(5):
        response = client.post(VERIFY, {"code": wrong})
        assert "验证码不正确" in response.content.decode()
        clock(2 ** attempt + 1) if attempt < 4 else None

    # then each is counted and audited with the address, and the right code now waits too
    device.refresh_from_db()
    assert device.throttling_failure_count == 5
    assert AuditEvent.objects.filter(action="auth.2fa_failed", actor=user, ip_address="127.0.0.1").count() == 5
    response = client.post(VERIFY, {"code": _code(device.bin_key)})
    assert "验证码错误次数过多" in response.content.decode()
    assert client.get("/inbox/")["Location"].startswith(VERIFY)
    assert AuditEvent.objects.filter(action="auth.2fa_failed", actor=user).count() == 6

    # after the wait (16 seconds after the fifth failure) the right code is accepted
    clock(17)
    assert client.post(VERIFY, {"code": _code(device.bin_key)}).status_code == 302
    assert client.get("/inbox/").status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_recovery_code_works_once(client, clock):
    user = _user("cadre5", roles=["uf_leader"])
    _device, codes = _enrolled(user)
    _login(client, "cadre5")

    response = client.post(VERIFY, {"code": f" {codes[0][:4].upper()}-{codes[0][4:]} "})

    assert response.status_code == 302
    assert client.get("/inbox/").status_code == 200
    used = AuditEvent.objects.get(action="auth.recovery_code_used", actor=user)
    assert used.ip_address == "127.0.0.1" and "9" in used.comment
    client.post("/accounts/logout/")
    _login(client, "cadre5")
    assert "验证码不正确" in client.post(VERIFY, {"code": codes[0]}).content.decode()
    clock(2)
    assert client.post(VERIFY, {"code": codes[1]}).status_code == 302
    assert StaticToken.objects.filter(device__user=user).count() == 8


def test_recovery_codes_can_be_renewed_from_a_verified_session(client, clock):
    user = _user("cadre6", roles=["org_cadre"])
    _verified_client(client, user, clock)
    old = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))

    response = client.post("/accounts/2fa/recovery-codes/renew/")

    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    new = re.findall(r"<li><code>([a-z2-7]+)</code></li>", client.get(response["Location"]).content.decode())
    assert len(new) == 10 and not old & set(new)
    assert AuditEvent.objects.filter(action="auth.2fa_recovery_renewed", actor=user).count() == 1


# --- reset --------------------------------------------------------------------------------------------------------


def test_a_security_administrator_resets_a_lost_phone_in_admin_and_the_reset_is_audited(client, clock):
    security = _user("sec2", roles=["sec_admin"], is_staff=True)
    cadre = _user("cadre7", roles=["org_cadre"])
    _enrolled(cadre)
    _verified_client(client, security, clock)

    response = client.post("/admin/auth/user/", {"action": "reset_action", "_selected_action": [cadre.pk]})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cadre).exists()
    assert not StaticToken.objects.filter(device__user=cadre).exists()
    event = AuditEvent.objects.get(action="auth.2fa_reset")
    assert (event.actor, event.subject_id, event.comment, event.ip_address) == (security, str(cadre.pk), "cadre7",
                                                                                "127.0.0.1")
    # the cadre enrols again at the next login
    client.post("/accounts/logout/")
    _login(client, "cadre7")
    assert client.get("/inbox/")["Location"].startswith(SETUP)


def test_only_a_security_administrator_may_reset(client):
    system = _user("sys1", roles=["sys_admin"], is_staff=True)
    cadre = _user("cadre8", roles=["org_cadre"])
    _enrolled(cadre)

    with pytest.raises(PermissionDeniedError):
        two_factor.reset(actor=system, user=cadre, ip_address="10.0.0.9")

    assert TOTPDevice.objects.filter(user=cadre).count() == 1
    assert AuditEvent.objects.filter(action="access_denied", actor=system, comment="auth.2fa_reset").count() == 1
    assert not AuditEvent.objects.filter(action="auth.2fa_reset").exists()


# --- the idle warning ---------------------------------------------------------------------------------------------


def test_the_idle_warning_endpoint_keeps_the_session_and_pages_carry_the_seconds_left(client, clock):
    _user("member2", roles=["party_org"])
    _login(client, "member2")
    page = client.get("/inbox/").content.decode()
    assert 'data-idle-seconds="1800"' in page and "js/idle.js" in page
    assert 'data-idle-extend-url="/accounts/session/extend/"' in page

    clock(25 * 60)
    response = client.post("/accounts/session/extend/")
    assert response.status_code == 200 and response.json() == {"idle_seconds": 1800}
    clock(25 * 60)  # 50 minutes after login, 25 after 继续
    assert client.get("/inbox/").status_code == 200

    clock(31 * 60)
    assert client.get("/inbox/")["Location"].startswith(LOGIN)
    assert client.post("/accounts/session/extend/").status_code == 401
    assert client.get("/accounts/session/extend/").status_code == 405


def test_the_seconds_left_count_from_the_last_refresh(client, clock):
    _user("member3", roles=["party_org"])
    _login(client, "member3")
    clock(50)  # within the minute in which the idle clock is not written again

    page = client.get("/inbox/").content.decode()

    assert 'data-idle-seconds="1750"' in page
