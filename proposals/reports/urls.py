app_name = "proposal_reports"
urlpatterns = []
