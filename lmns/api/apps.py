from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "lmns.api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        # Registers the bearer token's description with drf-spectacular.
        from lmns.api import schema  # noqa: F401
