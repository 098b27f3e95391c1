from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workforce"

    def ready(self):
        from incidents.calendar.deadlines import deadline_source_register
        from workforce import deadlines

        deadline_source_register(deadlines.return_entries)
        deadline_source_register(deadlines.score_entries)
