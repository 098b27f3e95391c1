from django.urls import path

from incidents.calendar import views

# Included in incidents.urls, so the names are incidents:calendar, incidents:calendar-event...
urlpatterns = [
    path("calendar/", views.calendar_month, name="calendar"),
    path("calendar/list/", views.calendar_list, name="calendar-list"),
    path("calendar/events/new/", views.event_create, name="calendar-event-create"),
    path("calendar/events/<int:pk>/", views.event_detail, name="calendar-event"),
    path("calendar/events/<int:pk>/edit/", views.event_edit, name="calendar-event-edit"),
    path("calendar/events/<int:pk>/remove/", views.event_remove, name="calendar-event-remove"),
    path("calendar/events/<int:pk>/attendance/", views.attendance, name="calendar-attendance"),
    path("calendar/events/<int:pk>/materials/new/", views.material_add, name="calendar-material-add"),
    path(
        "calendar/events/<int:pk>/materials/<int:material>/",
        views.material_download,
        name="calendar-material-download",
    ),
    path("calendar/cohorts/", views.cohort_list, name="calendar-cohorts"),
    path("calendar/cohorts/new/", views.cohort_create, name="calendar-cohort-create"),
    path("calendar/cohorts/<int:pk>/edit/", views.cohort_edit, name="calendar-cohort-edit"),
    path("calendar/feed/", views.feed_settings, name="calendar-feed-settings"),
    # No sign-in: the secret in the address is the credential (calendar apps cannot sign in).
    path("calendar/feed/<str:token>.ics", views.feed, name="calendar-feed"),
]
