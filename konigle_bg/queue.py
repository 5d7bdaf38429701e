"""Enqueue a task by name, once the current transaction commits.

The services call this module to hand work to the django-q2 cluster; it knows the settings and
django-q only, never the services or the tasks (it names them as strings), so the way from a
view to a worker goes one way: views -> services -> queue, and tasks -> services.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.module_loading import import_string

from .conf import bg_settings

# The task entry points in konigle_bg.tasks, by the short name callers use. The full dotted
# paths are what django-q stores with a queued task: they stay stable for tasks already queued.
TASKS = {
    "process_image": "konigle_bg.tasks.process_image",
    "render_image": "konigle_bg.tasks.render_image",
    "run_job": "konigle_bg.tasks.run_job",
    "run_corrections": "konigle_bg.tasks.run_corrections",
    "theme_run_batch": "konigle_bg.tasks.theme_run_batch",
}
GROUP = "konigle_bg"


def task_path(name: str) -> str:
    """The dotted path of task ``name``; ValueError names the known tasks for a typo."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"Unknown task {name!r}: use one of {', '.join(TASKS)}.") from None


def enqueue(name: str, *args, queue: str | None = None, **kwargs) -> None:
    """Queue task ``name`` with ``args``/``kwargs`` once the current transaction commits.

    ``queue`` is the django-q2 cluster that runs it: default ``QUEUE``, else the site's default
    one. With ``SYNC`` on, the task runs inline at the commit (tests, the simplest demo).
    """
    func = task_path(name)
    if bg_settings.SYNC:
        transaction.on_commit(lambda: import_string(func)(*args, **kwargs))
        return
    from django_q.tasks import async_task

    opts = {"group": GROUP}
    if queue or bg_settings.QUEUE:
        opts["cluster"] = queue or bg_settings.QUEUE
    transaction.on_commit(lambda: async_task(func, *args, **kwargs, q_options=opts))


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
