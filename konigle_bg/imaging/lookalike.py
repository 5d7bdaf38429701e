""" "Clear all like it": the enclosed see-through regions that look like a clicked one. Pure.

A remove-click inside one hole of a mesh (or one side of a handle) names a region the cut-out
wrongly keeps. Its lookalikes are the other regions inside the cut-out that have the same
colour (Lab, a tolerance set by the clicked region's own spread), a similar size, and are
enclosed by product; the clicked region must itself look like the outer background (the
background just around the cut-out), else nothing beyond it is offered: a white mug's inside
on a white table is shaded, a size apart, and stays.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class LookalikeParams:
    tol: float = 9.0  # least Lab distance to the clicked region's mean that still matches
    spread: float = 2.5  # ... widened to this many of the clicked region's std
    size_ratio: float = 8.0  # a lookalike's area is within this factor of the clicked one's
    ring: int = 2  # pixels around a region that must be product for it to count as enclosed
    enclosed_share: float = 0.9  # share of that ring inside the cut-out
    bg_ring: float = 0.05  # outer background sampled within this share of the side
    bg_match: float = 0.5  # share of a region's pixels whose colour the outer background has
    bins: int = 12  # Lab histogram bins per channel for the outer background's colours


def _components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 4)
    return n, labels, stats[:, cv2.CC_STAT_AREA]


def _bg_histogram(lab: np.ndarray, fg: np.ndarray, p: LookalikeParams) -> np.ndarray | None:
    """The colours of the background just around the cut-out (a normalised Lab histogram)."""
    h, w = fg.shape
    r = max(2, int(round(p.bg_ring * max(h, w))))
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    near = (cv2.dilate(fg.astype(np.uint8), k) > 0) & ~fg
    if near.sum() < 16:
        return None
    hist = cv2.calcHist([lab], [0, 1, 2], near.astype(np.uint8), [p.bins] * 3, [0, 256] * 3)
    return hist / hist.sum()


def _bg_like_share(lab: np.ndarray, region: np.ndarray, hist: np.ndarray, bins: int) -> float:
    """Share of ``region``'s pixels whose colour bin holds some outer background."""
    q = (lab[region].astype(np.int32) * bins) // 256
    mass = hist[q[:, 0], q[:, 1], q[:, 2]]
    return float((mass > 1e-4).mean()) if mass.size else 0.0


def lookalikes(
    lab: np.ndarray,
    fg: np.ndarray,
    seed: np.ndarray,
    params: LookalikeParams | None = None,
) -> np.ndarray:
    """The regions of ``fg`` (bool, the current cut-out) like the ``seed`` region (bool, the
    clicked one, inside ``fg``), as one bool mask; ``seed`` itself excluded. ``lab`` is the
    photo in Lab (uint8, lightly smoothed) at the masks' resolution.

    Empty when the seed does not look like the outer background.
    """
    p = params or LookalikeParams()
    none = np.zeros(fg.shape, bool)
    if not seed.any():
        return none
    hist = _bg_histogram(lab, fg, p)
    if hist is None or _bg_like_share(lab, seed, hist, p.bins) < p.bg_match:
        return none
    pix = lab[seed].astype(np.float32)
    mean = pix.mean(axis=0)
    tol = max(p.tol, p.spread * float(pix.std(axis=0).max()))
    dist = np.linalg.norm(lab.astype(np.float32) - mean, axis=2)
    like = (dist <= tol) & fg & ~seed
    n, labels, areas = _components(like)
    seed_area = int(seed.sum())
    size_ok = (areas >= seed_area / p.size_ratio) & (areas <= seed_area * p.size_ratio)
    size_ok[0] = False
    out = none.copy()
    if not size_ok.any():
        return out
    h, w = fg.shape
    k = np.ones((2 * p.ring + 1, 2 * p.ring + 1), np.uint8)
    for lab_id in np.flatnonzero(size_ok):
        x, y, bw, bh = cv2.boundingRect((labels == lab_id).astype(np.uint8))
        if x == 0 or y == 0 or x + bw >= w or y + bh >= h:
            continue  # touches the frame: not enclosed
        x0, y0 = max(0, x - p.ring), max(0, y - p.ring)
        x1, y1 = min(w, x + bw + p.ring), min(h, y + bh + p.ring)
        region = labels[y0:y1, x0:x1] == lab_id
        ring = (cv2.dilate(region.astype(np.uint8), k) > 0) & ~region
        if fg[y0:y1, x0:x1][ring].mean() < p.enclosed_share:
            continue
        if _bg_like_share(lab[y0:y1, x0:x1], region, hist, p.bins) < p.bg_match:
            continue
        out[y0:y1, x0:x1] |= region
    return out
