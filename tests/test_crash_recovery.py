"""Crashes with real ``manage.py qcluster`` processes on a file database (ORM broker).

* a worker killed (SIGKILL, its whole process group) in the middle of a cut-out: after a
  restart the job comes back after Q_CLUSTER "retry" and completes exactly once;
* a task that always raises, one that hangs past the timeout, and bad files written straight
  to storage: each ends failed with its reason, is attempted a bounded number of times, and
  the worker goes on to process the next good photo.

Faults come from tests.faults (test-only segmenters loaded through DJANGO_EXTRA_APPS); the
real pipeline, queue and database run around them.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.procs import cluster, manage, shell, site_env, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SETUP = """
import json
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from products.models import Store, Product, ProductImage
from tests.conftest import photo_bytes
from tests import badfiles
u = get_user_model().objects.create_user("owner", password="pw")
s = Store.objects.create(name="S", slug="s", owner=u)
p = Product.objects.create(store=s, title="Red Rubber Ball")
ids = {}
for i, (name, width) in enumerate(WIDTHS):
    img = ProductImage(product=p, position=i)
    img.image.save(f"{name}.jpg", ContentFile(photo_bytes(size=(width, 240), seed=i)), save=True)
    ids[name] = img.pk
for j, name in enumerate(BAD):
    case = next(c for c in badfiles.CASES if c.name == name)
    # Straight to storage: what a restore script or a bucket sync does, past the validators.
    stored = default_storage.save(f"raw/{j}-{case.filename}", ContentFile(case.make()))
    ids[name] = ProductImage.objects.create(product=p, position=100 + j, image=stored).pk
print(json.dumps({"product": p.pk, "images": ids}))
"""

PUBLISH = "from products.models import Product; Product.objects.get(pk={pk}).publish()"


def setup_site(env, widths, bad=()) -> dict:
    code = f"WIDTHS = {list(widths)!r}\nBAD = {list(bad)!r}\n" + SETUP
    return json.loads(shell(env, code).strip().splitlines()[-1])


class DB:
    """Read-only peeks at the site's SQLite file (cheaper than a manage.py shell each time)."""

    def __init__(self, path: Path):
        self.path = path

    def rows(self, sql: str, *args) -> list[tuple]:
        con = sqlite3.connect(self.path, timeout=30)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def state(self, image_id: int) -> tuple[str, str] | None:
        got = self.rows(
            "select status, error from konigle_bg_photostate where image_id = ?", image_id
        )
        return got[0] if got else None

    def count(self, table: str, **where) -> int:
        sql = f"select count(*) from {table}"
        if where:
            sql += " where " + " and ".join(f"{k} = ?" for k in where)
        return self.rows(sql, *where.values())[0][0]


def media_checksums(media: Path, names: list[str]) -> dict[str, str]:
    return {n: hashlib.sha256((media / n).read_bytes()).hexdigest() for n in names}


def originals(db: DB) -> list[str]:
    return [r[0] for r in db.rows("select image from products_productimage")]


# Short job limits: the killed job comes back after RETRY seconds (a task here takes about one).
TIMEOUT, RETRY = 8, 10


def test_worker_killed_mid_cutout_completes_exactly_once(tmp_path: Path):
    gate = tmp_path / "gate"
    gate.touch()
    env = site_env(
        tmp_path,
        DJANGO_EXTRA_APPS="tests.faults",
        KONIGLE_BG_SEGMENTER="test-gated",
        KONIGLE_BG_SEGMENTER_OPTIONS=json.dumps({"dir": str(tmp_path), "sleep": 300}),
        Q_WORKERS="1",
        Q_TIMEOUT=str(TIMEOUT),
        Q_RETRY=str(RETRY),
    )
    manage(env, "migrate", "--noinput", "-v0")
    site = setup_site(env, [("photo", 320)])
    image = site["images"]["photo"]
    db = DB(tmp_path / "db.sqlite3")
    media = tmp_path / "media"
    before = media_checksums(media, originals(db))

    with cluster(env, tmp_path / "worker1.log") as proc:
        shell(env, PUBLISH.format(pk=site["product"]))
        wait_for(lambda: list(tmp_path.glob("started-*")), 90, what="the cut-out to start")
        assert db.state(image)[0] == "running"
        killed_at = time.monotonic()
        os.killpg(proc.pid, signal.SIGKILL)  # the cluster and every worker it forked
        proc.wait(10)
    time.sleep(0.5)
    assert db.state(image)[0] == "running"  # the kill left it mid-way ...
    assert db.count("konigle_bg_variant", image_id=image) == 0  # ... with nothing shown
    assert db.count("django_q_ormq") == 1  # the task is still on the queue, locked

    gate.unlink()
    with cluster(env, tmp_path / "worker2.log") as proc:
        wait_for(
            lambda: db.state(image)[0] in ("done", "failed"),
            timeout=RETRY + 120,
            interval=1,
            what="the retried job to finish",
        )
        waited = time.monotonic() - killed_at
        assert proc.poll() is None
        time.sleep(1)  # let the monitor save the result
    assert db.state(image) == ("done", "")
    assert waited >= RETRY - 2, "redelivered before Q_CLUSTER retry"
    # Exactly once: one cut-out, one variant, shown; one task result, one recorded attempt.
    assert db.count("konigle_bg_cutout", image_id=image, status="done") == 1
    assert db.count("konigle_bg_variant", image_id=image) == 1
    assert db.count("konigle_bg_variant", image_id=image, is_active=1, status="done") == 1
    tasks = db.rows("select success, attempt_count from django_q_task")
    assert tasks == [(1, 1)]
    assert db.count("django_q_ormq") == 0
    log2 = (tmp_path / "worker2.log").read_text()
    assert log2.count("cut out in") == 1, log2[-3000:]
    # Nothing half-written: no temporary file anywhere, every file a row points to is whole.
    assert not list(media.rglob("*.tmp-*"))
    from konigle_bg.imaging.io import probe

    (variant,) = db.rows("select file from konigle_bg_variant where image_id = ?", image)
    (rgba, mask) = db.rows("select rgba, mask from konigle_bg_cutout where image_id = ?", image)[0]
    for name in (variant[0], rgba, mask):
        probe((media / name).read_bytes())
    assert media_checksums(media, originals(db)) == before


BAD_FILES = ["truncated JPEG", "HTML named .jpg", "PNG bomb 30000x30000", "empty file"]


def test_failing_and_hanging_tasks_stop_with_a_reason_and_the_worker_goes_on(tmp_path: Path):
    timeout, retry = 6, 7
    env = site_env(
        tmp_path,
        DJANGO_EXTRA_APPS="tests.faults",
        KONIGLE_BG_SEGMENTER="test-faulty",
        KONIGLE_BG_SEGMENTER_OPTIONS=json.dumps(
            {
                "dir": str(tmp_path),
                "fail_width": 333,
                "hang_width": 334,
                "die_width": 335,
                "sleep": 120,
            }
        ),
        Q_WORKERS="1",
        Q_TIMEOUT=str(timeout),
        Q_RETRY=str(retry),
    )
    manage(env, "migrate", "--noinput", "-v0")
    widths = [("raises", 333), ("hangs", 334), ("dies", 335), ("good", 320)]
    site = setup_site(env, widths, BAD_FILES)
    ids = site["images"]
    db = DB(tmp_path / "db.sqlite3")
    media = tmp_path / "media"
    before = media_checksums(media, originals(db))

    with cluster(env, tmp_path / "worker.log") as proc:
        shell(env, PUBLISH.format(pk=site["product"]))
        wait_for(
            lambda: all((db.state(i) or ("",))[0] in ("done", "failed") for i in ids.values()),
            timeout=180,
            interval=1,
            what="every photo to finish",
        )
        # Past "retry": a task that was not acknowledged would come back now.
        time.sleep(retry + 3)
        assert proc.poll() is None, "the cluster died"
    log = (tmp_path / "worker.log").read_text()

    states = {name: db.state(i) for name, i in ids.items()}
    assert states["good"] == ("done", ""), log[-3000:]
    assert db.count("konigle_bg_variant", image_id=ids["good"], is_active=1) == 1
    status, error = states["raises"]
    assert status == "failed" and "injected fault: this segmenter always fails" in error
    status, error = states["hangs"]
    assert status == "failed" and "Timeout" in error, error
    # Killed its worker at every start: django-q counts nothing then (no result comes back),
    # the broker re-delivers after "retry"; the photo's own count stops it after 3 starts.
    status, error = states["dies"]
    assert status == "failed" and "Given up after 3 attempts" in error, error
    assert log.count("reincarnated worker") >= 3
    from konigle_bg.imaging.io import ImageRejected, probe
    from tests.badfiles import CASES

    for name in BAD_FILES:
        case = next(c for c in CASES if c.name == name)
        with pytest.raises(ImageRejected) as exc:
            probe(case.make())
        assert states[name] == ("failed", str(exc.value)), name

    # Bounded: each task ran once (failures are acknowledged, max_attempts=3 caps re-deliveries
    # of tasks whose worker died), its reason is on the task row too, and the queue is empty.
    tasks = db.rows("select args, success, attempt_count, result from django_q_task")
    assert len(tasks) == len(ids)
    assert all(attempts <= 3 for _, _, attempts, _ in tasks)
    failed = [t for t in tasks if not t[1]]
    assert len(failed) == 2  # the raising and the hanging task; bad files fail *gracefully*
    results = json.loads(
        shell(
            env,
            "import json; from django_q.models import Task; "
            "print(json.dumps([str(t.result) for t in Task.objects.filter(success=False)]))",
        )
        .strip()
        .splitlines()[-1]
    )
    assert any("injected fault" in r for r in results), results
    assert any("timeout" in r for r in results), results
    assert log.count("injected fault: this segmenter always fails") <= 3
    assert db.count("django_q_ormq") == 0
    assert not list(media.rglob("*.tmp-*"))
    assert media_checksums(media, originals(db)) == before
