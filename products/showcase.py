"""Contact sheets for people: one product across themes, and before/after pairs.

Pure: PIL images in, one PIL RGB image out. The README picture is generated from these.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from konigle_bg.imaging.compose import Theme, render

__all__ = ["theme_strip", "before_after_strip", "fit_tile"]

GAP = 8
LABEL_H = 26
PAGE = (255, 255, 255)
TILE_BG = (243, 243, 243)
INK = (40, 40, 40)
_CHECKER = ((204, 204, 204), (255, 255, 255))


def _font(size: int = 14) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: the fixed bitmap font
        return ImageFont.load_default()


def _checkerboard(size: tuple[int, int], cell: int = 10) -> Image.Image:
    """The usual light checkerboard that says "transparent here"."""
    w, h = size
    parity = (np.indices((h, w)) // cell).sum(axis=0) % 2
    return Image.fromarray(np.asarray(_CHECKER, np.uint8)[parity])


def fit_tile(img: Image.Image, tile: int) -> Image.Image:
    """``img`` scaled to fit a ``tile`` x ``tile`` square (never enlarged past it), centred on a
    neutral tile; transparency shown over a checkerboard."""
    thumb = img.copy()
    thumb.thumbnail((tile, tile), Image.LANCZOS)
    if thumb.mode not in ("RGB", "RGBA"):
        thumb = thumb.convert("RGBA")
    out = Image.new("RGB", (tile, tile), TILE_BG)
    pos = ((tile - thumb.width) // 2, (tile - thumb.height) // 2)
    if thumb.mode == "RGBA":
        backdrop = _checkerboard(thumb.size).convert("RGBA")
        thumb = Image.alpha_composite(backdrop, thumb).convert("RGB")
    out.paste(thumb, pos)
    return out


def _label(draw: ImageDraw.ImageDraw, text: str, box: tuple[int, int, int, int]) -> None:
    font = _font()
    x0, y0, x1, y1 = box
    # Shorten labels that would not fit the tile.
    while text and draw.textlength(text, font=font) > x1 - x0 - 4:
        text = text[:-2] + "…" if len(text) > 2 else ""
    draw.text(((x0 + x1) / 2, (y0 + y1) / 2), text, fill=INK, font=font, anchor="mm")


def _preview_cutout(cutout_rgba: Image.Image, tile: int) -> Image.Image:
    """A smaller cut-out renders the same composition (themes are relative) much faster."""
    longer = max(cutout_rgba.size)
    if longer <= 2 * tile:
        return cutout_rgba
    small = cutout_rgba.convert("RGBA").copy()
    # Pillow resizes RGBA on premultiplied colour, so edges keep no dark fringe.
    small.thumbnail((2 * tile, 2 * tile), Image.LANCZOS)
    return small


def theme_strip(
    cutout_rgba: Image.Image,
    original: Image.Image,
    themes: list[tuple[str, Theme]],
    tile: int = 320,
    background_image: Image.Image | None = None,
) -> Image.Image:
    """One product on several themes in a row: the original photo first, then each
    ``(label, theme)``, each tile labelled underneath."""
    cut = _preview_cutout(cutout_rgba, tile)
    tiles = [("Original", fit_tile(original, tile))]
    for label, theme in themes:
        tiles.append((label, fit_tile(render(cut, theme, background_image), tile)))
    n = len(tiles)
    sheet = Image.new("RGB", (GAP + n * (tile + GAP), GAP + tile + LABEL_H), PAGE)
    draw = ImageDraw.Draw(sheet)
    for i, (label, img) in enumerate(tiles):
        x = GAP + i * (tile + GAP)
        sheet.paste(img, (x, GAP))
        _label(draw, label, (x, GAP + tile, x + tile, GAP + tile + LABEL_H))
    return sheet


def before_after_strip(
    pairs: list[tuple[Image.Image, Image.Image]], tile: int = 320
) -> Image.Image:
    """Pairs side by side as columns: "Before" on the top row, "After" below it."""
    if not pairs:
        raise ValueError("before_after_strip needs at least one (before, after) pair")
    gutter = 70
    width = gutter + len(pairs) * (tile + GAP)
    height = GAP + 2 * tile + GAP + GAP
    sheet = Image.new("RGB", (width, height), PAGE)
    draw = ImageDraw.Draw(sheet)
    for row, text in enumerate(("Before", "After")):
        y = GAP + row * (tile + GAP)
        _label(draw, text, (0, y, gutter, y + tile))
    for i, (before, after) in enumerate(pairs):
        x = gutter + i * (tile + GAP)
        sheet.paste(fit_tile(before, tile), (x, GAP))
        sheet.paste(fit_tile(after, tile), (x, GAP + tile + GAP))
    return sheet
