from django.urls import path

from . import task_views, views

app_name = "workflows"
urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", task_views.inbox_view, name="inbox"),
    path("due/board/", views.due_board, name="due_board"),
    path("due/<int:pk>/open/", views.due_open, name="due_open"),
]
