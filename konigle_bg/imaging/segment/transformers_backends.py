"""Registers the prompt-driven backends: clipseg, oneformer, clipseg+oneformer and auto.

The registry imports this module on every ``names()`` / ``get_segmenter()`` call, including in
default u2netp workers, so nothing here (or in the modules it imports) imports torch or
transformers at module level: they are imported when a model is first loaded.
"""

from __future__ import annotations

import os

from .clipseg import ClipSegSegmenter
from .combined import (
    AutoSegmenter,
    ClipSegOneFormerSegmenter,
    combine_clipseg_oneformer,
    fuse_salient_with_prompt,
    select_segments,
)
from .oneformer import OneFormerSegmenter, foreground_label_ids

__all__ = [
    "ClipSegSegmenter",
    "OneFormerSegmenter",
    "ClipSegOneFormerSegmenter",
    "AutoSegmenter",
    "select_segments",
    "combine_clipseg_oneformer",
    "fuse_salient_with_prompt",
    "foreground_label_ids",
    "backend_options",
]


def backend_options(
    name: str,
    *,
    clipseg_model: str | None = None,
    oneformer_model: str | None = None,
    models_dir: str | os.PathLike | None = None,
) -> dict:
    """The model options backend ``name`` takes, for callers holding app-wide settings.

    ``get_segmenter(name, **backend_options(name, clipseg_model=..., ...), device=...)``; empty
    for the salient backends, which take none of these. None values are left out so sessions
    built with defaults are shared.
    """
    given = {"models_dir": models_dir} if models_dir else {}
    if name == "clipseg":
        return {**given, **({"model": clipseg_model} if clipseg_model else {})}
    if name == "oneformer":
        return {**given, **({"model": oneformer_model} if oneformer_model else {})}
    if name in ("clipseg+oneformer", "auto"):
        models = {"clipseg_model": clipseg_model, "oneformer_model": oneformer_model}
        return {**given, **{k: v for k, v in models.items() if v}}
    return {}
