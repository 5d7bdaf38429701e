"""The small, documented contract with the host's models (resolved like AUTH_USER_MODEL).

konigle_bg never imports the host app: it reaches the image model through
``KONIGLE_BG["IMAGE_MODEL"]`` and walks to the product and store through the accessor
settings, so any catalogue with "image -> product -> store" fits. Three shapes of "store":

- **single-store** (``STORE_MODEL`` unset): the shop is one store, the current
  ``django.contrib.sites`` Site (``SITE_ID``), as in django-oscar; who may act is
  ``SINGLE_STORE_MEMBERS`` (default: staff with konigle_bg's ``change_variant`` permission);
- **path**: ``PRODUCT_STORE`` is an ORM path from the product to the store (``store``,
  ``brand__store``);
- **function**: ``PRODUCT_STORE_FUNCTION`` gives a product's store, ``STORE_PRODUCTS_FUNCTION``
  the products of some stores (else they are read one by one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet
from django.utils.module_loading import import_string

from .conf import bg_settings

# What each host-model setting names, for the message when it is missing.
HOST_MODELS = {
    "IMAGE_MODEL": "your product photo model (it has the image file and a foreign key to the "
    "product), e.g. 'catalog.ProductPhoto'",
    "STORE_MODEL": "your store model (products belong to it), e.g. 'catalog.Shop'",
}
# Placeholder the plugin's models point at while a setting is missing, so the project still
# loads and the system check can say what to set (it never resolves to a real model).
UNSET_MODEL = "konigle_bg.HostModelNotConfigured"
# The store of single-store mode: the current site, like django.contrib.sites' own apps.
SITES_APP = "django.contrib.sites"
SINGLE_STORE_MODEL = "sites.Site"
# The permission that lets staff act on the photos in single-store mode.
ACT_PERMISSION = "konigle_bg.change_variant"

SINGLE, PATH, FUNCTION = "single", "path", "function"


class ProductWithoutStore(LookupError):
    """A product the settings lead to no store; the message says which and why."""


def sites_installed() -> bool:
    if apps.apps_ready:
        return apps.is_installed(SITES_APP)
    return any(a == SITES_APP or a.startswith(f"{SITES_APP}.") for a in settings.INSTALLED_APPS)


def single_store() -> bool:
    """Whether the shop has no store model of its own (``STORE_MODEL`` unset)."""
    return not bg_settings.STORE_MODEL


def store_mode() -> str:
    """How a product's store is found: ``SINGLE``, ``FUNCTION`` or ``PATH``."""
    if single_store():
        return SINGLE
    return FUNCTION if bg_settings.PRODUCT_STORE_FUNCTION else PATH


def model_label(setting: str) -> str:
    """The ``app_label.ModelName`` a host-model setting names (a placeholder while unset).

    Unset ``STORE_MODEL`` is single-store mode: the plugin's store foreign keys point at
    ``sites.Site`` (when ``django.contrib.sites`` is installed; else check E008 says so).
    """
    label = getattr(bg_settings, setting)
    if label:
        return label
    if setting == "STORE_MODEL" and sites_installed():
        return SINGLE_STORE_MODEL
    return UNSET_MODEL


def is_configured() -> bool:
    """Whether the host models resolve to something (else the system checks report it)."""
    return all(model_label(setting) != UNSET_MODEL for setting in HOST_MODELS)


def _model(setting: str) -> type[Model]:
    label = model_label(setting)
    if label == UNSET_MODEL:
        if setting == "STORE_MODEL":
            raise ImproperlyConfigured(
                "KONIGLE_BG['STORE_MODEL'] is not set, so konigle_bg runs in single-store mode "
                f"on the current site, which needs {SITES_APP!r} in INSTALLED_APPS (and "
                "SITE_ID). Add it, or set KONIGLE_BG['STORE_MODEL'] to "
                f"{HOST_MODELS[setting]}."
            )
        raise ImproperlyConfigured(
            f"Set KONIGLE_BG[{setting!r}] in your settings to {HOST_MODELS[setting]}."
        )
    try:
        return apps.get_model(label, require_ready=False)
    except (ValueError, LookupError) as exc:
        raise ImproperlyConfigured(f"KONIGLE_BG[{setting!r}] = {label!r}: {exc}") from exc


def image_model() -> type[Model]:
    return _model("IMAGE_MODEL")


def store_model() -> type[Model]:
    return _model("STORE_MODEL")


def product_model() -> type[Model]:
    return image_model()._meta.get_field(bg_settings.PRODUCT_FIELD).related_model


def setting_function(setting: str) -> Callable | None:
    """The function a dotted-path setting names (None while unset)."""
    path = getattr(bg_settings, setting)
    if not path:
        return None
    if callable(path):
        return path
    try:
        return import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"KONIGLE_BG[{setting!r}] = {path!r}: {exc}") from exc


def _attr(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj() if callable(obj) else obj


def image_file(image: Model):
    return getattr(image, bg_settings.IMAGE_FIELD)


def image_product(image: Model) -> Model:
    return getattr(image, bg_settings.PRODUCT_FIELD)


def product_title(product: Model) -> str:
    return str(_attr(product, bg_settings.PRODUCT_TITLE) or "")


def product_description(product: Model) -> str:
    try:
        return str(_attr(product, bg_settings.PRODUCT_DESCRIPTION) or "")
    except AttributeError:
        return ""


def product_is_published(product: Model) -> bool:
    published = setting_function("PRODUCT_PUBLISHED_FUNCTION")
    if published is not None:
        return bool(published(product))
    return bool(_attr(product, bg_settings.PRODUCT_PUBLISHED))


def product_images(product: Model):
    return getattr(product, bg_settings.PRODUCT_IMAGES).all()


# ------------------------------------------------------------------ a product's store


def current_site_id() -> int:
    site_id = getattr(settings, "SITE_ID", None)
    if site_id is None:
        raise ImproperlyConfigured(
            "Single-store mode (KONIGLE_BG['STORE_MODEL'] unset) needs SITE_ID in your settings."
        )
    return site_id


def _no_store(product: Model) -> ProductWithoutStore:
    how = (
        f"KONIGLE_BG['PRODUCT_STORE_FUNCTION'] = {bg_settings.PRODUCT_STORE_FUNCTION!r} gave None"
        if store_mode() == FUNCTION
        else f"KONIGLE_BG['PRODUCT_STORE'] = {bg_settings.PRODUCT_STORE!r} is empty on it"
    )
    return ProductWithoutStore(
        f"Product {str(product)!r} (id {product.pk}) has no store: {how}. Give it a store; "
        "until then its photos are not processed."
    )


def product_store(product: Model) -> Model:
    """The product's store; :class:`ProductWithoutStore` when it has none."""
    mode = store_mode()
    if mode == SINGLE:
        return store_model().objects.get(pk=current_site_id())
    if mode == FUNCTION:
        store = setting_function("PRODUCT_STORE_FUNCTION")(product)
        if store is not None and not isinstance(store, Model):
            store = store_model().objects.filter(pk=store).first()
    else:
        store = product
        for part in bg_settings.PRODUCT_STORE.split("__"):
            store = getattr(store, part) if store is not None else None
    if store is None:
        raise _no_store(product)
    return store


def product_store_id(product: Model):
    """The primary key of the product's store (None when it has none); the foreign key's
    column is read without a query where the path is one foreign key."""
    mode = store_mode()
    if mode == SINGLE:
        return current_site_id()
    if mode == PATH and "__" not in bg_settings.PRODUCT_STORE:
        return getattr(product, f"{bg_settings.PRODUCT_STORE}_id")
    try:
        return product_store(product).pk
    except ProductWithoutStore:
        return None


def image_store_id(image: Model):
    return product_store_id(image_product(image))


def image_store_lookup() -> str:
    """ORM lookup from the image model to its store, e.g. ``product__store`` (path mode only:
    elsewhere use :func:`store_images` or :func:`visible_to`)."""
    if store_mode() != PATH:
        raise ImproperlyConfigured(
            f"No ORM path leads from a photo to its store in {store_mode()} mode."
        )
    return f"{bg_settings.PRODUCT_FIELD}__{bg_settings.PRODUCT_STORE}"


def _store_ids(stores) -> set:
    if isinstance(stores, Model):
        return {stores.pk}
    if isinstance(stores, QuerySet):
        return set(stores.values_list("pk", flat=True))
    if isinstance(stores, Iterable) and not isinstance(stores, str | bytes):
        return {getattr(s, "pk", s) for s in stores}
    return {stores}


def store_products(stores) -> QuerySet:
    """The products of ``stores`` (a store, its primary key, or a queryset or list of them)."""
    products = product_model()._default_manager.all()
    mode = store_mode()
    if mode == PATH:
        key = "__in" if isinstance(stores, QuerySet | list | set | tuple) else ""
        return products.filter(**{f"{bg_settings.PRODUCT_STORE}{key}": stores})
    ids = _store_ids(stores)
    if mode == SINGLE:
        return products if current_site_id() in ids else products.none()
    of_stores = setting_function("STORE_PRODUCTS_FUNCTION")
    if of_stores is not None:
        return of_stores(store_model()._default_manager.filter(pk__in=ids))
    # No query leads there: each product asked (check W004 suggests STORE_PRODUCTS_FUNCTION).
    return products.filter(pk__in=[p.pk for p in products if product_store_id(p) in ids])


def store_images(store) -> Any:
    """Every photo of one store (``store`` a row or its primary key)."""
    images = image_model()._default_manager.all()
    if store_mode() == PATH:
        return images.filter(**{image_store_lookup(): store})
    if store_mode() == SINGLE:
        return images if getattr(store, "pk", store) == current_site_id() else images.none()
    return images.filter(**{f"{bg_settings.PRODUCT_FIELD}__in": store_products(store)})


# ------------------------------------------------------------------ who may act where


def staff_may_act(user) -> bool:
    """The default ``SINGLE_STORE_MEMBERS``: superusers, and active staff holding
    konigle_bg's ``change_variant`` permission (given in the admin, directly or by a group)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or (user.is_staff and user.has_perm(ACT_PERMISSION))


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def stores_for(user):
    """Stores ``user`` may see and act on as a whole: every store for superusers, else those
    it is a member of (``STORE_MEMBER_LOOKUPS``; in single-store mode ``SINGLE_STORE_MEMBERS``).

    An empty ``STORE_MEMBER_LOOKUPS`` gives nobody a store unless ``ALL_USERS_MAY_ACT`` says
    every signed-in user may (system check E014).
    """
    Store = store_model()
    if not _active(user):
        return Store.objects.none()
    if store_mode() == SINGLE:
        member = single_store_member(user)
        return Store.objects.filter(pk=current_site_id()) if member else Store.objects.none()
    if user.is_superuser:
        return Store.objects.all()
    lookups = bg_settings.STORE_MEMBER_LOOKUPS
    if not lookups:
        return Store.objects.all() if bg_settings.ALL_USERS_MAY_ACT else Store.objects.none()
    q = Q()
    for lookup in lookups:
        q |= Q(**{lookup: user})
    return Store.objects.filter(q).distinct()


def single_store_member(user) -> bool:
    """Whether ``user`` may act on the one store of single-store mode (SINGLE_STORE_MEMBERS)."""
    return _active(user) and bool(setting_function("SINGLE_STORE_MEMBERS")(user))


def user_products(user) -> QuerySet | None:
    """Products ``user`` may act on besides its stores' (``USER_PRODUCTS_FUNCTION``)."""
    extra = setting_function("USER_PRODUCTS_FUNCTION")
    return extra(user) if extra is not None and _active(user) else None


def _products_q(model: type[Model], products) -> Q | None:
    """Rows of ``model`` that belong to ``products`` (None: a store-level model)."""
    field = bg_settings.PRODUCT_FIELD
    if model is product_model():
        return Q(pk__in=products)
    if model is image_model():
        return Q(**{f"{field}__in": products})
    names = {f.name for f in model._meta.get_fields()}
    if "image" in names and "store" not in names:
        return Q(**{f"image__{field}__in": products})
    return None


def _stores_q(model: type[Model], stores, whole: bool = False) -> Q:
    """Rows of ``model`` that belong to ``stores`` (a queryset of stores; with ``whole``, the
    one store of single-store mode, whose products are all the products)."""
    if model is store_model():
        return Q(pk__in=stores) if not whole else Q(pk=stores)
    names = {f.name for f in model._meta.get_fields()}
    if model not in (image_model(), product_model()) and "store" in names:
        return Q(store__in=stores) if not whole else Q(store=stores)
    if whole:
        return Q()
    if store_mode() == PATH:
        path = {
            product_model(): bg_settings.PRODUCT_STORE,
            image_model(): image_store_lookup(),
        }.get(model, f"image__{image_store_lookup()}")
        return Q(**{f"{path}__in": stores})
    q = _products_q(model, store_products(stores))
    if q is None:
        raise ImproperlyConfigured(f"{model.__name__} has no way to its store.")
    return q


def visible_to(user, queryset):
    """``queryset`` cut to the rows ``user`` may see: those of its stores (``stores_for``),
    and photo rows of the products ``USER_PRODUCTS_FUNCTION`` gives it.

    The one scoping rule of the review pages, the API and the admin: rows of other stores are
    simply absent, so asking for one is a 404, never a 403 that would reveal it exists.
    """
    model = queryset.model
    if not _active(user):
        return queryset.none()
    q: Q | None = None
    if store_mode() == SINGLE:
        if single_store_member(user):  # the whole (one) store
            return queryset.filter(_stores_q(model, current_site_id(), whole=True))
    elif user.is_superuser:
        return queryset
    else:
        q = _stores_q(model, stores_for(user))
    extra = user_products(user)
    by_product = _products_q(model, extra) if extra is not None else None
    if by_product is not None:
        q = by_product if q is None else q | by_product
    return queryset.none() if q is None else queryset.filter(q)


def may_act_on(user, obj: Model) -> bool:
    """Whether ``obj`` (a store, product, photo or one of konigle_bg's rows) is visible to
    ``user`` under :func:`visible_to`."""
    return visible_to(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def images_for(user):
    """Photos of the stores ``user`` may see."""
    return visible_to(user, image_model().objects.all())


def products_for(user):
    """Products of the stores ``user`` may see."""
    return visible_to(user, product_model().objects.all())
