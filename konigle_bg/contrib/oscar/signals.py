"""A result deleted (pruned, or with its photo): the thumbnails Oscar's thumbnailer made of
it go too (the file itself is konigle_bg's, deleted once no row uses it)."""

from __future__ import annotations

import logging

from django.db.models.signals import post_delete

log = logging.getLogger("konigle_bg")


def variant_deleted(sender, instance, **kwargs) -> None:
    if not instance.file:
        return
    from oscar.core.thumbnails import get_thumbnailer

    thumbnailer = get_thumbnailer()
    forget = getattr(thumbnailer, "forget", None)
    if forget is None:
        return
    try:
        forget(instance.file)
    except Exception as exc:  # noqa: BLE001 - stale thumbnails are a leak, not an error
        log.warning("thumbnails of %s not deleted: %s", instance.file.name, exc)


def connect() -> None:
    from ...models import Variant

    post_delete.connect(variant_deleted, sender=Variant, dispatch_uid="konigle_bg_oscar_variant")
