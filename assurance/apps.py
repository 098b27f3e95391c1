from django.apps import AppConfig


class AssuranceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assurance"
