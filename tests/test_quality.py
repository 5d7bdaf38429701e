"""Confidence: crisp, agreeing maps score high; hazy or disagreeing ones low."""

from __future__ import annotations

import cv2
import numpy as np

from konigle_bg.imaging import quality


def disc(r=40, blur=0.0, centre=(100, 100)) -> np.ndarray:
    m = np.zeros((200, 200), np.float32)
    cv2.circle(m, centre, r, 1.0, -1)
    return cv2.GaussianBlur(m, (0, 0), blur) if blur else m


def test_crisp_beats_hazy():
    crisp = quality.confidence(disc(r=60, blur=1))
    hazy = quality.confidence(disc(r=60, blur=15))
    assert 0.0 <= hazy < crisp <= 1.0
    assert crisp > 0.8 and hazy < 0.5


def test_disagreeing_passes_lower_confidence():
    fine = disc(blur=1)
    same = quality.confidence(fine, coarse=fine)
    other = quality.confidence(fine, coarse=disc(blur=1, centre=(130, 100)))
    assert other < 0.5 * same


def test_nothing_found_is_zero():
    assert quality.confidence(np.zeros((50, 50), np.float32)) == 0.0
    speck = np.zeros((200, 200), np.float32)
    speck[0, 0] = 1
    assert quality.confidence(speck) == 0.0
    assert quality.confidence(np.zeros((0, 0), np.float32)) == 0.0


def test_helpers():
    d = disc(blur=0)
    assert quality.agreement(d, d) == 1.0
    assert quality.agreement(np.zeros_like(d), np.zeros_like(d)) == 1.0
    assert quality.uncertain_fraction(d) == 0.0
    assert quality.uncertain_fraction(np.full((10, 10), 0.5, np.float32)) == 1.0
