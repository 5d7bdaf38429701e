"""Load: N photos through two real worker processes; nothing lost, nothing twice, memory bounded.

    python -m benchmarks.load [--images N] [--json FILE] [--workers 2] [--size 1200]
                              [--segmenter cascade --models-dir DIR]

On a fresh file SQLite database and media folder (a temporary folder): N published products
with one photo each (``--distinct`` different demo photos, reused; every photo is still cut
out and rendered on its own), then ``--workers`` separate ``manage.py qcluster`` processes
(one worker each, the ORM broker on the same database, each in its own process group) are
started and every photo is queued at once, as a bulk publish does.

Reported: completed (done, exactly one shown variant), duplicated (cut out or rendered more
than once), lost (never finished), failed (with reasons), photos per minute (first queued to
last finished), and the peak resident memory (VmHWM, sampled from /proc) of every process of
each cluster; a cluster's figure is its largest process, the worker that runs the model.

Exits 1 when a job is lost or duplicated or a worker passes ``--max-rss-mb`` (1536: the target
is at most 1.5 GB per worker with the default backend).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from benchmarks.store import build_store
from products.demo_photos import photo_set


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__)
    p.add_argument("--images", type=int, default=300, help="Photos to process (default 300).")
    p.add_argument("--workers", type=int, default=2, help="qcluster processes (default 2).")
    p.add_argument("--distinct", type=int, default=12, help="Different demo photos (reused).")
    p.add_argument("--size", type=int, default=1200, help="Longer side of the photos in px.")
    p.add_argument("--max-rss-mb", type=float, default=1536, help="Memory target per worker.")
    p.add_argument("--timeout", type=float, default=3600, help="Seconds the run may take.")
    p.add_argument("--json", metavar="FILE", help="Also write the figures as JSON here.")
    p.add_argument("--keep", metavar="DIR", help="Work in DIR and keep it (default: temp).")
    p.add_argument("--segmenter", help="The workers' SEGMENTER (default: the setting's).")
    p.add_argument(
        "--models-dir", help="MODELS_DIR for the workers (where the cascade finds ISNet)."
    )
    args = p.parse_args(argv)
    if args.images < 1 or args.workers < 1 or args.distinct < 1:
        p.error("--images, --workers and --distinct must be at least 1")
    if args.models_dir and args.segmenter != "cascade":
        p.error("--models-dir goes with --segmenter cascade")
    return args


# ------------------------------------------------------------------------------ memory


def group_pids(pgid: int) -> list[int]:
    """Live processes of a process group (field 5 of /proc/<pid>/stat)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces: split after its closing parenthesis.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            pids.append(int(entry))
    return pids


def vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler(threading.Thread):
    """Peak RSS of every process ever seen in each group (recycled workers included)."""

    def __init__(self, groups: dict[str, int], interval: float = 0.5):
        super().__init__(daemon=True)
        self.groups = groups
        self.interval = interval
        self.peaks: dict[str, dict[int, int]] = {name: {} for name in groups}
        self.done = threading.Event()

    def sample(self) -> None:
        for name, pgid in self.groups.items():
            for pid in group_pids(pgid):
                kb = vm_hwm_kb(pid)
                if kb > self.peaks[name].get(pid, 0):
                    self.peaks[name][pid] = kb

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self.sample()
        self.done.set()
        self.join(5)


# ------------------------------------------------------------------------------ site


def _setup_django(work: Path, segmenter: str | None = None, models_dir: str | None = None) -> dict:
    from tests.procs import site_env

    extra = {"KONIGLE_BG_SEGMENTER": segmenter} if segmenter else {}
    if models_dir:
        options = {"models_dir": str(Path(models_dir).resolve())}
        extra["KONIGLE_BG_SEGMENTER_OPTIONS"] = json.dumps(options)
    # One worker process per cluster, its model threads sized for the cores it shares.
    env = site_env(work, Q_WORKERS="1", **extra)
    os.environ.update(env)
    import django

    django.setup()
    return env


def _queue_all(image_ids: list[int]) -> None:
    from django.db import transaction

    from konigle_bg import services

    with transaction.atomic():
        for pk in image_ids:
            services.queue_photo(pk)


def _finished(image_ids: list[int]) -> int:
    from konigle_bg.models import JobStatus, PhotoState

    return PhotoState.objects.filter(
        image_id__in=image_ids, status__in=[JobStatus.DONE, JobStatus.FAILED]
    ).count()


CUT_LINE = re.compile(r"image (\d+): cut out in")


def _tally(image_ids: list[int], logs: list[Path]) -> dict:
    from django.db.models import Count

    from konigle_bg.models import Cutout, JobStatus, PhotoState, Variant

    states = {s.image_id: s for s in PhotoState.objects.filter(image_id__in=image_ids)}
    active = Counter(
        Variant.objects.filter(image_id__in=image_ids, is_active=True).values_list(
            "image_id", flat=True
        )
    )
    rows = {
        "cutouts": dict(
            Cutout.objects.filter(image_id__in=image_ids)
            .values_list("image_id")
            .annotate(n=Count("pk"))
        ),
        "variants": dict(
            Variant.objects.filter(image_id__in=image_ids)
            .values_list("image_id")
            .annotate(n=Count("pk"))
        ),
    }
    # A cut-out computed twice shows in the logs even where the unique constraint kept one row.
    computed = Counter()
    for log in logs:
        computed.update(int(m.group(1)) for m in CUT_LINE.finditer(log.read_text()))
    completed, failed, lost, duplicated = [], [], [], []
    for pk in image_ids:
        state = states.get(pk)
        twice = (
            computed[pk] > 1
            or rows["cutouts"].get(pk, 0) > 1
            or rows["variants"].get(pk, 0) > 1
            or active[pk] > 1
        )
        if twice:
            duplicated.append(pk)
        if state is None or state.status not in (JobStatus.DONE, JobStatus.FAILED):
            lost.append(pk)
        elif state.status == JobStatus.FAILED:
            failed.append({"image": pk, "reason": state.error})
        elif active[pk] == 1 or state.held_variant_id:  # shown, or held for the seller
            completed.append(pk)
        else:
            lost.append(pk)  # "done" but nothing shown
    return {"completed": completed, "failed": failed, "lost": lost, "duplicated": duplicated}


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bg-load-"))
    work.mkdir(parents=True, exist_ok=True)
    env = _setup_django(work, args.segmenter, args.models_dir)
    from contextlib import ExitStack

    from django.core.management import call_command

    from tests.procs import cluster

    call_command("migrate", verbosity=0)
    print(f"building {args.images} products in {work} ...", file=sys.stderr)
    _, images = build_store(
        args.images, photo_set(min(args.distinct, args.images), args.size), name="Load"
    )
    image_ids = [i.pk for i in images]
    logs = [work / f"worker{i + 1}.log" for i in range(args.workers)]
    with ExitStack() as stack:
        procs = [stack.enter_context(cluster(env, log)) for log in logs]
        sampler = MemorySampler({f"worker{i + 1}": p.pid for i, p in enumerate(procs)})
        sampler.start()
        time.sleep(3)  # let both clusters fork their workers before the queue fills
        t0 = time.perf_counter()
        _queue_all(image_ids)
        deadline = time.monotonic() + args.timeout
        last = -1
        while (done := _finished(image_ids)) < len(image_ids):
            if any(p.poll() is not None for p in procs):
                print("a cluster process died; see its log", file=sys.stderr)
                break
            if time.monotonic() > deadline:
                print(f"timed out after {args.timeout:.0f}s", file=sys.stderr)
                break
            if done != last and sys.stderr.isatty():
                print(f"\r{done}/{len(image_ids)} photos", end="", file=sys.stderr)
            last = done
            time.sleep(0.5)
        elapsed = time.perf_counter() - t0
        sampler.stop()
    tally = _tally(image_ids, logs)
    peaks = {
        name: round(max(pids.values(), default=0) / 1024, 1) for name, pids in sampler.peaks.items()
    }
    figures = {
        "images": len(image_ids),
        "workers": args.workers,
        "photo_px": args.size,
        "completed": len(tally["completed"]),
        "duplicated": len(tally["duplicated"]),
        "lost": len(tally["lost"]),
        "failed": len(tally["failed"]),
        "failures": tally["failed"][:50],
        "seconds": round(elapsed, 1),
        "photos_per_minute": round(len(tally["completed"]) / elapsed * 60, 1),
        "peak_rss_mb": peaks,
        "peak_rss_mb_by_process": {
            name: {str(pid): round(kb / 1024, 1) for pid, kb in pids.items()}
            for name, pids in sampler.peaks.items()
        },
        "max_rss_mb_target": args.max_rss_mb,
        "work_dir": str(work),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    problems = []
    if figures["lost"]:
        problems.append(f"{figures['lost']} job(s) lost: {tally['lost'][:10]}")
    if figures["duplicated"]:
        problems.append(f"{figures['duplicated']} job(s) done twice: {tally['duplicated'][:10]}")
    for name, mb in peaks.items():
        if mb > args.max_rss_mb:
            problems.append(f"{name} peaked at {mb} MB > {args.max_rss_mb} MB")
    for line in problems:
        print(f"load: {line}", file=sys.stderr)
    if not args.keep and not problems:
        shutil.rmtree(work, ignore_errors=True)  # kept when something went wrong, to look at
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
