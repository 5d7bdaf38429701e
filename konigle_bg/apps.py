from django.apps import AppConfig


class KonigleBgConfig(AppConfig):
    name = "konigle_bg"
    verbose_name = "Background replacement"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Only wiring here (as django.contrib apps do): signals and system checks.
        from . import checks, signals

        checks.register()
        signals.connect()
