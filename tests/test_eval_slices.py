"""The rendered evaluation slices: exact alpha, real holes, clutter outside the ground truth."""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest
from PIL import Image

from konigle_bg.evaluation import runner
from konigle_bg.evaluation.slices import SOURCES, build, plan, render
from konigle_bg.evaluation.slices.build import estimate_foreground


def enclosed_holes(alpha: np.ndarray, min_area: int = 20) -> int:
    """Background regions (alpha < 0.5) that touch no edge of the frame."""
    n, _, stats, _ = cv2.connectedComponentsWithStats((alpha < 0.5).astype(np.uint8), 4)
    h, w = alpha.shape
    return sum(
        1
        for x, y, bw, bh, area in stats[1:]
        if area >= min_area and x > 0 and y > 0 and x + bw < w and y + bh < h
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("slices")
    lines: list[str] = []
    manifest = build(out, None, seed=3, count=6, progress=lines.append, every=3)
    return out, manifest, lines


def test_manifest_is_what_bg_eval_reads(built):
    out, manifest, lines = built
    rows = list(csv.DictReader(manifest.open()))
    assert len(rows) == 12
    assert {r["source"] for r in rows} == set(SOURCES)
    assert all(r["title"] and r["gt_type"] == "alpha_matte" for r in rows)
    for r in rows:
        with Image.open(out / r["image"]) as im:
            assert im.size == (int(r["width"]), int(r["height"]))
            assert 900 <= max(im.size) <= 1600
    items = runner.read_manifest(manifest)
    assert [i.title for i in items] == [r["title"] for r in rows]
    for source in SOURCES:
        halves = {i.half for i in items if i.source == source}
        assert halves == {"A", "B"}
    assert lines[-1] == "distractors: 6/6 photos"


def test_stored_photo_is_the_alpha_composite(built):
    out, manifest, _ = built
    rows = list(csv.DictReader(manifest.open()))
    for n, r in enumerate(rows):
        source, i = r["source"], n % 6
        kind = plan(source, 6, None)[i][1]
        scene = render(source, i, kind, seed=3)
        a = scene.alpha[..., None]
        expected = a * scene.fg + (1 - a) * scene.ground
        assert np.abs(scene.photo - expected).max() < 1e-3
        with Image.open(out / r["image"]) as im:
            jpeg = np.asarray(im, np.float32)
        assert np.abs(jpeg - expected).mean() < 3.0  # only JPEG's loss between them
        with Image.open(out / r["gt"]) as im:
            gt = np.asarray(im, np.float32) / 255.0
        assert np.abs(gt - scene.alpha).max() < 1e-6
        soft = (gt > 0) & (gt < 1)
        assert soft.any(), "anti-aliased edges have partial alpha"


def test_see_through_products_have_holes_and_white_mugs_sit_on_white():
    for i, (_, kind) in enumerate(plan("see_through", 11, None)):
        scene = render("see_through", i, kind, seed=5)
        assert enclosed_holes(scene.alpha) >= 1, kind
    white = render("see_through", 10, "whitemug", seed=5)
    assert white.backdrop == "white"
    inside = white.alpha > 0.99
    assert np.median(white.fg[inside]) > 200 and np.median(white.ground) > 200


def test_distractors_stay_out_of_the_ground_truth():
    seen = 0
    for i, (_, kind) in enumerate(plan("distractors", 10, None)):
        scene = render("distractors", i, kind, seed=7)
        clutter = scene.clutter > 0.5
        seen += bool(clutter.any())
        assert not (scene.alpha[clutter] > 0).any()
    assert seen >= 8


def test_a_product_of_several_things_keeps_every_part():
    i = plan("distractors", 12, None).index(("earbuds01", "earbuds"))
    scene = render("distractors", i, "earbuds", seed=1)
    n, _ = cv2.connectedComponents((scene.alpha > 0.5).astype(np.uint8))
    assert n - 1 == 3
    assert "case" in scene.title.lower()


def test_rendering_is_fixed_by_the_seed():
    a = render("see_through", 4, "meshholder", seed=11)
    b = render("see_through", 4, "meshholder", seed=11)
    c = render("see_through", 4, "meshholder", seed=12)
    assert np.array_equal(a.photo, b.photo) and np.array_equal(a.alpha, b.alpha)
    assert a.photo.shape != c.photo.shape or not np.array_equal(a.photo, c.photo)


def test_foreground_estimate_drops_the_old_backdrop():
    rng = np.random.default_rng(0)
    alpha = np.zeros((60, 60), np.float32)
    alpha[20:40, 20:40] = 1.0
    alpha[19, 20:40] = alpha[40, 20:40] = 0.5
    fg = np.full((60, 60, 3), (200.0, 40.0, 40.0))
    bg = np.full((60, 60, 3), (20.0, 200.0, 20.0)) + rng.normal(0, 2, (60, 60, 3))
    img = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
    est = estimate_foreground(img.astype(np.uint8), alpha)
    edge = alpha == 0.5
    # The raw photo at a half-covered pixel is half green; the estimate is the red object's.
    assert np.abs(img[edge] - fg[edge]).mean() > 60
    assert np.abs(est[edge] - fg[edge]).mean() < 15
