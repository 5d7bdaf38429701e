"""The segmenter registry and factory (after rembg's sessions): one session per name and
options per process, built on first use and reused, never rebuilt per call."""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable

from .base import Segmenter, SegmenterUnavailable

__all__ = ["register", "get_segmenter", "names", "clear_sessions"]

log = logging.getLogger(__name__)

_factories: dict[str, Callable[..., Segmenter]] = {}
_sessions: dict[tuple, Segmenter] = {}
# Re-entrant: a composite backend may build its parts through the registry.
_lock = threading.RLock()


def register(name: str) -> Callable:
    """Class or factory decorator: ``@register("u2netp")``."""

    def deco(factory: Callable[..., Segmenter]) -> Callable[..., Segmenter]:
        _factories[name] = factory
        return factory

    return deco


def names() -> list[str]:
    _load_builtin()
    return sorted(_factories)


def get_segmenter(name: str, **options) -> Segmenter:
    """The process-wide session for ``name`` with ``options``; built once, then reused."""
    _load_builtin()
    if name not in _factories:
        raise SegmenterUnavailable(f"Unknown segmenter {name!r}; known: {', '.join(names())}")
    key = (name, tuple(sorted((k, repr(v)) for k, v in options.items())))
    with _lock:
        session = _sessions.get(key)
        if session is None:
            session = _sessions[key] = _factories[name](**options)
            # One line per model load: a worker logs it once in its life, never per task.
            log.info("segmenter session %s created in process %d", name, os.getpid())
        return session


def clear_sessions() -> None:
    """Drop cached sessions (tests, settings changes)."""
    with _lock:
        _sessions.clear()


@functools.cache
def _load_builtin() -> None:
    # Importing the modules registers them; heavy libraries (torch) are imported only
    # inside the backends' constructors, so this stays cheap. Once per process.
    from . import cascade, salient  # noqa: F401

    try:
        from . import transformers_backends  # noqa: F401
    except ImportError:
        # A real bug must not hide four backends silently.
        log.exception("prompt-driven backends unavailable")
