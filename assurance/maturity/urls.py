"""Maturity assessments: included into the assurance namespace by assurance.urls."""

from django.urls import path

from assurance.maturity import views

urlpatterns = [
    path("maturity/", views.maturity_index, name="maturity"),
    path("maturity/models/<int:pk>/", views.maturity_model, name="maturity-model"),
    path("maturity/models/<int:pk>/edit/", views.maturity_model_edit, name="maturity-model-edit"),
    path(
        "maturity/models/<int:pk>/status/", views.maturity_model_transition, name="maturity-model-transition"
    ),
    path(
        "maturity/models/<int:pk>/new-version/",
        views.maturity_model_new_version,
        name="maturity-model-new-version",
    ),
    path("maturity/rounds/new/", views.maturity_start, name="maturity-start"),
    path("maturity/rounds/<int:pk>/", views.maturity_round, name="maturity-round"),
    path("maturity/rounds/<int:pk>/score/", views.maturity_round_score, name="maturity-round-score"),
    path("maturity/rounds/<int:pk>/submit/", views.maturity_round_submit, name="maturity-round-submit"),
    path("maturity/rounds/<int:pk>/workbook/", views.maturity_round_workbook, name="maturity-round-workbook"),
]
