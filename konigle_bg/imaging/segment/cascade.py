"""``cascade``: the fast model for every photo, a larger one only for those it is unsure of.

The fast model (u2netp) cuts every photo out; when the cut-out's confidence is under
``threshold`` and the larger model (an ISNet-style export at 1024 px, see ``salient.IsNet``)
is installed, ``pipeline.cutout`` cuts the photo out again with it and keeps the better-scored
result, recording both. The larger session is built on first need, once per process; where it
is not installed the cascade is the fast path alone, and says so once in the log.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

import numpy as np
from PIL import Image

from .base import Segmenter, SegmenterUnavailable
from .registry import get_segmenter, register
from .signals import FirstCut

__all__ = ["Cascade", "Rule", "DEFAULT_THRESHOLD", "DEFAULT_MARGIN"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    """When the larger model is asked, and when its cut-out is kept.

    Chosen on half A of ../shared/eval with ``python -m benchmarks.cascade_rule fit``
    (see README, "Cascade"); each signal is ``signals.FirstCut``'s.
    """

    #: Confidence under which the larger model is asked.
    threshold: float = 0.6
    #: A subject covering less of the frame than this is never escalated: on half A every
    #: such photo (grocery boxes in a light box, a small pencil holder) came out worse from
    #: the larger model, which takes the light box or the table for the product.
    skip_subject: float = 0.08
    #: So is one with more enclosed background (a handle, a mesh) than this share (1.0: never).
    max_holes: float = 1.0
    #: And one with more thin parts (branches, straps) than this share (1.0: never).
    max_thin: float = 1.0
    #: The larger model's cut-out replaces the fast one only when this much more confident:
    #: the two models' confidences are not calibrated alike.
    margin: float = 0.1

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must lie in [0, 1], not {self.threshold!r}")

    def escalates(self, first: FirstCut) -> bool:
        if first.subject < self.skip_subject:
            return False
        return (
            first.confidence < self.threshold
            or first.holes > self.max_holes
            or first.thin > self.max_thin
        )

    def prefers(self, first: float, second: float) -> bool:
        return second > first + self.margin

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT_THRESHOLD = Rule.threshold
DEFAULT_MARGIN = Rule.margin


class Cascade(Segmenter):
    """A fast segmenter with an optional larger second opinion, built lazily."""

    name = "cascade"
    accepts_prompts = False

    def __init__(
        self,
        fast: Segmenter,
        large: Callable[[], Segmenter] | None,
        large_revision: str,
        threshold: float | None = None,
        margin: float | None = None,
        rule: Rule | None = None,
    ) -> None:
        rule = rule or Rule()
        if threshold is not None:
            rule = replace(rule, threshold=float(threshold))
        if margin is not None:
            rule = replace(rule, margin=float(margin))
        self.fast = fast
        self.rule_ = rule
        self._large_factory = large
        self._large: Segmenter | None = None
        self._large_failed = large is None
        self._lock = threading.Lock()
        # The larger model's identity is part of the cache key: installing it later makes
        # the doubtful photos worth cutting out again.
        self.large_revision = large_revision
        self.revision = f"{fast.key}+{large_revision}@{rule.threshold:g}"
        extra = [
            f"{k}{v:g}"
            for k, v in asdict(rule).items()
            if k != "threshold" and v != getattr(Rule, k)
        ]
        if extra:
            self.revision += "," + ",".join(extra)

    @property
    def threshold(self) -> float:
        return self.rule_.threshold

    @property
    def margin(self) -> float:
        return self.rule_.margin

    @property
    def large_installed(self) -> bool:
        return not self._large_failed

    def large(self) -> Segmenter | None:
        """The larger session, built on first call; None (logged once) when unavailable."""
        if self._large is not None or self._large_failed:
            return self._large
        with self._lock:
            if self._large is None and not self._large_failed:
                try:
                    self._large = self._large_factory()
                except SegmenterUnavailable as exc:
                    self._large_failed = True
                    log.warning("cascade: larger model unavailable (%s); fast path only", exc)
        return self._large

    def predict(self, image: Image.Image, prompts: list[str] | None = None) -> np.ndarray:
        return self.fast.predict(image, prompts)

    @property
    def primary(self) -> Segmenter:
        return self.fast

    def escalates(self, first: FirstCut) -> bool:
        return self.rule_.escalates(first)

    def second_opinion(self) -> Segmenter | None:
        return self.large()

    def prefers_second(self, first: float, second: float) -> bool:
        return self.rule_.prefers(first, second)

    def rule(self) -> dict:
        return self.rule_.as_dict()

    def with_models(self, wrap: Callable[[Segmenter], Segmenter]) -> Segmenter:
        large = self.large()
        return Cascade(
            wrap(self.fast),
            (lambda: wrap(large)) if large is not None else None,
            self.large_revision,
            rule=self.rule_,
        )


@register("cascade")
def build_cascade(
    fast: str = "u2netp",
    threshold: float | None = None,
    large_path: str | os.PathLike | None = None,
    models_dir: str | os.PathLike | None = None,
    threads: int | None = None,
    device: str = "auto",
) -> Cascade:
    """The registry's ``cascade`` session: ``fast`` plus the ``isnet`` preset when installed."""
    from .salient import find_isnet

    fast_seg = get_segmenter(fast, threads=threads, device=device)
    path = find_isnet(large_path, models_dir)
    if path is None:
        log.warning(
            "cascade: no ISNet model installed (python manage.py bg_models download isnet, "
            "or bg_models import PATH --as isnet); every photo takes the fast path only"
        )
        return Cascade(fast_seg, None, "none", threshold)
    size = path.stat().st_size

    def large() -> Segmenter:
        return get_segmenter("isnet", path=str(path), threads=threads, device=device)

    return Cascade(fast_seg, large, f"isnet-{size}", threshold)
