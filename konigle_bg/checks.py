"""System checks: bad settings fail early with a namespaced id (konigle_bg.E001...)."""

from __future__ import annotations

from django.apps import apps
from django.core import checks

from .conf import SETTINGS, bg_settings, problems


def check_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from django.conf import settings

    errors: list[checks.CheckMessage] = []
    user = getattr(settings, "KONIGLE_BG", {}) or {}
    if not isinstance(user, dict):
        return [checks.Error("KONIGLE_BG must be a dict.", id="konigle_bg.E001")]
    for key in sorted(set(user) - set(SETTINGS)):
        errors.append(
            checks.Error(
                f"Unknown KONIGLE_BG setting {key!r}.",
                hint=f"Known settings: {', '.join(sorted(SETTINGS))}.",
                id="konigle_bg.E002",
            )
        )
    # Every key's type, once, here: code reading bg_settings takes the values as typed.
    for key, why in problems(user).items():
        errors.append(checks.Error(f"KONIGLE_BG[{key!r}]: {why}.", id="konigle_bg.E007"))
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
    from .imaging.segment import capabilities, names
    from .imaging.segment.devices import torch_stack_available

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
    elif capabilities(bg_settings.SEGMENTER).needs_torch and not torch_stack_available():
        errors.append(
            checks.Warning(
                f"KONIGLE_BG['SEGMENTER'] = {bg_settings.SEGMENTER!r} needs torch and "
                "transformers, which are not installed: every cut-out will fail.",
                hint="pip install 'konigle-bg[transformers]', or choose another SEGMENTER.",
                id="konigle_bg.W002",
            )
        )
    if any(key.startswith("REMOVEBG_") for key in user) and not apps.is_installed(
        "konigle_bg.removebg"
    ):
        errors.append(
            checks.Warning(
                "KONIGLE_BG sets REMOVEBG_* settings, but the remove.bg-compatible endpoint is "
                "not installed: it is an app of its own now.",
                hint="Add 'konigle_bg.removebg' to INSTALLED_APPS (after 'konigle_bg'), or "
                "drop the REMOVEBG_* settings.",
                id="konigle_bg.W003",
            )
        )
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
