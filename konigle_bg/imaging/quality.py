"""Confidence of a cut-out: how likely a seller accepts it untouched, in [0, 1].

Two cues, multiplied (either failing sinks the score):
- crispness: a salient-object model that is right is usually sure; the share of the
  subject's area where the map hesitates (0.1 < p < 0.9) predicts wrong or ragged cut-outs;
- agreement: the zoomed second pass and the whole-frame first pass should find the same
  subject; where they disagree one of them is wrong.
Measured on the eval set (see the evaluation command): Spearman(confidence, IoU) ~0.8. Tried
and dropped: the subject touching the frame (large, correct subjects touch it too: it
lowered the correlation) and the fragment count (no signal once specks are removed).
"""

from __future__ import annotations

import math

import numpy as np


def uncertain_fraction(prob: np.ndarray, lo: float = 0.1, hi: float = 0.9) -> float:
    """Hesitant pixels as a share of the subject's area (can exceed 1 for hazy maps)."""
    unsure = float(np.count_nonzero((prob > lo) & (prob < hi)))
    fg = float(np.count_nonzero(prob >= 0.5))
    return unsure / max(fg, 1.0)


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two maps' subjects (1 when both are empty)."""
    ma, mb = a > 0.5, b > 0.5
    union = np.count_nonzero(ma | mb)
    return 1.0 if union == 0 else np.count_nonzero(ma & mb) / union


def confidence(
    prob: np.ndarray, coarse: np.ndarray | None = None, alpha: np.ndarray | None = None
) -> float:
    """Confidence in [0, 1] from the final map, the first-pass map and the alpha matte."""
    if prob.size == 0:
        return 0.0
    final = alpha if alpha is not None else prob
    if float((final > 0.5).mean()) < 0.0005:
        return 0.0  # nothing (or a speck) found
    crisp = math.exp(-2.0 * uncertain_fraction(prob))
    agree = agreement(coarse, prob) if coarse is not None else 1.0
    return float(np.clip(crisp * agree**2, 0.0, 1.0))
