from django.urls import path

from . import task_views, views

app_name = "workflows"
urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", task_views.inbox_view, name="inbox"),
]
