"""The segmenter registry and factory (after rembg's sessions): one session per name and
options per process, built on first use and reused, never rebuilt per call.

Each backend registers with what it can do (:class:`Capabilities`: prompts, input size, torch),
so callers that only need to know that (a web page deciding whether to offer a prompt field)
read it without building a session or loading a model.

The backends import this module to register themselves; it imports none of them (the
package's ``__init__`` loads the built-in ones), so the imports go one way.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .base import Segmenter, SegmenterUnavailable

__all__ = [
    "Capabilities",
    "capabilities",
    "clear_sessions",
    "get_segmenter",
    "names",
    "register",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, known before it is built."""

    #: Whether ``predict`` reads text prompts (with the given options, e.g. weights present).
    accepts_prompts: bool = False
    #: The model's input side in pixels; None where the options decide (``onnx``, ``cascade``).
    input_size: int | None = None
    #: Whether it runs on torch (and transformers): ``pip install 'konigle-bg[transformers]'``.
    needs_torch: bool = False


#: ``accepts_prompts`` may depend on the options and on the files present (``auto`` takes
#: prompts only once CLIPSeg's weights are there): then it is a function of the options.
PromptsRule = bool | Callable[..., bool]


@dataclass(frozen=True)
class _Entry:
    factory: Callable[..., Segmenter]
    accepts_prompts: PromptsRule
    input_size: int | None
    needs_torch: bool


_entries: dict[str, _Entry] = {}
_sessions: dict[tuple, Segmenter] = {}
# Re-entrant: a composite backend may build its parts through the registry.
_lock = threading.RLock()


def register(
    name: str,
    *,
    accepts_prompts: PromptsRule = False,
    input_size: int | None = None,
    needs_torch: bool = False,
) -> Callable:
    """Class or factory decorator: ``@register("u2netp", input_size=320)``."""

    def deco(factory: Callable[..., Segmenter]) -> Callable[..., Segmenter]:
        _entries[name] = _Entry(factory, accepts_prompts, input_size, needs_torch)
        return factory

    return deco


def names() -> list[str]:
    return sorted(_entries)


def _entry(name: str) -> _Entry:
    if name not in _entries:
        raise SegmenterUnavailable(f"Unknown segmenter {name!r}; known: {', '.join(names())}")
    return _entries[name]


def capabilities(name: str, **options) -> Capabilities:
    """What backend ``name`` can do with ``options``, from its registration: nothing is built."""
    entry = _entry(name)
    prompts = entry.accepts_prompts
    if callable(prompts):
        prompts = prompts(**options)
    return Capabilities(bool(prompts), entry.input_size, entry.needs_torch)


def get_segmenter(name: str, **options) -> Segmenter:
    """The process-wide session for ``name`` with ``options``; built once, then reused."""
    entry = _entry(name)
    key = (name, tuple(sorted((k, repr(v)) for k, v in options.items())))
    with _lock:
        session = _sessions.get(key)
        if session is None:
            session = _sessions[key] = entry.factory(**options)
            # One line per model load: a worker logs it once in its life, never per task.
            log.info("segmenter session %s created in process %d", name, os.getpid())
        return session


def clear_sessions() -> None:
    """Drop cached sessions (tests, settings changes)."""
    with _lock:
        _sessions.clear()
