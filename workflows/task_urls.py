from django.urls import path

from . import task_views

app_name = "chains"
urlpatterns = [
    path("tasks/<int:pk>/", task_views.task_action, name="task_action"),
    path("runs/<int:pk>/withdraw/", task_views.run_withdraw, name="withdraw"),
    path("runs/<int:pk>/cc/", task_views.run_cc, name="cc"),
]
