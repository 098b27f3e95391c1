from django.urls import path

from workforce import views

app_name = "workforce"

urlpatterns = [
    path("", views.index, name="index"),
]
