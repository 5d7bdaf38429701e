"""How many worker processes a host runs, and how many threads each may use.

A photo job is CPU-bound (onnxruntime, OpenCV, numpy). Every one of those libraries sizes its own
thread pool to the whole machine by default, so two worker processes on two cores would each run
two or more threads per library and fight for the cores. The rule here: ``workers`` processes
(default: one per core) and ``threads = max(1, cores // workers)`` threads per process, applied
once per process before the first model is loaded.

Imported by ``config/settings.py`` (for the default worker count), so it must not touch Django's
settings at import time.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger("konigle_bg")

# Libraries that read their thread count from the environment when they start their pool.
THREAD_ENV = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)

_configured: dict[int, int] = {}  # pid -> threads: once per process, forked children redo it


def cpu_count() -> int:
    """Cores this process may run on (honours CPU affinity and cgroup-pinned containers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_workers(cpus: int | None = None) -> int:
    """Worker processes per host: one per core (a photo job keeps one core busy)."""
    return max(1, cpus or cpu_count())


def threads_per_worker(workers: int, cpus: int | None = None, threads: int | None = None) -> int:
    """Explicit ``threads`` wins; else the cores shared out so workers never oversubscribe."""
    if threads:
        return max(1, int(threads))
    return max(1, (cpus or cpu_count()) // max(1, int(workers)))


def cluster_workers() -> int:
    """The ``workers`` of this process's django-q2 cluster (``Q_CLUSTER``), else the default."""
    from django.conf import settings

    value = (getattr(settings, "Q_CLUSTER", None) or {}).get("workers")
    return int(value) if value else default_workers()


def configure(threads: int | None = None) -> int:
    """Size this process's thread pools once; return the thread count for the segmenter.

    Called from ``services.segmenter()``, i.e. in each worker process before its model loads.
    onnxruntime and torch take the count as a session/global option (passed by the caller);
    OpenCV is set here; OpenMP/BLAS pools read the environment when they first start.
    """
    pid = os.getpid()
    if pid in _configured:
        return _configured[pid]
    if threads is None:
        from .conf import bg_settings

        threads = bg_settings.THREADS
    n = threads_per_worker(cluster_workers(), threads=threads)
    for var in THREAD_ENV:
        os.environ.setdefault(var, str(n))
    try:
        import cv2

        cv2.setNumThreads(n)
    except ImportError:  # pragma: no cover - opencv is a dependency
        pass
    import sys

    if "torch" in sys.modules:  # never import torch just for this (u2netp workers skip it)
        sys.modules["torch"].set_num_threads(n)
    _configured[pid] = n
    log.info(
        "worker pid %d on %s: %d thread(s) per process (%d cores, %d workers)",
        pid,
        socket.gethostname(),
        n,
        cpu_count(),
        cluster_workers(),
    )
    return n
