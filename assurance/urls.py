from django.urls import path

from assurance import views

app_name = "assurance"

urlpatterns = [
    path("", views.index, name="index"),
]
