from django.apps import AppConfig


class LmnsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lmns"
    verbose_name = "Organisations and people"
