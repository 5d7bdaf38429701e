"""Decode/encode of well-formed images: modes, orientation, colour, sizes, output formats."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from konigle_bg.imaging.io import ImageRejected, Limits, decode, encode, probe


def _jpeg(size=(64, 48), colour=(200, 10, 10)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG", quality=95)
    return buf.getvalue()


def test_probe_reports_format_and_size():
    info = probe(_jpeg())
    assert (info.format, info.width, info.height, info.mode, info.frames) == (
        "JPEG",
        64,
        48,
        "RGB",
        1,
    )


def test_decode_jpeg_is_rgb():
    im = decode(_jpeg())
    assert im.mode == "RGB" and im.size == (64, 48)
    r, g, b = im.getpixel((10, 10))
    assert r > 180 and g < 40 and b < 40


def test_encode_roundtrip_each_format():
    im = decode(_jpeg())
    for fmt in ("JPEG", "PNG", "WEBP"):
        out = decode(encode(im, fmt))
        assert out.size == im.size


def test_encode_jpeg_refuses_rgba():
    with pytest.raises(ValueError):
        encode(Image.new("RGBA", (4, 4)), "JPEG")


def test_byte_limit():
    with pytest.raises(ImageRejected) as exc:
        probe(_jpeg(), Limits(max_bytes=100))
    assert exc.value.code == "too_large"
