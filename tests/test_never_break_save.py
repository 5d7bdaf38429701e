"""The shop's save never breaks and no photo is lost: a missing or stopped broker leaves the
photos waiting (one error logged), and they reach the queue when it works again: through a
running worker's scheduler, ``manage.py bg_retry``, or the periodic sweep."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from konigle_bg import queue
from konigle_bg.checks import check_broker
from konigle_bg.models import Job, JobStatus, PhotoState

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once it is closed


@pytest.fixture
def broker_down(monkeypatch):
    """django-q2 on Redis, which is not running."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", {"host": "127.0.0.1", "port": closed_port()})
    monkeypatch.setattr(queue, "_outage", {"error": None})
    return monkeypatch


def unreachable(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "unreachable (" in r.getMessage()]


def test_publishing_with_the_broker_down_saves_and_the_photos_wait(
    broker_down, make_product, caplog, django_capture_on_commit_callbacks
):
    products = [make_product(photos=2, title=f"Ball {i}") for i in range(2)]
    with caplog.at_level(logging.DEBUG, logger="konigle_bg"):
        with django_capture_on_commit_callbacks(execute=True):
            for product in products:
                product.publish()  # never raises into the shop's save
            products[0].save()  # saved again meanwhile: still one task per photo
    images = [i for p in products for i in p.images.all()]
    assert {s.status for s in PhotoState.objects.filter(image__in=images)} == {"pending"}
    assert queue.waiting().count() == 4 and not OrmQ.objects.exists()
    (message,) = unreachable(caplog)  # once, not once per photo or save
    assert "ConnectionError" in message and "bg_retry" in message

    with pytest.raises(CommandError, match="still refuses tasks .* 0 sent, 4 still waiting"):
        call_command("bg_retry")

    broker_down.undo()  # the broker is back
    call_command("bg_retry")
    assert queue.waiting().count() == 0
    queued = sorted(q.task["args"][0] for q in OrmQ.objects.all())
    assert queued == sorted(i.pk for i in images)


def test_a_running_workers_scheduler_hands_waiting_tasks_over(
    broker_down, make_product, django_capture_on_commit_callbacks
):
    from django_q.brokers import get_broker
    from django_q.scheduler import scheduler

    product = make_product()
    with django_capture_on_commit_callbacks(execute=True):
        product.publish()
    assert queue.waiting().count() == 1
    broker_down.undo()
    # What qcluster runs every 30 seconds (its connection clean-up would end the test's
    # transaction; the real worker does all of it in test_a_real_worker_processes_...).
    broker_down.setattr("django_q.scheduler.close_old_django_connections", lambda: None)
    scheduler(broker=get_broker())
    assert queue.waiting().count() == 0
    (task,) = [q.task for q in OrmQ.objects.all()]
    assert task["func"] == "konigle_bg.tasks.process_image"
    assert task["args"] == (product.images.get().pk,) and task["group"] == "konigle_bg"


def test_a_failing_hook_never_breaks_the_shops_transaction(settings, make_product, caplog):
    settings.KONIGLE_BG = {
        **settings.KONIGLE_BG,
        "PRODUCT_PUBLISHED_FUNCTION": "tests.test_never_break_save.broken_published",
    }
    product = make_product()
    with caplog.at_level(logging.ERROR, logger="konigle_bg"), transaction.atomic():
        product.title = "Renamed"
        product.save()  # the hook raises inside: its savepoint is rolled back, nothing else
        product.save()
        assert product.__class__.objects.get(pk=product.pk).title == "Renamed"
    assert len([r for r in caplog.records if "were not queued" in r.getMessage()]) == 1


def broken_published(product) -> bool:
    raise RuntimeError("the shop's own code failed")


def test_the_sweep_queues_again_what_has_been_pending_too_long(
    make_product, django_capture_on_commit_callbacks
):
    from konigle_bg.tasks import sweep

    stale, fresh, asked = (make_product(title=t).images.get() for t in ("a", "b", "c"))
    for image in (stale, fresh):
        PhotoState.objects.create(image=image, status=JobStatus.PENDING)
    job = Job.objects.create(image=asked, kind=Job.Kind.REPROMPT, prompt="ball")
    old = timezone.now() - timedelta(hours=2)
    PhotoState.objects.filter(image=stale).update(updated=old)
    Job.objects.filter(pk=job.pk).update(created=old)

    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == {"photos": 1, "jobs": 1}
    tasks = {(q.task["func"].rsplit(".", 1)[1], q.task["args"][0]) for q in OrmQ.objects.all()}
    assert tasks == {("process_image", stale.pk), ("run_job", job.pk)}


def test_migrate_makes_the_periodic_sweep_and_follows_its_setting(settings):
    sweep = Schedule.objects.get(name=queue.SWEEP)
    assert (sweep.func, sweep.minutes, sweep.repeats) == ("konigle_bg.tasks.sweep", 5, -1)
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "SWEEP_MINUTES": 15}
    queue.ensure_sweep_schedule()
    assert Schedule.objects.get(name=queue.SWEEP).minutes == 15
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "SWEEP_MINUTES": 0}
    queue.ensure_sweep_schedule()
    assert not Schedule.objects.filter(name=queue.SWEEP).exists()


def test_without_q_cluster_a_contrib_app_can_run_django_q_on_the_database(settings, monkeypatch):
    from django_q.brokers import get_broker
    from django_q.brokers.orm import ORM
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "conf", dict(Conf.conf))
    assert queue.use_fallback_broker() is None  # Q_CLUSTER is set: left alone
    del settings.Q_CLUSTER
    assert queue.use_fallback_broker() is None  # no fallback asked for
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "ORM_BROKER_FALLBACK": "default"}
    assert queue.use_fallback_broker() == "default"
    assert isinstance(get_broker(), ORM) and check_broker() == []


def test_broker_checks_say_what_is_wrong(settings, monkeypatch):
    import konigle_bg.checks as checks

    del settings.Q_CLUSTER
    monkeypatch.setattr(checks, "_importable", lambda name: name != "redis")
    (w,) = check_broker()
    assert w.id == "konigle_bg.W002"
    assert w.msg == (
        "Q_CLUSTER is not set: django-q2 then hands konigle_bg's jobs to Redis on "
        "localhost:6379, and the redis package is not installed."
    )
    assert "Q_CLUSTER = {'name': 'shop', 'orm': 'default'}" in w.hint
    settings.Q_CLUSTER = {"name": "shop", "redis": {"host": "r"}}
    assert [m.id for m in check_broker()] == ["konigle_bg.W003"]
    settings.Q_CLUSTER = {"name": "shop", "broker_class": "nowhere.Broker"}
    assert [m.id for m in check_broker()] == ["konigle_bg.W004"]
    settings.Q_CLUSTER = {"name": "shop", "orm": "elsewhere"}
    assert [m.id for m in check_broker()] == ["konigle_bg.W005"]
    settings.Q_CLUSTER = {"name": "shop", "broker_class": "konigle_bg.broker.ReliableRedis"}
    assert [m.id for m in check_broker()] == ["konigle_bg.W003"]  # Redis-based, no redis
    settings.Q_CLUSTER = {"name": "shop", "orm": "default"}
    assert check_broker() == []


SETUP = """
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django_q.conf import Conf
from products.models import Store, Product, ProductImage
from tests.conftest import photo_bytes
from konigle_bg import queue
Conf.ORM, Conf.REDIS = None, {"host": "127.0.0.1", "port": %d}  # this process: no broker
u = get_user_model().objects.create_user("owner", password="pw")
p = Product.objects.create(store=Store.objects.create(name="S", slug="s", owner=u), title="Ball")
ProductImage(product=p).image.save("p.jpg", ContentFile(photo_bytes()), save=True)
p.publish()
print(queue.waiting().count(), p.images.get().bg_state.status)
"""


@pytest.mark.slow
@pytest.mark.integration
def test_a_real_worker_processes_what_waited_for_the_broker(tmp_path: Path):
    from tests.procs import cluster, manage, shell, site_env, wait_for

    env = site_env(tmp_path)
    manage(env, "migrate", "--noinput", "-v0")
    assert shell(env, SETUP % closed_port()).strip().splitlines()[-1] == "1 pending"
    state = "from konigle_bg.models import PhotoState; print(PhotoState.objects.get().status)"
    with cluster(env, tmp_path / "worker.log"):
        wait_for(
            lambda: shell(env, state).strip().splitlines()[-1] == "done",
            timeout=150,
            interval=2,
            what="the waiting photo processed by the worker (its scheduler sends it)",
        )
    left = "from konigle_bg import queue; print(queue.waiting().count())"
    assert shell(env, left).strip().splitlines()[-1] == "0"
    assert connection.vendor  # the test database itself was never touched
