from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog
from viewflow.contrib.auth import AuthViewset

from workflows import access, account_views, health, security, setup_views, two_factor_views

admin.site.site_header = _("同心 · 管理后台")
admin.site.site_title = _("同心管理后台")
admin.site.index_title = _("系统管理")

# viewflow's stock workflow pages (/workflow/: inbox, queue, archive, process cancel/undo/revive) are not mounted:
# they would change cases behind the services. Every step is a work item in Tongxin's own 待办 and 待认领.
urlpatterns = [
    path("health/", health.health, name="health"),
    path("setup/check/", setup_views.setup_check, name="setup_check"),
    path("admin/", admin.site.urls),
    path("accounts/password/", account_views.password_change, name="password_change_own"),
    path("accounts/2fa/", two_factor_views.status, name="two_factor_status"),
    path("accounts/2fa/setup/", two_factor_views.setup, name="two_factor_setup"),
    path("accounts/2fa/verify/", two_factor_views.verify, name="two_factor_verify"),
    path("accounts/2fa/recovery-codes/", two_factor_views.codes, name="two_factor_codes"),
    path("accounts/2fa/recovery-codes/renew/", two_factor_views.codes_renew, name="two_factor_codes_renew"),
    path("accounts/session/extend/", security.session_extend, name="session_extend"),
    path("accounts/", AuthViewset(with_profile_view=False).urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", access.rule(access.PUBLIC)(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("notifications/", include("notifications.urls")),
    path("", include("workflows.urls")),
    path("chains/", include("workflows.task_urls")),
    path("proposals/", include("proposals.urls")),
    path("nomination/", include("nomination.urls")),
    path("proposals/reports/", include("proposals.reports.urls")),
    path("public/", include("proposals.reports.public_urls")),
]
