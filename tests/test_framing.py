"""Framing: canvas sizes, fill ratio, padding, alignment, premultiplied resizing."""

import numpy as np
import pytest
from PIL import Image

from konigle_bg.imaging import framing
from konigle_bg.imaging.compose import Background, Framing, Output, Theme, render


def box_cutout(size=(400, 300), box=(60, 40, 160, 240), rgb=(30, 120, 200)) -> Image.Image:
    """Hard-edged rectangle product: its box is known exactly."""
    w, h = size
    arr = np.zeros((h, w, 4), np.uint8)
    x0, y0, x1, y1 = box
    arr[y0:y1, x0:x1] = (*rgb, 255)
    return Image.fromarray(arr, "RGBA")


def transparent_theme(**framing_kwargs) -> Theme:
    return Theme(background=Background(kind="transparent"), framing=Framing(**framing_kwargs))


def out_box(img: Image.Image) -> tuple[int, int, int, int]:
    box = framing.alpha_bbox(np.asarray(img)[..., 3])
    assert box is not None
    return box


def test_alpha_bbox_ignores_faint_noise_and_finds_soft_edges():
    alpha = np.zeros((50, 80), np.uint8)
    alpha[10:20, 30:40] = 255
    alpha[0, 0] = framing.BBOX_THRESHOLD  # at the threshold: noise
    alpha[25, 45] = 60  # soft edge well above it
    assert framing.alpha_bbox(alpha) == (30, 10, 46, 26)
    assert framing.alpha_bbox(np.zeros((5, 5), np.uint8)) is None


def test_alpha_bbox_of_a_pil_image_matches_numpy():
    rng = np.random.default_rng(3)
    alpha = np.zeros((60, 90), np.uint8)
    alpha[rng.integers(0, 60, 12), rng.integers(0, 90, 12)] = rng.integers(0, 40, 12)
    rgba = np.zeros((60, 90, 4), np.uint8)
    rgba[..., 3] = alpha
    img = Image.fromarray(rgba, "RGBA")
    assert framing.alpha_bbox(img) == framing.alpha_bbox(alpha) is not None
    assert framing.alpha_bbox(Image.new("RGBA", (4, 4))) is None


@pytest.mark.parametrize(
    ("canvas", "photo", "expected"),
    [
        ("original", (400, 300), (400, 300)),
        ("square", (400, 300), (400, 400)),
        ("square", (300, 500), (500, 500)),
        ("4:5", (400, 300), (400, 500)),
        ("4:5", (300, 600), (480, 600)),
    ],
)
def test_canvas_sizes(canvas, photo, expected):
    assert framing.canvas_size(photo, canvas) == (expected, 1.0)


def test_min_and_max_size_scale_the_canvas():
    assert framing.canvas_size((400, 300), "square", min_size=1000) == ((1000, 1000), 2.5)
    (w, h), factor = framing.canvas_size((4000, 3000), "original", max_size=2000)
    assert (w, h) == (2000, 1500) and factor == 0.5


@pytest.mark.parametrize(
    ("kwargs", "size"),
    [
        ({"canvas": "square", "fill": 0.85}, (400, 400)),
        ({"canvas": "4:5", "fill": 0.6}, (400, 500)),
        ({"canvas": "fixed", "size": (320, 200), "fill": 0.5}, (320, 200)),
        ({"canvas": "original", "fill": 0.9}, (400, 300)),
    ],
)
def test_fill_ratio_is_within_one_percent(kwargs, size):
    img = render(box_cutout(), transparent_theme(**kwargs))
    assert img.size == size
    x0, y0, x1, y1 = out_box(img)
    w, h = size
    fill = kwargs["fill"]
    # Product 100x200: height limits on every canvas here.
    assert abs((y1 - y0) / h - fill) <= 0.01
    assert abs((x1 - x0) / (y1 - y0) - 0.5) <= 0.01  # aspect kept
    # Centred.
    assert abs((x0 + x1) / 2 - w / 2) <= 1 and abs((y0 + y1) / 2 - h / 2) <= 1


def test_fill_uses_the_limiting_side():
    wide = box_cutout(box=(20, 100, 380, 160))  # 360 x 60
    img = render(wide, transparent_theme(canvas="square", fill=0.8))
    x0, _, x1, _ = out_box(img)
    assert abs((x1 - x0) / img.width - 0.8) <= 0.01


def test_padding_shrinks_the_space_the_product_fills():
    img = render(box_cutout(), transparent_theme(canvas="square", fill=1.0, padding=0.1))
    x0, y0, x1, y1 = out_box(img)
    assert (y0, y1) == (40, 360)  # 10% of 400 on each side, product height fills the rest


def test_floor_alignment_puts_the_bottom_on_the_floor_line():
    img = render(
        box_cutout(), transparent_theme(canvas="square", fill=0.5, align="floor", floor=0.8)
    )
    x0, y0, x1, y1 = out_box(img)
    assert y1 == round(0.8 * 400)
    assert abs((x0 + x1) / 2 - 200) <= 1


def test_floor_alignment_never_pushes_the_product_off_the_top():
    img = render(
        box_cutout(), transparent_theme(canvas="square", fill=1.0, align="floor", floor=0.5)
    )
    _, y0, _, y1 = out_box(img)
    assert y0 >= 0 and y1 == 200


def test_original_canvas_without_fill_keeps_the_product_in_place():
    cut = box_cutout(box=(250, 30, 330, 170))
    img = render(cut, Theme(framing=Framing()))
    arr = np.asarray(img)
    assert img.size == cut.size
    assert (arr[30:170, 250:330] == (30, 120, 200)).all()
    assert (arr[:30] == 255).all() and (arr[:, :250] == 255).all()


def test_original_canvas_with_min_size_scales_position_too():
    cut = box_cutout(box=(200, 150, 300, 250))
    img = render(cut, transparent_theme(min_size=800))
    assert img.size == (800, 600)
    assert out_box(img) == (400, 300, 600, 500)


def test_square_without_fill_keeps_scale_and_centres():
    img = render(box_cutout(), transparent_theme(canvas="square"))
    x0, y0, x1, y1 = out_box(img)
    assert (x1 - x0, y1 - y0) == (100, 200)
    assert (x0, y0) == (150, 100)


def test_fixed_canvas_without_fill_shrinks_only_to_fit():
    img = render(box_cutout(), transparent_theme(canvas="fixed", size=(120, 100)))
    x0, y0, x1, y1 = out_box(img)
    assert (y1 - y0) == 100 and (x1 - x0) == 50


def edge_cutout() -> Image.Image:
    """White product with soft edges whose transparent pixels are black, as many mattes are."""
    alpha = np.zeros((200, 200), np.float32)
    yy, xx = np.mgrid[:200, :200]
    alpha = np.clip(60 - np.hypot(xx - 100, yy - 100), 0, 1)  # 1 px anti-aliased disc
    arr = np.zeros((200, 200, 4), np.uint8)
    arr[..., :3] = np.where(alpha[..., None] > 0, 255, 0)
    arr[..., 3] = (alpha * 255).round().astype(np.uint8)
    return Image.fromarray(arr, "RGBA")


@pytest.mark.parametrize("fill", [0.3, 1.0])  # shrinking (area) and enlarging (Lanczos)
def test_resizing_on_premultiplied_colour_leaves_no_dark_fringe(fill):
    theme = Theme(framing=Framing(canvas="fixed", size=(150, 150), fill=fill))
    arr = np.asarray(render(edge_cutout(), theme)).astype(int)
    # A white product on white: any pixel below white is a fringe from transparent black.
    assert arr.min() >= 254


def test_scale_premultiplied_clips_lanczos_overshoot():
    crop = np.zeros((8, 8, 4), np.uint8)
    crop[2:6, 2:6] = (255, 0, 0, 255)
    q = framing.scale_premultiplied(crop, (40, 40))
    assert q[..., 3].min() >= 0 and q[..., 3].max() <= 255
    assert (q[..., :3] <= q[..., 3:4] + 1e-3).all()


def test_output_is_rgb_jpeg_theme_by_default():
    img = render(box_cutout(), Theme(framing=Framing(canvas="square", fill=0.5)))
    assert img.mode == "RGB"
    assert Theme().output == Output("JPEG", 90)
