"""The demo shop's side of konigle_bg's signals: what a real shop would purge from its CDN."""

from __future__ import annotations

import logging

from konigle_bg import host
from konigle_bg.events import photo_changed

log = logging.getLogger("products")


def purge_product_page(sender, image, variant, reason: str, **kwargs) -> None:
    # The product page embeds the photo's URL, which just changed: a CDN would purge it here.
    url = host.image_product(image).get_absolute_url()
    log.info("purge %s (photo %s %s)", url, image.pk, reason)


def connect() -> None:
    photo_changed.connect(purge_product_page, dispatch_uid="products_purge_product_page")
