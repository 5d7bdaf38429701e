"""konigle_bg settings, read lazily from ``settings.KONIGLE_BG`` (after DRF's settings module).

    KONIGLE_BG = {"IMAGE_MODEL": "catalog.Photo", "STORE_MODEL": "catalog.Shop"}

Access goes through ``bg_settings.NAME``; values are reloaded on ``setting_changed`` so
``override_settings(KONIGLE_BG=...)`` works in tests.

Where a value comes from, first found wins: the shop's ``KONIGLE_BG``, then the defaults a
contrib app registered (``register_defaults``, e.g. ``konigle_bg.contrib.oscar`` names Oscar's
models), then ``DEFAULTS`` below.
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
    # product -> store as an ORM path: a foreign key ("store") or a chain ("brand__store").
    # Ignored in single-store mode (STORE_MODEL unset: the current django.contrib.sites Site).
    "PRODUCT_STORE": "store",
    "PRODUCT_IMAGES": "images",
    # Dotted path to function(product) -> its store (a row or primary key), for a shop where
    # no ORM path leads there; PRODUCT_STORE is then not used.
    "PRODUCT_STORE_FUNCTION": None,
    # Dotted path to function(stores queryset) -> queryset of their products, paired with
    # PRODUCT_STORE_FUNCTION; without it the products are read one by one (system check W004).
    "STORE_PRODUCTS_FUNCTION": None,
    # Dotted path to function(product) -> bool, when "published" is not one field (status
    # enums, per-channel publication); PRODUCT_PUBLISHED is then not used.
    "PRODUCT_PUBLISHED_FUNCTION": None,
    # Lookups on the store model naming its members: who may see and change its photos.
    "STORE_MEMBER_LOOKUPS": ["owner", "staff"],
    # True lets every signed-in user see and change every store's photos, with
    # STORE_MEMBER_LOOKUPS = []; never the default (an empty list alone is check error E014).
    "ALL_USERS_MAY_ACT": False,
    # Single-store mode: dotted path to function(user) -> bool, who may act on the one store.
    # Default: active staff holding konigle_bg's "change_variant" permission (and superusers).
    "SINGLE_STORE_MEMBERS": "konigle_bg.host.staff_may_act",
    # Dotted path to function(user) -> queryset of products that user may act on besides their
    # stores' (photos only, no store-wide actions); contrib.oscar: a partner's products.
    "USER_PRODUCTS_FUNCTION": None,
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
    # With no Q_CLUSTER in the settings at all, run django-q2 with its ORM broker on this
    # database alias instead of its own default (Redis on localhost); None leaves it alone.
    "ORM_BROKER_FALLBACK": None,
    # The worker's periodic sweep (a django-q2 schedule made by migrate): every this many
    # minutes it hands the queue what waited for it and photos pending too long; 0: none.
    "SWEEP_MINUTES": 5,
    # A photo still pending after this many minutes is queued again by the sweep (its task
    # was lost: a broker restarted empty); jobs are idempotent, so a duplicate costs little.
    "STALE_PENDING_MINUTES": 60,
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
    # The API's lists: items a page, whatever the shop's REST_FRAMEWORK pagination says
    # (?page_size= up to API_MAX_PAGE_SIZE).
    "API_PAGE_SIZE": 50,
    "API_MAX_PAGE_SIZE": 200,
}

# Defaults that contrib apps register (konigle_bg.contrib.oscar): (who, values), latest first.
_layers: list[tuple[str, dict[str, Any]]] = []


def register_defaults(source: str, values: dict[str, Any]) -> None:
    """Defaults a contrib app supplies in place of ``DEFAULTS``; the shop's KONIGLE_BG still
    wins. Call it from the app's ``AppConfig.__init__``: the plugin's models read the host-model
    settings when they are imported, before any ``ready()``. Registering again replaces."""
    unknown = sorted(set(values) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"{source}: unknown konigle_bg setting(s) {', '.join(unknown)}.")
    _layers[:] = [(s, v) for s, v in _layers if s != source]
    _layers.insert(0, (source, dict(values)))
    bg_settings.reload()


def registered_defaults() -> dict[str, Any]:
    """The contrib apps' defaults merged (what stands between DEFAULTS and the shop's)."""
    merged: dict[str, Any] = {}
    for _source, values in reversed(_layers):
        merged.update(values)
    return merged


def setting_source(name: str) -> str:
    """Where the value of setting ``name`` comes from: "KONIGLE_BG", a contrib app, "default"."""
    if name in bg_settings.user_settings:
        return "KONIGLE_BG"
    return next((source for source, values in _layers if name in values), "default")


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
        if attr in self.user_settings:
            val = self.user_settings[attr]
        else:
            val = next(
                (values[attr] for _source, values in _layers if attr in values),
                self.defaults[attr],
            )
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
