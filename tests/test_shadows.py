"""Shadows and reflections: where they fall, that they follow the product, their options."""

import numpy as np
import pytest
from PIL import Image

from konigle_bg.imaging import shadows
from konigle_bg.imaging.compose import Background, Framing, Shadow, Theme, render

RED = (200, 30, 30)


def cutout(alpha: np.ndarray) -> Image.Image:
    h, w = alpha.shape
    arr = np.zeros((h, w, 4), np.uint8)
    arr[..., :3] = RED
    arr[..., 3] = alpha
    return Image.fromarray(arr, "RGBA")


def block(size=(300, 300), box=(100, 60, 200, 240)) -> Image.Image:
    alpha = np.zeros((size[1], size[0]), np.uint8)
    x0, y0, x1, y1 = box
    alpha[y0:y1, x0:x1] = 255
    return cutout(alpha)


def arch() -> Image.Image:
    """Two feet on the floor joined by an arch that lifts the middle of the bottom edge."""
    alpha = np.zeros((300, 300), np.uint8)
    alpha[60:240, 60:240] = 255
    alpha[200:240, 110:190] = 0
    return cutout(alpha)


def on_white(img: Image.Image, shadow: Shadow, **framing) -> np.ndarray:
    theme = Theme(shadow=shadow, framing=Framing(**framing))
    return np.asarray(render(img, theme)).astype(int)


def test_contact_shadow_lies_below_the_product_not_above():
    arr = on_white(block(), Shadow(kind="contact", opacity=0.6))
    darkness = 255 - arr.min(axis=2)
    assert (darkness[:58] == 0).all()  # nothing above the product
    assert darkness[241, 150] > 40  # right under the bottom edge
    assert darkness[243, 150] > darkness[250, 150] >= darkness[270, 150]
    assert (darkness[290:] == 0).all()  # and it stays near the floor
    assert (arr[60:240, 100:200] == RED).all()  # the product itself is untouched


def test_contact_shadow_follows_the_bottom_edge():
    arr = on_white(arch(), Shadow(kind="contact", opacity=0.8))
    darkness = 255 - arr.min(axis=2)
    row = darkness[242]
    under_feet = min(row[75], row[225])
    under_arch = row[150]
    assert under_feet > 2 * under_arch
    # A plain block casts an even line: the difference comes from the shape.
    flat = 255 - on_white(block(box=(60, 60, 240, 240)), Shadow(kind="contact", opacity=0.8))
    assert abs(int(flat[242, 150].max()) - int(flat[242, 75].max())) < 10


def test_contact_shadow_width_follows_the_footprint():
    alpha = np.zeros((300, 300), np.uint8)
    for y in range(60, 240):  # a cone standing on its point
        half = (240 - y) * 60 // 180
        alpha[y, 150 - half : 150 + half + 1] = 255
    pointed = 255 - on_white(cutout(alpha), Shadow(kind="contact")).min(axis=2)
    wide = 255 - on_white(block(box=(90, 60, 210, 240)), Shadow(kind="contact")).min(axis=2)
    assert (pointed[242] > 10).sum() < 0.5 * (wide[242] > 10).sum()


def test_contact_shadow_map_offsets_and_range():
    alpha = np.zeros((100, 60), np.float32)
    alpha[10:90, 10:50] = 1.0
    strength, (dx, dy) = shadows.contact_shadow(alpha, blur=0.05)
    assert 0 <= strength.min() and strength.max() <= 1
    assert dx < 0  # spreads past the product's sides
    peak_row = dy + int(np.argmax(strength.max(axis=1)))
    assert 88 <= peak_row <= 93  # centred on the bottom edge (row 89)


@pytest.mark.parametrize(
    ("offset", "dark_side"), [((0.08, 0.05), "right"), ((-0.08, 0.05), "left")]
)
def test_drop_shadow_is_offset(offset, dark_side):
    arr = on_white(block(), Shadow(kind="drop", opacity=0.7, blur=0.01, offset=offset))
    darkness = 255 - arr.min(axis=2)
    right, left = darkness[150, 205], darkness[150, 95]
    assert (right > 50 and left == 0) if dark_side == "right" else (left > 50 and right == 0)
    assert darkness[245, 150] > 50 and darkness[55, 150] == 0  # falls down, not up


def test_drop_shadow_follows_the_silhouette():
    strength, (dx, dy) = shadows.drop_shadow(np.asarray(arch())[..., 3] / 255.0, 0.005, (0, 0))
    # Under the arch (a hole in the silhouette) the shadow is weak, under the feet strong.
    assert strength[230 - dy, 150 - dx] < 0.2 and strength[230 - dy, 80 - dx] > 0.8


def test_opacity_zero_and_kind_none_change_nothing():
    plain = on_white(block(), Shadow())
    assert (plain[241:] == 255).all()
    assert (on_white(block(), Shadow(kind="contact", opacity=0.0)) == plain).all()


def test_shadow_colour_is_used():
    arr = on_white(block(), Shadow(kind="contact", opacity=0.8, color="#0000FF"))
    r, g, b = arr[242, 150]
    assert b == 255 and r < 200 and g < 200


def test_reflection_appears_below_the_floor_line_and_fades():
    img = block()
    theme = Theme(shadow=Shadow(reflection=0.5, reflection_fade=0.3), framing=Framing())
    arr = np.asarray(render(img, theme)).astype(int)
    tint = 255 - arr[..., 1]  # red product: green drops where it shows
    assert (tint[:60] == 0).all()
    assert tint[240, 150] > tint[260, 150] > tint[280, 150] >= 0
    assert tint[240, 150] > 60
    assert (tint[240 + 55 :, 150] == 0).all()  # fades out within 30% of the height
    assert (tint[240:300, 95] == 0).all() and (tint[240:300, 205] == 0).all()  # product width


def test_reflection_rests_on_the_floor_line_with_floor_alignment():
    theme = Theme(
        shadow=Shadow(reflection=0.4),
        framing=Framing(canvas="square", fill=0.5, align="floor", floor=0.7),
    )
    arr = np.asarray(render(block(), theme)).astype(int)
    floor = round(0.7 * 300)
    assert (arr[floor - 1, 150] == RED).all()
    assert 0 < 255 - arr[floor, 150, 1] < 255 - RED[1]  # faint red just below


def test_transparent_background_keeps_the_shadow_as_alpha():
    theme = Theme(
        background=Background(kind="transparent"), shadow=Shadow(kind="contact", opacity=0.6)
    )
    arr = np.asarray(render(block(), theme)).astype(int)
    assert arr[241, 150, 3] > 40 and arr[241, 150, :3].max() < 40  # dark, semi-transparent
    assert (arr[:58, :, 3] == 0).all()
    assert (arr[100, 150] == (*RED, 255)).all()
