"""Improvement plans and the learning network's health survey: included into the incidents
namespace by incidents.urls, so the names are incidents:improvement-index..."""

from django.urls import path

from incidents.improvement import views
from incidents.improvement.models import ImprovementPlan
from lmns.history import history_view

urlpatterns = [
    path("improvement/", views.improvement_index, name="improvement-index"),
    path("improvement/new/", views.improvement_create, name="improvement-create"),
    path("improvement/<int:pk>/", views.improvement_detail, name="improvement-detail"),
    path("improvement/<int:pk>/edit/", views.improvement_edit, name="improvement-edit"),
    path("improvement/<int:pk>/close/", views.improvement_close, name="improvement-close"),
    path("improvement/<int:pk>/reopen/", views.improvement_reopen, name="improvement-reopen"),
    path(
        "improvement/<int:pk>/measurement/",
        views.improvement_measurement,
        name="improvement-measurement",
    ),
    path(
        "improvement/<int:pk>/communications/",
        views.improvement_communications,
        name="improvement-communications",
    ),
    path("improvement/<int:pk>/team/", views.improvement_team, name="improvement-team"),
    path("improvement/<int:pk>/all/", views.improvement_all, name="improvement-all"),
    path("improvement/<int:pk>/plan.xlsx", views.improvement_workbook, name="improvement-workbook"),
    path("improvement/<int:pk>/history/", history_view(ImprovementPlan.objects), name="improvement-history"),
    path(
        "improvement/<int:pk>/measures/<int:row>/",
        views.improvement_measure,
        name="improvement-measure",
    ),
    path(
        "improvement/<int:pk>/measures/<int:row>/values/",
        views.improvement_measure_values,
        name="improvement-measure-values",
    ),
    *(
        route
        for kind in ("measure", "pdsa", "communication", "team")
        for route in (
            path(
                f"improvement/<int:pk>/{kind}/new/",
                views.improvement_row,
                {"kind": kind},
                name=f"improvement-{kind}-create",
            ),
            path(
                f"improvement/<int:pk>/{kind}/<int:row>/edit/",
                views.improvement_row,
                {"kind": kind},
                name=f"improvement-{kind}-edit",
            ),
            path(
                f"improvement/<int:pk>/{kind}/<int:row>/delete/",
                views.improvement_row_delete,
                {"kind": kind},
                name=f"improvement-{kind}-delete",
            ),
        )
    ),
    path("improvement/survey/", views.survey_list, name="improvement-surveys"),
    path("improvement/survey/new/", views.survey_create, name="improvement-survey-create"),
    path("improvement/survey/<int:pk>/", views.survey_detail, name="improvement-survey"),
    path("improvement/survey/<int:pk>/invite/", views.survey_invite, name="improvement-survey-invite"),
    path("improvement/survey/<int:pk>/close/", views.survey_close, name="improvement-survey-close"),
    path(
        "improvement/survey/<int:pk>/results.xlsx",
        views.survey_workbook,
        name="improvement-survey-workbook",
    ),
    path("improvement/survey/answer/", views.survey_answer, name="improvement-survey-answer"),
]
