"""Segmentation backends behind one interface (``base``) and one registry (``registry``).

Importing the package registers the built-in backends (each module registers itself with the
registry). Heavy libraries (torch, transformers) are imported only inside the backends'
constructors, so this stays cheap.
"""

import logging

from . import cascade, salient  # noqa: F401 - register u2netp, onnx, isnet and cascade
from .base import Segmenter, SegmenterUnavailable
from .registry import Capabilities, capabilities, clear_sessions, get_segmenter, names, register

try:
    from . import transformers_backends  # noqa: F401 - registers clipseg, oneformer, auto...
except ImportError:
    # A real bug must not hide four backends silently.
    logging.getLogger(__name__).exception("prompt-driven backends unavailable")

__all__ = [
    "Capabilities",
    "Segmenter",
    "SegmenterUnavailable",
    "capabilities",
    "clear_sessions",
    "get_segmenter",
    "names",
    "register",
]
