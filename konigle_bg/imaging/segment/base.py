"""The one interface every segmentation backend implements."""

from __future__ import annotations

import abc
from collections.abc import Callable

import numpy as np
from PIL import Image

from ...errors import KonigleBgError, Sentence
from .signals import FirstCut


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

    # A segmenter may carry a second opinion (the cascade). The pipeline asks every segmenter
    # the same questions, so no caller needs to know which kind it holds.

    @property
    def primary(self) -> Segmenter:
        """The model every photo goes through first (and the bare model it is scored against)."""
        return self

    def escalates(self, first: FirstCut) -> bool:
        """Whether a first cut-out with these signals (confidence, subject size, enclosed
        background, thin parts: ``signals.first_cut``) deserves a second opinion."""
        return False

    def second_opinion(self) -> Segmenter | None:
        """The larger model to ask, or None when there is none (not installed, or no cascade)."""
        return None

    def prefers_second(self, first: float, second: float) -> bool:
        """Whether the second opinion's cut-out, scored ``second``, replaces the first one."""
        return False

    def rule(self) -> dict:
        """The escalation rule, JSON-ready, recorded with every cut-out it made; {} for none."""
        return {}

    def with_models(self, wrap: Callable[[Segmenter], Segmenter]) -> Segmenter:
        """This segmenter with each of its models passed through ``wrap`` (e.g. a cache)."""
        return wrap(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.key}>"


class SegmenterUnavailable(KonigleBgError, RuntimeError):
    """The backend's weights or libraries are missing on this machine."""

    kind = "unavailable"

    def __init__(self, *sentences: Sentence, code: str = "segmenter_unavailable") -> None:
        super().__init__(code, *sentences)
