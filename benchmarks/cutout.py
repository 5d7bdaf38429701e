"""Speed of one cut-out, in this process: decode, segment, refine, decontaminate.

    python -m benchmarks.cutout [--size 1600] [--images 30] [--threads N] [--json FILE]
                                [--photos eval|demo] [--models-dir DIR]

Photos: the product composites of ``../shared/eval`` (real studio shots) scaled so their
longer side is ``--size``, else (or with ``--photos demo``) the demo catalogue's rendered
photos. Each photo is decoded from JPEG bytes and cut out as a worker does (one worker using
``--threads`` cores, default all of them); the bare model call on the same photo is timed in
the same run, so the ratio between them holds on any machine.

With an ISNet model installed (``bg_models download isnet`` / ``import``), the cascade is
run too: the share of photos it escalates and its extra time per photo.

Reported: median and 90th percentile of wall and CPU time per photo, and of the bare model
call; the cut-out / bare ratio; the cascade's escalated share and extra cost.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.cutout", description=__doc__)
    p.add_argument("--size", type=int, default=1600, help="Longer side in px (default 1600).")
    p.add_argument("--images", type=int, default=30, help="Photos to cut out (default 30).")
    p.add_argument("--threads", type=int, default=None, help="Threads (default: all cores).")
    p.add_argument("--photos", choices=["eval", "demo"], default=None, help="Which photos.")
    p.add_argument("--eval", default=str(EVAL), help="The eval set's folder.")
    p.add_argument("--models-dir", default=None, help="Where an ISNet model may be installed.")
    p.add_argument("--json", metavar="FILE", help="Also write the figures as JSON here.")
    args = p.parse_args(argv)
    if args.images < 1 or args.size < 64:
        p.error("--images must be at least 1 and --size at least 64")
    return args


def _jpeg(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def photos(kind: str | None, n: int, size: int, eval_dir: Path) -> tuple[str, list[bytes]]:
    """JPEG bytes of ``n`` photos, ``size`` px on the longer side."""
    manifest = eval_dir / "manifest.csv"
    if kind != "demo" and manifest.is_file():
        import csv

        with manifest.open(newline="") as fh:
            rows = [r for r in csv.DictReader(fh) if r["source"] == "product_composites"]
        out = []
        for row in (rows * (n // max(1, len(rows)) + 1))[:n]:
            with Image.open(eval_dir / row["image"]) as im:
                im = im.convert("RGB")
                scale = size / max(im.size)
                size_ = (round(im.width * scale), round(im.height * scale))
                out.append(_jpeg(im.resize(size_, Image.LANCZOS)))
        return "eval product_composites", out
    if kind == "eval":
        raise SystemExit(f"no eval set at {eval_dir}")
    from products.demo_photos import photo_set

    return "demo catalogue", photo_set(n, size)


def _stats(values: list[float]) -> dict:
    arr = np.asarray(values, np.float64) * 1000.0
    return {"median_ms": float(np.median(arr)), "p90_ms": float(np.percentile(arr, 90))}


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    from konigle_bg.imaging import io as imaging_io
    from konigle_bg.imaging.pipeline import cutout
    from konigle_bg.imaging.segment import get_segmenter
    from konigle_bg.workers import configure, cpu_count

    threads = configure(args.threads or cpu_count())
    kind, data = photos(args.photos, args.images, args.size, Path(args.eval))
    print(f"{len(data)} photos ({kind}) at {args.size} px, {threads} thread(s)", file=sys.stderr)
    seg = get_segmenter("u2netp", threads=threads)
    cascade = get_segmenter("cascade", threads=threads, models_dir=args.models_dir)
    warm = Image.new("RGB", (64, 64), (128, 128, 128))
    seg.predict(warm)

    wall, cpu, bare, ratios, confidences = [], [], [], [], []
    for raw in data:
        t, c = time.perf_counter(), time.process_time()
        img = imaging_io.decode(raw)
        result = cutout(img, seg)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        confidences.append(result.confidence)
        t = time.perf_counter()
        seg.predict(img)
        bare.append(time.perf_counter() - t)
        ratios.append(wall[-1] / bare[-1])

    report = {
        "photos": kind,
        "images": len(data),
        "size": args.size,
        "threads": threads,
        "cutout_wall": _stats(wall),
        "cutout_cpu": _stats(cpu),
        "bare_model": _stats(bare),
        "median_ratio_cutout_to_bare": float(np.median(ratios)),
        "cascade": None,
    }
    large = cascade.large() if cascade.large_installed else None
    if large is not None:
        large.predict(warm)
        extra, escalated = [], 0
        for raw in data:
            img = imaging_io.decode(raw)
            result = cutout(img, cascade)
            escalated += "escalate" in result.timings
            extra.append(result.timings.get("escalate", 0.0))
        report["cascade"] = {
            "large": large.key,
            "threshold": cascade.threshold,
            "escalated_share": escalated / len(data),
            "extra_ms_per_photo_mean": float(np.mean(extra) * 1000.0),
            "extra_ms_per_escalated_photo_median": (
                float(np.median([e for e in extra if e > 0]) * 1000.0) if escalated else None
            ),
        }
    w, b = report["cutout_wall"], report["bare_model"]
    print(
        f"cut-out wall median {w['median_ms']:.0f} ms (p90 {w['p90_ms']:.0f}), "
        f"cpu median {report['cutout_cpu']['median_ms']:.0f} ms; bare model median "
        f"{b['median_ms']:.0f} ms; cut-out/bare {report['median_ratio_cutout_to_bare']:.1f}x"
    )
    if report["cascade"]:
        c = report["cascade"]
        print(
            f"cascade: {c['escalated_share']:.0%} escalated, "
            f"+{c['extra_ms_per_photo_mean']:.0f} ms per photo on average"
        )
    else:
        print("cascade: no ISNet model installed, fast path only")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    raise SystemExit(main())
