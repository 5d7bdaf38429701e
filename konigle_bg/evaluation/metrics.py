"""Scores of a matte against ground truth, as the evaluation set's README defines them
(``../shared/eval/README.md``).

Alpha and ground truth are scaled to [0, 1] and compared at the image's own resolution.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

#: A boundary pixel counts as matched when the other boundary lies within this many pixels.
BF_TOLERANCE = 2.0
ACCEPT_IOU = 0.90
ACCEPT_BF = 0.60


def _unit(a: np.ndarray) -> np.ndarray:
    """uint8 0..255 or float 0..1 -> float32 0..1."""
    a = np.asarray(a)
    if a.dtype == np.uint8:
        return a.astype(np.float32) / 255.0
    if a.dtype == bool:
        return a.astype(np.float32)
    return a.astype(np.float32)


def _binary(a: np.ndarray) -> np.ndarray:
    return _unit(a) > 0.5


def iou(alpha: np.ndarray, gt: np.ndarray) -> float:
    """|(alpha > 0.5) & (gt > 0.5)| / |(alpha > 0.5) | (gt > 0.5)|; 1 when both are empty."""
    p, g = _binary(alpha), _binary(gt)
    union = np.count_nonzero(p | g)
    if union == 0:
        return 1.0
    return float(np.count_nonzero(p & g)) / float(union)


def mae(alpha: np.ndarray, gt: np.ndarray) -> float:
    """Mean absolute difference over all pixels, both in [0, 1]."""
    return float(np.mean(np.abs(_unit(alpha) - _unit(gt))))


def boundary(mask: np.ndarray) -> np.ndarray:
    """The mask minus its 3x3 erosion, with OpenCV's default border (outside the frame counts
    as inside the mask, so the frame edge is never a boundary), as ``score.py`` does."""
    m = mask.astype(np.uint8)
    eroded = cv2.erode(m, np.ones((3, 3), np.uint8))
    return (m > 0) & (eroded == 0)


def _near(edge: np.ndarray, tol: float) -> np.ndarray:
    """Pixels within ``tol`` px of ``edge``: its dilation by the (2 tol + 1) elliptical disc
    (``cv2.MORPH_ELLIPSE``), the reference's "within 2 px"."""
    r = int(round(tol))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    return cv2.dilate(edge.astype(np.uint8), disc) > 0


def boundary_f(alpha: np.ndarray, gt: np.ndarray, tol: float = BF_TOLERANCE) -> float:
    """Boundary F-measure of the binarised masks with a ``tol`` px match tolerance; the same
    number as ``../shared/eval/score.py`` gives."""
    bp, bg = boundary(_binary(alpha)), boundary(_binary(gt))
    n_p, n_g = int(np.count_nonzero(bp)), int(np.count_nonzero(bg))
    if n_p == 0 and n_g == 0:
        return 1.0
    if n_p == 0 or n_g == 0:
        return 0.0
    precision = np.count_nonzero(bp & _near(bg, tol)) / n_p
    recall = np.count_nonzero(bg & _near(bp, tol)) / n_g
    if precision + recall == 0:
        return 0.0
    return 2.0 * precision * recall / (precision + recall)


def acceptable(iou_value: float, bf_value: float) -> bool:
    """A seller would use the result untouched: IoU >= 0.90 and BF >= 0.60."""
    return iou_value >= ACCEPT_IOU and bf_value >= ACCEPT_BF


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman rank correlation (ties get average ranks); 0 when either side is constant."""
    from scipy.stats import rankdata

    xa, ya = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if xa.size != ya.size:
        raise ValueError("x and y differ in length")
    if xa.size < 2:
        return 0.0
    rx, ry = rankdata(xa), rankdata(ya)
    rx -= rx.mean()
    ry -= ry.mean()
    den = float(np.sqrt((rx * rx).sum() * (ry * ry).sum()))
    return float((rx * ry).sum() / den) if den > 0 else 0.0


#: The halo band: from HALO_INNER to HALO_OUTER px outside the true edge.
HALO_INNER = 2
HALO_OUTER = 6


def _disc(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def halo_band(gt: np.ndarray) -> np.ndarray:
    """Pixels 2-6 px outside the true edge: dilate(gt > 0.5, 6 px disc) minus its 2 px dilation."""
    g = _binary(gt).astype(np.uint8)
    outer = cv2.dilate(g, _disc(HALO_OUTER))
    inner = cv2.dilate(g, _disc(HALO_INNER))
    return (outer > 0) & (inner == 0)


def on_white(alpha: np.ndarray, photo: np.ndarray) -> np.ndarray:
    """The photo's colours laid on white with ``alpha``, float 0..255."""
    a = _unit(alpha)[..., None]
    return a * np.asarray(photo, np.float32) + (1.0 - a) * 255.0


def halo(alpha: np.ndarray, gt: np.ndarray, photo: np.ndarray) -> dict[str, float]:
    """What shows as a ring around the product, in the band ``halo_band`` gives.

    ``alpha``: the mean predicted alpha there (0 when nothing of the backdrop is kept).
    ``colour``: the mean |on_white(alpha) - on_white(gt)| there, 0..255 averaged over RGB.
    Both composites take the photo's own colours as the foreground, the same for prediction
    and truth, so the score is the backdrop (and partial alpha) a seller sees on a white
    theme, not a difference of colour estimates. 0 and 0 when the band is empty.
    """
    band = halo_band(gt)
    if not band.any():
        return {"alpha": 0.0, "colour": 0.0}
    a = _unit(alpha)[band]
    pred = on_white(alpha, photo)[band]
    true = on_white(gt, photo)[band]
    return {"alpha": float(a.mean()), "colour": float(np.abs(pred - true).mean())}


def score(alpha: np.ndarray, gt: np.ndarray) -> dict[str, float]:
    """All per-image scores at once."""
    i, b = iou(alpha, gt), boundary_f(alpha, gt)
    return {"iou": i, "mae": mae(alpha, gt), "bf": b, "acceptable": float(acceptable(i, b))}
