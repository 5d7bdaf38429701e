"""``queue.enqueue``: a task by its name, handed over only when the transaction commits."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_q.models import OrmQ

from konigle_bg import queue

pytestmark = pytest.mark.django_db


def test_unknown_task_name_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="Unknown task 'process_imgae'.*process_image"):
        queue.enqueue("process_imgae", 1)
    assert queue.task_path("run_job") == "konigle_bg.tasks.run_job"


def test_every_task_name_points_at_a_task_entry_point():
    from konigle_bg import tasks

    for name, path in queue.TASKS.items():
        assert path == f"konigle_bg.tasks.{name}" and callable(getattr(tasks, name))


def test_task_is_on_the_broker_only_after_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            queue.enqueue("run_job", 12345, 7)
            assert OrmQ.objects.count() == 0  # nothing visible before the commit
    assert len(callbacks) == 1
    (task,) = [q.task for q in OrmQ.objects.all()]
    assert task["func"] == "konigle_bg.tasks.run_job" and task["args"] == (12345, 7)
    assert task["group"] == "konigle_bg"


def test_sync_runs_the_task_inline_at_the_commit(settings, django_capture_on_commit_callbacks):
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "SYNC": True}
    with django_capture_on_commit_callbacks(execute=True):
        queue.enqueue("run_job", 999999)  # no such job: the task says so
    assert OrmQ.objects.count() == 0


def test_split_jobs_and_render_queue_follow_the_settings(settings):
    assert not queue.split_jobs()
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "QUEUE": "gpu", "RENDER_QUEUE": "cpu"}
    assert queue.split_jobs() and queue.render_queue() == "cpu"
