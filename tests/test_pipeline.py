"""cutout(): shapes and types of the shared interface, the zoom pass, the seller's box."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from konigle_bg.imaging import pipeline
from konigle_bg.imaging.pipeline import REFINE_REVISION, Matte, RefineParams, cutout
from konigle_bg.imaging.segment.base import Segmenter


class ColourSegmenter(Segmenter):
    """A stand-in model: 'salient' = far from the light background colour, seen at 64 px.

    Like a real model it works at a fixed low resolution, so its edges come back blurry
    and zooming in pays. It records each input size.
    """

    name = "colour"

    def __init__(self):
        self.calls: list[tuple[int, int]] = []

    def predict(self, image, prompts=None):
        self.calls.append(image.size)
        small = np.asarray(image.resize((64, 64), Image.BILINEAR), np.float32)
        dist = np.abs(small - np.array([225, 225, 225], np.float32)).sum(axis=2)
        low = np.clip((dist - 60) / 60, 0, 1).astype(np.float32)
        return cv2.resize(low, image.size, interpolation=cv2.INTER_LINEAR)


def photo(size=(400, 300), disc=((200, 150), 50), colour=(200, 40, 40)):
    img = Image.new("RGB", size, (225, 225, 225))
    (cx, cy), r = disc
    ImageDraw.Draw(img).ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    truth = np.zeros(size[::-1], bool)
    yy, xx = np.mgrid[: size[1], : size[0]]
    truth[(xx - cx) ** 2 + (yy - cy) ** 2 <= r * r] = True
    return img, truth


def iou(alpha, truth):
    m = alpha > 0.5
    return (m & truth).sum() / (m | truth).sum()


def test_cutout_matches_the_shared_interface():
    img, truth = photo()
    cut = cutout(img, ColourSegmenter())
    assert isinstance(cut, Matte)
    assert cut.alpha.dtype == np.float32 and cut.alpha.shape == (300, 400)
    assert 0.0 <= cut.alpha.min() and cut.alpha.max() <= 1.0
    assert cut.foreground.dtype == np.uint8 and cut.foreground.shape == (300, 400, 3)
    assert 0.0 <= cut.confidence <= 1.0
    x0, y0, x1, y1 = cut.bbox
    assert abs(x0 - 150) <= 3 and abs(y0 - 100) <= 3 and abs(x1 - 251) <= 3 and abs(y1 - 201) <= 3
    assert {"segment", "refine", "total"} <= set(cut.timings)
    rgba = cut.rgba()
    assert rgba.mode == "RGBA" and rgba.size == (400, 300)
    assert np.array_equal(np.asarray(rgba)[..., 3], np.asarray(cut.mask_image()))
    assert cut.mask_image().mode == "L"
    assert iou(cut.alpha, truth) > 0.95


def test_small_subject_gets_a_zoomed_second_pass_that_sharpens_it():
    img, truth = photo(size=(800, 600), disc=((560, 400), 40))
    seg = ColourSegmenter()
    zoomed = cutout(img, seg)
    assert len(seg.calls) == 2 and seg.calls[1][0] < 200  # second call on a small crop
    assert "zoom" in zoomed.timings
    # With edge snapping weakened (huge eps) the maps' own resolution shows.
    soft = RefineParams(guided_eps=10.0)
    zoomed = cutout(img, ColourSegmenter(), params=soft)
    flat = cutout(img, ColourSegmenter(), params=dataclasses.replace(soft, zoom=False))
    assert iou(zoomed.alpha, truth) > iou(flat.alpha, truth)
    assert iou(zoomed.alpha, truth) > 0.93


def test_subject_filling_the_frame_skips_the_zoom():
    img, _ = photo(size=(200, 200), disc=((100, 100), 95))
    seg = ColourSegmenter()
    cutout(img, seg)
    assert len(seg.calls) == 1


def test_box_limits_the_cut_out_to_it():
    img = Image.new("RGB", (400, 300), (225, 225, 225))
    d = ImageDraw.Draw(img)
    d.ellipse((40, 100, 140, 200), fill=(200, 40, 40))  # the product
    d.rectangle((260, 100, 360, 200), fill=(30, 30, 160))  # another object
    seg = ColourSegmenter()
    whole = cutout(img, seg)
    assert whole.alpha[150, 310] > 0.5  # without a box both are salient
    boxed = cutout(img, ColourSegmenter(), box=(30, 90, 150, 210))
    assert boxed.alpha[150, 90] > 0.9
    outside = np.ones((300, 400), bool)
    outside[90:210, 30:150] = False
    assert boxed.alpha[outside].max() == 0.0
    assert boxed.bbox[0] >= 30 and boxed.bbox[2] <= 150


def test_box_is_clamped_and_empty_boxes_rejected():
    img, _ = photo()
    cut = cutout(img, ColourSegmenter(), box=(-50, -50, 1000, 1000))
    assert cut.alpha.shape == (300, 400)
    with pytest.raises(ValueError):
        cutout(img, ColourSegmenter(), box=(10, 10, 11, 11))


def test_empty_photo_gives_no_bbox_and_zero_confidence():
    img = Image.new("RGB", (120, 90), (225, 225, 225))
    cut = cutout(img, ColourSegmenter())
    assert cut.bbox is None and cut.confidence == 0.0 and cut.alpha.max() < 0.5


def test_non_rgb_input_is_converted():
    img, _ = photo()
    cut = cutout(img.convert("RGBA"), ColourSegmenter())
    assert cut.alpha.shape == (300, 400)


def test_params_are_frozen_and_serialisable():
    p = RefineParams()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.zoom = False  # type: ignore[misc]
    d = p.to_dict()
    assert d["zoom"] is True and RefineParams(**d) == p
    assert isinstance(REFINE_REVISION, str) and REFINE_REVISION


def test_bbox_of():
    a = np.zeros((10, 20), np.float32)
    assert pipeline.bbox_of(a) is None
    a[2:5, 3:9] = 1
    assert pipeline.bbox_of(a) == (3, 2, 9, 5)
