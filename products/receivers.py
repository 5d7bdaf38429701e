"""The demo shop's side of konigle_bg's signals: what a real shop would purge from its CDN,
and whom it would tell that a result waits for them."""

from __future__ import annotations

import logging

from django.urls import reverse

from konigle_bg import host
from konigle_bg.events import photo_changed, photo_held

log = logging.getLogger("products")


def purge_product_page(sender, image, variant, reason: str, **kwargs) -> None:
    # The product page embeds the photo's URL, which just changed: a CDN would purge it here.
    url = host.image_product(image).get_absolute_url()
    log.info("purge %s (photo %s %s)", url, image.pk, reason)


def tell_the_seller(sender, image, variant, confidence, **kwargs) -> None:
    # A result waits for the seller (not shown): a real shop would e-mail them a link.
    url = reverse("konigle_bg:review-product", args=[host.image_product(image).pk])
    log.info("held %s#photo-%s (confidence %.0f%%)", url, image.pk, 100 * (confidence or 0))


def connect() -> None:
    photo_changed.connect(purge_product_page, dispatch_uid="products_purge_product_page")
    photo_held.connect(tell_the_seller, dispatch_uid="products_tell_the_seller")
