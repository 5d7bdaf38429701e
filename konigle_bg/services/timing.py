"""Timings of a theme-run batch (wall, CPU, database), for the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection


class DbTimer:
    """Time spent in database calls (lock waits included): a connection execute wrapper."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - t


@contextmanager
def timed(into: dict) -> Iterator[Callable[[], None]]:
    """Add ``wall_ms``, ``cpu_ms`` and ``db_ms`` of the block to ``into`` when it ends."""
    wall, cpu = time.perf_counter(), time.process_time()
    db = DbTimer()
    try:
        with connection.execute_wrapper(db):
            yield
    finally:
        into["wall_ms"] = round((time.perf_counter() - wall) * 1000, 1)
        into["cpu_ms"] = round((time.process_time() - cpu) * 1000, 1)
        into["db_ms"] = round(db.seconds * 1000, 1)
