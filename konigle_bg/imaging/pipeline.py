"""Photo in, cut-out out: segmentation, full-resolution refinement, confidence.

``cutout()`` is the one entry point the Django side calls; everything here is pure.
Steps: a coarse pass over the photo (or the seller's box); a zoomed second pass around the
subject's sure parts, so the model's fixed 320 px input is spent on the product and hazy
clutter outside is dropped; a GrabCut seeded by the map; background seen through the product
cut away (``see_through``); guided feathering of the edges at full resolution; partial alpha
outside the edge tightened where its colour is the background's (``refine.tighten_halo``);
clean-up of specks and unsure holes; colour decontamination.

Never worse than the model it refines: the zoomed pass (less context) and GrabCut (colour
models) are the steps that lost half a subject (a teddy bear's jumper, a bonsai's foliage);
either is not used when it carves more than ``max_carve`` (the zoom) or ``grabcut_max_carve``
of a subject it otherwise keeps (``refine.carved_share``), while dropping a whole clutter blob
stays allowed. Chosen on half A of ../shared/eval (``bg_eval --half A``), checked on half B.
The zoomed pass is skipped when the first map is already crisp and the subject not small: on
half A it changed nothing there, and it costs a second model call.

Measured on ../shared/eval with ``manage.py bg_eval`` and kept because the numbers paid; tried
and dropped (no gain or a loss): flip test-time augmentation (+1 point of acceptable share for
a third model call), colour-line matting in the edge band, closed-form matting at half
resolution (no better than the guided filter; full resolution costs seconds), moving the
cut line (``level``: helps studio shots, hurts cluttered ones), a band-limited guided filter.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np
from PIL import Image

from . import leftovers, quality, refine, see_through
from .prompts import ANY
from .segment.base import Segmenter
from .segment.signals import first_cut

#: Bump whenever refinement changes its output; part of every cut-out cache key.
REFINE_REVISION = "9"


@dataclass(frozen=True)
class RefineParams:
    """Knobs of the refinement; hashed (via ``to_dict``) into cache keys."""

    # Second, zoomed pass around the subject found by the first.
    zoom: bool = True
    zoom_margin: float = 0.1  # of the subject box's longer side, on each side
    zoom_max_area: float = 0.8  # skip when the zoom window covers more of the frame
    # Also skip it when the first map is already crisp (hesitant pixels under this share of
    # the subject, ``quality.uncertain_fraction``) and the window is not small (over this
    # share of the frame): zooming then changes little and costs a second model call.
    zoom_crisp: float = 0.1
    zoom_crisp_area: float = 0.2
    tta_flip: bool = False  # also run the mirrored crop and average
    core_share: float = 0.1  # components with fewer sure pixels don't steer the zoom
    # How the zoomed map meets the coarse one: fine | mean | max | auto. "auto": mean for
    # windows under ``fuse_side`` px (zooming adds context loss but little resolution
    # there), fine above.
    fuse: str = "auto"
    fuse_side: int = 480
    outside: str = "zero"  # the map outside the zoom window: coarse | zero
    # Never worse than the model: a zoomed map (or a GrabCut) that carves more than this
    # share out of the subject parts it keeps is not used (``refine.carved_share``).
    max_carve: float = 0.2
    # GrabCut's own, stricter: on half A (ecssd, slices, product composites) a GrabCut carving
    # 10-20% of the subject lost more than it gained (one drop against the bare model fewer,
    # see-through +3 points acceptable, no source worse).
    grabcut_max_carve: float = 0.1
    # Edge-aware refinement at full resolution.
    # Radius as a share of the subject window's longer side: the coarse map's blur scales
    # with the window (the model sees it at a fixed 320 px), not with the photo.
    guided_radius: float = 0.03
    guided_eps: float = 1e-4
    guided_scale: int = 4
    level: float = 0.5  # the map's value taken as the cut line
    band: int = 0  # > 0: only pixels this close to the edge may change
    sharpen: float = 1.0
    grabcut: float = 0.6  # > 0: weight of a model-seeded GrabCut in the map
    grabcut_side: int = 320
    feather_sigma: float = 0.0
    # Background seen through the product (a handle's hole, a mesh): cut away when its colour
    # matches the surface around the subject clearly better than the product around it
    # (``see_through``); log odds a region's mean must pass.
    see_through: bool = True
    see_through_odds: float = 1.5
    # No halo: partial alpha outside the cut line, farther than ``halo_near`` px, is scaled by
    # how product-like its colour is and cleared beyond ``halo_reach`` (a share of the subject
    # window's longer side).
    halo: bool = True
    halo_near: float = 1.5
    halo_reach: float = 0.01
    # Clean-up.
    speck_share: float = 0.01
    hole_share: float = 0.002
    hole_unsure: float = 0.2
    decontaminate: bool = True
    # Seller's box: crop margin around it for the model's context.
    box_margin: float = 0.05
    # What the photo shows, from the product's title (``prompts.subject_of``): ONE product or
    # ALIKE pieces lose the separate blobs that are not them (``leftovers.keep_product``).
    # Without a title nothing says the photo shows one thing, so by default (ANY) every blob
    # the model sees stays (natural scenes with two subjects; the remove.bg endpoint). A
    # seller's box also keeps them.
    subject: str = ANY
    leftover_share: float = 0.5

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Matte:
    alpha: np.ndarray  # float32 (H, W) in [0, 1], the photo's full resolution
    foreground: np.ndarray  # uint8 (H, W, 3), colours decontaminated
    confidence: float
    bbox: tuple[int, int, int, int] | None  # (x0, y0, x1, y1) of alpha > 0.5
    timings: dict[str, float] = field(default_factory=dict)
    #: How it was made, JSON-ready (e.g. the cascade's two results); stored with the cut-out.
    details: dict = field(default_factory=dict)

    def rgba(self) -> Image.Image:
        a = np.clip(self.alpha * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(np.dstack([self.foreground, a]), "RGBA")

    def mask_image(self) -> Image.Image:
        return Image.fromarray(np.clip(self.alpha * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")


def bbox_of(alpha: np.ndarray, level: float = 0.5) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1), exclusive ends, of ``alpha > level``; None when empty."""
    return refine.mask_box(alpha > level)


def clamp_box(box, width: int, height: int, min_side: int = 2) -> tuple[int, int, int, int]:
    """A box ``[x0, y0, x1, y1]`` (photo pixels, exclusive ends) checked and clamped to the photo.

    A box hanging over an edge (a drag that ran past the picture) is clamped; one that is not
    four finite numbers, has x1 <= x0 or y1 <= y0, lies outside the photo, or is under
    ``min_side`` pixels on a side raises ValueError with a message for the seller.
    """
    bad = ValueError("The box must be four numbers: [x0, y0, x1, y1].")
    if isinstance(box, str | bytes) or not hasattr(box, "__len__") or len(box) != 4:
        raise bad
    try:
        values = [float(v) for v in box]
    except (TypeError, ValueError):
        raise bad from None
    if not all(math.isfinite(v) for v in values):
        raise bad
    x0, y0, x1, y1 = (int(round(v)) for v in values)
    if x1 <= x0 or y1 <= y0:
        raise ValueError("The box needs x1 > x0 and y1 > y0.")
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    if cx1 <= cx0 or cy1 <= cy0:
        raise ValueError(f"The box {[x0, y0, x1, y1]} is outside the {width}x{height} photo.")
    if cx1 - cx0 < min_side or cy1 - cy0 < min_side:
        raise ValueError(f"The box must be at least {min_side} pixels on each side.")
    return cx0, cy0, cx1, cy1


def _predict(segmenter: Segmenter, img: Image.Image, prompts, flip: bool) -> np.ndarray:
    prob = segmenter.predict(img, prompts)
    if flip:
        mirrored = segmenter.predict(img.transpose(Image.Transpose.FLIP_LEFT_RIGHT), prompts)
        prob = 0.5 * (prob + mirrored[:, ::-1])
    return prob.astype(np.float32)


def segment(
    img: Image.Image,
    segmenter: Segmenter,
    prompts: list[str] | None,
    params: RefineParams,
    timings: dict[str, float],
) -> tuple[np.ndarray, np.ndarray | None, tuple[int, int, int, int] | None]:
    """Coarse map, and the zoomed map pasted into the frame (None when no zoom was run)."""
    t = time.perf_counter()
    coarse = _predict(segmenter, img, prompts, flip=False)
    timings["segment"] = time.perf_counter() - t
    if not params.zoom:
        return coarse, None, None
    w, h = img.size
    subject = refine.subject_box(coarse, core_share=params.core_share)
    if subject is None:
        return coarse, None, None
    window = refine.expand_box(subject, params.zoom_margin, w, h)
    if refine.box_area(window) > params.zoom_max_area * w * h:
        return coarse, None, None
    if (
        refine.box_area(window) > params.zoom_crisp_area * w * h
        and quality.uncertain_fraction(coarse) < params.zoom_crisp
    ):
        timings["zoom_skipped"] = 1.0
        return coarse, None, None
    t = time.perf_counter()
    x0, y0, x1, y1 = window
    fine_crop = _predict(segmenter, img.crop(window), prompts, flip=params.tta_flip)
    timings["zoom"] = time.perf_counter() - t
    # Outside the window: nothing (the window holds every sure part of the subject; what lies
    # beyond is hazy clutter such as a light box's clamps), or the coarse map.
    fine = coarse.copy() if params.outside == "coarse" else np.zeros_like(coarse)
    inner = coarse[y0:y1, x0:x1]
    fuse = params.fuse
    if fuse == "auto":
        fuse = "mean" if max(x1 - x0, y1 - y0) < params.fuse_side else "fine"
    if fuse == "mean":
        fine_crop = 0.5 * (fine_crop + inner)
    elif fuse == "max":
        fine_crop = np.maximum(fine_crop, inner)
    fine[y0:y1, x0:x1] = fine_crop
    if params.max_carve < 1 and refine.carved_share(coarse, fine) > params.max_carve:
        # The zoomed model sees less context and may call part of the subject background (a
        # teddy bear's jumper); dropping whole clutter blobs is fine, carving the subject not.
        timings["zoom_rejected"] = 1.0
        return coarse, None, None
    return coarse, fine, window


def refine_alpha(
    photo: np.ndarray, prob: np.ndarray, params: RefineParams, window_side: int | None = None
) -> np.ndarray:
    """Full-resolution alpha from the model's map: GrabCut, guided feathering, clean-up.

    ``window_side`` (the zoom window's longer side) sets the guided filter's radius.
    """
    side = window_side or max(photo.shape[:2])
    prob = refine.recentre(prob, params.level)
    if params.grabcut > 0:
        # Colour models seeded by the map pull in parts the model missed and push out
        # shadows it took; blended in, so the guided filter still sees the model's ramp.
        box = refine.mask_box(prob > 0.02)
        if box is not None:
            x0, y0, x1, y1 = refine.expand_box(box, 0.05, prob.shape[1], prob.shape[0])
            gc = refine.grabcut(photo[y0:y1, x0:x1], prob[y0:y1, x0:x1], side=params.grabcut_side)
            # Colour models fail where subject and background share colours (a bonsai's
            # foliage on a lawn): a GrabCut carving the subject is not used.
            if refine.carved_share(prob[y0:y1, x0:x1], gc) <= params.grabcut_max_carve:
                prob = prob.copy()
                prob[y0:y1, x0:x1] = (1 - params.grabcut) * prob[y0:y1, x0:x1] + params.grabcut * gc
    view = see_through.view(photo, prob) if params.see_through or params.halo else None
    models = see_through.models_of(view)
    if params.see_through:
        prob, _ = see_through.remove(photo, prob, view, models, region_odds=params.see_through_odds)
    alpha = refine.guided_feather(
        photo,
        prob,
        radius=max(2, int(round(params.guided_radius * side))),
        eps=params.guided_eps,
        scale=params.guided_scale,
        band=params.band,
    )
    alpha = refine.sharpen(alpha, params.sharpen)
    alpha = refine.feather(alpha, params.feather_sigma)
    if params.halo and models is not None:
        reach = max(2, int(round(params.halo_reach * side)))
        alpha = refine.tighten_halo(photo, alpha, models, params.halo_near, reach)
    if params.speck_share > 0:
        alpha = refine.remove_specks(alpha, params.speck_share)
    if params.hole_share > 0:
        # On the blended map a hole reads "unsure" when the model believed in it as object
        # even though GrabCut did not (0.4 * p > 0.2): such holes are filled.
        alpha = refine.fill_holes(alpha, prob, params.hole_share, params.hole_unsure)
    return np.clip(alpha, 0.0, 1.0).astype(np.float32)


def cutout(
    image: Image.Image,
    segmenter: Segmenter,
    prompts: list[str] | None = None,
    box: tuple[int, int, int, int] | None = None,
    params: RefineParams | None = None,
) -> Matte:
    """Cut the product out of ``image``; ``box`` (photo pixels) bounds where it can be.

    The segmenter's primary model cuts the photo out first; when the segmenter escalates on
    that cut-out's signals (confidence, subject size, enclosed background, thin parts) and has
    a second opinion installed (the cascade's larger model), the photo is cut out again and
    the second result kept when the segmenter prefers it. The signals and both results are
    recorded in ``details["cascade"]``.
    """
    primary = segmenter.primary
    first = cutout_with(image, primary, prompts, box, params)
    if primary is segmenter:
        return first
    t = time.perf_counter()
    signals = first_cut(first.alpha, first.confidence)
    first.timings["signals"] = time.perf_counter() - t
    record = {
        **segmenter.rule(),
        "signals": signals.as_dict(),
        "fast": {"segmenter": primary.key, "confidence": round(first.confidence, 4)},
        "large": None,
        "kept": "fast",
    }
    asks = segmenter.escalates(signals)
    large = segmenter.second_opinion() if asks else None
    result = first
    if large is not None:
        t = time.perf_counter()
        # No zoomed pass for the larger model: at 1024 px it already sees the subject
        # sharply, and a second call would double the escalation's cost.
        second = cutout_with(
            image, large, prompts, box, replace(params or RefineParams(), zoom=False)
        )
        record["large"] = {"segmenter": large.key, "confidence": round(second.confidence, 4)}
        if segmenter.prefers_second(first.confidence, second.confidence):
            result, record["kept"] = second, "large"
        result.timings["escalate"] = time.perf_counter() - t
    elif asks:
        record["large"] = "not installed"
    result.details = {**result.details, "cascade": record}
    return result


def cutout_with(
    image: Image.Image,
    segmenter: Segmenter,
    prompts: list[str] | None = None,
    box: tuple[int, int, int, int] | None = None,
    params: RefineParams | None = None,
) -> Matte:
    """One cut-out with one model (``cutout`` without the cascade's second opinion)."""
    params = params or RefineParams()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    photo = np.asarray(rgb)
    h, w = photo.shape[:2]

    crop = (0, 0, w, h)
    if box is not None:
        box = clamp_box(box, w, h)
        crop = refine.expand_box(box, params.box_margin, w, h, min_pad=4)
    cx0, cy0, cx1, cy1 = crop
    sub = photo[cy0:cy1, cx0:cx1]
    sub_img = rgb if crop == (0, 0, w, h) else rgb.crop(crop)

    coarse, fine, window = segment(sub_img, segmenter, prompts, params, timings)
    prob = fine if fine is not None else coarse

    t = time.perf_counter()
    side = max(window[2] - window[0], window[3] - window[1]) if window else None
    sub_alpha = refine_alpha(sub, prob, params, side)
    guess = 0.0
    if params.subject != ANY and box is None:
        sub_alpha, guess = leftovers.keep_product(
            sub_alpha, prob, sub, params.subject, params.leftover_share
        )
    alpha = np.zeros((h, w), np.float32)
    alpha[cy0:cy1, cx0:cx1] = sub_alpha
    if box is not None:
        bx0, by0, bx1, by1 = box
        inside = np.zeros((h, w), bool)
        inside[by0:by1, bx0:bx1] = True
        alpha[~inside] = 0.0
    timings["refine"] = time.perf_counter() - t

    t = time.perf_counter()
    foreground = refine.decontaminate(photo, alpha) if params.decontaminate else photo.copy()
    timings["decontaminate"] = time.perf_counter() - t

    # Dropping a blob the model believed in as much as the product was a guess that may have
    # kept the wrong thing: such a result is doubtful (held for the seller, shown first).
    conf = quality.confidence(prob, coarse=coarse, alpha=sub_alpha) * (1.0 - 0.5 * guess)
    timings["total"] = time.perf_counter() - t0
    return Matte(
        alpha=alpha,
        foreground=foreground,
        confidence=conf,
        bbox=bbox_of(alpha),
        timings=timings,
    )
