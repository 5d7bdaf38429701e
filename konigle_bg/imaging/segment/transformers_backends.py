"""Registers the prompt-driven backends: clipseg, oneformer, clipseg+oneformer and auto.

The registry imports this module on every ``names()`` / ``get_segmenter()`` call, including in
default u2netp workers, so nothing here (or in the modules it imports) imports torch or
transformers at module level: they are imported when a model is first loaded.
"""

from __future__ import annotations

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
]
