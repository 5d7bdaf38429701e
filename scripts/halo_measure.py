"""Halo measure per source (issue 18): mean alpha in the 2-6 px band outside the true edge,
and the colour error (mean absolute, 0-255) of the cut-out composited on white there, where
white is the truth. Compares the refinement with and without see-through removal and halo
tightening on the same model maps (evaluation only: reads ../shared/eval, writes nothing).

    .venv/bin/python scripts/halo_measure.py ../shared/eval/manifest.csv --half B \
        [--sources a,b] [--cache var/model-cache]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from konigle_bg.evaluation.modelcache import with_cache  # noqa: E402
from konigle_bg.evaluation.runner import load_gt, load_photo, read_manifest  # noqa: E402
from konigle_bg.imaging.pipeline import RefineParams, cutout_with  # noqa: E402
from konigle_bg.imaging.segment import get_segmenter  # noqa: E402

VARIANTS = {"before": RefineParams(see_through=False, halo=False), "after": RefineParams()}


def halo(alpha: np.ndarray, fg: np.ndarray, gt: np.ndarray) -> tuple[float, float] | None:
    outside = (gt <= 0.5).astype(np.uint8)
    dist = cv2.distanceTransform(outside, cv2.DIST_L2, 3)
    band = (dist > 2) & (dist <= 6)
    if not band.any():
        return None
    a = alpha[band]
    comp = fg[band].astype(np.float32) * a[:, None] + 255.0 * (1 - a[:, None])
    return float(a.mean()), float(np.abs(comp - 255.0).mean())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("--half", choices=["A", "B"])
    ap.add_argument("--sources")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--cache", default="var/model-cache")
    args = ap.parse_args()
    sources = args.sources.split(",") if args.sources else None
    items = read_manifest(args.manifest, sources, args.limit, args.half)
    seg = with_cache(get_segmenter("u2netp"), args.cache)
    rows: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for item in items:
        photo, gt = load_photo(item.image), load_gt(item.gt)
        for name, params in VARIANTS.items():
            matte = cutout_with(photo, seg, params=params)
            m = halo(matte.alpha, matte.foreground, gt)
            if m is not None:
                rows.setdefault((item.source, name), []).append(m)
    print(f"{'source':28}{'variant':>8}{'n':>5}{'alpha 2-6px':>13}{'err on white':>14}")
    for (source, name), vals in sorted(rows.items()):
        a, e = np.mean(vals, axis=0)
        print(f"{source:28}{name:>8}{len(vals):>5}{a:>13.4f}{e:>14.2f}")


if __name__ == "__main__":
    main()
