"""The one interface every segmentation backend implements."""

from __future__ import annotations

import abc

import numpy as np
from PIL import Image

from ...errors import KonigleBgError, Sentence


class Segmenter(abc.ABC):
    """A model that says, per pixel, how likely it belongs to the product.

    Sessions are built once per process by the registry and reused (rembg's per-request
    session leak is the cautionary tale), so subclasses load weights lazily in ``__init__``
    or on first ``predict`` and keep them.
    """

    #: Registry name, e.g. ``"u2netp"``.
    name: str = ""
    #: Changes whenever weights or preprocessing change; part of every cache key.
    revision: str = "1"
    #: Whether ``predict`` uses text prompts.
    accepts_prompts: bool = False

    @abc.abstractmethod
    def predict(self, image: Image.Image, prompts: list[str] | None = None) -> np.ndarray:
        """Return a float32 (H, W) map in [0, 1] at ``image``'s own size (RGB input)."""

    @property
    def key(self) -> str:
        return f"{self.name}@{self.revision}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.key}>"


class SegmenterUnavailable(KonigleBgError, RuntimeError):
    """The backend's weights or libraries are missing on this machine."""

    kind = "unavailable"

    def __init__(self, *sentences: Sentence, code: str = "segmenter_unavailable") -> None:
        super().__init__(code, *sentences)
