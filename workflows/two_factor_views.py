"""两步验证 pages: the account's status, enrolment (QR code and secret, confirmed with a code), the recovery codes
shown once, and the code asked after the password. Every change goes through ``workflows.two_factor``."""

from base64 import b32encode

import segno
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from . import access, redirects, two_factor
from .errors import ServiceError


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("验证码"), max_length=40, strip=True,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text",
                                                         "autofocus": True}))


def _next(request, default: str) -> str:
    return redirects.local_path(request.POST.get("next") or request.GET.get("next") or "") or default


def _secret(device) -> str:
    """The key as people type it into an authenticator app: base32 in groups of four."""
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def _qr_svg(device) -> str:
    """The otpauth:// link as an inline SVG (no image file, no inline script or style)."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff",
                                                              title=_("两步验证二维码"))
    # segno's own markup: the account name is only encoded in the QR modules, the title is our fixed text.
    return mark_safe(svg)  # noqa: S308  # nosec B308 B703


@access.rule(access.AUTHENTICATED)
@login_required
@never_cache
def status(request):
    """The account's 两步验证: on or off, required or optional, recovery codes left."""
    user = request.user
    return render(request, "registration/2fa_status.html", {
        "enrolled": two_factor.enrolled(user),
        "required": two_factor.required_for(user),
        "codes_left": two_factor.recovery_codes_left(user),
    })


@access.rule(access.AUTHENTICATED)
@sensitive_post_parameters()
@login_required
@never_cache
def setup(request):
    """Enrolment: scan the QR code (or type the secret), then confirm with the code the app shows."""
    user = request.user
    if two_factor.enrolled(user):
        # Never a second device beside a confirmed one: a stolen password must not enrol the thief's phone.
        messages.info(request, two_factor.MESSAGES["already_enrolled"])
        return redirect("two_factor_status" if user.is_verified() else "two_factor_verify")
    device = two_factor.enrolment_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.enrolment_confirm(request=request, code=form.cleaned_data["code"])
        except ServiceError as error:
            form.add_error("code", error.message)
        else:
            return redirect(f"{reverse('two_factor_codes')}?{urlencode({'next': _next(request, '/')})}")
    return render(request, "registration/2fa_setup.html", {
        "form": form, "qr": _qr_svg(device), "secret": _secret(device),
        "required": two_factor.required_for(user), "next": _next(request, ""),
    })


@access.rule(access.AUTHENTICATED)
@login_required
@never_cache
def codes(request):
    """The recovery codes of a fresh enrolment or renewal, shown once (printable)."""
    fresh = request.session.pop(two_factor.FRESH_CODES, None)
    if not fresh:
        return redirect("two_factor_status")
    return render(request, "registration/2fa_codes.html", {"codes": fresh, "next": _next(request, "/")})


@access.rule(access.AUTHENTICATED)
@require_POST
@login_required
def codes_renew(request):
    try:
        two_factor.recovery_codes_renew(request=request)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("two_factor_status")
    return redirect("two_factor_codes")


@access.rule(access.AUTHENTICATED)
@sensitive_post_parameters()
@login_required
@never_cache
def verify(request):
    """The code after the password: six digits from the app, or one recovery code."""
    user = request.user
    if not two_factor.enrolled(user) or user.is_verified():
        return redirect(_next(request, "/"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.verify(request=request, code=form.cleaned_data["code"])
        except ServiceError as error:
            form.add_error("code", error.message)
        else:
            return redirect(_next(request, "/"))
    return render(request, "registration/2fa_verify.html", {"form": form, "next": _next(request, "")})


@admin.action(description=gettext_lazy("重置两步验证（丢失手机时）"))
def reset_action(modeladmin, request, queryset):
    """User admin action: a security administrator removes the chosen accounts' devices, each reset audited."""
    done = 0
    for user in queryset:
        try:
            two_factor.reset(actor=request.user, user=user, ip_address=access.client_ip(request))
        except ServiceError as error:
            modeladmin.message_user(request, error.message, messages.ERROR)
            return
        done += 1
    modeladmin.message_user(request, _("已重置 %(count)s 个账号的两步验证，其下次登录须重新绑定。") % {"count": done},
                            messages.SUCCESS)
