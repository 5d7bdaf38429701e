"""Enqueue a task by name, once the current transaction commits; never fail the caller.

The services call this module to hand work to the django-q2 cluster; it knows the settings and
django-q only, never the services or the tasks (it names them as strings), so the way from a
view to a worker goes one way: views -> services -> queue, and tasks -> services.

A broker that is missing or down (no redis package, Redis stopped, a bad ``Q_CLUSTER``) never
reaches the shop's request: the task is kept as *waiting*, a one-off django-q2 schedule in the
database, which every running ``qcluster`` hands to the broker within half a minute once it
works again (``manage.py bg_retry`` does it at once). The failure is logged once per outage
and process, not once per photo.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .conf import bg_settings

log = logging.getLogger("konigle_bg")

# The task entry points in konigle_bg.tasks, by the short name callers use. The full dotted
# paths are what django-q stores with a queued task: they stay stable for tasks already queued.
TASKS = {
    "process_image": "konigle_bg.tasks.process_image",
    "render_image": "konigle_bg.tasks.render_image",
    "run_job": "konigle_bg.tasks.run_job",
    "run_corrections": "konigle_bg.tasks.run_corrections",
    "theme_run_batch": "konigle_bg.tasks.theme_run_batch",
    "sweep": "konigle_bg.tasks.sweep",
}
GROUP = "konigle_bg"
# Names of the django-q2 schedules this module makes: tasks waiting for the broker, and the
# worker's periodic sweep (services.queueing.sweep).
WAITING = "konigle_bg waiting: "
SWEEP = "konigle_bg sweep"

# Per process: whether the last hand-over failed (the failure is logged when this flips).
_outage: dict[str, Any] = {"error": None}


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
    Never raises for a broken broker: the task waits (see the module's docstring).
    """
    func = task_path(name)
    if bg_settings.SYNC:
        transaction.on_commit(lambda: import_string(func)(*args, **kwargs))
        return
    cluster = queue or bg_settings.QUEUE or None
    transaction.on_commit(lambda: send(func, args, kwargs, cluster))


def send(func: str, args: tuple, kwargs: dict, cluster: str | None = None) -> bool:
    """Hand one task to the broker now; False when it could not (the task then waits)."""
    try:
        hand_over(func, args, kwargs, cluster)
    except Exception as exc:  # noqa: BLE001 - whatever the broker raises, the caller goes on
        broker_failed(exc)
        keep_waiting(func, args, kwargs, cluster)
        return False
    broker_worked()
    return True


def hand_over(func: str, args: tuple, kwargs: dict, cluster: str | None = None) -> None:
    """``async_task`` with konigle_bg's group (and cluster); raises what the broker raises."""
    from django_q.tasks import async_task

    opts = {"group": GROUP}
    if cluster:
        opts["cluster"] = cluster
    async_task(func, *args, **kwargs, q_options=opts)


def broker_failed(exc: BaseException) -> None:
    if _outage["error"] is None:
        log.error(
            "konigle_bg: the task queue is unreachable (%s: %s). Photos wait, recorded in the "
            "database, and go to the queue when it works again (a running qcluster sends them "
            "within a minute; or run `manage.py bg_retry`). Check Q_CLUSTER "
            "(`manage.py check` says what is wrong).",
            type(exc).__name__,
            exc,
        )
    else:
        log.debug("task queue still unreachable: %s", exc)
    _outage["error"] = f"{type(exc).__name__}: {exc}"


def broker_worked() -> None:
    if _outage["error"] is not None:
        log.warning("konigle_bg: the task queue works again.")
        _outage["error"] = None


def last_error() -> str | None:
    """This process's last hand-over failure, None once one worked again."""
    return _outage["error"]


def _schedules():
    from django_q.models import Schedule

    return Schedule


def keep_waiting(func: str, args: tuple, kwargs: dict, cluster: str | None = None) -> None:
    """Record a task the broker did not take as a one-off django-q2 schedule, due now: the
    scheduler of any running ``qcluster`` of ``cluster`` hands it over. The same task (same
    function and arguments) waits once; its keyword arguments are the latest asked."""
    try:
        Schedule = _schedules()
        task_kwargs = {**kwargs, "q_options": {"group": GROUP}}
        row, created = Schedule.objects.get_or_create(
            name=f"{WAITING}{func.rsplit('.', 1)[-1]}{tuple(args)!r}"[:100],
            func=func,
            args=repr(tuple(args)),
            defaults={
                "kwargs": repr(task_kwargs),
                "schedule_type": Schedule.ONCE,
                "repeats": -1,
                "next_run": timezone.now(),
                "cluster": cluster,
            },
        )
        if not created and row.kwargs != repr(task_kwargs):
            row.kwargs = repr(task_kwargs)
            row.save(update_fields=["kwargs"])
    except Exception:  # the database too: the sweep finds the photo pending later
        log.exception("konigle_bg: task %s%r could not be recorded as waiting", func, args)


def waiting():
    """The tasks waiting for the broker (django-q2 schedules), oldest first."""
    return _schedules().objects.filter(name__startswith=WAITING, repeats=-1).order_by("pk")


def send_waiting() -> tuple[int, int]:
    """Hand every waiting task to the broker now; returns (sent, still waiting).

    Stops at the first failure (the broker is still down: the rest would fail the same way).
    """
    import ast

    sent = 0
    rows = list(waiting())
    for row in rows:
        kwargs = ast.literal_eval(row.kwargs) if row.kwargs else {}
        kwargs.pop("q_options", None)
        try:
            hand_over(row.func, ast.literal_eval(row.args), kwargs, row.cluster)
        except Exception as exc:  # noqa: BLE001
            broker_failed(exc)
            return sent, len(rows) - sent
        broker_worked()
        row.delete()
        sent += 1
    return sent, 0


def ensure_sweep_schedule(using: str = "default") -> None:
    """The worker's periodic sweep as a django-q2 schedule (every ``SWEEP_MINUTES``; none
    for 0); made by ``migrate`` (post_migrate), like django.contrib.sites' first Site."""
    Schedule = _schedules()
    minutes = int(bg_settings.SWEEP_MINUTES or 0)
    rows = Schedule.objects.using(using).filter(name=SWEEP)
    if minutes <= 0:
        rows.delete()
        return
    if rows.filter(minutes=minutes, func=TASKS["sweep"]).exists():
        return
    rows.delete()
    Schedule.objects.using(using).create(
        name=SWEEP,
        func=TASKS["sweep"],
        schedule_type=Schedule.MINUTES,
        minutes=minutes,
        repeats=-1,
        next_run=timezone.now() + timedelta(minutes=minutes),
    )


def use_fallback_broker() -> str | None:
    """With no ``Q_CLUSTER`` in the settings at all and ``ORM_BROKER_FALLBACK`` set (contrib
    apps set it), run django-q2 on its ORM broker on that database instead of Redis on
    localhost. Called in every process (web and worker) when the app is ready; returns the
    alias used, or None."""
    from django.conf import settings

    alias = bg_settings.ORM_BROKER_FALLBACK
    if not alias or hasattr(settings, "Q_CLUSTER"):
        return None
    try:
        from django_q.conf import Conf
    except ImportError:  # django-q2 not installed: the checks say what to add
        return None
    # django-q2 read its settings when it was imported; its broker factory reads Conf.ORM.
    Conf.ORM = alias
    Conf.conf = {**Conf.conf, "orm": alias}
    return alias


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
