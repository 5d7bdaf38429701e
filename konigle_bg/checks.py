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

    getters = [("IMAGE_MODEL", host.image_model)]
    if not host.single_store():  # single-store mode: check_store_mode() says what it needs
        getters.append(("STORE_MODEL", host.store_model))
    for setting, getter in getters:
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
                id="konigle_bg.W010",
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
                id="konigle_bg.W011",
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


# ------------------------------------------------------------------ the shop's shape
# A shop without a store model (single-store mode), a path or a function to a product's
# store, and the accessors that name the product's fields: each wrong name said clearly.


def _host_models_ready() -> bool:
    """Whether the host models resolve (else check_settings' E003 already says why)."""
    from . import host

    try:
        host.image_model()
        host.store_model()
        host.product_model()
    except Exception:  # noqa: BLE001
        return False
    return True


def _function_errors(settings_names) -> list[checks.CheckMessage]:
    from django.utils.module_loading import import_string

    errors = []
    for name in settings_names:
        path = getattr(bg_settings, name)
        if not path or callable(path):
            continue
        try:
            func = import_string(path)
        except ImportError as exc:
            errors.append(
                checks.Error(
                    f"KONIGLE_BG[{name!r}] = {path!r} cannot be imported ({exc}).",
                    hint="Give the dotted path of a function, e.g. 'myshop.konigle.store_of'.",
                    id="konigle_bg.E011",
                )
            )
            continue
        if not callable(func):
            errors.append(
                checks.Error(
                    f"KONIGLE_BG[{name!r}] = {path!r} is not a function.",
                    hint="Give the dotted path of a function, e.g. 'myshop.konigle.store_of'.",
                    id="konigle_bg.E011",
                )
            )
    return errors


def _store_path_errors() -> list[checks.CheckMessage]:
    """PRODUCT_STORE must lead from the product model, foreign key by foreign key, to the
    store model."""
    from . import host

    path, product, store = bg_settings.PRODUCT_STORE, host.product_model(), host.store_model()
    setting = f"KONIGLE_BG['PRODUCT_STORE'] = {path!r}"
    hint = (
        "Name the product's foreign key to its store ('store'), or a path of foreign keys "
        "('brand__store'); or set KONIGLE_BG['PRODUCT_STORE_FUNCTION'] to a function(product) "
        "-> store. A shop with no store model leaves KONIGLE_BG['STORE_MODEL'] unset "
        "(single-store mode)."
    )
    model = product
    for part in str(path).split("__"):
        try:
            field = model._meta.get_field(part)
        except Exception:  # noqa: BLE001
            return [
                checks.Error(
                    f"{setting}: {part!r} is not a field of {model._meta.label}.",
                    hint=hint,
                    id="konigle_bg.E010",
                )
            ]
        if not (field.many_to_one or field.one_to_one) or field.related_model is None:
            return [
                checks.Error(
                    f"{setting}: {part!r} of {model._meta.label} is not a foreign key.",
                    hint=hint,
                    id="konigle_bg.E010",
                )
            ]
        model = field.related_model
    if model is not store:
        return [
            checks.Error(
                f"{setting} leads from {product._meta.label} to {model._meta.label}, not to "
                f"the store model {store._meta.label} (KONIGLE_BG['STORE_MODEL']).",
                hint=hint,
                id="konigle_bg.E010",
            )
        ]
    return []


def check_store_mode(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """How a product finds its store: single-store mode's needs, the path, the functions."""
    from django.conf import settings

    from . import host

    errors = _function_errors(
        ["PRODUCT_STORE_FUNCTION", "STORE_PRODUCTS_FUNCTION", "PRODUCT_PUBLISHED_FUNCTION"]
        + ["SINGLE_STORE_MEMBERS", "USER_PRODUCTS_FUNCTION"]
    )
    mode = host.store_mode()
    if mode == host.SINGLE and not host.sites_installed():
        errors.append(
            checks.Error(
                "KONIGLE_BG['STORE_MODEL'] is not set, so konigle_bg runs in single-store mode "
                f"on the current site, but {host.SITES_APP!r} is not in INSTALLED_APPS.",
                hint=f"Add {host.SITES_APP!r} to INSTALLED_APPS and SITE_ID = 1 to your "
                "settings (django-oscar has both), or set KONIGLE_BG['STORE_MODEL'] to your "
                "store model, e.g. 'catalog.Shop'.",
                id="konigle_bg.E008",
            )
        )
    elif mode == host.SINGLE and getattr(settings, "SITE_ID", None) is None:
        errors.append(
            checks.Error(
                "Single-store mode (KONIGLE_BG['STORE_MODEL'] unset) needs SITE_ID: the "
                "current site is the store.",
                hint="Add SITE_ID = 1 to your settings.",
                id="konigle_bg.E009",
            )
        )
    if errors or not _host_models_ready():
        return errors
    if mode == host.PATH:
        errors += _store_path_errors()
    if mode == host.FUNCTION and not bg_settings.STORE_PRODUCTS_FUNCTION:
        errors.append(
            checks.Warning(
                "KONIGLE_BG['PRODUCT_STORE_FUNCTION'] is set without "
                "KONIGLE_BG['STORE_PRODUCTS_FUNCTION']: finding a store's photos reads every "
                "product one by one.",
                hint="Set KONIGLE_BG['STORE_PRODUCTS_FUNCTION'] to a function(stores) -> "
                "queryset of their products.",
                id="konigle_bg.W006",
            )
        )
    return errors


ACCESSOR_HINTS = {
    "PRODUCT_TITLE": "Name the product's title field or method ('title'; django-oscar: "
    "'get_title').",
    "PRODUCT_PUBLISHED": "Name the product's field, property or method that says it is on sale "
    "(django-oscar: 'is_public'), or set KONIGLE_BG['PRODUCT_PUBLISHED_FUNCTION'] to a "
    "function(product) -> bool.",
    "PRODUCT_IMAGES": "Name the product's accessor of its photos: the related_name of the "
    "photo's foreign key to the product",
}


def _has_name(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
        return True
    except Exception:  # noqa: BLE001
        return hasattr(model, name)


def check_product_accessors(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """PRODUCT_TITLE, PRODUCT_PUBLISHED and PRODUCT_IMAGES name something on the product."""
    from . import host

    if not _host_models_ready():
        return []
    product = host.product_model()
    names = ["PRODUCT_TITLE", "PRODUCT_IMAGES"]
    if not bg_settings.PRODUCT_PUBLISHED_FUNCTION:
        names.append("PRODUCT_PUBLISHED")
    errors = []
    for setting in names:
        value = str(getattr(bg_settings, setting))
        if _has_name(product, value.split(".")[0]):
            continue
        hint = ACCESSOR_HINTS[setting]
        if setting == "PRODUCT_IMAGES":
            fk = host.image_model()._meta.get_field(bg_settings.PRODUCT_FIELD)
            hint += f": here {fk.remote_field.get_accessor_name()!r}."
        errors.append(
            checks.Error(
                f"KONIGLE_BG[{setting!r}] = {value!r} is neither a field nor an attribute of "
                f"{product._meta.label}.",
                hint=hint,
                id="konigle_bg.E012",
            )
        )
    return errors


def check_members(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Who may act: STORE_MEMBER_LOOKUPS resolve on the store model, and an empty list is an
    error unless ALL_USERS_MAY_ACT says every signed-in user may act (secure by default)."""
    from django.core.exceptions import FieldError

    from . import host

    if host.single_store() or not _host_models_ready():
        return []
    lookups = bg_settings.STORE_MEMBER_LOOKUPS
    if not lookups:
        if bg_settings.ALL_USERS_MAY_ACT:
            return []
        return [
            checks.Error(
                "KONIGLE_BG['STORE_MEMBER_LOOKUPS'] is empty: nobody but superusers may see or "
                "change a store's photos.",
                hint="Name the store's fields that lead to its members, e.g. ['owner', "
                "'staff']. To let every signed-in user see and change every store's photos, "
                "set KONIGLE_BG['ALL_USERS_MAY_ACT'] = True as well.",
                id="konigle_bg.E014",
            )
        ]
    store = host.store_model()
    errors = []
    for lookup in lookups:
        try:
            store.objects.filter(**{lookup: None})
        except (FieldError, ValueError) as exc:
            errors.append(
                checks.Error(
                    f"KONIGLE_BG['STORE_MEMBER_LOOKUPS'] names {lookup!r}, which is not a "
                    f"lookup of {store._meta.label} ({exc}).",
                    hint="Name the store's fields that lead to its members' users, e.g. "
                    "['owner', 'staff'] or ['team__members'].",
                    id="konigle_bg.E013",
                )
            )
    return errors


def check_products_without_store(app_configs=None, databases=None, **kwargs):
    """Products the settings lead to no store (run by ``check --database default`` and
    ``migrate``): their photos are never processed, so say which."""
    from django.db import DatabaseError

    from . import host

    if not databases or host.store_mode() != host.PATH or not _host_models_ready():
        return []
    if _store_path_errors():
        return []
    path = bg_settings.PRODUCT_STORE
    try:
        missing = host.product_model()._default_manager.filter(**{f"{path}__isnull": True})
        count = missing.count()
        ids = list(missing.order_by("pk").values_list("pk", flat=True)[:5])
    except DatabaseError:  # tables not created yet (the first migrate)
        return []
    if not count:
        return []
    example = ", ".join(str(i) for i in ids)
    return [
        checks.Warning(
            f"{count} product(s) have no store (KONIGLE_BG['PRODUCT_STORE'] = {path!r} is "
            f"empty on them), e.g. id {example}: their photos are not processed, and only "
            "superusers see them.",
            hint="Give each product a store, or correct KONIGLE_BG['PRODUCT_STORE'].",
            id="konigle_bg.W007",
        )
    ]


# ------------------------------------------------------------------ the queue and the API


def _importable(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def check_broker(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Q_CLUSTER names a broker konigle_bg can hand its jobs to (else photos wait: they are
    recorded and queued again by the worker's sweep or ``manage.py bg_retry``)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    orm_hint = (
        "For a first try, use the database as the queue: Q_CLUSTER = {'name': 'shop', "
        "'orm': 'default'}. Photos published meanwhile wait and are queued again by "
        "'manage.py bg_retry' or the worker's sweep."
    )
    conf = getattr(settings, "Q_CLUSTER", None)
    if conf is None:
        if bg_settings.ORM_BROKER_FALLBACK:
            return []  # queue.use_fallback_broker() runs django-q2 on the ORM broker
        missing = "" if _importable("redis") else ", and the redis package is not installed"
        return [
            checks.Warning(
                "Q_CLUSTER is not set: django-q2 then hands konigle_bg's jobs to Redis on "
                f"localhost:6379{missing}.",
                hint=orm_hint,
                id="konigle_bg.W002",
            )
        ]
    if not isinstance(conf, dict):
        return []
    if conf.get("broker_class"):
        try:
            broker = import_string(conf["broker_class"])
        except ImportError as exc:
            return [
                checks.Warning(
                    f"Q_CLUSTER['broker_class'] = {conf['broker_class']!r} cannot be imported "
                    f"({exc}): photos wait until it can.",
                    hint=orm_hint,
                    id="konigle_bg.W004",
                )
            ]
        redis_based = any(c.__module__.endswith("redis_broker") for c in broker.__mro__)
    else:
        others = ("orm", "sqs", "iron_mq", "mongo")
        redis_based = not any(conf.get(k) for k in others)
    if redis_based and not _importable("redis"):
        return [
            checks.Warning(
                "Q_CLUSTER uses django-q2's Redis broker, but the redis package is not "
                "installed: photos wait until it is.",
                hint=f"pip install redis; or: {orm_hint}",
                id="konigle_bg.W003",
            )
        ]
    alias = conf.get("orm")
    if alias and alias not in settings.DATABASES:
        return [
            checks.Warning(
                f"Q_CLUSTER['orm'] = {alias!r} is not a database alias of DATABASES: photos "
                "wait until it is.",
                hint=f"Use one of: {', '.join(settings.DATABASES)}.",
                id="konigle_bg.W005",
            )
        ]
    return []


def check_token_auth(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """DRF's TokenAuthentication without its app answers 500 to any ``Token`` header."""
    from django.apps import apps
    from django.conf import settings
    from django.utils.module_loading import import_string

    if apps.is_installed("rest_framework.authtoken"):
        return []
    classes = (getattr(settings, "REST_FRAMEWORK", None) or {}).get(
        "DEFAULT_AUTHENTICATION_CLASSES", []
    )
    for path in classes:
        try:
            cls = import_string(path) if isinstance(path, str) else path
        except ImportError:
            continue
        if any(c.__name__ == "TokenAuthentication" for c in getattr(cls, "__mro__", ())):
            return [
                checks.Warning(
                    "REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES'] names "
                    "TokenAuthentication, but 'rest_framework.authtoken' is not in "
                    "INSTALLED_APPS: your own API views answer 500 to an 'Authorization: "
                    "Token ...' header (konigle_bg's ignore it).",
                    hint="Add 'rest_framework.authtoken' to INSTALLED_APPS (and migrate) to "
                    "use tokens, or take TokenAuthentication out.",
                    id="konigle_bg.W008",
                )
            ]
    return []


def register() -> None:
    checks.register(check_settings, "konigle_bg")
    for check in (
        check_store_mode,
        check_product_accessors,
        check_members,
        check_broker,
        check_token_auth,
    ):
        checks.register(check, "konigle_bg")
    checks.register(check_products_without_store, "konigle_bg", checks.Tags.database)
