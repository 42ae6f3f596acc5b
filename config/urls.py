from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Site
from viewflow.workflow.flow import FlowViewset, WorkflowAppViewset

from nomination.flows import NominationFlow, RepresentativeFlow
from proposals.flows import ProposalFlow
from workflows import access

admin.site.site_header = _("同心 · 管理后台")
admin.site.site_title = _("同心管理后台")
admin.site.index_title = _("系统管理")

site = Site(
    title="同心",
    viewsets=[
        WorkflowAppViewset(title=_("流程办理"), flow_viewsets=[
            FlowViewset(ProposalFlow, icon="description"),
            FlowViewset(NominationFlow, icon="how_to_reg"),
            FlowViewset(RepresentativeFlow, icon="groups"),
        ]),
    ],
)

urlpatterns = [
    path("admin/", admin.site.urls),
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
    path("", site.urls),
]
