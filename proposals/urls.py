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
    path("<int:pk>/evaluate/", views.proposal_evaluate, name="evaluate"),
    path("<int:pk>/records/", views.proposal_record, name="record"),
    path("<int:pk>/conclude/", views.proposal_conclude, name="conclude"),
    path("<int:pk>/key/propose/", views.proposal_key_propose, name="key_propose"),
    path("<int:pk>/key/decide/", views.proposal_key_decide, name="key_decide"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/attachments/<int:attachment_pk>/remove/", views.attachment_remove, name="attachment_remove"),
    path("units/", views.unit_inbox, name="unit_inbox"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/receive/", views.assignment_receive, name="assignment_receive"),
    path("assignments/<int:pk>/adjust/", views.assignment_adjust, name="assignment_adjust"),
    path("assignments/<int:pk>/decide/", views.assignment_decide, name="assignment_decide"),
    path("assignments/<int:pk>/notice/", views.assignment_notice, name="assignment_notice"),
    path("assignments/<int:pk>/contacts/", views.assignment_contact, name="assignment_contact"),
    path("assignments/<int:pk>/co-opinion/", views.assignment_co_opinion, name="assignment_co_opinion"),
    path("assignments/<int:pk>/extension/", views.assignment_extension, name="assignment_extension"),
    path("assignments/<int:pk>/extensions/<int:extension_pk>/decide/", views.extension_decide,
         name="extension_decide"),
    path("assignments/<int:pk>/reply/", views.assignment_reply, name="assignment_reply"),
    path("assignments/<int:pk>/reply/category/", views.reply_category, name="reply_category"),
]
