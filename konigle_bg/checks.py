"""System checks: bad settings fail early with a namespaced id (konigle_bg.E001...)."""

from __future__ import annotations

from django.core import checks

from .conf import DEFAULTS, bg_settings


def check_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from django.conf import settings

    errors: list[checks.CheckMessage] = []
    user = getattr(settings, "KONIGLE_BG", {}) or {}
    if not isinstance(user, dict):
        return [checks.Error("KONIGLE_BG must be a dict.", id="konigle_bg.E001")]
    for key in sorted(set(user) - set(DEFAULTS)):
        errors.append(
            checks.Error(
                f"Unknown KONIGLE_BG setting {key!r}.",
                hint=f"Known settings: {', '.join(sorted(DEFAULTS))}.",
                id="konigle_bg.E002",
            )
        )
    from . import host

    for setting, getter in (("IMAGE_MODEL", host.image_model), ("STORE_MODEL", host.store_model)):
        try:
            getter()
        except Exception as exc:  # noqa: BLE001 - any failure is a configuration error here
            errors.append(checks.Error(str(exc), id="konigle_bg.E003", obj=setting))
    if errors:
        return errors
    model = host.image_model()
    for setting in ("IMAGE_FIELD", "PRODUCT_FIELD"):
        name = getattr(bg_settings, setting)
        try:
            model._meta.get_field(name)
        except Exception:  # noqa: BLE001
            errors.append(
                checks.Error(
                    f"KONIGLE_BG[{setting!r}] = {name!r} is not a field of {model._meta.label}.",
                    id="konigle_bg.E004",
                )
            )
    from .imaging.segment import names

    if bg_settings.SEGMENTER not in names():
        errors.append(
            checks.Error(
                f"KONIGLE_BG['SEGMENTER'] = {bg_settings.SEGMENTER!r} is not a known backend.",
                hint=f"Choose one of: {', '.join(names())}.",
                id="konigle_bg.E005",
            )
        )
    from .imaging.compose import PRESETS

    if bg_settings.DEFAULT_THEME not in PRESETS:
        errors.append(
            checks.Error(
                f"KONIGLE_BG['DEFAULT_THEME'] = {bg_settings.DEFAULT_THEME!r} is not a preset.",
                hint=f"Choose one of: {', '.join(sorted(PRESETS))}.",
                id="konigle_bg.E006",
            )
        )
    if not 0 <= float(bg_settings.REVIEW_THRESHOLD) <= 1:
        errors.append(checks.Error("REVIEW_THRESHOLD must be in [0, 1].", id="konigle_bg.E007"))
    q = getattr(settings, "Q_CLUSTER", {})
    if q and q.get("timeout") and q.get("retry") and q["timeout"] >= q["retry"]:
        errors.append(
            checks.Warning(
                "Q_CLUSTER timeout should be shorter than retry, or a slow job runs twice.",
                id="konigle_bg.W001",
            )
        )
    return errors


def register() -> None:
    checks.register(check_settings, "konigle_bg")
