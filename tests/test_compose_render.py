"""render(): the pure-white rule, presets, transparency, odd inputs."""

import dataclasses

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from konigle_bg.imaging.compose import (
    PRESETS,
    Background,
    Framing,
    Output,
    Theme,
    render,
)


def soft_cutout(
    size=(480, 360), center=(200, 170), axes=(110, 90), sigma=6.0, seed=0
) -> Image.Image:
    """A real-looking cut-out: blurred ellipse alpha over textured colour, with random junk in
    the colour of transparent pixels (mattes do not promise anything there)."""
    w, h = size
    rng = np.random.default_rng(seed)
    alpha = np.zeros((h, w), np.uint8)
    cv2.ellipse(alpha, center, axes, 15, 0, 360, 255, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), sigma)
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    yy, xx = np.mgrid[:h, :w]
    rgb[..., 0] = (xx * 255 // w).astype(np.uint8)  # texture: gradients plus noise
    rgb[..., 1] = (yy * 255 // h).astype(np.uint8) // 2
    return Image.fromarray(np.dstack([rgb, alpha]), "RGBA")


def white_rule_holds(cutout: Image.Image, theme: Theme) -> None:
    """Every pixel the product does not cover is exactly white, and covered pixels are the
    product blended over white, never darker."""
    white = np.asarray(render(cutout, theme)).astype(np.int32)
    clear = dataclasses.replace(
        theme, background=Background(kind="transparent"), output=Output("PNG")
    )
    rgba = np.asarray(render(cutout, clear)).astype(np.int32)
    assert white.shape[:2] == rgba.shape[:2]
    a = rgba[..., 3:4]
    uncovered = a[..., 0] == 0
    assert uncovered.any()
    assert (white[uncovered] == 255).all()
    expected = (rgba[..., :3] * a + 255 * (255 - a)) / 255.0
    assert (white >= expected - 2).all()
    assert (np.abs(white - expected) <= 2).all()


@pytest.mark.parametrize(
    ("size", "center", "axes"),
    [
        ((480, 360), (200, 170), (110, 90)),  # small photo: canvas upscaled to 1000
        ((1100, 700), (550, 350), (530, 200)),  # product wider than 85%: shrunk
    ],
)
def test_marketplace_white_background_is_pure_white(size, center, axes):
    theme = PRESETS["marketplace-white"]
    cut = soft_cutout(size, center, axes)
    out = render(cut, theme)
    assert out.mode == "RGB" and max(out.size) >= 1000 and out.size[0] == out.size[1]
    arr = np.asarray(out)
    # Corners and edges, where nothing of the product can reach, are exactly white.
    assert (arr[0] == 255).all() and (arr[-1] == 255).all()
    assert (arr[:, 0] == 255).all() and (arr[:, -1] == 255).all()
    white_rule_holds(cut, theme)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    w=st.integers(40, 160),
    h=st.integers(40, 160),
    sigma=st.floats(0.5, 8),
    seed=st.integers(0, 1000),
    fill=st.floats(0.2, 1.0),
    canvas=st.sampled_from(["square", "4:5", "original"]),
)
def test_white_rule_property(w, h, sigma, seed, fill, canvas):
    rng = np.random.default_rng(seed)
    alpha = np.zeros((h, w), np.uint8)
    for _ in range(3):
        cx, cy = int(rng.integers(0, w)), int(rng.integers(0, h))
        cv2.circle(alpha, (cx, cy), int(rng.integers(3, max(4, min(w, h) // 2))), 255, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), sigma)
    if alpha.max() <= 10:
        return
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    cut = Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
    theme = Theme(framing=Framing(canvas=canvas, fill=fill, padding=0.02))
    white_rule_holds(cut, theme)


@pytest.mark.parametrize("slug", sorted(PRESETS))
def test_every_preset_renders(slug):
    theme = PRESETS[slug]
    green = (10, 200, 30)
    arr = np.zeros((180, 240, 4), np.uint8)
    arr[..., :3] = green
    alpha = np.zeros((180, 240), np.uint8)
    cv2.ellipse(alpha, (120, 90), (50, 60), 0, 0, 360, 255, -1)
    arr[..., 3] = cv2.GaussianBlur(alpha, (0, 0), 2.0)
    out = render(Image.fromarray(arr, "RGBA"), theme)
    assert out.mode == ("RGBA" if theme.transparent else "RGB")
    if theme.framing.canvas == "original" and not theme.framing.min_size:
        assert out.size == (240, 180)
    # The product's opaque interior comes through untouched by background or shadow.
    got = np.asarray(out)[..., :3]
    assert (got == green).all(axis=-1).sum() > 0.5 * np.pi * 50 * 60


def test_transparent_output_keeps_straight_colour_and_alpha():
    arr = np.zeros((50, 60, 4), np.uint8)
    arr[10:40, 10:50] = (200, 100, 50, 128)
    arr[20:30, 20:40] = (10, 220, 30, 255)
    out = render(Image.fromarray(arr, "RGBA"), PRESETS["transparent"])
    got = np.asarray(out).astype(int)
    assert out.mode == "RGBA"
    assert (got[:10, :, 3] == 0).all()
    assert np.abs(got[12, 12] - (200, 100, 50, 128)).max() <= 2
    assert (got[25, 30] == (10, 220, 30, 255)).all()


def test_image_background_needs_the_image():
    theme = Theme(background=Background(kind="image"))
    assert theme.needs_image
    with pytest.raises(ValueError, match="background_image"):
        render(soft_cutout(), theme)


def test_empty_cutout_gives_the_background():
    empty = Image.new("RGBA", (64, 48), (255, 0, 0, 0))
    out = render(empty, Theme(background=Background(color="#102030")))
    assert (np.asarray(out) == (16, 32, 48)).all()


def test_rgb_input_counts_as_fully_opaque():
    photo = Image.new("RGB", (64, 48), (9, 8, 7))
    out = render(photo, Theme(framing=Framing(canvas="square", fill=0.5)))
    arr = np.asarray(out)
    assert out.size == (64, 64)
    assert (arr[32, 32] == (9, 8, 7)).all() and (arr[2, 2] == 255).all()


def test_render_does_not_touch_the_cached_background():
    theme = Theme(background=Background(kind="linear", colors=("#000000", "#FFFFFF")))
    first = np.asarray(render(soft_cutout((100, 80), (50, 40), (30, 20), 1.0), theme)).copy()
    empty = np.asarray(render(Image.new("RGBA", (100, 80)), theme))
    assert not (first == empty).all()  # the product was painted on a copy ...
    again = np.asarray(render(Image.new("RGBA", (100, 80)), theme))
    assert (again == empty).all()  # ... and the shared layer stayed clean


def test_marketplace_white_survives_encoding():
    """The stored file, not only the render, has every background pixel at exactly 255."""
    import io as _io

    from konigle_bg.imaging.io import encode

    h, w = 600, 800
    a = np.zeros((h, w), np.float32)
    cv2.circle(a, (400, 300), 200, 1, -1)
    a = cv2.GaussianBlur(a, (0, 0), 3)
    rgb = np.zeros((h, w, 3), np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 180, np.linspace(0, 255, w)[None].astype(np.uint8), 60
    cut = Image.fromarray(np.dstack([rgb, (a * 255).astype(np.uint8)]), "RGBA")
    theme = PRESETS["marketplace-white"]
    out = render(cut, theme)
    background = (np.asarray(out) == 255).all(-1)
    stored = encode(out, theme.output.format, theme.output.quality)
    decoded = np.asarray(Image.open(_io.BytesIO(stored)).convert("RGB"))
    assert background.sum() > 0.3 * background.size
    assert (decoded[background] == 255).all()
