"""Where a cut-out subject goes on a one-off canvas: cropping to it with margins, scaling it to
a share of the canvas, moving it; plus the alpha treatments of the remove.bg-style endpoint.

Everything works on straight-alpha RGBA cut-outs and returns the same, so that
:func:`konigle_bg.imaging.compose.render` can then put the background (and shadow) behind it
with the theme's "original" framing, which leaves the subject exactly where this module put it.

Pure: PIL and numpy in and out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from . import framing

__all__ = ["Length", "Layout", "arrange", "fit_pixels", "hard_alpha", "foreground_box"]


@dataclass(frozen=True)
class Length:
    """A length in pixels, or in percent of a reference length (``percent=True``)."""

    value: float
    percent: bool = False

    def pixels(self, reference: int) -> float:
        return self.value * reference / 100.0 if self.percent else self.value


@dataclass(frozen=True)
class Layout:
    """``crop``: the canvas is the subject's box grown by ``margin`` (top, right, bottom, left;
    percent of the subject's height for top/bottom, of its width for left/right). ``scale``
    (0, 1]: the subject fits this share of the canvas. ``position`` (x, y) in [0, 1]: where the
    subject sits in the free space (0 = left/top, 0.5 = centre); None keeps it where it was,
    except that a scaled subject is centred."""

    crop: bool = False
    margin: tuple[Length, Length, Length, Length] = (Length(0),) * 4
    scale: float | None = None
    position: tuple[float, float] | None = None


def foreground_box(rgba: Image.Image) -> tuple[int, int, int, int] | None:
    """(left, top, width, height) of the visible subject; None when nothing is visible."""
    box = framing.alpha_bbox(rgba)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    return x0, y0, x1 - x0, y1 - y0


def _straight(premultiplied: np.ndarray) -> Image.Image:
    """Premultiplied float (h, w, 4) in 0..255 -> straight RGBA image."""
    out = framing.unpremultiply(premultiplied.copy())
    return Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8), "RGBA")


def _resized(rgba: Image.Image, size: tuple[int, int]) -> Image.Image:
    if rgba.size == size:
        return rgba
    return _straight(framing.scale_premultiplied(np.asarray(rgba), size))


def fit_pixels(rgba: Image.Image, max_pixels: int) -> Image.Image:
    """``rgba`` scaled down (aspect kept, premultiplied so edges stay clean) to at most
    ``max_pixels``; unchanged when already within."""
    w, h = rgba.size
    if w * h <= max_pixels:
        return rgba
    factor = (max_pixels / (w * h)) ** 0.5
    size = (max(1, int(w * factor)), max(1, int(h * factor)))
    return _resized(rgba, size)


def hard_alpha(rgba: Image.Image) -> Image.Image:
    """Every pixel fully opaque or fully transparent (cut at half coverage)."""
    arr = np.array(rgba.convert("RGBA"))
    arr[..., 3] = np.where(arr[..., 3] >= 128, 255, 0).astype(np.uint8)
    arr[arr[..., 3] == 0] = 0
    return Image.fromarray(arr, "RGBA")


def arrange(rgba: Image.Image, layout: Layout) -> Image.Image:
    """The subject of ``rgba`` placed on a transparent canvas as ``layout`` says."""
    rgba = rgba if rgba.mode == "RGBA" else rgba.convert("RGBA")
    box = framing.alpha_bbox(rgba)
    if box is None or (not layout.crop and layout.scale is None and layout.position is None):
        return rgba
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    if layout.crop:
        top, right, bottom, left = (
            round(m.pixels(ref)) for m, ref in zip(layout.margin, (bh, bw, bh, bw), strict=True)
        )
        canvas = (bw + left + right, bh + top + bottom)
        origin = (left, top)
    else:
        canvas = rgba.size
        origin = (x0, y0)
    size = (bw, bh)
    if layout.scale is not None:
        factor = layout.scale * min(canvas[0] / bw, canvas[1] / bh)
        size = (max(1, round(bw * factor)), max(1, round(bh * factor)))
    position = layout.position
    if position is None and layout.scale is not None:
        position = (0.5, 0.5)
    if position is not None:
        origin = (
            round((canvas[0] - size[0]) * position[0]),
            round((canvas[1] - size[1]) * position[1]),
        )
    subject = _resized(rgba.crop(box), size)
    out = Image.new("RGBA", canvas, (0, 0, 0, 0))
    out.paste(subject, origin)
    return out
