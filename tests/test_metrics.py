"""Eval scores (IoU, MAE, boundary F, acceptable, Spearman) on hand-made masks."""

from __future__ import annotations

import numpy as np
import pytest

from konigle_bg.evaluation import metrics


def square(size=40, x0=10, y0=10, side=20) -> np.ndarray:
    m = np.zeros((size, size), np.float32)
    m[y0 : y0 + side, x0 : x0 + side] = 1.0
    return m


def test_iou_counts_pixels_exactly():
    a = square(x0=10)
    b = square(x0=15)  # 20x20 squares overlapping in a 15x20 strip
    assert metrics.iou(a, b) == pytest.approx(300 / 500)
    assert metrics.iou(a, a) == 1.0
    assert metrics.iou(a, np.zeros_like(a)) == 0.0
    assert metrics.iou(np.zeros_like(a), np.zeros_like(a)) == 1.0


def test_iou_thresholds_at_half_and_accepts_uint8():
    gt = square()
    soft = gt * 0.51
    assert metrics.iou(soft, gt) == 1.0
    assert metrics.iou(gt * 0.5, gt) == 0.0  # 0.5 is not > 0.5
    assert metrics.iou((gt * 255).astype(np.uint8), gt) == 1.0


def test_mae_is_mean_absolute_difference():
    gt = square()
    assert metrics.mae(gt, gt) == 0.0
    assert metrics.mae(gt * 0.5, gt) == pytest.approx(0.5 * 400 / 1600)
    assert metrics.mae((gt * 255).astype(np.uint8), gt) == 0.0


def test_boundary_is_mask_minus_3x3_erosion():
    b = metrics.boundary(square() > 0.5)
    assert b.sum() == 4 * 20 - 4  # a 1 px ring of the 20x20 square
    assert not b[15, 15] and b[10, 15] and b[29, 29]


def test_frame_edge_is_never_a_boundary():
    # The reference (../shared/eval/README.md, score.py): OpenCV's default border, so pixels
    # outside the frame count as inside the mask.
    full = np.ones((10, 10), bool)
    assert metrics.boundary(full).sum() == 0
    half = np.zeros((10, 10), bool)
    half[:, :5] = True
    assert metrics.boundary(half).sum() == 10  # column 4 only, not the frame's side


def test_boundary_f_tolerates_two_pixels_not_three():
    gt = square(size=60, x0=20, y0=20)
    assert metrics.boundary_f(gt, gt) == 1.0
    shifted2 = square(size=60, x0=22, y0=20)
    shifted3 = square(size=60, x0=23, y0=20)
    # Shifted 2 px: every boundary pixel is matched within 2 px.
    assert metrics.boundary_f(shifted2, gt) == pytest.approx(1.0)
    # Shifted 3 px: the two vertical sides (2 x 20 px of 76) go unmatched on both sides.
    f3 = metrics.boundary_f(shifted3, gt)
    assert 0.4 < f3 < 0.8
    # Diagonal shift of (2, 2) is sqrt(8) > 2 px away for the corners' neighbours.
    assert metrics.boundary_f(square(size=60, x0=22, y0=22), gt) < 1.0


def test_boundary_f_empty_cases():
    z = np.zeros((20, 20), np.float32)
    assert metrics.boundary_f(z, z) == 1.0
    assert metrics.boundary_f(square(), np.zeros((40, 40))) == 0.0


def test_acceptable_needs_both_scores():
    assert metrics.acceptable(0.90, 0.60)
    assert not metrics.acceptable(0.899, 0.99)
    assert not metrics.acceptable(0.99, 0.599)


def test_spearman_ranks_with_ties():
    assert metrics.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert metrics.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert metrics.spearman([1, 2, 3], [5, 5, 5]) == 0.0
    # Against scipy's reference on data with ties.
    from scipy.stats import spearmanr

    x = [1, 2, 2, 3, 5, 4, 4]
    y = [2, 1, 3, 3, 6, 5, 7]
    assert metrics.spearman(x, y) == pytest.approx(spearmanr(x, y).statistic)
    with pytest.raises(ValueError):
        metrics.spearman([1, 2], [1])


def test_score_bundles_everything():
    gt = square()
    s = metrics.score(gt, gt)
    assert s == {"iou": 1.0, "mae": 0.0, "bf": 1.0, "acceptable": 1.0}


def test_boundary_f_is_the_reference_scorers(tmp_path):
    """BF equals ../shared/eval/score.py's on random masks, frame-touching ones included."""
    import importlib.util
    from pathlib import Path

    import cv2

    ref_path = Path(__file__).resolve().parents[2] / "shared" / "eval" / "score.py"
    if not ref_path.is_file():
        pytest.skip("no ../shared/eval/score.py here")
    spec = importlib.util.spec_from_file_location("eval_score", ref_path)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    rng = np.random.default_rng(0)
    for _ in range(60):
        g = cv2.GaussianBlur(rng.random((50, 70)).astype(np.float32), (0, 0), 4) > 0.5
        p = cv2.GaussianBlur(rng.random((50, 70)).astype(np.float32), (0, 0), 3) > 0.5
        if rng.random() < 0.5:
            p = g ^ (rng.random(g.shape) < 0.03)  # near misses: the 2 px disc's shape counts
        got = metrics.score(p.astype(np.float32), g.astype(np.float32))
        want = ref.score(p.astype(np.float32), g.astype(np.float32))
        assert got["bf"] == pytest.approx(want["bf"], abs=1e-9)
        assert got["iou"] == pytest.approx(want["iou"], abs=1e-9)


def _ring_case():
    """A disc on a grey photo, a prediction without and one with a 4 px ring of partial alpha."""
    import cv2

    gt = np.zeros((80, 80), np.float32)
    cv2.circle(gt, (40, 40), 20, 1.0, -1)
    photo = np.full((80, 80, 3), 90.0, np.float32)
    ring = gt.copy()
    grown = np.zeros_like(gt)
    cv2.circle(grown, (40, 40), 25, 1.0, -1)
    ring[(grown > 0) & (gt == 0)] = 0.6
    return gt, photo, ring


def test_halo_band_lies_2_to_6_px_outside_the_edge():
    gt, _, _ = _ring_case()
    band = metrics.halo_band(gt)
    assert not (band & (gt > 0.5)).any()
    ys, xs = np.nonzero(band)
    r = np.hypot(ys - 40, xs - 40)
    assert r.min() > 20 + 1.5 and r.max() < 20 + 7.5


def test_a_ring_scores_worse_than_a_clean_edge():
    gt, photo, ring = _ring_case()
    clean = metrics.halo(gt, gt, photo)
    ringed = metrics.halo(ring, gt, photo)
    assert clean == {"alpha": 0.0, "colour": 0.0}
    assert ringed["alpha"] > 0.3
    # On white the ring is 0.6 of the grey photo: |0.6 * 90 + 0.4 * 255 - 255| = 99 where set.
    assert 30 < ringed["colour"] <= 99.0 + 1e-3
    # A ring of the photo's white shows nothing on white: the colour error sees it, alpha not.
    white = metrics.halo(ring, gt, np.full_like(photo, 255.0))
    assert white["alpha"] == ringed["alpha"] and white["colour"] == 0.0


def test_halo_of_an_empty_truth_is_zero():
    empty = np.zeros((20, 20), np.float32)
    assert metrics.halo(np.ones_like(empty), empty, np.zeros((20, 20, 3))) == {
        "alpha": 0.0,
        "colour": 0.0,
    }
