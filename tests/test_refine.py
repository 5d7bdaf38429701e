"""Refinement steps: guided filtering, subject selection, clean-up, decontamination."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from konigle_bg.imaging import refine


def two_tone(h=120, w=160, edge=80, fg=(220, 30, 30), bg=(30, 200, 40)) -> np.ndarray:
    img = np.empty((h, w, 3), np.uint8)
    img[:, :edge] = fg
    img[:, edge:] = bg
    return img


def test_guided_filter_snaps_a_blurry_edge_to_the_photo_edge():
    photo = two_tone()
    truth = np.zeros((120, 160), np.float32)
    truth[:, :80] = 1.0
    # The coarse map's edge is blurred and 6 px off, as an upsampled low-res map would be.
    shifted = np.zeros_like(truth)
    shifted[:, :86] = 1.0
    coarse = cv2.GaussianBlur(shifted, (0, 0), 5)
    out = refine.guided_filter(photo, coarse, radius=12, eps=1e-4)
    err_before = np.abs((coarse > 0.5) != (truth > 0.5)).sum()
    err_after = np.abs((out > 0.5) != (truth > 0.5)).sum()
    assert err_before >= 120 * 5
    assert err_after < err_before / 4
    # Far from the edge the map is untouched.
    assert out[:, :40].min() > 0.97 and out[:, 120:].max() < 0.03


def test_fast_guided_filter_close_to_full_resolution_one():
    rng = np.random.default_rng(0)
    photo = cv2.GaussianBlur(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8), (0, 0), 3)
    src = cv2.GaussianBlur(rng.random((96, 128)).astype(np.float32), (0, 0), 6)
    full = refine.guided_filter(photo, src, 8, 1e-2)
    fast = refine.fast_guided_filter(photo, src, 8, 1e-2, scale=2)
    assert np.abs(full - fast).mean() < 0.02
    assert np.allclose(refine.fast_guided_filter(photo, src, 8, 1e-2, scale=1), full)


def test_grey_guide_works_too():
    g = two_tone()[..., 0]
    src = np.zeros((120, 160), np.float32)
    src[:, :86] = 1
    out = refine.guided_filter(g, cv2.GaussianBlur(src, (0, 0), 4), 10, 1e-4)
    assert ((out > 0.5)[:, :80]).all() and not (out > 0.5)[:, 84:].any()


def test_subject_components_drop_specks_and_hazy_clutter():
    prob = np.zeros((200, 200), np.float32)
    prob[50:120, 50:120] = 0.98  # the product: sure
    prob[150:190, 10:60] = 0.65  # big but hazy clutter (a clamp, a texture)
    prob[5:8, 190:193] = 0.99  # a speck
    # The speck (under 5% of the largest piece) never counts; the hazy piece does by area.
    assert refine.subject_box(prob) == (10, 50, 120, 190)
    assert refine.subject_box(prob, core_share=0.1) == (50, 50, 120, 120)
    assert refine.subject_box(np.zeros((10, 10))) is None


def test_expand_box_clips_to_frame():
    assert refine.expand_box((10, 10, 110, 60), 0.1, 200, 100) == (0, 0, 120, 70)
    assert refine.expand_box((50, 40, 60, 50), 0.0, 200, 100, min_pad=5) == (45, 35, 65, 55)
    assert refine.box_area((0, 0, 10, 5)) == 50


def test_remove_specks_keeps_the_object_and_its_sizeable_parts():
    a = np.zeros((200, 200), np.float32)
    a[20:120, 20:120] = 1  # body
    a[150:170, 150:170] = 1  # a second, sizeable part (4% of the body): kept
    a[180:183, 10:13] = 1  # dust: dropped
    out = refine.remove_specks(a, min_share=0.01)
    assert out[50, 50] == 1 and out[160, 160] == 1 and out[181, 11] == 0
    assert refine.remove_specks(a[:130, :130], 0.01) is not None


def test_fill_holes_fills_unsure_small_holes_but_keeps_real_openings():
    alpha = np.zeros((200, 200), np.float32)
    cv2.circle(alpha, (100, 100), 80, 1.0, -1)
    prob = alpha.copy()
    # A ring's real opening: big and the model is sure it is background.
    cv2.circle(alpha, (100, 100), 30, 0.0, -1)
    cv2.circle(prob, (100, 100), 30, 0.0, -1)
    # A glint the model half-believed is background: small and unsure.
    alpha[60:64, 140:144] = 0.0
    prob[60:64, 140:144] = 0.45
    # A small but sure hole (a mug handle's eye seen edge-on): kept.
    alpha[140:144, 60:64] = 0.0
    prob[140:144, 60:64] = 0.02
    out = refine.fill_holes(alpha, prob, max_share=0.002, unsure=0.2)
    assert out[100, 100] == 0.0  # the ring stays a ring
    assert out[62, 142] == 1.0
    assert out[142, 62] == 0.0


def test_uncertain_band_covers_both_sides_of_the_edge():
    prob = np.zeros((50, 50), np.float32)
    prob[:, :25] = 1.0
    band = refine.uncertain_band(prob, 3)
    assert band[:, 22:28].all() and not band[:, :21].any() and not band[:, 29:].any()


def test_recentre_moves_the_cut_line():
    p = np.array([0.0, 0.3, 0.5, 0.65, 1.0], np.float32)
    out = refine.recentre(p, 0.3)
    assert out[0] == 0 and out[1] == pytest.approx(0.5) and out[-1] == 1
    assert refine.recentre(p, 0.5) is p


def test_decontaminate_removes_the_old_background_from_soft_edges():
    h, w = 80, 120
    red, green = np.array([230, 20, 20], np.float32), np.array([20, 210, 30], np.float32)
    alpha = np.clip((70 - np.arange(w, dtype=np.float32)) / 20 + 0.5, 0, 1)  # ramp 60..80
    alpha = np.broadcast_to(alpha, (h, w)).copy()
    photo = (alpha[..., None] * red + (1 - alpha[..., None]) * green).astype(np.uint8)
    fg = refine.decontaminate(photo, alpha)
    edge = (alpha > 0.2) & (alpha < 0.8)
    spill_before = photo[edge][:, 1].mean()
    spill_after = fg[edge][:, 1].astype(np.float32).mean()
    assert spill_before > 60
    assert spill_after < 40  # green spill mostly gone from the red object's rim
    assert (fg[alpha >= 0.99] == photo[alpha >= 0.99]).all()
    # Nothing partial: the photo comes back unchanged.
    hard = (alpha > 0.5).astype(np.float32)
    assert (refine.decontaminate(photo, hard) == photo).all()


def test_sharpen_and_feather():
    a = np.linspace(0, 1, 11, dtype=np.float32)[None]
    s = refine.sharpen(a, 2.0)
    assert s[0, 5] == pytest.approx(0.5) and s[0, 2] == 0.0 and s[0, 8] == 1.0
    hard = np.zeros((21, 21), np.float32)
    hard[:, 10:] = 1
    soft = refine.feather(hard, 1.5)
    assert 0 < soft[10, 9] < 0.5 < soft[10, 10] < 1


def test_grabcut_pulls_in_a_part_the_model_missed():
    rng = np.random.default_rng(1)
    photo = np.clip(rng.normal(200, 6, (160, 200, 3)), 0, 255).astype(np.uint8)
    cv2.rectangle(photo, (40, 40), (160, 120), (180, 30, 40), -1)  # the product
    truth = np.zeros((160, 200), bool)
    truth[40:121, 40:161] = True
    prob = np.zeros((160, 200), np.float32)
    prob[40:121, 40:110] = 0.99  # the model saw only its left part...
    prob[40:121, 110:161] = 0.3  # ...and was unsure about the rest
    out = refine.grabcut(photo, prob, side=200)
    assert out.shape == prob.shape
    pred = out > 0.5
    assert (pred & truth).sum() / (pred | truth).sum() > 0.95
    # No sure background or foreground to learn from: the map's own cut comes back.
    flat = np.full((20, 20), 0.6, np.float32)
    assert (refine.grabcut(photo[:20, :20], flat) == 1).all()
