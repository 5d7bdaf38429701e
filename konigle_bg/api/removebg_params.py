"""remove.bg's request parameters -> :class:`services.removebg.Options` and the image source.

JSON, form and multipart bodies give the same values (strings, or JSON booleans); each bad
value is a 400 with remove.bg's code for it (``invalid_size``, ``invalid_roi``...). Parameters
remove.bg has added since (``shadow_type``...) and unknown ones are ignored, as remove.bg does.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass

from PIL import ImageColor

from ..imaging.subject_layout import Layout, Length
from ..services.removebg import (
    CHANNELS,
    FORMATS,
    SIZE_PIXELS,
    TYPE_LEVELS,
    TYPES,
    Options,
    RemoveBgError,
    bad_request,
)

SOURCES = ("image_file", "image_file_b64", "image_url")
BG_SOURCES = ("bg_color", "bg_image_url", "bg_image_file")
_LENGTH = re.compile(r"^(\d+(?:\.\d+)?)(px|%)?$")
_HEX = re.compile(r"^#?([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}
MAX_MARGIN_PX, MAX_MARGIN_PERCENT = 500, 50


@dataclass(frozen=True)
class Parsed:
    """The image (bytes, or a URL still to fetch) and the checked options."""

    image: bytes | None
    image_url: str
    options: Options
    bg_image_url: str


def _text(data: Mapping, name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise _invalid(name)
    return value.strip()


def _invalid(name: str) -> RemoveBgError:
    return bad_request(f"invalid_{name}", f"Invalid {name} parameter given")


def _choice(data: Mapping, name: str, choices, default: str) -> str:
    value = _text(data, name) or default
    if value not in choices:
        raise bad_request(
            f"invalid_{name}",
            f"Invalid value for parameter '{name}'",
            f"Use one of: {', '.join(choices)}.",
        )
    return value


def _bool(data: Mapping, name: str, default: bool) -> bool:
    if data.get(name) is None:
        return default
    value = _text(data, name).lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _invalid(name)


def _length(token: str, name: str, *, max_px: float | None = None, max_pct: float = 100):
    m = _LENGTH.match(token)
    if not m or (m.group(2) is None and float(m.group(1)) != 0):
        raise _invalid(name)
    value, percent = float(m.group(1)), m.group(2) == "%"
    if (percent and value > max_pct) or (not percent and max_px is not None and value > max_px):
        raise _invalid(name)
    return Length(value, percent)


def parse_roi(text: str) -> tuple[Length, Length, Length, Length] | None:
    """ "x1 y1 x2 y2", each in px or %; None for the whole image."""
    if not text:
        return None
    parts = text.split()
    if len(parts) != 4:
        raise _invalid("roi")
    roi = tuple(_length(p, "roi") for p in parts)
    if roi == (Length(0, True), Length(0, True), Length(100, True), Length(100, True)):
        return None  # remove.bg's default: the whole image
    return roi  # type: ignore[return-value]


def parse_margin(text: str) -> tuple[Length, Length, Length, Length]:
    """One (all sides), two (top/bottom, left/right) or four (top, right, bottom, left)
    values, px or percent of the subject; at most 500 px or 50 %."""
    parts = (text or "0").split()
    if len(parts) not in (1, 2, 4):
        raise _invalid("crop_margin")
    values = [
        _length(p, "crop_margin", max_px=MAX_MARGIN_PX, max_pct=MAX_MARGIN_PERCENT) for p in parts
    ]
    if len(values) == 1:
        values *= 4
    elif len(values) == 2:
        values = [values[0], values[1], values[0], values[1]]
    return tuple(values)  # type: ignore[return-value]


def _percent(token: str, name: str, lo: float, hi: float) -> float:
    m = re.match(r"^(\d+(?:\.\d+)?)%$", token)
    if not m or not lo <= float(m.group(1)) <= hi:
        raise _invalid(name)
    return float(m.group(1)) / 100.0


def parse_scale(text: str) -> float | None:
    if not text or text == "original":
        return None
    return _percent(text, "scale", 10, 100)


def parse_position(text: str) -> tuple[float, float] | None:
    if not text or text == "original":
        return None
    if text == "center":
        return (0.5, 0.5)
    parts = text.split()
    if len(parts) not in (1, 2):
        raise _invalid("position")
    values = [_percent(p, "position", 0, 100) for p in parts]
    return (values[0], values[-1])


def parse_color(text: str) -> tuple[int, int, int, int] | None:
    """Hex (``81d4fa``, ``fff``, ``81d4fa77`` with alpha, ``#`` optional) or a colour name."""
    if not text:
        return None
    m = _HEX.match(text)
    if m:
        digits = m.group(1)
        if len(digits) <= 4:
            digits = "".join(c * 2 for c in digits)
        rgba = [int(digits[i : i + 2], 16) for i in range(0, len(digits), 2)]
        return tuple(rgba + [255] * (4 - len(rgba)))  # type: ignore[return-value]
    try:
        rgb = ImageColor.getrgb(text.lower())
    except ValueError:
        raise bad_request("invalid_bg_color", "Invalid bg_color parameter given") from None
    return (*rgb[:3], rgb[3] if len(rgb) == 4 else 255)


def _b64(text: str) -> bytes:
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(
            "invalid_image_file_b64",
            "Invalid image_file_b64 parameter given",
            "The value is not base64.",
        ) from None


def _file_bytes(upload, max_bytes: int) -> bytes:
    if upload.size is not None and upload.size > max_bytes:
        raise bad_request(
            "file_too_large", "File too large", f"File exceeds limit of {max_bytes // 2**20} MB"
        )
    upload.seek(0)
    return upload.read()


def parse(data: Mapping, files: Mapping, *, max_bytes: int) -> Parsed:
    """The request's image source and options, or RemoveBgError (400) naming what is wrong."""
    if not isinstance(data, Mapping):  # a JSON body that is a list, a string or a number
        raise bad_request("invalid_request", "Invalid request", "Send a JSON object or a form.")
    given = [s for s in SOURCES if (files.get(s) if s == "image_file" else _text(data, s))]
    if not given:
        raise bad_request(
            "missing_source",
            "No image given",
            "Please provide the source image in the image_url, image_file or image_file_b64 "
            "parameter.",
        )
    if len(given) > 1:
        raise bad_request(
            "multiple_sources",
            "Multiple image sources given: Please provide either the image_url, image_file or "
            "image_file_b64 parameter.",
        )
    image = None
    if given[0] == "image_file":
        image = _file_bytes(files["image_file"], max_bytes)
    elif given[0] == "image_file_b64":
        image = _b64(_text(data, "image_file_b64"))
        if not image:
            raise bad_request("missing_source", "No image given", "image_file_b64 is empty.")
    bg_given = [s for s in BG_SOURCES if (files.get(s) if s == "bg_image_file" else _text(data, s))]
    if len(bg_given) > 1:
        raise bad_request(
            "multiple_bg_sources",
            "Multiple background sources given: Please provide either the bg_color, the "
            "bg_image_url or the bg_image_file parameter.",
        )
    fmt = _text(data, "format").lower()
    options = Options(
        size=_choice(data, "size", tuple(SIZE_PIXELS), "preview"),
        type=_choice(data, "type", TYPES, "auto"),
        type_level=_choice(data, "type_level", TYPE_LEVELS, "1"),
        format=_choice({"format": "jpg" if fmt == "jpeg" else fmt}, "format", FORMATS, "auto"),
        roi=parse_roi(_text(data, "roi")),
        layout=Layout(
            crop=_bool(data, "crop", False),
            margin=parse_margin(_text(data, "crop_margin")),
            scale=parse_scale(_text(data, "scale")),
            position=parse_position(_text(data, "position")),
        ),
        channels=_choice(data, "channels", CHANNELS, "rgba"),
        bg_color=parse_color(_text(data, "bg_color")),
        bg_image=_file_bytes(files["bg_image_file"], max_bytes)
        if files.get("bg_image_file")
        else None,
        add_shadow=_bool(data, "add_shadow", False),
        semitransparency=_bool(data, "semitransparency", True),
    )
    return Parsed(
        image=image,
        image_url=_text(data, "image_url") if given[0] == "image_url" else "",
        options=options,
        bg_image_url=_text(data, "bg_image_url"),
    )
