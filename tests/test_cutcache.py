"""imaging.cutcache: packed cut-outs round-trip exactly (what shows), and bad bytes are refused."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from konigle_bg.imaging import cutcache


def _cutout(w=120, h=90, seed=0) -> Image.Image:
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    alpha = np.zeros((h, w), np.uint8)
    alpha[20:70, 30:100] = rng.integers(1, 256, (50, 70), dtype=np.uint8)  # soft, noisy edge
    alpha[40:50, 50:60] = 0  # a hole
    arr[..., 3] = alpha
    return Image.fromarray(arr, "RGBA")


def test_round_trip_exact_where_visible_and_clear_elsewhere():
    img = _cutout()
    back = cutcache.unpack(cutcache.pack(img))
    assert back.mode == "RGBA" and back.size == img.size
    a, b = np.asarray(img), np.asarray(back)
    visible = a[..., 3] > 0
    assert (a[..., 3] == b[..., 3]).all()
    assert (a[visible] == b[visible]).all()
    assert not b[~visible].any()


def test_packed_is_smaller_than_the_full_image():
    img = _cutout(w=800, h=600)
    assert len(cutcache.pack(img)) < 800 * 600 * 4 / 4


def test_empty_cutout():
    img = Image.new("RGBA", (40, 30), (10, 20, 30, 0))
    back = cutcache.unpack(cutcache.pack(img))
    assert back.size == (40, 30) and not np.asarray(back).any()


@pytest.mark.parametrize(
    "data",
    [b"", b"KBGCUT1\0", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, cutcache.MAGIC + b"\0" * 16 + b"junk"],
)
def test_bad_bytes_are_refused(data):
    with pytest.raises(ValueError):
        cutcache.unpack(data)


def test_box_outside_the_photo_is_refused():
    data = bytearray(cutcache.pack(_cutout()))
    data[8:12] = (10).to_bytes(4, "little")  # claim a photo narrower than the box
    with pytest.raises(ValueError, match="outside"):
        cutcache.unpack(bytes(data))
