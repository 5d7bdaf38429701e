"""Worker and thread sizing, and the environment switches of config/settings.py (no servers)."""

from __future__ import annotations

import logging
import os
import runpy
from pathlib import Path

import pytest

from konigle_bg import workers

SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings.py"
SWITCHES = (
    "DATABASE_URL",
    "REDIS_URL",
    "Q_NAME",
    "Q_CLUSTER_NAME",
    "Q_WORKERS",
    "Q_TIMEOUT",
    "Q_RETRY",
    "KONIGLE_BG_STORAGE",
    "KONIGLE_BG_QUEUE",
    "KONIGLE_BG_RENDER_QUEUE",
    "KONIGLE_BG_THREADS",
    "KONIGLE_BG_DEVICE",
)


@pytest.mark.parametrize(
    ("workers_", "cpus", "threads", "expected"),
    [(1, 2, None, 2), (2, 2, None, 1), (4, 2, None, 1), (2, 16, None, 8), (2, 16, 3, 3)],
)
def test_threads_share_the_cores_out(workers_, cpus, threads, expected):
    assert workers.threads_per_worker(workers_, cpus=cpus, threads=threads) == expected
    # Never more threads in all than cores, unless asked for explicitly.
    if threads is None:
        assert workers_ * expected <= max(cpus, workers_)


def test_default_workers_is_one_per_core():
    assert workers.default_workers(cpus=6) == 6
    assert workers.default_workers() == workers.cpu_count() >= 1


def test_configure_once_per_process(monkeypatch, settings):
    import cv2

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "workers": 2}
    monkeypatch.setattr(workers, "_configured", {})
    for var in workers.THREAD_ENV:
        monkeypatch.delenv(var, raising=False)
    before = cv2.getNumThreads()
    try:
        n = workers.configure(threads=None)
        assert n == max(1, workers.cpu_count() // 2)
        assert cv2.getNumThreads() == n
        assert os.environ["OMP_NUM_THREADS"] == str(n)
        assert workers.configure(threads=7) == n  # settled for this pid
    finally:
        cv2.setNumThreads(before)


def test_segmenter_session_built_once_per_process(caplog, settings):
    from konigle_bg import services
    from konigle_bg.imaging.segment import clear_sessions

    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "SEGMENTER": "u2netp", "DEVICE": "cpu"}
    clear_sessions()
    with caplog.at_level(logging.INFO, logger="konigle_bg"):
        first = services.segmenter()
        assert all(services.segmenter() is first for _ in range(5))
    created = [r for r in caplog.records if r.getMessage().startswith("segmenter session ")]
    assert len(created) == 1 and str(os.getpid()) in created[0].getMessage()
    # ...and the device it runs on is said once, too.
    assert any("CPUExecutionProvider" in r.getMessage() for r in caplog.records)


def _settings(monkeypatch, **env) -> dict:
    for var in SWITCHES:
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return runpy.run_path(str(SETTINGS))


def test_default_is_the_one_machine_demo(monkeypatch):
    s = _settings(monkeypatch)
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["Q_CLUSTER"]["orm"] == "default" and "redis" not in s["Q_CLUSTER"]
    assert "cluster_name" not in s["Q_CLUSTER"] and "STORAGES" not in s
    assert s["Q_CLUSTER"]["workers"] == workers.cpu_count()
    assert s["Q_CLUSTER"]["timeout"] < s["Q_CLUSTER"]["retry"]


def test_cluster_switches(monkeypatch):
    s = _settings(
        monkeypatch,
        DATABASE_URL="postgres://app:s%40cret@db.internal:6432/shop",
        REDIS_URL="redis://cache.internal:6379/2",
        Q_NAME="shop",
        Q_CLUSTER_NAME="gpu",
        Q_WORKERS="3",
        KONIGLE_BG_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="media",
        AWS_S3_ENDPOINT_URL="https://s3.example",
        KONIGLE_BG_QUEUE="gpu",
        KONIGLE_BG_RENDER_QUEUE="cpu",
        KONIGLE_BG_THREADS="2",
        KONIGLE_BG_DEVICE="cuda",
    )
    db = s["DATABASES"]["default"]
    assert (db["ENGINE"], db["HOST"], db["PORT"], db["NAME"], db["PASSWORD"]) == (
        "django.db.backends.postgresql",
        "db.internal",
        "6432",
        "shop",
        "s@cret",
    )
    q = s["Q_CLUSTER"]
    assert (q["name"], q["cluster_name"], q["workers"]) == ("shop", "gpu", 3)
    assert q["redis"] == "redis://cache.internal:6379/2" and "orm" not in q
    assert q["broker_class"] == "konigle_bg.broker.ReliableRedis"
    default = s["STORAGES"]["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default["OPTIONS"]["bucket_name"] == "media"
    assert default["OPTIONS"]["endpoint_url"] == "https://s3.example"
    bg = s["KONIGLE_BG"]
    assert (bg["QUEUE"], bg["RENDER_QUEUE"], bg["THREADS"], bg["DEVICE"]) == (
        "gpu",
        "cpu",
        2,
        "cuda",
    )
