"""morph.dilate_ellipse / erode_ellipse are OpenCV's elliptical dilate / erode, exactly."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from konigle_bg.imaging.morph import dilate_ellipse, erode_ellipse


@pytest.mark.parametrize("width", [0, 1, 2, 5, 17, 48])
@pytest.mark.parametrize("seed", [0, 1])
def test_same_as_opencv_on_blobs_touching_the_frame(width, seed):
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.random((150, 220)).astype(np.float32), (0, 0), 6)
    mask = (noise > np.median(noise)).astype(np.uint8)
    mask[:, :3] = 1  # touches the left edge
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    assert np.array_equal(dilate_ellipse(mask, width), cv2.dilate(mask, k))
    assert np.array_equal(erode_ellipse(mask, width), cv2.erode(mask, k))


def test_kernel_taller_than_the_mask():
    mask = np.zeros((5, 40), np.uint8)
    mask[2, 20] = 1
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (21, 21))
    assert np.array_equal(dilate_ellipse(mask, 10), cv2.dilate(mask, k))
    assert np.array_equal(erode_ellipse(mask, 10), cv2.erode(mask, k))


def test_uncertain_band_is_unchanged():
    from konigle_bg.imaging.refine import uncertain_band

    rng = np.random.default_rng(3)
    prob = cv2.GaussianBlur(rng.random((120, 160)).astype(np.float32), (0, 0), 5)
    prob = np.clip((prob - prob.mean()) * 20 + 0.5, 0, 1)
    hard = (prob > 0.5).astype(np.uint8)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (25, 25))
    before = (cv2.dilate(hard, k) != cv2.erode(hard, k)) | ((prob > 0.05) & (prob < 0.95))
    assert np.array_equal(uncertain_band(prob, 12), before)
