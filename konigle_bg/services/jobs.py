"""The seller's requests on a photo: re-prompt and reprocess as Job rows, and accepting a
result that was held for them."""

from __future__ import annotations

import logging

from django.db.models import Model
from django.utils import timezone

from .. import events, host, queue
from ..conf import bg_settings
from ..errors import KonigleBgError, Sentence, gettext_noop
from ..imaging import pipeline
from ..imaging.segment import SegmenterUnavailable
from ..models import MADE_OUTCOMES, Job, JobStatus, OutcomeStatus, PhotoState, Variant
from .cutouts import segmenter_capabilities
from .files import SourceUnavailable, photo_size
from .photo_state import allow_processing, mark_queued
from .processing import failure_reason, process_again, reprompt_photo
from .themes import theme_for
from .variants import activate, ensure_variant

log = logging.getLogger("konigle_bg")


class InvalidRequest(KonigleBgError, ValueError):
    """A seller's request that cannot run as given; ``field`` names the input at fault."""

    def __init__(self, field: str | None, *sentences: Sentence, code: str = "invalid") -> None:
        super().__init__(code, *sentences, field=field)


class NothingHeld(KonigleBgError):
    """Accept asked for a photo with no result waiting for the seller (accepted already, or
    replaced, or never held): it conflicts with the photo's state, not with the request."""

    kind = "conflict"

    def __init__(self) -> None:
        super().__init__(
            "nothing_held", gettext_noop("This photo has no result waiting to be accepted.")
        )


MAX_PROMPT_LENGTH = 200
MIN_BOX_SIDE = 4  # pixels; a smaller box leaves the model nothing to see


def accepts_prompts() -> bool:
    """Whether the installed segmentation backend can take text prompts (u2netp cannot).

    Read from the registry's metadata (a backend whose weights are missing takes none): the
    review pages and the API ask it on every request, and must never load a model for it.
    """
    try:
        return segmenter_capabilities().accepts_prompts
    except SegmenterUnavailable:  # an unknown backend (system check konigle_bg.E005)
        log.warning("segmenter %r unavailable", bg_settings.SEGMENTER, exc_info=True)
        return False


def clamp_box(box, width: int, height: int) -> list[int]:
    """A seller's box ``[x0, y0, x1, y1]`` (photo pixels) clamped to the photo.

    The rule is :func:`imaging.pipeline.clamp_box` with MIN_BOX_SIDE; a box it refuses is an
    InvalidRequest on the "box" field.
    """
    try:
        return list(pipeline.clamp_box(box, width, height, min_side=MIN_BOX_SIDE))
    except ValueError as exc:
        raise InvalidRequest("box", str(exc)) from None


def _queue_job(job: Job) -> Job:
    # The generation at request time: a revert before the job runs keeps the original shown.
    queue.enqueue("run_job", job.pk, mark_queued(job.image_id))
    return job


def reprompt(image: Model, *, prompt: str | None = None, box=None, user=None) -> Job:
    """Queue a re-prompt of one photo: a few words and/or a box around the product.

    Raises InvalidRequest (naming the field at fault) before anything is queued.
    """
    prompt = (prompt or "").strip()
    if len(prompt) > MAX_PROMPT_LENGTH:
        raise InvalidRequest(
            "prompt",
            (gettext_noop("Keep the prompt under %(n)d characters."), {"n": MAX_PROMPT_LENGTH}),
        )
    if prompt and not accepts_prompts():
        raise InvalidRequest(
            "prompt",
            (
                gettext_noop(
                    "The installed segmentation backend (%(name)s) cannot take text prompts; "
                    "draw a box around the product instead."
                ),
                {"name": bg_settings.SEGMENTER},
            ),
        )
    if box:
        try:
            width, height = photo_size(image)
        except SourceUnavailable as exc:
            raise InvalidRequest(None, *exc.sentences, code=exc.code) from exc
        box = clamp_box(box, width, height)
    else:
        box = None
    if not prompt and box is None:
        raise InvalidRequest(
            None, gettext_noop("Give a prompt, a box around the product, or both.")
        )
    job = Job.objects.create(
        image=image, kind=Job.Kind.REPROMPT, prompt=prompt, box=box, requested_by=user
    )
    return _queue_job(job)


def reprocess_product(product: Model, *, user=None) -> list[Job]:
    """Process every photo of a product again (undoing a revert), with its remembered prompt."""
    jobs = []
    for image in host.product_images(product):
        allow_processing(image)
        job = Job.objects.create(image=image, kind=Job.Kind.REPROCESS, requested_by=user)
        jobs.append(_queue_job(job))
    return jobs


def run_seller_job(job_id: int, generation: int | None = None) -> Job | None:
    """Run a queued Job (the worker's side); it ends done or failed with the reason."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
        return job  # gone, or a retry of a job that already finished
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    try:
        if job.kind == Job.Kind.REPROMPT:
            outcome = reprompt_photo(
                job.image_id, prompt=job.prompt, box=job.box, generation=generation
            )
        else:
            outcome = process_again(job.image_id, generation=generation)
    except (Exception, SystemExit) as exc:  # SystemExit: django-q's task timeout
        # The processing already recorded the reason on the photo; the job gets it too.
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=failure_reason(exc), finished=timezone.now()
        )
        raise
    return finish_job(job, outcome.status, outcome.variant, outcome.reason)


def finish_job(job: Job, outcome: OutcomeStatus, variant: Variant | None, reason: str) -> Job:
    """Record what became of a seller's job: done with its outcome, or failed with why."""
    made = outcome in MADE_OUTCOMES  # shown, held or kept unshown: the job is done
    job.status = JobStatus.DONE if made else JobStatus.FAILED
    job.outcome = outcome if made else ""
    job.error = "" if made else reason
    job.variant = variant
    job.finished = timezone.now()
    job.save(update_fields=["status", "outcome", "error", "variant", "finished"])
    return job


def accept_held(image: Model) -> Variant:
    """Show the result held for the seller (one click on the review grid, the API, the admin).

    It is rendered on the photo's theme as it is now (a theme switch may have come since it
    was made); the shop hears ``photo_changed`` with reason "accepted". Raises NothingHeld
    when no result waits.
    """
    state = PhotoState.objects.filter(image=image).select_related("held_variant__cutout").first()
    held = state.held_variant if state else None
    if held is None:
        raise NothingHeld()
    theme = theme_for(image)
    if held.theme_id != theme.pk and held.cutout is not None and held.cutout.rgba:
        held = ensure_variant(image, held.cutout, theme)
    return activate(held, reason=events.ACCEPTED)


def latest_jobs(images) -> dict:
    """The newest Job of each photo in ``images`` (one query), keyed by image id."""
    latest: dict = {}
    for job in Job.objects.filter(image__in=images).order_by("image_id", "-created", "-pk"):
        latest.setdefault(job.image_id, job)
    return latest
