"""What a first cut-out says about itself, cheaply: the signals a cascade escalates on.

Computed from the fast model's matte (and its confidence) at a reduced size, so they cost a
few milliseconds: how much of the frame the subject covers, how much enclosed background it
has (a handle, a mesh, gaps between branches), how much of it is thin (lost to an opening
scaled to the subject), and how much of it is neither product nor background (soft alpha).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from ..morph import fill_enclosed

__all__ = ["FirstCut", "first_cut"]

#: The matte is measured at this longer side: the signals are shares, not pixel counts.
SIDE = 320
#: The opening that finds thin parts: this share of the subject's size (sqrt of its area).
THIN_SCALE = 0.06


@dataclass(frozen=True)
class FirstCut:
    """The signals of one first cut-out, all in [0, 1]."""

    confidence: float
    subject: float  # share of the frame the subject (alpha > 0.5) covers
    holes: float  # enclosed background inside the subject's outline, share of that outline
    thin: float  # share of the subject lost to an opening of ``THIN_SCALE`` of its size
    soft: float  # share of the subject's outline with alpha in (0.1, 0.9)

    def as_dict(self) -> dict:
        return {k: round(v, 4) for k, v in asdict(self).items()}


def first_cut(alpha: np.ndarray, confidence: float) -> FirstCut:
    """The signals of a matte ``alpha`` (float (H, W) in [0, 1]) cut with ``confidence``."""
    h, w = alpha.shape[:2]
    scale = min(1.0, SIDE / max(h, w, 1))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        alpha = cv2.resize(alpha.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    mask = alpha > 0.5
    area = int(mask.sum())
    if area == 0:
        return FirstCut(float(confidence), 0.0, 0.0, 0.0, 0.0)
    filled = fill_enclosed(mask)
    outline = int(filled.sum())
    radius = max(1, round(THIN_SCALE * math.sqrt(area) / 2))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    opened = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, kernel).astype(bool)
    soft = (alpha > 0.1) & (alpha < 0.9) & filled
    return FirstCut(
        confidence=float(confidence),
        subject=area / mask.size,
        holes=(outline - area) / outline,
        thin=float((mask & ~opened).sum()) / area,
        soft=float(soft.sum()) / outline,
    )
