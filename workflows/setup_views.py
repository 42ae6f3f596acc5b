from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import access, admin_roles, setup_checks


@access.rule(access.ROLE)
@login_required
@require_GET
def setup_check(request):
    """系统配置检查: what is missing before go-live, each item linking to where it is fixed (the system administrator)."""
    if not admin_roles.may_use_setup(request.user):  # the system administrator's page (三员分立)
        raise access.deny(request, reason="setup_check")
    findings = setup_checks.run()
    return render(request, "workflows/setup_check.html", {
        "blocking": [f for f in findings if f.blocking], "warnings": [f for f in findings if not f.blocking],
    })
