"""GPU routing: segmentation on the QUEUE cluster ("gpu"), compositing on CPU workers.

No GPU here: two CPU clusters, named apart, stand in; what is asserted is which cluster ran which
task (django-q2 records the executing cluster on each task row) and that the render workers never
load a model.
"""

from __future__ import annotations

import pytest

from tests.cluster.conftest import (
    cutouts_logged,
    make_photos,
    progress,
    publish,
    sessions_logged,
    task_rows,
)
from tests.procs import cluster, wait_for

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

N = 6


@pytest.mark.parametrize("render_queue", ["cpu", None], ids=["render-queue", "default-queue"])
def test_segmentation_on_gpu_queue_compositing_on_cpu_workers(site, render_queue):
    gpu = site.queue("gpu")
    # RENDER_QUEUE unset: compositing goes to the site's default queue (Q_NAME), which a
    # worker started without Q_CLUSTER_NAME serves.
    cpu = site.queue(render_queue) if render_queue else site.q_name
    routing = {"KONIGLE_BG_QUEUE": gpu}
    if render_queue:
        routing["KONIGLE_BG_RENDER_QUEUE"] = cpu
    web = site.env("web", **routing)
    gpu_env = site.env("gpu-host", Q_CLUSTER_NAME=gpu, **routing)
    cpu_env = site.env("cpu-host", **routing)
    if render_queue:
        cpu_env["Q_CLUSTER_NAME"] = cpu
    product = make_photos(web, N)
    gpu_log, cpu_log = site.root / "gpu.log", site.root / "cpu.log"
    with cluster(gpu_env, gpu_log) as g, cluster(cpu_env, cpu_log) as c:
        publish(web, product)
        wait_for(
            lambda: progress(site)["active"] >= N, timeout=240, interval=1, what="photos shown"
        )
        assert g.poll() is None and c.poll() is None

    cuts = task_rows(site, "konigle_bg.tasks.process_image")
    renders = task_rows(site, "konigle_bg.tasks.render_image")
    assert len(cuts) == N and len(renders) == N
    assert {t["cluster"] for t in cuts} == {gpu}
    assert {t["cluster"] for t in renders} == {cpu}
    assert all(t["success"] for t in cuts + renders)
    # Every segmentation ran on the "gpu" worker; the render worker never loaded a model.
    assert len(cutouts_logged(gpu_log)) == N and cutouts_logged(cpu_log) == []
    assert len(sessions_logged(gpu_log)) == 1 and sessions_logged(cpu_log) == []
    assert progress(site)["variants"] == N
