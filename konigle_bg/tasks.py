"""django-q2 entry points: they take primary keys and call services; nothing else.

What they return is kept by django-q as the task's result: small and JSON-friendly (a photo
job's ``services.Outcome.as_result()``, e.g. ``{"status": "held", "variant": 12}``).

Their dotted paths (``konigle_bg.tasks.<name>``, see ``queue.TASKS``) are what django-q stores
with a queued task, so they keep their names across releases.
"""

from __future__ import annotations

import logging

from . import services

log = logging.getLogger("konigle_bg")


def process_image(
    image_id: int,
    prompt: str | None = None,
    box: list[int] | None = None,
    generation: int | None = None,
) -> dict:
    """Process one queued photo (``services.queue_photo``)."""
    outcome = services.process_queued_photo(image_id, prompt=prompt, box=box, generation=generation)
    log.info("image %s: %s %s", image_id, outcome.status, outcome.reason)
    return outcome.as_result()


def render_image(image_id: int, cutout_id: int, generation: int | None = None) -> dict:
    """Second half of a split job: composite a finished cut-out (a CPU worker's task)."""
    outcome = services.render_and_show(image_id, cutout_id, generation=generation)
    log.info("image %s: rendered %s %s", image_id, outcome.status, outcome.reason)
    return outcome.as_result()


def run_job(job_id: int, generation: int | None = None) -> str:
    """A seller's re-prompt/reprocess request (``konigle_bg.models.Job``)."""
    job = services.run_seller_job(job_id, generation)
    return job.status if job else "missing"


def run_corrections(job_id: int, generation: int | None = None) -> str:
    """A seller's clicks and strokes applied: corrected cut-out, variant, shown."""
    job = services.run_corrections(job_id, generation)
    return job.status if job else "missing"


def theme_run_batch(run_id: int, image_ids: list[int]) -> dict:
    """Some photos of a store-wide theme switch (see services.start_theme_run)."""
    counts = services.run_theme_batch(run_id, list(image_ids))
    log.info("theme run %s: batch of %s: %s", run_id, len(image_ids), counts)
    return counts


def sweep() -> dict:
    """The periodic sweep (a django-q2 schedule made by migrate): photos and jobs pending too
    long go to the queue again (services.queueing.sweep)."""
    from .services.queueing import sweep as sweep_queue

    report = sweep_queue()
    return {"photos": report.photos, "jobs": report.jobs}
