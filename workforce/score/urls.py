from django.urls import path

from workforce.score import views

urlpatterns = [
    path("score/", views.score_index, name="score"),
    path("score/waves/new/", views.wave_create, name="score-wave-create"),
    path("score/waves/<int:pk>/", views.wave_detail, name="score-wave"),
    path("score/waves/<int:pk>/edit/", views.wave_edit, name="score-wave-edit"),
    path("score/waves/<int:pk>/mapping-template.xlsx", views.mapping_template, name="score-mapping-template"),
    path("score/waves/<int:pk>/mapping/", views.mapping_upload, name="score-mapping-upload"),
    path("score/waves/<int:pk>/results/", views.results_import, name="score-results-import"),
    path("score/waves/<int:pk>/results.xlsx", views.results_xlsx, name="score-results-xlsx"),
    path("score/waves/<int:pk>/debriefs/new/", views.debrief_create, name="score-debrief-create"),
    path("score/debriefs/<int:pk>/actions/new/", views.action_add, name="score-action-add"),
    path("score/actions/<int:pk>/edit/", views.action_edit, name="score-action-edit"),
]
