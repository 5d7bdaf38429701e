"""konigle_bg settings, read lazily from ``settings.KONIGLE_BG`` (after DRF's settings module).

    KONIGLE_BG = {"IMAGE_MODEL": "catalog.Photo", "STORE_MODEL": "catalog.Shop"}

Access goes through ``bg_settings.NAME``; values are reloaded on ``setting_changed`` so
``override_settings(KONIGLE_BG=...)`` works in tests.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

DEFAULTS: dict[str, Any] = {
    # Host models, resolved like AUTH_USER_MODEL ("app_label.ModelName"). No default: every
    # shop names its own (system check konigle_bg.E003 says what to set).
    "IMAGE_MODEL": None,
    "STORE_MODEL": None,
    # Accessors on the host models (dotted attribute paths, from the image model).
    "IMAGE_FIELD": "image",
    "PRODUCT_FIELD": "product",
    "PRODUCT_TITLE": "title",
    "PRODUCT_DESCRIPTION": "description",
    "PRODUCT_PUBLISHED": "is_published",
    "PRODUCT_STORE": "store",
    "PRODUCT_IMAGES": "images",
    # Lookups on the store model naming its members: who may see and change its photos.
    "STORE_MEMBER_LOOKUPS": ["owner", "staff"],
    # Segmentation.
    "SEGMENTER": "u2netp",
    "SEGMENTER_OPTIONS": {},
    "PROMPTS_FROM_TITLE": True,
    "DEVICE": "auto",
    "THREADS": None,  # per worker process; None = cores // Q_CLUSTER workers (konigle_bg.workers)
    "MODELS_DIR": None,
    "CLIPSEG_MODEL": "CIDAS/clipseg-rd64-refined",
    "ONEFORMER_MODEL": "shi-labs/oneformer_coco_swin_large",
    # SEGMENTER "cascade": photos whose fast cut-out scores under this confidence are cut out
    # again with the larger model (ISNet, when installed) and the better result kept.
    "CASCADE_THRESHOLD": 0.6,
    # Results.
    # Storage of derived files: an alias of settings.STORAGES, None = Django's default storage.
    "STORAGE": None,
    # Retention (manage.py bg_prune): per photo, the active variant and this many of the latest
    # others keep their files, with the cut-outs they need; older results stay in the history
    # without a file and are rendered again from their cut-out when shown.
    "KEEP_VARIANTS": 1,
    "DEFAULT_THEME": "white",
    "REVIEW_THRESHOLD": 0.6,
    # Doubtful results wait for a person: a new automatic result scoring under HOLD_THRESHOLD
    # (None = REVIEW_THRESHOLD) is made and kept, but the store goes on showing what it showed
    # before until the seller accepts it, corrects it or re-prompts the photo.
    "HOLD_THRESHOLD": None,
    # False: every result is shown at once, however doubtful (the behaviour before holds).
    "HOLD_DOUBTFUL_RESULTS": True,
    # Input limits.
    "MAX_UPLOAD_BYTES": 40 * 1024 * 1024,
    "MAX_PIXELS": 80_000_000,
    # Longer side the worker works at: larger originals are reduced when decoded, which
    # bounds a worker's memory (the original file itself is never changed).
    "MAX_SIDE": 4096,
    # Queue.
    # A photo whose job keeps killing its worker (out of memory, a crash in a decoder) is
    # given up after this many starts, with the reason on its state.
    "MAX_ATTEMPTS": 3,
    "QUEUE": None,  # django-q2 cluster name for segmentation (GPU workers), None = default
    "RENDER_QUEUE": None,
    # Photos per task of a store-wide theme switch: small enough that several workers share a
    # run, large enough that queue overhead stays small next to rendering.
    "THEME_RUN_BATCH": 4,
    "SYNC": False,  # run jobs inline (tests, scripts)
    # URL import.
    "URL_IMPORT_TIMEOUT": 15,
    "URL_IMPORT_ALLOW_HOSTS": [],
    # remove.bg-compatible endpoint (docs/api.md).
    "REMOVEBG_RATE_LIMIT": 500,  # results a minute per key (or user), as on remove.bg
    # Cut-outs of the same image bytes are reused this long (preview then full, or two
    # background colours, pay for one segmentation); 0 turns the cache off.
    "REMOVEBG_CUTOUT_CACHE_SECONDS": 600,
    "REMOVEBG_CACHE": "default",  # Django cache alias for those cut-outs and the rate limits
    "REMOVEBG_KEEP_SECONDS": 86400,  # how long a store that opted in keeps its results
}


class BgSettings:
    def __init__(self, user_settings: dict | None = None, defaults: dict | None = None):
        self._user = user_settings
        self.defaults = defaults or DEFAULTS
        self._cached: set[str] = set()

    @property
    def user_settings(self) -> dict:
        if self._user is None:
            self._user = getattr(settings, "KONIGLE_BG", {}) or {}
        return self._user

    def __getattr__(self, attr: str) -> Any:
        if attr not in self.defaults:
            raise AttributeError(f"Invalid konigle_bg setting: {attr!r}")
        val = self.user_settings.get(attr, self.defaults[attr])
        self._cached.add(attr)
        setattr(self, attr, val)
        return val

    def reload(self) -> None:
        for attr in self._cached:
            delattr(self, attr)
        self._cached.clear()
        self._user = None


bg_settings = BgSettings()


def _reload(*, setting: str, **kwargs) -> None:
    if setting == "KONIGLE_BG":
        bg_settings.reload()


setting_changed.connect(_reload)
