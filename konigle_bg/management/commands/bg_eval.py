"""Score cut-outs against ground truth: ``manage.py bg_eval MANIFEST [--out DIR] ...``.

Thin wrapper over ``konigle_bg.evaluation.runner``; the manifest is a CSV like
../shared/eval/manifest.csv (source, id, image, gt, gt_type; paths relative to its folder).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from konigle_bg import services
from konigle_bg.conf import bg_settings
from konigle_bg.evaluation import runner as evaluation
from konigle_bg.evaluation.modelcache import with_cache
from konigle_bg.imaging.segment import SegmenterUnavailable, get_segmenter


class Command(BaseCommand):
    help = "Cut out every photo of an eval manifest and score the mattes (IoU, MAE, BF, ...)."

    def add_arguments(self, parser):
        parser.add_argument("manifest", help="manifest.csv of the eval set.")
        parser.add_argument("--out", help="Folder for the alpha mattes (<source>__<id>.png).")
        parser.add_argument("--segmenter", help="Segmenter name (default: the SEGMENTER setting).")
        parser.add_argument("--sources", help="Comma-separated sources to keep.")
        parser.add_argument("--limit", type=int, help="At most N photos per source.")
        parser.add_argument("--json", dest="json_file", help="Write per-photo records and summary.")
        parser.add_argument(
            "--no-bare", action="store_true", help="Skip scoring and timing the bare model."
        )
        parser.add_argument(
            "--half",
            choices=evaluation.HALVES,
            help="Only one half of the split (tune on A, report on B).",
        )
        parser.add_argument(
            "--by",
            metavar="COLUMN",
            help="Also summarise per value of COLUMN: a record field (half, source, escalated) "
            "or a manifest column (the slices' kind, backdrop).",
        )
        parser.add_argument(
            "--models-dir",
            help="Where the cascade's larger model is installed (default: MODELS_DIR).",
        )
        parser.add_argument(
            "--cache",
            help="Folder caching the model's maps between runs (e.g. var/model-cache); "
            "model timings then measure the cache.",
        )
        parser.add_argument(
            "--clicks",
            type=int,
            metavar="N",
            help="Simulate up to N correction clicks per photo instead (clicks to acceptable).",
        )
        parser.add_argument(
            "--scratch", action="store_true", help="With --clicks: also start from nothing."
        )
        parser.add_argument(
            "--clicks-cache",
            default="var/bg_eval_clicks",
            help="With --clicks: folder caching the automatic cut-outs (click 0).",
        )

    def handle(
        self,
        *args,
        manifest,
        out,
        segmenter,
        sources,
        limit,
        json_file,
        no_bare,
        half=None,
        cache=None,
        models_dir=None,
        **o,
    ):
        path = Path(manifest)
        if not path.is_file():
            raise CommandError(f"no such manifest: {path}")
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1")
        wanted = [s.strip() for s in sources.split(",") if s.strip()] if sources else None
        try:
            items = evaluation.read_manifest(path, wanted, limit, half)
        except (KeyError, ValueError) as exc:
            raise CommandError(f"bad manifest: {exc}") from None
        if not items:
            raise CommandError("the manifest selects no photos")

        try:
            # Without --segmenter: the very session the workers use (settings' options).
            if segmenter == "cascade":
                seg = get_segmenter(
                    "cascade",
                    models_dir=models_dir or bg_settings.MODELS_DIR,
                    threshold=bg_settings.CASCADE_THRESHOLD,
                )
            else:
                seg = get_segmenter(segmenter) if segmenter else services.segmenter()
        except SegmenterUnavailable as exc:
            raise CommandError(str(exc)) from None
        if cache:
            seg = with_cache(seg, cache)

        progress = self._progress(o.get("verbosity", 1))
        if o.get("clicks") is not None:
            return self._clicks(items, seg, o, progress, json_file, bare=not no_bare)
        records = evaluation.run(items, seg, out_dir=out, bare=not no_bare, progress=progress)
        summary = evaluation.summarize(records, by=o.get("by"))
        self.stdout.write(f"segmenter {seg.key}, {len(records)} photos from {path}")
        self.stdout.write(evaluation.format_table(summary))
        if json_file:
            Path(json_file).write_text(
                json.dumps(
                    {
                        "segmenter": seg.key,
                        "summary": summary,
                        "records": evaluation.records_as_dicts(records),
                    },
                    indent=1,
                )
            )

    def _clicks(self, items, seg, o, progress, json_file, bare: bool) -> None:
        from konigle_bg.evaluation import clicks

        n = o["clicks"]
        if n < 1:
            raise CommandError("--clicks must be at least 1")
        report = clicks.report(items, seg, n, o["scratch"], Path(o["clicks_cache"]), bare, progress)
        self.stdout.write(f"segmenter {seg.key}, {len(items)} photos, up to {n} clicks")
        self.stdout.write(report["text"])
        if json_file:
            Path(json_file).write_text(json.dumps(report["json"], indent=1))

    def _progress(self, verbosity: int):
        def wrap(items):
            # tqdm draws on stderr so the table on stdout stays clean.
            return tqdm(items, desc="bg_eval", unit="photo", disable=verbosity < 1)

        return wrap
