"""Clicks to acceptable: the interactive-segmentation protocol behind ``bg_eval --clicks N``.

A simulated seller starts from the automatic cut-out (click 0) and puts each next click at the
interior point (farthest from the region's edge) of the largest error region: positive when
that region is missed product, negative when it is leftover background. "From scratch" starts
from an empty cut-out instead, so the figures compare with published NoC tables.

Automatic cut-outs are cached on disk (they are the slow part and never change for a given
segmenter and refinement), so parameter sweeps of the click engine cost only the clicks.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ..imaging import corrections, pipeline
from ..imaging.morph import fill_enclosed
from ..imaging.segment.base import Segmenter
from . import metrics
from .runner import HALVES, Item, cut_out, load_gt, load_photo

NOC_LEVELS = (0.85, 0.90)
ACCEPT_AFTER = (0, 1, 2, 3, 5)
#: Photos keep clicking until they reach IoU >= 0.90 and acceptable AND this many clicks
#: are covered (the acceptable share after 5 clicks needs them); the rest is carried forward.
COVER_CLICKS = 5
BIG_SIDE = 1500  # photos at least this long count as "1600 px" for the latency figures


@dataclass
class ClickRecord:
    source: str
    id: str
    width: int
    height: int
    mode: str  # "auto" (from the automatic cut-out) | "scratch"
    ious: list[float] = field(default_factory=list)  # after 0, 1, 2, ... clicks
    acceptable: list[bool] = field(default_factory=list)
    bfs: list[float] = field(default_factory=list)
    click_ms: list[float] = field(default_factory=list)
    clicks: list[dict] = field(default_factory=list)  # and tools: "all", edge strokes
    ms_bare: float | None = None


def cache_path(cache_dir: Path, seg: Segmenter, item: Item) -> Path:
    tag = hashlib.sha256(f"{seg.key}|{pipeline.REFINE_REVISION}".encode()).hexdigest()[:10]
    return Path(cache_dir) / tag / f"{item.name}.png"


def automatic_alpha(
    item: Item, seg: Segmenter, photo: Image.Image, cache_dir: Path | None
) -> np.ndarray:
    """Click 0: the automatic cut-out's alpha (float32), read from the disk cache if there."""
    path = cache_path(cache_dir, seg, item) if cache_dir else None
    if path is not None and path.is_file():
        with Image.open(path) as im:
            return np.asarray(im.convert("L"), np.float32) / 255.0
    alpha = cut_out(item, seg, photo).alpha
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.png")
        Image.fromarray(np.clip(alpha * 255 + 0.5, 0, 255).astype(np.uint8)).save(tmp)
        tmp.replace(path)
    return alpha


def _largest_error(pred: np.ndarray, gt: np.ndarray):
    """(area, positive, the region's mask, its distance map) of the largest error region."""
    fn = gt & ~pred  # missed product
    fp = pred & ~gt  # leftover background
    best = None
    for positive, err in ((True, fn), (False, fp)):
        if not err.any():
            continue
        # Pad so the frame's edge counts as a boundary (the click stays inside the region).
        padded = np.pad(err.astype(np.uint8), 1)
        dist = cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]
        n, labels = cv2.connectedComponents(err.astype(np.uint8), connectivity=8)
        areas = np.bincount(labels.ravel(), minlength=n)
        areas[0] = 0
        lab = int(areas.argmax())
        if best is None or areas[lab] > best[0]:
            best = (int(areas[lab]), positive, labels == lab, dist, err, labels, areas)
    return best


def next_click(pred: np.ndarray, gt: np.ndarray) -> dict | None:
    """The protocol's next click: the interior point of the largest error region."""
    best = _largest_error(pred, gt)
    if best is None:
        return None
    _, positive, region, dist, *_ = best
    d = np.where(region, dist, -1.0)
    y, x = np.unravel_index(int(d.argmax()), d.shape)
    return {"x": int(x), "y": int(y), "positive": positive}


#: The simulated seller's tools: "all like it" when the leftover is one of at least this many
#: enclosed holes of the product (each at least ALL_SHARE of it), the edge stroke when the
#: largest error is a band at most THIN_SHARE of the longer side thick and EDGE_LENGTH times
#: longer than thick.
ALL_HOLES = 2
ALL_SHARE = 0.2
THIN_SHARE = 0.006
EDGE_LENGTH = 8.0


def _edge_stroke(region: np.ndarray, gt: np.ndarray, thick: float) -> dict | None:
    """A drag along the true contour where the error band lies (the longest run of it)."""
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    near = cv2.dilate(region.astype(np.uint8), k) > 0
    contours, _ = cv2.findContours(gt.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    best: list = []
    for c in contours:
        pts = c.reshape(-1, 2)
        inside = near[pts[:, 1], pts[:, 0]]
        run: list = []
        # Twice round, so a run crossing the contour's start is found whole.
        for i in range(2 * len(pts)):
            j = i % len(pts)
            if inside[j] and len(run) < len(pts):
                run.append(pts[j])
            else:
                best = run if len(run) > len(best) else best
                run = []
        best = run if len(run) > len(best) else best
    if len(best) < 8:
        return None
    step = max(1, len(best) // 150)
    points = [[int(x), int(y)] for x, y in best[::step]]
    return {"points": points, "radius": float(2 * thick + 4), "positive": True, "edge": True}


def next_action(pred: np.ndarray, gt: np.ndarray, tools: bool = True) -> dict | None:
    """The next click, or the tool a seller would take for the largest error: an "all like
    it" remove-click for one of several enclosed holes, an edge stroke for a thin band along
    the boundary. Strokes carry ``points``."""
    best = _largest_error(pred, gt)
    if best is None:
        return None
    area, positive, region, dist, err, labels, areas = best
    d = np.where(region, dist, -1.0)
    y, x = np.unravel_index(int(d.argmax()), d.shape)
    click = {"x": int(x), "y": int(y), "positive": positive}
    if not tools:
        return click
    thick = float(d.max())  # half the band's thickness
    side = max(gt.shape)
    if thick <= max(2.0, THIN_SHARE * side) and area >= EDGE_LENGTH * (2 * thick) ** 2:
        stroke = _edge_stroke(region, gt, thick)
        if stroke is not None:
            return stroke
    if not positive:
        holes = fill_enclosed(gt) & ~gt  # the product's see-through regions
        if holes[y, x]:
            big = np.flatnonzero(areas >= ALL_SHARE * area)
            inside = np.bincount(labels[holes], minlength=len(areas))
            n_holes = int(sum(inside[i] >= 0.5 * areas[i] for i in big if i > 0))
            if n_holes >= ALL_HOLES:
                return {**click, "all": True}
    return click


def simulate(
    item: Item,
    seg: Segmenter,
    n_clicks: int,
    mode: str = "auto",
    cache_dir: Path | None = None,
    params: corrections.CorrectionParams | None = None,
    bare: bool = True,
) -> ClickRecord:
    photo_img = load_photo(item.image)
    gt = load_gt(item.gt)
    photo = np.asarray(photo_img)
    rec = ClickRecord(item.source, item.id, photo_img.width, photo_img.height, mode)
    if bare:
        t = time.perf_counter()
        seg.predict(photo_img, None)
        rec.ms_bare = (time.perf_counter() - t) * 1000.0
    if mode == "auto":
        base = automatic_alpha(item, seg, photo_img, cache_dir)
    else:
        base = np.zeros(gt.shape, np.float32)
    gt_b = gt > 0.5
    alpha = base
    actions: list[dict] = []
    session = corrections.Session(photo, base, params=params)
    tools = True
    for k in range(n_clicks + 1):
        s = metrics.score(alpha, gt)
        rec.ious.append(round(s["iou"], 5))
        rec.acceptable.append(bool(s["acceptable"]))
        rec.bfs.append(round(s["bf"], 4))
        if k == n_clicks:
            break
        if s["iou"] >= 0.90 and s["acceptable"] and k >= COVER_CLICKS:
            break
        action = next_action(alpha > 0.5, gt_b, tools)
        if action is None:
            break
        tried = actions + [action]
        t = time.perf_counter()
        new = session.apply(
            [a for a in tried if "points" not in a], [a for a in tried if "points" in a]
        )
        rec.click_ms.append((time.perf_counter() - t) * 1000.0)
        plain = "points" not in action and not action.get("all")
        if plain or metrics.score(new, gt)["iou"] > s["iou"]:
            actions, alpha, tools = tried, new, True
        else:
            # The seller sees the tool did not help and undoes it: the try still costs a
            # click, and the next one is a plain click.
            rec.clicks.append({**action, "undone": True})
            tools = False
            continue
        rec.clicks.append(action)
    return rec


def acceptable_by(rec: ClickRecord, k: int) -> bool:
    """Acceptable after at most ``k`` clicks: the seller watches the preview and stops at the
    first acceptable one (a photo that stopped clicking carries its last state forward)."""
    return any(rec.acceptable[: k + 1])


def noc(rec: ClickRecord, level: float, n_clicks: int) -> int:
    for k, v in enumerate(rec.ious):
        if v >= level:
            return k
    return n_clicks


def summarize_records(records: list[ClickRecord], n_clicks: int) -> dict:
    if not records:
        return {"n": 0}
    lat = [ms for r in records for ms in r.click_ms]
    bare = [r.ms_bare for r in records if r.ms_bare is not None]
    out: dict = {"n": len(records)}
    for level in NOC_LEVELS:
        out[f"noc{int(level * 100)}"] = float(np.mean([noc(r, level, n_clicks) for r in records]))
    for k in ACCEPT_AFTER:
        out[f"acc{k}"] = float(np.mean([acceptable_by(r, k) for r in records]))
    out["click_ms_median"] = float(np.median(lat)) if lat else None
    out["click_ms_p90"] = float(np.percentile(lat, 90)) if lat else None
    out["bare_ms_median"] = float(np.median(bare)) if bare else None
    if lat and bare:
        out["ratio_median"] = out["click_ms_median"] / out["bare_ms_median"]
    # The latency target is set on ~1600 px photos: those on their own.
    big = [r for r in records if max(r.width, r.height) >= BIG_SIDE]
    big_lat = [ms for r in big for ms in r.click_ms]
    big_bare = [r.ms_bare for r in big if r.ms_bare is not None]
    if big_lat:
        out["big_photos"] = len(big)
        out["big_click_ms_median"] = float(np.median(big_lat))
        out["big_click_ms_p90"] = float(np.percentile(big_lat, 90))
        if big_bare:
            out["big_bare_ms_median"] = float(np.median(big_bare))
            out["big_ratio_median"] = out["big_click_ms_median"] / out["big_bare_ms_median"]
    return out


def summarize(records: list[ClickRecord], n_clicks: int) -> dict[str, dict]:
    """Per source (first-seen order), per half of the split, and pooled."""
    groups: dict[str, list[ClickRecord]] = {}
    for r in records:
        groups.setdefault(r.source, []).append(r)
    out = {name: summarize_records(rs, n_clicks) for name, rs in groups.items()}
    out["pooled"] = summarize_records(records, n_clicks)
    return out


def format_table(summary: dict[str, dict], title: str = "") -> str:
    def num(v, fmt):
        return "-" if v is None else format(v, fmt)

    head = (
        f"{title:<28}{'n':>5}{'NoC85':>7}{'NoC90':>7}"
        + "".join(f"{'acc@' + str(k):>7}" for k in ACCEPT_AFTER)
        + f"{'ms med':>8}{'ms p90':>8}{'bare':>7}{'ratio':>7}"
    )
    lines = [head, "-" * len(head)]
    for name, s in summary.items():
        if not s.get("n"):
            continue
        lines.append(
            f"{name:<28}{s['n']:>5}{s['noc85']:>7.2f}{s['noc90']:>7.2f}"
            + "".join(f"{s[f'acc{k}'] * 100:>6.0f}%" for k in ACCEPT_AFTER)
            + f"{num(s['click_ms_median'], '.0f'):>8}{num(s['click_ms_p90'], '.0f'):>8}"
            f"{num(s['bare_ms_median'], '.0f'):>7}{num(s.get('ratio_median'), '.2f'):>7}"
        )
    return "\n".join(lines)


def run(
    items: list[Item],
    seg: Segmenter,
    n_clicks: int,
    mode: str = "auto",
    cache_dir: Path | None = None,
    params: corrections.CorrectionParams | None = None,
    bare: bool = True,
    progress: Callable[[Iterable[Item]], Iterator[Item]] | None = None,
) -> list[ClickRecord]:
    if bare and items:
        seg.predict(Image.new("RGB", (64, 64), (128, 128, 128)), None)
    it = progress(items) if progress else iter(items)
    return [simulate(i, seg, n_clicks, mode, cache_dir, params, bare) for i in it]


def records_as_dicts(records: list[ClickRecord]) -> list[dict]:
    return [asdict(r) for r in records]


def report(
    items: list[Item],
    seg: Segmenter,
    n_clicks: int,
    scratch: bool,
    cache_dir: Path | None,
    bare: bool = True,
    progress: Callable[[Iterable[Item]], Iterator[Item]] | None = None,
    params: corrections.CorrectionParams | None = None,
) -> dict:
    """Tables (per source, per half, pooled) for ``bg_eval --clicks`` and their JSON."""
    modes = ["auto", "scratch"] if scratch else ["auto"]
    text, data = [], {"segmenter": seg.key, "clicks": n_clicks, "modes": {}}
    for mode in modes:
        records = run(items, seg, n_clicks, mode, cache_dir, params, bare, progress)
        summary = summarize(records, n_clicks)
        halves = {
            # The split of ``runner.split`` (read_manifest): tune on A, report on B.
            f"half {h}": summarize_records(
                [r for r, i in zip(records, items, strict=True) if i.half == h], n_clicks
            )
            for h in HALVES
        }
        title = "from the automatic cut-out" if mode == "auto" else "from scratch"
        text.append(format_table({**summary, **halves}, title))
        pooled = summary["pooled"]
        if pooled.get("big_photos"):
            text.append(
                f"one click on the {pooled['big_photos']} photos >= {BIG_SIDE} px: median "
                f"{pooled['big_click_ms_median']:.0f} ms, p90 {pooled['big_click_ms_p90']:.0f} ms"
                + (
                    f", {pooled['big_ratio_median']:.2f}x the bare model call "
                    f"({pooled['big_bare_ms_median']:.0f} ms)"
                    if pooled.get("big_ratio_median")
                    else ""
                )
            )
        data["modes"][mode] = {
            "summary": summary,
            "halves": halves,
            "records": records_as_dicts(records),
        }
    return {"text": "\n\n".join(text), "json": data}
