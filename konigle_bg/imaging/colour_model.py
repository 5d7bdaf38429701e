"""Product and background colour models of one photo: smoothed RGB histograms, as lookups.

Pure numpy/OpenCV. A photo's colours are quantised to ``BITS`` bits per channel; a model is a
normalised, lightly smoothed histogram over those bins, so scoring a pixel is one table
lookup. ``fit`` learns the product's model from the subject's sure core and the background's
from a ring of sure background around the subject (the surface it stands on, not the far
corners of the frame): both see-through removal and halo tightening ask which of the two a
pixel's colour belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

BITS = 4  # 16 levels per channel: 4096 bins, enough to tell wood from a blue glaze
LEVELS = 1 << BITS


def quantise(photo: np.ndarray) -> np.ndarray:
    """Bin index (int32, H x W) of each pixel of an RGB uint8 photo."""
    q = (photo >> (8 - BITS)).astype(np.int32)
    return (q[..., 0] << (2 * BITS)) | (q[..., 1] << BITS) | q[..., 2]


def histogram(bins: np.ndarray, weight_floor: float = 1e-4) -> np.ndarray:
    """Normalised histogram of bin indices, smoothed over neighbouring colours.

    The smoothing (a 3-bin box in each channel) lets a colour next to one seen count as seen:
    a few thousand samples are sparse over 4096 bins. ``weight_floor`` keeps unseen colours
    from scoring zero (a log of them stays finite).
    """
    h = np.bincount(bins.ravel(), minlength=LEVELS**3).astype(np.float32)
    cube = h.reshape(LEVELS, LEVELS, LEVELS)
    for axis in range(3):  # a 3-bin box along each channel, edges repeated
        pad = [(1, 1) if a == axis else (0, 0) for a in range(3)]
        p = np.pad(cube, pad, mode="edge")
        lo, mid, hi = (np.take(p, range(i, i + LEVELS), axis=axis) for i in range(3))
        cube = (lo + mid + hi) / 3.0
    flat = cube.ravel()
    flat /= max(float(flat.sum()), 1.0)
    return flat + weight_floor / LEVELS**3


@dataclass(frozen=True)
class ColourModels:
    """Product (``fg``) and background (``bg``) colour likelihoods, per bin."""

    fg: np.ndarray
    bg: np.ndarray

    def background_odds(self, bins: np.ndarray) -> np.ndarray:
        """log(P_bg / P_fg) of each bin index: > 0 where the colour looks like background."""
        return np.log(self.bg[bins]) - np.log(self.fg[bins])

    def foreground_posterior(self, bins: np.ndarray) -> np.ndarray:
        """P(product | colour) with equal priors, float32 in [0, 1]."""
        fg, bg = self.fg[bins], self.bg[bins]
        return (fg / (fg + bg)).astype(np.float32)


def _disc(radius: int) -> np.ndarray:
    r = max(1, int(radius))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def outer_ring(mask: np.ndarray, inner: int, outer: int) -> np.ndarray:
    """Pixels between ``inner`` and ``outer`` px outside ``mask`` (bool)."""
    m = mask.astype(np.uint8)
    return (cv2.dilate(m, _disc(outer)) > 0) & ~(cv2.dilate(m, _disc(inner)) > 0)


def fit(
    bins: np.ndarray,
    prob: np.ndarray,
    ring: tuple[float, float] = (0.02, 0.12),
    min_samples: int = 50,
    refit_odds: float | None = None,
) -> ColourModels | None:
    """Colour models from a (small) photo's bins and the subject's map ``prob``.

    The product: the subject (``prob > 0.5``) eroded by a pixel, away from mixed edge colours.
    The background: sure background (``prob < 0.1``) in a ring ``ring`` (shares of the
    subject box's longer side) around the subject. None when either has too few samples.
    With ``refit_odds`` the product's model is learnt again without the pixels whose
    background odds pass it: background seen through a wide opening would otherwise count
    as product colour.
    """
    subject = prob > 0.5
    ys = np.flatnonzero(subject.any(axis=1))
    if ys.size == 0:
        return None
    xs = np.flatnonzero(subject.any(axis=0))
    side = max(ys[-1] - ys[0], xs[-1] - xs[0]) + 1
    core = cv2.erode(subject.astype(np.uint8), _disc(1)) > 0
    around = outer_ring(subject, max(2, int(ring[0] * side)), max(4, int(ring[1] * side)))
    around &= prob < 0.1
    if core.sum() < min_samples or around.sum() < min_samples:
        return None
    models = ColourModels(fg=histogram(bins[core]), bg=histogram(bins[around]))
    if refit_odds is None:
        return models
    product = core & (models.background_odds(bins) <= refit_odds)
    if product.sum() < min_samples:
        return models
    return ColourModels(fg=histogram(bins[product]), bg=models.bg)
