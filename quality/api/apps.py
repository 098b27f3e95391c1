from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "quality.api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        # Registers the bearer token's description with drf-spectacular.
        from quality.api import schema  # noqa: F401
