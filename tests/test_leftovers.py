"""One product, no leftovers: separate blobs that are not the product leave the cut-out."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from konigle_bg.imaging import leftovers, pipeline
from konigle_bg.imaging.prompts import ALIKE, ONE, subject_of

GREY = (128, 128, 128)
BROWN = (200, 160, 110)
PURPLE = (150, 60, 200)


def scene(*boxes) -> tuple[np.ndarray, np.ndarray]:
    """Alpha with a blob per ``(x0, y0, x1, y1[, colour])``, and the photo: each blob painted
    in its colour (brown unless given) on a grey ground."""
    alpha = np.zeros((300, 400), np.float32)
    photo = np.full((300, 400, 3), GREY, np.uint8)
    for x0, y0, x1, y1, *colour in boxes:
        alpha[y0:y1, x0:x1] = 1.0
        photo[y0:y1, x0:x1] = colour[0] if colour else BROWN
    return alpha, photo


def test_a_separate_small_blob_goes_and_the_central_product_stays():
    alpha, photo = scene((150, 100, 260, 230), (10, 10, 60, 50))
    out = leftovers.keep_product(alpha, alpha, photo)[0]
    assert out[100:230, 150:260].min() == 1.0
    assert out[5:55, 5:65].max() == 0.0


def test_a_part_across_a_thin_gap_stays():
    # A mug's handle, 6 px from its body, even in another colour.
    alpha, photo = scene((150, 100, 240, 230), (246, 130, 270, 200, PURPLE))
    assert np.array_equal(leftovers.keep_product(alpha, alpha, photo)[0], alpha)


def test_a_rival_the_model_believes_in_as_much_stays_when_it_looks_like_the_product():
    alpha, photo = scene((60, 80, 160, 220), (240, 80, 340, 220))
    assert np.array_equal(leftovers.keep_product(alpha, alpha, photo)[0], alpha)


def test_a_rival_as_large_that_looks_nothing_like_the_product_goes_as_a_guess():
    alpha, photo = scene((140, 80, 250, 220), (290, 80, 390, 210, PURPLE))
    out, guess = leftovers.keep_product(alpha, alpha, photo)
    assert out[80:220, 140:250].min() == 1.0 and out[80:210, 290:390].max() == 0.0
    # The model believed in the rival almost as much: the caller lowers its confidence.
    assert 0.8 < guess <= 1.0
    # A small note is no guess.
    alpha, photo = scene((150, 100, 260, 230), (10, 10, 60, 50, PURPLE))
    assert leftovers.keep_product(alpha, alpha, photo)[1] < 0.2


def test_the_model_map_not_the_area_picks_the_product():
    # Two blobs of the same size; the model is sure of the right one only.
    alpha, photo = scene((20, 100, 120, 200), (250, 100, 350, 200))
    prob = alpha.copy()
    prob[:, :200] *= 0.2
    out = leftovers.keep_product(alpha, prob, photo)[0]
    assert out[100:200, 250:350].min() == 1.0 and out[100:200, 20:120].max() == 0.0


def test_soft_rims_of_a_dropped_blob_go_too():
    alpha, photo = scene((150, 100, 260, 230), (10, 10, 60, 50))
    alpha = cv2.GaussianBlur(alpha, (0, 0), 2.0)
    out = leftovers.keep_product(alpha, alpha, photo)[0]
    assert alpha[50:56, 10:60].max() > 0.05  # a soft rim below the cut line
    assert out[0:70, 0:75].max() < 0.01
    assert out[100:230, 150:260].mean() > 0.95


def test_a_set_of_like_pieces_keeps_the_small_ones_that_look_alike():
    # Earbuds with their case: the buds are small and far, and look like the case; the
    # purple note beside them does not.
    case, bud, bud2, note = (150, 110, 250, 190), (20, 20, 45, 50), (350, 240, 375, 270), (
        330, 20, 390, 80, PURPLE)  # fmt: skip
    alpha, photo = scene(case, bud, bud2, note)
    out = leftovers.keep_product(alpha, alpha, photo, ALIKE)[0]
    assert out[20:50, 20:45].min() == 1.0 and out[240:270, 350:375].min() == 1.0
    assert out[20:80, 330:390].max() == 0.0
    # Read as one product, the small buds are leftovers.
    one = leftovers.keep_product(alpha, alpha, photo, ONE)[0]
    assert one[20:50, 20:45].max() == 0.0 and one[110:190, 150:250].min() == 1.0


# The demo's "Kraft Gift Box, Large" on the cluttered desk: a purple sticky note lies above it.
GIFT = ("box", BROWN, "desk", 4, 0)
NOTE = (700, 100, 940, 285)  # inside the note (photo pixels)


@pytest.fixture(scope="module")
def gift():
    from konigle_bg.imaging.segment import get_segmenter
    from products import demo_photos

    photo = demo_photos.render(*GIFT)
    box_mask = np.zeros((photo.height, photo.width), np.uint8)
    demo_photos.SHAPES["box"](box_mask)
    return photo, box_mask > 0, get_segmenter("u2netp", threads=1)


def _mean(alpha: np.ndarray, area) -> float:
    x0, y0, x1, y1 = area
    return float(alpha[y0:y1, x0:x1].mean())


def _cut(gift, title: str, box=None) -> np.ndarray:
    photo, _, seg = gift
    params = pipeline.RefineParams(subject=subject_of(title))
    return pipeline.cutout(photo, seg, box=box, params=params).alpha


@pytest.mark.slow
def test_the_gift_box_keeps_no_sticky_note(gift):
    photo, box_mask, _ = gift
    pixels = np.asarray(photo)[NOTE[1] : NOTE[3], NOTE[0] : NOTE[2]].reshape(-1, 3).mean(0)
    assert pixels[2] > pixels[1] + 10 and pixels[0] > pixels[1] + 10  # it is the purple note
    alpha = _cut(gift, "Kraft Gift Box, Large")
    assert _mean(alpha, NOTE) < 0.01
    assert alpha[box_mask].mean() > 0.95
    # The bare refinement kept it: this is the step that clears it.
    assert _mean(_cut(gift, ""), NOTE) > 0.9


@pytest.mark.slow
def test_a_set_of_like_boxes_drops_the_note_and_different_things_keep_it(gift):
    _, box_mask, _ = gift
    alike = _cut(gift, "Kraft Gift Boxes, Set of 2")  # the note looks nothing like a box
    assert _mean(alike, NOTE) < 0.01 and alike[box_mask].mean() > 0.95
    mixed = _cut(gift, "Kraft Gift Box with Greeting Card")  # the card may be anything
    assert _mean(mixed, NOTE) > 0.9 and mixed[box_mask].mean() > 0.95


@pytest.mark.slow
def test_the_sellers_box_wins_over_the_leftover_rule(gift):
    _, box_mask, _ = gift
    alpha = _cut(gift, "Kraft Gift Box, Large", box=(480, 80, 960, 880))
    assert _mean(alpha, NOTE) > 0.9 and alpha[box_mask].mean() > 0.95


@pytest.mark.slow
def test_measured_as_the_shop_cuts_it_only_a_title_says_one_product(gift):
    from konigle_bg.evaluation.runner import Item, cut_out

    photo, _, seg = gift

    def note_kept(title: str) -> float:
        item = Item(source="demo", id="gift", image=Path("-"), gt=Path("-"), title=title)
        return _mean(cut_out(item, seg, photo).alpha, NOTE)

    assert note_kept("Kraft Gift Box, Large") < 0.01
    assert note_kept("Kraft Gift Box with Greeting Card") > 0.9
    # No title (natural scenes, the remove.bg endpoint): nothing says it is one thing.
    assert note_kept("") > 0.9
