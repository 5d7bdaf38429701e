"""konigle_bg settings, read lazily from ``settings.KONIGLE_BG`` (after DRF's settings module).

    KONIGLE_BG = {"IMAGE_MODEL": "catalog.Photo", "STORE_MODEL": "catalog.Shop"}

Every key is declared once below with its type and default (one line: ``"KEY": integer(3,
min=1)``). The system check ``konigle_bg.E007`` checks every key a shop sets at start-up and
says what it expected; reading a wrong value later raises the same message, so call sites take
the values as they are typed. Access goes through ``bg_settings.NAME``; values are reloaded on
``setting_changed`` so ``override_settings(KONIGLE_BG=...)`` works in tests.

Where a value comes from, first found wins: the shop's ``KONIGLE_BG``, then the defaults a
contrib app registered (``register_defaults``, e.g. ``konigle_bg.contrib.oscar`` names Oscar's
models), then the declarations below.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed


@dataclass(frozen=True)
class Setting:
    """A setting's default and what it must be (``expected`` is said in the error)."""

    default: Any
    expected: str
    accepts: Callable[[Any], bool]
    optional: bool = False  # None is a valid value too

    def problem(self, value: Any) -> str:
        """Why ``value`` is not valid ("" when it is)."""
        if (value is None and self.optional) or self.accepts(value):
            return ""
        expected = f"{self.expected} or None" if self.optional else self.expected
        return f"expected {expected}, got {value!r} ({type(value).__name__})"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def text(default: str | None, *, optional: bool = False) -> Setting:
    return Setting(default, "a string", lambda v: isinstance(v, str), optional)


def flag(default: bool) -> Setting:
    return Setting(default, "True or False", lambda v: isinstance(v, bool))


def integer(default: int | None, *, min: int = 0, optional: bool = False) -> Setting:
    return Setting(default, f"an int >= {min}", lambda v: _is_int(v) and v >= min, optional)


def number(
    default: float | None, *, low: float, high: float | None = None, optional: bool = False
) -> Setting:
    if high is None:
        return Setting(
            default, f"a number > {low}", lambda v: _is_number(v) and v > low, optional
        )
    return Setting(
        default,
        f"a number in [{low}, {high}]",
        lambda v: _is_number(v) and low <= v <= high,
        optional,
    )


def names(default: list[str]) -> Setting:
    return Setting(
        default,
        "a list of strings",
        lambda v: isinstance(v, list | tuple) and all(isinstance(x, str) for x in v),
    )


def mapping(default: dict) -> Setting:
    return Setting(default, "a dict", lambda v: isinstance(v, dict))


def folder(default: str | None = None) -> Setting:
    return Setting(default, "a path", lambda v: isinstance(v, str | os.PathLike), optional=True)


def device(default: str) -> Setting:
    return Setting(
        default,
        "'auto', 'cpu', 'cuda' or 'cuda:N'",
        lambda v: isinstance(v, str) and (v in ("auto", "cpu", "cuda") or v.startswith("cuda:")),
    )


SETTINGS: dict[str, Setting] = {
    # Host models, resolved like AUTH_USER_MODEL ("app_label.ModelName"). No default: every
    # shop names its own (system check konigle_bg.E003 says what to set).
    "IMAGE_MODEL": text(None, optional=True),
    "STORE_MODEL": text(None, optional=True),
    # Accessors on the host models (dotted attribute paths, from the image model).
    "IMAGE_FIELD": text("image"),
    "PRODUCT_FIELD": text("product"),
    "PRODUCT_TITLE": text("title"),
    "PRODUCT_DESCRIPTION": text("description"),
    "PRODUCT_PUBLISHED": text("is_published"),
    # product -> store as an ORM path: a foreign key ("store") or a chain ("brand__store").
    # Ignored in single-store mode (STORE_MODEL unset: the current django.contrib.sites Site).
    "PRODUCT_STORE": text("store"),
    "PRODUCT_IMAGES": text("images"),
    # Dotted path to function(product) -> its store (a row or primary key), for a shop where
    # no ORM path leads there; PRODUCT_STORE is then not used.
    "PRODUCT_STORE_FUNCTION": text(None, optional=True),
    # Dotted path to function(stores queryset) -> queryset of their products, paired with
    # PRODUCT_STORE_FUNCTION; without it the products are read one by one (system check W006).
    "STORE_PRODUCTS_FUNCTION": text(None, optional=True),
    # Dotted path to function(product) -> bool, when "published" is not one field (status
    # enums, per-channel publication); PRODUCT_PUBLISHED is then not used.
    "PRODUCT_PUBLISHED_FUNCTION": text(None, optional=True),
    # Lookups on the store model naming its members: who may see and change its photos.
    "STORE_MEMBER_LOOKUPS": names(["owner", "staff"]),
    # True lets every signed-in user see and change every store's photos, with
    # STORE_MEMBER_LOOKUPS = []; never the default (an empty list alone is check error E014).
    "ALL_USERS_MAY_ACT": flag(False),
    # Single-store mode: dotted path to function(user) -> bool, who may act on the one store.
    # Default: active staff holding konigle_bg's "change_variant" permission (and superusers).
    "SINGLE_STORE_MEMBERS": text("konigle_bg.host.staff_may_act"),
    # Dotted path to function(user) -> queryset of products that user may act on besides their
    # stores' (photos only, no store-wide actions); contrib.oscar: a partner's products.
    "USER_PRODUCTS_FUNCTION": text(None, optional=True),
    # Segmentation.
    "SEGMENTER": text("u2netp"),  # a registered backend (system check konigle_bg.E005)
    "SEGMENTER_OPTIONS": mapping({}),
    "PROMPTS_FROM_TITLE": flag(True),
    "DEVICE": device("auto"),
    # Per worker process; None = cores // Q_CLUSTER workers (konigle_bg.workers).
    "THREADS": integer(None, min=1, optional=True),
    "MODELS_DIR": folder(None),
    "CLIPSEG_MODEL": text("CIDAS/clipseg-rd64-refined"),
    "ONEFORMER_MODEL": text("shi-labs/oneformer_coco_swin_large"),
    # SEGMENTER "cascade": photos whose fast cut-out scores under this confidence are cut out
    # again with the larger model (ISNet, when installed) and the better result kept.
    "CASCADE_THRESHOLD": number(0.6, low=0, high=1),
    # Results.
    # Storage of derived files: an alias of settings.STORAGES, None = Django's default storage.
    "STORAGE": text(None, optional=True),
    # Retention (manage.py bg_prune): per photo, the active variant and this many of the latest
    # others keep their files, with the cut-outs they need; older results stay in the history
    # without a file and are rendered again from their cut-out when shown.
    "KEEP_VARIANTS": integer(1, min=0),
    "DEFAULT_THEME": text("white"),  # a preset (system check konigle_bg.E006)
    "REVIEW_THRESHOLD": number(0.6, low=0, high=1),
    # Doubtful results wait for a person: a new automatic result scoring under HOLD_THRESHOLD
    # (None = REVIEW_THRESHOLD) is made and kept, but the store goes on showing what it showed
    # before until the seller accepts it, corrects it or re-prompts the photo.
    "HOLD_THRESHOLD": number(None, low=0, high=1, optional=True),
    # False: every result is shown at once, however doubtful (the behaviour before holds).
    "HOLD_DOUBTFUL_RESULTS": flag(True),
    # Input limits.
    "MAX_UPLOAD_BYTES": integer(40 * 1024 * 1024, min=1),
    "MAX_PIXELS": integer(80_000_000, min=1),
    # Longer side the worker works at: larger originals are reduced when decoded, which
    # bounds a worker's memory (the original file itself is never changed).
    "MAX_SIDE": integer(4096, min=1),
    # Queue.
    # A photo whose job keeps killing its worker (out of memory, a crash in a decoder) is
    # given up after this many starts, with the reason on its state.
    "MAX_ATTEMPTS": integer(3, min=1),
    # django-q2 cluster name for segmentation (GPU workers), None = default.
    "QUEUE": text(None, optional=True),
    "RENDER_QUEUE": text(None, optional=True),
    # Photos per task of a store-wide theme switch: small enough that several workers share a
    # run, large enough that queue overhead stays small next to rendering.
    "THEME_RUN_BATCH": integer(4, min=1),
    "SYNC": flag(False),  # run jobs inline (tests, scripts)
    # With no Q_CLUSTER in the settings at all, run django-q2 with its ORM broker on this
    # database alias instead of its own default (Redis on localhost); None leaves it alone.
    "ORM_BROKER_FALLBACK": text(None, optional=True),
    # The worker's periodic sweep (a django-q2 schedule made by migrate): every this many
    # minutes it hands the queue what waited for it and photos pending too long; 0: none.
    "SWEEP_MINUTES": integer(5, min=0),
    # A photo still pending after this many minutes is queued again by the sweep (its task
    # was lost: a broker restarted empty); jobs are idempotent, so a duplicate costs little.
    "STALE_PENDING_MINUTES": integer(60, min=1),
    # URL import.
    "URL_IMPORT_TIMEOUT": number(15, low=0),  # seconds
    "URL_IMPORT_ALLOW_HOSTS": names([]),
    # remove.bg-compatible endpoint (konigle_bg.removebg, docs/api.md).
    "REMOVEBG_RATE_LIMIT": integer(500, min=1),  # results a minute per key (or user)
    # Cut-outs of the same image bytes are reused this long (preview then full, or two
    # background colours, pay for one segmentation); 0 turns the cache off.
    "REMOVEBG_CUTOUT_CACHE_SECONDS": integer(600, min=0),
    "REMOVEBG_CACHE": text("default"),  # Django cache alias for those cut-outs and rate limits
    "REMOVEBG_KEEP_SECONDS": integer(86400, min=0),  # how long opted-in stores keep results
    # Threads of the model a web process loads to answer /v1.0/removebg (once per process);
    # None: as a worker (THREADS, else cores // workers).
    "REMOVEBG_THREADS": integer(None, min=1, optional=True),
    # The API's lists: items a page, whatever the shop's REST_FRAMEWORK pagination says
    # (?page_size= up to API_MAX_PAGE_SIZE).
    "API_PAGE_SIZE": integer(50, min=1),
    "API_MAX_PAGE_SIZE": integer(200, min=1),
}

#: Every setting's default (the declarations above, without their types).
DEFAULTS: dict[str, Any] = {name: setting.default for name, setting in SETTINGS.items()}


def problems(user_settings: dict) -> dict[str, str]:
    """Each of ``user_settings``' known keys whose value is not what it should be, and why."""
    found = {}
    for name, value in user_settings.items():
        setting = SETTINGS.get(name)
        if setting is not None and (why := setting.problem(value)):
            found[name] = why
    return found


# Defaults that contrib apps register (konigle_bg.contrib.oscar): (who, values), latest first.
_layers: list[tuple[str, dict[str, Any]]] = []


def register_defaults(source: str, values: dict[str, Any]) -> None:
    """Defaults a contrib app supplies in place of ``DEFAULTS``; the shop's KONIGLE_BG still
    wins. Call it from the app's ``AppConfig.__init__``: the plugin's models read the host-model
    settings when they are imported, before any ``ready()``. Registering again replaces.
    Unknown keys or values of the wrong type are the contrib app's bug: they raise at once."""
    unknown = sorted(set(values) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"{source}: unknown konigle_bg setting(s) {', '.join(unknown)}.")
    wrong = problems(values)
    if wrong:
        raise ValueError(f"{source}: " + "; ".join(f"{k}: {v}" for k, v in wrong.items()))
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
            why = SETTINGS[attr].problem(val) if attr in SETTINGS else ""
            if why:  # the system check said so at start-up (konigle_bg.E007)
                raise ImproperlyConfigured(f"KONIGLE_BG[{attr!r}]: {why}.")
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
