from django.urls import path

from . import me_views, task_views, views

app_name = "workflows"
urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", task_views.inbox_view, name="inbox"),
    path("queue/", task_views.queue_view, name="queue"),
    path("me/", me_views.my_settings, name="my_settings"),
    path("me/delegations/<int:pk>/end/", me_views.delegation_end, name="delegation_end"),
    path("me/phrases/<int:pk>/remove/", me_views.phrase_remove, name="phrase_remove"),
    path("handover/", me_views.handover, name="handover"),
    path("due/board/", views.due_board, name="due_board"),
    path("due/<int:pk>/open/", views.due_open, name="due_open"),
    path("due/<int:pk>/urge/", views.due_urge, name="due_urge"),
]
