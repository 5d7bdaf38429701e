"""A disk cache of model maps for evaluation runs: tuning the refinement re-reads the model's
answer instead of recomputing it (the larger model costs seconds a photo on a CPU)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ..imaging.segment.base import Segmenter

__all__ = ["CachedSegmenter", "with_cache"]


class CachedSegmenter(Segmenter):
    """``inner``'s maps, keyed by its key and the exact pixels it is given, kept in ``folder``.

    Stores the map at the model's own resolution where the backend exposes it
    (``predict_lowres``), so the files stay small; the answer is identical to ``inner``'s.
    """

    def __init__(self, inner: Segmenter, folder: str | Path) -> None:
        self.inner = inner
        self.name, self.revision = inner.name, inner.revision
        self.accepts_prompts = inner.accepts_prompts
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.hits = self.misses = 0

    def predict(self, image: Image.Image, prompts: list[str] | None = None) -> np.ndarray:
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        digest = hashlib.sha1(self.inner.key.encode())
        digest.update(repr((rgb.size, prompts)).encode())
        digest.update(rgb.tobytes())
        file = self.folder / f"{digest.hexdigest()}.npy"
        lowres = hasattr(self.inner, "predict_lowres")
        try:
            low = np.load(file)
            self.hits += 1
        except (OSError, ValueError):
            self.misses += 1
            low = self.inner.predict_lowres(rgb) if lowres else self.inner.predict(rgb, prompts)
            tmp = file.with_suffix(".tmp.npy")
            np.save(tmp, low.astype(np.float32))
            tmp.replace(file)
        if low.shape == (rgb.height, rgb.width):
            return low.astype(np.float32)
        full = cv2.resize(low, rgb.size, interpolation=cv2.INTER_LINEAR)
        return np.clip(full, 0.0, 1.0).astype(np.float32)


def with_cache(segmenter: Segmenter, folder: str | Path) -> Segmenter:
    """``segmenter`` reading through the cache; a cascade gets both of its models cached."""
    return segmenter.with_models(lambda model: CachedSegmenter(model, folder))
