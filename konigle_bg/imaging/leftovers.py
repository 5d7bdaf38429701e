"""One product, no leftovers: separate blobs of a cut-out that are not the product go. Pure.

A cut-out often keeps a second, separate thing beside the product (a sticky note on the desk,
a cable, another object). ``keep_product`` finds the blobs of the alpha (connected parts over
the cut line, at a small working resolution), picks the product among them by the model's
belief in it (its probability mass: area times mean confidence) weighed by how central it is,
and keeps, besides it:

- a blob within ``gap`` (of the product's size) of a kept one: a handle separated by a thin
  gap, a lid, parts that touch or nearly touch;
- for one product (``ONE``), a rival the model believes in about as much (``share`` of the
  product's mass) that also looks like the product (its colours, ``alike``): dropping it
  would be a guess; a rival that looks nothing like it is another thing;
- for a set of like pieces (``ALIKE``: "Set of 2 Mugs", "Earbuds with Case"), every blob that
  looks like the product, however small, and none that does not.

The caller decides what the photo shows from the title (``prompts.subject_of``): with
different things named (``ANY``: "Cup and Saucer"), or no title at all, it is not run, and
neither is it when the seller drew a box (the box already says where the product is). Chosen
on half A of the slices (``bg_eval_slices``): the colour test and the like-pieces reading took
the distractors slice from 56% to 72% acceptable (one-product photos 77% to 91%).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .prompts import ALIKE, ONE

__all__ = ["keep_product"]

WORK_SIDE = 256  # blobs are found at this longer side: cheap, and small specks merge away
MIN_BLOB = 4  # work pixels: smaller parts are specks (``refine.remove_specks`` handles those)
# Colour histogram (Lab: 4 lightness x 8 x 8 bins) whose overlap says two blobs look alike.
BINS = [4, 8, 8]


def _blobs(
    alpha: np.ndarray,
    prob: np.ndarray,
    photo: np.ndarray,
    subject: str,
    share: float,
    gap: float,
    alike: float,
    level: float = 0.5,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Labels of the blobs at the working resolution, a bool per label (0 = background)
    saying whether it is kept, and the largest dropped blob's mass over the product's."""
    h, w = alpha.shape
    scale = min(1.0, WORK_SIDE / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small_a, small_p, small_rgb = (
        cv2.resize(a, size, interpolation=cv2.INTER_AREA) if scale < 1 else a
        for a in (alpha, prob, photo)
    )
    n, labels, stats, centres = cv2.connectedComponentsWithStats(
        (small_a > level).astype(np.uint8), connectivity=8
    )
    keep = np.ones(n, bool)
    keep[0] = False
    area = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    blobs = np.flatnonzero(area >= MIN_BLOB)
    blobs = blobs[blobs > 0]
    if len(blobs) < 2:
        return labels, keep, 0.0
    mass = np.bincount(labels.ravel(), weights=(small_p * small_a).ravel(), minlength=n)
    # Centrality: 1 at the frame's centre, 0.5 in a corner (products are framed, clutter lies
    # around them).
    sh, sw = labels.shape
    off = np.hypot((centres[:, 0] - sw / 2) / (sw / 2), (centres[:, 1] - sh / 2) / (sh / 2))
    score = mass * (1.0 - 0.5 * off / math.sqrt(2))
    main = blobs[np.argmax(score[blobs])]
    looks = _likeness(cv2.cvtColor(small_rgb, cv2.COLOR_RGB2LAB), labels, main, blobs) >= alike
    keep[blobs] = looks[blobs]
    if subject != ALIKE:
        keep[blobs] &= mass[blobs] >= share * mass[main]
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
    dropped = blobs[~keep[blobs]]
    guess = float(min(1.0, mass[dropped].max() / max(mass[main], 1e-9))) if len(dropped) else 0.0
    return labels, keep, guess


def _likeness(lab: np.ndarray, labels: np.ndarray, main: int, blobs: np.ndarray) -> np.ndarray:
    """Per label, the overlap (0..1) of its colour histogram with the product blob's."""

    def hist(label: int) -> np.ndarray:
        mask = (labels == label).astype(np.uint8)
        h = cv2.calcHist([lab], [0, 1, 2], mask, BINS, [0, 256] * 3).ravel()
        return h / max(1.0, float(h.sum()))

    ref = hist(main)
    out = np.zeros(labels.max() + 1)
    for label in blobs:
        out[label] = np.minimum(ref, hist(label)).sum()
    return out


def keep_product(
    alpha: np.ndarray,
    prob: np.ndarray,
    photo: np.ndarray,
    subject: str = ONE,
    share: float = 0.5,
    gap: float = 0.08,
    alike: float = 0.3,
) -> tuple[np.ndarray, float]:
    """``alpha`` with the blobs that are not the product cleared (their soft rims included),
    and how much of a guess that was: the largest dropped blob's mass as a share of the
    product's (0..1). Dropping a thing the model believed in as much as the product may have
    dropped the product itself, so the caller lowers its confidence by it.

    ``prob`` is the model's map and ``photo`` the RGB photo, both at the alpha's size;
    ``subject`` is ``ONE`` or ``ALIKE`` (``prompts.subject_of``).
    """
    labels, keep, guess = _blobs(alpha, prob, photo, subject, share, gap, alike)
    dropped = (labels > 0) & ~keep[labels]
    if not dropped.any():
        return alpha, 0.0
    # Grow the dropped blobs over their soft rims, never onto a kept blob.
    ring = np.ones((9, 9), np.uint8)
    kept = cv2.dilate((keep[labels]).astype(np.uint8), np.ones((3, 3), np.uint8))
    zone = cv2.dilate(dropped.astype(np.uint8), ring) & (1 - kept)
    h, w = alpha.shape
    zone = cv2.resize(zone, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
    out = alpha.copy()
    out[zone] = 0.0
    return out, guess
