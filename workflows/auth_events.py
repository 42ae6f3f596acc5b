"""Logins, failed logins, lockouts and logouts on the audit log, with the client address (never the password)."""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy

from . import audit, passwords, two_factor
from .access import client_ip
from .security import LOGIN_AT, PASSWORD_DUE, SEEN_AT

audit.ACTION_LABELS.update({
    "auth.login": gettext_lazy("登录"),
    "auth.logout": gettext_lazy("退出登录"),
    "auth.login_failed": gettext_lazy("登录失败"),
    "auth.locked_out": gettext_lazy("登录失败次数过多，已锁定"),
    "auth.session_expired": gettext_lazy("登录超时"),
    "auth.password_changed": gettext_lazy("修改密码"),
    "auth.2fa_verified": gettext_lazy("两步验证通过"),
    "auth.2fa_failed": gettext_lazy("两步验证失败"),
    "auth.2fa_enrolled": gettext_lazy("启用两步验证"),
    "auth.2fa_reset": gettext_lazy("重置两步验证"),
    "auth.2fa_recovery_renewed": gettext_lazy("重新生成恢复码"),
    "auth.recovery_code_used": gettext_lazy("使用恢复码登录"),
})


@receiver(user_logged_in)
def logged_in(sender, request, user, **kwargs):
    if request is not None:
        now = time.time()
        # The session's clocks start here, and the password rule is looked up once (then once a minute).
        request.session[LOGIN_AT] = request.session[SEEN_AT] = now
        request.session[PASSWORD_DUE] = passwords.needs_change(user)
        # Whether the session owes a second factor, looked up once here (then once a minute).
        two_factor.refresh(request, user)
    audit.record(subject=None, actor=user, action="auth.login", ip_address=client_ip(request) if request else None)


@receiver(user_logged_out)
def logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(subject=None, actor=user, action="auth.logout",
                     ip_address=client_ip(request) if request else None)


@receiver(user_login_failed)
def login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit.record(subject=None, action="auth.login_failed", comment=username,
                 ip_address=client_ip(request) if request else None)


@receiver(user_locked_out)
def locked_out(sender, request, username, ip_address, **kwargs):
    audit.record(subject=None, action="auth.locked_out", comment=str(username or "")[:150], ip_address=ip_address)
