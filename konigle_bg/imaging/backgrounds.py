"""Background layers: solid colour, linear/radial gradients, an uploaded image.

Every function returns an ``(H, W, 3)`` uint8 array at the canvas size. Generated layers are
pure functions of their arguments, so :func:`cached` keeps the last few per size: a store-wide
theme switch renders hundreds of photos of the same size on the same background.
"""

from __future__ import annotations

import functools
import math
import re

import cv2
import numpy as np
from PIL import Image

__all__ = [
    "parse_color",
    "normalize_color",
    "solid",
    "linear_gradient",
    "radial_gradient",
    "image_layer",
    "cached",
    "gaussian_blur",
]

RGB = tuple[int, int, int]

_HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def parse_color(value: str) -> RGB:
    """``"#RRGGBB"`` or ``"#RGB"`` -> ``(r, g, b)``; ValueError otherwise."""
    if not isinstance(value, str) or not _HEX.match(value):
        raise ValueError(f"{value!r} is not a colour; use #RRGGBB (e.g. #FFFFFF)")
    digits = value[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def normalize_color(value: str) -> str:
    """Canonical ``#RRGGBB`` upper-case spelling (stable hashes, exact round trips)."""
    return "#{:02X}{:02X}{:02X}".format(*parse_color(value))


def solid(size: tuple[int, int], color: RGB) -> np.ndarray:
    width, height = size
    out = np.empty((height, width, 3), np.uint8)
    out[:] = color
    return out


def _blend(t: np.ndarray, c0: RGB, c1: RGB) -> np.ndarray:
    """Colour at parameter ``t`` in [0, 1]; t=0 and t=1 give the end colours exactly."""
    a = np.asarray(c0, np.float32)
    b = np.asarray(c1, np.float32)
    out = a + t[..., None] * (b - a)
    return (out + 0.5).astype(np.uint8)


def linear_gradient(size: tuple[int, int], c0: RGB, c1: RGB, angle: float = 90.0) -> np.ndarray:
    """``c0`` -> ``c1`` along ``angle`` degrees (0: left to right, 90: top to bottom).

    The parameter is normalised over the canvas, so the first and last pixels along the
    direction carry the end colours exactly.
    """
    width, height = size
    rad = math.radians(angle)
    dx, dy = math.cos(rad), math.sin(rad)
    xs = np.arange(width, dtype=np.float32) * np.float32(dx)
    ys = np.arange(height, dtype=np.float32) * np.float32(dy)
    proj = ys[:, None] + xs[None, :]
    lo, hi = float(proj.min()), float(proj.max())
    t = (proj - lo) / max(hi - lo, 1e-6)
    return _blend(np.clip(t, 0.0, 1.0), c0, c1)


def radial_gradient(
    size: tuple[int, int],
    c0: RGB,
    c1: RGB,
    center: tuple[float, float] = (0.5, 0.5),
    radius: float = 0.75,
) -> np.ndarray:
    """``c0`` at ``center`` (fractions of the canvas) to ``c1`` at ``radius`` x longer side."""
    width, height = size
    cx, cy = center[0] * (width - 1), center[1] * (height - 1)
    r = max(radius * max(width, height), 1e-6)
    xs = ((np.arange(width, dtype=np.float32) - cx) / r) ** 2
    ys = ((np.arange(height, dtype=np.float32) - cy) / r) ** 2
    t = np.sqrt(ys[:, None] + xs[None, :])
    return _blend(np.minimum(t, 1.0), c0, c1)


def gaussian_blur(arr: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur that stays fast for large sigmas: blur a downscaled copy, scale back.

    A Gaussian of sigma >> 4 px carries no detail finer than sigma/4, so working at that
    resolution is visually identical and avoids kernels hundreds of taps wide.
    """
    if sigma <= 0:
        return arr
    h, w = arr.shape[:2]
    factor = max(1.0, sigma / 4.0)
    if factor <= 1.5:
        return cv2.GaussianBlur(arr, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    small_size = (max(1, round(w / factor)), max(1, round(h / factor)))
    small = cv2.resize(arr, small_size, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / factor, borderType=cv2.BORDER_REPLICATE)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _resize(arr: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    h, w = arr.shape[:2]
    if (w, h) == size:
        return arr
    shrink = size[0] < w or size[1] < h
    return cv2.resize(arr, size, interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LANCZOS4)


def image_layer(
    image: Image.Image,
    size: tuple[int, int],
    fit: str = "cover",
    blur: float = 0.0,
    fill: RGB = (255, 255, 255),
) -> np.ndarray:
    """An uploaded picture as a background: ``cover`` crops to fill the canvas, ``contain``
    fits it whole on ``fill``. ``blur`` is the Gaussian sigma as a fraction of the canvas's
    longer side (a blurred backdrop keeps the product the subject)."""
    width, height = size
    if image.mode != "RGB":
        # Transparent uploads sit on the fill colour rather than on black.
        rgba = image.convert("RGBA")
        base = Image.new("RGBA", rgba.size, (*fill, 255))
        image = Image.alpha_composite(base, rgba).convert("RGB")
    src = np.asarray(image)
    ih, iw = src.shape[:2]
    if fit == "cover":
        scale = max(width / iw, height / ih)
    elif fit == "contain":
        scale = min(width / iw, height / ih)
    else:
        raise ValueError(f"fit must be 'cover' or 'contain', not {fit!r}")
    sw, sh = max(1, round(iw * scale)), max(1, round(ih * scale))
    scaled = _resize(src, (sw, sh))
    if fit == "cover":
        x0, y0 = (sw - width) // 2, (sh - height) // 2
        out = np.ascontiguousarray(scaled[y0 : y0 + height, x0 : x0 + width])
    else:
        out = solid(size, fill)
        x0, y0 = (width - sw) // 2, (height - sh) // 2
        out[y0 : y0 + sh, x0 : x0 + sw] = scaled
    if blur > 0:
        out = gaussian_blur(out, blur * max(width, height))
    return out


@functools.lru_cache(maxsize=12)
def cached(kind: str, size: tuple[int, int], *args) -> np.ndarray:
    """Read-only cached generated layer: ``cached("linear", (w, h), c0, c1, angle)``."""
    makers = {"solid": solid, "linear": linear_gradient, "radial": radial_gradient}
    arr = makers[kind](size, *args)
    arr.setflags(write=False)
    return arr
