from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from . import access, audit, passwords, security


@access.rule(access.AUTHENTICATED)
@sensitive_post_parameters()
@login_required
def password_change(request):
    """修改密码: the user's own choice under the policy; forced first after an administrator set the password."""
    forced = passwords.needs_change(request.user)
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        request.session[security.PASSWORD_DUE] = False
        audit.record(subject=None, actor=user, action="auth.password_changed", ip_address=access.client_ip(request))
        messages.success(request, _("密码已修改。"))
        return redirect("workflows:home")
    return render(request, "registration/password_change.html", {"form": form, "forced": forced})
