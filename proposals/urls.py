from django.urls import path

from . import views

app_name = "proposals"
urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("mine/", views.my_proposals, name="mine"),
    path("new/", views.proposal_create, name="create"),
    path("<int:pk>/", views.proposal_detail, name="detail"),
    path("<int:pk>/edit/", views.proposal_edit, name="edit"),
    path("<int:pk>/submit/", views.proposal_submit, name="submit"),
    path("<int:pk>/withdraw/", views.proposal_withdraw, name="withdraw"),
    path("<int:pk>/cosign/", views.cosign_respond, name="cosign"),
    path("<int:pk>/review/", views.proposal_review, name="review"),
    path("<int:pk>/assign/", views.proposal_assign, name="assign"),
    path("<int:pk>/print/", views.proposal_print, name="print"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/attachments/<int:attachment_pk>/remove/", views.attachment_remove, name="attachment_remove"),
    path("units/", views.unit_inbox, name="unit_inbox"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/receive/", views.assignment_receive, name="assignment_receive"),
    path("assignments/<int:pk>/adjust/", views.assignment_adjust, name="assignment_adjust"),
    path("assignments/<int:pk>/decide/", views.assignment_decide, name="assignment_decide"),
    path("assignments/<int:pk>/notice/", views.assignment_notice, name="assignment_notice"),
]
