"""Saving Babies' Lives v3 (MIS safety action 6): included into the assurance namespace by
assurance.urls."""

from django.urls import path

from assurance.sbl import views

urlpatterns = [
    path("sbl/", views.sbl_index, name="sbl"),
    path("sbl/new/", views.sbl_start, name="sbl-start"),
    path("sbl/providers/<str:ods_code>/", views.sbl_provider, name="sbl-provider"),
    path("sbl/<int:pk>/", views.sbl_detail, name="sbl-detail"),
    path("sbl/<int:pk>/elements/<int:number>/", views.sbl_element_edit, name="sbl-element-edit"),
    path("sbl/<int:pk>/submit/", views.sbl_submit, name="sbl-submit"),
    path("sbl/<int:pk>/validate/", views.sbl_validate, name="sbl-validate"),
    path("sbl/<int:pk>/cite/", views.sbl_cite, name="sbl-cite"),
    path("sbl/<int:pk>/workbook/", views.sbl_workbook, name="sbl-workbook"),
    path("sbl/<int:pk>/history/", views.sbl_history, name="sbl-history"),
]
