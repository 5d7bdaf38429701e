"""Speed of a store-wide theme switch through the real task path.

    python -m benchmarks.theme_switch [--images N] [--workers W] [--json FILE]

On a fresh file database and media folder (a temporary folder, like the integration tests):

1. N published products with one 1600 px photo each, rendered by ``products/demo_photos.py``
   (no network). ``--distinct`` different photos are cut out for real (timed: the "full
   cut-out" figure); the other products reuse those same photo files, so their cut-outs are
   byte-for-byte those ones and are copied instead of segmented again (set ``--distinct`` to
   N to segment every photo).
2. The re-composite of one photo from its cut-out is timed in this process with the same
   service the tasks call (``services.ensure_variant``: read the cached cut-out, render,
   encode, write), on the same photos as the cut-outs; those variants are deleted again.
3. A real ``manage.py qcluster`` (W workers, the ORM broker on the same SQLite file) is
   started and warmed up, then ``services.start_theme_run`` switches the whole store; the
   clock runs from the start call until the run completes. Per-photo worker time comes from
   django-q2's task rows (stopped - started, divided by the photos in the batch).

Targets (2-core machine): re-composite >= 8x faster than a cut-out; >= 400 photos/minute.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.store import build_store
from products.demo_photos import photo_set


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.theme_switch", description=__doc__)
    p.add_argument("--images", type=int, default=200, help="Photos in the store (default 200).")
    p.add_argument("--distinct", type=int, default=8, help="Photos really segmented (default 8).")
    p.add_argument("--size", type=int, default=1600, help="Longer side of the photos.")
    p.add_argument("--workers", type=int, default=2, help="qcluster worker processes.")
    p.add_argument("--batch", type=int, default=None, help="Photos per task (THEME_RUN_BATCH).")
    p.add_argument("--theme", default="studio", help="Preset to switch to (default studio).")
    p.add_argument("--json", metavar="FILE", help="Also write the figures as JSON here.")
    p.add_argument("--keep", metavar="DIR", help="Work in DIR and keep it (default: a temp dir).")
    p.add_argument("--timeout", type=float, default=1800, help="Seconds the switch may take.")
    args = p.parse_args(argv)
    if args.images < 1 or args.distinct < 1 or args.workers < 1:
        p.error("--images, --distinct and --workers must be at least 1")
    args.distinct = min(args.distinct, args.images)
    return args


def _setup_django(work: Path, workers: int) -> dict:
    from tests.procs import site_env

    env = site_env(work, Q_WORKERS=str(workers))
    os.environ.update(env)
    import django

    django.setup()
    return env


def _cutouts(images: list, distinct: int) -> list[float]:
    """Real cut-outs of the first ``distinct`` photos (timed), copies for the rest."""
    from django.core.files.storage import default_storage

    from konigle_bg import services
    from konigle_bg.models import Cutout

    services.segmenter()  # the model session loads once, outside the timings
    timings, made = [], []
    for image in images[:distinct]:
        t = time.perf_counter()
        made.append(services.ensure_cutout(image))
        timings.append((time.perf_counter() - t) * 1000)
        print(f"  cut-out {len(made)}/{distinct}: {timings[-1]:.0f} ms", file=sys.stderr)
    for i, image in enumerate(images[distinct:], start=distinct):
        src = made[i % distinct]
        folder = services.results_dir(image)
        names = {}
        for field in ("rgba", "mask", "packed"):
            name = (
                services.packed_name(src.rgba.name)
                if field == "packed"
                else getattr(src, field).name
            )
            with default_storage.open(name, "rb") as fh:
                names[field] = services.write_file(f"{folder}/cutouts/{Path(name).name}", fh.read())
        Cutout.objects.create(
            image=image,
            source_checksum=src.source_checksum,
            spec_hash=src.spec_hash,
            spec=src.spec,
            prompt=src.prompt,
            box=src.box,
            segmenter=src.segmenter,
            rgba=names["rgba"],
            mask=names["mask"],
            width=src.width,
            height=src.height,
            bbox=src.bbox,
            confidence=src.confidence,
            status=src.status,
            duration_ms=0,
        )
    return timings


def _recomposite(images: list, theme) -> list[float]:
    """ensure_variant timed on photos with a cut-out; the variants are removed afterwards."""
    from django.core.files.storage import default_storage

    from konigle_bg import services
    from konigle_bg.models import Cutout

    timings = []
    for image in images:
        cut = Cutout.objects.get(image=image)
        t = time.perf_counter()
        variant = services.ensure_variant(image, cut, theme)
        timings.append((time.perf_counter() - t) * 1000)
        default_storage.delete(variant.file.name)
        variant.delete()
    return timings


def warm_worker() -> int:
    """A task that keeps a worker busy a moment, so that each worker takes one and is up (its
    Django loaded) before the clock starts."""
    time.sleep(1.5)
    return os.getpid()


def _wait_ready(workers: int, timeout: float = 180) -> set[int]:
    """Until every worker has run a warm-up task; returns their pids."""
    from django_q.models import Success
    from django_q.tasks import async_task

    ids = [async_task("benchmarks.theme_switch.warm_worker") for _ in range(workers)]
    deadline = time.monotonic() + timeout
    while Success.objects.filter(id__in=ids).count() < len(ids):
        if time.monotonic() > deadline:
            raise SystemExit("the qcluster did not run the warm-up tasks in time; see its log")
        time.sleep(0.1)
    return set(Success.objects.filter(id__in=ids).values_list("result", flat=True))


def main(argv: list[str] | None = None) -> dict:
    args = _args(argv)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bg-theme-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = _setup_django(work, args.workers)
    from django.conf import settings
    from django.core.management import call_command

    from konigle_bg import services
    from konigle_bg.conf import bg_settings
    from konigle_bg.models import ThemeRun
    from tests.procs import cluster

    if args.batch:  # batches are cut here, in start_theme_run
        settings.KONIGLE_BG = {**settings.KONIGLE_BG, "THEME_RUN_BATCH": args.batch}
        bg_settings.reload()
    try:
        call_command("migrate", verbosity=0)
        t = time.perf_counter()
        print(f"rendering {args.distinct} demo photos at {args.size} px...", file=sys.stderr)
        photos = photo_set(args.distinct, args.size)
        store, images = build_store(args.images, photos)
        print(f"cutting out {args.distinct} photo(s)...", file=sys.stderr)
        cutout_ms = _cutouts(images, args.distinct)
        theme = services.install_presets(store, [args.theme])[0]
        recomposite_ms = _recomposite(images[: args.distinct], theme)
        setup_s = time.perf_counter() - t

        log = work / "qcluster.log"
        print(f"switching {args.images} photos with {args.workers} worker(s)...", file=sys.stderr)
        with cluster(env, log) as proc:
            warmed = _wait_ready(args.workers)
            t0 = time.perf_counter()
            run = services.start_theme_run(store, theme)
            deadline = time.monotonic() + args.timeout
            while run.state == ThemeRun.State.RUNNING:
                if proc.poll() is not None:
                    raise SystemExit(f"the qcluster died; see {log}")
                if time.monotonic() > deadline:
                    raise SystemExit(f"the switch did not finish in {args.timeout:.0f}s")
                time.sleep(0.2)  # polling lightly: the workers need the CPU
                run.refresh_from_db()
            switch_s = time.perf_counter() - t0
        worker_wall, worker_cpu, worker_db = _worker_photo_ms()

        med_cut = statistics.median(cutout_ms)
        med_re = statistics.median(recomposite_ms)
        result = {
            "images": args.images,
            "photo_size": args.size,
            "workers": args.workers,
            "batch": int(bg_settings.THEME_RUN_BATCH),
            "theme": args.theme,
            "cutouts_segmented": args.distinct,
            "cutout_ms_median": round(med_cut, 1),
            "recomposite_ms_median": round(med_re, 1),
            "speedup": round(med_cut / med_re, 1),
            "worker_photo_wall_ms_median": round(worker_wall, 1),
            "worker_photo_cpu_ms_median": round(worker_cpu, 1),
            "worker_photo_db_ms_median": round(worker_db, 1),
            "switch_seconds": round(switch_s, 2),
            "photos_per_minute": round(args.images / switch_s * 60, 1),
            # What the workers' own CPU time allows when the cores are not shared with other
            # programs: workers x 60 s / CPU seconds per photo (an upper bound).
            "photos_per_minute_cpu_bound": round(
                min(args.workers, os.cpu_count() or 1) * 60000 / worker_cpu, 1
            ),
            "workers_warmed": len(warmed),
            "load_average_1m_after": round(os.getloadavg()[0], 2),
            "run": {
                "state": run.state,
                "done": run.done,
                "failed": run.failed,
                "skipped": run.skipped,
            },
            "setup_seconds": round(setup_s, 1),
            "cpus": os.cpu_count(),
        }
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    ok = result["speedup"] >= 8 and result["photos_per_minute"] >= 400
    print(
        f"re-composite {med_re:.0f} ms vs cut-out {med_cut:.0f} ms ({result['speedup']}x, "
        f"target 8x); switch {result['photos_per_minute']} photos/min (target 400): "
        f"{'targets met' if ok else 'BELOW TARGET'}",
        file=sys.stderr,
    )
    return result


def _worker_photo_ms() -> tuple[float, float, float]:
    """Median wall, CPU and database milliseconds per photo inside the workers, from the timings
    each batch returns (kept by django-q2 as the task result)."""
    from django_q.models import Task

    wall, cpu, db = [], [], []
    for task in Task.objects.filter(func="konigle_bg.tasks.theme_run_batch", success=True):
        photos = sum(task.result[k] for k in ("done", "failed", "skipped")) or 1
        wall.append(task.result["wall_ms"] / photos)
        cpu.append(task.result["cpu_ms"] / photos)
        db.append(task.result["db_ms"] / photos)
    return statistics.median(wall), statistics.median(cpu), statistics.median(db)


if __name__ == "__main__":
    main()
