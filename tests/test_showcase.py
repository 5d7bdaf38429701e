"""Contact sheets: layout, the original first, labels, transparency shown as a checkerboard."""

import numpy as np
import pytest
from PIL import Image

from konigle_bg.imaging.compose import PRESETS
from products.showcase import GAP, LABEL_H, before_after_strip, fit_tile, theme_strip

BLUE = (20, 40, 220)


def photo_and_cutout(size=(900, 600)):
    w, h = size
    original = Image.new("RGB", size, (120, 160, 90))
    arr = np.zeros((h, w, 4), np.uint8)
    arr[h // 4 : 3 * h // 4, w // 3 : 2 * w // 3] = (*BLUE, 255)
    original.paste(Image.new("RGB", (w // 3, h // 2), BLUE), (w // 3, h // 4))
    return Image.fromarray(arr, "RGBA"), original


def test_theme_strip_layout_original_first_and_labels():
    cut, original = photo_and_cutout()
    themes = [(slug, PRESETS[slug]) for slug in ("white", "studio", "transparent")]
    sheet = theme_strip(cut, original, themes, tile=120)
    assert sheet.mode == "RGB"
    assert sheet.size == (GAP + 4 * (120 + GAP), GAP + 120 + LABEL_H)
    arr = np.asarray(sheet).astype(int)
    # First tile is the original photo: its green surround shows at the tile's edge rows.
    first = arr[GAP : GAP + 120, GAP : GAP + 120]
    assert (np.abs(first[40, 5] - (120, 160, 90)) <= 2).all()
    # Second tile: the white theme (no green, white around the product, blue middle).
    x = GAP + 128
    second = arr[GAP : GAP + 120, x : x + 120]
    assert (second[40, 5] == 255).all() and (np.abs(second[60, 60] - BLUE) <= 2).all()
    # Every label band has ink in it.
    for i in range(4):
        band = arr[GAP + 120 :, GAP + i * 128 : GAP + i * 128 + 120]
        assert (band.sum(axis=2) < 300).any()


def test_transparent_tile_shows_a_checkerboard():
    cut, original = photo_and_cutout((200, 200))
    sheet = np.asarray(theme_strip(cut, original, [("t", PRESETS["transparent"])], tile=100))
    tile = sheet[GAP : GAP + 100, GAP + 108 : GAP + 208]
    corner = tile[:20, :20].reshape(-1, 3)
    assert {tuple(c) for c in corner} == {(204, 204, 204), (255, 255, 255)}


def test_fit_tile_keeps_aspect_and_centres():
    tile = np.asarray(fit_tile(Image.new("RGB", (400, 100), (255, 0, 0)), 80))
    assert tile.shape == (80, 80, 3)
    assert (tile[40, 40] == (255, 0, 0)).all() and (tile[5, 40] == (243, 243, 243)).all()


def test_before_after_strip_puts_before_on_top():
    pairs = [
        (Image.new("RGB", (90, 60), (255, 0, 0)), Image.new("RGB", (90, 60), (0, 0, 255)))
        for _ in range(3)
    ]
    sheet = before_after_strip(pairs, tile=64)
    arr = np.asarray(sheet)
    assert sheet.size == (70 + 3 * (64 + GAP), GAP + 2 * 64 + 2 * GAP)
    for i in range(3):
        x = 70 + i * (64 + GAP) + 32
        assert (arr[GAP + 32, x] == (255, 0, 0)).all()
        assert (arr[GAP + 64 + GAP + 32, x] == (0, 0, 255)).all()
    assert (arr[:, :70].sum(axis=2) < 300).any()  # the row labels


def test_before_after_strip_needs_pairs():
    with pytest.raises(ValueError, match="pair"):
        before_after_strip([])
