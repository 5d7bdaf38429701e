"""The storage derived files (cut-outs, rendered variants) live in: ``KONIGLE_BG["STORAGE"]``.

``None`` (the default) is Django's default storage, beside the originals; any other value is
an alias of ``settings.STORAGES`` (e.g. a bucket served by a CDN). Resolved lazily and again
after a settings change, like ``default_storage``.
"""

from __future__ import annotations

from django.core.files.storage import Storage, default_storage, storages
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty

from .conf import bg_settings


class DerivedStorage(LazyObject):
    def _setup(self) -> None:
        alias = bg_settings.STORAGE
        self._wrapped = storages[alias] if alias else default_storage


derived = DerivedStorage()


def derived_storage() -> Storage:
    """For ``FileField(storage=...)``: a callable, so migrations name it, not a backend."""
    return derived


def _reset(*, setting: str, **kwargs) -> None:
    if setting in ("KONIGLE_BG", "STORAGES"):
        derived._wrapped = empty


setting_changed.connect(_reset)
