"""System checks of the django-oscar recipe (konigle_bg.W009...)."""

from __future__ import annotations

from django.core import checks

THUMBNAILERS = (
    "konigle_bg.contrib.oscar.thumbnails.Thumbnailer",
    "konigle_bg.contrib.oscar.thumbnails.EasyThumbnailer",
)


def check_thumbnailer(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from django.conf import settings
    from django.utils.module_loading import import_string

    from .thumbnails import ShowsProcessed

    name = getattr(settings, "OSCAR_THUMBNAILER", "oscar.core.thumbnails.SorlThumbnail")
    try:
        ours = issubclass(import_string(name), ShowsProcessed)
    except ImportError:
        ours = False  # Oscar's own check reports an unimportable thumbnailer
    if ours:
        return []
    return [
        checks.Warning(
            f"OSCAR_THUMBNAILER = {name!r}: Oscar's pages show the original photos, not the "
            "processed ones.",
            hint=f"Set OSCAR_THUMBNAILER = {THUMBNAILERS[0]!r} (sorl-thumbnail) or "
            f"{THUMBNAILERS[1]!r} (easy-thumbnails).",
            id="konigle_bg.W009",
        )
    ]


def register() -> None:
    checks.register(check_thumbnailer, "konigle_bg")
