from django.apps import AppConfig


class AssuranceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assurance"

    def ready(self):
        from assurance import deadlines
        from incidents.calendar.deadlines import deadline_source_register

        deadline_source_register(deadlines.framework_entries)
