from django.urls import path

from . import views

app_name = "proposal_reports"
urlpatterns = [
    path("", views.statistics, name="statistics"),
    path("export/", views.statistics_export, name="export"),
    path("replies/<int:pk>/print/", views.reply_print, name="reply_print"),
    path("evaluations/<int:pk>/form/", views.evaluation_form, name="evaluation_form"),
]
