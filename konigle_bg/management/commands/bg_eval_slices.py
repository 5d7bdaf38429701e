"""Render the evaluation slices: ``manage.py bg_eval_slices --out var/eval-slices``.

Photos, exact alpha and a ``manifest.csv`` that ``bg_eval`` reads (see
``konigle_bg.evaluation.slices``). Deterministic from ``--seed``.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from konigle_bg.evaluation import slices


class Command(BaseCommand):
    help = "Render the see_through and distractors evaluation slices with exact alpha."

    def add_arguments(self, parser):
        parser.add_argument("--out", default="var/eval-slices", help="Folder to write.")
        parser.add_argument(
            "--eval",
            dest="eval_dir",
            default="../shared/eval",
            help="Evaluation set to borrow real objects and photo backdrops from "
            "(skipped where absent).",
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--count", type=int, default=72, help="Photos per slice.")
        parser.add_argument(
            "--sources", help=f"Comma-separated slices (default: {','.join(slices.SOURCES)})."
        )

    def handle(self, *args, out, eval_dir, seed, count, sources, **o):
        if count < 1:
            raise CommandError("--count must be at least 1")
        wanted = tuple(s.strip() for s in sources.split(",")) if sources else slices.SOURCES
        unknown = set(wanted) - set(slices.SOURCES)
        if unknown:
            raise CommandError(f"unknown slices: {', '.join(sorted(unknown))}")
        ev = Path(eval_dir) if eval_dir else None
        if ev is not None and not ev.is_dir():
            self.stderr.write(f"no evaluation set at {ev}: drawn objects and backdrops only")
            ev = None
        quiet = o.get("verbosity", 1) < 1
        manifest = slices.build(
            out,
            ev,
            seed=seed,
            count=count,
            sources=wanted,
            progress=None if quiet else self.stdout.write,
        )
        self.stdout.write(f"wrote {manifest}")
