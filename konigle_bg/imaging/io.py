"""Safe image decoding and encoding: the only door untrusted bytes come through.

Everything that reads a seller's file goes through :func:`probe` (upload validation) or
:func:`decode` (processing). Both refuse bad input with :class:`ImageRejected`, a ``ValueError``
carrying a short ``code`` and a message a seller can act on; no other exception type escapes.

Pure module: bytes/paths/files in, PIL images out. Never imports django (its errors are the
Django-free :class:`konigle_bg.errors.KonigleBgError`).
"""

from __future__ import annotations

import io
import logging
import math
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Literal, TypeVar

import numpy as np
from PIL import Image, ImageCms

from ..errors import KonigleBgError, gettext_noop

logger = logging.getLogger(__name__)

MB = 1024 * 1024

#: Formats we open, by Pillow's names. Anything else is refused before a plugin sees it
#: (Pillow can open EPS through Ghostscript, PSD, ICO...: more attack surface for no gain).
ALLOWED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP")

#: Progressive scans a JPEG may have (libjpeg writes 10, mozjpeg a few more; TurboJPEG's
#: documentation suggests limiting to 500 against scan-flooding denial of service).
MAX_JPEG_SCANS = 500


_ACCEPTED_HINT = gettext_noop("Upload a JPEG, PNG, WebP, GIF, TIFF or BMP image.")
_DAMAGED = gettext_noop("The image file is damaged and cannot be read.")


class ImageRejected(KonigleBgError, ValueError):
    """A file we will not process; ``str(e)`` is shown to the seller, ``code`` is for code.

    Codes: ``empty``, ``too_large``, ``not_an_image``, ``unsupported_format``,
    ``too_many_pixels``, ``too_complex`` (JPEG scan flooding), ``truncated``, ``corrupt``,
    ``unreadable`` (a path that cannot be read).

    The message is made of sentences marked for translation (:mod:`konigle_bg.errors`);
    :meth:`message` translates them.
    """


@dataclass(frozen=True)
class Limits:
    """Resource limits for one image: file size and header pixel count (width x height)."""

    max_bytes: int = 40 * MB
    max_pixels: int = 80_000_000


@dataclass(frozen=True)
class ImageInfo:
    """What :func:`probe` learnt. ``format`` uses Pillow's names (``"WEBP"``, not ``"WebP"``);
    ``mode`` is the source mode as stored (``"CMYK"``, ``"I;16"``, ``"P"``...)."""

    format: str
    width: int
    height: int
    mode: str
    frames: int


Source = bytes | bytearray | memoryview | BinaryIO | str | Path
_T = TypeVar("_T")

# --------------------------------------------------------------------------------------------
# Reading bytes under the size limit


def _read(data: Source, limits: Limits) -> bytes:
    """Return the whole file as bytes, refusing empty or oversize input before reading it all."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
    elif isinstance(data, (str, Path)):
        try:
            size = os.stat(data).st_size
            if size > limits.max_bytes:
                raise _too_large(size, limits)
            with open(data, "rb") as fh:
                raw = fh.read(limits.max_bytes + 1)
        except OSError as exc:
            raise _unreadable(exc) from exc
    elif hasattr(data, "read"):
        raw = _read_stream(data, limits)
    else:
        raise TypeError(f"expected bytes, a path or a binary file, not {type(data).__name__}")
    if not raw:
        raise ImageRejected("empty", gettext_noop("The file is empty."))
    if len(raw) > limits.max_bytes:  # from a stream we stopped one byte past: size unknown
        raise _too_large(len(raw), limits, exact=isinstance(data, (bytes, bytearray, memoryview)))
    return raw


def _read_stream(stream: BinaryIO, limits: Limits) -> bytes:
    """Read a file object from its start (an upload may already have been read by a form),
    leaving its position where it was. One byte past the limit is enough to know it is too
    big, so an endless stream is never read whole."""
    start = None
    try:
        if stream.seekable():
            start = stream.tell()
            stream.seek(0)
    except (AttributeError, OSError, ValueError):
        start = None
    try:
        raw = stream.read(limits.max_bytes + 1)
    except (OSError, ValueError) as exc:
        raise _unreadable(exc) from exc
    finally:
        if start is not None:
            try:
                stream.seek(start)
            except (OSError, ValueError):
                pass
    return raw if isinstance(raw, bytes) else bytes(raw or b"")


def _unreadable(exc: Exception) -> ImageRejected:
    return ImageRejected(
        "unreadable",
        (gettext_noop("The file could not be read (%(reason)s)."), {"reason": str(exc)}),
    )


def _too_large(size: int, limits: Limits, exact: bool = True) -> ImageRejected:
    limit = f"{limits.max_bytes / MB:g} MB"
    if not exact:
        return ImageRejected(
            "too_large",
            (gettext_noop("The file is larger than the %(limit)s limit."), {"limit": limit}),
        )
    # Round up so a file just over the limit never reads as "40.0 MB" against "40 MB".
    size_mb = f"{math.ceil(size / MB * 10) / 10:g} MB"
    return ImageRejected(
        "too_large",
        (
            gettext_noop("The file is larger than the %(limit)s limit (%(size)s)."),
            {"limit": limit, "size": size_mb},
        ),
    )


# --------------------------------------------------------------------------------------------
# Sniffing: specific messages for things people actually upload by mistake


def _sniff_foreign(raw: bytes) -> ImageRejected | None:
    """Recognise common non-image or unsupported files by their first bytes."""
    head = raw[:512]
    if head[4:8] == b"ftyp":
        # Major brand and compatible brands: AVIF files often say "mif1" too, so look for
        # avif first, then the HEIF family.
        box_end = min(max(struct.unpack(">I", head[:4])[0], 16), len(head))
        brands = {head[8:12]} | {head[i : i + 4] for i in range(16, box_end - 3, 4)}
        if brands & {b"avif", b"avis"}:
            return ImageRejected(
                "unsupported_format",
                gettext_noop("AVIF images are not supported yet: export as JPEG or PNG."),
            )
        if brands & {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}:
            if not _heif_available():
                return ImageRejected(
                    "unsupported_format",
                    gettext_noop("HEIC photos are not supported yet: export as JPEG."),
                )
            return None
        return ImageRejected(
            "not_an_image",
            gettext_noop("This file is a video or MP4-type file, not a photo."),
            _ACCEPTED_HINT,
        )
    if head.startswith(b"%PDF"):
        return ImageRejected(
            "unsupported_format",
            gettext_noop("PDF files are not supported: export the page as a JPEG or PNG image."),
        )
    if head.startswith(b"%!PS") or head.startswith(b"\xc5\xd0\xd3\xc6"):
        return ImageRejected(
            "unsupported_format",
            gettext_noop("PostScript/EPS files are not supported."),
            _ACCEPTED_HINT,
        )
    if head.startswith(b"8BPS"):
        return ImageRejected(
            "unsupported_format",
            gettext_noop("Photoshop (PSD) files are not supported."),
            _ACCEPTED_HINT,
        )
    if head.startswith(b"\x00\x00\x00\x0cjP  ") or head.startswith(b"\xff\x4f\xff\x51"):
        return ImageRejected(
            "unsupported_format",
            gettext_noop("JPEG 2000 images are not supported."),
            _ACCEPTED_HINT,
        )
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text or (text.startswith(b"<?xml") and b"svg" in text):
        return ImageRejected(
            "unsupported_format",
            gettext_noop("SVG (vector) images are not supported: export a JPEG or PNG."),
        )
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--", b"<script")):
        return ImageRejected(
            "not_an_image",
            gettext_noop("This file is a web page (HTML), not an image."),
            _ACCEPTED_HINT,
        )
    if text.startswith(b"#!") or text.startswith(b"<?php"):
        return ImageRejected(
            "not_an_image",
            gettext_noop("This file is a script, not an image."),
            _ACCEPTED_HINT,
        )
    return None


@lru_cache(maxsize=1)
def _heif_available() -> bool:
    """HEIC is opened only where pillow-heif is installed (it is not a dependency)."""
    try:
        import pillow_heif  # type: ignore[import-not-found]
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


def _formats() -> list[str]:
    return [*ALLOWED_FORMATS, "HEIF"] if _heif_available() else list(ALLOWED_FORMATS)


# --------------------------------------------------------------------------------------------
# Opening and loading


# Pillow and its plugins signal bad data with many exception types; all mean "bad file".
_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    SyntaxError,
    ValueError,
    TypeError,
    struct.error,
    EOFError,
    IndexError,
    KeyError,
    ZeroDivisionError,
    OverflowError,
    AttributeError,
    RuntimeError,
    zlib.error,
    Warning,  # only raised when a warnings filter turns Pillow's warnings into errors
)


def _guard(fn: Callable[[], _T]) -> _T:
    """Run ``fn`` and turn whatever a broken file makes Pillow raise into ImageRejected."""
    try:
        return fn()
    except ImageRejected:
        raise
    except Image.DecompressionBombError as exc:  # a plugin's own check, e.g. GIF frame growth
        raise ImageRejected(
            "too_many_pixels", gettext_noop("The image has far too many pixels to process.")
        ) from exc
    except Image.DecompressionBombWarning as exc:
        raise ImageRejected(
            "too_many_pixels", gettext_noop("The image has too many pixels to process.")
        ) from exc
    except MemoryError as exc:
        raise ImageRejected(
            "too_large", gettext_noop("The image is too large to process.")
        ) from exc
    except Image.UnidentifiedImageError as exc:
        raise ImageRejected(
            "not_an_image",
            gettext_noop("This file is not a recognised image."),
            _ACCEPTED_HINT,
        ) from exc
    except _DECODE_ERRORS as exc:
        if "truncated" in str(exc).lower() or isinstance(exc, EOFError):
            raise ImageRejected(
                "truncated",
                gettext_noop("The image file is incomplete (truncated): upload it again."),
            ) from exc
        raise ImageRejected("corrupt", _DAMAGED) from exc
    except Exception as exc:  # last line of defence: log it so the bug gets fixed, still refuse
        logger.warning("unexpected error decoding an image", exc_info=True)
        raise ImageRejected("corrupt", _DAMAGED) from exc


def _open(raw: bytes, limits: Limits) -> Image.Image:
    """Open (header only) and enforce the pixel limit before any pixel data is decoded."""
    foreign = _sniff_foreign(raw)
    if foreign is not None:
        raise foreign
    im = _guard(lambda: _open_plugin(raw))
    width, height = im.size
    if width <= 0 or height <= 0:
        raise ImageRejected(
            "corrupt", gettext_noop("The image has no pixels (zero width or height).")
        )
    if width * height > limits.max_pixels:
        raise ImageRejected(
            "too_many_pixels",
            (
                gettext_noop(
                    "The image is %(width)d x %(height)d pixels (%(mp).0f megapixels); "
                    "the limit is %(limit)g megapixels."
                ),
                {
                    "width": width,
                    "height": height,
                    "mp": width * height / 1e6,
                    "limit": limits.max_pixels / 1e6,
                },
            ),
        )
    if im.format in ("JPEG", "MPO") or im.info.get("compression") in ("jpeg", "tiff_jpeg"):
        # Each progressive scan is a pass over the whole image: a few kB of empty scans can
        # cost minutes of CPU (in a JPEG, or in JPEG-compressed TIFF strips). 0xFFDA only
        # occurs as an SOS marker (entropy-coded 0xFF bytes are stuffed), so counting it is
        # exact enough; EXIF thumbnails add a handful at most.
        scans = raw.count(b"\xff\xda")
        if scans > MAX_JPEG_SCANS:
            raise ImageRejected(
                "too_complex",
                (
                    gettext_noop(
                        "This JPEG is made of %(scans)d progressive scans, far more than "
                        "cameras or editors write; re-save it as a normal JPEG."
                    ),
                    {"scans": scans},
                ),
            )
    return im


def _open_plugin(raw: bytes) -> Image.Image:
    """Image.open, minus its global MAX_IMAGE_PIXELS check, restricted to our formats.

    Image.open refuses big images against a process-wide setting and hides why a file that
    looked like a PNG failed. Walking the plugin registry (Image.OPEN, what register_open
    fills) ourselves lets our own Limits decide, and tells "damaged PNG" from "not an image".
    """
    Image.init()
    prefix = raw[:16]
    failure: BaseException | None = None
    for fmt in _formats():
        factory, accept = Image.OPEN.get(fmt, (None, None))
        if factory is None:
            continue
        verdict = accept(prefix) if accept is not None else True
        if not verdict:
            continue
        if isinstance(verdict, str):  # the plugin knows the format but cannot read it here
            raise ImageRejected(
                "unsupported_format", ("%(verdict)s.", {"verdict": verdict}), _ACCEPTED_HINT
            )
        try:
            return factory(io.BytesIO(raw), None)
        except _DECODE_ERRORS as exc:  # the signature matched, the header did not parse
            failure = exc
    if failure is not None:
        raise failure
    raise Image.UnidentifiedImageError("cannot identify image file")


def _format_name(im: Image.Image) -> str:
    fmt = im.format or "unknown"
    return "JPEG" if fmt == "MPO" else fmt  # phones' multi-picture JPEGs are JPEGs


def _frames(im: Image.Image) -> int:
    try:
        return int(getattr(im, "n_frames", 1))
    except Exception:  # counting GIF frames walks the file; a broken tail is not fatal here
        return 1


# --------------------------------------------------------------------------------------------
# Public API


def probe(data: Source, limits: Limits = Limits()) -> ImageInfo:
    """Validate an upload: supported format, dimensions within limits, and fully decodable.

    JPEGs are decoded at 1/8 scale for the check: every byte of entropy-coded data is still
    read (so truncation is caught) at a fraction of the memory.
    """
    raw = _read(data, limits)
    im = _open(raw, limits)
    info = ImageInfo(
        format=_format_name(im),
        width=im.size[0],
        height=im.size[1],
        mode=im.mode,
        frames=_frames(im),
    )
    if info.format == "JPEG":
        _guard(lambda: im.draft(None, (1, 1)))
    _guard(im.load)
    return info


def shown_size(data: Source, limits: Limits = Limits()) -> tuple[int, int]:
    """(width, height) of the image as it is shown, EXIF orientation applied: what a seller's
    box on the photo refers to. Reads the header only (no pixel is decoded)."""
    im = _open(_read(data, limits), limits)
    width, height = im.size
    return (height, width) if _orientation(im) in (5, 6, 7, 8) else (width, height)


def decode(data: Source, limits: Limits = Limits(), max_side: int | None = None) -> Image.Image:
    """Decode to an sRGB ``"RGB"`` image, or ``"RGBA"`` when it really has transparency.

    EXIF orientation is applied, embedded ICC profiles are converted to sRGB, animations give
    their first frame, and high bit depth / CMYK / palette / grey modes are normalised. With
    ``max_side`` the result is downscaled so its longer side is at most ``max_side`` (JPEGs are
    decoded at a reduced DCT scale first, so a huge photo never costs its full size in memory).
    """
    if max_side is not None and max_side < 1:
        raise ValueError("max_side must be a positive number of pixels")
    raw = _read(data, limits)
    im = _open(raw, limits)
    return _guard(lambda: _develop(im, max_side))


def _develop(im: Image.Image, max_side: int | None) -> Image.Image:
    if max_side is not None and _format_name(im) == "JPEG" and max(im.size) > max_side:
        scale = max_side / max(im.size)
        im.draft(None, (max(1, round(im.size[0] * scale)), max(1, round(im.size[1] * scale))))
    # Load before reading EXIF: for some formats getexif() loads the pixels itself, and its
    # errors must not be mistaken for "no EXIF" and leave a half-decoded image.
    im.load()
    orientation = _orientation(im)
    icc = im.info.get("icc_profile") or None
    im = _to_8bit(im)
    if max_side is not None and max(im.size) > max_side:
        scale = max_side / max(im.size)
        size = (max(1, round(im.size[0] * scale)), max(1, round(im.size[1] * scale)))
        im = im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    im = _orient(im, orientation)
    if icc:
        im = _to_srgb(im, icc)
    im = _final_mode(im)
    im.info = {}  # decoded pixels are sRGB now; stale EXIF/ICC/transparency must not travel
    return im


# --------------------------------------------------------------------------------------------
# Pixel normalisation


def _orientation(im: Image.Image) -> int:
    try:
        value = int(im.getexif().get(0x0112, 1))
    except Exception:  # broken EXIF is common and harmless: treat as upright
        return 1
    return value if 1 <= value <= 8 else 1


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orient(im: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSE.get(orientation)
    return im.transpose(method) if method is not None else im


def _to_8bit(im: Image.Image) -> Image.Image:
    """Bring any source mode to one of L, LA, RGB, RGBA, CMYK (8 bits per channel)."""
    mode = im.mode
    has_trns = im.info.get("transparency") is not None
    if mode in ("L", "RGB") and has_trns:
        return im.convert("RGBA")
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK"):
        return im
    if mode == "1":
        return im.convert("L")
    if mode in ("P", "PA"):
        return im.convert("RGBA" if has_trns or mode == "PA" else "RGB")
    if mode.startswith("I") or mode == "F":
        return Image.fromarray(_grey_to_uint8(np.asarray(im), mode))  # uint8 2-D: mode L
    if mode in ("La", "RGBa"):
        return im.convert("RGBA" if mode == "RGBa" else "LA")
    if mode == "LAB":
        return ImageCms.applyTransform(im, _lab_to_srgb()) or im
    # RGBX, YCbCr, HSV...: Pillow knows the way to RGB.
    return im.convert("RGB")


def _grey_to_uint8(arr: np.ndarray, mode: str) -> np.ndarray:
    """Scale 16/32-bit integer or float grey to 0..255, without int64/float64 copies of a
    possibly 80-megapixel array."""
    if mode.startswith("I;16"):
        return (arr >> 8).astype(np.uint8)
    if mode == "F":
        a = np.nan_to_num(arr.astype(np.float32, copy=False), nan=0.0, posinf=255.0, neginf=0.0)
        # Float images are either 0..1 (HDR-ish exports) or already 0..255.
        if a.size and a.min() >= 0.0 and a.max() <= 1.0:
            a = a * 255.0
        return np.clip(a + 0.5, 0, 255).astype(np.uint8)
    top = int(arr.max()) if arr.size else 0
    if top <= 255:
        return np.clip(arr, 0, 255).astype(np.uint8)
    if top <= 65535:  # 16-bit data stored in a 32-bit mode
        return (np.clip(arr, 0, 65535) >> 8).astype(np.uint8)
    return (np.clip(arr, 0, None).astype(np.float32) * (255.0 / top) + 0.5).astype(np.uint8)


@lru_cache(maxsize=1)
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@lru_cache(maxsize=1)
def srgb_icc_bytes() -> bytes:
    """The sRGB ICC profile written into every encoded file."""
    return _srgb_profile().tobytes()


@lru_cache(maxsize=1)
def _lab_to_srgb() -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(ImageCms.createProfile("LAB"), _srgb_profile(), "LAB", "RGB")


_PROFILE_SPACE = {"RGB": "RGB ", "RGBA": "RGB ", "CMYK": "CMYK", "L": "GRAY", "LA": "GRAY"}


def _to_srgb(im: Image.Image, icc: bytes) -> Image.Image:
    """Convert pixels from the embedded profile to sRGB. A profile that is broken or does not
    match the pixel layout is ignored (the pixels are then taken as sRGB, as browsers do)."""
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = src.profile.xcolor_space  # raises on garbage bytes in the header
    except Exception:
        return im
    if _PROFILE_SPACE.get(im.mode) != space:
        return im
    alpha = im.getchannel("A") if im.mode in ("RGBA", "LA") else None
    base = im.convert("L" if im.mode == "LA" else "RGB") if im.mode in ("LA", "RGBA") else im
    try:
        out = ImageCms.profileToProfile(base, src, _srgb_profile(), outputMode="RGB")
    except Exception:  # lcms refuses some valid-looking profiles: keep the pixels as they are
        return im
    if out is None:  # profileToProfile returns None only when told to work in place
        return im
    if alpha is not None:
        out.putalpha(alpha)
    return out


def _final_mode(im: Image.Image) -> Image.Image:
    if im.mode == "LA":
        im = im.convert("RGBA")
    if im.mode == "RGBA":
        lo, _hi = im.getchannel("A").getextrema()
        return im if lo < 255 else im.convert("RGB")
    return im if im.mode == "RGB" else im.convert("RGB")


# --------------------------------------------------------------------------------------------
# Encoding


def encode(
    img: Image.Image,
    fmt: Literal["JPEG", "PNG", "WEBP"],
    quality: int = 90,
    progressive: bool = True,
) -> bytes:
    """Encode a result for storage and the web. Writes the sRGB ICC profile, never EXIF/XMP.

    The one encoder of derived images (results, cut-outs, masks, previews). ``progressive=False``
    writes a baseline JPEG: ~4x faster to encode (a 1600 px photo: ~15 ms instead of ~60 ms)
    for a file a few percent larger; bulk re-renders use it. PNGs are written fast
    (compress level 1): cut-outs and results are written once and read back rarely.

    ``img`` must be RGB/RGBA, or L: a grey PNG (a mask, an alpha channel: no colour, so no
    profile), stored as RGB in the other formats. JPEG has no alpha: RGBA raises ValueError,
    callers composite onto a background first.
    """
    fmt_u = fmt.upper()
    if fmt_u not in ("JPEG", "PNG", "WEBP"):
        raise ValueError(f"unsupported output format {fmt!r}: use JPEG, PNG or WEBP")
    if not 1 <= quality <= 100:
        raise ValueError("quality must be between 1 and 100")
    buf = io.BytesIO()
    if img.mode == "L" and fmt_u == "PNG":
        img.save(buf, "PNG", compress_level=1, transparency=None, exif=b"")
        return buf.getvalue()
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        img.mode == "P" and img.info.get("transparency") is not None
    ):
        if fmt_u == "JPEG":
            raise ValueError("JPEG cannot store transparency: composite onto a background first")
        img = img if img.mode == "RGBA" else img.convert("RGBA")
    elif img.mode != "RGB":
        img = img.convert("RGB")
    # exif/xmp passed empty on purpose: Pillow would otherwise copy some from img.info.
    common = {"icc_profile": srgb_icc_bytes(), "exif": b""}
    if fmt_u == "JPEG":
        img.save(
            buf,
            "JPEG",
            quality=quality,
            optimize=True,
            progressive=progressive,
            subsampling="4:2:0",
            xmp=b"",
            **common,
        )
    elif fmt_u == "PNG":
        # transparency=None: a stale tRNS key in img.info must not make a colour see-through.
        img.save(buf, "PNG", compress_level=1, transparency=None, **common)
    else:
        img.save(buf, "WEBP", quality=quality, method=4, xmp=b"", **common)
    return buf.getvalue()


def flatten(img: Image.Image) -> Image.Image:
    """RGB for the segmenter: a photo with transparency is seen as it shows on white."""
    if img.mode == "RGB":
        return img
    flat = Image.new("RGB", img.size, (255, 255, 255))
    flat.paste(img, mask=img.getchannel("A") if img.mode == "RGBA" else None)
    return flat


def clear_hidden(rgba: Image.Image) -> Image.Image:
    """Zero the colour where alpha is 0: it never shows, and the PNG every theme switch reads
    back gets ~8x smaller and ~5x faster to decode (a 1600 px cut-out: 2.7 MB, 230 ms ->
    0.34 MB, 48 ms)."""
    arr = np.array(rgba)
    arr[arr[..., 3] == 0] = 0
    return Image.fromarray(arr, "RGBA")
