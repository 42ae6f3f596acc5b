"""The second factor (TOTP, django-otp) with one-time recovery codes: who must have it, enrolment, verification
and the security administrator's reset, each an audited service; and the middleware that holds a session at the
door until it is verified.

Who must: ``required_for(user)`` is the only rule. With ``TONGXIN_2FA_REQUIRED`` on (the default; the demo turns it
off), staff, superusers and holders of a role in ``REQUIRED_ROLES`` must enrol; everyone else may. The engine's
three administrators are listed here; the domain apps add their own roles (``register_required_roles``) from their
``roles`` modules, as they add role labels, so the engine imports no domain app.

A user with a confirmed TOTP device is verified after the password (``/accounts/2fa/verify/``) with a code from the
authenticator app or one recovery code; each device throttles wrong codes itself (django-otp's exponential delay).
"""

import math
import time

from django.conf import settings
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit, locks
from .access import client_ip
from .admin_roles import ADMIN_ROLES, SEC_ADMIN
from .errors import PermissionDeniedError, ServiceError, register

# Role codes whose holders must use a second factor; the apps add theirs at start-up.
REQUIRED_ROLES: set[str] = set(ADMIN_ROLES)

RECOVERY_CODE_COUNT = 10
DEVICE_NAME = "authenticator"
RECOVERY_NAME = "recovery"

# Session keys: what the session still needs ("verify", "setup" or ""), when that was last looked up, and the
# recovery codes of a fresh enrolment until they have been shown once.
STATE, STATE_AT, FRESH_CODES = "tongxin_2fa", "tongxin_2fa_at", "tongxin_2fa_codes"
VERIFY, SETUP = "verify", "setup"
# Roles and devices are looked up again at most this often (a session write), not on every request.
STATE_RESOLUTION = 60

MESSAGES = register(
    "two_factor",
    {
        "code_invalid": _("验证码不正确，请重新输入。"),
        "throttled": _("验证码错误次数过多，请 %(seconds)s 秒后再试。"),
        "no_device": _("您尚未启用两步验证。"),
        "already_enrolled": _("您已启用两步验证；如需更换手机，请联系安全管理员重置。"),
        "enrolment_expired": _("绑定已失效，请重新扫描二维码。"),
        "reset_denied": _("只有安全管理员可以重置两步验证。"),
    },
)


class TwoFactorError(ServiceError):
    namespace = "two_factor"


def register_required_roles(*codes: str) -> None:
    """Let an app name roles whose holders must use a second factor (the cadre departments, ...)."""
    REQUIRED_ROLES.update(codes)


def required_for(user) -> bool:
    """The one rule of who must use a second factor."""
    if not settings.TONGXIN_2FA_REQUIRED or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.filter(name__in=REQUIRED_ROLES).exists()


def totp_device(user, *, confirmed: bool | None = True) -> TOTPDevice | None:
    query = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        query = query.filter(confirmed=confirmed)
    return query.order_by("pk").first()


def enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def may_reset(user) -> bool:
    """A security administrator (or the superuser, for installation and emergencies) resets a user's devices."""
    return user.is_authenticated and user.is_active and (
        user.is_superuser or user.groups.filter(name=SEC_ADMIN).exists()
    )


# --- the session ------------------------------------------------------------------------------------------------


def session_need(user) -> str:
    """What a signed-in, not yet verified session still needs: a code, an enrolment, or nothing."""
    if enrolled(user):
        return VERIFY
    if required_for(user):
        return SETUP
    return ""


def refresh(request, user) -> str:
    need = session_need(user)
    request.session[STATE] = need
    request.session[STATE_AT] = time.time()
    return need


def _verified(request, device) -> None:
    # A new session key for the raised privilege, as at login.
    request.session.cycle_key()
    otp_login(request, device)
    request.session[STATE] = ""
    request.session[STATE_AT] = time.time()


def _recovery_device(user) -> StaticDevice:
    device = StaticDevice.objects.filter(user=user, name=RECOVERY_NAME).order_by("pk").first()
    return device or StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)


def _new_recovery_codes(user) -> list[str]:
    device = _recovery_device(user)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _n in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _throttle_seconds(device) -> int:
    """Seconds until the device accepts another attempt (0: now)."""
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return 0
    return max(1, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))


def normalise(code: str) -> str:
    return "".join(str(code or "").split()).replace("-", "").lower()[:32]


# --- services ---------------------------------------------------------------------------------------------------
# A refused code must leave its audit row and its failure count behind: the atomic parts return the refusal, and
# the public functions raise it after the commit.


def enrolment_start(*, user) -> TOTPDevice:
    """The unconfirmed device whose secret the setup page shows (the same one until it is confirmed)."""
    if enrolled(user):
        raise TwoFactorError("already_enrolled")
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def enrolment_confirm(*, request, code: str) -> list[str]:
    """Confirm the new device with a code from it; verifies the session and returns the recovery codes, which the
    next page shows once."""
    outcome = _enrolment_confirm(request=request, code=normalise(code))
    if isinstance(outcome, TwoFactorError):
        raise outcome
    return outcome


@transaction.atomic
def _enrolment_confirm(*, request, code: str):
    user = request.user
    devices = locks.children(TOTPDevice.objects.filter(user=user))
    if any(device.confirmed for device in devices):
        return TwoFactorError("already_enrolled")
    if not devices:
        return TwoFactorError("enrolment_expired")
    device = devices[-1]
    wait = _throttle_seconds(device)
    if wait:
        return TwoFactorError("throttled", params={"seconds": wait})
    if not device.verify_token(code):
        audit.record(subject=None, actor=user, action="auth.2fa_failed", comment=str(_("绑定")),
                     ip_address=client_ip(request))
        return TwoFactorError("code_invalid")
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    audit.record(subject=None, actor=user, action="auth.2fa_enrolled", ip_address=client_ip(request))
    _verified(request, device)
    request.session[FRESH_CODES] = codes
    return codes


def verify(*, request, code: str) -> None:
    """Check a code from the authenticator (six digits) or a recovery code; a right one verifies the session.

    A wrong code counts on the device it was meant for (django-otp's delay: 1, 2, 4 … seconds after each failure)
    and is audited; while the device waits every attempt is refused (``throttled``) and audited too.
    """
    outcome = _verify(request=request, code=normalise(code))
    if outcome is not None:
        raise outcome


@transaction.atomic
def _verify(*, request, code: str) -> TwoFactorError | None:
    user = request.user
    ip = client_ip(request)
    if not enrolled(user):
        return TwoFactorError("no_device")
    if len(code) == 6 and code.isdigit():
        devices, action = locks.children(TOTPDevice.objects.filter(user=user, confirmed=True)), "auth.2fa_verified"
    else:
        devices, action = locks.children(StaticDevice.objects.filter(user=user, confirmed=True)), \
            "auth.recovery_code_used"
    for device in devices:
        wait = _throttle_seconds(device)
        if wait:
            audit.record(subject=None, actor=user, action="auth.2fa_failed", comment=str(_("尝试过于频繁")),
                         ip_address=ip)
            return TwoFactorError("throttled", params={"seconds": wait})
        if device.verify_token(code):
            comment = ""
            if action == "auth.recovery_code_used":
                comment = str(_("剩余 %(count)s 个恢复码") % {"count": device.token_set.count()})
            audit.record(subject=None, actor=user, action=action, comment=comment, ip_address=ip)
            _verified(request, device)
            return None
    audit.record(subject=None, actor=user, action="auth.2fa_failed", ip_address=ip)
    return TwoFactorError("code_invalid")


@transaction.atomic
def recovery_codes_renew(*, request) -> list[str]:
    """New recovery codes for a verified session (the old ones stop working)."""
    user = request.user
    if not enrolled(user) or not user.is_verified():
        raise TwoFactorError("no_device")
    locks.children(StaticDevice.objects.filter(user=user))
    codes = _new_recovery_codes(user)
    audit.record(subject=None, actor=user, action="auth.2fa_recovery_renewed", ip_address=client_ip(request))
    request.session[FRESH_CODES] = codes
    return codes


def reset(*, actor, user, ip_address: str | None = None) -> int:
    """Remove a user's devices and recovery codes (a lost phone): they enrol again at their next request if they
    must. Only a security administrator; audited with the account concerned (a refusal too)."""
    if not may_reset(actor):
        audit.record(subject=user, actor=actor, action="access_denied", comment="auth.2fa_reset",
                     ip_address=ip_address)
        raise PermissionDeniedError("reset_denied", MESSAGES["reset_denied"])
    return _reset(actor=actor, user=user, ip_address=ip_address)


@transaction.atomic
def _reset(*, actor, user, ip_address):
    removed = len(locks.children(TOTPDevice.objects.filter(user=user)))
    removed += len(locks.children(StaticDevice.objects.filter(user=user)))
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user).delete()
    audit.record(subject=user, actor=actor, action="auth.2fa_reset", comment=user.get_username(),
                 ip_address=ip_address)
    return removed


# --- the door ---------------------------------------------------------------------------------------------------


def _paths(*names: str) -> tuple[str, ...]:
    return tuple(reverse(name) for name in names)


class TwoFactorMiddleware:
    """Holds a signed-in session that is not verified yet: a user with a device may only verify (or leave); a user
    who must enrol may only enrol, change the password an administrator set, or leave. Django admin included.

    Goes after ``AuthenticationMiddleware``, django-otp's ``OTPMiddleware`` and ``SessionPolicyMiddleware`` (so an
    expired session ends before it is asked for a code)."""

    # Always reachable: the static files, the language switch.
    OPEN_PREFIXES = ("/i18n/", "/jsi18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        session = request.session
        if DEVICE_ID_SESSION_KEY in session and user.is_verified():
            return self.get_response(request)
        need = session.get(STATE)
        if need is None or time.time() - session.get(STATE_AT, 0) > STATE_RESOLUTION:
            need = refresh(request, user)
        if need == VERIFY:
            allowed = _paths("two_factor_verify", "logout", "session_extend")
            target = "two_factor_verify"
        elif need == SETUP:
            allowed = _paths("two_factor_setup", "two_factor_codes", "logout", "session_extend",
                             "password_change_own")
            target = "two_factor_setup"
        else:
            return self.get_response(request)
        path = request.path
        if path in allowed or path.startswith((settings.STATIC_URL, *self.OPEN_PREFIXES)):
            return self.get_response(request)
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return HttpResponseRedirect(reverse(target) + (f"?{query}" if query else ""))
