"""Request-level security: hostile input refused with a 400 (never a 500), the session's idle and absolute limits,
and the password change a user must make before anything else."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, audit, passwords
from .access import client_ip

LOGIN_AT, SEEN_AT, PASSWORD_DUE = "tongxin_login_at", "tongxin_seen_at", "tongxin_password_due"
# The idle clock is refreshed (a session write) and the password rule looked up at most this often, not on every
# request.
SEEN_RESOLUTION = 60


def _hostile(value: str) -> bool:
    return "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value)


class HostileInputMiddleware:
    """NUL bytes and lone surrogates cannot be stored (PostgreSQL refuses them): answer 400 in Chinese at the door."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        values = [request.path, *request.GET.keys(), *(v for vs in request.GET.lists() for v in vs[1])]
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                  "multipart/form-data"):
            values += [*request.POST.keys(), *(v for vs in request.POST.lists() for v in vs[1])]
        if any(_hostile(value) for value in values if isinstance(value, str)):
            return HttpResponseBadRequest(render_to_string("400.html", {"reason": _("提交的内容含有不允许的控制字符。")},
                                                           request=request))
        return self.get_response(request)


class SessionPolicyMiddleware:
    """Ends a session idle for ``SESSION_COOKIE_AGE`` (Django's expiry, refreshed once a minute) or older than
    ``TONGXIN_SESSION_MAX_HOURS`` since login, and sends a user whose password an administrator set, or whose password
    has expired, to the change form first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            login_at = request.session.get(LOGIN_AT, now)
            if now - login_at > settings.TONGXIN_SESSION_MAX_HOURS * 3600:
                audit.record(subject=None, actor=user, action="auth.session_expired", ip_address=client_ip(request))
                logout(request)
                messages.info(request, _("登录已超过最长时限，请重新登录。"))
                return HttpResponseRedirect(f"{settings.LOGIN_URL}?next={request.path}")
            if now - request.session.get(SEEN_AT, 0) > SEEN_RESOLUTION:
                request.session[SEEN_AT] = now
                request.session[PASSWORD_DUE] = passwords.needs_change(user)
            # For the idle warning (static/js/idle.js): the session was last saved no earlier than SEEN_AT.
            request.idle_seconds_left = max(0, int(request.session[SEEN_AT] + settings.SESSION_COOKIE_AGE - now)) \
                if SEEN_AT in request.session else settings.SESSION_COOKIE_AGE
            change = reverse("password_change_own")
            # The second factor comes before the new password (workflows.two_factor holds the other pages).
            exempt = (change, reverse("logout"), reverse("two_factor_verify"), reverse("session_extend"))
            if request.session.get(PASSWORD_DUE) and request.path not in exempt and (
                not request.path.startswith(settings.STATIC_URL)
            ):
                return HttpResponseRedirect(change)
        return self.get_response(request)


@access.rule(access.AUTHENTICATED)
@require_POST
def session_extend(request):
    """继续: the idle warning's button keeps the session (a write restarts Django's expiry); never past the absolute
    limit, which the middleware above enforces. JSON, no redirect: an expired session answers 401."""
    if not request.user.is_authenticated:
        return JsonResponse({"expired": True}, status=401)
    request.session[SEEN_AT] = time.time()
    return JsonResponse({"idle_seconds": settings.SESSION_COOKIE_AGE})
