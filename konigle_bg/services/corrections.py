"""A seller's clicks and strokes on a photo: checked, previewed at once, applied as a job.

Every correction starts from the photo's automatic cut-out (the "base") and carries the whole
list of clicks, so undo and redo on the page are a shorter or longer list and the same list
always gives the same cut-out. The corrected cut-out is a Cutout row of its own, keyed by the
base's spec plus the clicks: the history keeps both, and a theme switch re-composites
whichever is shown.
"""

from __future__ import annotations

import base64
import logging
import math
import threading
import time
from collections import OrderedDict

import numpy as np
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext
from PIL import Image

from .. import queue
from ..imaging import corrections as engine
from ..imaging import refine
from ..imaging.io import encode
from ..models import Cutout, Job, JobStatus
from .cutouts import write_cutout_files
from .files import (
    SourceUnavailable,
    load_source,
    photo_size,
    source_checksum,
    spec_hash,
)
from .jobs import InvalidRequest, finish_job
from .photo_state import mark_queued, set_photo_state
from .processing import show_result
from .themes import theme_for
from .variants import ensure_variant

log = logging.getLogger("konigle_bg")

MAX_CLICKS = 50
MAX_STROKES = 50
MAX_STROKE_POINTS = 500
MAX_STROKE_RADIUS = 200
PREVIEW_SIDE = 800  # the preview image's longer side (pixels)


# ---------------------------------------------------------------- checking the request


def _number(value, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequest(field, gettext("Coordinates must be numbers."))
    if not math.isfinite(value):
        raise InvalidRequest(field, gettext("Coordinates must be finite numbers."))
    return float(value)


def _inside(x: float, y: float, width: int, height: int, field: str) -> None:
    if not (0 <= x < width and 0 <= y < height):
        raise InvalidRequest(
            field,
            gettext("The point (%(x)g, %(y)g) is outside the %(w)dx%(h)d photo.")
            % {"x": x, "y": y, "w": width, "h": height},
        )


def check_corrections(clicks, strokes, width: int, height: int) -> tuple[list, list]:
    """The request's clicks and strokes, checked against a ``width`` x ``height`` photo.

    Raises InvalidRequest naming ``clicks`` or ``strokes`` (empty lists, too many, points
    outside the photo, malformed entries). Returns plain dicts, in photo pixels.
    """
    clicks = [] if clicks is None else clicks
    strokes = [] if strokes is None else strokes
    if not isinstance(clicks, list):
        raise InvalidRequest("clicks", gettext("A list of {x, y, positive, all}."))
    if not isinstance(strokes, list):
        raise InvalidRequest("strokes", gettext("A list of {points, radius, positive, edge}."))
    if not clicks and not strokes:
        raise InvalidRequest("clicks", gettext("Give at least one click or one stroke."))
    if len(clicks) > MAX_CLICKS:
        raise InvalidRequest("clicks", gettext("At most %(n)d clicks.") % {"n": MAX_CLICKS})
    if len(strokes) > MAX_STROKES:
        raise InvalidRequest("strokes", gettext("At most %(n)d strokes.") % {"n": MAX_STROKES})
    out_clicks = []
    for c in clicks:
        if not isinstance(c, dict) or "x" not in c or "y" not in c:
            raise InvalidRequest("clicks", gettext("Each click is {x, y, positive}."))
        x, y = _number(c["x"], "clicks"), _number(c["y"], "clicks")
        _inside(x, y, width, height, "clicks")
        out_clicks.append(
            {
                "x": x,
                "y": y,
                "positive": bool(c.get("positive", True)),
                "all": bool(c.get("all", False)),
            }
        )
    out_strokes = []
    for s in strokes:
        points = s.get("points") if isinstance(s, dict) else None
        if not isinstance(points, list) or not points or len(points) > MAX_STROKE_POINTS:
            raise InvalidRequest(
                "strokes",
                gettext("Each stroke has 1 to %(n)d points [[x, y], ...].")
                % {"n": MAX_STROKE_POINTS},
            )
        pts = []
        for p in points:
            if not isinstance(p, list | tuple) or len(p) != 2:
                raise InvalidRequest("strokes", gettext("Each stroke point is [x, y]."))
            x, y = _number(p[0], "strokes"), _number(p[1], "strokes")
            _inside(x, y, width, height, "strokes")
            pts.append([x, y])
        radius = _number(s.get("radius", 6), "strokes")
        if not 0 < radius <= MAX_STROKE_RADIUS:
            raise InvalidRequest(
                "strokes", gettext("A stroke's radius is 1 to %(n)d px.") % {"n": MAX_STROKE_RADIUS}
            )
        out_strokes.append(
            {
                "points": pts,
                "radius": radius,
                "positive": bool(s.get("positive", True)),
                "edge": bool(s.get("edge", False)),
            }
        )
    return out_clicks, out_strokes


# ---------------------------------------------------------------- the base and its session


def base_cutout(image: Model) -> Cutout:
    """The automatic cut-out that corrections of the photo's current file start from.

    The one behind what the store shows (a corrected one's own base), else the latest
    finished automatic one. Raises InvalidRequest when the photo has none yet.
    """
    try:
        checksum = source_checksum(image)
    except SourceUnavailable as exc:
        raise InvalidRequest(None, str(exc)) from exc
    done = Cutout.objects.filter(
        image=image, source_checksum=checksum, status=JobStatus.DONE
    ).exclude(mask="")
    shown = done.filter(variants__is_active=True).first()
    if shown is not None and shown.corrections:
        shown = done.filter(pk=(shown.details or {}).get("base")).first()
    if shown is not None:
        return shown
    for cut in done.order_by("-created", "-pk"):
        if not cut.corrections:
            return cut
    raise InvalidRequest(None, "This photo has no cut-out yet: wait until it is processed.")


class _Sessions:
    """The last few photos' prepared engine sessions (per process): a preview click costs
    the engine only, never a decode of the photo or a model run."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.items: OrderedDict[tuple, engine.Session] = OrderedDict()

    def get(self, image: Model, base: Cutout) -> engine.Session:
        key = (base.pk, base.source_checksum, base.mask.name)
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        session = _open_session(image, base)
        with self.lock:
            self.items[key] = session
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return session


def _open_session(image: Model, base: Cutout) -> engine.Session:
    photo = np.asarray(load_source(image))
    with base.mask.open("rb") as fh:
        mask = Image.open(fh)
        mask.load()
    mask = mask.convert("L")
    h, w = photo.shape[:2]
    if mask.size != (w, h):
        mask = mask.resize((w, h), Image.Resampling.BILINEAR)
    alpha = np.asarray(mask, np.float32) / 255.0
    return engine.Session(photo, alpha)


sessions = _Sessions()


def _to_working(clicks: list, strokes: list, scale: float) -> tuple[list, list]:
    """Photo pixels -> the pixels of the decoded copy the cut-out was made from (MAX_SIDE)."""
    if scale == 1.0:
        return clicks, strokes
    sc = [{**c, "x": c["x"] * scale, "y": c["y"] * scale} for c in clicks]
    ss = [
        {
            **s,
            "points": [[x * scale, y * scale] for x, y in s["points"]],
            "radius": s["radius"] * scale,
        }
        for s in strokes
    ]
    return sc, ss


def _corrected_alpha(image: Model, base: Cutout, clicks: list, strokes: list):
    session = sessions.get(image, base)
    h, w = session.alpha.shape
    scale = w / photo_size(image)[0]
    wc, ws = _to_working(clicks, strokes, scale)
    # Rounding at a reduced copy's edge must not push a checked click outside it.
    wc = [{**c, "x": min(c["x"], w - 1), "y": min(c["y"], h - 1)} for c in wc]
    return session, session.apply(wc, ws)


# ---------------------------------------------------------------- preview (synchronous)


def preview_corrections(image: Model, clicks, strokes) -> dict:
    """The corrected cut-out at once, as a PNG data URL (longer side <= PREVIEW_SIDE).

    Raises InvalidRequest for bad input or a photo with no cut-out yet.
    """
    started = time.perf_counter()
    clicks, strokes, base, (width, height) = checked_request(image, clicks, strokes)
    session, alpha = _corrected_alpha(image, base, clicks, strokes)
    rgba = np.dstack([session.photo, np.clip(alpha * 255 + 0.5, 0, 255).astype(np.uint8)])
    img = Image.fromarray(rgba, "RGBA")
    if max(img.size) > PREVIEW_SIDE:
        img.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.BILINEAR)
    return {
        "preview": "data:image/png;base64," + base64.b64encode(encode(img, "PNG")).decode(),
        "width": width,
        "height": height,
        "base_cutout": base.pk,
        "clicks": len(clicks),
        "strokes": len(strokes),
        "ms": round((time.perf_counter() - started) * 1000),
    }


# ---------------------------------------------------------------- apply (a job)


def checked_request(image: Model, clicks, strokes) -> tuple[list, list, Cutout, tuple[int, int]]:
    """The request's clicks and strokes checked against the photo, the cut-out they correct,
    and the photo's size; InvalidRequest for bad input or a photo with no cut-out yet."""
    try:
        width, height = photo_size(image)
    except SourceUnavailable as exc:
        raise InvalidRequest(None, str(exc)) from exc
    clicks, strokes = check_corrections(clicks, strokes, width, height)
    return clicks, strokes, base_cutout(image), (width, height)


def request_corrections(image: Model, clicks, strokes, user=None) -> Job:
    """Queue the corrected cut-out and its variant on the photo's theme; returns the Job."""
    clicks, strokes, base, _ = checked_request(image, clicks, strokes)
    job = Job.objects.create(
        image=image,
        kind=Job.Kind.CORRECT,
        corrections={"base": base.pk, "clicks": clicks, "strokes": strokes},
        requested_by=user,
    )
    # The generation at request time: a revert before the job runs keeps the original shown.
    queue.enqueue("run_corrections", job.pk, mark_queued(image.pk))
    return job


def corrected_cutout(image: Model, base: Cutout, clicks: list, strokes: list) -> Cutout:
    """The cut-out ``base`` corrected by ``clicks``/``strokes`` (photo pixels), made once."""
    spec = {
        **base.spec,
        "base": base.spec_hash,
        "corrections": {
            "engine": engine.CORRECTIONS_REVISION,
            "clicks": clicks,
            "strokes": strokes,
        },
    }
    key = spec_hash(spec)
    with transaction.atomic():
        row, _ = Cutout.objects.get_or_create(
            image=image,
            source_checksum=base.source_checksum,
            spec_hash=key,
            defaults={
                "spec": spec,
                "prompt": base.prompt,
                "box": base.box,
                "segmenter": base.segmenter,
                "corrections": clicks + strokes,
                "details": {"base": base.pk, "clicks": len(clicks), "strokes": len(strokes)},
            },
        )
    if row.status == JobStatus.DONE and row.rgba:
        return row
    started = time.perf_counter()
    session, alpha = _corrected_alpha(image, base, clicks, strokes)
    foreground = refine.decontaminate(session.photo, alpha)
    a8 = np.clip(alpha * 255 + 0.5, 0, 255).astype(np.uint8)
    rgba = np.dstack([foreground, a8])
    rgba[a8 == 0] = 0  # hidden colour never shows; the PNG gets far smaller
    write_cutout_files(image, row, Image.fromarray(rgba, "RGBA"), Image.fromarray(a8, "L"))
    box = refine.mask_box(alpha > 0.5)
    row.bbox = list(box) if box else None
    # The seller looked at this one and chose it: it needs no further review.
    row.confidence = 1.0
    row.status, row.error = JobStatus.DONE, ""
    row.duration_ms = int((time.perf_counter() - started) * 1000)
    row.save()
    log.info("image %s: corrected with %d clicks (cutout %s)", image.pk, len(clicks), row.pk)
    return row


def run_corrections(job_id: int, generation: int | None = None) -> Job | None:
    """The worker's side of :func:`request_corrections`: ends done or failed with the reason."""
    job = Job.objects.select_related("image").filter(pk=job_id).first()
    if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
        return job
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    image = job.image
    data = job.corrections or {}
    try:
        base = Cutout.objects.filter(pk=data.get("base"), image=image).first()
        if base is None:
            raise InvalidRequest(None, "The cut-out these clicks were made on no longer exists.")
        cut = corrected_cutout(image, base, data.get("clicks", []), data.get("strokes", []))
        variant = ensure_variant(image, cut, theme_for(image))
    except (Exception, SystemExit) as exc:  # SystemExit: django-q's task timeout
        reason = f"Corrections failed ({type(exc).__name__}: {exc})."[:1000]
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=reason, finished=timezone.now()
        )
        set_photo_state(image, status=JobStatus.FAILED, error=reason)
        if isinstance(exc, InvalidRequest | SourceUnavailable):
            return Job.objects.get(pk=job.pk)
        raise
    # The seller made this result: it is shown (never held), unless they reverted meanwhile.
    outcome = show_result(image, cut, variant, generation)
    return finish_job(job, outcome.status, outcome.variant, outcome.reason)


def editor_state(image: Model) -> dict | None:
    """What the review page's correction editor needs for a photo; None before any cut-out."""
    try:
        base = base_cutout(image)
        width, height = photo_size(image)
    except InvalidRequest:
        return None
    theme = theme_for(image)
    background = (theme.spec or {}).get("background", {})
    colour = background.get("color") if background.get("kind", "solid") == "solid" else None
    return {
        "base_cutout": base.pk,
        "base_url": base.rgba.url,
        "width": width,
        "height": height,
        "theme_colour": colour or "",
    }
