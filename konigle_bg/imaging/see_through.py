"""Background seen through the product: the wood inside a mug's handle, the sky between a
plant's leaves, the table through a wire basket's mesh.

Salient-object models fill such openings (to them a handle and its hole are one object). A
region inside the subject is cut away when all of these hold:
- its colours are background-like: their odds under the background model (learnt from a ring
  of sure background around the subject) against the product model are high;
- it is enclosed: its rim lies on the product or on other openings, not on the outside (a
  notch in the outline is the edge's business, not this step's);
- it looks like the outer background clearly more than like the product right around it (its
  own rim): this guards a white mug on a white sweep, whose inside resembles the background
  but resembles the mug's rim just as much;
- its colours cover the background's palette (not one colour of it: a bus's windows reflect
  the sky, a sign's white matches a cloud), unless the model itself doubts the region;
- it is not most of the subject (an object the colour of its background stays whole).
Detection runs at a reduced size inside the subject's box; the cut is then drawn at full
resolution, pixel by pixel, where colours are background-like, so the refinement's guided
filter snaps its edge onto the photo.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from . import colour_model, refine
from .colour_model import ColourModels
from .morph import fill_enclosed

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class View:
    """The subject's neighbourhood at a reduced size: where the colour models are learnt."""

    window: Box  # full-resolution pixels
    scale: float  # small / full
    bins: np.ndarray  # colour bins of the small photo
    prob: np.ndarray  # the map at the small size


def view(photo: np.ndarray, prob: np.ndarray, side: int = 320, margin: float = 0.15) -> View | None:
    """The subject's box grown by ``margin``, scaled to at most ``side`` px; None when empty."""
    box = refine.mask_box(prob > 0.5)
    if box is None:
        return None
    h, w = prob.shape
    x0, y0, x1, y1 = refine.expand_box(box, margin, w, h)
    scale = min(1.0, side / max(x1 - x0, y1 - y0))
    size = (max(8, round((x1 - x0) * scale)), max(8, round((y1 - y0) * scale)))
    small = cv2.resize(photo[y0:y1, x0:x1], size, interpolation=cv2.INTER_AREA)
    p = cv2.resize(prob[y0:y1, x0:x1].astype(np.float32), size, interpolation=cv2.INTER_AREA)
    return View((x0, y0, x1, y1), scale, colour_model.quantise(small), p)


def models_of(v: View | None, refit_odds: float = 0.5) -> ColourModels | None:
    """Colour models of the view; the product's without its background-like pixels."""
    return None if v is None else colour_model.fit(v.bins, v.prob, refit_odds=refit_odds)


def openings(
    v: View,
    models: ColourModels,
    pixel_odds: float = 1.0,
    region_odds: float = 1.5,
    enclosed: float = 0.9,
    max_share: float = 0.3,
    min_px: int = 6,
    rim: int = 2,
    wall: int = 3,
    sure_odds: float = 8.0,
    similar_sure: float = 0.9,
    similar_doubtful: float = 0.77,
    doubtful: float = 0.9,
    mesh: int = 3,
) -> np.ndarray:
    """Mask (small size) of the see-through regions inside the subject of ``v``.

    ``pixel_odds``: log odds background/product over which a pixel is a candidate;
    ``region_odds``: mean log odds, background against the region's own rim of product, over
    which a candidate region is cut; ``enclosed``: share of its rim that must lie on the
    subject or its holes; ``max_share``: the largest region, as a share of the subject. The
    rim is ``rim`` px wide; the product wall it is compared with lies ``wall`` px beyond it
    (the rim itself holds the edge's mixed colours). The region's colours must also cover
    the background's (Bhattacharyya coefficient of the two histograms): ``similar_sure``
    where the model is sure of it, ``similar_doubtful`` where its mean map is under
    ``doubtful``. Where the model is sure, the region must also beat its rim by
    ``sure_odds`` (a handle's hole shows none of the mug's colours; a cat's white belly or a
    flower's heart, lit like the scene behind, still shares some with the fur or petals).
    A mesh shows the background through many small openings, each too small a sample to
    cover its palette: when at least ``mesh`` regions pass every other test, the palette is
    asked of all of them together.
    """
    subject = v.prob > 0.5
    outside = ~fill_enclosed(subject)  # the background around the subject, not its holes
    odds = cv2.blur(models.background_odds(v.bins).astype(np.float32), (3, 3))
    cand = subject & (odds > pixel_odds)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(cand.astype(np.uint8), connectivity=8)
    keep = np.zeros(v.prob.shape, bool)
    area_subject = max(1, int((~outside).sum()))
    log_bg = np.log(models.bg)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rim + 1, 2 * rim + 1))
    far = rim + wall
    wide = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * far + 1, 2 * far + 1))
    h, w = subject.shape
    pending: list[tuple[int, bool]] = []  # pass all but the palette test on their own
    accepted = 0
    for lab in range(1, n):
        x, y, bw, bh, area = stats[lab]
        if area < min_px or area > max_share * area_subject:
            continue
        x0, y0 = max(0, x - far - 1), max(0, y - far - 1)
        x1, y1 = min(w, x + bw + far + 1), min(h, y + bh + far + 1)
        region = (labels[y0:y1, x0:x1] == lab).astype(np.uint8)
        near = cv2.dilate(region, disc) > 0
        ring = near & (region == 0)
        if ring.sum() == 0 or outside[y0:y1, x0:x1][ring].mean() > 1.0 - enclosed:
            continue
        # The product right around the region, not the whole subject's colours.
        around = (cv2.dilate(region, wide) > 0) & ~near
        around &= subject[y0:y1, x0:x1] & ~cand[y0:y1, x0:x1]
        bins = v.bins[y0:y1, x0:x1]
        wall_model = colour_model.histogram(bins[around]) if around.sum() >= 4 * far else models.fg
        inside = bins[region > 0]
        score = float(np.mean(log_bg[inside] - np.log(wall_model[inside])))
        # Background seen through shows the surface's whole palette (a handle's hole: the
        # wood and its grain), a part the colour of something out there (a bus's windows, a
        # sign's white) only some of it; where the model itself doubts, less is asked.
        doubted = float(v.prob[y0:y1, x0:x1][region > 0].mean()) < doubtful
        if score <= (region_odds if doubted else sure_odds):
            continue
        similar = float(np.sqrt(colour_model.histogram(inside) * models.bg).sum())
        if similar >= (similar_doubtful if doubted else similar_sure):
            keep[y0:y1, x0:x1] |= region > 0
            accepted += 1
        else:
            pending.append((lab, doubted))
    if pending and len(pending) + accepted >= mesh:
        # The openings of one mesh together: their union must cover the palette.
        union = keep | np.isin(labels, [lab for lab, _ in pending])
        similar = float(np.sqrt(colour_model.histogram(v.bins[union]) * models.bg).sum())
        if similar >= (similar_doubtful if all(d for _, d in pending) else similar_sure):
            keep = union
    return keep


def cut_mask(
    photo: np.ndarray, v: View, models: ColourModels, small: np.ndarray, grow: int = 1
) -> np.ndarray | None:
    """``small`` (the accepted openings) drawn at full resolution: every background-coloured
    pixel near them. None when there is nothing to cut."""
    if not small.any():
        return None
    x0, y0, x1, y1 = v.window
    grown = cv2.dilate(small.astype(np.uint8), np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    near = cv2.resize(grown, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST) > 0
    odds = models.background_odds(colour_model.quantise(photo[y0:y1, x0:x1]))
    out = np.zeros(photo.shape[:2], bool)
    out[y0:y1, x0:x1] = near & (odds > 0)
    return out


def remove(
    photo: np.ndarray, prob: np.ndarray, v: View | None, models: ColourModels | None, **opts
) -> tuple[np.ndarray, int]:
    """``prob`` with the see-through regions set to 0, and how many regions were cut."""
    if v is None or models is None:
        return prob, 0
    small = openings(v, models, **opts)
    cut = cut_mask(photo, v, models, small)
    if cut is None:
        return prob, 0
    out = prob.copy()
    out[cut] = 0.0
    return out, int(cv2.connectedComponents(small.astype(np.uint8))[0] - 1)
