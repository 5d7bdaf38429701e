"""Host-model hooks: they only enqueue, skip raw fixture loads, and wait for the commit."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from . import host, services


def product_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or not host.product_is_published(instance):
        return
    # Idempotent downstream (cut-outs and variants are keyed by source checksum + spec hash),
    # so saving a published product again queues cheap no-ops, never a second cut-out.
    for image in host.product_images(instance):
        services.queue_photo(image.pk)


def image_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    if not host.product_is_published(host.image_product(instance)):
        return
    services.queue_photo(instance.pk)


def derived_row_deleted(sender, instance, **kwargs) -> None:
    """A cut-out or variant row deleted (directly, by bg_prune, or with its host photo): its
    files go once the transaction commits."""
    from .services.retention import row_deleted

    row_deleted(instance)


def connect() -> None:
    from .models import Cutout, Variant

    for model in (Cutout, Variant):
        post_delete.connect(
            derived_row_deleted, sender=model, dispatch_uid=f"konigle_bg_delete_{model.__name__}"
        )
    if not host.is_configured():
        return  # the system check (konigle_bg.E003) says what to set
    post_save.connect(product_saved, sender=host.product_model(), dispatch_uid="konigle_bg_product")
    post_save.connect(image_saved, sender=host.image_model(), dispatch_uid="konigle_bg_image")
