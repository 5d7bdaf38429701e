from django.apps import AppConfig


class KonigleBgConfig(AppConfig):
    name = "konigle_bg"
    verbose_name = "Background replacement"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Only wiring here (as django.contrib apps do): signals, system checks, and django-q2
        # on the ORM broker where a contrib app asks for it and the shop has no Q_CLUSTER.
        from . import checks, queue, signals

        checks.register()
        signals.connect()
        queue.use_fallback_broker()
