"""Mutated JPEG/PNG/GIF/WebP/TIFF/BMP bytes through decode(): ImageRejected or a valid image,
and probe() (upload validation) gives the same verdict.

Bounded and derandomized so CI runs the same ~200 examples every time in a few seconds.
"""

from __future__ import annotations

from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from konigle_bg.imaging.io import ImageRejected, Limits, decode, probe
from tests.badfiles import noise, oriented_jpeg, save

# Small limits keep a mutated header from asking for a big (slow, but legal) allocation.
LIMITS = Limits(max_bytes=1024 * 1024, max_pixels=2_000_000)


@lru_cache(maxsize=1)
def seeds() -> list[bytes]:
    frames = [noise((24, 16), seed=i) for i in range(3)]
    rgba = noise((24, 16), "RGBA", seed=7)
    return [
        save(noise((40, 30)), "JPEG", quality=80),
        save(noise((40, 30)), "JPEG", quality=80, progressive=True),
        oriented_jpeg(6),
        save(noise((40, 30), seed=1), "PNG"),
        save(rgba, "PNG"),
        save(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        save(rgba, "WEBP", quality=80),
        save(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True),
        save(noise((20, 12), "CMYK"), "TIFF"),
        save(noise((20, 12)), "BMP"),
    ]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds())))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "header", "truncate", "set", "dup", "cut"]))
        if not data:
            break
        # Headers hold the dimensions and chunk lengths: aim half the mutations there.
        hi = len(data) - 1 if draw(st.booleans()) else min(len(data) - 1, 63)
        at = draw(st.integers(0, hi))
        if op == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "header":
            data[at] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, 0x01]))
        elif op == "truncate":
            del data[at:]
        elif op == "set":
            data[at : at + 4] = draw(st.binary(min_size=4, max_size=4))
        elif op == "dup":
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
        else:
            del data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=mutated(), max_side=st.sampled_from([None, 16]))
def test_decode_never_raises_anything_but_image_rejected(data: bytes, max_side: int | None):
    try:
        probe_code = "ok" if probe(data, LIMITS) else "?"
    except ImageRejected as exc:
        probe_code = exc.code
    try:
        im = decode(data, LIMITS, max_side=max_side)
    except ImageRejected as exc:
        assert exc.code and str(exc)
        # What upload validation accepted must decode (and it refuses for the same reason).
        assert probe_code == exc.code
        return
    assert probe_code == "ok"
    assert im.mode in ("RGB", "RGBA")
    assert im.width >= 1 and im.height >= 1
    if max_side is not None:
        assert max(im.size) <= max_side
    small = im.resize((8, 8), Image.Resampling.BILINEAR)
    assert small.size == (8, 8) and len(small.tobytes()) == 8 * 8 * len(im.mode)


def test_seeds_decode():
    for data in seeds():
        assert decode(data, LIMITS).mode in ("RGB", "RGBA")
