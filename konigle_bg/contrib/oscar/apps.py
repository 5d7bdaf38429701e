from django.apps import AppConfig

from ...conf import register_defaults
from .defaults import OSCAR_DEFAULTS


class OscarConfig(AppConfig):
    """``konigle_bg.contrib.oscar``: add it after ``konigle_bg`` (and Oscar's apps)."""

    name = "konigle_bg.contrib.oscar"
    label = "konigle_bg_oscar"
    verbose_name = "Background replacement for django-oscar"

    def __init__(self, app_name, app_module) -> None:
        super().__init__(app_name, app_module)
        # Before any models are imported: konigle_bg's models read IMAGE_MODEL/STORE_MODEL then.
        register_defaults(self.name, OSCAR_DEFAULTS)

    def ready(self) -> None:
        # Wiring only: the checks, the dashboard's product page, the thumbnails of deleted results.
        from . import checks, dashboard, signals

        checks.register()
        dashboard.install()
        signals.connect()
