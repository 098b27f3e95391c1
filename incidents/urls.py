from django.urls import path

from incidents.views import actions, incidents, learning, overview, reports, ssig

app_name = "incidents"

urlpatterns = [
    path("", overview.index, name="index"),
    path("list/", incidents.incident_list, name="incident-list"),
    path("new/", incidents.incident_create, name="incident-create"),
    path("<int:pk>/", incidents.incident_detail, name="incident-detail"),
    path("<int:pk>/edit/", incidents.incident_edit, name="incident-edit"),
    path("<int:pk>/status/", incidents.incident_transition, name="incident-transition"),
    path("learning/", learning.learning_list, name="learning-list"),
    path("learning/new/", learning.learning_create, name="learning-create"),
    path("learning/<int:pk>/", learning.learning_detail, name="learning-detail"),
    path("learning/<int:pk>/edit/", learning.learning_edit, name="learning-edit"),
    path("learning/<int:pk>/sign-off/", learning.learning_sign_off, name="learning-sign-off"),
    path("learning/<int:pk>/return-to-draft/", learning.learning_return_to_draft, name="learning-return"),
    path("learning/<int:pk>/submit/", learning.learning_submit, name="learning-submit"),
    path("library/", learning.library, name="library"),
    path("actions/", actions.action_list, name="action-list"),
    path("actions/new/", actions.action_create, name="action-create"),
    path("actions/<int:pk>/", actions.action_detail, name="action-detail"),
    path("actions/<int:pk>/edit/", actions.action_edit, name="action-edit"),
    path("meetings/", ssig.meeting_list, name="meeting-list"),
    path("meetings/new/", ssig.meeting_create, name="meeting-create"),
    path("meetings/<int:pk>/", ssig.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/outcomes/", ssig.meeting_outcomes, name="meeting-outcomes"),
    path("meetings/<int:pk>/hold/", ssig.meeting_hold, name="meeting-hold"),
    path("meetings/<int:pk>/accept-late/", ssig.meeting_accept_late, name="meeting-accept-late"),
    path("meetings/<int:pk>/pack.xlsx", reports.meeting_pack, name="meeting-pack"),
    path("meetings/<int:pk>/print/", reports.meeting_print, name="meeting-print"),
    path("themes/", reports.theme_analysis, name="theme-analysis"),
    path("events/", ssig.event_list, name="event-list"),
    path("events/new/", ssig.event_create, name="event-create"),
    path("events/<int:pk>/", ssig.event_detail, name="event-detail"),
]
