"""One photo in, one result out: the remove.bg-compatible endpoint's work (docs/api.md).

The engine is the store pipeline's: the same segmenter session and ``pipeline.cutout``; the
request's options become a one-off :class:`~konigle_bg.imaging.compose.Theme` (background,
shadow) after :mod:`~konigle_bg.imaging.subject_layout` has placed the subject (crop, margin,
scale, position). Nothing is stored as a shop photo. The cut-out of the same bytes is kept a
few minutes in the cache (key: content hash + segmenter + refinement + prompt + region), so a
preview then the full size, or two background colours, pay for one segmentation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import posixpath
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta

from django.core import signing
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.db.models import Model
from django.utils import timezone
from PIL import Image

from konigle_bg import services
from konigle_bg.conf import bg_settings
from konigle_bg.errors import KonigleBgError
from konigle_bg.imaging import compose, cutcache, pipeline, subject_layout
from konigle_bg.imaging.io import ImageRejected, clear_hidden, decode, encode, flatten, probe
from konigle_bg.imaging.subject_layout import Layout, Length
from konigle_bg.storage import derived
from konigle_bg.urlfetch import FetchRefused
from konigle_bg.validators import rejection_message, upload_limits

log = logging.getLogger("konigle_bg")

#: Largest result of each ``size`` (pixels); remove.bg's names, older aliases included.
SIZE_PIXELS = {
    "preview": 250_000,
    "small": 250_000,
    "regular": 250_000,
    "medium": 1_500_000,
    "hd": 4_000_000,
    "full": 25_000_000,
    "4k": 25_000_000,
    "auto": 25_000_000,
    "50MP": 50_000_000,
}
PREVIEW_SIZES = ("preview", "small", "regular")
TYPES = ("auto", "person", "product", "animal", "car", "car_interior", "car_part",
         "transportation", "graphics", "other")  # fmt: skip
TYPE_LEVELS = ("none", "1", "2", "latest")
FORMATS = ("auto", "png", "jpg", "webp", "zip")
CHANNELS = ("rgba", "alpha")
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp",
                 "zip": "application/zip"}  # fmt: skip
RESULTS_DIR = "konigle_bg/api-results"
_SIGNING_SALT = "konigle_bg.removebg.result"


class RemoveBgError(KonigleBgError):
    """A refusal in remove.bg's terms: its ``code`` and ``title`` (the message), and a longer
    ``detail``. The endpoint answers it in remove.bg's shape, with the status of its code
    (``views.STATUS``): the service says what went wrong, not how HTTP says it."""

    def __init__(self, code: str, title: str, detail: str = "", *, field: str | None = None):
        super().__init__(code, title, field=field)
        self.detail = detail

    @property
    def title(self) -> str:
        return str(self)


def bad_request(code: str, title: str, detail: str = "") -> RemoveBgError:
    return RemoveBgError(code, title, detail)


@dataclass(frozen=True)
class Options:
    """A request's options, already checked (``params.RemoveBgJsonRequest`` makes them)."""

    size: str = "preview"
    type: str = "auto"
    type_level: str = "1"
    format: str = "auto"
    # x0, y0, x1, y1: pixels of the uploaded image, or percent of its width/height.
    roi: tuple[Length, Length, Length, Length] | None = None
    layout: Layout = field(default_factory=Layout)
    channels: str = "rgba"
    bg_color: tuple[int, int, int, int] | None = None
    bg_image_url: str = ""
    bg_image: bytes | None = None
    add_shadow: bool = False
    semitransparency: bool = True

    @property
    def credits(self) -> float:
        return 0.25 if self.size in PREVIEW_SIZES else 1.0


@dataclass(frozen=True)
class Result:
    data: bytes
    format: str  # png | jpg | webp | zip
    width: int
    height: int
    foreground: tuple[int, int, int, int]  # left, top, width, height
    type: str | None  # X-Type; None when type_level is "none"
    credits: float

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


# remove.bg's codes for what our decoder refuses.
_REJECTED = {
    "too_large": ("file_too_large", "File too large"),
    "too_many_pixels": ("resolution_too_high", "Image resolution too high"),
    "not_an_image": ("invalid_file_type", "Invalid file type"),
    "unsupported_format": ("invalid_file_type", "Invalid file type"),
    "empty": ("failed_to_read_image", "There was an error reading the image."),
}


def _decode(data: bytes, *, background: bool = False) -> Image.Image:
    try:
        return decode(data, upload_limits(), max_side=bg_settings.MAX_SIDE)
    except ImageRejected as exc:
        code, title = _REJECTED.get(
            exc.code, ("failed_to_read_image", "There was an error reading the image.")
        )
        if background:
            code, title = "invalid_bg_image", "The background image could not be read"
        raise bad_request(code, title, rejection_message(exc)) from exc


def fetch(url: str, what: str = "image") -> bytes:
    """Bytes of an image at a public URL, through the SSRF-safe fetcher the URL import uses."""
    prefix = "" if what == "image" else "bg_"
    try:
        fetched = services.fetch_public_image(url, max_pixels=bg_settings.MAX_PIXELS)
    except FetchRefused as exc:
        if exc.code in ("bad_url", "scheme"):
            raise bad_request(
                f"invalid_{prefix}image_url",
                f"Invalid {prefix}image_url: Please provide a valid URL.",
                str(exc),
            ) from exc
        failed = "bg" if what != "image" else "image"
        raise bad_request(
            f"failed_{failed}_download",
            f"Failed to download {'background ' if what != 'image' else ''}image from given "
            f"{prefix}image_url: {url[:200]}",
            str(exc),
        ) from exc
    return fetched.data


def _roi_box(roi, size: tuple[int, int], scale: float) -> list[int] | None:
    """The region of interest in working pixels (the decoded image may be reduced)."""
    if roi is None:
        return None
    w, h = size
    refs = (w / scale, h / scale, w / scale, h / scale)  # the uploaded image's size
    x0, y0, x1, y1 = (length.pixels(ref) for length, ref in zip(roi, refs, strict=True))
    if min(x0, y0, x1, y1) < 0 or x1 > refs[0] + 0.5 or y1 > refs[1] + 0.5:
        raise bad_request(
            "roi_exceeds_bounds",
            "ROI exceeds image bounds",
            "The given roi parameter defines a region that exceeds the image bounds",
        )
    box = [round(v * scale) for v in (x0, y0, x1, y1)]
    box = [min(max(0, v), lim) for v, lim in zip(box, (w, h, w, h), strict=True)]
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:
        raise bad_request(
            "roi_region_empty", "ROI region is empty",
            "The given roi parameter defines an empty region",
        )  # fmt: skip
    return box


def cutout_key(checksum: str, seg_key: str, prompts: list[str] | None, box) -> str:
    spec = [checksum, seg_key, pipeline.REFINE_REVISION, prompts or [], box]
    return "kbg-removebg-cut:" + hashlib.sha256(json.dumps(spec).encode()).hexdigest()


def cut_out(data: bytes, img: Image.Image, prompts_for_type: str, box) -> Image.Image:
    """The RGBA cut-out of ``img`` (decoded from ``data``), from the cache when it is there."""
    seg = services.segmenter(threads=bg_settings.REMOVEBG_THREADS)
    prompts = None
    if seg.accepts_prompts and prompts_for_type != "auto":
        prompts = [prompts_for_type.replace("_", " ")]  # "car_interior" -> "car interior"
    key = cutout_key(hashlib.sha256(data).hexdigest(), seg.key, prompts, box)
    ttl = bg_settings.REMOVEBG_CUTOUT_CACHE_SECONDS
    cache = caches[bg_settings.REMOVEBG_CACHE]
    if ttl > 0:
        packed = cache.get(key)
        if packed is not None:
            try:
                return cutcache.unpack(packed)
            except ValueError:
                pass
    started = time.perf_counter()
    result = pipeline.cutout(flatten(img), seg, prompts=prompts, box=tuple(box) if box else None)
    out = clear_hidden(result.rgba())  # as the packed copy has it: same answer cached or not
    if ttl > 0:
        cache.set(key, cutcache.pack(out), timeout=ttl)
    log.info("removebg: cut out %dx%d in %d ms", *img.size,
             (time.perf_counter() - started) * 1000)  # fmt: skip
    return out


def _theme(options: Options, fmt: str) -> compose.Theme:
    """The one-off theme the options make (background and shadow; framing keeps the layout)."""
    shadow = compose.Shadow(kind="contact", opacity=0.5) if options.add_shadow else compose.Shadow()
    if options.bg_image is not None:
        background = compose.Background(kind="image", fit="cover")
    elif options.bg_color is not None and options.bg_color[3] == 255:
        background = compose.Background(color="#{:02X}{:02X}{:02X}".format(*options.bg_color[:3]))
    elif fmt == "jpg":  # no transparency in a JPEG: white, as remove.bg does
        background = compose.Background(color="#FFFFFF")
    else:
        background = compose.Background(kind="transparent")
    return compose.Theme(label="remove.bg request", background=background, shadow=shadow,
                         output=compose.Output("PNG"))  # fmt: skip


def _has_transparency(img: Image.Image) -> bool:
    return img.mode == "RGBA" and img.getchannel("A").getextrema()[0] < 255


def _on_white(img: Image.Image) -> Image.Image:
    if img.mode != "RGBA":
        return img.convert("RGB")
    return Image.alpha_composite(Image.new("RGBA", img.size, (255, 255, 255, 255)), img).convert(
        "RGB"
    )


def _encode(img: Image.Image, fmt: str) -> tuple[bytes, str]:
    """(file bytes, format name) of the result; ``auto`` is PNG when anything is see-through."""
    if fmt == "auto":
        fmt = "png" if img.mode == "L" or _has_transparency(img) else "jpg"
    if fmt == "zip":
        rgba = img.convert("RGBA")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("color.jpg", encode(rgba.convert("RGB"), "JPEG"))
            zf.writestr("alpha.png", encode(rgba.getchannel("A"), "PNG"))
        return buf.getvalue(), "zip"
    if fmt == "jpg":
        return encode(_on_white(img), "JPEG"), "jpg"
    return encode(img, "PNG" if fmt == "png" else "WEBP"), fmt


def remove_background(data: bytes, options: Options) -> Result:
    """Cut the subject out of the image ``data`` and render it as ``options`` ask."""
    img = _decode(data)
    # A bad background is refused before the segmentation is paid for.
    bg_image = _decode(options.bg_image, background=True) if options.bg_image else None
    # The decoder reduces photos over MAX_SIDE; pixel values in roi refer to the upload.
    original_side = _uploaded_side(data, img)
    box = _roi_box(options.roi, img.size, max(img.size) / original_side)
    rgba = cut_out(data, img, options.type, box)
    # No pixel at least half covered: faint haze over an empty photo is not a subject.
    if rgba.getchannel("A").getextrema()[1] < 128:
        raise bad_request(
            "unknown_foreground",
            "Could not identify foreground in image.",
            "No part of the image was found to be a subject.",
        )
    if not options.semitransparency:
        rgba = subject_layout.hard_alpha(rgba)
    rgba = subject_layout.fit_pixels(rgba, SIZE_PIXELS[options.size])
    rgba = subject_layout.arrange(rgba, options.layout)
    fg = subject_layout.foreground_box(rgba) or (0, 0, 0, 0)
    if options.channels == "alpha":
        out = rgba.getchannel("A")
    else:
        out = compose.render(rgba, _theme(options, options.format), bg_image)
        if options.bg_color is not None and options.bg_color[3] < 255 and bg_image is None:
            base = Image.new("RGBA", out.size, options.bg_color)
            out = Image.alpha_composite(base, out.convert("RGBA"))
    encoded, fmt = _encode(out, options.format)
    return Result(
        data=encoded,
        format=fmt,
        width=out.width,
        height=out.height,
        foreground=fg,
        type=None if options.type_level == "none" else _x_type(options.type),
        credits=options.credits,
    )


def _uploaded_side(data: bytes, img: Image.Image) -> int:
    try:
        info = probe(data, upload_limits())
    except ImageRejected:  # pragma: no cover - decode() just accepted the same bytes
        return max(img.size)
    return max(info.width, info.height, 1)


def _x_type(requested: str) -> str:
    """konigle_bg does not classify subjects: the requested type, else "other"."""
    return "other" if requested == "auto" else requested


# -- results kept for a day (stores that opted in) ------------------------------------------


def keep_result(store: Model, result: Result) -> str:
    """Store ``result`` for ``REMOVEBG_KEEP_SECONDS`` and return a signed token for it.

    Results older than that in the store's folder are deleted here, so kept files never pile
    up past a day; the token stops working after the same time whatever is left on disk.
    """
    folder = f"{RESULTS_DIR}/{store.pk}"
    prune_results(folder)
    name = derived.save(
        f"{folder}/{uuid.uuid4().hex}.{result.format}", ContentFile(result.data)
    )
    return signing.dumps(name, salt=_SIGNING_SALT, compress=True)


def prune_results(folder: str) -> int:
    keep = timedelta(seconds=bg_settings.REMOVEBG_KEEP_SECONDS)
    try:
        _, files = derived.listdir(folder)
    except (FileNotFoundError, NotImplementedError, OSError):
        return 0
    removed = 0
    now = timezone.now()
    for fname in files:
        path = posixpath.join(folder, fname)
        try:
            if now - derived.get_modified_time(path) > keep:
                derived.delete(path)
                removed += 1
        except (NotImplementedError, OSError):
            continue
    return removed


def open_kept_result(token: str):
    """(file, content type) of a kept result; RemoveBgError "not_found" when the token is bad
    or old."""
    try:
        name = signing.loads(token, salt=_SIGNING_SALT, max_age=bg_settings.REMOVEBG_KEEP_SECONDS)
    except signing.BadSignature as exc:  # SignatureExpired is one
        raise RemoveBgError("not_found", "Result not found or expired") from exc
    if not isinstance(name, str) or not name.startswith(RESULTS_DIR + "/"):
        raise RemoveBgError("not_found", "Result not found or expired")
    try:
        fh = derived.open(name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise RemoveBgError("not_found", "Result not found or expired") from exc
    ext = posixpath.splitext(name)[1].lstrip(".")
    return fh, CONTENT_TYPES.get(ext, "application/octet-stream")


def remove_background_from(
    image: bytes | None, image_url: str, options: Options, bg_image_url: str = ""
) -> Result:
    """:func:`remove_background` on uploaded bytes, or on what ``image_url`` gives; a
    ``bg_image_url`` is fetched the same SSRF-safe way."""
    data = image if image is not None else fetch(image_url)
    if bg_image_url:
        options = dataclasses.replace(options, bg_image=fetch(bg_image_url, "bg"))
    return remove_background(data, options)
