"""Theme data: validation, JSON round trips, presets, theme_from_arg."""

import json

import pytest

from konigle_bg.imaging.compose import (
    PRESETS,
    Background,
    Framing,
    Output,
    Shadow,
    Theme,
    theme_from_arg,
)


@pytest.mark.parametrize("slug", sorted(PRESETS))
def test_every_preset_round_trips_through_json(slug):
    theme = PRESETS[slug]
    data = json.loads(json.dumps(theme.to_dict()))
    assert Theme.from_dict(data) == theme
    assert theme.label.strip()


def test_required_presets_exist():
    required = {"white", "marketplace-white", "studio", "transparent"}
    assert required <= set(PRESETS)
    festive = [
        t
        for t in PRESETS.values()
        if t.background.kind == "pattern" and t.background.pattern != "sweep"
    ]
    assert len(festive) >= 2


def test_marketplace_white_is_pure_white_85_percent_no_shadow():
    theme = PRESETS["marketplace-white"]
    assert theme.background == Background(kind="solid", color="#FFFFFF")
    assert theme.shadow.kind == "none" and theme.shadow.reflection == 0
    assert theme.framing.fill == 0.85 and theme.framing.min_size >= 1000


def test_from_dict_fills_defaults_and_normalises():
    theme = Theme.from_dict({"background": {"color": "#abc"}, "output": {"format": "jpg"}})
    assert theme.background.color == "#AABBCC"
    assert theme.output.format == "JPEG"
    assert theme.shadow == Shadow()


def test_lists_become_tuples_so_themes_stay_hashable():
    theme = Theme.from_dict(
        {
            "background": {"kind": "linear", "colors": ["#000000", "#ffffff"]},
            "framing": {"canvas": "fixed", "size": [800, 600]},
        }
    )
    assert theme.background.colors == ("#000000", "#FFFFFF")
    assert theme.framing.size == (800, 600)
    hash(theme)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"colour": {}}, "unknown key(s) 'colour'"),
        ({"shadow": {"kind": "drop", "spread": 3}}, "shadow: unknown key(s) 'spread'"),
        ({"background": {"color": "red"}}, "background.color"),
        ({"background": {"color": "#12345"}}, "background.color"),
        ({"background": {"kind": "linear", "colors": ["#000000"]}}, "background.colors"),
        ({"background": {"kind": "pattern", "pattern": "plaid"}}, "background.pattern"),
        ({"background": {"kind": "wallpaper"}}, "background.kind"),
        ({"framing": {"fill": 0}}, "framing.fill"),
        ({"framing": {"fill": 1.2}}, "framing.fill"),
        ({"framing": {"fill": "0.8"}}, "framing.fill"),
        ({"framing": {"canvas": "fixed"}}, "framing.size"),
        ({"framing": {"canvas": "square", "size": [10, 10]}}, "framing.size"),
        ({"framing": {"canvas": "16:9"}}, "framing.canvas"),
        ({"framing": {"align": "top"}}, "framing.align"),
        ({"framing": {"min_size": 3000, "max_size": 2000}}, "min_size"),
        ({"shadow": {"opacity": 1.5}}, "shadow.opacity"),
        ({"shadow": {"opacity": True}}, "shadow.opacity"),
        ({"shadow": {"kind": "ellipse"}}, "shadow.kind"),
        ({"output": {"format": "GIF"}}, "output.format"),
        ({"output": {"quality": 0}}, "output.quality"),
        ({"output": {"quality": 90.5}}, "output.quality"),
        ({"label": 5}, "label"),
        ({"framing": "square"}, "framing: expected a mapping"),
    ],
)
def test_validation_errors_name_the_field(data, message):
    with pytest.raises(ValueError) as err:
        Theme.from_dict(data)
    assert message in str(err.value)


def test_from_dict_rejects_non_mappings():
    with pytest.raises(ValueError, match="expected a mapping"):
        Theme.from_dict(["white"])


def test_direct_construction_validates_too():
    with pytest.raises(ValueError, match="framing.fill"):
        Framing(fill=-0.1)
    with pytest.raises(ValueError, match="shadow.color"):
        Shadow(color="black")


def test_transparent_forces_a_format_with_alpha():
    theme = Theme(background=Background(kind="transparent"), output=Output("JPEG", 80))
    assert theme.output == Output("PNG", 80)
    webp = Theme(background=Background(kind="transparent"), output=Output("WEBP"))
    assert webp.output.format == "WEBP"
    assert theme.transparent and not Theme().transparent


@pytest.mark.parametrize(
    ("fmt", "ext", "ctype"),
    [("JPEG", "jpg", "image/jpeg"), ("PNG", "png", "image/png"), ("WEBP", "webp", "image/webp")],
)
def test_output_extension_and_content_type(fmt, ext, ctype):
    out = Output(fmt)
    assert (out.extension, out.content_type) == (ext, ctype)


def test_digest_tracks_pixels_not_labels():
    a = Theme(label="A", framing=Framing(fill=0.8))
    assert a.digest() == Theme(label="B", framing=Framing(fill=0.8)).digest()
    assert a.digest() != Theme(label="A", framing=Framing(fill=0.81)).digest()
    assert len({t.digest() for t in PRESETS.values()}) == len(PRESETS)


def test_theme_from_arg():
    assert theme_from_arg("studio") is PRESETS["studio"]
    assert theme_from_arg("white") == PRESETS["white"]
    assert theme_from_arg("transparent").transparent
    red = theme_from_arg("#ff0000")
    assert red.background == Background(kind="solid", color="#FF0000")
    assert red.framing == Framing()


@pytest.mark.parametrize("arg", ["nope", "#ggg000", "", "festive"])
def test_theme_from_arg_lists_valid_slugs(arg):
    with pytest.raises(ValueError) as err:
        theme_from_arg(arg)
    for slug in PRESETS:
        assert slug in str(err.value)
    assert "#RRGGBB" in str(err.value)
