"""remove.bg's parameters parsed (``removebg.params``) and the subject laid out
(``imaging.subject_layout``): pure functions, checked value by value without the segmenter."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from konigle_bg.imaging.subject_layout import (
    Layout,
    Length,
    arrange,
    fit_pixels,
    foreground_box,
    hard_alpha,
)
from konigle_bg.removebg.params import (
    parse,
    parse_color,
    parse_margin,
    parse_position,
    parse_roi,
    parse_scale,
)
from konigle_bg.removebg.service import RemoveBgError
from konigle_bg.removebg.views import status_of


def code_of(fn, *args) -> str:
    with pytest.raises(RemoveBgError) as exc:
        fn(*args)
    assert status_of(exc.value) == 400
    return exc.value.code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("0% 0% 100% 100%", None),
        ("10px 20px 30px 40px", (Length(10), Length(20), Length(30), Length(40))),
        ("0% 5.5% 50% 100%", (Length(0, True), Length(5.5, True), Length(50, True),
                              Length(100, True))),
        ("0 0px 10px 10px", (Length(0), Length(0), Length(10), Length(10))),
    ],
)  # fmt: skip
def test_roi(text, expected):
    assert parse_roi(text) == expected


@pytest.mark.parametrize("text", ["1px 2px 3px", "a b c d", "10 10 20 20", "0% 0% 101% 50%"])
def test_bad_roi(text):
    assert code_of(parse_roi, text) == "invalid_roi"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (Length(0),) * 4),
        ("0", (Length(0),) * 4),
        ("30px", (Length(30),) * 4),
        ("10%", (Length(10, True),) * 4),
        ("10px 20%", (Length(10), Length(20, True), Length(10), Length(20, True))),
        ("1px 2px 3px 4px", (Length(1), Length(2), Length(3), Length(4))),
        ("500px", (Length(500),) * 4),
        ("50%", (Length(50, True),) * 4),
    ],
)
def test_crop_margin(text, expected):
    assert parse_margin(text) == expected


@pytest.mark.parametrize(
    "text", ["501px", "51%", "1px 2px 3px", "10", "-5px", "1px 2px 3px 4px 5px"]
)
def test_bad_crop_margin(text):
    assert code_of(parse_margin, text) == "invalid_crop_margin"


def test_scale_and_position():
    assert parse_scale("") is None and parse_scale("original") is None
    assert parse_scale("10%") == 0.1 and parse_scale("100%") == 1.0
    for bad in ("9%", "101%", "50", "half"):
        assert code_of(parse_scale, bad) == "invalid_scale"
    assert parse_position("original") is None and parse_position("") is None
    assert parse_position("center") == (0.5, 0.5)
    assert parse_position("25%") == (0.25, 0.25)
    assert parse_position("0% 100%") == (0.0, 1.0)
    for bad in ("left", "101%", "1% 2% 3%", "50"):
        assert code_of(parse_position, bad) == "invalid_position"


@pytest.mark.parametrize(
    ("text", "rgba"),
    [
        ("81d4fa", (0x81, 0xD4, 0xFA, 255)),
        ("#81D4FA", (0x81, 0xD4, 0xFA, 255)),
        ("fff", (255, 255, 255, 255)),
        ("f008", (255, 0, 0, 0x88)),
        ("81d4fa77", (0x81, 0xD4, 0xFA, 0x77)),
        ("green", (0, 128, 0, 255)),
        ("White", (255, 255, 255, 255)),
        ("", None),
    ],
)
def test_colours(text, rgba):
    assert parse_color(text) == rgba


@pytest.mark.parametrize("text", ["81d4f", "#12345", "no-such-colour", "rgb(1,2)"])
def test_bad_colours(text):
    assert code_of(parse_color, text) == "invalid_bg_color"


def test_defaults_and_json_booleans():
    parsed = parse({"image_url": "https://example.com/a.jpg"}, {}, max_bytes=1000)
    o = parsed.options
    assert parsed.image is None and parsed.image_url == "https://example.com/a.jpg"
    assert (o.size, o.type, o.format, o.channels, o.semitransparency) == (
        "preview", "auto", "auto", "rgba", True,
    )  # fmt: skip
    assert o.layout == Layout() and o.roi is None and o.bg_color is None and o.credits == 0.25
    o = parse(
        {"image_file_b64": "aGVsbG8=", "crop": True, "add_shadow": False, "size": "hd",
         "semitransparency": False, "format": "JPEG"},
        {}, max_bytes=1000,
    ).options  # fmt: skip
    assert o.layout.crop and not o.add_shadow and not o.semitransparency and o.format == "jpg"
    assert o.credits == 1.0


def test_sources_are_checked_first():
    with pytest.raises(RemoveBgError) as exc:
        parse({"size": "nonsense"}, {}, max_bytes=10)
    assert exc.value.code == "missing_source"
    with pytest.raises(RemoveBgError) as exc:
        parse({"image_url": "https://x/a.jpg", "image_file_b64": "aGVsbG8="}, {}, max_bytes=10)
    assert exc.value.code == "multiple_sources"


# -- layout --


def disc(size=(200, 100), centre=(50, 50), r=20) -> Image.Image:
    """A square subject (side 2r) centred on ``centre``: exact boxes to check layouts with."""
    w, h = size
    a = np.zeros((h, w), np.uint8)
    a[centre[1] - r : centre[1] + r, centre[0] - r : centre[0] + r] = 255
    rgb = np.zeros((h, w, 3), np.uint8)
    rgb[..., 0] = 200
    return Image.fromarray(np.dstack([rgb, a]), "RGBA")


def test_no_layout_leaves_the_cutout_alone():
    img = disc()
    assert arrange(img, Layout()) is img
    assert foreground_box(img) == (30, 30, 40, 40)


def test_crop_with_margins_css_order():
    out = arrange(disc(), Layout(crop=True, margin=(Length(1), Length(2), Length(3), Length(4))))
    assert out.size == (40 + 2 + 4, 40 + 1 + 3)
    assert foreground_box(out) == (4, 1, 40, 40)
    pct = arrange(disc(), Layout(crop=True, margin=(Length(50, True),) * 4))
    assert pct.size == (80, 80) and foreground_box(pct) == (20, 20, 40, 40)


def test_scale_centres_and_position_moves():
    out = arrange(disc(), Layout(scale=0.5))
    left, top, w, h = foreground_box(out)
    assert out.size == (200, 100) and abs(h - 50) <= 1 and abs(left + w / 2 - 100) <= 1
    out = arrange(disc(), Layout(position=(1.0, 0.0)))
    assert foreground_box(out) == (160, 0, 40, 40)
    out = arrange(disc(), Layout(scale=1.0, position=(0.0, 1.0)))
    assert foreground_box(out) == (0, 0, 100, 100)


def test_fit_pixels_and_hard_alpha():
    img = disc(size=(1000, 500), centre=(500, 250), r=200)
    small = fit_pixels(img, 250_000 // 4)
    assert small.width * small.height <= 62_500 and abs(small.width / small.height - 2) < 0.02
    assert fit_pixels(img, 10**7) is img
    soft = small.getchannel("A")
    assert len(set(np.unique(np.asarray(soft)))) > 2  # resizing made soft edges...
    assert set(np.unique(np.asarray(hard_alpha(small).getchannel("A")))) <= {0, 255}  # ...gone
