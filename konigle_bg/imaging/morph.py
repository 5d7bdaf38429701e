"""Binary morphology with large elliptical kernels, exactly as OpenCV's, in a fraction of the
time: OpenCV's dilate with a non-rectangular 97 px kernel costs ~0.8 s on a 1600 px mask
(a third of a cut-out's refinement, see README "Speed"); here the ellipse is taken row by row,
each row a rectangle (separable, fast), and the shifted results combined."""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["dilate_ellipse", "erode_ellipse", "fill_enclosed"]


def _row_half_widths(width: int) -> list[int]:
    """Per kernel row (dy = -width..width), the half-width of OpenCV's MORPH_ELLIPSE."""
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    return [int(row.sum()) // 2 for row in k]


def dilate_ellipse(mask: np.ndarray, width: int) -> np.ndarray:
    """``cv2.dilate(mask, MORPH_ELLIPSE of 2*width+1)`` for a uint8 0/1 mask, borders alike."""
    mask = mask.astype(np.uint8)
    if width <= 0:
        return mask.copy()
    h = mask.shape[0]
    out = np.zeros_like(mask)
    rows: dict[int, np.ndarray] = {}
    for i, half in enumerate(_row_half_widths(width)):
        dy = i - width
        if half < 0 or abs(dy) >= h:
            continue
        if half not in rows:
            kernel = np.ones((1, 2 * half + 1), np.uint8)
            rows[half] = cv2.dilate(mask, kernel) if half else mask
        spread = rows[half]
        # out[y] |= spread[y + dy]: the kernel row dy reaches the mask row y + dy.
        if dy >= 0:
            cv2.max(out[: h - dy], spread[dy:], dst=out[: h - dy])
        else:
            cv2.max(out[-dy:], spread[: h + dy], dst=out[-dy:])
    return out


def erode_ellipse(mask: np.ndarray, width: int) -> np.ndarray:
    """``cv2.erode`` with the same kernel: outside the frame counts as inside, as OpenCV's."""
    return 1 - dilate_ellipse(1 - mask.astype(np.uint8), width)


def fill_enclosed(mask: np.ndarray) -> np.ndarray:
    """``mask`` (bool) with every background region that does not reach the frame's edge
    filled (4-connected): the subject's outline. ``~fill_enclosed(m)`` is the background
    outside it, ``fill_enclosed(m) & ~m`` its holes (a handle's opening, a mesh)."""
    outside = np.pad(~mask, 1, constant_values=True).astype(np.uint8)
    flood = np.zeros((outside.shape[0] + 2, outside.shape[1] + 2), np.uint8)
    cv2.floodFill(outside, flood, (0, 0), 2)
    return outside[1:-1, 1:-1] != 2
