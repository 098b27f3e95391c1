"""Assurance visits, their reports and the recommendations that follow: included into the
assurance namespace by assurance.urls."""

from django.urls import path

from assurance.visits import views
from assurance.visits.models import Recommendation, Visit
from lmns.history import history_view

urlpatterns = [
    path("visits/", views.visit_list, name="visit-list"),
    path("visits/new/", views.visit_create, name="visit-create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit-detail"),
    path("visits/<int:pk>/history/", history_view(Visit.objects), name="visit-history"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit-edit"),
    path("visits/<int:pk>/status/", views.visit_transition, name="visit-transition"),
    path("visits/<int:pk>/pack/", views.visit_pack, name="visit-pack"),
    path("visits/<int:pk>/pack.xlsx", views.visit_pack_workbook, name="visit-pack-workbook"),
    path("visits/<int:pk>/findings/new/", views.finding_create, name="finding-create"),
    path("findings/<int:pk>/edit/", views.finding_edit, name="finding-edit"),
    path("visits/<int:pk>/feedback/new/", views.feedback_create, name="feedback-create"),
    path("visits/<int:pk>/recommendations/new/", views.recommendation_create, name="recommendation-create"),
    path("visits/<int:pk>/report/", views.visit_report, name="visit-report"),
    path("visits/<int:pk>/report.xlsx", views.visit_report_workbook, name="visit-report-workbook"),
    path("reports/<int:pk>/", views.report_version, name="report-version"),
    path("reports/<int:pk>/report.xlsx", views.report_version_workbook, name="report-version-workbook"),
    path("recommendations/", views.recommendation_list, name="recommendation-list"),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="recommendation-detail"),
    path(
        "recommendations/<int:pk>/history/",
        history_view(Recommendation.objects),
        name="recommendation-history",
    ),
    path("recommendations/<int:pk>/edit/", views.recommendation_edit, name="recommendation-edit"),
    path("recommendations/<int:pk>/respond/", views.recommendation_respond, name="recommendation-respond"),
    path("recommendations/<int:pk>/review/", views.recommendation_review, name="recommendation-review"),
]
