"""A photo's PhotoState: where its processing stands, and the owner's choices for it."""

from __future__ import annotations

from django.db.models import Model

from ..models import JobStatus, PhotoState


def state_of(image: Model) -> PhotoState:
    """The photo's PhotoState, created empty on first use."""
    state, _ = PhotoState.objects.get_or_create(image=image)
    return state


def set_photo_state(image: Model, **fields) -> None:
    """Record ``fields`` (status, error, confidence...) on the photo's state.

    A job that ends (done or failed) resets the attempt count, so the next job counts afresh.
    """
    if fields.get("status") in (JobStatus.DONE, JobStatus.FAILED):
        fields.setdefault("attempts", 0)
    PhotoState.objects.update_or_create(image=image, defaults=fields)


def mark_queued(image_id: int) -> int:
    """Mark the photo pending; returns its generation, for the job to compare at the end."""
    state, _ = PhotoState.objects.update_or_create(
        image_id=image_id, defaults={"status": JobStatus.PENDING, "error": "", "attempts": 0}
    )
    return state.generation


def remember_prompt(image: Model, prompt: str, box: list[int] | None) -> PhotoState:
    """Remember the seller's prompt and box for the photo's later runs; returns its state."""
    state = state_of(image)
    state.prompt = prompt or ""
    state.box = list(box) if box else None
    state.save(update_fields=["prompt", "box", "updated"])
    return state


def allow_processing(image: Model) -> None:
    """Undo the owner's revert, so the photo may be processed and shown again."""
    PhotoState.objects.update_or_create(image=image, defaults={"reverted": False})
