"""One product, no leftovers: separate blobs of a cut-out that are not the product go. Pure.

A cut-out often keeps a second, separate thing beside the product (a sticky note on the desk,
a cable, another object). ``keep_product`` finds the blobs of the alpha (connected parts over
the cut line, at a small working resolution), picks the product among them by the model's
belief in it (its probability mass: area times mean confidence) weighed by how central it is,
and drops every blob that is neither part of the same product nor a rival worth keeping:

- a blob within ``gap`` (of the product's size) of a kept one stays: a handle separated by a
  thin gap, a lid, parts that touch or nearly touch;
- a blob whose mass reaches ``share`` of the product's stays: when the model believes in two
  things about as much, dropping one is a guess that can cost half the subject (natural scenes
  with two birds), so the cut-out is left as the model saw it.

The caller decides when not to run it at all: a title that says the product is several things
("set of 2", "cup and saucer"), or a box drawn by the seller (the box already says where the
product is). With a text-prompted backend the map is the prompt's, so the mass already says
which blob the title names.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

__all__ = ["keep_product", "product_blobs"]

WORK_SIDE = 256  # blobs are found at this longer side: cheap, and small specks merge away
MIN_BLOB = 4  # work pixels: smaller parts are specks (``refine.remove_specks`` handles those)


def product_blobs(
    alpha: np.ndarray,
    prob: np.ndarray,
    share: float = 0.5,
    gap: float = 0.08,
    level: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Labels of the blobs at the working resolution, and a bool per label (0 = background)
    saying whether it is kept."""
    h, w = alpha.shape
    scale = min(1.0, WORK_SIDE / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small_a = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA) if scale < 1 else alpha
    small_p = cv2.resize(prob, size, interpolation=cv2.INTER_AREA) if scale < 1 else prob
    n, labels, stats, centres = cv2.connectedComponentsWithStats(
        (small_a > level).astype(np.uint8), connectivity=8
    )
    keep = np.ones(n, bool)
    keep[0] = False
    area = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    blobs = np.flatnonzero(area >= MIN_BLOB)
    blobs = blobs[blobs > 0]
    if len(blobs) < 2:
        return labels, keep
    mass = np.bincount(labels.ravel(), weights=(small_p * small_a).ravel(), minlength=n)
    # Centrality: 1 at the frame's centre, 0.5 in a corner (products are framed, clutter lies
    # around them).
    sh, sw = labels.shape
    off = np.hypot((centres[:, 0] - sw / 2) / (sw / 2), (centres[:, 1] - sh / 2) / (sh / 2))
    score = mass * (1.0 - 0.5 * off / math.sqrt(2))
    main = blobs[np.argmax(score[blobs])]
    keep[blobs] = mass[blobs] >= share * mass[main]
    keep[main] = True
    reach = gap * math.sqrt(area[main])
    # Parts near a kept blob belong to it; a chain (a lid near a handle near the body) is
    # followed a few steps.
    for _ in range(3):
        kept = np.isin(labels, np.flatnonzero(keep))
        dist = cv2.distanceTransform((~kept).astype(np.uint8), cv2.DIST_L2, 3)
        nearest = np.full(n, np.inf)
        np.minimum.at(nearest, labels.ravel(), dist.ravel())
        near = (nearest <= reach) & ~keep
        near[0] = False
        if not near.any():
            break
        keep |= near
    return labels, keep


def keep_product(
    alpha: np.ndarray,
    prob: np.ndarray,
    share: float = 0.5,
    gap: float = 0.08,
    level: float = 0.5,
) -> np.ndarray:
    """``alpha`` with the blobs that are not the product cleared (their soft rims included).

    ``prob`` is the model's map at the alpha's size.
    """
    labels, keep = product_blobs(alpha, prob, share, gap, level)
    dropped = (labels > 0) & ~keep[labels]
    if not dropped.any():
        return alpha
    # Grow the dropped blobs over their soft rims, never onto a kept blob.
    ring = np.ones((9, 9), np.uint8)
    kept = cv2.dilate((keep[labels]).astype(np.uint8), np.ones((3, 3), np.uint8))
    zone = cv2.dilate(dropped.astype(np.uint8), ring) & (1 - kept)
    h, w = alpha.shape
    zone = cv2.resize(zone, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
    out = alpha.copy()
    out[zone] = 0.0
    return out
