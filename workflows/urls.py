from django.urls import path

from . import me_views, views, work_views

app_name = "workflows"
urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", work_views.inbox_view, name="inbox"),
    path("queue/", work_views.queue_view, name="queue"),
    path("work/<int:pk>/claim/", work_views.claim, name="claim"),
    path("work/<int:pk>/release/", work_views.release, name="release"),
    path("me/", me_views.my_settings, name="my_settings"),
    path("me/delegations/<int:pk>/end/", me_views.delegation_end, name="delegation_end"),
    path("me/phrases/<int:pk>/remove/", me_views.phrase_remove, name="phrase_remove"),
    path("handover/", me_views.handover, name="handover"),
    path("due/board/", views.due_board, name="due_board"),
    path("due/<int:pk>/open/", views.due_open, name="due_open"),
    path("due/<int:pk>/urge/", views.due_urge, name="due_urge"),
]
