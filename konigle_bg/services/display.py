"""What the storefront shows for a photo, for whatever a template or thumbnailer is handed.

``shown_file(x)`` is the file to show (the active variant's, in the derived files' storage;
else the original); ``shown_url(x)`` its URL. ``x`` may be a photo, the photo's own file
(``image.original`` in django-oscar: a FieldFile whose ``instance`` is the photo), ``None``, a
string, or a placeholder (django-oscar's missing-image dict): what is not a photo comes back as
it was given, so a template never fails on it.

A listing costs one query: while a request runs, every photo and product row it loads is
noted (``post_init``), and the first photo asked about brings the active variants of all of
them (and of all the photos of those products) in one query. Outside requests (workers,
scripts) each photo is one query, as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Model, Q
from django.db.models.fields.files import FieldFile

from .. import host
from ..conf import bg_settings
from ..models import Variant

# Per request: photos and products loaded so far, and what was decided: the variant shown by
# each photo asked about (None: the original), and the products whose photos were all looked up.
_batch: ContextVar[dict | None] = ContextVar("konigle_bg_display_batch", default=None)
CHUNK = 400  # ids per query (SQLite's bound-parameter limit is 999 on old builds)


def request_started(**kwargs) -> None:
    _batch.set({"images": set(), "products": set(), "shown": {}, "products_done": set()})


def request_finished(**kwargs) -> None:
    _batch.set(None)


def photo_loaded(sender, instance, **kwargs) -> None:
    batch = _batch.get()
    if batch is not None and instance.pk is not None:
        batch["images"].add(instance.pk)


def product_loaded(sender, instance, **kwargs) -> None:
    batch = _batch.get()
    if batch is not None and instance.pk is not None:
        batch["products"].add(instance.pk)


def photo_changed(sender, image, **kwargs) -> None:
    """What a photo shows changed (konigle_bg.events): decide it afresh if asked again."""
    batch = _batch.get()
    if batch is not None:
        batch["shown"].pop(getattr(image, "pk", image), None)
        batch["products_done"].discard(_product_id(image))


def _product_id(image) -> Any:
    return getattr(image, f"{bg_settings.PRODUCT_FIELD}_id", None)


def _active(image_ids: Iterable = (), product_ids: Iterable = ()) -> dict:
    """Active variants (image id -> variant) of these photos and of every photo of these
    products, in one query (more only past CHUNK ids)."""
    images, products = list(image_ids), list(product_ids)
    by_product = f"image__{bg_settings.PRODUCT_FIELD}_id__in"
    found = {}
    for i in range(0, max(len(images), len(products), 1), CHUNK):
        q = Q(image_id__in=images[i : i + CHUNK]) | Q(**{by_product: products[i : i + CHUNK]})
        rows = Variant.objects.filter(q, is_active=True).only("image_id", "file")
        found.update({v.image_id: v for v in rows})
    return found


def shown_variant(image: Model) -> Variant | None:
    """The photo's active variant (None: the original is shown)."""
    prefetched = getattr(image, "active_variants", None)  # the API's and photo_status's
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    batch = _batch.get()
    if batch is None:
        return _active([image.pk]).get(image.pk)
    shown, done = batch["shown"], batch["products_done"]
    if image.pk not in shown and _product_id(image) not in done:
        images = (batch["images"] - shown.keys()) | {image.pk}
        products = batch["products"] - done
        if _product_id(image) is not None:
            products.add(_product_id(image))
        found = _active(images, products)
        shown.update({i: found.get(i) for i in images})
        shown.update(found)
        done |= products
    return shown.get(image.pk)


def as_photo(value: Any) -> Model | None:
    """The photo ``value`` is or stands for (its own image file), else None."""
    if value is None or isinstance(value, str | bytes):
        return None
    model = host.image_model()
    if isinstance(value, model):
        return value
    if isinstance(value, FieldFile) and isinstance(getattr(value, "instance", None), model):
        if value.field.name == bg_settings.IMAGE_FIELD:
            return value.instance
    return None


def shown_file(value: Any):
    """The file to show for ``value``: a photo's (or its image file's) active variant file,
    else the original; anything else comes back unchanged (a placeholder mapping: its
    ``original``)."""
    photo = as_photo(value)
    if photo is None:
        if isinstance(value, Mapping) and "original" in value:
            return shown_file(value["original"])
        return value
    variant = shown_variant(photo)
    return variant.file if variant is not None and variant.file else host.image_file(photo)


def shown_url(value: Any) -> str:
    """The URL to show for ``value`` (see :func:`shown_file`): a string is returned as given,
    None as ""; a file-like object without a URL (Oscar's missing image) is a name in the
    default storage."""
    if value is None:
        return ""
    if isinstance(value, Mapping) and "original" in value:
        original = value["original"]
        return default_storage.url(original) if isinstance(original, str) else shown_url(original)
    f = shown_file(value)
    if isinstance(f, str):
        return f
    try:
        url = getattr(f, "url", None)
    except ValueError:  # a FieldFile without a file
        return ""
    if url:
        return str(url)
    name = getattr(f, "name", None)
    return default_storage.url(name) if name else ""


def connect() -> None:
    """Wire the request batch (called once, from konigle_bg's ready())."""
    from django.core.signals import request_finished as finished
    from django.core.signals import request_started as started
    from django.db.models.signals import post_init

    from .. import events

    started.connect(request_started, dispatch_uid="konigle_bg_display_start")
    finished.connect(request_finished, dispatch_uid="konigle_bg_display_end")
    post_init.connect(photo_loaded, sender=host.image_model(), dispatch_uid="konigle_bg_display")
    post_init.connect(
        product_loaded, sender=host.product_model(), dispatch_uid="konigle_bg_display_product"
    )
    events.photo_changed.connect(photo_changed, dispatch_uid="konigle_bg_display_changed")
