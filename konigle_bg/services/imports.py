"""New originals from uploads and URLs, checked like any upload."""

from __future__ import annotations

import logging
import posixpath

from django.core.files.base import ContentFile
from django.db.models import Model

from .. import host
from ..conf import bg_settings
from ..errors import gettext_noop
from ..imaging.io import ImageRejected, probe
from ..validators import upload_limits

log = logging.getLogger("konigle_bg")

# File extensions for image formats whose usual one is not their lower-cased name.
IMPORT_EXTENSIONS = {"JPEG": "jpg", "TIFF": "tif", "MPO": "jpg"}


def fetch_public_image(url: str, **limits):
    """``urlfetch.fetch_image`` with the site's settings for URLs a user gives (size, deadline,
    the hosts allowed to be private); ``limits`` adds checks such as ``max_pixels``."""
    from ..urlfetch import fetch_image

    return fetch_image(
        url.strip(),
        max_bytes=bg_settings.MAX_UPLOAD_BYTES,
        timeout=bg_settings.URL_IMPORT_TIMEOUT,
        allow_hosts=frozenset(bg_settings.URL_IMPORT_ALLOW_HOSTS),
        **limits,
    )


def import_photo_from_url(product: Model, url: str) -> Model:
    """Download a photo from a public URL and add it to ``product`` as a new original.

    Everything a seller could type is refused with :class:`urlfetch.FetchRefused`
    (its message is for them): non-http(s) schemes, private/loopback/link-local/reserved
    addresses after every redirect, oversize or slow downloads, non-images, images over the
    pixel limit. Only ``URL_IMPORT_ALLOW_HOSTS`` may be private (tests, an internal CDN).
    The new host image row triggers the usual processing when the product is published.
    """
    from ..urlfetch import FetchRefused

    fetched = fetch_public_image(url)
    try:
        # fetch_image checks bytes only; the pixel limit is ours (same as an upload's).
        info = probe(fetched.data, upload_limits())
    except ImageRejected as exc:
        raise FetchRefused(
            "bad_image",
            gettext_noop("The address did not give a usable image:"),
            *exc.sentences,
            image_code=exc.code,
        ) from exc
    stem = posixpath.splitext(posixpath.basename(fetched.final_url.split("?")[0]))[0]
    image = add_photo(product, fetched.data, stem or "photo")
    log.info("imported %s from %s as image %s", info.format, url, image.pk)
    return image


def add_photo(product: Model, data: bytes, stem: str = "photo") -> Model:
    """Store ``data`` as a new original photo of ``product``; ImageRejected if unusable.

    The file is named after the format found in the bytes, never the name the client sent: a
    PNG/HTML polyglot called ``x.html`` must not be stored (and served) as HTML. FieldFile.save
    stores it through the host's storage and saves the row; post_save queues the processing.
    """
    info = probe(data, upload_limits())
    ext = IMPORT_EXTENSIONS.get(info.format, info.format.lower())
    image = host.image_model()(**{bg_settings.PRODUCT_FIELD: product})
    host.image_file(image).save(f"{stem[:80] or 'photo'}.{ext}", ContentFile(data))
    return image
