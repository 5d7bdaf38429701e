"""Refinement never carves the subject the model found: the zoomed pass and GrabCut are
dropped when they cut away a large part of a subject they otherwise keep, while removing a
whole clutter blob stays allowed."""

from __future__ import annotations

import dataclasses

import numpy as np
from PIL import Image, ImageDraw

from konigle_bg.imaging import refine
from konigle_bg.imaging.pipeline import RefineParams, cutout, refine_alpha
from konigle_bg.imaging.segment.base import Segmenter

SIZE = (800, 600)


def scene(extra_blob: bool = False):
    """A dark disc (the subject) on a light sweep, optionally a dark square nearby."""
    img = Image.new("RGB", SIZE, (228, 228, 224))
    d = ImageDraw.Draw(img)
    d.ellipse((300, 200, 420, 320), fill=(60, 40, 40))
    if extra_blob:
        d.rectangle((440, 240, 470, 270), fill=(50, 50, 60))
    yy, xx = np.mgrid[: SIZE[1], : SIZE[0]]
    truth = (xx - 360) ** 2 + (yy - 260) ** 2 <= 60**2
    return img, truth


class ZoomFlips(Segmenter):
    """Sees dark pixels as the subject; on a crop (the zoomed pass) it changes its mind:
    ``mode`` "half" calls the right half of the crop background (a jumper lost), "blob"
    ignores everything right of the disc (a clutter square removed whole)."""

    name = "zoomflips"

    def __init__(self, mode: str):
        self.mode = mode

    def predict(self, image, prompts=None):
        arr = np.asarray(image.convert("L"), np.float32)
        prob = (arr < 140).astype(np.float32)
        if image.size != SIZE:
            w = image.size[0]
            cut = w // 2 if self.mode == "half" else int(w * 0.72)
            prob[:, cut:] = 0.0
        return prob


def iou(alpha, truth):
    m = alpha > 0.5
    return (m & truth).sum() / (m | truth).sum()


def test_carved_share_counts_partial_loss_not_whole_blobs():
    ref = np.zeros((100, 100), np.float32)
    ref[10:50, 10:50] = 1.0  # subject, 1600 px
    ref[70:90, 70:90] = 1.0  # a blob, 400 px
    other = ref.copy()
    other[70:90, 70:90] = 0.0  # the blob dropped whole: not a carve
    assert refine.carved_share(ref, other) == 0.0
    other[10:50, 30:50] = 0.0  # half the subject cut away
    assert refine.carved_share(ref, other) == 0.5
    assert refine.carved_share(np.zeros((5, 5)), np.zeros((5, 5))) == 0.0


def test_zoom_that_carves_the_subject_is_not_used():
    img, truth = scene()
    # The zoomed map replaces the coarse one, and no GrabCut pulls the lost half back.
    params = RefineParams(fuse="fine", grabcut=0.0)
    result = cutout(img, ZoomFlips("half"), params=params)
    assert result.timings.get("zoom_rejected") == 1.0
    assert iou(result.alpha, truth) > 0.95
    # Without the guard the zoomed pass would have cost half the disc.
    unguarded = dataclasses.replace(params, max_carve=1.0)
    assert iou(cutout(img, ZoomFlips("half"), params=unguarded).alpha, truth) < 0.7


def test_zoom_may_still_drop_a_whole_clutter_blob():
    img, truth = scene(extra_blob=True)
    result = cutout(img, ZoomFlips("blob"))
    assert "zoom_rejected" not in result.timings
    assert result.alpha[255, 455] < 0.5  # the square is gone
    assert iou(result.alpha, truth) > 0.95


def test_grabcut_that_carves_the_subject_is_not_blended_in(monkeypatch):
    # Colour models fail where subject and background share colours; here GrabCut is made
    # to call the lower half of the subject background, as it does on a bonsai's foliage.
    def carving_grabcut(photo, prob, side=320, iterations=3):
        out = (prob > 0.5).astype(np.float32)
        ys = np.flatnonzero(out.any(axis=1))
        out[(ys[0] + ys[-1]) // 2 :] = 0.0
        return out

    monkeypatch.setattr(refine, "grabcut", carving_grabcut)
    img, truth = scene()
    prob = truth.astype(np.float32) * 0.9  # the model's map: the disc, fairly sure
    photo = np.asarray(img)
    params = RefineParams(zoom=False)
    assert iou(refine_alpha(photo, prob, params), truth) > 0.95
    unguarded = dataclasses.replace(params, grabcut_max_carve=1.0)
    assert iou(refine_alpha(photo, prob, unguarded), truth) < 0.7
