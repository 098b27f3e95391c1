"""External concerns and oversight: included into the assurance namespace by assurance.urls."""

from django.urls import path

from assurance.oversight import views
from assurance.oversight.models import ExternalConcern
from lmns.history import history_view

urlpatterns = [
    path("oversight/", views.oversight_index, name="oversight"),
    path("oversight/<str:ods_code>/", views.oversight_provider, name="oversight-provider"),
    path("oversight/<str:ods_code>/cqc-ratings/new/", views.cqc_rating_create, name="oversight-cqc-rating"),
    path("oversight/<str:ods_code>/level/", views.oversight_level_set, name="oversight-level"),
    path("concerns/", views.concern_list, name="concern-list"),
    path("concerns/new/", views.concern_create, name="concern-create"),
    path("concerns/<int:pk>/", views.concern_detail, name="concern-detail"),
    path("concerns/<int:pk>/edit/", views.concern_edit, name="concern-edit"),
    path("concerns/<int:pk>/respond/", views.concern_respond, name="concern-respond"),
    path("concerns/<int:pk>/status/", views.concern_status, name="concern-status"),
    path("concerns/<int:pk>/history/", history_view(ExternalConcern.objects), name="concern-history"),
]
