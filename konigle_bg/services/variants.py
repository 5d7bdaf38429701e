"""Themes, rendered variants, which one the storefront shows, revert."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone
from PIL import Image

from .. import events, host
from ..conf import bg_settings
from ..imaging import compose
from ..imaging.io import decode, encode
from ..models import BackgroundTheme, Cutout, JobStatus, PhotoState, Variant
from .cutouts import _get_or_create, load_cutout, state_of
from .files import _limits, results_dir, spec_hash, write_file

log = logging.getLogger("konigle_bg")


def preset_theme(store: Model, slug: str) -> BackgroundTheme:
    """The store's theme made from preset ``slug``, created on first use."""
    preset = compose.PRESETS[slug]
    theme, _ = _get_or_create(
        BackgroundTheme,
        store=store,
        slug=slug,
        defaults={"name": preset.label, "preset": slug, "spec": preset.to_dict()},
    )
    return theme


def active_theme(store: Model) -> BackgroundTheme:
    """The store's active theme; the default preset is created on first use."""
    theme = BackgroundTheme.objects.filter(store=store, is_active=True).first()
    if theme is not None:
        return theme
    theme = preset_theme(store, bg_settings.DEFAULT_THEME)
    try:
        with transaction.atomic():
            updated = BackgroundTheme.objects.filter(pk=theme.pk).update(is_active=True)
    except IntegrityError:  # another theme became active meanwhile: it wins
        updated = 0
    if not updated:
        return BackgroundTheme.objects.get(store=store, is_active=True)
    theme.is_active = True
    return theme


def theme_for(image: Model) -> BackgroundTheme:
    state = PhotoState.objects.filter(image=image).select_related("theme_override").first()
    if state and state.theme_override_id:
        return state.theme_override
    return active_theme(host.product_store(host.image_product(image)))


def _theme_fingerprint(theme: BackgroundTheme) -> dict:
    spec = {"theme": theme.spec}
    if theme.background_image:
        spec["background"] = theme.background_image.name
    return spec


def variant_key(cutout: Cutout, theme: BackgroundTheme) -> str:
    return spec_hash(
        {"source": cutout.source_checksum, "cutout": cutout.spec_hash, **_theme_fingerprint(theme)}
    )


def _background_image(theme: BackgroundTheme) -> Image.Image | None:
    if not theme.background_image:
        return None
    with theme.background_image.open("rb") as fh:
        return decode(fh, _limits())


def ensure_variant(
    image: Model, cutout: Cutout, theme: BackgroundTheme, *, theme_run=None
) -> Variant:
    """The photo's cut-out rendered on ``theme``; re-uses the cut-out, never re-segments."""
    key = variant_key(cutout, theme)
    variant, _ = _get_or_create(
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
    rgba = load_cutout(cutout)
    out = compose.render(rgba, spec, background_image=_background_image(theme))
    # Baseline JPEG: progressive encoding was ~40% of the CPU of a store-wide theme switch.
    data = encode(out, spec.output.format, spec.output.quality, progressive=False)
    name = write_file(f"{results_dir(image)}/variants/{key}.{spec.output.extension}", data)
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
    it (``events.photo_changed``) after the commit, if it was not shown already."""
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
    PhotoState.objects.update_or_create(
        image_id=variant.image_id,
        defaults={"reverted": False, "status": JobStatus.DONE, "error": ""},
    )
    variant.is_active = True
    return variant


@transaction.atomic
def revert_image(image: Model) -> None:
    """Show the original again, at once; variants stay in the history."""
    if Variant.objects.filter(image=image, is_active=True).update(is_active=False):
        events.photo_changed_on_commit(image, None, events.REVERTED)
    state_of(image)
    # The generation moves so a job already under way cannot show a result afterwards.
    PhotoState.objects.filter(image=image).update(reverted=True, generation=F("generation") + 1)


def revert_product(product: Model) -> int:
    images = list(host.product_images(product))
    for image in images:
        revert_image(image)
    return len(images)


def display_url(image: Model) -> str:
    """URL to show for a photo: its active variant's, else the original's."""
    variant = Variant.objects.filter(image=image, is_active=True).only("file").first()
    f = variant.file if variant else host.image_file(image)
    return f.url if f else ""


def display_urls(images) -> dict:
    """``display_url`` for many photos in one query (storefront listings)."""
    images = list(images)
    active = {
        v.image_id: v.file
        for v in Variant.objects.filter(image__in=images, is_active=True).only("image", "file")
    }
    return {img.pk: (active.get(img.pk) or host.image_file(img)).url for img in images}
