"""remove.bg's request parameters: one serializer that is both their validator and their
OpenAPI schema, giving the service a checked :class:`~konigle_bg.removebg.service.Options`.

JSON, form and multipart bodies give the same values (strings, or JSON booleans and numbers).
A bad value is a :class:`RemoveBgError` with remove.bg's code for it (``invalid_size``,
``invalid_roi``...), raised at once: remove.bg answers one error, the first (the image source
before anything else). Parameters remove.bg has added since (``shadow_type``...) and unknown
ones are ignored, as remove.bg does.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PIL import ImageColor
from rest_framework import serializers
from rest_framework.fields import empty

from konigle_bg.conf import bg_settings
from konigle_bg.imaging.subject_layout import Layout, Length

from .service import (
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


def _text(value: Any, name: str) -> str:
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


def parse_b64(text: str) -> bytes:
    """The bytes of ``image_file_b64`` (plain base64, or a ``data:`` URL)."""
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


# -- the fields: each parses its value, or raises remove.bg's error for it ----------------------

#: What each parameter does (the OpenAPI schema's descriptions).
HELP = {
    "image_file": "Source image file.",
    "image_file_b64": "Source image, base64. Exactly one image source is required.",
    "image_url": "Source image URL (public http/https; fetched SSRF-safely).",
    "size": "preview (also small, regular) = up to 0.25 megapixels; medium 1.5 MP; hd 4 MP; "
    "full (also 4k, auto) = the upload's resolution up to 25 MP (and MAX_SIDE).",
    "type": "The subject; passed as the prompt to segmenters that read prompts.",
    "type_level": "none: no X-Type header.",
    "format": "auto: PNG when anything is see-through, else JPEG; zip: color.jpg + alpha.png.",
    "roi": "Region of interest 'x1 y1 x2 y2', each in px or % of the image.",
    "crop": "Crop to the subject.",
    "crop_margin": "With crop: 1, 2 or 4 values (CSS order), px (<= 500) or % of the subject "
    "(<= 50).",
    "scale": "'10%'..'100%' of the canvas; implies position=center.",
    "position": "original, center, 'x%' or 'x% y%' of the free space.",
    "channels": "alpha: the alpha matte as a grey image.",
    "bg_color": "Hex (81d4fa, fff, 81d4fa77 with alpha) or a colour name.",
    "bg_image_url": "Background image URL (cover-fitted).",
    "bg_image_file": "Background image file.",
    "add_shadow": "A soft contact shadow.",
    "semitransparency": "false: every pixel fully opaque or fully transparent.",
}


class Param:
    """What every remove.bg parameter does: an absent or null value is its default; a given one
    goes through ``parse`` (a string, or a JSON scalar made a string)."""

    default_empty_html = empty  # an absent form field is absent, not False (as a checkbox)

    def bind(self, field_name: str, parent) -> None:
        super().bind(field_name, parent)
        self.help_text = HELP[field_name]

    def run_validation(self, data=empty):
        if data is empty or data is None:
            if self.default is empty:
                return None
            data = self.default
        return self.parse(data)

    def parse(self, value: Any) -> Any:
        raise NotImplementedError


class TextParam(Param, serializers.CharField):
    def __init__(self, parse: Callable[[str], Any], **kwargs) -> None:
        self.parse_text = parse
        super().__init__(required=False, **kwargs)

    def parse(self, value: Any) -> Any:
        return self.parse_text(_text(value, self.field_name))


class ChoiceParam(Param, serializers.ChoiceField):
    def __init__(self, choices, aliases: Mapping[str, str] | None = None, **kwargs) -> None:
        self.aliases = aliases or {}
        super().__init__(list(choices), required=False, **kwargs)

    def parse(self, value: Any) -> str:
        text = _text(value, self.field_name)
        if self.aliases:  # names with aliases are case-blind ("JPEG" is "jpg")
            text = self.aliases.get(text.lower(), text.lower())
        text = text or self.default
        if text not in self.choices:
            raise bad_request(
                f"invalid_{self.field_name}",
                f"Invalid value for parameter '{self.field_name}'",
                f"Use one of: {', '.join(self.choices)}.",
            )
        return text


class BoolParam(Param, serializers.BooleanField):
    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, **kwargs)

    def parse(self, value: Any) -> bool:
        text = _text(value, self.field_name).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise _invalid(self.field_name)


class FileParam(Param, serializers.FileField):
    """An uploaded file's bytes, refused past ``MAX_UPLOAD_BYTES`` before it is read; anything
    that is not an upload (a string in a JSON body) counts as absent, as on remove.bg."""

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, **kwargs)

    def parse(self, value: Any) -> bytes | None:
        if not hasattr(value, "read"):
            return None
        max_bytes = self.context.get("max_bytes") or bg_settings.MAX_UPLOAD_BYTES
        if value.size is not None and value.size > max_bytes:
            raise bad_request(
                "file_too_large", "File too large",
                f"File exceeds limit of {max_bytes // 2**20} MB",
            )  # fmt: skip
        value.seek(0)
        return value.read()


def _given(data: Mapping, name: str) -> bool:
    value = data.get(name)
    return hasattr(value, "read") if name.endswith("_file") else bool(_text(value, name))


class RemoveBgJsonRequest(serializers.Serializer):
    """remove.bg's parameters in a JSON or form body (the image as base64 or a URL)."""

    image_file_b64 = TextParam(parse_b64)
    image_url = TextParam(str)
    size = ChoiceParam(SIZE_PIXELS, default="preview")
    type = ChoiceParam(TYPES, default="auto")
    type_level = ChoiceParam(TYPE_LEVELS, default="1")
    format = ChoiceParam(FORMATS, default="auto", aliases={"jpeg": "jpg"})
    roi = TextParam(parse_roi, default="0% 0% 100% 100%")
    crop = BoolParam(default=False)
    crop_margin = TextParam(parse_margin, default="0")
    scale = TextParam(parse_scale, default="original")
    position = TextParam(parse_position, default="original")
    channels = ChoiceParam(CHANNELS, default="rgba")
    bg_color = TextParam(parse_color)
    bg_image_url = TextParam(str)
    add_shadow = BoolParam(default=False)
    semitransparency = BoolParam(default=True)

    def run_validation(self, data=empty):
        if not isinstance(data, Mapping):  # a JSON body that is a list, a string, a number, null
            raise bad_request("invalid_request", "Invalid request", "Send a JSON object or a form.")
        return super().run_validation(data)

    def to_internal_value(self, data) -> dict:
        # The image source first (remove.bg's order), then every parameter in turn.
        given = [s for s in SOURCES if _given(data, s)]
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
                "Multiple image sources given: Please provide either the image_url, image_file "
                "or image_file_b64 parameter.",
            )
        if sum(_given(data, s) for s in BG_SOURCES) > 1:
            raise bad_request(
                "multiple_bg_sources",
                "Multiple background sources given: Please provide either the bg_color, the "
                "bg_image_url or the bg_image_file parameter.",
            )
        values = super().to_internal_value(data)
        if values.get("image_file_b64") == b"":
            raise bad_request("missing_source", "No image given", "image_file_b64 is empty.")
        return values

    @property
    def parsed(self) -> Parsed:
        """The validated request as the service takes it (after ``is_valid()``)."""
        v = self.validated_data
        options = Options(
            size=v["size"],
            type=v["type"],
            type_level=v["type_level"],
            format=v["format"],
            roi=v["roi"],
            layout=Layout(
                crop=v["crop"], margin=v["crop_margin"], scale=v["scale"], position=v["position"]
            ),
            channels=v["channels"],
            bg_color=v["bg_color"],
            bg_image=v.get("bg_image_file"),
            add_shadow=v["add_shadow"],
            semitransparency=v["semitransparency"],
        )
        image = v.get("image_file") or v.get("image_file_b64")
        return Parsed(image, v["image_url"] or "", options, v["bg_image_url"] or "")


class RemoveBgMultipartRequest(RemoveBgJsonRequest):
    """The same in a multipart body, where the image and the background may be files."""

    image_file = FileParam()
    bg_image_file = FileParam()


def parse(data: Mapping, files: Mapping | None = None, *, max_bytes: int | None = None) -> Parsed:
    """The request's image source and options, or RemoveBgError (400) naming what is wrong.

    ``data`` as DRF parsed it (form and multipart bodies include their files); ``files`` are
    added to a plain mapping."""
    if files and isinstance(data, Mapping):
        data = {**data, **files}
    request = RemoveBgMultipartRequest(data=data, context={"max_bytes": max_bytes})
    request.is_valid(raise_exception=True)
    return request.parsed
