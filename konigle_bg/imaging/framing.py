"""Where the product goes: output canvas size, fill ratio, padding, alignment, and resizing
the cut-out on premultiplied colour.

The product is found from the alpha matte (alpha above a small threshold), never from how the
photographer framed the shot, so the same theme gives the same composition for every photo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

__all__ = [
    "BBOX_THRESHOLD",
    "CANVASES",
    "ALIGNMENTS",
    "Placement",
    "alpha_bbox",
    "canvas_size",
    "place",
    "scale_premultiplied",
    "unpremultiply",
]

# Alpha (0..255) above which a pixel counts as product for the bounding box: low enough to keep
# soft edges, high enough that faint matte noise far from the product does not stretch the box.
BBOX_THRESHOLD = 10

CANVASES = ("original", "square", "4:5", "fixed")
ALIGNMENTS = ("center", "floor")

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Placement:
    """The product's bounding ``box`` (x0, y0, x1, y1; end exclusive) in the photo is scaled by
    ``scale`` to ``size`` and drawn with its top-left at ``origin`` on a ``canvas`` (w, h)."""

    canvas: tuple[int, int]
    box: Box
    scale: float
    origin: tuple[int, int]
    size: tuple[int, int]


def alpha_bbox(alpha: np.ndarray | Image.Image, threshold: int = BBOX_THRESHOLD) -> Box | None:
    """Bounding box of ``alpha > threshold``; None when nothing is there.

    ``alpha``: uint8 (H, W) array, or a PIL image whose alpha band is used (an RGBA cut-out),
    measured in C by PIL without copying the whole image into numpy.
    """
    if isinstance(alpha, Image.Image):
        band = alpha.getchannel("A") if "A" in alpha.getbands() else alpha.convert("L")
        lut = [255 if v > threshold else 0 for v in range(256)]
        return band.point(lut).getbbox()
    mask = alpha > threshold
    cols = np.flatnonzero(mask.any(axis=0))
    if cols.size == 0:
        return None
    rows = np.flatnonzero(mask[:, cols[0] : cols[-1] + 1].any(axis=1))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def canvas_size(
    photo: tuple[int, int],
    canvas: str = "original",
    size: tuple[int, int] | None = None,
    min_size: int = 0,
    max_size: int | None = None,
) -> tuple[tuple[int, int], float]:
    """Output (width, height) and the factor applied to meet ``min_size``/``max_size`` on the
    longer side. "square" and "4:5" are the smallest such canvases containing the photo, so the
    product is never shrunk just to change the aspect."""
    w, h = photo
    if canvas == "original":
        cw, ch = w, h
    elif canvas == "square":
        cw = ch = max(w, h)
    elif canvas == "4:5":
        if w * 5 >= h * 4:
            cw, ch = w, math.ceil(w * 5 / 4)
        else:
            cw, ch = math.ceil(h * 4 / 5), h
    elif canvas == "fixed":
        if size is None:
            raise ValueError("a fixed canvas needs a size")
        cw, ch = size
    else:
        raise ValueError(f"canvas must be one of {', '.join(CANVASES)}, not {canvas!r}")
    longer = max(cw, ch)
    factor = 1.0
    if min_size and longer < min_size:
        factor = min_size / longer
    if max_size and longer * factor > max_size:
        factor = max_size / longer
    if factor != 1.0:
        if canvas == "square":
            cw = ch = max(1, round(longer * factor))
        else:
            cw, ch = max(1, round(cw * factor)), max(1, round(ch * factor))
    return (cw, ch), factor


def place(
    photo: tuple[int, int],
    box: Box,
    *,
    canvas: str = "original",
    size: tuple[int, int] | None = None,
    fill: float | None = None,
    padding: float = 0.0,
    align: str = "center",
    floor: float = 0.9,
    min_size: int = 0,
    max_size: int | None = None,
) -> Placement:
    """Lay the product out on the canvas.

    - ``fill``: the product box is scaled so that it fills this fraction of the space inside
      the padding, in whichever of width or height limits first (on a square canvas: the
      product's longer side is ``fill`` x the side). None keeps the photo's scale.
    - ``padding``: margin on every side, as a fraction of the canvas's shorter side.
    - ``align``: "center" in the space inside the padding, or "floor": centred across, bottom
      edge on the line ``floor`` x canvas height.
    - The "original" canvas with ``fill=None`` keeps the product exactly where it was.
    """
    (cw, ch), factor = canvas_size(photo, canvas, size, min_size, max_size)
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    if canvas == "original" and fill is None:
        scale = factor
        pw, ph = max(1, round(bw * scale)), max(1, round(bh * scale))
        origin = (round(x0 * scale), round(y0 * scale))
        return Placement((cw, ch), box, scale, origin, (pw, ph))

    pad = round(padding * min(cw, ch))
    avail_w = max(1, cw - 2 * pad)
    floor_line = round(floor * ch)
    if align == "floor":
        avail_h = max(1, floor_line - pad)
    else:
        avail_h = max(1, ch - 2 * pad)
    fit = min(avail_w / bw, avail_h / bh)
    # fill=None keeps the photo's scale, shrinking only when the product would not fit.
    scale = fill * fit if fill is not None else min(factor, fit)
    pw, ph = max(1, round(bw * scale)), max(1, round(bh * scale))
    ox = pad + (avail_w - pw) // 2
    oy = floor_line - ph if align == "floor" else pad + (avail_h - ph) // 2
    return Placement((cw, ch), box, scale, (ox, oy), (pw, ph))


def scale_premultiplied(crop: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """RGBA uint8 crop -> premultiplied float32 (h, w, 4) at ``size``, all channels 0..255.

    Resizing straight RGBA mixes the (often black) colour of transparent pixels into the edge
    and leaves a dark fringe; resizing premultiplied colour weights every sample by its alpha.
    Area averaging when shrinking, Lanczos when enlarging (clipped: its lobes overshoot).
    """
    q = crop.astype(np.float32)
    a = q[..., 3] * np.float32(1.0 / 255.0)
    # Channel by channel: much faster in numpy than one broadcast over (h, w, 3) x (h, w, 1).
    for c in range(3):
        q[..., c] *= a
    h, w = crop.shape[:2]
    if (w, h) == tuple(size):
        return q
    if size[0] <= w and size[1] <= h:
        return cv2.resize(q, size, interpolation=cv2.INTER_AREA)
    q = cv2.resize(q, size, interpolation=cv2.INTER_LANCZOS4)
    alpha = q[..., 3]
    np.clip(alpha, 0.0, 255.0, out=alpha)
    # Colour can never exceed its own coverage in premultiplied form.
    for c in range(3):
        np.clip(q[..., c], 0.0, alpha, out=q[..., c])
    return q


def unpremultiply(premultiplied: np.ndarray) -> np.ndarray:
    """Premultiplied float (h, w, 4) in 0..255 -> straight colour, in place (and returned):
    the colour divided by coverage where there is any, 0 where there is none."""
    a = premultiplied[..., 3]
    inv = np.divide(np.float32(255.0), a, out=np.zeros_like(a), where=a > 0)
    for c in range(3):
        premultiplied[..., c] *= inv
    return premultiplied
