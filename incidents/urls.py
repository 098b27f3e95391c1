from django.urls import path

from incidents.calendar.urls import urlpatterns as calendar_urlpatterns
from incidents.highlights import views as highlights
from incidents.highlights.models import HighlightReport
from incidents.imports import views as imports
from incidents.improvement.urls import urlpatterns as improvement_urlpatterns
from incidents.models import Incident, Learning, LearningEvent, SafetyAction, SsigMeeting
from incidents.views import actions, incidents, learning, overview, reports, ssig
from lmns.history import history_view

app_name = "incidents"

urlpatterns = [
    path("", overview.index, name="index"),
    path("list/", incidents.incident_list, name="incident-list"),
    path("new/", incidents.incident_create, name="incident-create"),
    path("<int:pk>/", incidents.incident_detail, name="incident-detail"),
    path("<int:pk>/edit/", incidents.incident_edit, name="incident-edit"),
    path("<int:pk>/status/", incidents.incident_transition, name="incident-transition"),
    path("<int:pk>/legal-hold/", incidents.incident_legal_hold, name="incident-legal-hold"),
    path("<int:pk>/history/", history_view(Incident.objects), name="incident-history"),
    path(
        "<int:pk>/referrals/history/", incidents.incident_referral_history, name="incident-referral-history"
    ),
    path("<int:pk>/mnsi-action/", incidents.incident_mnsi_action, name="incident-mnsi-action"),
    path("imports/", imports.import_list, name="import-list"),
    path("imports/new/", imports.import_create, name="import-create"),
    path("imports/<int:pk>/", imports.import_detail, name="import-detail"),
    path("imports/<int:pk>/apply/", imports.import_apply, name="import-apply"),
    path("imports/<int:pk>/discard/", imports.import_discard, name="import-discard"),
    path("imports/mappings/", imports.mapping_list, name="import-mapping-list"),
    path("imports/mappings/new/", imports.mapping_create, name="import-mapping-create"),
    path("imports/mappings/<int:pk>/edit/", imports.mapping_edit, name="import-mapping-edit"),
    path("learning/", learning.learning_list, name="learning-list"),
    path("learning/new/", learning.learning_create, name="learning-create"),
    path("learning/<int:pk>/", learning.learning_detail, name="learning-detail"),
    path("learning/<int:pk>/edit/", learning.learning_edit, name="learning-edit"),
    path("learning/<int:pk>/sign-off/", learning.learning_sign_off, name="learning-sign-off"),
    path("learning/<int:pk>/return-to-draft/", learning.learning_return_to_draft, name="learning-return"),
    path("learning/<int:pk>/submit/", learning.learning_submit, name="learning-submit"),
    path("learning/<int:pk>/withdraw/", learning.learning_withdraw, name="learning-withdraw"),
    path("learning/<int:pk>/history/", history_view(Learning.objects), name="learning-history"),
    path("library/", learning.library, name="library"),
    path("actions/", actions.action_list, name="action-list"),
    path("actions/new/", actions.action_create, name="action-create"),
    path("actions/<int:pk>/", actions.action_detail, name="action-detail"),
    path("actions/<int:pk>/edit/", actions.action_edit, name="action-edit"),
    path("actions/<int:pk>/history/", history_view(SafetyAction.objects), name="action-history"),
    path("meetings/", ssig.meeting_list, name="meeting-list"),
    path("meetings/new/", ssig.meeting_create, name="meeting-create"),
    path("meetings/<int:pk>/", ssig.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/outcomes/", ssig.meeting_outcomes, name="meeting-outcomes"),
    path("meetings/<int:pk>/hold/", ssig.meeting_hold, name="meeting-hold"),
    path("meetings/<int:pk>/accept-late/", ssig.meeting_accept_late, name="meeting-accept-late"),
    path("meetings/<int:pk>/pack.xlsx", reports.meeting_pack, name="meeting-pack"),
    path("meetings/<int:pk>/print/", reports.meeting_print, name="meeting-print"),
    path("meetings/<int:pk>/history/", history_view(SsigMeeting.objects), name="meeting-history"),
    path("themes/", reports.theme_analysis, name="theme-analysis"),
    path("events/", ssig.event_list, name="event-list"),
    path("events/new/", ssig.event_create, name="event-create"),
    path("events/<int:pk>/", ssig.event_detail, name="event-detail"),
    path("events/<int:pk>/history/", history_view(LearningEvent.objects), name="event-history"),
]

# Improvement plans and the learning network's health survey (incidents.improvement).
urlpatterns += improvement_urlpatterns

# The calendar of activities (incidents.calendar).
urlpatterns += calendar_urlpatterns

# Monthly highlight reports on provider plans (incidents.highlights).
urlpatterns += [
    path("improvement/highlights/", highlights.highlight_list, name="improvement-highlight-list"),
    path(
        "improvement/highlights/reports.xlsx",
        highlights.highlight_workbook,
        name="improvement-highlight-workbook",
    ),
    path(
        "improvement/highlights/due-day/",
        highlights.highlight_schedule,
        name="improvement-highlight-schedule",
    ),
    path("improvement/<int:pk>/highlights/", highlights.highlight_plan, name="improvement-highlight-plan"),
    path(
        "improvement/<int:pk>/highlights/new/",
        highlights.highlight_create,
        name="improvement-highlight-create",
    ),
    path(
        "improvement/highlights/<int:pk>/", highlights.highlight_detail, name="improvement-highlight-detail"
    ),
    path(
        "improvement/highlights/<int:pk>/edit/", highlights.highlight_edit, name="improvement-highlight-edit"
    ),
    path(
        "improvement/highlights/<int:pk>/submit/",
        highlights.highlight_submit,
        name="improvement-highlight-submit",
    ),
    path(
        "improvement/highlights/<int:pk>/review/",
        highlights.highlight_review,
        name="improvement-highlight-review",
    ),
    path(
        "improvement/highlights/<int:pk>/history/",
        history_view(HighlightReport.objects),
        name="improvement-highlight-history",
    ),
]
