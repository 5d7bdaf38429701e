"""A store's background themes: presets, the active one, a product's own, the background file."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import Model
from PIL import Image

from .. import host
from ..conf import bg_settings
from ..errors import KonigleBgError, Sentence, gettext_noop
from ..imaging import compose
from ..imaging.io import decode
from ..models import BackgroundTheme, PhotoState
from ..validators import upload_limits
from .queueing import queue_photo
from .rows import get_or_create_row

log = logging.getLogger("konigle_bg")


class ThemeError(KonigleBgError, ValueError):
    """A theme request that cannot be carried out; the message is for the owner."""

    default_code = "invalid_theme"
    default_field: str | None = None

    def __init__(self, *sentences: Sentence, code: str | None = None) -> None:
        super().__init__(code or self.default_code, *sentences, field=self.default_field)


def preset_theme(store: Model, slug: str) -> BackgroundTheme:
    """The store's theme made from preset ``slug``, created on first use."""
    preset = compose.PRESETS[slug]
    theme, _ = get_or_create_row(
        BackgroundTheme,
        store=store,
        slug=slug,
        defaults={"name": preset.label, "preset": slug, "spec": preset.to_dict()},
    )
    return theme


def install_presets(store: Model, slugs: list[str] | None = None) -> list[BackgroundTheme]:
    """The shipped presets as the store's themes (existing ones are left as they are)."""
    slugs = list(compose.PRESETS) if slugs is None else slugs
    unknown = [s for s in slugs if s not in compose.PRESETS]
    if unknown:
        raise ThemeError(
            (
                gettext_noop("Unknown preset(s) %(unknown)s: use %(known)s."),
                {"unknown": ", ".join(unknown), "known": ", ".join(compose.PRESETS)},
            )
        )
    return [preset_theme(store, slug) for slug in slugs]


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
    """The theme a photo is rendered on: its product's own, else the store's active one."""
    state = PhotoState.objects.filter(image=image).select_related("theme_override").first()
    if state and state.theme_override_id:
        return state.theme_override
    return active_theme(host.product_store(host.image_product(image)))


def theme_fingerprint(theme: BackgroundTheme) -> dict:
    """What of a theme shapes a rendered variant (its spec and background file)."""
    spec = {"theme": theme.spec}
    if theme.background_image:
        spec["background"] = theme.background_image.name
    return spec


def background_image(theme: BackgroundTheme) -> Image.Image | None:
    """The theme's background photo, decoded with the upload limits; None for none."""
    if not theme.background_image:
        return None
    with theme.background_image.open("rb") as fh:
        return decode(fh, upload_limits())


def set_product_theme(product: Model, theme: BackgroundTheme | None) -> int:
    """Give a product its own theme (``None``: back to the store's); its photos re-render.

    Reverted photos keep showing their original. Returns the number of photos queued.
    """
    store = host.product_store(product)
    if theme is not None and theme.store_id != store.pk:
        raise ThemeError(gettext_noop("This theme belongs to another store."))
    images = list(host.product_images(product))
    for image in images:
        PhotoState.objects.update_or_create(image=image, defaults={"theme_override": theme})
    queued = 0
    if host.product_is_published(product):
        reverted = set(
            PhotoState.objects.filter(image__in=images, reverted=True).values_list(
                "image_id", flat=True
            )
        )
        for image in images:
            if image.pk not in reverted:
                queue_photo(image.pk)
                queued += 1
    return queued
