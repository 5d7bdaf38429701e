"""Rendered variants of a photo: made once per cut-out and theme, shown, reverted."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone
from PIL import Image

from .. import events, host
from ..imaging import compose
from ..imaging.io import encode
from ..models import BackgroundTheme, Cutout, JobStatus, PhotoState, Variant
from .cutouts import load_cutout
from .files import result_name, spec_hash, write_file
from .photo_state import state_of
from .rows import get_or_create_row
from .themes import background_image, theme_fingerprint

log = logging.getLogger("konigle_bg")


def variant_key(cutout: Cutout, theme: BackgroundTheme) -> str:
    """The spec hash of ``cutout`` rendered on ``theme`` (keys the Variant row)."""
    return spec_hash(
        {"source": cutout.source_checksum, "cutout": cutout.spec_hash, **theme_fingerprint(theme)}
    )


def ensure_variant(
    image: Model,
    cutout: Cutout,
    theme: BackgroundTheme,
    *,
    theme_run=None,
    rgba: Image.Image | None = None,
) -> Variant:
    """The photo's cut-out rendered on ``theme``; re-uses the cut-out, never re-segments.

    ``rgba`` is the cut-out's image when the caller holds it in memory (the worker that has
    just segmented the photo); otherwise it is read from storage.
    """
    key = variant_key(cutout, theme)
    variant, _ = get_or_create_row(
        Variant,
        image=image,
        spec_hash=key,
        defaults={
            "cutout": cutout,
            "theme": theme,
            "theme_run": theme_run,
            "source_checksum": cutout.source_checksum,
        },
    )
    if variant.status == JobStatus.DONE and variant.file:
        return variant
    spec = theme.get_theme()
    if rgba is None:
        rgba = load_cutout(cutout)
    out = compose.render(rgba, spec, background_image=background_image(theme))
    # Baseline JPEG: progressive encoding was ~40% of the CPU of a store-wide theme switch.
    data = encode(out, spec.output.format, spec.output.quality, progressive=False)
    name = write_file(result_name(image, "variants", key, spec.output.extension), data)
    variant.file.name = name
    variant.cutout, variant.theme, variant.status, variant.error = cutout, theme, JobStatus.DONE, ""
    variant.save()
    return variant


def activate(variant: Variant, *, reason: str = events.ACTIVATED) -> Variant:
    """Show ``variant`` on the storefront; whatever was active before stays in the history.

    A history entry whose file the retention policy pruned is rendered again from its cut-out
    first (outside the transaction: rendering takes a while).
    """
    if variant.status == JobStatus.DONE and not variant.file:
        variant = render_again(variant)
    return show_variant(variant, reason=reason)


def render_again(variant: Variant) -> Variant:
    """A pruned history entry rendered again from its cut-out on its theme."""
    cutout, theme = variant.cutout, variant.theme
    if cutout is None or theme is None or not cutout.rgba:
        raise ValueError("This result was pruned and its cut-out or theme no longer exists.")
    # Same cut-out and theme: the same key, so the same row gets its file back (a theme
    # edited since renders as it is now, as a new entry).
    return ensure_variant(variant.image, cutout, theme)


@transaction.atomic
def show_variant(variant: Variant, *, reason: str = events.ACTIVATED) -> Variant:
    """Make a finished variant (with its file) the one the storefront shows; the shop hears of
    it (``events.photo_changed``) after the commit, if it was not shown already.

    Showing a result ends the photo's hold (the seller accepted or chose a result, or a new
    one replaced it), except for a theme switch: it changes the look of what is shown, not
    the seller's pending decision.
    """
    if variant.status != JobStatus.DONE or not variant.file:
        raise ValueError("Only a finished variant can be shown.")
    Variant.objects.filter(image_id=variant.image_id, is_active=True).exclude(pk=variant.pk).update(
        is_active=False
    )
    changed = Variant.objects.filter(pk=variant.pk, is_active=False).update(
        is_active=True, activated=timezone.now()
    )
    if changed:
        events.photo_changed_on_commit(variant.image, variant, reason)
    state = {"reverted": False, "status": JobStatus.DONE, "error": ""}
    if reason != events.SWITCHED:
        state["held_variant"] = None
    PhotoState.objects.update_or_create(image_id=variant.image_id, defaults=state)
    variant.is_active = True
    return variant


@transaction.atomic
def revert_image(image: Model) -> None:
    """Show the original again, at once; variants stay in the history, and a result held for
    the seller is dropped from the hold (it stays in the history too)."""
    if Variant.objects.filter(image=image, is_active=True).update(is_active=False):
        events.photo_changed_on_commit(image, None, events.REVERTED)
    state_of(image)
    # The generation moves so a job already under way cannot show a result afterwards.
    PhotoState.objects.filter(image=image).update(
        reverted=True, held_variant=None, generation=F("generation") + 1
    )


def revert_product(product: Model) -> int:
    """Show the originals of every photo of ``product`` again; returns how many."""
    images = list(host.product_images(product))
    for image in images:
        revert_image(image)
    return len(images)
