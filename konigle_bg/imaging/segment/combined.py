"""Backends built from others: ``clipseg+oneformer`` and ``auto``, and the pure fusion rules.

``clipseg+oneformer`` (the approach this project started from): OneFormer cuts the photo into
segments whose edges follow objects; CLIPSeg says where the prompt is. A segment joins the
subject when CLIPSeg is confident inside it, so the edges are OneFormer's, not CLIPSeg's blur.

``auto``: the salient model (u2netp) always runs; with prompts and CLIPSeg weights on disk, the
prompt map chooses which salient regions are the product (and OneFormer snaps the prompt map to
segments first when its weights are there too). Without prompts or weights it is exactly the
salient map, and torch is never imported.

The rules are pure functions on numpy arrays (:func:`select_segments`,
:func:`combine_clipseg_oneformer`, :func:`fuse_salient_with_prompt`), testable without models.
Sub-sessions come from the registry lazily, at first use: the registry builds sessions under a
non-reentrant lock, so a constructor must not call ``get_segmenter`` itself.
"""

from __future__ import annotations

import os
import threading

import cv2
import numpy as np
from PIL import Image

from . import devices, weights
from .base import Segmenter, SegmenterUnavailable
from .clipseg import ClipSegSegmenter
from .hf_model import clean_prompts, resize_map, weights_ready
from .oneformer import OneFormerSegmenter
from .registry import get_segmenter, register

__all__ = [
    "select_segments",
    "combine_clipseg_oneformer",
    "fuse_salient_with_prompt",
    "ClipSegOneFormerSegmenter",
    "AutoSegmenter",
]

# A region joins the subject when CLIPSeg's mean probability inside it reaches MIN_MEAN and at
# least RELATIVE x the best region's mean (CLIPSeg's absolute levels vary a lot between prompts),
# or when it holds MIN_SHARE of all the CLIPSeg mass with a mean of at least MIN_MEAN (a big
# product body next to a small, very confident logo).
MIN_MEAN = 0.25
RELATIVE = 0.5
MIN_SHARE = 0.2
# Salient regions are the connected components of salient >= SALIENT_THRESHOLD.
SALIENT_THRESHOLD = 0.5
# When no salient region matches the prompt, the prompt map wins if it is this sure somewhere
# over at least STRONG_AREA of the photo ("the red kettle" when u2netp picked the mug).
STRONG = 0.5
STRONG_AREA = 0.002
# Region bookkeeping runs at this size at most (connected components, distance transform).
WORK_SIDE = 1024


def _component_map(labels: np.ndarray) -> tuple[np.ndarray, int]:
    """Split each label into its connected pieces: ids 1..n, one per (label, piece)."""
    from scipy import ndimage  # here, not at import: default workers never need it

    components = np.zeros(labels.shape, dtype=np.int32)
    count = 0
    for value in np.unique(labels):
        pieces, n = ndimage.label(labels == value)
        if n:
            mask = pieces > 0
            components[mask] = pieces[mask] + count
            count += n
    return components, count


def _qualifying(
    components: np.ndarray,
    count: int,
    prob: np.ndarray,
    min_mean: float,
    relative: float,
    min_share: float,
) -> np.ndarray | None:
    """Ids of the components that join the subject, or None when none does."""
    if count == 0:
        return None
    flat = components.ravel()
    area = np.bincount(flat, minlength=count + 1)[1:].astype(np.float64)
    mass = np.bincount(flat, weights=prob.ravel().astype(np.float64), minlength=count + 1)[1:]
    mean = mass / np.maximum(area, 1.0)
    best = float(mean.max())
    if best < min_mean:
        return None
    total = float(mass.sum()) or 1.0
    joins = (mean >= max(min_mean, relative * best)) | (
        (mass / total >= min_share) & (mean >= min_mean)
    )
    return np.flatnonzero(joins) + 1


def select_segments(
    labels: np.ndarray,
    prob: np.ndarray,
    *,
    min_mean: float = MIN_MEAN,
    relative: float = RELATIVE,
    min_share: float = MIN_SHARE,
) -> np.ndarray | None:
    """Boolean mask of the segments of ``labels`` that the prompt map ``prob`` picks, or None.

    Each label is split into connected segments first: two separate bottles are two candidates.
    ``labels`` (int, H x W) and ``prob`` (float in [0, 1], H x W) must have the same shape.
    """
    if labels.shape != prob.shape:
        raise ValueError(f"labels {labels.shape} and prob {prob.shape} differ in shape")
    components, count = _component_map(np.asarray(labels))
    chosen = _qualifying(components, count, np.asarray(prob), min_mean, relative, min_share)
    if chosen is None:
        return None
    return np.isin(components, chosen)


def combine_clipseg_oneformer(
    labels: np.ndarray,
    prob: np.ndarray,
    *,
    min_mean: float = MIN_MEAN,
    relative: float = RELATIVE,
    min_share: float = MIN_SHARE,
) -> np.ndarray:
    """float32 map: 1 on the chosen segments, 0 elsewhere; ``prob`` itself when none qualifies."""
    mask = select_segments(labels, prob, min_mean=min_mean, relative=relative, min_share=min_share)
    if mask is None:
        return np.clip(prob, 0.0, 1.0).astype(np.float32)
    return mask.astype(np.float32)


def fuse_salient_with_prompt(
    salient: np.ndarray,
    prompt: np.ndarray,
    *,
    threshold: float = SALIENT_THRESHOLD,
    min_mean: float = MIN_MEAN,
    relative: float = RELATIVE,
    min_share: float = MIN_SHARE,
    strong: float = STRONG,
    strong_area: float = STRONG_AREA,
    work_side: int = WORK_SIDE,
) -> np.ndarray:
    """The salient map restricted to the salient regions the prompt map points at.

    Soft edge pixels (below ``threshold``) follow their nearest region, so kept regions keep
    their full soft edges. If no region matches the prompt, the prompt map is returned when it
    is strong somewhere (the prompt names something the salient model missed), else the salient
    map unchanged.
    """
    from scipy import ndimage

    if salient.shape != prompt.shape:
        raise ValueError(f"salient {salient.shape} and prompt {prompt.shape} differ in shape")
    salient = np.clip(salient, 0.0, 1.0).astype(np.float32)
    prompt = np.clip(prompt, 0.0, 1.0).astype(np.float32)
    height, width = salient.shape
    scale = min(1.0, work_side / max(height, width))
    small = (max(1, round(width * scale)), max(1, round(height * scale)))
    sal_s = resize_map(salient, small) if scale < 1 else salient
    pro_s = resize_map(prompt, small) if scale < 1 else prompt

    regions, count = ndimage.label(sal_s >= threshold)
    chosen = _qualifying(regions, count, pro_s, min_mean, relative, min_share)
    if chosen is None:
        strong_enough = (prompt >= strong).mean() >= strong_area
        return prompt if strong_enough else salient
    # Every pixel belongs to its nearest region: soft halos go with the region they surround.
    nearest = ndimage.distance_transform_edt(regions == 0, return_indices=True)[1]
    owner = regions[nearest[0], nearest[1]]
    keep = np.isin(owner, chosen).astype(np.float32)
    if scale < 1:
        keep = cv2.resize(keep, (width, height), interpolation=cv2.INTER_LINEAR)
    return (salient * keep).astype(np.float32)


def _given(**options) -> dict:
    return {k: v for k, v in options.items() if v is not None}


class _Composite(Segmenter):
    """Holds sub-sessions fetched from the registry on first use (shared with direct users)."""

    def __init__(self) -> None:
        self._parts_lock = threading.Lock()
        self._parts: dict[str, Segmenter] | None = None

    def _build_parts(self) -> dict[str, Segmenter]:
        raise NotImplementedError

    @property
    def parts(self) -> dict[str, Segmenter]:
        if self._parts is None:
            with self._parts_lock:
                if self._parts is None:
                    self._parts = self._build_parts()
        return self._parts


def _both_take_prompts(
    clipseg_model: str | None = None,
    oneformer_model: str | None = None,
    models_dir=None,
    model: str | None = None,
    **_,
) -> bool:
    clipseg = clipseg_model or model or ClipSegSegmenter.default_model
    oneformer = oneformer_model or OneFormerSegmenter.default_model
    return weights_ready(clipseg, oneformer, models_dir=models_dir)


@register("clipseg+oneformer", accepts_prompts=_both_take_prompts, needs_torch=True)
class ClipSegOneFormerSegmenter(_Composite):
    name = "clipseg+oneformer"
    accepts_prompts = True
    code_revision = "1"

    def __init__(
        self,
        clipseg_model: str | None = None,
        oneformer_model: str | None = None,
        device: str = "auto",
        threads: int | None = None,
        models_dir: str | os.PathLike | None = None,
        model: str | None = None,
    ) -> None:
        super().__init__()
        devices.require_torch_stack(self.name)
        # ``model`` is accepted for symmetry with the single backends and means the CLIPSeg one.
        self.clipseg_model = clipseg_model or model or ClipSegSegmenter.default_model
        self.oneformer_model = oneformer_model or OneFormerSegmenter.default_model
        # None-valued options are left out so these sessions are the ones direct callers share.
        self.options = _given(device=device, threads=threads, models_dir=models_dir)
        prints = []
        for backend, model_id in (
            ("clipseg", self.clipseg_model),
            ("oneformer", self.oneformer_model),
        ):
            path = weights.find_weights(model_id, models_dir)
            if path is None:
                raise SegmenterUnavailable(
                    f"{self.name}: weights of {model_id!r} not found; "
                    f"run `python manage.py bg_models download --model {backend}`"
                )
            prints.append(weights.fingerprint(path))
        self.revision = "-".join([self.code_revision, *prints])

    def _build_parts(self) -> dict[str, Segmenter]:
        return {
            "clipseg": get_segmenter("clipseg", model=self.clipseg_model, **self.options),
            "oneformer": get_segmenter("oneformer", model=self.oneformer_model, **self.options),
        }

    def prompt_map(self, image: Image.Image, prompts: list[str] | None) -> tuple[np.ndarray, bool]:
        """(map at model resolution, whether OneFormer segments were chosen: else CLIPSeg's)."""
        clipseg, oneformer = self.parts["clipseg"], self.parts["oneformer"]
        prob = clipseg.probabilities(image, prompts)
        labels = oneformer.label_map(image)
        prob_small = resize_map(prob, (labels.shape[1], labels.shape[0]))
        mask = select_segments(labels, prob_small)
        if mask is None:
            return prob, False
        return mask.astype(np.float32), True

    def predict(self, image: Image.Image, prompts: list[str] | None = None) -> np.ndarray:
        return resize_map(self.prompt_map(image, prompts)[0], image.size)


def _auto_takes_prompts(clipseg_model: str | None = None, models_dir=None, **_) -> bool:
    # As AutoSegmenter decides: prompts once CLIPSeg's weights (and torch) are there.
    return weights_ready(clipseg_model or ClipSegSegmenter.default_model, models_dir=models_dir)


@register("auto", accepts_prompts=_auto_takes_prompts)
class AutoSegmenter(_Composite):
    name = "auto"

    def __init__(
        self,
        salient: str = "u2netp",
        device: str = "auto",
        threads: int | None = None,
        models_dir: str | os.PathLike | None = None,
        clipseg_model: str | None = None,
        oneformer_model: str | None = None,
        oneformer: bool = True,
    ) -> None:
        super().__init__()
        self.salient_name = salient
        self.device = device
        self.threads = threads
        self.models_dir = models_dir
        self.clipseg_model = clipseg_model or ClipSegSegmenter.default_model
        self.oneformer_model = oneformer_model or OneFormerSegmenter.default_model
        # Decided from the file system only: building ``auto`` must not import torch.
        self.prompted_name: str | None = None
        if weights_ready(self.clipseg_model, models_dir=models_dir):
            self.prompted_name = "clipseg"
            if oneformer and weights.weights_present(self.oneformer_model, models_dir):
                self.prompted_name = "clipseg+oneformer"
        self.accepts_prompts = self.prompted_name is not None

    def _build_parts(self) -> dict[str, Segmenter]:
        # Only non-default options, so the salient session is the one default workers share.
        # The salient model runs on onnxruntime, whose CPU build has no CUDA: "cuda" here means
        # the torch models, so only an explicit "cpu" is passed on.
        salient_options: dict = {}
        if self.device == "cpu":
            salient_options["device"] = "cpu"
        if self.threads:
            salient_options["threads"] = self.threads
        parts = {"salient": get_segmenter(self.salient_name, **salient_options)}
        shared = _given(device=self.device, threads=self.threads, models_dir=self.models_dir)
        if self.prompted_name == "clipseg":
            parts["prompted"] = get_segmenter("clipseg", model=self.clipseg_model, **shared)
        elif self.prompted_name == "clipseg+oneformer":
            parts["prompted"] = get_segmenter(
                "clipseg+oneformer",
                clipseg_model=self.clipseg_model,
                oneformer_model=self.oneformer_model,
                **shared,
            )
        return parts

    @property
    def revision(self) -> str:  # type: ignore[override]
        return "1:" + "+".join(part.key for part in self.parts.values())

    def predict(self, image: Image.Image, prompts: list[str] | None = None) -> np.ndarray:
        salient = self.parts["salient"].predict(image)
        prompts = clean_prompts(prompts)
        prompted = self.parts.get("prompted")
        if not prompts or prompted is None:
            return salient
        return fuse_salient_with_prompt(salient, prompted.predict(image, prompts))
