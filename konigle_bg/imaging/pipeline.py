"""Photo in, cut-out out: segmentation, full-resolution refinement, confidence.

``cutout()`` is the one entry point the Django side calls; everything here is pure.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np
from PIL import Image

from . import quality, refine
from .segment.base import Segmenter

#: Bump whenever refinement changes its output; part of every cut-out cache key.
REFINE_REVISION = "1"


@dataclass(frozen=True)
class RefineParams:
    """Knobs of the refinement; hashed (via ``to_dict``) into cache keys."""

    guided_radius: int = 8
    guided_eps: float = 1e-4
    feather_sigma: float = 0.0
    box_margin: float = 0.05

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Cutout:
    alpha: np.ndarray  # float32 (H, W) in [0, 1], the photo's full resolution
    foreground: np.ndarray  # uint8 (H, W, 3), colours decontaminated
    confidence: float
    bbox: tuple[int, int, int, int] | None  # (x0, y0, x1, y1) of alpha > 0.5
    timings: dict[str, float] = field(default_factory=dict)

    def rgba(self) -> Image.Image:
        a = np.clip(self.alpha * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(np.dstack([self.foreground, a]), "RGBA")

    def mask_image(self) -> Image.Image:
        return Image.fromarray(np.clip(self.alpha * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")


def bbox_of(alpha: np.ndarray, level: float = 0.5) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1), exclusive ends, of ``alpha > level``; None when empty."""
    ys = np.flatnonzero((alpha > level).any(axis=1))
    if ys.size == 0:
        return None
    xs = np.flatnonzero((alpha > level).any(axis=0))
    return int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1


def _clamp_box(box, w: int, h: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    x0, x1 = sorted((max(0, min(w, x0)), max(0, min(w, x1))))
    y0, y1 = sorted((max(0, min(h, y0)), max(0, min(h, y1))))
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise ValueError(f"box {box} is empty inside a {w}x{h} photo")
    return x0, y0, x1, y1


def _refine(photo: np.ndarray, prob: np.ndarray, params: RefineParams) -> np.ndarray:
    alpha = refine.guided_feather(photo, prob, params.guided_radius, params.guided_eps)
    return refine.feather(alpha, params.feather_sigma)


def cutout(
    image: Image.Image,
    segmenter: Segmenter,
    prompts: list[str] | None = None,
    box: tuple[int, int, int, int] | None = None,
    params: RefineParams | None = None,
) -> Cutout:
    """Cut the product out of ``image``; ``box`` (photo pixels) bounds where it can be."""
    params = params or RefineParams()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    photo = np.asarray(rgb)
    h, w = photo.shape[:2]

    crop = (0, 0, w, h)
    if box is not None:
        bx0, by0, bx1, by1 = _clamp_box(box, w, h)
        mx = int(round((bx1 - bx0) * params.box_margin))
        my = int(round((by1 - by0) * params.box_margin))
        crop = (max(0, bx0 - mx), max(0, by0 - my), min(w, bx1 + mx), min(h, by1 + my))
    cx0, cy0, cx1, cy1 = crop
    sub = photo[cy0:cy1, cx0:cx1]
    sub_img = rgb if crop == (0, 0, w, h) else rgb.crop(crop)

    t = time.perf_counter()
    prob = segmenter.predict(sub_img, prompts)
    timings["segment"] = time.perf_counter() - t

    t = time.perf_counter()
    sub_alpha = _refine(sub, prob, params)
    timings["refine"] = time.perf_counter() - t

    alpha = np.zeros((h, w), np.float32)
    alpha[cy0:cy1, cx0:cx1] = sub_alpha
    if box is not None:
        inside = np.zeros_like(alpha, dtype=bool)
        inside[by0:by1, bx0:bx1] = True
        alpha[~inside] = 0.0
    alpha = np.clip(alpha, 0.0, 1.0).astype(np.float32)

    conf = quality.confidence(prob)
    timings["total"] = time.perf_counter() - t0
    return Cutout(
        alpha=alpha,
        foreground=photo.copy(),
        confidence=conf,
        bbox=bbox_of(alpha),
        timings=timings,
    )
