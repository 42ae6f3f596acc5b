from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("replies/", views.public_replies, name="replies"),
    path("replies/<int:pk>/", views.public_reply, name="reply"),
]
