"""Measure the cascade's escalation signals and pick its rule on one half of the eval set.

    python -m benchmarks.cascade_rule measure --half A --models-dir var/models \
        --cache var/model-cache --out var/cascade-A.jsonl [--sources a,b] [--limit N]
    python -m benchmarks.cascade_rule fit var/cascade-A.jsonl [--max-share 0.25]
    python -m benchmarks.cascade_rule score var/cascade-B.jsonl [--rule JSON]

``measure`` cuts every photo out with the fast model and with the larger one (through the
model cache, so a second run costs only the refinement), and writes one line per photo: the
first cut's signals (``segment.signals``), both results' scores and confidences. Resumes an
interrupted file. ``fit`` tries rules over those lines (escalate on low confidence, enclosed
background, thin parts, never on a small subject; keep the larger model's result when it is more
confident by a margin) and prints the best ones on product shots that escalate at most
``--max-share`` of them and lose nothing against the fast path elsewhere. ``score`` reports
one rule per source: acceptable share, escalated share, against the fast path and the bare
model.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path

EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"
#: The product shots the issue's target is set on.
PRODUCT = ("product_composites", "bigbird_demo")
#: The loosest rule ``fit`` tries: photos it does not escalate never meet the larger model
#: under any rule of the grid, so ``measure`` spares their (slow) second cut-out.
GRID = {
    "threshold": [0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
    "skip_subject": [0.0, 0.03, 0.05, 0.08, 0.1],
    "max_holes": [1.0, 0.1, 0.05, 0.02],
    "max_thin": [1.0, 0.3, 0.2, 0.1, 0.05],
    "margin": [-0.1, 0.0, 0.05, 0.1, 0.2],
}


def _loosest():
    from konigle_bg.imaging.segment.cascade import Rule

    loose = {"max_holes": min, "max_thin": min, "skip_subject": min}
    return Rule(**{k: loose.get(k, max)(v) for k, v in GRID.items()})


def measure(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from konigle_bg.evaluation import metrics, runner
    from konigle_bg.evaluation.modelcache import with_cache
    from konigle_bg.imaging.pipeline import RefineParams, cutout_with
    from konigle_bg.imaging.segment import get_segmenter
    from konigle_bg.imaging.segment.signals import first_cut

    seg = get_segmenter("cascade", models_dir=args.models_dir)
    if args.cache:
        seg = with_cache(seg, args.cache)
    fast, large = seg.primary, seg.second_opinion()
    gate = _loosest()
    if large is None:
        sys.exit("no larger model installed in --models-dir")
    sources = args.sources.split(",") if args.sources else None
    items = runner.read_manifest(Path(args.eval) / "manifest.csv", sources, args.limit, args.half)
    out = Path(args.out)
    done = set()
    if out.is_file():
        done = {(r["source"], r["id"]) for r in map(json.loads, out.read_text().splitlines())}
    with out.open("a") as fh:
        for item in items:
            if (item.source, item.id) in done:
                continue
            photo = runner.load_photo(item.image)
            gt = runner.load_gt(item.gt)
            first = cutout_with(photo, fast)
            signals = first_cut(first.alpha, first.confidence)
            second = None
            if gate.escalates(signals):
                # As pipeline.cutout runs it: no zoomed pass for the larger model.
                second = cutout_with(photo, large, params=replace(RefineParams(), zoom=False))
            bare = metrics.score(fast.predict(photo), gt)
            row = {
                "source": item.source,
                "id": item.id,
                "half": item.half,
                "signals": signals.as_dict(),
                "bare": _score(bare),
                "fast": {**_score(metrics.score(first.alpha, gt)), "conf": first.confidence},
                "large": second
                and {**_score(metrics.score(second.alpha, gt)), "conf": second.confidence},
            }
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            print(item.name, row["signals"], row["fast"], row["large"], flush=True)


def _score(s: dict) -> dict:
    return {"iou": round(s["iou"], 4), "bf": round(s["bf"], 4), "ok": bool(s["acceptable"])}


def outcome(rows: list[dict], rule: dict) -> dict[str, dict]:
    """Per source (and ``product``): acceptable share, escalated share, mean IoU, drops."""
    from konigle_bg.imaging.segment.cascade import Rule

    r = Rule(**rule)
    groups: dict[str, list[tuple[dict, bool]]] = {}
    for row in rows:
        asks = r.escalates(_signals(row["signals"]))
        if asks and row["large"] is None:
            raise ValueError(f"{row['id']}: escalated by {rule}, but measured under the gate")
        swap = asks and r.prefers(row["fast"]["conf"], row["large"]["conf"])
        kept = row["large"] if swap else row["fast"]
        entry = (row, asks, kept)
        groups.setdefault(row["source"], []).append(entry)
        if row["source"] in PRODUCT:
            groups.setdefault("product", []).append(entry)
    out = {}
    for name, entries in groups.items():
        n = len(entries)
        out[name] = {
            "n": n,
            "acceptable": sum(k["ok"] for _, _, k in entries) / n,
            "fast": sum(row["fast"]["ok"] for row, _, _ in entries) / n,
            "bare": sum(row["bare"]["ok"] for row, _, _ in entries) / n,
            "escalated": sum(a for _, a, _ in entries) / n,
            "iou": sum(k["iou"] for _, _, k in entries) / n,
            "fast_iou": sum(row["fast"]["iou"] for row, _, _ in entries) / n,
            "bare_iou": sum(row["bare"]["iou"] for row, _, _ in entries) / n,
            "drops": sum(k["iou"] < row["bare"]["iou"] - 0.1 for row, _, k in entries),
        }
    return out


def _signals(d: dict):
    from konigle_bg.imaging.segment.signals import FirstCut

    return FirstCut(**d)


def fit(args: argparse.Namespace) -> None:
    rows = _rows(args.file)
    grid = GRID
    found = []
    for values in itertools.product(*grid.values()):
        rule = dict(zip(grid, values, strict=True))
        res = outcome(rows, rule)
        if res["product"]["escalated"] > args.max_share:
            continue
        # Never worse than the fast path (and so than bare) on the other sources.
        if any(
            s["acceptable"] < s["fast"] - 1e-9 or s["iou"] < s["fast_iou"] - 1e-9
            for k, s in res.items()
            if k not in PRODUCT and k != "product"
        ):
            continue
        # Rank: product acceptable share, then acceptable share over every photo, then
        # fewer escalations on product shots, then their mean IoU.
        pooled = sum(s["acceptable"] * s["n"] for k, s in res.items() if k != "product")
        pooled /= sum(s["n"] for k, s in res.items() if k != "product")
        found.append(
            (
                res["product"]["acceptable"],
                pooled,
                -res["product"]["escalated"],
                res["product"]["iou"],
                rule,
            )
        )
    found.sort(key=lambda f: f[:4], reverse=True)
    for acc, pooled, esc, iou, rule in found[: args.top]:
        print(
            f"product acceptable {acc:.1%} escalated {-esc:.1%} IoU {iou:.3f} "
            f"all sources {pooled:.1%}",
            json.dumps(rule),
        )


def score(args: argparse.Namespace) -> None:
    from konigle_bg.imaging.segment.cascade import Rule

    rows = _rows(args.file)
    rule = json.loads(args.rule) if args.rule else Rule().as_dict()
    print(json.dumps(rule))
    res = outcome(rows, rule)
    print(
        f"{'source':<28}{'n':>4}{'accept':>8}{'fast':>7}{'bare':>7}{'escal':>7}"
        f"{'IoU':>7}{'fast':>7}{'bare':>7}{'drops':>6}"
    )
    for name, s in res.items():
        print(
            f"{name:<28}{s['n']:>4}{s['acceptable']:>8.1%}{s['fast']:>7.1%}{s['bare']:>7.1%}"
            f"{s['escalated']:>7.1%}{s['iou']:>7.3f}{s['fast_iou']:>7.3f}{s['bare_iou']:>7.3f}"
            f"{s['drops']:>6}"
        )


def _rows(file: str) -> list[dict]:
    return [json.loads(line) for line in Path(file).read_text().splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.cascade_rule",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--half", choices=["A", "B"], required=True)
    m.add_argument("--models-dir", required=True)
    m.add_argument("--cache", default=None)
    m.add_argument("--out", required=True)
    m.add_argument("--sources", default=None)
    m.add_argument("--limit", type=int, default=None)
    m.add_argument("--eval", default=str(EVAL))
    f = sub.add_parser("fit")
    f.add_argument("file")
    f.add_argument("--max-share", type=float, default=0.25)
    f.add_argument("--top", type=int, default=15)
    s = sub.add_parser("score")
    s.add_argument("file")
    s.add_argument("--rule", default=None, help="JSON of Rule's fields (default: Rule()).")
    args = p.parse_args(argv)
    {"measure": measure, "fit": fit, "score": score}[args.cmd](args)


if __name__ == "__main__":
    main()
