"""Host-model hooks: they only enqueue, skip raw fixture loads, and wait for the commit."""

from __future__ import annotations

from django.db.models.signals import post_save

from . import host


def product_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or not host.product_is_published(instance):
        return
    from .tasks import enqueue_image

    # Idempotent downstream (cut-outs and variants are keyed by source checksum + spec hash),
    # so saving a published product again queues cheap no-ops, never a second cut-out.
    for image in host.product_images(instance):
        enqueue_image(image.pk)


def image_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    if not host.product_is_published(host.image_product(instance)):
        return
    from .tasks import enqueue_image

    enqueue_image(instance.pk)


def connect() -> None:
    if not host.is_configured():
        return  # the system check (konigle_bg.E003) says what to set
    post_save.connect(product_saved, sender=host.product_model(), dispatch_uid="konigle_bg_product")
    post_save.connect(image_saved, sender=host.image_model(), dispatch_uid="konigle_bg_image")
