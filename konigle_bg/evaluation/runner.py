"""Score cut-outs against a ground-truth manifest (the logic behind ``manage.py bg_eval``).

Pure: reads files, runs ``pipeline.cutout`` and the bare segmenter, returns numbers. The
manifest is a CSV with columns source, id, image, gt, gt_type (paths relative to its folder),
as in ``../shared/eval/manifest.csv``.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
from PIL import Image

from ..imaging.pipeline import Matte, RefineParams, cutout
from ..imaging.prompts import prompts_from_title, subject_of
from ..imaging.segment.base import Segmenter
from . import metrics

#: Share of lowest-confidence images whose mean IoU is compared with the rest.
LOW_CONFIDENCE_SHARE = 0.2
#: A photo "drops" when konigle_bg's IoU is more than this below the bare model's.
DROP = 0.10
HALVES = ("A", "B")
#: Manifest columns every source has (others become an item's ``tags``).
MANIFEST_COLUMNS = (
    "source",
    "id",
    "image",
    "gt",
    "gt_type",
    "width",
    "height",
    "fg_fraction",
    "title",
)


@dataclass(frozen=True)
class Item:
    source: str
    id: str
    image: Path
    gt: Path
    gt_type: str = "binary_mask"
    half: str = ""  # A or B: parameters are chosen on A, reported on B (see ``split``)
    title: str = ""  # the product's title, where the manifest gives one: the engine's prompts
    # Further manifest columns (e.g. the slices' kind and backdrop), for ``--by``.
    tags: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def name(self) -> str:
        return f"{self.source}__{self.id}"


#: Sources whose ids are ``<object>_<rest>``, one object in several photos.
OBJECT_SOURCES = ("product_composites", "see_through", "distractors")


def split_group(source: str, item_id: str) -> str:
    """What must not straddle the split: the source object of a product composite (GT01 of
    GT01_1_0) or of a rendered slice (amGT02 of amGT02_9), since an object may appear in
    several photos; elsewhere the photo itself."""
    if source in OBJECT_SOURCES:
        return item_id.split("_")[0]
    return item_id


def split(items: list[Item]) -> list[Item]:
    """``items`` with their half set: per source, groups ordered by a hash of their name and
    dealt alternately to A and B, so the halves are balanced and fixed by the names alone."""
    groups: dict[str, set[str]] = {}
    for item in items:
        groups.setdefault(item.source, set()).add(split_group(item.source, item.id))
    half_of = {}
    for source, names in groups.items():
        ranked = sorted(names, key=lambda g: hashlib.sha1(f"{source}/{g}".encode()).hexdigest())
        half_of.update({(source, g): HALVES[i % 2] for i, g in enumerate(ranked)})
    return [
        replace(item, half=half_of[item.source, split_group(item.source, item.id)])
        for item in items
    ]


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
    half: str = ""
    bare_iou: float | None = None
    bare_acceptable: bool | None = None
    escalated: bool = False  # the cascade's larger model was run
    ms_escalation: float = 0.0  # time spent in the larger model's pass
    halo_alpha: float = 0.0  # see ``metrics.halo``
    halo_colour: float = 0.0
    tags: dict[str, str] = field(default_factory=dict)


def read_manifest(
    path: str | Path,
    sources: Iterable[str] | None = None,
    limit: int | None = None,
    half: str | None = None,
) -> list[Item]:
    """Manifest rows, optionally only ``sources``, one ``half`` (A or B) and at most ``limit``
    per source."""
    if half is not None and half not in HALVES:
        raise ValueError(f"half must be A or B, not {half!r}")
    path = Path(path)
    root = path.parent
    wanted = set(sources) if sources else None
    with path.open(newline="") as fh:
        rows = [
            Item(
                source=row["source"],
                id=row["id"],
                image=root / row["image"],
                gt=root / row["gt"],
                gt_type=row.get("gt_type") or "binary_mask",
                title=row.get("title") or "",
                tags={k: v for k, v in row.items() if k not in MANIFEST_COLUMNS and k and v},
            )
            for row in csv.DictReader(fh)
        ]
    per_source: dict[str, int] = {}
    items: list[Item] = []
    # The split is made on the whole manifest, so filtering never moves a photo across it.
    for item in split(rows):
        if wanted is not None and item.source not in wanted:
            continue
        per_source.setdefault(item.source, 0)
        if half is not None and item.half != half:
            continue
        if limit is not None and per_source[item.source] >= limit:
            continue
        per_source[item.source] += 1
        items.append(item)
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


def cut_out(
    item: Item, segmenter: Segmenter, photo: Image.Image, params: RefineParams | None = None
) -> Matte:
    """``item``'s cut-out as the shop makes it for a product of that title: prompts from the
    title, and what the title says the photo shows (``subject_of``). Without a title nothing
    says the photo shows one thing, so every blob the model sees stays (as the remove.bg
    endpoint cuts)."""
    prompts = prompts_from_title(item.title) if item.title else None
    params = replace(params or RefineParams(), subject=subject_of(item.title))
    return cutout(photo, segmenter, prompts, params=params)


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

    ms_bare = bare_iou = bare_ok = None
    if bare:
        # The bare model call (the cascade's fast model), timed in the same run so the ratio
        # is fair, and scored: konigle_bg must never be worse than the model it refines.
        t = time.perf_counter()
        bare_map = segmenter.primary.predict(photo, None)
        ms_bare = (time.perf_counter() - t) * 1000.0
        bare_score = metrics.score(bare_map, gt)
        bare_iou, bare_ok = bare_score["iou"], bool(bare_score["acceptable"])

    t = time.perf_counter()
    result = cut_out(item, segmenter, photo, params)
    ms_cutout = (time.perf_counter() - t) * 1000.0

    if out_dir is not None:
        result.mask_image().save(Path(out_dir) / f"{item.name}.png")
    s = metrics.score(result.alpha, gt)
    halo = metrics.halo(result.alpha, gt, np.asarray(photo))
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
        half=item.half,
        bare_iou=bare_iou,
        bare_acceptable=bare_ok,
        escalated="escalate" in result.timings,
        ms_escalation=result.timings.get("escalate", 0.0) * 1000.0,
        halo_alpha=halo["alpha"],
        halo_colour=halo["colour"],
        tags={**item.tags, **({"title": item.title} if item.title else {})},
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
    scored = [r for r in records if r.bare_iou is not None]
    out["bare_iou"] = float(np.mean([r.bare_iou for r in scored])) if scored else None
    out["bare_acceptable"] = float(np.mean([r.bare_acceptable for r in scored])) if scored else None
    out["drops"] = sum(r.iou < r.bare_iou - DROP for r in scored) if scored else None
    out["gains"] = sum(r.iou > r.bare_iou + DROP for r in scored) if scored else None
    # Means over photos, like IoU's: a ring on a few photos shows in the mean, not the median.
    out["halo_alpha"] = float(np.mean([r.halo_alpha for r in records]))
    out["halo_colour"] = float(np.mean([r.halo_colour for r in records]))
    out["escalated"] = float(np.mean([r.escalated for r in records]))
    # The cascade's cost: its larger model's pass, spread over every photo.
    out["ms_escalation"] = float(np.mean([r.ms_escalation for r in records]))
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


def group_value(record: Record, by: str) -> str:
    """``record``'s value of ``by``: one of its fields (source, half, escalated, ...) or a
    further manifest column (the slices' kind, backdrop, title); ``-`` where it has none."""
    if by in record.tags:
        return record.tags[by]
    value = getattr(record, by, None) if by != "tags" else None
    return "-" if value is None or value == "" else str(value)


def summarize(records: list[Record], by: str | None = None) -> dict[str, dict]:
    """Per source (in first-seen order), per source and half (``source/A``) and ``overall``;
    with ``by`` (a field or manifest column) also per source and value (``source/mug``) and
    per value over every source (``half=A``)."""
    groups: dict[str, list[Record]] = {}
    for r in records:
        groups.setdefault(r.source, []).append(r)
    for r in sorted(records, key=lambda r: r.half):
        if r.half:
            groups.setdefault(f"{r.source}/{r.half}", []).append(r)
    if by and by != "half":
        for r in sorted(records, key=lambda r: group_value(r, by)):
            groups.setdefault(f"{r.source}/{group_value(r, by)}", []).append(r)
    pooled: dict[str, list[Record]] = {}
    if by:
        for r in sorted(records, key=lambda r: group_value(r, by)):
            pooled.setdefault(f"{by}={group_value(r, by)}", []).append(r)
    out = {name: summarize_records(rs) for name, rs in {**groups, **pooled}.items()}
    out["overall"] = summarize_records(records)
    return out


def format_table(summary: dict[str, dict]) -> str:
    """A fixed-width text table of ``summarize``'s result."""

    def num(v, fmt):
        return "-" if v is None else format(v, fmt)

    def pct(v):
        return "-" if v is None else f"{v * 100:.0f}%"

    # haloA: mean alpha 2-6 px outside the true edge; haloC: mean colour error there on white.
    head = (
        f"{'source':<28}{'n':>5}{'IoU':>7}{'bare':>7}{'accept':>7}{'bare':>6}{'drops':>6}"
        f"{'MAE':>8}{'BF':>7}{'conf':>6}{'rho':>6}{'gap20':>7}{'ms cut':>8}{'ms bare':>8}"
        f"{'ratio':>6}{'escal':>6}{'ms esc':>7}{'haloA':>7}{'haloC':>7}"
    )
    lines = [head, "-" * len(head)]
    for name, s in summary.items():
        if not s.get("n"):
            continue
        lines.append(
            f"{name:<28}{s['n']:>5}{s['iou']:>7.3f}{num(s.get('bare_iou'), '.3f'):>7}"
            f"{pct(s['acceptable']):>7}{pct(s.get('bare_acceptable')):>6}"
            f"{num(s.get('drops'), 'd'):>6}{s['mae']:>8.4f}{s['bf']:>7.3f}"
            f"{s['confidence']:>6.2f}{s['spearman']:>6.2f}"
            f"{num(s['low_conf_gap'], '.3f'):>7}{s['ms_cutout']:>8.0f}"
            f"{num(s['ms_bare'], '.0f'):>8}{num(s['median_ratio'], '.2f'):>6}"
            f"{pct(s.get('escalated', 0.0)):>6}{s.get('ms_escalation', 0.0):>7.0f}"
            f"{s.get('halo_alpha', 0.0):>7.3f}{s.get('halo_colour', 0.0):>7.2f}"
        )
    return "\n".join(lines)


def records_as_dicts(records: list[Record]) -> list[dict]:
    return [asdict(r) for r in records]
