from django.urls import path

from . import views

app_name = "nomination"
urlpatterns = [
    path("", views.index, name="index"),
    path("people/", views.person_list, name="people"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/export/", views.person_export, name="person_export"),
    path("people/import/", views.person_import, name="person_import"),
    path("people/template/", views.person_template, name="person_template"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/pool/", views.person_pool, name="person_pool"),
    path("people/<int:pk>/records/", views.person_record, name="person_record"),
    path("recommend/", views.recommend, name="recommend"),
    path("mine/", views.mine, name="mine"),
    path("rosters/", views.roster_index, name="rosters"),
    path("rosters/import/", views.roster_import, name="roster_import"),
    path("rosters/template/", views.roster_template, name="roster_template"),
    path("rosters/new-term/", views.roster_term_open, name="roster_term_open"),
    path("rosters/<int:pk>/", views.roster_term, name="roster_term"),
    path("rosters/<int:pk>/export/", views.roster_export, name="roster_export"),
    path("staffing/", views.staffing, name="staffing"),
    path("staffing/<int:pk>/edit/", views.staffing_edit, name="staffing_edit"),
    path("staffing/<int:pk>/confirm/", views.staffing_confirm, name="staffing_confirm"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/export/", views.statistics_export, name="statistics_export"),
]
