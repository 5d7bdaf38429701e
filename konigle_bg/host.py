"""The small, documented contract with the host's models (resolved like AUTH_USER_MODEL).

konigle_bg never imports the host app: it reaches the image model through
``KONIGLE_BG["IMAGE_MODEL"]`` and walks to the product and store through the accessor
settings, so any catalogue with "image -> product -> store" fits.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q

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


def model_label(setting: str) -> str:
    """The ``app_label.ModelName`` a host-model setting names (a placeholder while unset)."""
    return getattr(bg_settings, setting) or UNSET_MODEL


def is_configured() -> bool:
    """Whether both host-model settings are set (else the system check reports it)."""
    return all(getattr(bg_settings, setting) for setting in HOST_MODELS)


def _model(setting: str) -> type[Model]:
    label = getattr(bg_settings, setting)
    if not label:
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
    return bool(_attr(product, bg_settings.PRODUCT_PUBLISHED))


def product_store(product: Model) -> Model:
    return getattr(product, bg_settings.PRODUCT_STORE)


def product_images(product: Model):
    return getattr(product, bg_settings.PRODUCT_IMAGES).all()


def image_store_id(image: Model):
    return getattr(image_product(image), f"{bg_settings.PRODUCT_STORE}_id")


def image_store_lookup() -> str:
    """ORM lookup from the image model to its store, e.g. ``product__store``."""
    return f"{bg_settings.PRODUCT_FIELD}__{bg_settings.PRODUCT_STORE}"


def stores_for(user):
    """Stores ``user`` may see: every store for superusers, else those it is a member of."""
    Store = store_model()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Store.objects.none()
    if user.is_superuser:
        return Store.objects.all()
    q = Q()
    for lookup in bg_settings.STORE_MEMBER_LOOKUPS:
        q |= Q(**{lookup: user})
    return Store.objects.filter(q).distinct()


def store_path(model: type[Model]) -> str:
    """ORM lookup from ``model``'s rows to their store: the host's image and product models,
    and konigle_bg's models (a ``store`` field, else an ``image`` field)."""
    if model is store_model():
        return "pk"
    if model is image_model():
        return image_store_lookup()
    if model is product_model():
        return bg_settings.PRODUCT_STORE
    names = {f.name for f in model._meta.get_fields()}
    if "store" in names:
        return "store"
    if "image" in names:
        return f"image__{image_store_lookup()}"
    raise ImproperlyConfigured(f"{model.__name__} has no way to its store.")


def visible_to(user, queryset):
    """``queryset`` cut to the rows of the stores ``user`` may see (``stores_for``).

    The one scoping rule of the review pages, the API and the admin: rows of other stores are
    simply absent, so asking for one is a 404, never a 403 that would reveal it exists.
    """
    if getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser:
        return queryset
    return queryset.filter(**{f"{store_path(queryset.model)}__in": stores_for(user)})


def images_for(user):
    """Photos of the stores ``user`` may see."""
    return visible_to(user, image_model().objects.all())


def products_for(user):
    """Products of the stores ``user`` may see."""
    return visible_to(user, product_model().objects.all())


def store_images(store) -> Any:
    """Every photo of one store (``store`` a row or its primary key)."""
    return image_model().objects.filter(**{image_store_lookup(): store})
