from django.apps import AppConfig


class LmnsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lmns"
    verbose_name = "Organisations and people"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from lmns.sessions import on_sign_in

        user_logged_in.connect(on_sign_in, dispatch_uid="lmns.sessions.on_sign_in")
