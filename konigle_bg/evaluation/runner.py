"""Score cut-outs against a ground-truth manifest (the logic behind ``manage.py bg_eval``).

Pure: reads files, runs ``pipeline.cutout`` and the bare segmenter, returns numbers. The
manifest is a CSV with columns source, id, image, gt, gt_type (paths relative to its folder),
as in ``../shared/eval/manifest.csv``.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..imaging.pipeline import RefineParams, cutout
from ..imaging.segment.base import Segmenter
from . import metrics

#: Share of lowest-confidence images whose mean IoU is compared with the rest.
LOW_CONFIDENCE_SHARE = 0.2


@dataclass(frozen=True)
class Item:
    source: str
    id: str
    image: Path
    gt: Path
    gt_type: str = "binary_mask"

    @property
    def name(self) -> str:
        return f"{self.source}__{self.id}"


@dataclass
class Record:
    source: str
    id: str
    width: int
    height: int
    iou: float
    mae: float
    bf: float
    acceptable: bool
    confidence: float
    ms_cutout: float
    ms_bare: float | None


def read_manifest(
    path: str | Path, sources: Iterable[str] | None = None, limit: int | None = None
) -> list[Item]:
    """Manifest rows, optionally only ``sources`` and at most ``limit`` per source."""
    path = Path(path)
    root = path.parent
    wanted = set(sources) if sources else None
    per_source: dict[str, int] = {}
    items: list[Item] = []
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            source = row["source"]
            if wanted is not None and source not in wanted:
                continue
            if limit is not None and per_source.get(source, 0) >= limit:
                continue
            per_source[source] = per_source.get(source, 0) + 1
            items.append(
                Item(
                    source=source,
                    id=row["id"],
                    image=root / row["image"],
                    gt=root / row["gt"],
                    gt_type=row.get("gt_type") or "binary_mask",
                )
            )
    if wanted:
        missing = wanted - set(per_source)
        if missing:
            raise ValueError(f"sources not in manifest: {', '.join(sorted(missing))}")
    return items


def load_photo(path: Path) -> Image.Image:
    # No EXIF transpose: ground truth is aligned with the stored pixels.
    with Image.open(path) as im:
        return im.convert("RGB")


def load_gt(path: Path) -> np.ndarray:
    """Ground truth as float32 (H, W) in [0, 1]."""
    with Image.open(path) as im:
        if im.mode in ("RGBA", "LA"):
            arr = np.asarray(im.getchannel("A"))
        else:
            arr = np.asarray(im.convert("L"))
    return arr.astype(np.float32) / 255.0


def evaluate_item(
    item: Item,
    segmenter: Segmenter,
    params: RefineParams | None = None,
    out_dir: Path | None = None,
    bare: bool = True,
) -> Record:
    photo = load_photo(item.image)
    gt = load_gt(item.gt)
    if gt.shape != (photo.height, photo.width):
        raise ValueError(f"{item.name}: ground truth {gt.shape[::-1]} != photo {photo.size}")

    ms_bare = None
    if bare:
        # The bare model call, timed in the same run so the ratio is fair.
        t = time.perf_counter()
        segmenter.predict(photo, None)
        ms_bare = (time.perf_counter() - t) * 1000.0

    t = time.perf_counter()
    result = cutout(photo, segmenter, params=params)
    ms_cutout = (time.perf_counter() - t) * 1000.0

    if out_dir is not None:
        result.mask_image().save(Path(out_dir) / f"{item.name}.png")
    s = metrics.score(result.alpha, gt)
    return Record(
        source=item.source,
        id=item.id,
        width=photo.width,
        height=photo.height,
        iou=s["iou"],
        mae=s["mae"],
        bf=s["bf"],
        acceptable=bool(s["acceptable"]),
        confidence=float(result.confidence),
        ms_cutout=ms_cutout,
        ms_bare=ms_bare,
    )


def run(
    items: list[Item],
    segmenter: Segmenter,
    params: RefineParams | None = None,
    out_dir: str | Path | None = None,
    bare: bool = True,
    progress: Callable[[Iterable[Item]], Iterator[Item]] | None = None,
) -> list[Record]:
    """Evaluate every item; ``progress`` wraps the iteration (e.g. ``tqdm``)."""
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
    if bare and items:
        # Warm the session up so the first photo's timings are not its start-up cost.
        segmenter.predict(Image.new("RGB", (64, 64), (128, 128, 128)), None)
    it = progress(items) if progress else iter(items)
    return [
        evaluate_item(i, segmenter, params, Path(out_dir) if out_dir else None, bare) for i in it
    ]


def _median(values: list[float]) -> float | None:
    return float(np.median(values)) if values else None


def summarize_records(records: list[Record]) -> dict:
    """Means of the scores, acceptable share, confidence's agreement with IoU, timings."""
    if not records:
        return {"n": 0}
    ious = [r.iou for r in records]
    confs = [r.confidence for r in records]
    bare = [r.ms_bare for r in records if r.ms_bare is not None]
    out = {
        "n": len(records),
        "iou": float(np.mean(ious)),
        "mae": float(np.mean([r.mae for r in records])),
        "bf": float(np.mean([r.bf for r in records])),
        "acceptable": float(np.mean([r.acceptable for r in records])),
        "confidence": float(np.mean(confs)),
        "spearman": metrics.spearman(confs, ious),
        "low_conf_gap": low_confidence_gap(confs, ious),
        "ms_cutout": float(np.mean([r.ms_cutout for r in records])),
        "ms_bare": float(np.mean(bare)) if bare else None,
        "median_ms_cutout": _median([r.ms_cutout for r in records]),
        "median_ms_bare": _median(bare),
    }
    ratios = [r.ms_cutout / r.ms_bare for r in records if r.ms_bare]
    out["median_ratio"] = _median(ratios)
    return out


def low_confidence_gap(
    confs: list[float], ious: list[float], share: float = LOW_CONFIDENCE_SHARE
) -> float | None:
    """Mean IoU of the rest minus mean IoU of the lowest-confidence ``share``."""
    n = len(confs)
    k = int(round(n * share))
    if n < 2 or k < 1 or k >= n:
        return None
    order = np.argsort(np.asarray(confs), kind="stable")
    iou_arr = np.asarray(ious)
    return float(iou_arr[order[k:]].mean() - iou_arr[order[:k]].mean())


def summarize(records: list[Record]) -> dict[str, dict]:
    """Per source (in first-seen order) and ``overall``."""
    sources: dict[str, list[Record]] = {}
    for r in records:
        sources.setdefault(r.source, []).append(r)
    out = {name: summarize_records(rs) for name, rs in sources.items()}
    out["overall"] = summarize_records(records)
    return out


def format_table(summary: dict[str, dict]) -> str:
    """A fixed-width text table of ``summarize``'s result."""

    def num(v, fmt):
        return "-" if v is None else format(v, fmt)

    head = (
        f"{'source':<28}{'n':>5}{'IoU':>8}{'MAE':>8}{'BF':>8}{'accept':>8}{'conf':>7}"
        f"{'rho':>7}{'gap20':>7}{'ms cut':>9}{'ms bare':>9}{'ratio':>7}"
    )
    lines = [head, "-" * len(head)]
    for name, s in summary.items():
        if not s.get("n"):
            continue
        lines.append(
            f"{name:<28}{s['n']:>5}{s['iou']:>8.3f}{s['mae']:>8.4f}{s['bf']:>8.3f}"
            f"{s['acceptable'] * 100:>7.0f}%{s['confidence']:>7.2f}{s['spearman']:>7.2f}"
            f"{num(s['low_conf_gap'], '.3f'):>7}{s['ms_cutout']:>9.0f}"
            f"{num(s['ms_bare'], '.0f'):>9}{num(s['median_ratio'], '.2f'):>7}"
        )
    return "\n".join(lines)


def records_as_dicts(records: list[Record]) -> list[dict]:
    return [asdict(r) for r in records]
