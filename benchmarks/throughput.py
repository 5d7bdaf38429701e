"""Photos per minute through real workers, with 1 and 2 (or more) worker processes.

    python -m benchmarks.throughput [--workers 1,2] [--images N] [--size PX] [--json FILE]
                                    [--plot docs/images/throughput.png]

The "past one machine" stack on this machine: PostgreSQL and Redis (those at DATABASE_URL /
REDIS_URL, else on the standard loopback ports, else started from Debian's packages, as the
cluster tests do: tests/servers.py), the acknowledging Redis broker, a shared media folder.
For each worker count W:

1. a fresh database (a copy of one migrated once) and a fresh django-q2 site name;
2. a store with N draft photos rendered by ``products/demo_photos.py`` (shapes on wood, fabric,
   marble, a cluttered desk; no network, not the eval set), ``--size`` px on the longer side;
3. one ``manage.py qcluster`` with W worker processes (threads per worker: cores // W, the
   default sizing of konigle_bg.workers), warmed up on W photos of another product so that
   model loading is not timed;
4. the product is published and the clock runs until every photo shows its result (cut-out,
   render on the white theme, activation): photos per minute = N / seconds * 60.

The scaling ratio is ppm(W=2) / ppm(W=1). Other processes on the machine share the cores: the
load average before and after each run is recorded beside the figures, and so is the CPU time
the cluster's processes spent per photo, which does not depend on that load (cores * 60 / it is
the most photos per minute the machine could give with all of its cores free).
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

ROOT = Path(__file__).resolve().parent.parent


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.throughput", description=__doc__)
    p.add_argument("--workers", default="1,2", help="Worker counts to compare (default 1,2).")
    p.add_argument("--images", type=int, default=40, help="Photos per run (default 40).")
    p.add_argument("--size", type=int, default=800, help="Longer side of the photos (800).")
    p.add_argument("--json", metavar="FILE", help="Also write the figures as JSON here.")
    p.add_argument("--plot", metavar="PNG", help="Draw a bar chart of the figures here.")
    p.add_argument("--timeout", type=float, default=1800, help="Seconds one run may take.")
    args = p.parse_args(argv)
    try:
        args.workers = [int(w) for w in args.workers.split(",") if w.strip()]
    except ValueError:
        p.error("--workers takes a comma-separated list of numbers, e.g. 1,2")
    if not args.workers or min(args.workers) < 1 or args.images < 1:
        p.error("--workers and --images must be at least 1")
    return args


def _photos(folder: Path, n: int, size: int) -> None:
    """``n`` distinct demo photos as JPEG files in ``folder``."""
    from products.demo_photos import photo_set

    folder.mkdir(parents=True, exist_ok=True)
    for i, data in enumerate(photo_set(n, size)):
        (folder / f"photo-{i:04d}.jpg").write_bytes(data)


SETUP = """
import sys
from pathlib import Path
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from products.models import Store, Product, ProductImage
u = get_user_model().objects.create_user("owner", password="pw")
s = Store.objects.create(name="Bench", slug="bench", owner=u)
files = sorted(Path({folder!r}).glob("*.jpg"))
pks = []
for title, chunk in (("Warm-up", files[:{warm}]), ("Timed", files)):
    p = Product.objects.create(store=s, title=title)
    for i, f in enumerate(chunk):
        img = ProductImage(product=p, position=i)
        img.image.save(f.name, ContentFile(f.read_bytes()), save=True)
    pks.append(p.pk)
print(*pks)
"""


def _active(db_url: str, product: int) -> int:
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM konigle_bg_variant v JOIN products_productimage i "
            "ON v.image_id = i.id WHERE v.is_active AND i.product_id = %s",
            (product,),
        ).fetchone()[0]


def _cutout_ms(db_url: str, product: int) -> list[int]:
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.duration_ms FROM konigle_bg_cutout c JOIN products_productimage i "
            "ON c.image_id = i.id WHERE i.product_id = %s AND c.duration_ms IS NOT NULL",
            (product,),
        ).fetchall()
    return [r[0] for r in rows]


def _group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) used so far by the live processes of a process group.

    The cluster's processes (sentinel, pusher, monitor, workers) live for the whole run, so the
    difference of two readings is the CPU the run cost, whatever else shares the machine.
    """
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after "(comm)": state, ppid, pgrp, ...
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.25)


def run_one(srv, template: str, workers: int, photos: Path, n: int, work: Path, timeout: float):
    from tests import servers
    from tests.procs import cluster, shell, site_env

    name = servers.fresh_name("konigle_bench_")
    db_url = servers.create_database(srv.pg_url, name, template=template)
    q_name = name.removeprefix("konigle_")
    folder = work / f"w{workers}"
    folder.mkdir()
    env = site_env(
        folder,
        DATABASE_URL=db_url,
        REDIS_URL=srv.redis_url,
        Q_NAME=q_name,
        Q_WORKERS=str(workers),
        MEDIA_ROOT=str(folder / "media"),
    )
    env.pop("OMP_NUM_THREADS", None)  # threads per worker: konigle_bg.workers decides
    try:
        out = shell(env, SETUP.format(folder=str(photos), warm=workers), timeout=1200)
        warm, timed = (int(x) for x in out.strip().splitlines()[-1].split())
        publish = "from products.models import Product; Product.objects.get(pk={}).publish()"
        with cluster(env, folder / "worker.log") as proc:
            shell(env, publish.format(warm))
            _wait(lambda: _active(db_url, warm) >= workers, timeout, "the warm-up photos")
            load_before = os.getloadavg()[0]
            cpu_before = _group_cpu_seconds(proc.pid)
            started = time.monotonic()
            shell(env, publish.format(timed))
            _wait(lambda: _active(db_url, timed) >= n, timeout, f"{n} photos")
            seconds = time.monotonic() - started
            cpu = _group_cpu_seconds(proc.pid) - cpu_before
            load_after = os.getloadavg()[0]
            if proc.poll() is not None:
                raise SystemExit("the worker died: see " + str(folder / "worker.log"))
        ms = _cutout_ms(db_url, timed)
        return {
            "workers": workers,
            "images": n,
            "seconds": round(seconds, 2),
            "photos_per_minute": round(n / seconds * 60, 1),
            "cutout_ms_median": round(statistics.median(ms)) if ms else None,
            # Load-independent cost: CPU seconds the whole cluster spent per photo.
            "cpu_seconds_per_photo": round(cpu / n, 2),
            "load_before": round(load_before, 2),
            "load_after": round(load_after, 2),
        }
    finally:
        servers.drop_database(srv.pg_url, name)
        servers.drop_redis_keys(srv.redis_url, q_name)


def plot(result: dict, path: Path) -> None:
    """A small bar chart (PIL only): photos per minute for each worker count."""
    from PIL import Image, ImageDraw, ImageFont

    runs = result["runs"]
    w, h, pad, top = 560, 340, 60, 84
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    try:
        font = ImageFont.load_default(size=15)
        small = ImageFont.load_default(size=12)
    except TypeError:  # Pillow < 10.1: one bitmap size
        font = small = ImageFont.load_default()
    d.text((pad, 14), "konigle_bg throughput (photos per minute)", fill="black", font=font)
    sub = f"{result['images']} photos of {result['size']} px, {result['cpus']} cores"
    if result.get("scaling") is not None:
        sub += f"; 2 workers / 1 = {result['scaling']:.2f}x"
    d.text((pad, 36), sub, fill=(90, 90, 90), font=small)
    loads = [x for r in runs for x in (r["load_before"], r["load_after"])]
    noise = f"load average {min(loads):.1f}-{max(loads):.1f} during the runs (shared cores)"
    d.text((pad, 52), noise, fill=(90, 90, 90), font=small)
    peak = max(r["photos_per_minute"] for r in runs) * 1.15
    base = h - 40
    d.line((pad, base, w - 20, base), fill=(120, 120, 120))
    slot = (w - pad - 20) / len(runs)
    for i, r in enumerate(runs):
        bh = (base - top) * r["photos_per_minute"] / peak
        x0 = pad + i * slot + slot * 0.2
        x1 = pad + (i + 1) * slot - slot * 0.2
        d.rectangle((x0, base - bh, x1, base), fill=(52, 110, 180))
        v = r["photos_per_minute"]
        label = f"{v:.0f}" if v >= 100 else f"{v:.1f}"
        d.text(((x0 + x1) / 2, base - bh - 6), label, fill="black", font=font, anchor="ms")
        worker_label = f"{r['workers']} worker" + ("s" if r["workers"] > 1 else "")
        if r.get("cpu_seconds_per_photo") is not None:
            worker_label += f", {r['cpu_seconds_per_photo']:.2f} CPU-s/photo"
        d.text(((x0 + x1) / 2, base + 8), worker_label, fill="black", font=small, anchor="mt")
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, optimize=True)


def main(argv: list[str] | None = None) -> dict:
    args = _args(argv)
    sys.path.insert(0, str(ROOT))
    from konigle_bg.workers import cpu_count
    from tests import servers
    from tests.procs import manage, site_env

    work = Path(tempfile.mkdtemp(prefix="konigle-throughput-"))
    try:
        _photos(work / "photos", args.images, args.size)
        with servers.servers() as srv:
            template = servers.fresh_name("konigle_bench_tpl_")
            url = servers.create_database(srv.pg_url, template)
            try:
                manage(site_env(work, DATABASE_URL=url), "migrate", "--noinput", "-v0")
                runs = []
                for w in args.workers:
                    r = run_one(srv, template, w, work / "photos", args.images, work, args.timeout)
                    print(
                        f"{w} worker(s): {r['photos_per_minute']} photos/min "
                        f"({r['images']} in {r['seconds']} s, cut-out median "
                        f"{r['cutout_ms_median']} ms, {r['cpu_seconds_per_photo']} CPU-s/photo, "
                        f"load {r['load_before']}->{r['load_after']})",
                        flush=True,
                    )
                    runs.append(r)
            finally:
                servers.drop_database(srv.pg_url, template)
            sources = {"postgres": srv.pg_source, "redis": srv.redis_source}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    by_w = {r["workers"]: r["photos_per_minute"] for r in runs}
    scaling = round(by_w[2] / by_w[1], 2) if 1 in by_w and 2 in by_w else None
    result = {
        "images": args.images,
        "size": args.size,
        "cpus": cpu_count(),
        "servers": sources,
        "runs": runs,
        "scaling": scaling,
    }
    if scaling is not None:
        print(f"scaling 2 workers / 1 worker: {scaling}x")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    if args.plot:
        plot(result, Path(args.plot))
    return result


if __name__ == "__main__":
    main()
