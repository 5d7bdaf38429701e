"""The processing job of one photo: cut out, render, show (unless reverted meanwhile)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Model

from .. import events, host, queue
from ..conf import bg_settings
from ..models import Cutout, JobStatus, PhotoState, Variant
from .cutouts import ensure_cutout_image
from .files import SourceUnavailable, source_checksum
from .photo_state import set_photo_state, state_of
from .themes import theme_for
from .variants import activate, ensure_variant

log = logging.getLogger("konigle_bg")


@dataclass
class Outcome:
    """What became of one photo's job: status "done", "failed", "skipped" or "cut"."""

    status: str
    variant: Variant | None = None
    error: str = ""
    cutout: Cutout | None = None


def process_queued_photo(
    image_id: int,
    prompt: str | None = None,
    box: list[int] | None = None,
    generation: int | None = None,
) -> Outcome:
    """The worker's side of :func:`queueing.queue_photo`.

    When segmentation and compositing have queues of their own (GPU routing), this worker only
    cuts the photo out and queues the rendering on the render queue; otherwise it does both.
    """
    if not queue.split_jobs():
        return cut_out_and_show(image_id, prompt=prompt, box=box, generation=generation)
    outcome = cut_out_and_show(
        image_id, prompt=prompt, box=box, generation=generation, render=False
    )
    if outcome.status == "cut":
        queue.enqueue(
            "render_image",
            image_id,
            outcome.cutout.pk,
            generation=generation,
            queue=queue.render_queue(),
        )
    return outcome


def cut_out_and_show(
    image_id: int,
    *,
    prompt: str | None = None,
    box: list[int] | None = None,
    activate_result: bool = True,
    force: bool = False,
    generation: int | None = None,
    render: bool = True,
) -> Outcome:
    """Cut out one photo and render it on its theme; the storefront switches when done.

    ``render=False`` stops after the cut-out (status "cut"): the split job of GPU routing, where
    :func:`render_and_show` finishes it on a CPU worker.

    ``prompt``/``box`` re-prompt the photo (and are remembered for later runs). Bad or
    vanished originals end as a failed state with a readable reason, never as an exception.
    ``generation`` is the photo's PhotoState.generation when the job was asked for (default:
    when it starts); a revert after that leaves the result unshown.
    """
    Image_ = host.image_model()
    image = Image_.objects.select_related(bg_settings.PRODUCT_FIELD).filter(pk=image_id).first()
    if image is None:
        return Outcome("skipped", error="The photo no longer exists.")
    product = host.image_product(image)
    if not force and not host.product_is_published(product):
        return Outcome("skipped", error="The product is not published.")
    state = state_of(image)
    if prompt is not None or box is not None:
        state.prompt = prompt or ""
        state.box = list(box) if box else None
        state.save(update_fields=["prompt", "box", "updated"])
    elif state.reverted and not force:
        return Outcome("skipped", error="The owner reverted this photo to its original.")
    if generation is None:
        generation = state.generation
    # A worker killed mid-job (out of memory, a crashing decoder) leaves django-q no result to
    # count, and the broker hands the task out again after "retry" seconds, for ever: count
    # the starts here so such a photo is given up, with the reason, after MAX_ATTEMPTS.
    PhotoState.objects.filter(pk=state.pk).update(attempts=F("attempts") + 1)
    attempts = PhotoState.objects.values_list("attempts", flat=True).get(pk=state.pk)
    if attempts > bg_settings.MAX_ATTEMPTS:
        reason = (
            f"Given up after {attempts - 1} attempts: the worker stopped in the middle of this "
            "photo each time (out of memory or killed)."
        )
        log.error("image %s: %s", image_id, reason)
        set_photo_state(image, status=JobStatus.FAILED, error=reason)
        return Outcome("failed", error=reason)

    set_photo_state(image, status=JobStatus.RUNNING, error="")
    try:
        checksum = source_checksum(image)
        cut, rgba = ensure_cutout_image(
            image, prompt=state.prompt, box=state.box, checksum=checksum
        )
        if not render:
            return Outcome("cut", cutout=cut)
        # The first variant is rendered from the cut-out still in memory (rgba), not read back.
        variant = ensure_variant(image, cut, theme_for(image), rgba=rgba)
    except SourceUnavailable as exc:
        log.warning("image %s: %s", image_id, exc)
        set_photo_state(image, status=JobStatus.FAILED, error=str(exc))
        return Outcome("failed", error=str(exc))
    except (Exception, SystemExit) as exc:  # SystemExit: django-q's task timeout
        # Recorded for the seller, then re-raised so the queue logs the failure and stops.
        reason = f"Processing failed unexpectedly ({type(exc).__name__}: {exc})."
        set_photo_state(image, status=JobStatus.FAILED, error=reason[:1000])
        raise
    return show_result(image, cut, variant, generation, activate_result)


def render_and_show(
    image_id: int,
    cutout_id: int,
    *,
    generation: int | None = None,
    activate_result: bool = True,
) -> Outcome:
    """Second half of a split job: the finished cut-out on the photo's theme, then shown."""
    Image_ = host.image_model()
    image = Image_.objects.filter(pk=image_id).first()
    cut = Cutout.objects.filter(pk=cutout_id, image_id=image_id, status=JobStatus.DONE).first()
    if image is None or cut is None:
        return Outcome("skipped", error="The photo or its cut-out no longer exists.")
    if generation is None:
        generation = state_of(image).generation
    try:
        variant = ensure_variant(image, cut, theme_for(image))
    except (Exception, SystemExit) as exc:
        reason = f"Processing failed unexpectedly ({type(exc).__name__}: {exc})."
        set_photo_state(image, status=JobStatus.FAILED, error=reason[:1000])
        raise
    return show_result(image, cut, variant, generation, activate_result)


def show_result(
    image: Model, cut: Cutout, variant: Variant, generation: int, activate_result: bool
) -> Outcome:
    """Record the photo done and show ``variant``, unless the owner reverted it since
    ``generation`` (the owner's last request wins)."""
    set_photo_state(image, status=JobStatus.DONE, error="", confidence=cut.confidence)
    if activate_result:
        with transaction.atomic():
            current = PhotoState.objects.select_for_update().get(image=image)
            if current.generation != generation:
                return Outcome("done", variant=variant, error="Reverted meanwhile: not shown.")
            activate(variant, reason=events.SHOWN)
    return Outcome("done", variant=variant)
