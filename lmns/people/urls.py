from django.urls import path

from lmns.people import views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("invite/", views.person_invite, name="invite"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/history/", views.person_history, name="history"),
    path("<int:pk>/roles/new/", views.role_grant, name="role-grant"),
    path("<int:pk>/roles/<int:membership>/remove/", views.role_remove, name="role-remove"),
    path("<int:pk>/deactivate/", views.person_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.person_reactivate, name="reactivate"),
    path("<int:pk>/invitation/", views.invitation_resend, name="invitation-resend"),
]
