"""Shared machinery of the transformers-backed segmenters (CLIPSeg, OneFormer).

Constructing a session is cheap and never imports torch: it only finds the weights on disk
(so a missing model fails early with :class:`SegmenterUnavailable`) and fixes the revision.
The model is loaded on first use, once per process (the registry caches the session), under a
lock so two threads of one worker do not load it twice. Each backend keeps preprocess /
forward / postprocess apart, after transformers pipelines: only the forward pass is hot.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from . import devices, weights
from .base import Segmenter, SegmenterUnavailable

log = logging.getLogger("konigle_bg.imaging.segment")

__all__ = ["HFModelSegmenter", "clean_prompts", "resize_map", "downscale", "sigmoid"]

#: What CLIPSeg looks for when the caller gives no prompt (same word as prompts.FALLBACK_PROMPT).
DEFAULT_PROMPT = "product"
MAX_PROMPTS = 8


class HFModelSegmenter(Segmenter):
    """A segmenter whose weights are a Hugging Face model directory."""

    #: Bumped when pre/postprocessing changes; the weights' fingerprint is appended.
    code_revision = "1"
    default_model = ""

    def __init__(
        self,
        model: str | None = None,
        device: str = "auto",
        threads: int | None = None,
        models_dir: str | os.PathLike | None = None,
    ) -> None:
        devices.require_torch_stack(self.name)
        if (device or "auto").lower() not in devices.DEVICES and not str(device).startswith(
            "cuda:"
        ):
            raise ValueError(f"device must be one of {', '.join(devices.DEVICES)}, not {device!r}")
        self.model_id = model or self.default_model
        path = weights.find_weights(self.model_id, models_dir)
        if path is None:
            looked = ", ".join(str(d) for d in weights.search_dirs(models_dir))
            raise SegmenterUnavailable(
                f"{self.name}: weights of {self.model_id!r} not found (looked in {looked}); "
                f"run `python manage.py bg_models download --model {self.name.split('+')[0]}`"
            )
        self.weights_path: Path = path
        self.revision = f"{self.code_revision}-{weights.fingerprint(path)}"
        self.requested_device = device
        self.threads = threads
        self.device: str | None = None  # set on load
        self._loaded = False
        self._load_lock = threading.Lock()

    def load(self) -> None:
        """Load the model now (idempotent); workers may call it to warm up before the first job."""
        if self._loaded:
            return
        with self._load_lock:
            if self._loaded:
                return
            device = devices.resolve_device(self.requested_device)
            devices.set_threads(self.threads)
            try:
                self._load_model(self.weights_path, device)
            except (OSError, ValueError) as exc:  # corrupt or incomplete snapshot
                raise SegmenterUnavailable(
                    f"{self.name}: cannot load {self.weights_path}: {exc}"
                ) from exc
            self.device = device
            self._loaded = True
            log.info("segmenter %s: %s on %s", self.name, self.model_id, devices.describe(device))

    def _load_model(self, path: Path, device: str) -> None:
        raise NotImplementedError


def weights_ready(*models: str, models_dir: str | os.PathLike | None = None) -> bool:
    """Whether torch is installed and every one of ``models``' weights is on disk: what a
    prompt-reading backend needs to take prompts, known without loading anything."""
    return devices.torch_stack_available() and all(
        weights.weights_present(model, models_dir) for model in models
    )


def clean_prompts(prompts: Sequence[str] | None) -> list[str]:
    """Stripped, de-duplicated, non-empty prompts (at most MAX_PROMPTS); may be empty."""
    out: list[str] = []
    for prompt in prompts or ():
        prompt = " ".join(str(prompt).split())
        if prompt and prompt not in out:
            out.append(prompt)
    return out[:MAX_PROMPTS]


def resize_map(arr: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A float map resized (bilinear) to ``size`` = PIL's (width, height), clipped to [0, 1]."""
    arr = np.asarray(arr, dtype=np.float32)
    width, height = size
    if arr.shape != (height, width):
        shrinking = width < arr.shape[1] and height < arr.shape[0]
        interp = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        arr = cv2.resize(arr, (width, height), interpolation=interp)
    return np.clip(arr, 0.0, 1.0).astype(np.float32, copy=False)


def downscale(image: Image.Image, max_side: int) -> Image.Image:
    """``image`` with its longer side at most ``max_side``.

    The processors resize to a few hundred pixels anyway, but first turn the whole photo into
    float arrays: a 24 MP photo would cost ~300 MB and most of the preprocessing time.
    """
    if max(image.size) <= max_side:
        return image
    scale = max_side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.clip(x, -60.0, 60.0)))).astype(np.float32)
