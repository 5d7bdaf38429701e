"""django-q2 entry points: they take primary keys and call services; nothing else."""

from __future__ import annotations

import logging

from django.db import transaction

from . import services
from .conf import bg_settings

log = logging.getLogger("konigle_bg")


def process_image(
    image_id: int,
    prompt: str | None = None,
    box: list[int] | None = None,
    generation: int | None = None,
) -> str:
    if split_jobs():
        # GPU routing: this task (on QUEUE) only cuts out; compositing goes to RENDER_QUEUE.
        outcome = services.process_image(
            image_id, prompt=prompt, box=box, generation=generation, render=False
        )
        log.info("image %s: %s %s", image_id, outcome.status, outcome.error)
        if outcome.status == "cut":
            enqueue(
                "konigle_bg.tasks.render_image",
                image_id,
                outcome.cutout.pk,
                generation=generation,
                queue=render_queue(),
            )
        return outcome.status
    outcome = services.process_image(image_id, prompt=prompt, box=box, generation=generation)
    log.info("image %s: %s %s", image_id, outcome.status, outcome.error)
    return outcome.status


def render_image(image_id: int, cutout_id: int, generation: int | None = None) -> str:
    """Second half of a split job: composite a finished cut-out (a CPU worker's task)."""
    outcome = services.render_image(image_id, cutout_id, generation=generation)
    log.info("image %s: rendered %s %s", image_id, outcome.status, outcome.error)
    return outcome.status


def split_jobs() -> bool:
    """Segmentation and compositing run as two tasks when either has its own queue."""
    return bool(bg_settings.QUEUE or bg_settings.RENDER_QUEUE)


def render_queue() -> str:
    """RENDER_QUEUE, else the site's default queue, named explicitly: left unnamed, a task
    enqueued by a worker goes to the queue that worker serves (the GPU one)."""
    if bg_settings.RENDER_QUEUE:
        return bg_settings.RENDER_QUEUE
    from django_q.conf import Conf

    return Conf.PREFIX


def run_job(job_id: int, generation: int | None = None) -> str:
    """A seller's re-prompt/reprocess request (``konigle_bg.models.Job``)."""
    job = services.run_job(job_id, generation)
    return job.status if job else "missing"


def run_corrections(job_id: int, generation: int | None = None) -> str:
    """A seller's clicks and strokes applied: corrected cut-out, variant, shown."""
    job = services.run_corrections(job_id, generation)
    return job.status if job else "missing"


def enqueue(
    func: str, *args, group: str = "konigle_bg", queue: str | None = None, **kwargs
) -> None:
    """Queue ``func`` once the current transaction commits (inline when SYNC is on).

    ``queue`` is the django-q2 cluster that runs it; default ``QUEUE``, else the default one.
    """
    if bg_settings.SYNC:
        from django.utils.module_loading import import_string

        transaction.on_commit(lambda: import_string(func)(*args, **kwargs))
        return
    from django_q.tasks import async_task

    opts = {"group": group}
    if queue or bg_settings.QUEUE:
        opts["cluster"] = queue or bg_settings.QUEUE
    transaction.on_commit(lambda: async_task(func, *args, **kwargs, q_options=opts))


def enqueue_image(image_id: int, prompt: str | None = None, box: list[int] | None = None) -> None:
    kwargs = {}
    if prompt is not None or box is not None:
        kwargs = {"prompt": prompt, "box": box}
    # The generation at request time: a revert before the job runs keeps the original shown.
    kwargs["generation"] = services.mark_queued(image_id)
    enqueue("konigle_bg.tasks.process_image", image_id, **kwargs)


# ---- theme runs


def theme_run_batch(run_id: int, image_ids: list[int]) -> dict:
    """Some photos of a store-wide theme switch (see services.start_theme_run)."""
    counts = services.run_theme_batch(run_id, list(image_ids))
    log.info("theme run %s: batch of %s: %s", run_id, len(image_ids), counts)
    return counts
