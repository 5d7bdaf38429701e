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
    outcome = services.process_image(image_id, prompt=prompt, box=box, generation=generation)
    log.info("image %s: %s %s", image_id, outcome.status, outcome.error)
    return outcome.status


def run_job(job_id: int) -> str:
    """A seller's re-prompt/reprocess request (``konigle_bg.models.Job``)."""
    job = services.run_job(job_id)
    return job.status if job else "missing"


def enqueue(func: str, *args, group: str = "konigle_bg", **kwargs) -> None:
    """Queue ``func`` once the current transaction commits (inline when SYNC is on)."""
    if bg_settings.SYNC:
        from django.utils.module_loading import import_string

        transaction.on_commit(lambda: import_string(func)(*args, **kwargs))
        return
    from django_q.tasks import async_task

    opts = {"group": group}
    if bg_settings.QUEUE:
        opts["cluster"] = bg_settings.QUEUE
    transaction.on_commit(lambda: async_task(func, *args, **kwargs, q_options=opts))


def enqueue_image(image_id: int, prompt: str | None = None, box: list[int] | None = None) -> None:
    kwargs = {}
    if prompt is not None or box is not None:
        kwargs = {"prompt": prompt, "box": box}
    # The generation at request time: a revert before the job runs keeps the original shown.
    kwargs["generation"] = services.mark_queued(image_id)
    enqueue("konigle_bg.tasks.process_image", image_id, **kwargs)
