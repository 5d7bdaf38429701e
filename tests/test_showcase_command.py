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
    call_command("bg_showcase", out=str(tmp_path), tile=96, pairs=2, photo_size=400, stdout=out)
    themes = Image.open(tmp_path / "themes.jpg")
    pairs = Image.open(tmp_path / "before_after.jpg")
    assert themes.format == pairs.format == "JPEG"
    for name in ("themes.jpg", "before_after.jpg"):
        assert (tmp_path / name).stat().st_size < 400 * 1024
        assert str(tmp_path / name) in out.getvalue()
    # One tile for the original and one per shipped preset, side by side.
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
