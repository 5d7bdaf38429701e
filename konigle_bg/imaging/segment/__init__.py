"""Segmentation backends behind one interface (``base``) and one registry (``registry``)."""

from .base import Segmenter, SegmenterUnavailable
from .registry import clear_sessions, get_segmenter, names, register

__all__ = [
    "Segmenter",
    "SegmenterUnavailable",
    "clear_sessions",
    "get_segmenter",
    "names",
    "register",
]
