"""The processing job of one photo: cut out, render, then shown, held for the seller, or left
unshown when the owner reverted meanwhile.

One function per intent: :func:`cut_out_and_show` (a published photo, automatically),
:func:`process_again` (the seller asked), :func:`reprompt_photo` (the seller's prompt or box),
and the two halves of a GPU-routed job, :func:`cut_out_only` and :func:`render_and_show`.
Each ends in an :class:`Outcome`; failures are recorded on the photo in one place
(:func:`attempt`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.db import transaction
from django.db.models import F, Model

from .. import events, host, queue
from ..conf import bg_settings
from ..models import (
    BackgroundTheme,
    Cutout,
    JobStatus,
    OutcomeStatus,
    PhotoState,
    Variant,
    hold_threshold,
)
from .cutouts import ensure_cutout_image
from .files import SourceUnavailable, source_checksum
from .photo_state import remember_prompt, set_photo_state, state_of
from .themes import theme_for
from .variants import activate, ensure_variant

log = logging.getLogger("konigle_bg")

T = TypeVar("T")
# Outcomes that may say why (a failure, or why there was nothing to do); the others never
# carry a text: their status says it all.
EXPLAINED = (OutcomeStatus.FAILED, OutcomeStatus.SKIPPED)


@dataclass(frozen=True)
class Outcome:
    """What became of one photo's job: a status, the result made (if any) and, only for a
    failed or skipped job, the reason in the seller's words."""

    status: OutcomeStatus
    variant: Variant | None = None
    cutout: Cutout | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if self.reason and self.status not in EXPLAINED:
            raise ValueError(f"A {self.status} outcome carries no reason.")

    @classmethod
    def failed(cls, reason: str) -> Outcome:
        return cls(OutcomeStatus.FAILED, reason=reason)

    @classmethod
    def skipped(cls, reason: str) -> Outcome:
        return cls(OutcomeStatus.SKIPPED, reason=reason)

    def as_result(self) -> dict:
        """What a task returns, and django-q stores: primary keys and text only, small."""
        out: dict = {"status": self.status.value}
        if self.variant is not None:
            out["variant"] = self.variant.pk
        if self.cutout is not None:
            out["cutout"] = self.cutout.pk
        if self.reason:
            out["reason"] = self.reason
        return out


# ---------------------------------------------------------------- the intents


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
    if prompt is not None or box is not None:  # a re-prompt queued through queue_photo
        return reprompt_photo(image_id, prompt=prompt or "", box=box, generation=generation)
    if not queue.split_jobs():
        return cut_out_and_show(image_id, generation=generation)
    outcome = cut_out_only(image_id, generation=generation)
    if outcome.status == OutcomeStatus.CUT:
        queue.enqueue(
            "render_image",
            image_id,
            outcome.cutout.pk,
            generation=generation,
            queue=queue.render_queue(),
        )
    return outcome


def cut_out_and_show(image_id: int, *, generation: int | None = None) -> Outcome:
    """A published photo processed automatically: cut out, rendered on its theme, then shown,
    or held for the seller when its confidence is under the hold threshold.

    A draft's photo or a photo the owner reverted is skipped. Bad or vanished originals end as
    a failed outcome with a readable reason, never as an exception. ``generation`` is the
    photo's PhotoState.generation when the job was asked for (default: when it starts); a
    revert after that leaves the result unshown.
    """
    image, state, refusal = _automatic(image_id)
    if refusal is not None:
        return refusal
    return _cut_render(image, state, generation, show_or_hold)


def process_again(image_id: int, *, generation: int | None = None) -> Outcome:
    """The seller's "process again": as :func:`cut_out_and_show`, for a draft's or a reverted
    photo too. The result is the automatic one, so a doubtful one is held."""
    image = _photo(image_id)
    if image is None:
        return Outcome.skipped("The photo no longer exists.")
    return _cut_render(image, state_of(image), generation, show_or_hold)


def reprompt_photo(
    image_id: int, *, prompt: str, box: list[int] | None, generation: int | None = None
) -> Outcome:
    """The seller's re-prompt (a few words and/or a box, remembered for later runs): its result
    is shown whatever it scores, since the seller asked for exactly this one."""
    image = _photo(image_id)
    if image is None:
        return Outcome.skipped("The photo no longer exists.")
    state = remember_prompt(image, prompt, box)
    return _cut_render(image, state, generation, show_result)


def cut_out_only(image_id: int, *, generation: int | None = None) -> Outcome:
    """First half of a GPU-routed job: the cut-out only (status CUT), for a published photo;
    :func:`render_and_show` finishes it on a CPU worker."""
    image, state, refusal = _automatic(image_id)
    if refusal is not None:
        return refusal
    if (given_up := _count_start(image, state)) is not None:
        return given_up
    made = attempt(image, lambda: _cut(image, state)[0])
    return made if isinstance(made, Outcome) else Outcome(OutcomeStatus.CUT, cutout=made)


def render_and_show(image_id: int, cutout_id: int, *, generation: int | None = None) -> Outcome:
    """Second half of a split job: the finished cut-out on the photo's theme, then shown or
    held, as :func:`cut_out_and_show` would."""
    image = _photo(image_id)
    cut = Cutout.objects.filter(pk=cutout_id, image_id=image_id, status=JobStatus.DONE).first()
    if image is None or cut is None:
        return Outcome.skipped("The photo or its cut-out no longer exists.")
    if generation is None:
        generation = state_of(image).generation
    variant = attempt(image, lambda: ensure_variant(image, cut, theme_for(image)))
    if isinstance(variant, Outcome):
        return variant
    return show_or_hold(image, cut, variant, generation)


# ---------------------------------------------------------------- the steps they share


def _photo(image_id: int) -> Model | None:
    Image_ = host.image_model()
    return Image_.objects.select_related(bg_settings.PRODUCT_FIELD).filter(pk=image_id).first()


def _automatic(image_id: int) -> tuple[Model | None, PhotoState | None, Outcome | None]:
    """The photo and its state, or the reason an automatic job leaves it alone."""
    image = _photo(image_id)
    if image is None:
        return None, None, Outcome.skipped("The photo no longer exists.")
    if not host.product_is_published(host.image_product(image)):
        return image, None, Outcome.skipped("The product is not published.")
    state = state_of(image)
    if state.reverted:
        return image, state, Outcome.skipped("The owner reverted this photo to its original.")
    return image, state, None


def _count_start(image: Model, state: PhotoState) -> Outcome | None:
    """Count this start; a failed outcome once the photo is given up, else None (go on).

    A worker killed mid-job (out of memory, a crashing decoder) leaves django-q no result to
    count, and the broker hands the task out again after "retry" seconds, for ever: counting
    the starts here gives such a photo up, with the reason, after MAX_ATTEMPTS.
    """
    PhotoState.objects.filter(pk=state.pk).update(attempts=F("attempts") + 1)
    attempts = PhotoState.objects.values_list("attempts", flat=True).get(pk=state.pk)
    if attempts > bg_settings.MAX_ATTEMPTS:
        reason = (
            f"Given up after {attempts - 1} attempts: the worker stopped in the middle of this "
            "photo each time (out of memory or killed)."
        )
        log.error("image %s: %s", image.pk, reason)
        set_photo_state(image, status=JobStatus.FAILED, error=reason)
        return Outcome.failed(reason)
    set_photo_state(image, status=JobStatus.RUNNING, error="")
    return None


def failure_reason(exc: BaseException) -> str:
    """An unexpected failure in the seller's words (recorded on the photo and its job)."""
    return f"Processing failed unexpectedly ({type(exc).__name__}: {exc})."[:1000]


def attempt(image: Model, work: Callable[[], T]) -> T | Outcome:
    """``work()``, with its failure recorded on the photo for the seller (the one place).

    A vanished or unreadable original ends as a failed Outcome with its reason; anything else
    (a bug, SystemExit from django-q's task timeout) is recorded, then re-raised so the queue
    logs it and stops.
    """
    try:
        return work()
    except SourceUnavailable as exc:
        log.warning("image %s: %s", image.pk, exc)
        set_photo_state(image, status=JobStatus.FAILED, error=str(exc))
        return Outcome.failed(str(exc))
    except (Exception, SystemExit) as exc:
        set_photo_state(image, status=JobStatus.FAILED, error=failure_reason(exc))
        raise


def _cut(image: Model, state: PhotoState):
    """The photo's cut-out for its remembered prompt and box, and its RGBA if made just now."""
    return ensure_cutout_image(
        image, prompt=state.prompt, box=state.box, checksum=source_checksum(image)
    )


def _cut_render(
    image: Model,
    state: PhotoState,
    generation: int | None,
    show: Callable[[Model, Cutout, Variant, int | None], Outcome],
) -> Outcome:
    if generation is None:
        generation = state.generation
    if (given_up := _count_start(image, state)) is not None:
        return given_up

    def make() -> tuple[Cutout, Variant]:
        cut, rgba = _cut(image, state)
        # The first variant is rendered from the cut-out still in memory (rgba), not read back.
        return cut, ensure_variant(image, cut, theme_for(image), rgba=rgba)

    made = attempt(image, make)
    if isinstance(made, Outcome):
        return made
    return show(image, *made, generation)


# ---------------------------------------------------------------- shown or held


def is_doubtful(cut: Cutout) -> bool:
    """Whether a new automatic result waits for the seller instead of being shown: it scores
    under the hold threshold, and the store has never shown this cut-out (one the seller
    accepted or chose once is not asked about again, e.g. when the photo's theme changes)."""
    threshold = hold_threshold()
    if threshold is None or cut.confidence is None or cut.confidence >= threshold:
        return False
    return not Variant.objects.filter(cutout=cut, activated__isnull=False).exists()


def show_result(image: Model, cut: Cutout, variant: Variant, generation: int | None) -> Outcome:
    """Record the photo done and show ``variant``, unless the owner reverted it since
    ``generation`` (the owner's last request wins; None: no check)."""
    return _finish(image, cut, variant, generation, hold=False)


def show_or_hold(image: Model, cut: Cutout, variant: Variant, generation: int | None) -> Outcome:
    """:func:`show_result` for an automatic result: a doubtful one (:func:`is_doubtful`) is
    held for the seller instead, and the store goes on showing what it showed."""
    return _finish(image, cut, variant, generation, hold=is_doubtful(cut))


def _finish(
    image: Model, cut: Cutout, variant: Variant, generation: int | None, hold: bool
) -> Outcome:
    state = state_of(image)
    done = {"status": JobStatus.DONE, "error": "", "confidence": cut.confidence, "attempts": 0}
    with transaction.atomic():
        current = PhotoState.objects.select_for_update().get(pk=state.pk)
        if generation is not None and current.generation != generation:
            PhotoState.objects.filter(pk=state.pk).update(**done)
            return Outcome(OutcomeStatus.REVERTED, variant=variant)
        if hold:
            PhotoState.objects.filter(pk=state.pk).update(**done, held_variant=variant)
            keep_shown_on_theme(image, variant.theme)
            if current.held_variant_id != variant.pk:  # a re-delivered task tells no one twice
                events.photo_held_on_commit(image, variant, cut.confidence)
            log.info(
                "image %s: result %s held (confidence %.2f)", image.pk, variant.pk, cut.confidence
            )
            return Outcome(OutcomeStatus.HELD, variant=variant)
        PhotoState.objects.filter(pk=state.pk).update(**done)
        activate(variant, reason=events.SHOWN)  # ends any hold: this result replaces it
    return Outcome(OutcomeStatus.DONE, variant=variant)


def keep_shown_on_theme(image: Model, theme: BackgroundTheme | None) -> None:
    """A held photo keeps showing its previous result, on the photo's current theme: a job
    that ran because the theme changed must not leave it on the old one."""
    active = Variant.objects.filter(image=image, is_active=True).select_related("cutout").first()
    if theme is None or active is None or active.theme_id == theme.pk:
        return
    if active.cutout is None or not active.cutout.rgba:
        return  # nothing to render it from: it stays as it is
    activate(ensure_variant(image, active.cutout, theme), reason=events.SWITCHED)
