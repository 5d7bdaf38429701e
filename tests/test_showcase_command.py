"""``manage.py bg_showcase``: the README pictures come from the demo photos, small and valid."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from konigle_bg.imaging import compose

pytestmark = pytest.mark.slow


def test_showcase_writes_small_pictures(tmp_path):
    out = io.StringIO()
    # Small demo photos and tiles keep it quick; the layout is the same as the README's.
    call_command(
        "bg_showcase", out=str(tmp_path), tile=96, per_row=100, pairs=2, photo_size=400, stdout=out
    )
    themes = Image.open(tmp_path / "themes.jpg")
    pairs = Image.open(tmp_path / "before_after.jpg")
    assert themes.format == pairs.format == "JPEG"
    for name in ("themes.jpg", "before_after.jpg"):
        assert (tmp_path / name).stat().st_size < 400 * 1024
        assert str(tmp_path / name) in out.getvalue()
    # One tile for the original and one per shipped preset, side by side (one row here).
    tiles = len(compose.PRESETS) + 1
    assert themes.width == 8 + tiles * (96 + 8)
    # The tiles really differ (each theme rendered, not one picture repeated).
    arr = np.asarray(themes.convert("RGB"), np.float32)
    crops = [arr[8 : 8 + 96, 8 + i * 104 : 8 + i * 104 + 96] for i in range(tiles)]
    diffs = [np.abs(crops[i] - crops[i + 1]).mean() for i in range(tiles - 1)]
    assert min(diffs) > 1.0
    assert pairs.height == 8 + 2 * 96 + 16  # a "before" row and an "after" row


def test_showcase_rejects_bad_options(tmp_path):
    with pytest.raises(CommandError, match="unknown theme"):
        call_command("bg_showcase", out=str(tmp_path), after_theme="plaid")
    with pytest.raises(CommandError, match="--tile"):
        call_command("bg_showcase", out=str(tmp_path), tile=5)
    assert not list(tmp_path.iterdir())


def test_wrap_cuts_a_strip_into_rows():
    from products import showcase
    from products.management.commands.bg_showcase import wrap

    tile = 20
    # Six plain backgrounds of different colours: every tile differs from the others.
    themes = [(str(i), compose.theme_from_arg(f"#00{40 * i:02X}00")) for i in range(6)]
    cut = Image.new("RGBA", (40, 30), (0, 0, 0, 0))
    cut.paste((200, 0, 0, 255), (15, 10, 25, 20))  # a small product: the background shows
    strip = showcase.theme_strip(cut, cut.convert("RGB"), themes, tile=tile)  # 7 tiles
    grid = wrap(strip, tile, per_row=3)
    row_h = strip.height - showcase.GAP
    assert grid.size == (8 + 3 * (tile + 8), 8 + 3 * row_h)
    # The first tile of the second row is the strip's fourth tile.
    a = np.asarray(strip)[8 : 8 + tile, 8 + 3 * 28 : 8 + 3 * 28 + tile]
    b = np.asarray(grid)[8 + row_h : 8 + row_h + tile, 8 : 8 + tile]
    assert (a == b).all()
    other = np.asarray(strip)[8 : 8 + tile, 8 + 2 * 28 : 8 + 2 * 28 + tile]
    assert (a != other).any()
    assert wrap(strip, tile, per_row=7) is strip
