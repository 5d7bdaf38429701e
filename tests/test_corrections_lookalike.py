"""One click for every see-through region like it, and a stroke that snaps an edge
(imaging/lookalike.py, imaging/edge_snap.py through the click engine), on synthetic photos."""

from __future__ import annotations

import cv2
import numpy as np

from konigle_bg.imaging.corrections import Click, Stroke, correct

BG = (236, 228, 214)  # a light table, with grain noise


def _table(h: int, w: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    photo = np.empty((h, w, 3), np.float32)
    photo[:] = BG
    photo += rng.normal(0, 3, (h, w, 1))
    return photo


def _u8(photo: np.ndarray) -> np.ndarray:
    return np.clip(photo, 0, 255).astype(np.uint8)


def mesh_basket() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A dark wire basket with 8x5 = 40 holes showing the table; the cut-out fills them."""
    h, w = 300, 400
    photo = _table(h, w)
    body = np.zeros((h, w), bool)
    body[60:250, 60:340] = True
    holes = np.zeros((h, w), bool)
    for i in range(8):
        for j in range(5):
            x, y = 72 + i * 33, 72 + j * 35
            holes[y : y + 24, x : x + 22] = True
    photo[body & ~holes] = (60, 45, 40)
    return _u8(photo), body.astype(np.float32), body & ~holes, holes


def test_one_click_clears_the_whole_mesh_and_not_the_wires():
    photo, alpha, product, holes = mesh_basket()
    out = correct(photo, alpha, [Click(83, 84, positive=False, all=True)])
    cleared = (out < 0.5) & holes
    assert cleared.sum() >= 0.9 * holes.sum()
    # The wires stay (a 1 px rim may soften).
    wires = cv2.erode(product.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    assert (out[wires] >= 0.5).mean() >= 0.99
    # Without "all" the same click clears one hole, not forty.
    one = correct(photo, alpha, [Click(83, 84, positive=False)])
    assert ((one < 0.5) & holes).sum() < 0.2 * holes.sum()


def two_handled_pot():
    h, w = 300, 420
    photo = _table(h, w, 1)
    pot = np.zeros((h, w), np.uint8)
    cv2.ellipse(pot, (210, 160), (110, 100), 0, 0, 360, 1, -1)
    holes = np.zeros((h, w), np.uint8)
    for cx in (70, 350):
        cv2.ellipse(pot, (cx, 150), (42, 48), 0, 0, 360, 1, -1)
        cv2.ellipse(holes, (cx + (8 if cx < 210 else -8), 150), (24, 30), 0, 0, 360, 1, -1)
    holes = (holes > 0) & ~(
        cv2.ellipse(np.zeros((h, w), np.uint8), (210, 160), (110, 100), 0, 0, 360, 1, -1) > 0
    )
    photo[(pot > 0) & ~holes] = (150, 80, 50)  # terracotta
    alpha = (pot > 0).astype(np.float32)
    return _u8(photo), alpha, (pot > 0) & ~holes, holes


def test_one_click_clears_both_handles_of_a_pot():
    photo, alpha, product, holes = two_handled_pot()
    ys, xs = np.nonzero(holes[:, :200])
    out = correct(photo, alpha, [Click(int(xs.mean()), int(ys.mean()), False, all=True)])
    right = holes.copy()
    right[:, :210] = False
    assert ((out < 0.5) & right).sum() >= 0.9 * right.sum()
    assert ((out < 0.5) & holes).sum() >= 0.9 * holes.sum()
    body = cv2.erode(product.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert (out[body] >= 0.5).mean() >= 0.99


def test_a_white_mugs_inside_is_not_cleared():
    """White mug on a white table: the handle's hole goes, the shaded inside stays."""
    h, w = 320, 420
    rng = np.random.default_rng(2)
    photo = np.full((h, w, 3), 244, np.float32) + rng.normal(0, 2, (h, w, 1))
    mug = np.zeros((h, w), np.uint8)
    cv2.rectangle(mug, (120, 80), (280, 270), 1, -1)
    cv2.ellipse(mug, (300, 175), (50, 55), 0, 0, 360, 1, -1)
    hole = np.zeros((h, w), np.uint8)
    cv2.ellipse(hole, (305, 175), (28, 32), 0, 0, 360, 1, -1)
    block = cv2.rectangle(np.zeros((h, w), np.uint8), (120, 80), (280, 270), 1, -1)
    hole = (hole > 0) & (block == 0)
    body = (mug > 0) & ~hole
    # A glazed white body with shading and a grey outline.
    shade = np.linspace(232, 214, w, dtype=np.float32)[None, :]
    photo[body] = np.repeat(shade, h, 0)[body][:, None]
    edge = (cv2.dilate(body.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & ~body
    photo[edge] = 150
    # The inside seen through the rim: in its own shadow, grading darker.
    inside = np.zeros((h, w), np.uint8)
    cv2.ellipse(inside, (200, 100), (72, 16), 0, 0, 360, 1, -1)
    inside = inside > 0
    yy = np.arange(h, dtype=np.float32)[:, None].repeat(w, 1)
    photo[inside] = (200 - (yy[inside] - 84) * 2)[:, None]
    photo = _u8(photo)
    alpha = (mug > 0).astype(np.float32)
    ys, xs = np.nonzero(hole)
    out = correct(photo, alpha, [Click(int(xs.mean()), int(ys.mean()), False, all=True)])
    assert ((out < 0.5) & hole).sum() >= 0.8 * hole.sum()
    assert (out[inside] >= 0.5).mean() >= 0.99
    core = cv2.erode(body.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    assert (out[core] >= 0.5).mean() >= 0.99


def _edge_column(alpha: np.ndarray, rows: slice) -> np.ndarray:
    """Per row, the first column where the cut-out ends (alpha < 0.5), left to right."""
    return np.argmax(alpha[rows] < 0.5, axis=1)


def test_an_edge_stroke_snaps_a_shifted_edge_to_the_contour():
    h, w = 240, 320
    photo = _table(h, w, 3)
    true_x = (150 + 12 * np.sin(np.arange(h) / 25.0)).astype(int)
    for y in range(h):
        photo[y, : true_x[y]] = (70, 110, 160)
    photo = _u8(photo)
    alpha = np.zeros((h, w), np.float32)
    for y in range(h):
        alpha[y, : true_x[y] + 7] = 1.0  # the cut-out's edge 7 px into the background
    pts = tuple((float(true_x[y] + 2), float(y)) for y in range(50, 211, 6))
    out = correct(photo, alpha, strokes=[Stroke(pts, radius=14, edge=True)])
    rows = slice(60, 200)
    err = np.abs(_edge_column(out, rows) - true_x[rows])
    assert err.max() <= 2
    assert np.abs(_edge_column(alpha, rows) - true_x[rows]).min() >= 6  # it was off before
    # Farther than twice the band from the stroke nothing moved.
    assert np.array_equal(out[:, :100], alpha[:, :100]) and np.array_equal(out[:20], alpha[:20])
