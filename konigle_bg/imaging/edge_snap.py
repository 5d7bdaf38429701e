"""A boundary stroke that snaps: the cut-out's edge moved to the photo's contour near a drag.

The seller drags along an edge; within ``radius`` of the drag (the band) the edge is re-cut
by a GrabCut whose seeds are the band's two banks: the bank where the current cut-out holds
more product is product, the other background, and everything farther than ``2 * radius``
stays as it was. The graph cut's contrast term puts the edge on the strongest colour change
between the banks, wherever the old edge was. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

WORK_SIDE = 768  # longer side of the band's box while cutting (full resolution below it)
ITERATIONS = 4


def _polyline(mask: np.ndarray, pts: np.ndarray, thickness: int) -> None:
    if len(pts) == 1:
        cv2.circle(mask, tuple(int(v) for v in pts[0]), max(1, thickness // 2), 1, -1)
    else:
        cv2.polylines(mask, [pts.astype(np.int32).reshape(-1, 1, 2)], False, 1, thickness)


def _extended(pts: np.ndarray, by: float) -> np.ndarray:
    """The drag lengthened at both ends along its end directions, so it splits the band."""
    if len(pts) < 2:
        return pts

    def tip(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        d = a - b
        n = float(np.hypot(*d))
        return a + d / n * by if n > 0 else a

    k = min(3, len(pts) - 1)  # a few points back: one jittery segment is no direction
    return np.vstack([tip(pts[0], pts[k]), pts, tip(pts[-1], pts[-1 - k])])


def banks(shape: tuple[int, int], pts: np.ndarray, radius: float) -> tuple[np.ndarray, ...]:
    """The band (within ``radius`` of the drag), the two banks (its sides out to
    ``2 * radius``, largest first) and the outer band, as bool masks of ``shape``."""
    line = np.zeros(shape, np.uint8)
    _polyline(line, pts, 1)
    dist = cv2.distanceTransform(1 - line, cv2.DIST_L2, 5)
    band = dist <= radius
    outer = dist <= 2 * radius
    cut = np.zeros(shape, np.uint8)
    _polyline(cut, _extended(pts, 2.5 * radius), 3)
    n, labels, stats, _ = cv2.connectedComponentsWithStats((outer & (cut == 0)).astype(np.uint8), 4)
    order = np.argsort(-stats[1:, cv2.CC_STAT_AREA]) + 1
    sides = [labels == i for i in order[:2]]
    while len(sides) < 2:
        sides.append(np.zeros(shape, bool))
    return band, sides[0], sides[1], outer


def snap(
    photo: np.ndarray, alpha: np.ndarray, points: Sequence[tuple[float, float]], radius: float
) -> np.ndarray:
    """``alpha`` (float32 (H, W)) with its edge snapped to the photo's contour near the drag
    ``points`` (photo pixels); unchanged where the drag has no clear product bank."""
    h, w = alpha.shape
    pts = np.asarray(points, np.float32).reshape(-1, 2)
    if len(pts) < 2 or radius < 1:
        return alpha
    pad = int(np.ceil(2 * radius)) + 4
    x0 = max(0, int(pts[:, 0].min()) - pad)
    y0 = max(0, int(pts[:, 1].min()) - pad)
    x1 = min(w, int(np.ceil(pts[:, 0].max())) + pad + 1)
    y1 = min(h, int(np.ceil(pts[:, 1].max())) + pad + 1)
    s = min(1.0, WORK_SIDE / max(x1 - x0, y1 - y0))
    size = (max(2, int(round((x1 - x0) * s))), max(2, int(round((y1 - y0) * s))))
    crop = cv2.resize(photo[y0:y1, x0:x1], size, interpolation=cv2.INTER_AREA)
    a = cv2.resize(alpha[y0:y1, x0:x1], size, interpolation=cv2.INTER_AREA)
    local = (pts - (x0, y0)) * s
    band, side_a, side_b, outer = banks(a.shape, local, radius * s)
    rim_a, rim_b = side_a & ~band, side_b & ~band
    if not rim_a.any() or not rim_b.any():
        return alpha
    fa, fb = float(a[rim_a].mean()), float(a[rim_b].mean())
    if abs(fa - fb) < 0.2:
        return alpha  # no clear product side: the stroke says nothing about which way
    product, background = (rim_a, rim_b) if fa > fb else (rim_b, rim_a)
    mask = np.where(a > 0.5, cv2.GC_FGD, cv2.GC_BGD).astype(np.uint8)
    mask[outer] = np.where(a[outer] > 0.5, cv2.GC_PR_FGD, cv2.GC_PR_BGD)
    mask[product] = cv2.GC_FGD
    mask[background] = cv2.GC_BGD
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)  # GrabCut's colour models start from random samples
    try:
        cv2.grabCut(crop, mask, None, bgd, fgd, ITERATIONS, cv2.GC_INIT_WITH_MASK)
    except cv2.error:
        return alpha
    cut = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.float32)
    full_cut = cv2.resize(cut, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    full_outer = cv2.resize(outer.astype(np.uint8), (x1 - x0, y1 - y0), cv2.INTER_NEAREST) > 0
    out = alpha.astype(np.float32).copy()
    sub = out[y0:y1, x0:x1]
    sub[full_outer] = full_cut[full_outer]
    return out
