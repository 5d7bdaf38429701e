"""Handing photos to the workers: mark each one queued, then enqueue its task; and the sweep
that hands the queue what it missed (tasks that waited for a broken broker, lost tasks)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from .. import queue
from ..conf import bg_settings
from ..models import Job, JobStatus, PhotoState
from .photo_state import mark_queued

log = logging.getLogger("konigle_bg")

# What a seller's job runs, by its kind (services.jobs and services.corrections queue them).
JOB_TASKS = {
    Job.Kind.REPROMPT: "run_job",
    Job.Kind.REPROCESS: "run_job",
    Job.Kind.CORRECT: "run_corrections",
}


def queue_photo(image_id: int, prompt: str | None = None, box: list[int] | None = None) -> None:
    """Queue the processing of one photo (after the commit); ``prompt``/``box`` re-prompt it."""
    kwargs = {}
    if prompt is not None or box is not None:
        kwargs = {"prompt": prompt, "box": box}
    # The generation at request time: a revert before the job runs keeps the original shown.
    kwargs["generation"] = mark_queued(image_id)
    queue.enqueue("process_image", image_id, **kwargs)


@dataclass
class SweepReport:
    """What a sweep (or ``bg_retry``) handed to the queue."""

    sent: int = 0  # tasks that had waited for the broker
    still_waiting: int = 0  # the broker still refuses them
    photos: int = 0  # photos pending too long, queued again
    jobs: int = 0  # sellers' jobs pending too long, queued again
    error: str | None = None  # the broker's last error, when it still fails


def requeue_stale(minutes: float | None = None) -> tuple[int, int]:
    """Queue again the photos and sellers' jobs pending for more than ``minutes`` (default
    ``STALE_PENDING_MINUTES``): their task was lost (a broker restarted empty, a process
    killed between the commit and the hand-over). Jobs are idempotent, so a task that was only
    slow costs a no-op. Returns (photos, jobs)."""
    minutes = bg_settings.STALE_PENDING_MINUTES if minutes is None else minutes
    before = timezone.now() - timedelta(minutes=minutes)
    jobs = list(Job.objects.filter(status=JobStatus.PENDING, created__lte=before).order_by("pk"))
    with_job = {job.image_id for job in jobs}
    for job in jobs:
        generation = PhotoState.objects.filter(image_id=job.image_id).values_list(
            "generation", flat=True
        )
        queue.enqueue(JOB_TASKS.get(job.kind, "run_job"), job.pk, next(iter(generation), None))
    photos = (
        PhotoState.objects.filter(status=JobStatus.PENDING, updated__lte=before)
        .exclude(image_id__in=with_job)
        .values_list("image_id", flat=True)
    )
    photos = list(photos)
    for image_id in photos:
        queue_photo(image_id)
    if photos or jobs:
        log.warning(
            "konigle_bg: %d photo(s) and %d job(s) pending for over %s minutes queued again",
            len(photos),
            len(jobs),
            minutes,
        )
    return len(photos), len(jobs)


def sweep(minutes: float | None = None, send_waiting: bool = False) -> SweepReport:
    """The worker's periodic sweep (``tasks.sweep``) and ``manage.py bg_retry``: queue again
    what has been pending too long; with ``send_waiting`` first hand the broker every task that
    waited for it (the scheduler of a running qcluster does that by itself)."""
    report = SweepReport()
    if send_waiting:
        report.sent, report.still_waiting = queue.send_waiting()
        if report.still_waiting:
            report.error = queue.last_error()
            return report
    report.photos, report.jobs = requeue_stale(minutes)
    report.error = queue.last_error()
    return report
