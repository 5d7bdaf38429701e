"""Backgrounds: solid, gradients, uploaded image, procedural patterns; exact where alpha is 0."""

import cv2
import numpy as np
import pytest
from PIL import Image

from konigle_bg.imaging import backgrounds, patterns
from konigle_bg.imaging.compose import PRESETS, Background, Framing, Theme, render


def product(size=(200, 150)) -> Image.Image:
    w, h = size
    arr = np.zeros((h, w, 4), np.uint8)
    arr[40:110, 70:130] = (250, 20, 20, 255)
    arr[39, 70:130, 3] = 90  # a soft edge row
    return Image.fromarray(arr, "RGBA")


def bg_only(theme: Theme, size=(200, 150), image=None) -> np.ndarray:
    return np.asarray(render(Image.new("RGBA", size), theme, image))


ALPHA_ZERO = np.asarray(product())[..., 3] == 0


@pytest.mark.parametrize(
    "background",
    [
        Background(color="#123456"),
        Background(kind="linear", colors=("#000000", "#FF8800"), angle=30),
        Background(kind="radial", colors=("#FFFFFF", "#203040")),
        Background(kind="pattern", pattern="sweep"),
        Background(kind="pattern", pattern="bokeh", seed=1),
        Background(kind="pattern", pattern="snow", seed=1),
        Background(kind="pattern", pattern="confetti", seed=1),
        Background(kind="image", fit="contain", color="#00FF00"),
        Background(kind="image", fit="cover", blur=0.02),
    ],
    ids=lambda b: f"{b.kind}-{b.pattern or b.fit}",
)
def test_background_is_exact_where_alpha_is_zero(background):
    theme = Theme(background=background)  # original framing: alpha-0 pixels stay in place
    upload = Image.fromarray(np.random.default_rng(0).integers(0, 256, (90, 160, 3), np.uint8))
    with_product = np.asarray(render(product(), theme, upload))
    empty = bg_only(theme, image=upload)
    assert (with_product[ALPHA_ZERO] == empty[ALPHA_ZERO]).all()
    assert (with_product[60, 100] == (250, 20, 20)).all()
    assert not (empty == empty[0, 0]).all() or background.kind == "solid"


def test_solid_colour_is_exact():
    assert (bg_only(Theme(background=Background(color="#123456"))) == (0x12, 0x34, 0x56)).all()


@pytest.mark.parametrize(("angle", "axis"), [(90, 0), (0, 1), (180, 1), (270, 0)])
def test_linear_gradient_end_colours_are_exact(angle, axis):
    c0, c1 = (10, 20, 30), (240, 130, 5)
    arr = backgrounds.linear_gradient((64, 48), c0, c1, angle)
    first = arr[0] if axis == 0 else arr[:, 0]
    last = arr[-1] if axis == 0 else arr[:, -1]
    start, end = (c0, c1) if angle in (0, 90) else (c1, c0)
    assert (first == start).all() and (last == end).all()
    # Monotonic in between: red only grows from c0 to c1.
    line = (arr[:, 5, 0] if axis == 0 else arr[5, :, 0]).astype(int)
    steps = np.diff(line if angle in (0, 90) else line[::-1])
    assert (steps >= 0).all() and line.min() == 10 and line.max() == 240


def test_diagonal_gradient_reaches_the_end_colours_at_opposite_corners():
    arr = backgrounds.linear_gradient((50, 30), (0, 0, 0), (255, 255, 255), 45)
    assert (arr[0, 0] == 0).all() and (arr[-1, -1] == 255).all()


def test_radial_gradient_centre_and_edge():
    arr = backgrounds.radial_gradient((101, 81), (255, 0, 0), (0, 0, 255), (0.5, 0.5), 0.3)
    assert (arr[40, 50] == (255, 0, 0)).all()
    assert (arr[0, 0] == (0, 0, 255)).all() and (arr[-1, -1] == (0, 0, 255)).all()
    # Farther from the centre means bluer.
    assert arr[40, 60, 2] > arr[40, 52, 2]


def test_contain_letterboxes_on_the_fill_colour():
    upload = Image.new("RGB", (200, 100), (200, 0, 0))
    arr = backgrounds.image_layer(upload, (100, 100), "contain", fill=(0, 0, 255))
    assert (arr[:20] == (0, 0, 255)).all() and (arr[-20:] == (0, 0, 255)).all()
    assert (arr[30:70] == (200, 0, 0)).all()


def test_cover_fills_and_crops_the_middle():
    upload = np.zeros((100, 300, 3), np.uint8)
    upload[:, :100] = (255, 0, 0)
    upload[:, 100:200] = (0, 255, 0)
    upload[:, 200:] = (0, 0, 255)
    arr = backgrounds.image_layer(Image.fromarray(upload), (100, 100), "cover")
    assert arr.shape == (100, 100, 3)
    assert (arr[:, 5:95] == (0, 255, 0)).all()  # only the middle third survives


def test_transparent_upload_sits_on_the_fill_colour():
    upload = Image.new("RGBA", (40, 40), (255, 0, 0, 0))
    arr = backgrounds.image_layer(upload, (40, 40), "cover", fill=(1, 2, 3))
    assert (arr == (1, 2, 3)).all()


def test_blur_softens_the_upload():
    checker = (np.indices((120, 120)).sum(axis=0) // 6 % 2 * 255).astype(np.uint8)
    upload = Image.fromarray(checker).convert("RGB")
    sharp = backgrounds.image_layer(upload, (120, 120), "cover")
    soft = backgrounds.image_layer(upload, (120, 120), "cover", blur=0.05)
    assert soft.std() < 0.3 * sharp.std()
    assert abs(float(soft.mean()) - float(sharp.mean())) < 8


def test_gaussian_blur_on_large_sigma_matches_direct_blur_closely():
    rng = np.random.default_rng(1)
    arr = cv2.GaussianBlur(rng.uniform(0, 1, (200, 240)).astype(np.float32), (0, 0), 3)
    fast = backgrounds.gaussian_blur(arr, 20.0)
    exact = cv2.GaussianBlur(arr, (0, 0), 20.0, borderType=cv2.BORDER_REPLICATE)
    assert np.abs(fast - exact)[20:-20, 20:-20].max() < 0.02


@pytest.mark.parametrize("name", patterns.NAMES)
def test_patterns_are_deterministic_and_seeded(name):
    size = (333, 217)  # odd sizes on purpose
    a = patterns.render(name, size, 5)
    assert a.shape == (217, 333, 3) and a.dtype == np.uint8
    assert not a.flags.writeable  # shared through the cache
    fresh = patterns.render.__wrapped__(name, size, 5)
    assert (a == fresh).all()
    if name != "sweep":  # the sweep has no randomness
        assert not (a == patterns.render.__wrapped__(name, size, 6)).all()
    assert a.std() > 3


def test_pattern_cache_hits_per_name_size_seed():
    patterns.render.cache_clear()
    patterns.render("snow", (120, 90), 1)
    patterns.render("snow", (120, 90), 1)
    patterns.render("snow", (121, 90), 1)
    info = patterns.render.cache_info()
    assert (info.hits, info.misses) == (1, 2)


def test_pattern_colours_can_be_overridden():
    warm = patterns.render("bokeh", (80, 60), 0, ("#400000", "#400000"))
    cold = patterns.render("bokeh", (80, 60), 0, ("#000040", "#000040"))
    assert warm[..., 0].mean() > cold[..., 0].mean()
    assert cold[..., 2].mean() > warm[..., 2].mean()


def test_sweep_and_snow_are_brighter_at_the_floor():
    for name in ("sweep", "snow"):
        arr = patterns.render(name, (160, 120), 0).astype(float)
        assert arr[-10:].mean() > arr[:10].mean() + 20


def test_confetti_keeps_the_middle_calm():
    arr = patterns.render("confetti", (400, 300), 3).astype(float)
    middle = arr[110:190, 150:250]
    border = np.concatenate([arr[:40].reshape(-1, 3), arr[-40:].reshape(-1, 3)])
    assert middle.std(axis=(0, 1)).mean() < 0.5 * border.std(axis=0).mean()


def test_unknown_pattern_is_rejected():
    with pytest.raises(ValueError, match="bokeh"):
        patterns.render("plaid", (10, 10))


def test_festive_presets_render_their_own_backgrounds_at_canvas_size():
    for slug in ("festive-bokeh", "winter-snow", "confetti"):
        theme = PRESETS[slug]
        out = bg_only(Theme(background=theme.background, framing=Framing()), size=(300, 200))
        assert out.shape == (200, 300, 3) and out.std() > 5


@pytest.mark.parametrize("value", ["#FFF", "#ffffff", "#A1b2C3"])
def test_parse_color_accepts_short_and_long_hex(value):
    assert len(backgrounds.parse_color(value)) == 3
    assert backgrounds.normalize_color(value) == backgrounds.normalize_color(value).upper()


@pytest.mark.parametrize("value", ["white", "#12", "#GGGGGG", "123456", None, "#1234567"])
def test_parse_color_rejects_the_rest(value):
    with pytest.raises(ValueError, match="RRGGBB"):
        backgrounds.parse_color(value)
