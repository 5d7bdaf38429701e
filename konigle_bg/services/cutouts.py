"""Cut-outs: segmentation of one version of a photo, computed at most once and cached."""

from __future__ import annotations

import logging
import posixpath
import time

from django.db.models import Model
from PIL import Image

from .. import host
from ..conf import bg_settings
from ..imaging import cutcache, pipeline
from ..imaging.io import clear_hidden, encode
from ..imaging.segment import Capabilities, Segmenter, capabilities, get_segmenter
from ..models import Cutout, JobStatus
from .files import (
    load_source,
    photo_size,
    result_name,
    source_checksum,
    spec_hash,
    write_file,
)
from .rows import get_or_create_row

log = logging.getLogger("konigle_bg")


def segmenter_options() -> dict:
    """The configured backend's options, from the settings (the threads aside)."""
    from ..imaging.segment.transformers_backends import backend_options

    options = {
        **backend_options(
            bg_settings.SEGMENTER,
            clipseg_model=bg_settings.CLIPSEG_MODEL,
            oneformer_model=bg_settings.ONEFORMER_MODEL,
            models_dir=bg_settings.MODELS_DIR,
        ),
        **bg_settings.SEGMENTER_OPTIONS,
    }
    if bg_settings.SEGMENTER == "cascade":
        options.setdefault("threshold", bg_settings.CASCADE_THRESHOLD)
        options.setdefault("models_dir", bg_settings.MODELS_DIR)
    options.setdefault("device", bg_settings.DEVICE)
    return options


def segmenter(threads: int | None = None) -> Segmenter:
    """The configured segmentation backend, built once per process (a registry cache).

    Only what runs a model calls this: a worker, or a web process answering a synchronous
    request (``konigle_bg.removebg``, with its own ``threads``). Thread pools are sized once per
    process (``threads``, else THREADS, else cores // workers), so several workers on one host
    never oversubscribe its cores. What a backend can do is read without building it:
    :func:`segmenter_capabilities`.
    """
    from ..workers import configure

    options = segmenter_options()
    options.setdefault("threads", configure(threads or bg_settings.THREADS))
    return get_segmenter(bg_settings.SEGMENTER, **options)


def segmenter_capabilities() -> Capabilities:
    """What the configured backend can do (prompts, input size, torch), from the registry's
    metadata: nothing is built, no model is loaded, no thread pool is sized."""
    return capabilities(bg_settings.SEGMENTER, **segmenter_options())


def prompts_for(image: Model, seg: Segmenter, prompt: str = "") -> list[str] | None:
    """The text prompts for ``seg``: the seller's, else (if enabled) the product's title."""
    if not seg.accepts_prompts:
        return None
    if prompt:
        return [p.strip() for p in prompt.split(",") if p.strip()]
    if not bg_settings.PROMPTS_FROM_TITLE:
        return None
    from ..imaging.prompts import prompts_from_title

    product = host.image_product(image)
    return prompts_from_title(host.product_title(product), host.product_description(product))


def subject_of_photo(image: Model, prompts: list[str] | None, prompt: str = "") -> str:
    """What the photo shows (``prompts.ONE``, ``ALIKE`` or ``ANY``), from the seller's prompt
    or else the product's title: the cut-out keeps the product's blobs alone, those that look
    like it, or every blob."""
    from ..imaging.prompts import subject_in, subject_of

    if prompt:
        return subject_in(prompts)
    return subject_of(host.product_title(host.image_product(image)))


def cutout_spec(
    seg: Segmenter, prompts: list[str] | None, box: list[int] | None, subject: str
) -> dict:
    """Everything that shapes a cut-out; its hash keys the Cutout row."""
    return {
        "segmenter": seg.key,
        "refine": pipeline.REFINE_REVISION,
        "prompts": prompts or [],
        "box": list(box) if box else None,
        "subject": subject,
    }


def ensure_cutout(
    image: Model,
    *,
    prompt: str = "",
    box: list[int] | None = None,
    checksum: str | None = None,
    source: Image.Image | None = None,
) -> Cutout:
    """The cut-out for the photo's current file and this request, computed at most once."""
    return ensure_cutout_image(image, prompt=prompt, box=box, checksum=checksum, source=source)[0]


def ensure_cutout_image(
    image: Model,
    *,
    prompt: str = "",
    box: list[int] | None = None,
    checksum: str | None = None,
    source: Image.Image | None = None,
) -> tuple[Cutout, Image.Image | None]:
    """:func:`ensure_cutout`, and the cut-out's RGBA when it was computed just now (else None).

    The worker that segments a photo renders its first variant from this image in memory
    instead of reading back the file it has just written.
    """
    checksum = checksum or source_checksum(image)
    seg = segmenter()
    prompts = prompts_for(image, seg, prompt)
    subject = subject_of_photo(image, prompts, prompt)
    spec = cutout_spec(seg, prompts, box, subject)
    key = spec_hash(spec)
    row, _ = get_or_create_row(
        Cutout,
        image=image,
        source_checksum=checksum,
        spec_hash=key,
        defaults={
            "spec": spec,
            "prompt": ", ".join(prompts or []),
            "box": spec["box"],
            "segmenter": seg.key,
        },
    )
    if row.status == JobStatus.DONE and row.rgba:
        return row, None

    started = time.perf_counter()
    img = source if source is not None else load_source(image)
    if box and source is None:
        # The seller drew the box on the original; the worker may see it reduced (MAX_SIDE).
        scale = img.width / photo_size(image)[0]
        box = [round(v * scale) for v in box]
    params = pipeline.RefineParams(subject=subject)
    result = pipeline.cutout(img, seg, prompts, tuple(box) if box else None, params)
    rgba = clear_hidden(result.rgba())  # what never shows is not stored
    write_cutout_files(image, row, rgba, result.mask_image())
    row.bbox = list(result.bbox) if result.bbox else None
    row.confidence = float(result.confidence)
    if result.details:  # e.g. the cascade's two results
        row.details = {**(row.details or {}), **result.details}
    row.status, row.error = JobStatus.DONE, ""
    row.duration_ms = int((time.perf_counter() - started) * 1000)
    row.save()
    # One line per segmentation actually run (the cluster tests count them per worker).
    log.info("image %s: cut out in %d ms (cutout %s)", image.pk, row.duration_ms, row.pk)
    return row, rgba


def write_cutout_files(image: Model, row: Cutout, rgba: Image.Image, mask: Image.Image) -> None:
    """The cut-out's files beside the original (RGBA, its packed copy, the mask), named on
    ``row`` (not saved): ``cutouts/<photo pk>-<spec hash>-<checksum>.png`` and ``...-mask.png``."""
    stem = f"{row.spec_hash}-{row.source_checksum[:8]}"
    row.rgba.name = write_file(result_name(image, "cutouts", stem, "png"), encode(rgba, "PNG"))
    write_file(packed_name(row.rgba.name), cutcache.pack(rgba))  # what theme switches read
    mask_name = result_name(image, "cutouts", f"{stem}-mask", "png")
    row.mask.name = write_file(mask_name, encode(mask, "PNG"))
    row.width, row.height = rgba.size


def cached_cutout(image: Model, checksum: str) -> Cutout | None:
    """The finished cut-out of the photo's current file that a theme switch re-composites:
    the one the storefront shows now (it carries the owner's re-prompt), else the latest.

    Any spec will do, so an upgrade of the segmenter or the refinement (a new spec hash) never
    makes a theme switch segment the whole store again; and no model session is needed.
    """
    done = Cutout.objects.filter(image=image, source_checksum=checksum, status=JobStatus.DONE)
    done = done.exclude(rgba="")
    shown = done.filter(variants__is_active=True).first()
    return shown or done.order_by("-created", "-pk").first()


def packed_name(rgba_name: str) -> str:
    """Where the packed copy of a cut-out lives (beside its PNG)."""
    return f"{posixpath.splitext(rgba_name)[0]}.kbgcut"


def load_cutout(cutout: Cutout) -> Image.Image:
    """The cut-out's full-size RGBA, from its packed copy (``imaging.cutcache``, ~3x faster to
    read than the PNG); a cut-out stored before those existed gets its packed copy now."""
    storage, name = cutout.rgba.storage, packed_name(cutout.rgba.name)
    try:
        with storage.open(name, "rb") as fh:
            return cutcache.unpack(fh.read())
    except (OSError, ValueError):
        pass
    with cutout.rgba.open("rb") as fh:
        rgba = Image.open(fh)
        rgba.load()
    rgba = rgba if rgba.mode == "RGBA" else rgba.convert("RGBA")
    try:
        write_file(name, cutcache.pack(rgba), storage=storage)
    except OSError as exc:  # a cache only: the next read tries again
        log.warning("cut-out %s: packed copy not written (%s)", cutout.pk, exc)
    return rgba
