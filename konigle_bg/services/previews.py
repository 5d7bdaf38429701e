"""Previews of a theme on a few of the store's products, rendered now and never stored."""

from __future__ import annotations

from django.db.models import Model
from PIL import Image

from .. import host
from ..conf import bg_settings
from ..imaging import compose
from ..imaging.io import encode
from ..models import BackgroundTheme, Cutout, JobStatus
from .cutouts import load_cutout
from .themes import background_image


def preview_images(store: Model, limit: int = 6) -> list[Model]:
    """Up to ``limit`` photos of the store (one per product) that have a cut-out to preview."""
    seen, picked = set(), []
    cutouts = (
        Cutout.objects.filter(status=JobStatus.DONE, image__in=host.store_images(store))
        .exclude(rgba="")
        .select_related("image")
        .order_by("-created")[: limit * 20]
    )
    for cut in cutouts:
        product_id = getattr(cut.image, f"{bg_settings.PRODUCT_FIELD}_id")
        if product_id in seen:
            continue
        seen.add(product_id)
        picked.append(cut.image)
        if len(picked) == limit:
            break
    return picked


def render_preview(image: Model, theme: BackgroundTheme, size: int = 240) -> tuple[bytes, str]:
    """A thumbnail of ``image`` on ``theme`` from its cached cut-out; nothing is stored.

    Returns (bytes, content type). Raises ``Cutout.DoesNotExist`` when the photo has none.
    """
    cut = (
        Cutout.objects.filter(image=image, status=JobStatus.DONE).exclude(rgba="").latest("created")
    )
    spec = theme.get_theme()
    rgba = load_cutout(cut)
    # Themes are relative to the photo, so a small cut-out renders the same composition fast.
    rgba.thumbnail((2 * size, 2 * size), Image.LANCZOS)
    out = compose.render(rgba, spec, background_image=background_image(theme))
    out.thumbnail((size, size), Image.LANCZOS)
    if spec.transparent:
        return encode(out, "PNG"), "image/png"
    return encode(out.convert("RGB"), "JPEG", 85), "image/jpeg"
