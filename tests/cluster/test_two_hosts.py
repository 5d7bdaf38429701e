"""Two workers "on two hosts" (own environment and var folder each; shared PostgreSQL, Redis and
media folder) drain one queue: every photo exactly once, both busy, the model loaded once per
worker process; a worker killed mid-run leaves its jobs to the other."""

from __future__ import annotations

import re
import signal
import time
from collections import Counter

import pytest

from tests.cluster.conftest import (
    TASK_RETRY,
    cutouts_logged,
    make_photos,
    progress,
    publish,
    sessions_logged,
    task_rows,
)
from tests.procs import cluster, stop, wait_for

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

# Enough photos for both hosts to take a share and for a kill to land halfway; small ones
# (320x240): their size does not matter here.
N = 30
PROCESS = "konigle_bg.tasks.process_image"


def _all_done(site, n=N):
    p = progress(site)
    return p if p["active"] >= n and p["cutouts"] >= n else None


def _check_results(site, n=N):
    """Every photo: one finished cut-out, one variant, shown; files on the shared storage."""
    rows = site.sql(
        "SELECT image_id, count(*), min(duration_ms), bool_and(status = 'done') "
        "FROM konigle_bg_cutout GROUP BY image_id"
    )
    assert len(rows) == n
    assert all(count == 1 and ms is not None and done for _, count, ms, done in rows), rows
    variants = site.sql(
        "SELECT image_id, count(*), sum(CASE WHEN is_active THEN 1 ELSE 0 END), max(file) "
        "FROM konigle_bg_variant GROUP BY image_id"
    )
    assert len(variants) == n
    assert all(count == 1 and active == 1 for _, count, active, _ in variants), variants
    for *_, name in variants:
        assert (site.media / name).is_file(), name
    assert not list(site.media.rglob("*.tmp-*"))
    failures = site.sql("SELECT count(*) FROM django_q_task WHERE NOT success")[0][0]
    assert failures == 0


def test_two_hosts_drain_the_queue_exactly_once(site):
    env_a, env_b = site.env("host-a"), site.env("host-b")
    product = make_photos(env_a, N)
    log_a, log_b = site.root / "host-a" / "worker.log", site.root / "host-b" / "worker.log"
    started = time.monotonic()
    with cluster(env_a, log_a) as a, cluster(env_b, log_b) as b:
        publish(site.env("web"), product)
        wait_for(lambda: _all_done(site), timeout=240, interval=1, what=f"{N} photos processed")
        elapsed = time.monotonic() - started
        # The queue is empty and nothing is left un-acknowledged.
        r = site.redis()
        queue = f"django_q:{site.q_name}:q"
        wait_for(lambda: r.zcard(f"{queue}:inflight") == 0, 10, what="acks")
        assert r.llen(queue) == 0
        assert a.poll() is None and b.poll() is None, "a worker died"

    _check_results(site)
    tasks = task_rows(site, PROCESS)
    assert len(tasks) == N and len({t["id"] for t in tasks}) == N
    assert all(t["success"] and t["attempts"] == 1 for t in tasks)
    # No routing configured: one task per photo on the default queue, no separate render task.
    assert {t["cluster"] for t in tasks} == {site.q_name}
    assert task_rows(site, "konigle_bg.tasks.render_image") == []

    # Each segmentation is logged once by the process that ran it: N in all, one per photo,
    # and both hosts did a share of them.
    cuts_a, cuts_b = cutouts_logged(log_a), cutouts_logged(log_b)
    images = Counter(img for _, img in cuts_a + cuts_b)
    assert len(images) == N and set(images.values()) == {1}, images
    assert len(cuts_a) >= N // 10 and len(cuts_b) >= N // 10, (len(cuts_a), len(cuts_b))

    # The model is loaded once per worker process, never per task: one session line per log,
    # by the very process that then ran all of that host's cut-outs.
    for cuts, log in ((cuts_a, log_a), (cuts_b, log_b)):
        assert len(sessions_logged(log)) == 1, log.read_text()[-3000:]
        assert {pid for pid, _ in cuts} == set(sessions_logged(log))
    assert sessions_logged(log_a) != sessions_logged(log_b)
    print(f"\n{N} photos in {elapsed:.1f}s; host-a {len(cuts_a)}, host-b {len(cuts_b)}")


def _started(log) -> list[str]:
    """Task names a cluster's worker began (django-q2's "processing" line)."""
    return re.findall(r"processing (\S+) 'konigle_bg", log.read_text(errors="replace"))


def _finished(log) -> list[str]:
    return re.findall(r"Processed '[^']*' \((\S+)\)", log.read_text(errors="replace"))


def test_killed_worker_leaves_its_jobs_to_the_other(site):
    env_a, env_b = site.env("host-a"), site.env("host-b")
    product = make_photos(env_a, N)
    log_a, log_b = site.root / "host-a" / "worker.log", site.root / "host-b" / "worker.log"
    queue = f"django_q:{site.q_name}:q"
    r = site.redis()
    with cluster(env_a, log_a) as a, cluster(env_b, log_b) as b:
        publish(site.env("web"), product)
        # Halfway, while host-b is in the middle of a job: SIGKILL its whole process group
        # (sentinel, pusher, worker, monitor), as a lost host would.
        wait_for(
            lambda: progress(site)["active"] >= N // 2 and len(_started(log_b)) > 0,
            timeout=240,
            interval=0.3,
            what="half the photos done",
        )
        wait_for(
            lambda: len(set(_started(log_b)) - set(_finished(log_b))) > 0,
            timeout=30,
            interval=0.05,
            what="host-b busy with a job",
        )
        stop(b, sig=signal.SIGKILL)
        killed_at, killed_wall = time.monotonic(), time.time()
        held = r.zcard(f"{queue}:inflight")
        # Begun by host-b and not saved: its monitor saves, acks, then logs "Processed".
        saved = {t["name"] for t in task_rows(site, PROCESS)}
        orphans = set(_started(log_b)) - set(_finished(log_b)) - saved
        done_at_kill = progress(site)["active"]
        assert orphans and held >= len(orphans)
        assert done_at_kill < N

        wait_for(lambda: _all_done(site), timeout=240, interval=1, what="the rest by host-a")
        recovered = time.monotonic() - killed_at
        wait_for(lambda: r.zcard(f"{queue}:inflight") == 0, 10, what="acks")
        assert r.llen(queue) == 0
        assert a.poll() is None, "the surviving worker died"

    _check_results(site)
    # host-b's unfinished jobs came back after `retry` seconds and host-a ran them.
    tasks = {t["name"]: t for t in task_rows(site, PROCESS)}
    assert len(tasks) == N and all(t["success"] for t in tasks.values())
    assert orphans <= set(_started(log_a)), (orphans, _started(log_a))
    # ...not at once: only when their deadline passed (taken by host-b at most one job before
    # it began them, so about TASK_RETRY after the kill; the broker test pins this exactly).
    text = log_a.read_text(errors="replace")
    lt = time.localtime(killed_wall)
    kill_sod = lt.tm_hour * 3600 + lt.tm_min * 60 + lt.tm_sec
    delays = []
    for name in orphans:  # django-q2's own log lines: "HH:MM:SS [Q] INFO ... processing <name>"
        h, m, sec = re.search(rf"^(\d\d):(\d\d):(\d\d) .*processing {name} ", text, re.M).groups()
        delays.append((int(h) * 3600 + int(m) * 60 + int(sec) - kill_sod) % 86400)
    assert all(TASK_RETRY / 2 < d < TASK_RETRY + 90 for d in delays), delays
    # Each cut-out still finished exactly once: a re-delivered job finds the finished row (or
    # redoes the one the kill interrupted, which never finished).
    finished = Counter(img for _, img in cutouts_logged(log_a) + cutouts_logged(log_b))
    assert len(finished) == N and set(finished.values()) == {1}, finished
    print(
        f"\nkilled host-b at {done_at_kill}/{N} done, {held} task(s) in flight, "
        f"{len(orphans)} mid-run, re-run by host-a {delays} s after the kill; "
        f"all done {recovered:.1f}s later"
    )
