from django.apps import AppConfig


class RemoveBgConfig(AppConfig):
    name = "konigle_bg.removebg"
    # Not "removebg": a shop may well have an app of that name already.
    label = "konigle_bg_removebg"
    verbose_name = "Background removal API (remove.bg-compatible)"
    default_auto_field = "django.db.models.BigAutoField"
    #: Joined to ``konigle_bg.api.urls`` while this app is installed (the core names no app).
    bg_api_urls = "konigle_bg.removebg.urls"
