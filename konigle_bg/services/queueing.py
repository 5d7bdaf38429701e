"""Handing photos to the workers: mark each one queued, then enqueue its task."""

from __future__ import annotations

from .. import queue
from .photo_state import mark_queued


def queue_photo(image_id: int, prompt: str | None = None, box: list[int] | None = None) -> None:
    """Queue the processing of one photo (after the commit); ``prompt``/``box`` re-prompt it."""
    kwargs = {}
    if prompt is not None or box is not None:
        kwargs = {"prompt": prompt, "box": box}
    # The generation at request time: a revert before the job runs keeps the original shown.
    kwargs["generation"] = mark_queued(image_id)
    queue.enqueue("process_image", image_id, **kwargs)
