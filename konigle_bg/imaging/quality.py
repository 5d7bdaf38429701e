"""Confidence of a cut-out: how likely a seller accepts it untouched, in [0, 1]."""

from __future__ import annotations

import numpy as np


def uncertain_fraction(prob: np.ndarray, lo: float = 0.1, hi: float = 0.9) -> float:
    """Share of the subject's area where the model hesitates (neither bg nor fg)."""
    unsure = float(np.count_nonzero((prob > lo) & (prob < hi)))
    fg = float(np.count_nonzero(prob >= 0.5))
    return unsure / max(fg, 1.0)


def confidence(
    prob: np.ndarray, coarse: np.ndarray | None = None, alpha: np.ndarray | None = None
) -> float:
    """A first estimate from the map's bimodality: a crisp map is usually a right map."""
    if prob.size == 0 or float(prob.max()) < 0.5:
        return 0.0
    return float(np.clip(1.0 - 2.0 * uncertain_fraction(prob), 0.0, 1.0))
